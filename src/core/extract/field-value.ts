/**
 * Pure: the type of a field's value (SPEC §3 `fields`), close to Dataview's literals
 * (https://blacksmithgu.github.io/obsidian-dataview/annotation/types-of-metadata/):
 * `number` for a plain decimal, `bool` for true/false, `date` for `YYYY-MM-DD` or an ISO
 * date-time that is a real calendar date, `link` for a single `[[…]]`, else `text`.
 */
import { isoDateOf } from '../dates.js';
import type { Field, FieldType } from './found.js';

const DECIMAL = /^-?\d+(?:\.\d+)?$/;
const SINGLE_LINK = /^\[\[[^[\]]+\]\]$/;

/** The type of a value written as text (an inline field, a YAML string is typed by `yamlField`). */
export function typeOfText(value: string): { type: FieldType; num: number | null } {
  if (DECIMAL.test(value)) return { type: 'number', num: Number(value) };
  const lower = value.length <= 5 ? value.toLowerCase() : '';
  if (lower === 'true' || lower === 'false') return { type: 'bool', num: lower === 'true' ? 1 : 0 };
  return { type: stringType(value), num: null };
}

/** A string is a date or a link by its shape; a number is never read out of a string in YAML (`"7"` stays text, as in Dataview). */
function stringType(value: string): FieldType {
  if (value.length >= 10 && value.length <= 40 && isoDateOf(value) !== null) return 'date';
  if (value.startsWith('[[') && SINGLE_LINK.test(value)) return 'link';
  return 'text';
}

/** An inline field; null when its value is empty (Dataview reads that as no value). */
export function inlineField(key: string, value: string, line: number): Field | null {
  if (value === '') return null;
  return { key, value, ...typeOfText(value), source: 'inline', line };
}

/**
 * Every frontmatter key as fields, as Dataview reads them: a list gives one row per item,
 * a nested mapping dotted keys (`a.b`); YAML numbers and booleans keep their type, strings
 * are dates or links by their shape. Empty values (`key:`, `[]`, `{}`) give no row.
 */
export function frontmatterFields(data: Record<string, unknown>): Field[] {
  const out: Field[] = [];
  for (const [key, value] of Object.entries(data)) addYaml(out, key, value);
  return out;
}

function addYaml(out: Field[], key: string, value: unknown): void {
  if (value === null || value === undefined) return;
  if (Array.isArray(value)) {
    for (const item of value) addYaml(out, key, item);
  } else if (typeof value === 'object') {
    for (const [k, v] of Object.entries(value as Record<string, unknown>)) addYaml(out, `${key}.${k}`, v);
  } else if (typeof value === 'number') {
    // NaN and ±Infinity (`.nan`, `.inf`) have no place in a REAL column: kept as text.
    out.push(frontmatterRow(key, String(value), Number.isFinite(value) ? 'number' : 'text', Number.isFinite(value) ? value : null));
  } else if (typeof value === 'boolean') {
    out.push(frontmatterRow(key, String(value), 'bool', value ? 1 : 0));
  } else {
    const text = String(value);
    if (text.trim() !== '') out.push(frontmatterRow(key, text, stringType(text.trim()), null));
  }
}

function frontmatterRow(key: string, value: string, type: FieldType, num: number | null): Field {
  return { key, value, type, num, source: 'frontmatter', line: null };
}
