/**
 * Tasks: list items `- [ ] text` / `- [x] text` (also `*` and `+`), with the dates and
 * priority the Tasks plugin writes as emoji
 * (https://publish.obsidian.md/tasks/Reference/Task+Formats/Tasks+Emoji+Format: 📅 due,
 * ⏳ scheduled, ✅ done; 🔺 ⏫ 🔼 🔽 ⏬) or as Dataview's task fields
 * (https://publish.obsidian.md/tasks/Reference/Task+Formats/Dataview+Format:
 * `[due:: …]`, `[scheduled:: …]`, `[completion:: …]`, `[priority:: …]`). Found anywhere
 * on the task's line (as Dataview reads them); an emoji comes before a field.
 */
import { isoDateOf } from '../dates.js';
import type { Found, Line } from './found.js';
import { bracketFields, type RawField } from './inline-fields.js';

/** A task's first line: the box and the text after it. */
export const TASK_ITEM = /^[ \t]*[-*+][ \t]+\[([ xX])\](?:[ \t]+(.*))?$/;

// The variants Tasks and Dataview accept too (📆 🗓 ⌛), with an optional variation selector.
const DUE = /(?:\u{1F4C5}|\u{1F4C6}|\u{1F5D3})\u{FE0F}?\s*(\d{4}-\d{2}-\d{2})/u;
const SCHEDULED = /[\u{23F3}\u{231B}]\u{FE0F}?\s*(\d{4}-\d{2}-\d{2})/u;
const DONE = /\u{2705}\u{FE0F}?\s*(\d{4}-\d{2}-\d{2})/u;
const PRIORITY_EMOJI = /[\u{1F53A}\u{23EB}\u{1F53C}\u{1F53D}\u{23EC}]/u;
const PRIORITIES: Record<string, string> = { '\u{1F53A}': 'highest', '\u{23EB}': 'high', '\u{1F53C}': 'medium', '\u{1F53D}': 'low', '\u{23EC}': 'lowest' };
const PRIORITY_WORDS = new Set(['highest', 'high', 'medium', 'low', 'lowest']);

export function extractTask(line: Line, found: Found): void {
  if (line.item !== 'task') return;
  const m = TASK_ITEM.exec(line.source);
  if (!m) return;
  const text = line.text;
  // Emoji are above U+2000: a line of plain ASCII and Latin text has none.
  const emoji = /[\u2000-\uFFFF]/.test(text);
  const fields = text.includes('::') ? bracketFields(text, line.source) : [];
  found.tasks.push({
    line: line.number,
    text: (m[2] ?? '').trim(),
    done: m[1] !== ' ',
    due: (emoji ? emojiDate(text, DUE) : null) ?? fieldDate(fields, 'due'),
    scheduled: (emoji ? emojiDate(text, SCHEDULED) : null) ?? fieldDate(fields, 'scheduled'),
    doneDate: (emoji ? emojiDate(text, DONE) : null) ?? fieldDate(fields, 'completion'),
    priority: (emoji ? emojiPriority(text) : null) ?? fieldPriority(fields),
  });
}

function emojiDate(text: string, pattern: RegExp): string | null {
  const m = pattern.exec(text);
  return m ? isoDateOf(m[1]!) : null;
}

function emojiPriority(text: string): string | null {
  const m = PRIORITY_EMOJI.exec(text);
  return m ? PRIORITIES[m[0]]! : null;
}

function fieldOf(fields: RawField[], key: string): string | null {
  for (const f of fields) if (f.key.toLowerCase() === key) return f.value;
  return null;
}

/** A date field's calendar date (a date-time counts by its date); anything else is none. */
function fieldDate(fields: RawField[], key: string): string | null {
  const value = fieldOf(fields, key);
  return value === null ? null : isoDateOf(value);
}

/** Tasks' five words, lowercased; any other value as written. */
function fieldPriority(fields: RawField[]): string | null {
  const value = fieldOf(fields, 'priority');
  if (value === null || value === '') return null;
  return PRIORITY_WORDS.has(value.toLowerCase()) ? value.toLowerCase() : value;
}
