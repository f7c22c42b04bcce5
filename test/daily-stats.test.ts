/**
 * daily_stats as pure code: local days and their instants (across daylight-saving
 * changes), the rows a finished run writes (a first sync, a run past midnight), and the
 * writing streaks.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { dayRows, DayTally, streaks } from '../src/core/daily-stats.js';
import { addDays, dayBounds, localDay, monthStart, weekStart } from '../src/core/days.js';

const TZ = process.env.TZ;
afterEach(() => {
  if (TZ === undefined) delete process.env.TZ;
  else process.env.TZ = TZ;
});

describe('days', () => {
  it('takes the local date of an instant, not the UTC one', () => {
    process.env.TZ = 'America/Los_Angeles';
    expect(localDay(Date.parse('2024-03-08T07:30:00Z'))).toBe('2024-03-07'); // 23:30 the evening before
    process.env.TZ = 'Pacific/Auckland';
    expect(localDay(Date.parse('2024-03-07T12:30:00Z'))).toBe('2024-03-08'); // 01:30 the morning after
  });

  it('spans a local day with its instants, 23 or 25 hours on daylight-saving days', () => {
    process.env.TZ = 'America/Los_Angeles';
    expect(dayBounds('2024-03-09')).toEqual({ from: '2024-03-09T08:00:00.000Z', to: '2024-03-10T08:00:00.000Z' });
    expect(dayBounds('2024-03-10')).toEqual({ from: '2024-03-10T08:00:00.000Z', to: '2024-03-11T07:00:00.000Z' });
    expect(dayBounds('2024-11-03')).toEqual({ from: '2024-11-03T07:00:00.000Z', to: '2024-11-04T08:00:00.000Z' });
    const { from, to } = dayBounds('2024-03-10');
    expect(localDay(Date.parse(from))).toBe('2024-03-10');
    expect(localDay(Date.parse(to) - 1)).toBe('2024-03-10');
    expect(localDay(Date.parse(to))).toBe('2024-03-11');
  });

  it('counts on the calendar: months, years, leap days', () => {
    expect(addDays('2024-02-28', 1)).toBe('2024-02-29');
    expect(addDays('2024-03-01', -1)).toBe('2024-02-29');
    expect(addDays('2023-12-31', 1)).toBe('2024-01-01');
    expect(addDays('2024-03-10', 365)).toBe('2025-03-10');
  });

  it('starts weeks on Monday and months on the 1st', () => {
    expect(weekStart('2024-03-12')).toBe('2024-03-11'); // a Tuesday
    expect(weekStart('2024-03-11')).toBe('2024-03-11'); // a Monday
    expect(weekStart('2024-03-10')).toBe('2024-03-04'); // a Sunday ends the week before
    expect(weekStart('2024-01-02')).toBe('2024-01-01');
    expect(weekStart('2023-01-01')).toBe('2022-12-26');
    expect(monthStart('2024-03-12')).toBe('2024-03-01');
  });
});

describe('dayRows', () => {
  it('gives the day a run finished on its totals and its events, even with no events', () => {
    expect(dayRows(new DayTally(), '2024-03-08', { entries: 4, words: 50 }, false)).toEqual([
      { day: '2024-03-08', entries: 4, words: 50, added: 0, updated: 0, moved: 0, removed: 0, wordsAdded: 0, wordsRemoved: 0 },
    ]);
    const t = new DayTally();
    t.count('2024-03-08', 'added', 7);
    t.count('2024-03-08', 'updated', 5);
    t.count('2024-03-08', 'updated', -3);
    t.count('2024-03-08', 'removed', -10);
    t.count('2024-03-08', 'moved', 0);
    expect(dayRows(t, '2024-03-08', { entries: 4, words: 50 }, false)).toEqual([
      { day: '2024-03-08', entries: 4, words: 50, added: 1, updated: 2, moved: 1, removed: 1, wordsAdded: 12, wordsRemoved: 13 },
    ]);
  });

  it("counts a first sync's entries as added but not their words; later edits in it count", () => {
    const t = new DayTally();
    t.count('2024-03-07', 'added', 10);
    t.count('2024-03-07', 'added', 25);
    t.count('2024-03-07', 'updated', 4);
    expect(dayRows(t, '2024-03-07', { entries: 2, words: 39 }, true)).toEqual([
      { day: '2024-03-07', entries: 2, words: 39, added: 2, updated: 1, moved: 0, removed: 0, wordsAdded: 4, wordsRemoved: 0 },
    ]);
  });

  it('splits a run that went past midnight: each event on its day, the earlier day with its totals at midnight', () => {
    const t = new DayTally();
    t.count('2024-03-07', 'added', 10); // 23:59:59
    t.count('2024-03-07', 'removed', -4);
    t.count('2024-03-08', 'added', 20); // 00:00:01
    t.count('2024-03-08', 'updated', -5);
    // Now: 7 entries, 100 words. Before the 8th's events: 6 entries, 85 words.
    expect(dayRows(t, '2024-03-08', { entries: 7, words: 100 }, false)).toEqual([
      { day: '2024-03-07', entries: 6, words: 85, added: 1, updated: 0, moved: 0, removed: 1, wordsAdded: 10, wordsRemoved: 4 },
      { day: '2024-03-08', entries: 7, words: 100, added: 1, updated: 1, moved: 0, removed: 0, wordsAdded: 20, wordsRemoved: 5 },
    ]);
  });

  it('merges tallies (a transaction into what is kept)', () => {
    const a = new DayTally();
    a.count('2024-03-07', 'added', 3);
    const b = new DayTally();
    b.count('2024-03-07', 'updated', -1);
    b.count('2024-03-08', 'removed', -3);
    a.merge(b);
    expect(Object.fromEntries(a.figures())).toEqual({
      '2024-03-07': { added: 1, updated: 1, moved: 0, removed: 0, wordsAdded: 3, wordsRemoved: 1, newEntryWords: 3 },
      '2024-03-08': { added: 0, updated: 0, moved: 0, removed: 1, wordsAdded: 0, wordsRemoved: 3, newEntryWords: 0 },
    });
  });
});

describe('streaks', () => {
  const days = ['2024-02-27', '2024-02-28', '2024-02-29', '2024-03-01', '2024-03-05', '2024-03-06'];

  it('runs up to today, or to yesterday while today has no words yet', () => {
    expect(streaks(days, '2024-03-06')).toEqual({ current: 2, longest: 4 });
    expect(streaks(days, '2024-03-07')).toEqual({ current: 2, longest: 4 });
    expect(streaks(days, '2024-03-08')).toEqual({ current: 0, longest: 4 });
  });

  it('crosses a leap day and a month end', () => {
    expect(streaks(days.slice(0, 4), '2024-03-01')).toEqual({ current: 4, longest: 4 });
  });

  it('is nothing without writing days, and ignores days after today', () => {
    expect(streaks([], '2024-03-01')).toEqual({ current: 0, longest: 0 });
    expect(streaks(days, '2024-02-28')).toEqual({ current: 2, longest: 2 });
  });
});
