/**
 * Dataview's inline fields in one line of text, as Dataview finds them
 * (https://blacksmithgu.github.io/obsidian-dataview/annotation/add-metadata/#inline-fields):
 * `[key:: value]` and `(key:: value)` anywhere in a line, and `Key:: value` taking a whole
 * line (or list item). Typing the values is field-value.ts's. Linear in the line's length
 * whatever it holds (a line of 20k `[a:: ` must not take seconds).
 */

export interface RawField {
  key: string;
  /** The value as written, trimmed. */
  value: string;
}

/** Longer than this before its `::`, text is no key (Dataview's keys are words, not paragraphs). */
const MAX_KEY = 256;

const PAIRS = [
  ['[', ']'],
  ['(', ')'],
] as const;

/**
 * `[key:: value]` and `(key:: value)` in `text`, in the order written. The key may not
 * contain a bracket; the value runs to the bracket matching the opening one (nested
 * brackets and `\` escapes respected, as Dataview counts them), so `[due:: [[2024-06-01]]]`
 * keeps its link. Positions are looked for in `text` and values taken from `source` (the
 * same line with code not blanked).
 */
export function bracketFields(text: string, source: string = text): RawField[] {
  const seps: number[] = [];
  for (let at = text.indexOf('::'); at !== -1; at = text.indexOf('::', at + 2)) seps.push(at);
  if (seps.length === 0) return [];
  const found: Array<RawField & { at: number }> = [];
  for (const [open, close] of PAIRS) {
    const match = matchingCloses(text, open, close);
    let s = 0;
    for (let p = text.indexOf(open); p !== -1; ) {
      while (s < seps.length && seps[s]! <= p) s++;
      const sep = seps[s];
      if (sep === undefined) break;
      const end = match.get(p);
      const key = sep - p - 1 <= MAX_KEY ? text.slice(p + 1, sep).trim() : '';
      if (end === undefined || end < sep || key === '' || /[[\]()]/.test(key)) {
        p = text.indexOf(open, p + 1);
        continue;
      }
      found.push({ key: source.slice(p + 1, sep).trim(), value: source.slice(sep + 2, end).trim(), at: p });
      p = text.indexOf(open, end + 1);
    }
  }
  if (found.length > 1) found.sort((a, b) => a.at - b.at);
  return found.map(({ key, value }) => ({ key, value }));
}

/** For each `open` in `text`, the position of its matching `close` (one pass with a stack; a `\` escapes the next character). */
function matchingCloses(text: string, open: string, close: string): Map<number, number> {
  const match = new Map<number, number>();
  const stack: number[] = [];
  let escaped = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '\\') {
      escaped = !escaped;
      continue;
    }
    if (escaped) {
      escaped = false;
      continue;
    }
    if (c === open) stack.push(i);
    else if (c === close && stack.length > 0) match.set(stack.pop()!, i);
  }
  return match;
}

/**
 * Dataview's full-line key: leading markup skipped (`**Bold**::`, `> Key::`), then letters,
 * digits, `_`, `-`, `/`, spaces and emoji only, then trailing `*`, `~` or backticks (one
 * character class for the key, none shared with what follows it: no backtracking blow-up).
 */
const FULL_LINE_KEY = /^[^\p{L}\p{N}_]*([\p{L}\p{N}\p{M}_\s/\-\p{Extended_Pictographic}\u{200D}]+)[*~`]*$/u;

/** `Key:: value` taking the whole of `text` (a line, or a list item's text), or null. */
export function fullLineField(text: string, source: string = text): RawField | null {
  const sep = text.indexOf('::');
  if (sep === -1 || sep > MAX_KEY) return null;
  const m = FULL_LINE_KEY.exec(text.slice(0, sep).trim());
  if (!m) return null;
  const key = m[1]!.trim();
  return key === '' ? null : { key, value: source.slice(sep + 2).trim() };
}
