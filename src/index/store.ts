/**
 * Every write a sync run makes to the index (entries, child rows, FTS, file errors) and
 * the run log, as SQL over a Connection — the same for both engines. Opening the file and
 * choosing the engine are open-index.ts's, engine.ts's and the engines' (native-engine.ts,
 * wasm-engine.ts); reads for the API are queries.ts's.
 */
import { KEEP_EVENTS, KEEP_RUNS, STATS_SINCE } from './schema.js';
import type { Connection } from './sql-connection.js';
import { entryKeys, linkKey } from '../core/link-keys.js';
import { dayRows, DayTally } from '../core/daily-stats.js';
import { localDay } from '../core/days.js';
import type { EntryRecord, EventKind, IndexedFile, IndexedStat, RunKind, RunStats, RunStatus, SyncStore, Trigger } from '../core/seam.js';

/** checkedMs of a file read long after its mtime (no inkdex_checks row): never racy. */
const NOT_RACY = 8.64e15;

/**
 * A link's target (SPEC §3): among the entries answering to the key it asks for, the one
 * in the linking note's own folder, else the shortest path, then the first in path order.
 * `rtrim(p, replace(p, '/', ''))` is p's folder with its trailing '/'.
 */
const RESOLVE = `(SELECT k.entry_id FROM inkdex_keys k JOIN entries t ON t.id = k.entry_id WHERE k.key = links.target_key
  ORDER BY rtrim(t.path, replace(t.path, '/', '')) = (SELECT rtrim(f.path, replace(f.path, '/', '')) FROM entries f WHERE f.id = links.entry_id) DESC,
    length(t.path), t.path LIMIT 1)`;

/** How long a run waits for another connection's write to finish before trying anyway. */
const WRITABLE_WAIT_MS = 30_000;

const ENTRY_COLUMNS = 'path, title, date, frontmatter, body, word_count, content_hash, size, mtime_ms, indexed_at, error';

export class SqlSyncStore implements SyncStore {
  /** Entries whose FTS row is still to be inserted (before the transaction commits). */
  private readonly ftsPending = new Set<number>();
  /** Set during a first build whose FTS index is made in one pass at its end (see prepareBulk). */
  private ftsDeferred = false;
  /** Entries whose links are to be resolved, and keys whose links are to be re-resolved, at commit. */
  private readonly linksOf = new Set<number>();
  private readonly keysChanged = new Set<string>();
  /** Set during a bulk run: every link is resolved once, at its end (see finishBulk). */
  private linksDeferred = false;
  /**
   * The figures of entry events for daily_stats: this transaction's, and those committed
   * but not yet written there (recordDays writes them; a run whose finish could not be
   * written leaves them to the next run's, so nothing committed goes uncounted).
   */
  private daysPending = new DayTally();
  private daysKept = new DayTally();
  /** recordDays wrote the kept figures in this transaction: they go once it commits. */
  private daysWritten = false;

  /**
   * @param reserve makes room for this many more bytes of database, where the engine
   *   benefits (sql.js's in-memory file otherwise grows 1.125× at a time)
   */
  constructor(
    private readonly db: Connection,
    private readonly reserve: (bytes: number) => void = () => undefined,
  ) {}

  async writable(): Promise<void> {
    const deadline = Date.now() + WRITABLE_WAIT_MS;
    // Past the deadline the next write waits synchronously (the busy timeout) and may fail.
    while (!this.db.canWrite() && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 25));
  }

  begin(): void {
    this.db.begin();
  }

  commit(): void {
    this.flushFts();
    this.resolveLinks();
    this.db.commit();
    if (this.daysWritten) this.daysKept = new DayTally();
    else this.daysKept.merge(this.daysPending);
    this.daysPending = new DayTally();
    this.daysWritten = false;
  }

  rollback(): void {
    this.ftsPending.clear();
    this.linksOf.clear();
    this.keysChanged.clear();
    this.daysPending = new DayTally();
    this.daysWritten = false;
    this.db.rollback();
  }

  transaction<T>(fn: () => T): T {
    this.begin();
    try {
      const result = fn();
      this.commit();
      return result;
    } catch (err) {
      this.rollback();
      throw err;
    }
  }

  setMeta(key: string, value: string): void {
    this.db.run('INSERT INTO meta(key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value', [key, value]);
  }

  /**
   * Every indexed file's stat, keyed by path: every full sync starts with this listing.
   * Fetched as one JSON array, without hashes (see `withHashes`) and with the few racy
   * checks merged here rather than joined: in a fresh process, stepping 10k rows through
   * sql.js, the hashes and the join each cost about as much as the listing itself.
   */
  listIndexed(): Map<string, IndexedStat> {
    const checks = new Map<number, number>();
    for (const c of this.db.all<{ entry_id: number; checked_ms: number }>('SELECT entry_id, checked_ms FROM inkdex_checks')) checks.set(c.entry_id, c.checked_ms);
    const json = this.db.get<{ rows: string }>('SELECT json_group_array(json_array(id, path, size, mtime_ms)) AS rows FROM entries')!.rows;
    const map = new Map<string, IndexedStat>();
    const rows = JSON.parse(json) as Array<[number, string, number, number]>;
    // An indexed loop: destructuring each row (the iterator protocol) was 2× slower in a fresh process.
    for (let i = 0; i < rows.length; i++) {
      const row = rows[i]!;
      map.set(row[1], { id: row[0], path: row[1], size: row[2], mtimeMs: row[3], checkedMs: checks.get(row[0]) ?? NOT_RACY });
    }
    return map;
  }

  /** The same entries with their content hashes (one query for all). */
  withHashes(stats: readonly IndexedStat[]): IndexedFile[] {
    if (stats.length === 0) return [];
    const hashes = new Map<number, string>();
    const rows = this.db.all<{ id: number; content_hash: string }>('SELECT id, content_hash FROM entries WHERE id IN (SELECT value FROM json_each(?))', [
      JSON.stringify(stats.map((s) => s.id)),
    ]);
    for (const r of rows) hashes.set(r.id, r.content_hash);
    return stats.map((s) => ({ ...s, contentHash: hashes.get(s.id) ?? '' }));
  }

  indexedByPath(path: string): IndexedFile | undefined {
    const row = this.db.get<{ id: number; path: string; size: number; mtime_ms: number; content_hash: string; checked_ms: number }>(
      `SELECT e.id, e.path, e.size, e.mtime_ms, e.content_hash, coalesce(c.checked_ms, ${NOT_RACY}) AS checked_ms FROM entries e LEFT JOIN inkdex_checks c ON c.entry_id = e.id WHERE e.path = ?`,
      [path],
    );
    return row && { id: row.id, path: row.path, size: row.size, mtimeMs: row.mtime_ms, contentHash: row.content_hash, checkedMs: row.checked_ms };
  }

  /** Indexed paths whose content has this hash (move candidates). */
  pathsWithHash(hash: string): string[] {
    return this.db.all<{ path: string }>('SELECT path FROM entries WHERE content_hash = ?', [hash]).map((r) => r.path);
  }

  /** Paths indexed under a folder (`dir` = '' means all). */
  pathsUnder(dir: string): string[] {
    if (dir === '') return this.db.all<{ path: string }>('SELECT path FROM entries').map((r) => r.path);
    const prefix = dir + '/';
    // Range scan on the path index: every path starting with `prefix`.
    return this.db.all<{ path: string }>('SELECT path FROM entries WHERE path >= ? AND path < ?', [prefix, prefix.slice(0, -1) + '0']).map(
      (r) => r.path,
    );
  }

  // ---- entry writes (call inside a transaction) ------------------------------------

  insertEntry(e: EntryRecord, indexedAt: string, racyCheckedMs: number | null): number {
    const id = this.db.get<{ id: number }>(`INSERT INTO entries(${ENTRY_COLUMNS}) VALUES (?, ?, ?, ?, CAST(? AS TEXT), ?, ?, ?, ?, ?, ?) RETURNING id`, [
      e.path, e.title, e.date, e.frontmatter, e.body, e.wordCount, e.contentHash, e.size, e.mtimeMs, indexedAt, e.error,
    ])!.id;
    this.writeChildren(id, e);
    this.writeKeys(id, e.path);
    if (racyCheckedMs !== null) this.setChecked(id, racyCheckedMs);
    this.ftsInsert(id);
    return id;
  }

  /** Replaces an entry's content (and path, for a move), keeping its id. @returns its word count before */
  updateEntry(id: number, e: EntryRecord, indexedAt: string, racyCheckedMs: number | null): number {
    this.ftsDelete(id);
    const before = this.db.get<{ path: string; word_count: number }>('SELECT path, word_count FROM entries WHERE id = ?', [id]);
    if (before && before.path !== e.path) {
      // A move: the entry answers to other keys now (and its links' own folder changed).
      this.dropKeys(id, before.path);
      this.writeKeys(id, e.path);
    }
    this.db.run(
      `UPDATE entries SET path = ?, title = ?, date = ?, frontmatter = ?, body = CAST(? AS TEXT), word_count = ?, content_hash = ?, size = ?, mtime_ms = ?, indexed_at = ?, error = ? WHERE id = ?`,
      [e.path, e.title, e.date, e.frontmatter, e.body, e.wordCount, e.contentHash, e.size, e.mtimeMs, indexedAt, e.error, id],
    );
    this.deleteChildren(id);
    this.writeChildren(id, e);
    this.setChecked(id, racyCheckedMs);
    this.ftsInsert(id);
    return before?.word_count ?? 0;
  }

  /** Same bytes, new stat: refresh size/mtime without touching the content. */
  refreshStat(id: number, size: number, mtimeMs: number, racyCheckedMs: number | null): void {
    this.db.run('UPDATE entries SET size = ?, mtime_ms = ? WHERE id = ? AND (size != ? OR mtime_ms != ?)', [size, mtimeMs, id, size, mtimeMs]);
    this.setChecked(id, racyCheckedMs);
  }

  /** @returns the word count the entry had */
  removeEntry(id: number): number {
    this.ftsDelete(id);
    const before = this.db.get<{ path: string; word_count: number }>('SELECT path, word_count FROM entries WHERE id = ?', [id]);
    if (before) this.dropKeys(id, before.path);
    this.deleteChildren(id);
    this.db.run('DELETE FROM inkdex_checks WHERE entry_id = ?', [id]);
    this.db.run('DELETE FROM entries WHERE id = ?', [id]);
    return before?.word_count ?? 0;
  }

  /**
   * Records when a file was read, for the racy-stat check (diff.ts decides): only racy
   * reads need a row; a missing row means the file was read well after its mtime.
   */
  private setChecked(id: number, racyCheckedMs: number | null): void {
    if (racyCheckedMs === null) this.db.run('DELETE FROM inkdex_checks WHERE entry_id = ?', [id]);
    else this.db.run('INSERT OR REPLACE INTO inkdex_checks(entry_id, checked_ms) VALUES (?, ?)', [id, racyCheckedMs]);
  }

  private writeChildren(id: number, e: EntryRecord): void {
    for (const tag of e.tags) this.db.run('INSERT OR IGNORE INTO tags(entry_id, tag) VALUES (?, ?)', [id, tag]);
    for (const l of e.links) this.db.run('INSERT INTO links(entry_id, target, kind, target_key) VALUES (?, ?, ?, ?)', [id, l.target, l.kind, linkKey(l.target, l.kind, e.path)]);
    if (e.links.length > 0 && !this.linksDeferred) this.linksOf.add(id);
    for (const t of e.tasks) this.db.run('INSERT INTO tasks(entry_id, line, text, done) VALUES (?, ?, ?, ?)', [id, t.line, t.text, t.done ? 1 : 0]);
  }

  private writeKeys(id: number, path: string): void {
    for (const key of entryKeys(path)) {
      this.db.run('INSERT OR IGNORE INTO inkdex_keys(key, entry_id) VALUES (?, ?)', [key, id]);
      if (!this.linksDeferred) this.keysChanged.add(key);
    }
  }

  private dropKeys(id: number, path: string): void {
    this.db.run('DELETE FROM inkdex_keys WHERE entry_id = ?', [id]);
    if (!this.linksDeferred) for (const key of entryKeys(path)) this.keysChanged.add(key);
  }

  /**
   * Link resolution, kept current set-wise at each commit without re-resolving the whole
   * journal: the links of entries written in this transaction, and the links asking for a
   * key that an added, moved or removed entry answers to (or answered to).
   */
  private resolveLinks(): void {
    if (this.keysChanged.size > 0) {
      this.db.run(`UPDATE links SET target_id = ${RESOLVE} WHERE target_key IN (SELECT value FROM json_each(?))`, [JSON.stringify([...this.keysChanged])]);
      this.keysChanged.clear();
    }
    if (this.linksOf.size > 0) {
      this.db.run(`UPDATE links SET target_id = ${RESOLVE} WHERE entry_id IN (SELECT value FROM json_each(?))`, [JSON.stringify([...this.linksOf])]);
      this.linksOf.clear();
    }
  }

  private resolveAllLinks(): void {
    this.db.run(`UPDATE links SET target_id = ${RESOLVE} WHERE target_key IS NOT NULL`);
  }

  private deleteChildren(id: number): void {
    this.db.run('DELETE FROM tags WHERE entry_id = ?', [id]);
    this.db.run('DELETE FROM links WHERE entry_id = ?', [id]);
    this.db.run('DELETE FROM tasks WHERE entry_id = ?', [id]);
  }

  /**
   * Room for a bulk build; and for a first build, leave the FTS index alone until
   * `finishBulk` builds it in one `rebuild` pass — measured ~4–6 % faster for a 10k build,
   * with a ~5 % smaller file (fewer, fuller segments), but one call that blocks (~0.6 s at
   * 10k notes).
   */
  prepareBulk(markdownBytes: number, ftsInOnePass: boolean): void {
    // The index takes about 3.5× its markdown.
    this.reserve(Math.ceil(markdownBytes * 3.5));
    if (ftsInOnePass) this.ftsDeferred = true;
    // Many new entries: one resolution pass over every link at the end beats re-resolving
    // earlier chunks' links as each chunk brings the entries they ask for.
    this.linksDeferred = true;
  }

  /** Builds the FTS index left by `prepareBulk`, from every entry (also after a stopped or failed run). */
  finishBulk(): void {
    if (this.linksDeferred) {
      this.linksDeferred = false;
      this.transaction(() => this.resolveAllLinks());
    }
    if (!this.ftsDeferred) return;
    this.ftsDeferred = false;
    this.db.run("INSERT INTO entries_fts(entries_fts) VALUES ('rebuild')");
  }

  // FTS rows are inserted set-wise, once per transaction: one INSERT … SELECT for many
  // entries measured 5× cheaper than one per entry. While deferred, the rebuild at the
  // end reads every entry's final text: nothing to add or remove until then.
  private ftsInsert(id: number): void {
    if (!this.ftsDeferred) this.ftsPending.add(id);
  }

  private flushFts(): void {
    if (this.ftsPending.size === 0) return;
    this.db.run('INSERT INTO entries_fts(rowid, title, body) SELECT id, title, body FROM entries WHERE id IN (SELECT value FROM json_each(?))', [
      JSON.stringify([...this.ftsPending]),
    ]);
    this.ftsPending.clear();
  }

  // External-content FTS4 reads the text to un-index from `entries` when a row is deleted,
  // so ftsDelete must run while the entry still holds its old text (and is in the index).
  private ftsDelete(id: number): void {
    if (this.ftsDeferred) return;
    if (this.ftsPending.has(id)) this.flushFts();
    this.db.run('DELETE FROM entries_fts WHERE docid = ?', [id]);
  }

  // ---- file errors -------------------------------------------------------------------

  setFileError(path: string, runId: number, at: string, message: string): void {
    this.db.run(
      'INSERT INTO file_errors(path, run_id, at, message) VALUES (?, ?, ?, ?) ON CONFLICT(path) DO UPDATE SET run_id = excluded.run_id, at = excluded.at, message = excluded.message WHERE file_errors.message != excluded.message',
      [path, runId, at, message],
    );
  }

  /** After a successful read of unchanged bytes: the only error left is the entry's own. */
  restoreFileError(path: string, runId: number, at: string): void {
    this.db.run('DELETE FROM file_errors WHERE path = ? AND message IS NOT (SELECT error FROM entries WHERE path = ?)', [path, path]);
    this.db.run('INSERT OR IGNORE INTO file_errors(path, run_id, at, message) SELECT path, ?, ?, error FROM entries WHERE path = ? AND error IS NOT NULL', [runId, at, path]);
  }

  clearFileError(path: string): void {
    this.db.run('DELETE FROM file_errors WHERE path = ?', [path]);
  }

  fileErrorPaths(): string[] {
    return this.db.all<{ path: string }>('SELECT path FROM file_errors').map((r) => r.path);
  }

  // ---- runs and events ---------------------------------------------------------------

  startRun(trigger: Trigger, kind: RunKind, startedAt: string): number {
    return this.db.get<{ id: number }>("INSERT INTO sync_runs(trigger, kind, status, started_at) VALUES (?, ?, 'running', ?) RETURNING id", [trigger, kind, startedAt])!.id;
  }


  /** A reserved run (see Indexer.requestFull) begins: its start time is the real one. */
  markRunStarted(id: number, startedAt: string): void {
    this.db.run('UPDATE sync_runs SET started_at = ? WHERE id = ?', [startedAt, id]);
  }

  finishRun(id: number, status: RunStatus, finishedAt: string, durationMs: number, stats: RunStats, message: string | null): void {
    this.db.run(
      `UPDATE sync_runs SET status = ?, finished_at = ?, duration_ms = ?, scanned = ?, added = ?, updated = ?, unchanged = ?, moved = ?, removed = ?, errors = ?, message = ? WHERE id = ?`,
      [status, finishedAt, durationMs, stats.scanned, stats.added, stats.updated, stats.unchanged, stats.moved, stats.removed, stats.errors, message, id],
    );
  }

  /** Runs left 'running' by a process that died are marked failed. */
  failInterruptedRuns(at: string): void {
    this.db.run("UPDATE sync_runs SET status = 'failed', finished_at = ?, message = 'interrupted: the process stopped before the run finished' WHERE status = 'running'", [at]);
  }

  addEvent(runId: number, at: string, kind: EventKind, path: string, oldPath: string | null, contentHash: string | null, words: number): void {
    this.db.run('INSERT INTO entry_events(run_id, at, path, old_path, kind, content_hash) VALUES (?, ?, ?, ?, ?, ?)', [runId, at, path, oldPath, kind, contentHash]);
    this.daysPending.count(localDay(Date.parse(at)), kind, words);
  }

  /**
   * The events' figures into daily_stats (see dayRows), with the index's totals: a count
   * and a sum over the covering index entries_words (~30 pages at 10k notes), never over
   * the entries' rows, whose word_count sits after the body.
   */
  recordDays(finishedAt: string, completesFirstSync: boolean): void {
    const tally = new DayTally();
    tally.merge(this.daysKept);
    tally.merge(this.daysPending);
    const finishDay = localDay(Date.parse(finishedAt));
    const totals = this.db.get<{ entries: number; words: number }>('SELECT count(*) AS entries, coalesce(sum(word_count), 0) AS words FROM entries')!;
    const firstSync = this.db.get('SELECT 1 AS yes FROM meta WHERE key = ?', [STATS_SINCE]) === undefined;
    for (const r of dayRows(tally, finishDay, totals, firstSync)) {
      this.db.run(
        `INSERT INTO daily_stats(day, entries, words, added, updated, moved, removed, words_added, words_removed) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT(day) DO UPDATE SET entries = excluded.entries, words = excluded.words, added = added + excluded.added,
           updated = updated + excluded.updated, moved = moved + excluded.moved, removed = removed + excluded.removed,
           words_added = words_added + excluded.words_added, words_removed = words_removed + excluded.words_removed`,
        [r.day, r.entries, r.words, r.added, r.updated, r.moved, r.removed, r.wordsAdded, r.wordsRemoved],
      );
    }
    if (firstSync && completesFirstSync) this.setMeta(STATS_SINCE, finishDay);
    this.daysWritten = true;
  }

  /** Drops the oldest runs and events beyond the retention limits. */
  prune(): void {
    this.db.run('DELETE FROM sync_runs WHERE id <= (SELECT max(id) FROM sync_runs) - ?', [KEEP_RUNS]);
    this.db.run('DELETE FROM entry_events WHERE id <= (SELECT max(id) FROM entry_events) - ?', [KEEP_EVENTS]);
  }

}
