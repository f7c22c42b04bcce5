/**
 * Pure: calendar dates as text (`YYYY-MM-DD`), never through a time zone. Shared by the
 * entry's date, typed field values and task dates.
 */

/** `YYYY-MM-DD` if the numbers form a real calendar date (2024-02-30 is none), else null. */
export function calendarDate(y: number, m: number, d: number): string | null {
  if (m < 1 || m > 12 || d < 1 || d > 31) return null;
  const t = new Date(Date.UTC(2000, m - 1, d));
  t.setUTCFullYear(y, m - 1, d); // Date.UTC maps years 0–99 to 1900–1999
  if (t.getUTCFullYear() !== y || t.getUTCMonth() !== m - 1 || t.getUTCDate() !== d) return null;
  return `${String(y).padStart(4, '0')}-${String(m).padStart(2, '0')}-${String(d).padStart(2, '0')}`;
}

/**
 * `YYYY-MM-DD`, optionally followed by an ISO time (`T10:30`, `T10:30:00.5Z`, `+02:00`;
 * a space may stand for the `T`, as in YAML timestamps).
 */
const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})(?:[Tt ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:[Zz]|[+-]\d{2}(?::?\d{2})?)?)?$/;

/** The calendar date of an ISO date or date-time written alone (trimmed), else null. */
export function isoDateOf(text: string): string | null {
  const m = ISO_DATE.exec(text.trim());
  return m ? calendarDate(Number(m[1]), Number(m[2]), Number(m[3])) : null;
}
