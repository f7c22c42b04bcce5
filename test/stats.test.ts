/**
 * daily_stats and the writing stats routes (SPEC §3, §4): a journal served over six faked
 * days (INKDEX_TEST_CLOCK_SHIFT_MS, in Los Angeles' time zone, across a daylight-saving
 * change and a midnight while serving), edited live and while inkdex was stopped. The
 * rows and the summary are computed here from the edits the test made, and read back
 * through the API, with Python's sqlite3 and through MCP (writing_stats). Also: a run that itself goes past midnight
 * (in-process, a clock that jumps between events), and the routes' parameter checks.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ignoreRules } from '../src/core/ignore.js';
import type { Clock } from '../src/core/clock.js';
import type { DayStats } from '../src/core/seam.js';
import { openIndexFile } from '../src/index/open-index.js';
import { runSync } from '../src/sync/sync.js';
import { cleanup, makeJournal, query, tmpDir, waitFor } from './helpers.js';
import { startServe, type Served } from './serve-helpers.js';
import { startMcp, textOf } from './mcp-helpers.js';

afterEach(() => cleanup.run());

const ENGINE = process.env.INKDEX_ENGINE === 'wasm' ? 'wasm' : 'native';
const TZ = 'America/Los_Angeles';

/** A daily_stats row as the API gives it. */
type Row = DayStats;

const wordCount = (text: string): number => text.split(/\s+/).filter((w) => w !== '').length;
const text = (n: number, word = 'word'): string => Array.from({ length: n }, (_, i) => `${word}${i}`).join(' ') + '\n';

/**
 * The journal as the test keeps it, and what each day's edits should give: the test's
 * own bookkeeping of daily_stats, written without inkdex's code.
 */
class Journal {
  readonly root = makeJournal();
  private readonly files = new Map<string, string>();
  readonly rows = new Map<string, Row>();
  private day = '';
  private firstSync = true;

  /** Edits from now on happen on `day`. */
  on(day: string): void {
    this.day = day;
  }

  /** An inkdex run happened today (its day has a row even if nothing changed). */
  ran(): Row {
    const row = this.rows.get(this.day) ?? { day: this.day, entries: 0, words: 0, added: 0, updated: 0, moved: 0, removed: 0, wordsAdded: 0, wordsRemoved: 0 };
    row.entries = this.files.size;
    row.words = [...this.files.values()].reduce((sum, t) => sum + wordCount(t), 0);
    this.rows.set(this.day, row);
    return row;
  }

  /** The first sync is over: from now on new notes' words count. */
  firstSyncDone(): void {
    this.firstSync = false;
  }

  /** Writes a note whole (a temp file renamed over it, as editors save), counting the event. */
  write(rel: string, content: string): void {
    const before = this.files.get(rel);
    const tmp = path.join(this.root, `.tmp-${process.pid}`);
    fs.mkdirSync(path.dirname(path.join(this.root, rel)), { recursive: true });
    fs.writeFileSync(tmp, content);
    fs.renameSync(tmp, path.join(this.root, rel));
    this.files.set(rel, content);
    const row = this.ran();
    const delta = wordCount(content) - (before === undefined ? 0 : wordCount(before));
    if (before === undefined) row.added++;
    else row.updated++;
    if (delta > 0 && !(before === undefined && this.firstSync)) row.wordsAdded += delta;
    if (delta < 0) row.wordsRemoved -= delta;
  }

  remove(rel: string): void {
    const before = this.files.get(rel)!;
    fs.rmSync(path.join(this.root, rel));
    this.files.delete(rel);
    const row = this.ran();
    row.removed++;
    row.wordsRemoved += wordCount(before);
  }

  move(from: string, to: string): void {
    fs.mkdirSync(path.dirname(path.join(this.root, to)), { recursive: true });
    fs.renameSync(path.join(this.root, from), path.join(this.root, to));
    this.files.set(to, this.files.get(from)!);
    this.files.delete(from);
    this.ran().moved++;
  }

  /** The index shows the folder as the test wrote it (paths and word counts). */
  async indexed(s: Served): Promise<void> {
    const want = [...this.files].map(([p, t]) => `${p}:${wordCount(t)}`).sort();
    await waitFor(
      async () => {
        const got = (await s.api<{ entries: Array<{ path: string; wordCount: number }> }>('/api/entries?limit=500')).entries;
        return JSON.stringify(got.map((e) => `${e.path}:${e.wordCount}`).sort()) === JSON.stringify(want);
      },
      { timeoutMs: 20_000, message: `the index to show ${want.join(', ')}` },
    );
    await s.idle();
  }
}

/** The summary the test expects on `today` from its own rows: weeks from Monday, streaks of days with words added. */
function expectedSummary(rows: Row[], today: string, monday: string) {
  const sum = (from: string) => {
    const days = rows.filter((r) => r.day >= from && r.day <= today);
    const total = (k: keyof Row) => days.reduce((n, r) => n + (r[k] as number), 0);
    return { wordsAdded: total('wordsAdded'), wordsRemoved: total('wordsRemoved'), added: total('added'), updated: total('updated') };
  };
  const writing = new Set(rows.filter((r) => r.wordsAdded > 0).map((r) => r.day));
  const dayBefore = (d: string) => new Date(Date.parse(`${d}T12:00:00Z`) - 86_400_000).toISOString().slice(0, 10);
  let streakDays = 0;
  for (let d = writing.has(today) ? today : dayBefore(today); writing.has(d); d = dayBefore(d)) streakDays++;
  let longestStreakDays = 0;
  for (const d of writing) {
    let n = 0;
    for (let x = d; writing.has(x); x = dayBefore(x)) n++;
    longestStreakDays = Math.max(longestStreakDays, n);
  }
  return { day: today, today: sum(today), week: sum(monday), month: sum(`${today.slice(0, 8)}01`), streakDays, longestStreakDays };
}

describe('daily_stats over faked days', () => {
  it('keeps a row per day a run happened, from the edits of each day, and sums them up', { timeout: 180_000 }, async () => {
    const j = new Journal();
    const db = path.join(tmpDir('inkdex-db-'), 'index.sqlite');
    /** Serves the journal with the clock at `instant` (UTC) — a local time in Los Angeles. */
    const serveAt = (instant: string): Promise<Served> =>
      startServe(j.root, [], db, { env: { TZ, INKDEX_TEST_CLOCK_SHIFT_MS: String(Date.parse(instant) - Date.now()) } });

    // Thursday 7 March, 10:00 PST: three notes written before inkdex ran (its first sync
    // counts them as added, not as words written), then a note and an edit while serving.
    j.on('2024-03-07');
    j.write('a.md', text(10));
    j.write('b.md', text(20));
    j.write('c.md', text(5));
    let s = await serveAt('2024-03-07T18:00:00Z');
    await j.indexed(s);
    j.firstSyncDone();
    j.write('d.md', text(7, 'dee'));
    j.write('a.md', text(15));
    await j.indexed(s);
    await s.cli.stop();

    // Friday: edits while inkdex was stopped (a shrink, a delete, a move), found by the
    // startup sync; then a new note while serving.
    j.on('2024-03-08');
    j.write('b.md', text(12));
    j.remove('c.md');
    j.move('d.md', 'notes/d.md');
    s = await serveAt('2024-03-08T18:00:00Z');
    await j.indexed(s);
    j.write('e.md', text(30, 'ee'));
    await j.indexed(s);
    await s.cli.stop();

    // Saturday: one edit while serving.
    j.on('2024-03-09');
    s = await serveAt('2024-03-09T18:00:00Z');
    await j.indexed(s);
    j.ran();
    j.write('b.md', text(15));
    await j.indexed(s);
    await s.cli.stop();

    // Sunday, the day clocks go forward: a start that changes nothing still has its row.
    j.on('2024-03-10');
    s = await serveAt('2024-03-10T18:00:00Z');
    await j.indexed(s);
    j.ran();
    await s.cli.stop();

    // Monday 23:59:45 PDT: an edit made while stopped, found before midnight; then the
    // day turns while serving, and Tuesday's edit counts on Tuesday.
    j.on('2024-03-11');
    j.write('e.md', text(40, 'ee'));
    const midnight = Date.parse('2024-03-12T07:00:00Z');
    const shift = Date.parse('2024-03-12T06:59:45Z') - Date.now();
    s = await startServe(j.root, [], db, { env: { TZ, INKDEX_TEST_CLOCK_SHIFT_MS: String(shift) } });
    await j.indexed(s);
    const startup = (await s.api<{ runs: Array<{ trigger: string; finishedAt: string }> }>('/api/runs?limit=1')).runs[0]!;
    expect(Date.parse(startup.finishedAt), 'the startup sync finished before midnight (took > 15 s?)').toBeLessThan(midnight);
    await new Promise((r) => setTimeout(r, Math.max(0, midnight + 500 - (Date.now() + shift))));
    j.on('2024-03-12');
    j.write('a.md', text(20));
    await j.indexed(s);

    const rows = [...j.rows.values()].sort((a, b) => (a.day < b.day ? -1 : 1));
    expect(rows.map((r) => r.day)).toEqual(['2024-03-07', '2024-03-08', '2024-03-09', '2024-03-10', '2024-03-11', '2024-03-12']);
    // The API, in camelCase; a range of it.
    expect((await s.api<{ days: Row[] }>('/api/stats/daily')).days).toEqual(rows);
    expect((await s.api<{ days: Row[] }>('/api/stats/daily?from=2024-03-08&to=2024-03-10')).days).toEqual(rows.slice(1, 4));
    expect((await s.api<{ days: Row[] }>('/api/stats/daily?from=2024-03-12')).days).toEqual(rows.slice(5));
    expect((await s.api<{ days: Row[] }>('/api/stats/daily?to=2024-03-06')).days).toEqual([]);
    // 2024-03-12 is a Tuesday: its week began on Monday the 11th.
    const summary = await s.api('/api/stats/summary');
    expect(summary).toEqual(expectedSummary(rows, '2024-03-12', '2024-03-11'));
    expect(summary).toMatchObject({ streakDays: 2, longestStreakDays: 3 });

    // A day leads to its changes: that local day's entry events, oldest first.
    const friday = await s.api<{ day: string; total: number; changes: Array<{ id: number; kind: string; path: string; oldPath: string | null; entryId: number | null }> }>(
      '/api/changes?day=2024-03-08',
    );
    expect(friday.total).toBe(4);
    expect(friday.changes.map((c) => `${c.kind} ${c.path}${c.oldPath ? ` from ${c.oldPath}` : ''}`).sort()).toEqual(
      ['added e.md', 'moved notes/d.md from d.md', 'removed c.md', 'updated b.md'].sort(),
    );
    expect(friday.changes.map((c) => c.id)).toEqual([...friday.changes.map((c) => c.id)].sort((a, b) => a - b));
    expect(friday.changes.find((c) => c.kind === 'removed')!.entryId).toBeNull();
    expect(typeof friday.changes.find((c) => c.kind === 'added')!.entryId).toBe('number');
    expect((await s.api<{ total: number }>('/api/changes?day=2024-03-10')).total).toBe(0);
    expect((await s.api<{ total: number; changes: unknown[] }>('/api/changes?day=2024-03-07&limit=2')).changes).toHaveLength(2);
    await s.cli.stop();

    // The file itself, read by another SQLite: the same rows, and when counting began.
    const inFile = query(
      db,
      'SELECT day, entries, words, added, updated, moved, removed, words_added AS wordsAdded, words_removed AS wordsRemoved FROM daily_stats ORDER BY day',
    );
    expect(inFile).toEqual(rows);
    expect(query(db, "SELECT value FROM meta WHERE key = 'stats_since'")).toEqual([{ value: '2024-03-07' }]);

    // An assistant asks the same through MCP: writing_stats, the summary with the days.
    const mcp = await startMcp([j.root, '--db', db], { env: { TZ, INKDEX_TEST_CLOCK_SHIFT_MS: String(Date.parse('2024-03-12T20:00:00Z') - Date.now()) } });
    expect(await mcp.call('writing_stats')).toEqual({ ...expectedSummary(rows, '2024-03-12', '2024-03-11'), days: rows });
    expect((await mcp.call('writing_stats', { from: '2024-03-09', to: '2024-03-10' })).days).toEqual(rows.slice(2, 4));
    const refused = await mcp.raw('writing_stats', { from: '2024-03-10', to: '2024-03-09' });
    expect(refused.isError).toBe(true);
    expect(textOf(refused)).toContain('from (2024-03-10) is after to (2024-03-09)');
    expect((await mcp.raw('writing_stats', { from: '2024-02-30' })).isError).toBe(true);
  });
});

describe('a run that goes past midnight', () => {
  it('counts each event on the local day it happened, the earlier day with its totals at midnight', async () => {
    const zone = process.env.TZ;
    process.env.TZ = TZ;
    cleanup.add(() => {
      if (zone === undefined) delete process.env.TZ;
      else process.env.TZ = zone;
    });
    const root = makeJournal({ 'a.md': text(3), 'b.md': text(4) });
    const opened = await openIndexFile(ENGINE, path.join(tmpDir('inkdex-db-'), 'index.sqlite'), root);
    cleanup.add(() => opened.file.close());
    // Every reading of the clock moves it on a minute. The first run, at noon on Thursday,
    // stays on its day; the second starts at 23:57:30 on Friday and its events are
    // stamped 23:58:30, 23:59:30, 00:00:30… (Los Angeles time).
    let t = Date.parse('2024-03-07T20:00:00Z');
    const clock: Clock = { now: () => (t += 60_000) - 60_000 };
    const opts = { root, rules: ignoreRules([]), maxFileSize: 1 << 20, clock };
    const first = await runSync(opened.store, opts, { kind: 'full' }, 'cli');
    expect(first.summary.status).toBe('succeeded');

    t = Date.parse('2024-03-09T07:57:30Z');
    fs.writeFileSync(path.join(root, 'a.md'), text(10));
    fs.writeFileSync(path.join(root, 'b.md'), text(1));
    fs.writeFileSync(path.join(root, 'c.md'), text(6));
    fs.writeFileSync(path.join(root, 'd.md'), text(2));
    const second = await runSync(opened.store, opts, { kind: 'full' }, 'cli');
    expect(second.summary.status).toBe('succeeded');

    // What happened when, from the events the run recorded, grouped by their local day.
    const events = opened.reader.runEvents(second.summary.id).map((e) => ({ path: e.path, day: localDate(e.at) }));
    const byDay = (day: string) => events.filter((e) => e.day === day).map((e) => e.path);
    expect(byDay('2024-03-08').length).toBeGreaterThan(0);
    expect(byDay('2024-03-09').length).toBeGreaterThan(0);
    const words: Record<string, [before: number, after: number]> = { 'a.md': [3, 10], 'b.md': [4, 1], 'c.md': [0, 6], 'd.md': [0, 2] };
    const friday = byDay('2024-03-08');
    const fridayRow = {
      added: friday.filter((p) => words[p]![0] === 0).length,
      updated: friday.filter((p) => words[p]![0] > 0).length,
      wordsAdded: friday.reduce((n, p) => n + Math.max(0, words[p]![1] - words[p]![0]), 0),
      wordsRemoved: friday.reduce((n, p) => n + Math.max(0, words[p]![0] - words[p]![1]), 0),
    };
    const days = opened.reader.dailyStats(null, null);
    expect(days.map((d) => d.day)).toEqual(['2024-03-07', '2024-03-08', '2024-03-09']);
    const [, fri, sat] = days;
    // Friday's row: the first run's totals (2 entries, 7 words) plus Friday's part of the second.
    expect(fri).toMatchObject({ ...fridayRow, moved: 0, removed: 0 });
    expect(fri!.entries).toBe(2 + fridayRow.added);
    expect(fri!.words).toBe(7 + fridayRow.wordsAdded - fridayRow.wordsRemoved);
    expect(sat).toMatchObject({ entries: 4, words: 19, added: 2 - fridayRow.added, updated: 2 - fridayRow.updated });
    expect(fri!.wordsAdded + sat!.wordsAdded).toBe(7 + 8);
    expect(fri!.wordsRemoved + sat!.wordsRemoved).toBe(3);
  });
});

describe('the stats routes', () => {
  it('answer a new index with empty figures, and refuse bad parameters naming them', { timeout: 60_000 }, async () => {
    const s = await startServe(makeJournal());
    await s.idle();
    const days = (await s.api<{ days: Row[] }>('/api/stats/daily')).days;
    expect(days).toHaveLength(1);
    expect(days[0]).toMatchObject({ entries: 0, words: 0, added: 0, updated: 0, moved: 0, removed: 0, wordsAdded: 0, wordsRemoved: 0 });
    const zero = { wordsAdded: 0, wordsRemoved: 0, added: 0, updated: 0 };
    expect(await s.api('/api/stats/summary')).toEqual({ day: days[0]!.day, today: zero, week: zero, month: zero, streakDays: 0, longestStreakDays: 0 });

    const bad = async (route: string, names: string): Promise<void> => {
      const res = await fetch(s.url + route.slice(1));
      expect(res.status, route).toBe(400);
      expect(((await res.json()) as { error: string }).error, route).toContain(names);
    };
    await bad('/api/stats/daily?from=2024-02-30', 'from');
    await bad('/api/stats/daily?to=yesterday', 'to');
    await bad('/api/stats/daily?from=2024-03-02&to=2024-03-01', 'from (2024-03-02) is after to (2024-03-01)');
    await bad('/api/stats/daily?from=2024-03-01&from=2024-03-02', '"from" is given more than once');
    await bad('/api/changes', 'day');
    await bad('/api/changes?day=2024-13-01', 'day');
    await bad('/api/changes?day=2024-03-01&limit=0', 'limit');
  });
});

/** The local date in Los Angeles of an ISO instant, computed without inkdex's code. */
function localDate(iso: string): string {
  return new Intl.DateTimeFormat('en-CA', { timeZone: TZ, year: 'numeric', month: '2-digit', day: '2-digit' }).format(new Date(iso));
}
