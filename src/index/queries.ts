/**
 * Read models for the HTTP API and the CLI's report: every query the server answers, on
 * the writer's own connection (so answers are current even while a run is writing), the
 * same SQL for both engines.
 */
import { bm25, RANK_FUNCTION, RANK_MATCHINFO } from './rank.js';
import { aliasKey } from '../core/link-keys.js';
import type { Connection } from './sql-connection.js';
import { BadQueryError, errorMessage } from '../core/errors.js';
import { closeMatches } from '../core/close-matches.js';
import { nfc } from '../core/nfc.js';
import { streaks } from '../core/daily-stats.js';
import { dayBounds, monthStart, weekStart } from '../core/days.js';
import {
  type ActivityYear,
  type BrokenLink,
  type Change,
  type Counts,
  type DayChanges,
  type DayStats,
  type EntryDetail,
  type EntryFilters,
  type EntryName,
  type EntryQuery,
  type EntryRead,
  type EntryRef,
  type EntrySummary,
  type EventRow,
  type FieldRow,
  type FieldSummary,
  type FileErrorRow,
  type HeadingRow,
  type IndexReader,
  type LinkRow,
  type ListedEntry,
  type ListQuery,
  type ListSort,
  type PeriodStats,
  type RunRow,
  type TaskDetail,
  type SearchHit,
  type SearchQuery,
  type StatsSummary,
  type TaskQuery,
  type TaskRow,
} from '../core/seam.js';

/** Marks around matched words in search snippets (plain text: render them as you like). */
export const SNIPPET_OPEN = '«';
export const SNIPPET_CLOSE = '»';

const RUN_COLUMNS = `id, trigger, kind, status, started_at AS startedAt, finished_at AS finishedAt, duration_ms AS durationMs,
  scanned, added, updated, unchanged, moved, removed, errors, message`;
const EVENT_COLUMNS = 'id, run_id AS runId, at, path, old_path AS oldPath, kind, content_hash AS contentHash';
const TASK_COLUMNS = 't.line, t.text, t.done, t.due, t.scheduled, t.done_date AS doneDate, t.priority';
const DAY_COLUMNS = `day, entries, words, added, updated, moved, removed, words_added AS wordsAdded, words_removed AS wordsRemoved`;
const EVENT_COLUMNS_EV = 'ev.id, ev.run_id AS runId, ev.at, ev.path, ev.old_path AS oldPath, ev.kind, ev.content_hash AS contentHash';

export class Queries implements IndexReader {
  constructor(private readonly db: Connection) {
    // The search rank, on the connection the searches run on (both engines).
    db.defineFunction(RANK_FUNCTION, ((matchinfo: Uint8Array) => bm25(matchinfo)) as never);
  }

  counts(): Counts {
    return this.db.get<Counts>(
      'SELECT (SELECT count(*) FROM entries) AS entries, (SELECT count(DISTINCT tag) FROM tags) AS tags, (SELECT count(*) FROM file_errors) AS errors',
    )!;
  }

  runs(limit: number, before: number | null): RunRow[] {
    return this.db.all<RunRow>(`SELECT ${RUN_COLUMNS} FROM sync_runs WHERE id < ? ORDER BY id DESC LIMIT ?`, [before ?? Number.MAX_SAFE_INTEGER, limit]);
  }

  run(id: number): RunRow | undefined {
    return this.db.get<RunRow>(`SELECT ${RUN_COLUMNS} FROM sync_runs WHERE id = ?`, [id]);
  }

  lastFinishedRun(): RunRow | undefined {
    return this.db.get<RunRow>(`SELECT ${RUN_COLUMNS} FROM sync_runs WHERE status != 'running' ORDER BY id DESC LIMIT 1`);
  }

  /** The run's events, each with the entry now at its path (null when none is). */
  runEvents(runId: number): EventRow[] {
    return this.db.all<EventRow>(
      `SELECT ${EVENT_COLUMNS_EV}, e.id AS entryId FROM entry_events ev LEFT JOIN entries e ON e.path = ev.path WHERE ev.run_id = ? ORDER BY ev.id`,
      [runId],
    );
  }

  runErrors(runId: number): FileErrorRow[] {
    return this.db.all<FileErrorRow>(
      'SELECT f.path, f.message, f.at, e.id AS entryId FROM file_errors f LEFT JOIN entries e ON e.path = f.path WHERE f.run_id = ? ORDER BY f.path',
      [runId],
    );
  }

  fileErrors(): FileErrorRow[] {
    return this.db.all<FileErrorRow>('SELECT f.path, f.message, f.at, e.id AS entryId FROM file_errors f LEFT JOIN entries e ON e.path = f.path ORDER BY f.path');
  }

  tags(): Array<{ tag: string; count: number }> {
    return this.db.all('SELECT tag, count(*) AS count FROM tags GROUP BY tag ORDER BY count DESC, tag');
  }

  /** Entries per day of one year (the latest with dated entries unless asked), and every year's total. */
  activity(year: number | null): ActivityYear {
    const years = this.db.all<{ year: number; count: number }>(
      'SELECT CAST(substr(date, 1, 4) AS INTEGER) AS year, count(*) AS count FROM entries WHERE date IS NOT NULL GROUP BY 1 ORDER BY 1',
    );
    const shown = year ?? years.at(-1)?.year ?? null;
    if (shown === null) return { year: null, years, days: [] };
    const y = String(shown).padStart(4, '0');
    const days = this.db.all<{ date: string; count: number }>(
      'SELECT date, count(*) AS count FROM entries WHERE date >= ? AND date <= ? GROUP BY date ORDER BY date',
      [`${y}-01-01`, `${y}-12-31`],
    );
    return { year: shown, years, days };
  }

  entries(query: EntryQuery): { total: number; entries: EntrySummary[] } {
    const { q: _q, limit, offset, ...filters } = query;
    const page = { limit, offset };
    const found = query.q === undefined || query.q.trim() === '' ? this.page(filters, null, 'date', page, 'best') : this.textSearch(query.q, filters, page, 'best');
    return { total: found.total, entries: found.rows.map(({ score: _score, ...entry }) => entry) };
  }

  search(query: SearchQuery): { total: number; hits: SearchHit[] } {
    const page = { limit: query.limit, offset: query.offset ?? 0 };
    const found = this.textSearch(query.query, query, page, 'body');
    return {
      total: found.total,
      hits: found.rows.map((r) => ({ id: r.id, path: r.path, title: r.title, date: r.date, tags: r.tags, snippet: r.snippet, score: Math.round(r.score * 1000) / 1000 })),
    };
  }

  list(query: ListQuery): { total: number; entries: ListedEntry[] } {
    const found = this.page(query, null, query.sort, query, 'none');
    return { total: found.total, entries: found.rows.map((r) => ({ id: r.id, path: r.path, title: r.title, date: r.date, tags: r.tags, wordCount: r.wordCount })) };
  }

  /**
   * A full-text search, best first, where a note one of whose aliases is the query itself
   * (any case, Unicode-normalised: `Annie` finds the note with `aliases: [Annie]`) ranks
   * above every text match — an alias is another name of the note, as in Obsidian's
   * quick switcher. Paged across both: the alias hits (by path) come first.
   */
  private textSearch(
    q: string,
    filter: EntryFilters,
    page: { limit: number; offset: number },
    snippets: 'best' | 'body',
  ): { total: number; rows: Array<EntrySummary & { score: number }> } {
    const { where, params } = filters(filter);
    const aliasIds = this.db
      .all<{ id: number }>(`SELECT e.id FROM inkdex_keys k JOIN entries e ON e.id = k.entry_id WHERE k.key = ? AND ${where} ORDER BY e.path`, [aliasKey(nfc(q.trim())), ...params])
      .map((r) => r.id);
    if (aliasIds.length === 0) return this.match(q, (m) => this.page(filter, m, 'date', page, snippets));
    const rest = { ...filter, exclude: aliasIds };
    const text = this.match(q, (m) => this.page(rest, m, 'date', { limit: Math.max(0, page.offset + page.limit - aliasIds.length), offset: Math.max(0, page.offset - aliasIds.length) }, snippets));
    const shown = aliasIds.slice(page.offset, page.offset + page.limit);
    const top = (text.rows[0]?.score ?? 0) + 1;
    const aliasRows = shown.length === 0 ? [] : this.page({ ids: shown }, null, 'date', { limit: shown.length, offset: 0 }, snippets).rows;
    const byId = new Map(aliasRows.map((r) => [r.id, { ...r, score: top }]));
    return { total: aliasIds.length + text.total, rows: [...shown.flatMap((id) => byId.get(id) ?? []), ...text.rows] };
  }

  /**
   * Runs a full-text search with `run`; free text whose FTS operators are out of place
   * (a lone quote, `AND` at the end) is searched for as plain words instead.
   */
  private match<T>(q: string, run: (match: string) => T): T {
    // An unbalanced quote is not an error to FTS4, just a phrase that matches nothing.
    const balanced = (q.match(/"/g)?.length ?? 0) % 2 === 0;
    try {
      if (!balanced) throw new Error('unbalanced quote');
      return run(q);
    } catch {
      // (FTS4 has no escape for a quote inside a phrase: drop them.)
      const quoted = q.replace(/"/g, ' ').split(/\s+/).filter((w) => w !== '').map((w) => `"${w}"`).join(' ');
      try {
        return run(quoted);
      } catch (err) {
        throw new BadQueryError(`invalid search query: ${errorMessage(err)}`);
      }
    }
  }

  /**
   * A page of entries, filtered; with `match`, a full-text search (best first) whose
   * snippets mark the hits; without, sorted by `sort`. Snippets: from the column that
   * matched best (`best`: a title hit shows the title), from the body (`body`: a reader
   * already has the title), or none.
   */
  private page(
    filter: PageFilter,
    match: string | null,
    sort: ListSort,
    page: { limit: number; offset: number },
    snippets: 'best' | 'body' | 'none',
  ): { total: number; rows: Array<EntrySummary & { score: number }> } {
    const { where, params } = filters(filter);
    const from = match === null ? 'entries e' : 'entries_fts JOIN entries e ON e.id = entries_fts.rowid';
    const condition = match === null ? where : `entries_fts MATCH ? AND ${where}`;
    const args = match === null ? params : [match, ...params];
    const snippet =
      snippets === 'none' ? "''" : match === null ? 'substr(e.body, 1, 400)' : `snippet(entries_fts, '${SNIPPET_OPEN}', '${SNIPPET_CLOSE}', '…', ${snippets === 'body' ? 1 : -1}, 24)`;
    const rank = `${RANK_FUNCTION}(matchinfo(entries_fts, '${RANK_MATCHINFO}'))`;
    // Best match first (BM25 over matchinfo, see rank.ts), then newest.
    const order = match === null ? ORDER[sort] : `${rank} DESC, ${ORDER.date}`;
    // The page's rows are picked first and only they get a snippet and tags. Without a
    // query: sorting every entry with them cost ~32 ms at 10k notes, this ~11 ms. With one
    // and no filter, the full-text index alone is counted and ranked (tied ranks by id),
    // never joined with the entries not shown: a word in 4,200 of 10k notes took 24 ms
    // with the rank, snippet and tags of every match, 10 ms so (p50). With a filter, which
    // needs the join anyway, one pass.
    const ftsOnly = match !== null && where === '1';
    const total = ftsOnly
      ? this.db.get<{ n: number }>('SELECT count(*) AS n FROM entries_fts WHERE entries_fts MATCH ?', [match])!.n
      : this.db.get<{ n: number }>(`SELECT count(*) AS n FROM ${from} WHERE ${condition}`, args)!.n;
    const pick =
      match === null
        ? `e.id IN (SELECT e.id FROM ${from} WHERE ${condition} ORDER BY ${order} LIMIT ? OFFSET ?)`
        : ftsOnly
          ? `${condition} AND entries_fts.rowid IN (SELECT rowid FROM entries_fts WHERE entries_fts MATCH ? ORDER BY ${rank} DESC, rowid LIMIT ? OFFSET ?)`
          : condition;
    const pickedFirst = match === null || ftsOnly;
    const rows = this.db.all<Omit<EntrySummary, 'tags'> & { tags: string; score: number }>(
      `SELECT e.id, e.path, e.title, e.date, e.word_count AS wordCount, ${snippet} AS snippet,
         (SELECT json_group_array(tag) FROM tags WHERE entry_id = e.id) AS tags, ${match === null ? '0' : rank} AS score
       FROM ${from} WHERE ${pick}
       ORDER BY ${order}${pickedFirst ? '' : ' LIMIT ? OFFSET ?'}`,
      [...args, ...(ftsOnly ? [match] : []), page.limit, page.offset],
    );
    return {
      total,
      rows: rows.map((r) => ({
        ...r,
        tags: JSON.parse(r.tags) as string[],
        snippet: match === null ? plainSnippet(r.snippet) : r.snippet.replace(/\s+/g, ' ').trim(),
      })),
    };
  }

  entry(id: number): EntryDetail | undefined {
    const e = this.db.get<{
      id: number; path: string; title: string; date: string | null; frontmatter: string; body: string; word_count: number;
      content_hash: string; size: number; mtime_ms: number; indexed_at: string; error: string | null;
    }>('SELECT * FROM entries WHERE id = ?', [id]);
    if (!e) return undefined;
    return {
      id: e.id,
      path: e.path,
      title: e.title,
      date: e.date,
      frontmatter: JSON.parse(e.frontmatter) as unknown,
      body: e.body,
      wordCount: e.word_count,
      contentHash: e.content_hash,
      size: e.size,
      mtimeMs: e.mtime_ms,
      indexedAt: e.indexed_at,
      error: e.error,
      tags: this.db.all<{ tag: string }>('SELECT tag FROM tags WHERE entry_id = ? ORDER BY tag', [id]).map((r) => r.tag),
      aliases: this.db.all<{ alias: string }>('SELECT alias FROM aliases WHERE entry_id = ? ORDER BY rowid', [id]).map((r) => r.alias),
      headings: this.db.all<HeadingRow>('SELECT level, text, line FROM headings WHERE entry_id = ? ORDER BY line', [id]),
      fields: this.db.all<FieldRow>('SELECT key, value, type, num, source, line FROM fields WHERE entry_id = ? ORDER BY rowid', [id]),
      links: this.db
        .all<Omit<LinkRow, 'anchorOk'> & { anchorOk: number | null }>(
          'SELECT target, kind, target_id AS targetId, anchor, anchor_ok AS anchorOk, line FROM links WHERE entry_id = ? ORDER BY rowid',
          [id],
        )
        .map((l) => ({ ...l, anchorOk: l.anchorOk === null ? null : l.anchorOk === 1 })),
      tasks: this.db.all<Omit<TaskDetail, 'done'> & { done: number }>(`SELECT ${TASK_COLUMNS} FROM tasks t WHERE t.entry_id = ? ORDER BY t.line`, [id]).map(taskDone),
      backlinks: this.backlinks(id),
      history: this.history(e.path),
    };
  }

  /**
   * Links that resolve to no entry, or whose anchor names a heading or block the target
   * has not, by linking path and line. A link to no entry names the note that has its
   * target as an alias (`'a:'` + the name it asks for, see link-keys.ts), the shortest path
   * first.
   */
  brokenLinks(limit: number, offset: number): { total: number; links: BrokenLink[] } {
    const broken = 'l.target_id IS NULL OR l.anchor_ok = 0';
    const total = this.db.get<{ n: number }>(`SELECT count(*) AS n FROM links l WHERE ${broken}`)!.n;
    const links = this.db.all<BrokenLink>(
      `SELECT l.entry_id AS entryId, e.path, l.target, l.kind, l.anchor, l.line,
         CASE WHEN l.target_id IS NULL AND l.target_key IS NOT NULL THEN
           (SELECT a.path FROM inkdex_keys k JOIN entries a ON a.id = k.entry_id WHERE k.key = 'a:' || substr(l.target_key, 3) ORDER BY length(a.path), a.path LIMIT 1)
         END AS aliasOf
       FROM links l JOIN entries e ON e.id = l.entry_id
       WHERE ${broken} ORDER BY e.path, l.line, l.rowid LIMIT ? OFFSET ?`,
      [limit, offset],
    );
    return { total, links };
  }

  /** The field keys in use (keys differing only in case are one), in how many entries, most used first. */
  fields(): FieldSummary[] {
    return this.db
      .all<{ key: string; count: number; types: string }>(
        `SELECT min(key) AS key, count(DISTINCT entry_id) AS count, json_group_array(DISTINCT type) AS types
         FROM fields GROUP BY key COLLATE NOCASE ORDER BY count DESC, key COLLATE NOCASE`,
      )
      .map((f) => ({ key: f.key, count: f.count, types: (JSON.parse(f.types) as string[]).sort() }));
  }

  read(id: number): EntryRead | undefined {
    const e = this.db.get<{ id: number; path: string; title: string; date: string | null; frontmatter: string; body: string }>(
      'SELECT id, path, title, date, frontmatter, body FROM entries WHERE id = ?',
      [id],
    );
    if (!e) return undefined;
    return {
      id: e.id,
      path: e.path,
      title: e.title,
      date: e.date,
      tags: this.db.all<{ tag: string }>('SELECT tag FROM tags WHERE entry_id = ? ORDER BY tag', [id]).map((r) => r.tag),
      aliases: this.db.all<{ alias: string }>('SELECT alias FROM aliases WHERE entry_id = ? ORDER BY rowid', [id]).map((r) => r.alias),
      frontmatter: JSON.parse(e.frontmatter) as unknown,
      fields: this.db.all<{ key: string; value: string; type: string }>('SELECT key, value, type FROM fields WHERE entry_id = ? ORDER BY rowid', [id]),
      tasks: this.db.all<Omit<TaskDetail, 'done'> & { done: number }>(`SELECT ${TASK_COLUMNS} FROM tasks t WHERE t.entry_id = ? ORDER BY t.line`, [id]).map(taskDone),
      headings: this.db.all<HeadingRow>('SELECT level, text, line FROM headings WHERE entry_id = ? ORDER BY line', [id]),
      links: this.db.all<{ target: string; kind: string; anchor: string | null; targetPath: string | null }>(
        'SELECT l.target, l.kind, l.anchor, t.path AS targetPath FROM links l LEFT JOIN entries t ON t.id = l.target_id WHERE l.entry_id = ? ORDER BY l.rowid',
        [id],
      ),
      backlinks: this.backlinks(id),
      body: e.body,
    };
  }

  /**
   * By id; by path (as stored, else ignoring case, else with `.md` added; only as stored
   * when `exact`); by title (as written, else ignoring case; the shortest path wins a
   * tie), else by an alias (frontmatter `aliases`, matched the way link targets are:
   * `'a:'` keys, any case).
   */
  find(name: EntryName): number | undefined {
    const id = (sql: string, params: Array<string | number>): number | undefined => this.db.get<{ id: number }>(sql, params)?.id;
    if ('id' in name) return id('SELECT id FROM entries WHERE id = ?', [name.id]);
    if ('path' in name) {
      if (name.exact) return id('SELECT id FROM entries WHERE path = ?', [name.path]);
      const p = nfc(name.path.trim().replace(/\\/g, '/').replace(/^(\.\/|\/)+/, ''));
      const candidates = /\.(md|markdown)$/i.test(p) ? [p] : [p, `${p}.md`, `${p}.markdown`];
      for (const c of candidates) {
        const found = id('SELECT id FROM entries WHERE path = ?', [c]) ?? id('SELECT id FROM entries WHERE path = ? COLLATE NOCASE ORDER BY path LIMIT 1', [c]);
        if (found !== undefined) return found;
      }
      return undefined;
    }
    const t = nfc(name.title.trim());
    return (
      id('SELECT id FROM entries WHERE title = ? ORDER BY length(path), path LIMIT 1', [t]) ??
      id('SELECT id FROM entries WHERE title = ? COLLATE NOCASE ORDER BY length(path), path LIMIT 1', [t]) ??
      id('SELECT e.id FROM inkdex_keys k JOIN entries e ON e.id = k.entry_id WHERE k.key = ? ORDER BY length(e.path), e.path LIMIT 1', [aliasKey(t)])
    );
  }

  closeMatches(text: string, limit: number): EntryRef[] {
    return closeMatches(text, this.db.all<EntryRef>('SELECT id, path, title FROM entries'), limit);
  }

  changes(since: string | null, limit: number): Change[] {
    return this.db.all<Change>(
      'SELECT at, kind, path, old_path AS oldPath FROM entry_events WHERE at >= ? ORDER BY id DESC LIMIT ?',
      [since ?? '', limit],
    );
  }

  tagCounts(prefix: string | null, limit: number): Array<{ tag: string; count: number }> {
    const p = prefix ?? '';
    return this.db.all(
      'SELECT tag, count(*) AS count FROM tags WHERE substr(tag, 1, length(?)) = ? GROUP BY tag ORDER BY count DESC, tag LIMIT ?',
      [p, p, limit],
    );
  }

  /** Tasks by due date (none last), then path and line. */
  tasks(query: TaskQuery): { total: number; tasks: TaskRow[] } {
    const clauses = ['1'];
    const params: Array<string | number> = [];
    if (query.status !== undefined) {
      clauses.push('t.done = ?');
      params.push(query.status === 'done' ? 1 : 0);
    }
    if (query.dueBefore !== undefined) {
      clauses.push('t.due < ?');
      params.push(query.dueBefore);
    }
    if (query.tag !== undefined) {
      clauses.push('t.entry_id IN (SELECT entry_id FROM tags WHERE tag = ?)');
      params.push(query.tag);
    }
    const where = clauses.join(' AND ');
    const total = this.db.get<{ n: number }>(`SELECT count(*) AS n FROM tasks t WHERE ${where}`, params)!.n;
    const rows = this.db.all<Omit<TaskRow, 'done'> & { done: number }>(
      `SELECT t.entry_id AS entryId, e.path, e.title, ${TASK_COLUMNS}
       FROM tasks t JOIN entries e ON e.id = t.entry_id WHERE ${where}
       ORDER BY t.due IS NULL, t.due, e.path, t.line LIMIT ? OFFSET ?`,
      [...params, query.limit, query.offset],
    );
    return { total, tasks: rows.map(taskDone) };
  }

  paths(after: string | null, limit: number): Array<{ path: string; title: string }> {
    return this.db.all('SELECT path, title FROM entries WHERE path > ? ORDER BY path LIMIT ?', [after ?? '', limit]);
  }

  lastEventId(): number {
    return this.db.get<{ id: number | null }>('SELECT max(id) AS id FROM entry_events')!.id ?? 0;
  }

  eventsAfter(afterId: number, limit: number): EventRow[] {
    return this.db.all<EventRow>(`SELECT ${EVENT_COLUMNS} FROM entry_events WHERE id > ? ORDER BY id LIMIT ?`, [afterId, limit]);
  }

  private backlinks(id: number): EntryRef[] {
    return this.db.all<EntryRef>(
      'SELECT DISTINCT e.id, e.path, e.title FROM links l JOIN entries e ON e.id = l.entry_id WHERE l.target_id = ? AND l.entry_id != ? ORDER BY e.path',
      [id, id],
    );
  }

  dailyStats(from: string | null, to: string | null): DayStats[] {
    return this.db.all<DayStats>(`SELECT ${DAY_COLUMNS} FROM daily_stats WHERE day >= ? AND day <= ? ORDER BY day`, [from ?? '', to ?? '9999-12-31']);
  }

  /**
   * Today, this week (from Monday) and this month (from the 1st), each up to today, and
   * the streaks of days with words added (core/daily-stats.ts says how they are counted).
   */
  statsSummary(today: string): StatsSummary {
    const period = (from: string): PeriodStats =>
      this.db.get<PeriodStats>(
        `SELECT coalesce(sum(words_added), 0) AS wordsAdded, coalesce(sum(words_removed), 0) AS wordsRemoved,
           coalesce(sum(added), 0) AS added, coalesce(sum(updated), 0) AS updated
         FROM daily_stats WHERE day >= ? AND day <= ?`,
        [from, today],
      )!;
    const writingDays = this.db.all<{ day: string }>('SELECT day FROM daily_stats WHERE words_added > 0 ORDER BY day').map((r) => r.day);
    const { current, longest } = streaks(writingDays, today);
    return { day: today, today: period(today), week: period(weekStart(today)), month: period(monthStart(today)), streakDays: current, longestStreakDays: longest };
  }

  /** The day's events, oldest first, each with the entry now at its path (null when none). */
  dayChanges(day: string, limit: number): DayChanges {
    const { from, to } = dayBounds(day);
    const total = this.db.get<{ n: number }>('SELECT count(*) AS n FROM entry_events WHERE at >= ? AND at < ?', [from, to])!.n;
    const changes = this.db.all<EventRow>(
      `SELECT ${EVENT_COLUMNS_EV}, e.id AS entryId FROM entry_events ev LEFT JOIN entries e ON e.path = ev.path WHERE ev.at >= ? AND ev.at < ? ORDER BY ev.id LIMIT ?`,
      [from, to, limit],
    );
    return { day, total, changes };
  }

  /** The entry's events, newest first, following moves back to where it was added. */
  private history(path: string): EventRow[] {
    const out: EventRow[] = [];
    let current = path;
    let beforeId = Number.MAX_SAFE_INTEGER;
    for (let guard = 0; guard < 10_000; guard++) {
      const rows = this.db.all<EventRow>(`SELECT ${EVENT_COLUMNS} FROM entry_events WHERE path = ? AND id < ? ORDER BY id DESC`, [current, beforeId]);
      let next: EventRow | null = null;
      for (const row of rows) {
        if (row.kind === 'removed') break; // an earlier file that lived at this path
        out.push(row);
        if (row.kind === 'added') return out;
        if (row.kind === 'moved' && row.oldPath) {
          next = row;
          break;
        }
      }
      if (!next) return out;
      current = next.oldPath!;
      beforeId = next.id;
    }
    return out;
  }

}

/** The list orders (a search orders by rank first, then by date). */
const ORDER: Record<ListSort, string> = {
  date: 'e.date IS NULL, e.date DESC, e.path',
  changed: 'e.mtime_ms DESC, e.path',
  title: 'e.title COLLATE NOCASE, e.path',
};

/** The filters of a page of entries, plus the ids a search picks or leaves out (internal). */
type PageFilter = EntryFilters & { ids?: number[]; exclude?: number[] };

function filters(query: PageFilter): { where: string; params: Array<string | number> } {
  const clauses = ['1'];
  const params: Array<string | number> = [];
  if (query.tag !== undefined) {
    clauses.push('e.id IN (SELECT entry_id FROM tags WHERE tag = ?)');
    params.push(query.tag);
  }
  if (query.from !== undefined) {
    clauses.push('e.date >= ?');
    params.push(query.from);
  }
  if (query.to !== undefined) {
    clauses.push('e.date <= ?');
    params.push(query.to);
  }
  const folder = query.folder?.replace(/^\/+|\/+$/g, '') ?? '';
  if (folder !== '') {
    // A range over the path index: every path starting with `folder/` ('0' follows '/').
    clauses.push('e.path >= ? AND e.path < ?');
    params.push(`${folder}/`, `${folder}0`);
  }
  if (query.ids !== undefined) {
    clauses.push(`e.id IN (${query.ids.map(() => '?').join(', ')})`);
    params.push(...query.ids);
  }
  if (query.exclude !== undefined && query.exclude.length > 0) {
    clauses.push(`e.id NOT IN (${query.exclude.map(() => '?').join(', ')})`);
    params.push(...query.exclude);
  }
  for (const f of query.fields ?? []) {
    clauses.push(`e.id IN (SELECT entry_id FROM fields WHERE key = ? COLLATE NOCASE${f.value === null ? '' : ' AND value = ? COLLATE NOCASE'})`);
    params.push(f.key, ...(f.value === null ? [] : [f.value]));
  }
  return { where: clauses.join(' AND '), params };
}

/** SQLite's 1/0 as a boolean. */
function taskDone<T extends { done: number }>(t: T): Omit<T, 'done'> & { done: boolean } {
  return { ...t, done: t.done === 1 };
}

function plainSnippet(text: string): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > 200 ? flat.slice(0, 200).replace(/\s\S*$/, '') + '…' : flat;
}
