/**
 * Read models for the HTTP API and the CLI's report: every query the server answers, on
 * the writer's own connection (so answers are current even while a run is writing), the
 * same SQL for both engines.
 */
import { bm25, RANK_FUNCTION, RANK_MATCHINFO } from './rank.js';
import type { Connection } from './sql-connection.js';
import { BadQueryError, errorMessage } from '../core/errors.js';
import {
  type ActivityYear,
  type BrokenLink,
  type Counts,
  type EntryDetail,
  type EntryQuery,
  type EntryRef,
  type EntrySummary,
  type EventRow,
  type FileErrorRow,
  type IndexReader,
  type LinkRow,
  type RunRow,
} from '../core/seam.js';

/** Marks around matched words in search snippets (plain text: render them as you like). */
export const SNIPPET_OPEN = '«';
export const SNIPPET_CLOSE = '»';

const RUN_COLUMNS = `id, trigger, kind, status, started_at AS startedAt, finished_at AS finishedAt, duration_ms AS durationMs,
  scanned, added, updated, unchanged, moved, removed, errors, message`;
const EVENT_COLUMNS = 'id, run_id AS runId, at, path, old_path AS oldPath, kind, content_hash AS contentHash';
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
    if (query.q === undefined || query.q.trim() === '') return this.listEntries(query, null);
    // An unbalanced quote is not an error to FTS4, just a phrase that matches nothing.
    const balanced = (query.q.match(/"/g)?.length ?? 0) % 2 === 0;
    try {
      if (!balanced) throw new Error('unbalanced quote');
      return this.listEntries(query, query.q);
    } catch {
      // Free text with FTS operators out of place (a lone quote, `AND` at the end):
      // search for the words as plain terms instead.
      // (FTS4 has no escape for a quote inside a phrase: drop them.)
      const quoted = query.q.replace(/"/g, ' ').split(/\s+/).filter((w) => w !== '').map((w) => `"${w}"`).join(' ');
      try {
        return this.listEntries(query, quoted);
      } catch (err) {
        throw new BadQueryError(`invalid search query: ${errorMessage(err)}`);
      }
    }
  }

  /** A page of entries, filtered; with `match`, a full-text search whose snippets mark the hits. */
  private listEntries(query: EntryQuery, match: string | null): { total: number; entries: EntrySummary[] } {
    if (match !== null) return this.searchEntries(query, match);
    const { where, params } = filters(query);
    const total = this.db.get<{ n: number }>(`SELECT count(*) AS n FROM entries e WHERE ${where}`, params)!.n;
    // The page's rows are picked first and only they get a snippet and tags (sorting every
    // entry with them cost ~32 ms at 10k notes, this ~11 ms).
    const rows = this.db.all<SummaryRow>(
      `SELECT ${SUMMARY_COLUMNS}, substr(e.body, 1, 400) AS snippet FROM entries e
       WHERE e.id IN (SELECT e.id FROM entries e WHERE ${where} ORDER BY ${NEWEST_FIRST} LIMIT ? OFFSET ?)
       ORDER BY ${NEWEST_FIRST}`,
      [...params, query.limit, query.offset],
    );
    return { total, entries: rows.map((r) => summary(r, plainSnippet(r.snippet))) };
  }

  /**
   * A full-text search, best match first: every match ranked in one pass over the FTS
   * index alone, the page picked in memory, and only its rows read with their snippets
   * and tags. Sorting in SQL joined every match to its entry first (for the tie-break on
   * date and path): for a common word in 10k notes (~4,000 matches) that join and the
   * snippets cost as much as the ranking; this measured 19–23 → 9–11 ms of CPU.
   */
  private searchEntries(query: EntryQuery, match: string): { total: number; entries: EntrySummary[] } {
    const { where, params } = filters(query);
    const filtered = where === '1' ? '' : ` AND entries_fts.rowid IN (SELECT e.id FROM entries e WHERE ${where})`;
    const ranked = this.db.all<{ id: number; score: number }>(
      `SELECT rowid AS id, ${RANK_FUNCTION}(matchinfo(entries_fts, '${RANK_MATCHINFO}')) AS score FROM entries_fts WHERE entries_fts MATCH ?${filtered}`,
      [match, ...params],
    );
    const end = query.offset + query.limit;
    if (ranked.length === 0 || query.offset >= ranked.length) return { total: ranked.length, entries: [] };
    ranked.sort((a, b) => b.score - a.score);
    // The page, and every match tied with its last row: ties go newest first, then by path.
    const floor = ranked[Math.min(end, ranked.length) - 1]!.score;
    const candidates = ranked.filter((r) => r.score >= floor);
    const keys = new Map(
      this.db
        .all<{ id: number; date: string | null; path: string }>('SELECT id, date, path FROM entries WHERE id IN (SELECT value FROM json_each(?))', [JSON.stringify(candidates.map((r) => r.id))])
        .map((r) => [r.id, r]),
    );
    const page = candidates
      .filter((r) => keys.has(r.id))
      .sort((a, b) => b.score - a.score || byNewest(keys.get(a.id)!, keys.get(b.id)!))
      .slice(query.offset, end);
    const rows = this.db.all<SummaryRow>(
      `SELECT ${SUMMARY_COLUMNS}, snippet(entries_fts, '${SNIPPET_OPEN}', '${SNIPPET_CLOSE}', '…', -1, 24) AS snippet
       FROM entries_fts JOIN entries e ON e.id = entries_fts.rowid
       WHERE entries_fts MATCH ? AND entries_fts.rowid IN (SELECT value FROM json_each(?))`,
      [match, JSON.stringify(page.map((r) => r.id))],
    );
    const byId = new Map(rows.map((r) => [r.id, r]));
    const entries = page.flatMap((r) => {
      const row = byId.get(r.id);
      return row ? [summary(row, row.snippet.replace(/\s+/g, ' ').trim())] : [];
    });
    return { total: ranked.length, entries };
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
      links: this.db.all<LinkRow>('SELECT target, kind, target_id AS targetId FROM links WHERE entry_id = ? ORDER BY rowid', [id]),
      tasks: this.db
        .all<{ line: number; text: string; done: number }>('SELECT line, text, done FROM tasks WHERE entry_id = ? ORDER BY line', [id])
        .map((t) => ({ ...t, done: t.done === 1 })),
      backlinks: this.db.all<EntryRef>(
        'SELECT DISTINCT e.id, e.path, e.title FROM links l JOIN entries e ON e.id = l.entry_id WHERE l.target_id = ? AND l.entry_id != ? ORDER BY e.path',
        [id, id],
      ),
      history: this.history(e.path),
    };
  }

  /** Links that resolve to no entry, by linking path. */
  brokenLinks(limit: number, offset: number): { total: number; links: BrokenLink[] } {
    const total = this.db.get<{ n: number }>('SELECT count(*) AS n FROM links WHERE target_id IS NULL')!.n;
    const links = this.db.all<BrokenLink>(
      `SELECT l.entry_id AS entryId, e.path, l.target, l.kind FROM links l JOIN entries e ON e.id = l.entry_id
       WHERE l.target_id IS NULL ORDER BY e.path, l.rowid LIMIT ? OFFSET ?`,
      [limit, offset],
    );
    return { total, links };
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

function filters(query: EntryQuery): { where: string; params: Array<string | number> } {
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
  return { where: clauses.join(' AND '), params };
}

const SUMMARY_COLUMNS = `e.id, e.path, e.title, e.date, e.word_count AS wordCount,
  (SELECT json_group_array(tag) FROM tags WHERE entry_id = e.id) AS tags`;
const NEWEST_FIRST = 'e.date IS NULL, e.date DESC, e.path';

type SummaryRow = Omit<EntrySummary, 'tags'> & { tags: string };

function summary(row: SummaryRow, snippet: string): EntrySummary {
  return { ...row, tags: JSON.parse(row.tags) as string[], snippet };
}

/** NEWEST_FIRST in memory: dated before undated, newest date first, then path (SQLite's byte order). */
function byNewest(a: { date: string | null; path: string }, b: { date: string | null; path: string }): number {
  if ((a.date === null) !== (b.date === null)) return a.date === null ? 1 : -1;
  if (a.date !== b.date) return a.date! < b.date! ? 1 : -1;
  return Buffer.compare(Buffer.from(a.path), Buffer.from(b.path));
}

function plainSnippet(text: string): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > 200 ? flat.slice(0, 200).replace(/\s\S*$/, '') + '…' : flat;
}
