/**
 * The journal's growth per local day (SPEC §3 daily_stats), as pure code: what entry
 * events add to their day, the rows a finished run writes, and the writing streaks.
 */
import { addDays } from './days.js';
import type { DayStats, EventKind } from './seam.js';

/** What the events of one day did: DayStats' counts of changes (the totals aside). */
export interface DayFigures extends Omit<DayStats, 'day' | 'entries' | 'words'> {
  /** The part of wordsAdded that new entries brought (not counted in a first sync). */
  newEntryWords: number;
}

/** Events' figures by local day. */
export class DayTally {
  private readonly days = new Map<string, DayFigures>();

  /** An event of `kind` on `day` that changed the journal's word count by `words`. */
  count(day: string, kind: EventKind, words: number): void {
    const f = this.day(day);
    f[kind]++;
    if (words > 0) f.wordsAdded += words;
    else f.wordsRemoved -= words;
    if (kind === 'added') f.newEntryWords += Math.max(0, words);
  }

  /** Adds another tally's figures to this one's. */
  merge(other: DayTally): void {
    for (const [day, o] of other.days) {
      const f = this.day(day);
      for (const k of Object.keys(o) as Array<keyof DayFigures>) f[k] += o[k];
    }
  }

  get size(): number {
    return this.days.size;
  }

  figures(): ReadonlyMap<string, DayFigures> {
    return this.days;
  }

  private day(day: string): DayFigures {
    let f = this.days.get(day);
    if (!f) {
      f = { added: 0, updated: 0, moved: 0, removed: 0, wordsAdded: 0, wordsRemoved: 0, newEntryWords: 0 };
      this.days.set(day, f);
    }
    return f;
  }
}

/**
 * The daily_stats rows a finished run writes: one per day its events happened on, and
 * one for the day it finished (`finishDay`), whose totals are the index's now
 * (`totals`). An earlier day — a run that went past midnight — gets the totals as they
 * stood after its last event: today's minus what the later days' events changed. The
 * counts are added to whatever the day's row holds already. While a new index makes its
 * first sync (`firstSync`), the words of new entries are not words added.
 */
export function dayRows(tally: DayTally, finishDay: string, totals: { entries: number; words: number }, firstSync: boolean): DayStats[] {
  const figures = tally.figures();
  const days = [...new Set([...figures.keys(), finishDay])].sort().reverse();
  const rows: DayStats[] = [];
  let { entries, words } = totals;
  for (const day of days) {
    const f = figures.get(day);
    if (!f) {
      rows.push({ day, entries, words, added: 0, updated: 0, moved: 0, removed: 0, wordsAdded: 0, wordsRemoved: 0 });
      continue;
    }
    const wordsAdded = firstSync ? f.wordsAdded - f.newEntryWords : f.wordsAdded;
    rows.push({ day, entries, words, added: f.added, updated: f.updated, moved: f.moved, removed: f.removed, wordsAdded, wordsRemoved: f.wordsRemoved });
    entries -= f.added - f.removed;
    words -= f.wordsAdded - f.wordsRemoved;
  }
  return rows.reverse();
}

/**
 * Writing streaks over the days with words added (`writingDays`, ascending): the current
 * one ends today, or yesterday while today has no words yet (a streak is not broken
 * until the day is over); the longest is the longest ever, the current one included.
 */
export function streaks(writingDays: readonly string[], today: string): { current: number; longest: number } {
  let longest = 0;
  let run = 0;
  let previous: string | null = null;
  for (const day of writingDays) {
    if (day > today) break;
    run = previous !== null && addDays(previous, 1) === day ? run + 1 : 1;
    longest = Math.max(longest, run);
    previous = day;
  }
  const current = previous === today || (previous !== null && addDays(previous, 1) === today) ? run : 0;
  return { current, longest };
}
