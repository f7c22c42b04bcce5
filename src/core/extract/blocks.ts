/**
 * Block ids (https://help.obsidian.md/links#Link+to+a+block+in+a+note): `^id` — letters,
 * digits and dashes — ending a paragraph's or list item's line after a space, or alone on
 * the line after a list, quote or table. Stored as `^id`, the way a link's anchor names it.
 */
import type { Found, Line } from './found.js';

const BLOCK_ID = /(?:^|[ \t])(\^[A-Za-z0-9-]+)[ \t]*$/;

export function extractBlock(line: Line, found: Found): void {
  if (!line.text.includes('^')) return;
  const m = BLOCK_ID.exec(line.text);
  if (m) found.blocks.push({ id: m[1]!, line: line.number });
}
