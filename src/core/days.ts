/**
 * Calendar days as 'YYYY-MM-DD': the machine's local date of an instant, the instants a
 * local day spans, and arithmetic on the calendar itself (never shifted by a time zone
 * or a change of daylight saving time).
 */

/** The local date (the machine's time zone) of an instant in ms since the epoch. */
export function localDay(ms: number): string {
  const d = new Date(ms);
  return format(d.getFullYear(), d.getMonth() + 1, d.getDate());
}

/**
 * The instants of a local day as ISO-8601 UTC strings, `from` inclusive and `to`
 * exclusive — the form of entry_events.at, so that a text comparison selects the day.
 * A day with a daylight-saving change is 23 or 25 hours long.
 */
export function dayBounds(day: string): { from: string; to: string } {
  const [y, m, d] = parts(day);
  return { from: localMidnight(y, m, d).toISOString(), to: localMidnight(y, m, d + 1).toISOString() };
}

/** `day` moved by `n` days on the calendar. */
export function addDays(day: string, n: number): string {
  const [y, m, d] = parts(day);
  const t = new Date(0);
  t.setUTCFullYear(y, m - 1, d + n);
  return format(t.getUTCFullYear(), t.getUTCMonth() + 1, t.getUTCDate());
}

/** The Monday on or before `day` (weeks start on Monday, as ISO 8601 has it). */
export function weekStart(day: string): string {
  const [y, m, d] = parts(day);
  const t = new Date(0);
  t.setUTCFullYear(y, m - 1, d);
  return addDays(day, -((t.getUTCDay() + 6) % 7));
}

/** The first day of `day`'s month. */
export function monthStart(day: string): string {
  return `${day.slice(0, 8)}01`;
}

function localMidnight(y: number, m: number, d: number): Date {
  const t = new Date(0);
  t.setFullYear(y, m - 1, d);
  t.setHours(0, 0, 0, 0);
  return t;
}

function parts(day: string): [number, number, number] {
  return [Number(day.slice(0, 4)), Number(day.slice(5, 7)), Number(day.slice(8, 10))];
}

function format(y: number, m: number, d: number): string {
  return `${String(y).padStart(4, '0')}-${String(m).padStart(2, '0')}-${String(d).padStart(2, '0')}`;
}
