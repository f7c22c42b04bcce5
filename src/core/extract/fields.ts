/**
 * The page's inline fields, as Dataview reads them
 * (https://blacksmithgu.github.io/obsidian-dataview/annotation/add-metadata/#inline-fields):
 * `[key:: value]` and `(key:: value)` anywhere in a line; `Key:: value` taking a whole line
 * or a list item (on a line without bracketed fields). Fields on a task's line (and its
 * continuation lines) belong to the task, not to the page, as in Dataview
 * (https://blacksmithgu.github.io/obsidian-dataview/annotation/metadata-tasks/). Unlike
 * Dataview, nothing is read from code or `%%comments%%` (they never reach an extractor).
 */
import { inlineField } from './field-value.js';
import type { Field, Found, Line } from './found.js';
import { bracketFields, fullLineField } from './inline-fields.js';

const LIST_MARKER = /^[ \t]*(?:[-*+]|\d{1,9}[.)])[ \t]+/;

export function extractFields(line: Line, found: Found): void {
  if (line.item === 'task' || line.item === 'task-text') return;
  if (!line.text.includes('::')) return;
  const push = (f: Field | null): void => {
    if (f) found.fields.push(f);
  };
  const bracketed = bracketFields(line.text, line.source);
  if (bracketed.length > 0) {
    for (const f of bracketed) push(inlineField(f.key, f.value, line.number));
    return;
  }
  // A whole-line field: on a line of its own or a list item's first line — not on a line
  // that continues an item (it is read with the item's text, not as a line of its own).
  if (line.item === 'item-text') return;
  const marker = line.item === 'item' ? (LIST_MARKER.exec(line.text)?.[0].length ?? 0) : 0;
  const whole = fullLineField(line.text.slice(marker), line.source.slice(marker));
  if (whole) push(inlineField(whole.key, whole.value, line.number));
}
