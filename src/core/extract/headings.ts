/**
 * Headings: ATX headings `#` to `######` (https://help.obsidian.md/syntax#Headings), with
 * their level, text (closing `#`s dropped) and line — what `[[Note#Heading]]` names.
 * Setext underlines (`===`, `---`) are not read.
 */
import type { Found, Line } from './found.js';

const ATX = /^ {0,3}(#{1,6})[ \t]+(.*?)(?:[ \t]+#+)?[ \t]*$/;

export function extractHeading(line: Line, found: Found): void {
  if (!line.source.includes('#')) return;
  const m = ATX.exec(line.source);
  if (!m) return;
  const text = m[2]!.trim();
  if (text !== '') found.headings.push({ level: m[1]!.length, text, line: line.number });
}
