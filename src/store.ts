/**
 * The index: opening (or rebuilding) it, and every write the sync engine makes. The
 * database mechanics (sql.js in a Node buffer, statements, transactions) are database.ts's;
 * persist.ts writes the file.
 */
import type { Database } from 'sql.js';
import { loadSql, readVersion, SqlDatabase, type DatabaseFile, type SqlJs } from './database.js';
import { KEEP_EVENTS, KEEP_RUNS, PAGE_SIZE, SCHEMA_SQL, SCHEMA_VERSION } from './schema.js';
import type { Link, Task } from './parse.js';
import { isRacy } from './diff.js';

/** What the index knows about a file's stat, enough to decide whether it may have changed. */
export interface IndexedStat {
  id: number;
  path: string;
  size: number;
  mtimeMs: number;
  /** When the file was last read (ms since epoch), if racily close to its mtime; else far in the future. */
  checkedMs: number;
}

/** An indexed file with its content hash: to tell a real change from a touch, and to pair moves. */
export interface IndexedFile extends IndexedStat {
  contentHash: string;
}

/** checkedMs of a file read long after its mtime (no inkdex_checks row): never racy. */
const NOT_RACY = 8.64e15;

/** Everything written for one entry. */
export interface EntryRecord {
  path: string;
  title: string;
  date: string | null;
  frontmatter: string;
  /** The body as UTF-8 bytes (bound as bytes, cast to TEXT: much faster in sql.js). */
  body: Uint8Array;
  wordCount: number;
  contentHash: string;
  size: number;
  mtimeMs: number;
  error: string | null;
  tags: string[];
  links: Link[];
  tasks: Task[];
}

export type Trigger = 'startup' | 'watch' | 'manual' | 'scheduled' | 'cli';
export type RunKind = 'full' | 'incremental';
export type EventKind = 'added' | 'updated' | 'moved' | 'removed';

export interface RunStats {
  scanned: number;
  added: number;
  updated: number;
  unchanged: number;
  moved: number;
  removed: number;
  errors: number;
}

export interface OpenResult {
  store: Store;
  /** Why the file on disk was not used, when it was not (corrupt, other schema). */
  rebuiltBecause: string | null;
}

const ENTRY_COLUMNS = 'path, title, date, frontmatter, body, word_count, content_hash, size, mtime_ms, indexed_at, error';

export class Store extends SqlDatabase {
  /** Entries whose FTS row is still to be inserted (before the transaction commits). */
  private readonly ftsPending = new Set<number>();
  /** Set during a first build whose FTS index is made in one pass at its end (see deferFts). */
  private ftsDeferred = false;

  private constructor(SQL: SqlJs, db: Database, file: DatabaseFile | null) {
    super(SQL, db, file);
  }

  /** Before indexing `markdownBytes` of new files: the index takes about 3.5× its markdown. */
  reserveCapacity(markdownBytes: number): void {
    this.reserve(Math.ceil(markdownBytes * 3.5));
  }

  protected override beforeCommit(): void {
    this.flushFts();
  }

  protected override onRollback(): void {
    this.ftsPending.clear();
  }

  /**
   * Opens the index from its file, or a new empty one when absent or unusable.
   * `file.buffer` is used in place: do not touch it afterwards.
   */
  static async open(file: DatabaseFile | null, journalRoot: string): Promise<OpenResult> {
    const SQL = await loadSql();
    let rebuiltBecause: string | null = null;
    if (file && file.length > 0) {
      let db: Database | null = null;
      try {
        db = new SQL.Database(file.buffer);
        const version = readVersion(db);
        if (version === SCHEMA_VERSION) {
          const store = new Store(SQL, db, file);
          store.setMeta('journal_root', journalRoot);
          return { store, rebuiltBecause: null };
        }
        rebuiltBecause = version === null ? 'it is not an inkdex index' : `its schema_version is ${version}, this inkdex uses ${SCHEMA_VERSION}`;
      } catch (err) {
        rebuiltBecause = `it cannot be read as SQLite (${err instanceof Error ? err.message : String(err)})`;
      }
      db?.close();
    }
    const db = new SQL.Database();
    db.exec(`PRAGMA page_size = ${PAGE_SIZE};`);
    db.exec(SCHEMA_SQL);
    const store = new Store(SQL, db, null);
    store.setMeta('schema_version', SCHEMA_VERSION);
    store.setMeta('journal_root', journalRoot);
    store.setMeta('created_at', new Date().toISOString());
    return { store, rebuiltBecause };
  }

  setMeta(key: string, value: string): void {
    this.run('INSERT INTO meta(key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value', [key, value]);
  }

  /**
   * Every indexed file's stat, keyed by path: every full sync starts with this listing.
   * Fetched as one JSON array, without hashes (see `withHashes`) and with the few racy
   * checks merged here rather than joined: in a fresh process, stepping 10k rows through
   * sql.js, the hashes and the join each cost about as much as the listing itself.
   */
  listIndexed(): Map<string, IndexedStat> {
    const checks = new Map<number, number>();
    for (const c of this.all<{ entry_id: number; checked_ms: number }>('SELECT entry_id, checked_ms FROM inkdex_checks')) checks.set(c.entry_id, c.checked_ms);
    const json = this.get<{ rows: string }>('SELECT json_group_array(json_array(id, path, size, mtime_ms)) AS rows FROM entries')!.rows;
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
    const rows = this.all<{ id: number; content_hash: string }>('SELECT id, content_hash FROM entries WHERE id IN (SELECT value FROM json_each(?))', [
      JSON.stringify(stats.map((s) => s.id)),
    ]);
    for (const r of rows) hashes.set(r.id, r.content_hash);
    return stats.map((s) => ({ ...s, contentHash: hashes.get(s.id) ?? '' }));
  }

  indexedByPath(path: string): IndexedFile | undefined {
    const row = this.get<{ id: number; path: string; size: number; mtime_ms: number; content_hash: string; checked_ms: number }>(
      `SELECT e.id, e.path, e.size, e.mtime_ms, e.content_hash, coalesce(c.checked_ms, ${NOT_RACY}) AS checked_ms FROM entries e LEFT JOIN inkdex_checks c ON c.entry_id = e.id WHERE e.path = ?`,
      [path],
    );
    return row && { id: row.id, path: row.path, size: row.size, mtimeMs: row.mtime_ms, contentHash: row.content_hash, checkedMs: row.checked_ms };
  }

  /** Indexed paths whose content has this hash (move candidates). */
  pathsWithHash(hash: string): string[] {
    return this.all<{ path: string }>('SELECT path FROM entries WHERE content_hash = ?', [hash]).map((r) => r.path);
  }

  /** Paths indexed under a folder (`dir` = '' means all). */
  pathsUnder(dir: string): string[] {
    if (dir === '') return this.all<{ path: string }>('SELECT path FROM entries').map((r) => r.path);
    const prefix = dir + '/';
    // Range scan on the path index: every path starting with `prefix`.
    return this.all<{ path: string }>('SELECT path FROM entries WHERE path >= ? AND path < ?', [prefix, prefix.slice(0, -1) + '0']).map(
      (r) => r.path,
    );
  }

  // ---- entry writes (call inside a transaction) ------------------------------------

  insertEntry(e: EntryRecord, indexedAt: string, checkedMs: number): number {
    const id = this.get<{ id: number }>(`INSERT INTO entries(${ENTRY_COLUMNS}) VALUES (?, ?, ?, ?, CAST(? AS TEXT), ?, ?, ?, ?, ?, ?) RETURNING id`, [
      e.path, e.title, e.date, e.frontmatter, e.body, e.wordCount, e.contentHash, e.size, e.mtimeMs, indexedAt, e.error,
    ])!.id;
    this.writeChildren(id, e);
    if (isRacy(e.mtimeMs, checkedMs)) this.setChecked(id, checkedMs);
    this.ftsInsert(id);
    return id;
  }

  /** Replaces an entry's content (and path, for a move), keeping its id. */
  updateEntry(id: number, e: EntryRecord, indexedAt: string, checkedMs: number): void {
    this.ftsDelete(id);
    this.run(
      `UPDATE entries SET path = ?, title = ?, date = ?, frontmatter = ?, body = CAST(? AS TEXT), word_count = ?, content_hash = ?, size = ?, mtime_ms = ?, indexed_at = ?, error = ? WHERE id = ?`,
      [e.path, e.title, e.date, e.frontmatter, e.body, e.wordCount, e.contentHash, e.size, e.mtimeMs, indexedAt, e.error, id],
    );
    this.deleteChildren(id);
    this.writeChildren(id, e);
    this.setChecked(id, checkedMs, e.mtimeMs);
    this.ftsInsert(id);
  }

  /** Same bytes, new stat: refresh size/mtime without touching the content. */
  refreshStat(id: number, size: number, mtimeMs: number, checkedMs: number): void {
    this.run('UPDATE entries SET size = ?, mtime_ms = ? WHERE id = ? AND (size != ? OR mtime_ms != ?)', [size, mtimeMs, id, size, mtimeMs]);
    this.setChecked(id, checkedMs, mtimeMs);
  }

  removeEntry(id: number): void {
    this.ftsDelete(id);
    this.deleteChildren(id);
    this.run('DELETE FROM inkdex_checks WHERE entry_id = ?', [id]);
    this.run('DELETE FROM entries WHERE id = ?', [id]);
  }

  /**
   * Records when a file was read, for the racy-stat check (see diff.ts). Only racy reads
   * need a row: a missing row means the file was read well after its mtime.
   */
  private setChecked(id: number, checkedMs: number, mtimeMs?: number): void {
    if (mtimeMs !== undefined && !isRacy(mtimeMs, checkedMs)) this.run('DELETE FROM inkdex_checks WHERE entry_id = ?', [id]);
    else this.run('INSERT OR REPLACE INTO inkdex_checks(entry_id, checked_ms) VALUES (?, ?)', [id, checkedMs]);
  }

  private writeChildren(id: number, e: EntryRecord): void {
    for (const tag of e.tags) this.run('INSERT OR IGNORE INTO tags(entry_id, tag) VALUES (?, ?)', [id, tag]);
    for (const l of e.links) this.run('INSERT INTO links(entry_id, target, kind) VALUES (?, ?, ?)', [id, l.target, l.kind]);
    for (const t of e.tasks) this.run('INSERT INTO tasks(entry_id, line, text, done) VALUES (?, ?, ?, ?)', [id, t.line, t.text, t.done ? 1 : 0]);
  }

  private deleteChildren(id: number): void {
    this.run('DELETE FROM tags WHERE entry_id = ?', [id]);
    this.run('DELETE FROM links WHERE entry_id = ?', [id]);
    this.run('DELETE FROM tasks WHERE entry_id = ?', [id]);
  }

  /**
   * For a first build: leave the FTS index alone until `finishDeferredFts` builds it in
   * one `rebuild` pass — measured ~4–6 % faster for a 10k build, with a ~5 % smaller file
   * (fewer, fuller segments), but one call that blocks (~0.6 s at 10k notes).
   */
  deferFts(): void {
    this.ftsDeferred = true;
  }

  /** Builds the FTS index left by `deferFts`, from every entry (also after a stopped or failed run). */
  finishDeferredFts(): void {
    if (!this.ftsDeferred) return;
    this.ftsDeferred = false;
    this.run("INSERT INTO entries_fts(entries_fts) VALUES ('rebuild')");
  }

  // FTS rows are inserted set-wise, once per transaction: one INSERT … SELECT for many
  // entries measured 5× cheaper than one per entry. While deferred, the rebuild at the
  // end reads every entry's final text: nothing to add or remove until then.
  private ftsInsert(id: number): void {
    if (!this.ftsDeferred) this.ftsPending.add(id);
  }

  private flushFts(): void {
    if (this.ftsPending.size === 0) return;
    this.run('INSERT INTO entries_fts(rowid, title, body) SELECT id, title, body FROM entries WHERE id IN (SELECT value FROM json_each(?))', [
      JSON.stringify([...this.ftsPending]),
    ]);
    this.ftsPending.clear();
  }

  // External-content FTS4 reads the text to un-index from `entries` when a row is deleted,
  // so ftsDelete must run while the entry still holds its old text (and is in the index).
  private ftsDelete(id: number): void {
    if (this.ftsDeferred) return;
    if (this.ftsPending.has(id)) this.flushFts();
    this.run('DELETE FROM entries_fts WHERE docid = ?', [id]);
  }

  // ---- file errors -------------------------------------------------------------------

  setFileError(path: string, runId: number, at: string, message: string): void {
    this.run(
      'INSERT INTO file_errors(path, run_id, at, message) VALUES (?, ?, ?, ?) ON CONFLICT(path) DO UPDATE SET run_id = excluded.run_id, at = excluded.at, message = excluded.message WHERE file_errors.message != excluded.message',
      [path, runId, at, message],
    );
  }

  /** After a successful read of unchanged bytes: the only error left is the entry's own. */
  restoreFileError(path: string, runId: number, at: string): void {
    this.run('DELETE FROM file_errors WHERE path = ? AND message IS NOT (SELECT error FROM entries WHERE path = ?)', [path, path]);
    this.run('INSERT OR IGNORE INTO file_errors(path, run_id, at, message) SELECT path, ?, ?, error FROM entries WHERE path = ? AND error IS NOT NULL', [runId, at, path]);
  }

  clearFileError(path: string): void {
    this.run('DELETE FROM file_errors WHERE path = ?', [path]);
  }

  fileErrorPaths(): string[] {
    return this.all<{ path: string }>('SELECT path FROM file_errors').map((r) => r.path);
  }

  // ---- runs and events ---------------------------------------------------------------

  startRun(trigger: Trigger, kind: RunKind, startedAt: string): number {
    this.run("INSERT INTO sync_runs(trigger, kind, status, started_at) VALUES (?, ?, 'running', ?)", [trigger, kind, startedAt]);
    return this.get<{ id: number }>('SELECT last_insert_rowid() AS id')!.id;
  }

  /** A reserved run (see Indexer.requestFull) begins: its start time is the real one. */
  markRunStarted(id: number, startedAt: string): void {
    this.run('UPDATE sync_runs SET started_at = ? WHERE id = ?', [startedAt, id]);
  }

  finishRun(id: number, status: 'succeeded' | 'failed', finishedAt: string, durationMs: number, stats: RunStats, message: string | null): void {
    this.run(
      `UPDATE sync_runs SET status = ?, finished_at = ?, duration_ms = ?, scanned = ?, added = ?, updated = ?, unchanged = ?, moved = ?, removed = ?, errors = ?, message = ? WHERE id = ?`,
      [status, finishedAt, durationMs, stats.scanned, stats.added, stats.updated, stats.unchanged, stats.moved, stats.removed, stats.errors, message, id],
    );
  }

  /** Runs left 'running' by a process that died are marked failed. */
  failInterruptedRuns(at: string): void {
    this.run("UPDATE sync_runs SET status = 'failed', finished_at = ?, message = 'interrupted: the process stopped before the run finished' WHERE status = 'running'", [at]);
  }

  addEvent(runId: number, at: string, kind: EventKind, path: string, oldPath: string | null, contentHash: string | null): void {
    this.run('INSERT INTO entry_events(run_id, at, path, old_path, kind, content_hash) VALUES (?, ?, ?, ?, ?, ?)', [runId, at, path, oldPath, kind, contentHash]);
  }

  /** Drops the oldest runs and events beyond the retention limits. */
  prune(): void {
    this.run('DELETE FROM sync_runs WHERE id <= (SELECT max(id) FROM sync_runs) - ?', [KEEP_RUNS]);
    this.run('DELETE FROM entry_events WHERE id <= (SELECT max(id) FROM entry_events) - ?', [KEEP_EVENTS]);
  }

}
