/**
 * Dataview's inline fields in one line of text, as Dataview finds them
 * (https://blacksmithgu.github.io/obsidian-dataview/annotation/add-metadata/#inline-fields):
 * `[key:: value]` and `(key:: value)` anywhere in a line, and `Key:: value` taking a whole
 * line (or list item). Typing the values is field-value.ts's.
 */

export interface RawField {
  key: string;
  /** The value as written, trimmed. */
  value: string;
}

const CLOSE: Record<string, string> = { '[': ']', '(': ')' };

/**
 * `[key:: value]` and `(key:: value)` in `text`, in the order written. The key may not
 * contain a bracket; the value runs to the matching closing bracket (nested brackets and
 * `\` escapes respected), so `[due:: [[2024-06-01]]]` keeps its link. Positions are looked
 * for in `text` and values taken from `source` (the same line with code not blanked).
 */
export function bracketFields(text: string, source: string = text): RawField[] {
  const found: Array<RawField & { at: number }> = [];
  for (const open of ['[', '(']) {
    for (let at = text.indexOf(open); at !== -1; ) {
      const field = bracketFieldAt(text, source, at, open);
      if (field === null) {
        at = text.indexOf(open, at + 1);
        continue;
      }
      found.push({ key: field.key, value: field.value, at });
      at = text.indexOf(open, field.end);
    }
  }
  if (found.length > 1) found.sort((a, b) => a.at - b.at);
  return found.map(({ key, value }) => ({ key, value }));
}

function bracketFieldAt(text: string, source: string, start: number, open: string): { key: string; value: string; end: number } | null {
  const sep = text.indexOf('::', start + 1);
  if (sep === -1) return null;
  const key = text.slice(start + 1, sep).trim();
  if (key === '' || /[[\]()]/.test(key)) return null;
  const close = CLOSE[open]!;
  let nesting = 0;
  let escaped = false;
  for (let i = sep + 2; i < text.length; i++) {
    const c = text[i];
    if (c === '\\') {
      escaped = !escaped;
      continue;
    }
    if (escaped) {
      escaped = false;
      continue;
    }
    if (c === open) nesting++;
    else if (c === close && --nesting < 0) return { key: source.slice(start + 1, sep).trim(), value: source.slice(sep + 2, i).trim(), end: i + 1 };
  }
  return null;
}

/**
 * Dataview's full-line key: leading markup skipped (`**Bold**::`, `> Key::`), then letters,
 * digits, `_`, `-`, `/`, spaces and emoji only, then trailing `_*~` or backticks.
 */
const FULL_LINE_KEY = /^[^0-9\p{L}\p{N}_]*((?:[\p{L}\p{N}\p{M}_\s/-]|\p{Extended_Pictographic}|\u{FE0F}|\u{200D})+)[_*~`]*$/u;

/** `Key:: value` taking the whole of `text` (a line, or a list item's text), or null. */
export function fullLineField(text: string, source: string = text): RawField | null {
  const sep = text.indexOf('::');
  if (sep === -1) return null;
  const m = FULL_LINE_KEY.exec(text.slice(0, sep).trim());
  if (!m) return null;
  const key = m[1]!.trim();
  return key === '' ? null : { key, value: source.slice(sep + 2).trim() };
}
