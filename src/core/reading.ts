/**
 * Pure: what the two readers (the MCP tools and the CLI's query verbs, SPEC §5) share —
 * how their arguments are normalised and bounded, and how `read_entry` pages a body — so
 * that `inkdex search` and the `search` tool can never read the same words differently.
 */
import type { EntryRead, FieldFilter } from './seam.js';

/** Each limit argument's range, and the MCP tools' default. */
export const LIMITS = {
  search: { min: 1, max: 100, default: 10 },
  list: { min: 1, max: 10_000, default: 50 },
  changes: { min: 1, max: 1000, default: 20 },
  tags: { min: 1, max: 10_000, default: 100 },
  tasks: { min: 1, max: 10_000, default: 50 },
  /** read_entry: characters of body per answer. */
  read: { min: 1, max: 1_000_000, default: 20_000 },
} as const;

/** Longest accepted search query, tag, folder or name, in characters (as on the HTTP API). */
export const MAX_TEXT_CHARS = 1000;

/** `#Work`, ` work ` → `work` (tags are stored lowercased, NFC, without `#`). */
export function normaliseTag(raw: string): string {
  return raw.trim().replace(/^#/, '').normalize('NFC').toLowerCase();
}

/** `/people/`, `people\` → `people`: a folder relative to the journal, no slashes around it. */
export function normaliseFolder(raw: string): string {
  return raw.trim().replace(/\\/g, '/').replace(/^(\.\/|\/)+|\/+$/g, '').normalize('NFC');
}

/** `key` (has it) or `key:value` (equal, case-insensitive); null when there is no key. */
export function parseFieldFilter(raw: string): FieldFilter | null {
  const at = raw.indexOf(':');
  const key = (at < 0 ? raw : raw.slice(0, at)).trim();
  if (key === '') return null;
  return { key, value: at < 0 ? null : raw.slice(at + 1).trim() };
}

/** True for `YYYY-MM-DD` naming a real calendar day. */
export function isCalendarDate(s: string): boolean {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(s);
  if (!m) return false;
  const d = new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])));
  return d.getUTCFullYear() === Number(m[1]) && d.getUTCMonth() === Number(m[2]) - 1 && d.getUTCDate() === Number(m[3]);
}

/** `since` for recent changes: a calendar date or an ISO-8601 date-time. */
export function isSince(s: string): boolean {
  if (isCalendarDate(s)) return true;
  return /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})?$/.test(s) && !Number.isNaN(Date.parse(s)) && isCalendarDate(s.slice(0, 10));
}

/**
 * `since` as the stored timestamps (UTC ISO-8601) compare: a date means that day's local
 * midnight, a date-time without a zone is local time (as the person asking means it).
 */
export function sinceKey(s: string): string {
  if (isCalendarDate(s)) return new Date(Number(s.slice(0, 4)), Number(s.slice(5, 7)) - 1, Number(s.slice(8, 10))).toISOString();
  return new Date(s).toISOString();
}

/** `read_entry`'s answer: the entry with one page of its body. */
export interface ReadEntryResult extends Omit<EntryRead, 'body'> {
  body: string;
  /** The whole body's length in characters (UTF-16 code units, as `offset` counts). */
  bodyLength: number;
  /** True when the body goes on past this page: ask again with `offset` + `limit`. */
  truncated: boolean;
}

/**
 * One page of the body: `limit` characters from `offset`, never splitting a character
 * that takes two code units (an emoji) at either end.
 */
export function pageBody(entry: EntryRead, offset: number, limit: number): ReadEntryResult {
  const body = entry.body;
  const start = clampToChar(body, Math.min(offset, body.length));
  let end = clampToChar(body, Math.min(body.length, start + limit));
  if (end === start && start < body.length) end = Math.min(body.length, start + 2); // limit 1 on an emoji
  return { ...entry, body: body.slice(start, end), bodyLength: body.length, truncated: end < body.length };
}

/** `i`, moved back one when it falls between the two halves of a surrogate pair. */
function clampToChar(s: string, i: number): number {
  if (i <= 0 || i >= s.length) return i;
  const code = s.charCodeAt(i);
  return code >= 0xdc00 && code <= 0xdfff ? i - 1 : i;
}
