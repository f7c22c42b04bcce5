/**
 * Every write a sync run makes to the index (entries, child rows, FTS, file errors) and
 * the run log, as SQL over a Connection — the same for both engines. Opening the file and
 * choosing the engine are open-index.ts's, engine.ts's and the engines' (native-engine.ts,
 * wasm-engine.ts); reads for the API are queries.ts's.
 */
import { KEEP_EVENTS, KEEP_RUNS } from './schema.js';
import { nextTurn } from '../core/time-slice.js';
import type { Connection } from './sql-connection.js';
import { entryKeys, linkKey } from '../core/link-keys.js';
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

/** meta: entries with a greater id have no FTS row yet (a first build defers them, see prepareBulk). */
export const FTS_MISSING_AFTER = 'fts_missing_after';
/** meta: links written by a bulk run are still to be resolved. */
const LINKS_UNRESOLVED = 'links_unresolved';
/** Text per FTS build transaction: ~0.2–0.4 s of SQLite on this machine. */
const FTS_STEP_BYTES = 4 * 1024 * 1024;
const FTS_STEP_MAX_ROWS = 5000;
/** Leaf pages per merge step (bounded work per call). */
const FTS_MERGE_PAGES = 500;
/** FTS4's automatic merging: segments per level before they merge (as schema.ts sets it). */
const FTS_AUTOMERGE = 8;
/** Levels the segments of a bulk build are lifted by (see finishBulk). */
const BULK_FTS_LEVEL = 8;

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
  /** True between begin and commit/rollback. */
  private inTransaction = false;
  /** Work waiting for the open transaction to end (see whenIdle). */
  private readonly afterTransaction: Array<() => void> = [];

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
    this.inTransaction = true;
  }

  commit(): void {
    this.flushFts();
    this.resolveLinks();
    this.db.commit();
    this.ended();
  }

  rollback(): void {
    this.ftsPending.clear();
    this.linksOf.clear();
    this.keysChanged.clear();
    try {
      this.db.rollback();
    } finally {
      this.ended();
    }
  }

  /**
   * Runs `fn` outside any transaction: now, or as soon as the open one ends. A write that
   * arrives while a run holds a transaction (a resync request reserving its row) must
   * not share the run's fate should it roll back.
   */
  whenIdle<T>(fn: () => T): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const job = (): void => {
        try {
          resolve(fn());
        } catch (err) {
          reject(err as Error);
        }
      };
      if (this.inTransaction) this.afterTransaction.push(job);
      else job();
    });
  }

  private ended(): void {
    this.inTransaction = false;
    for (const job of this.afterTransaction.splice(0)) job();
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

  /** Replaces an entry's content (and path, for a move), keeping its id. */
  updateEntry(id: number, e: EntryRecord, indexedAt: string, racyCheckedMs: number | null): void {
    this.ftsDelete(id);
    const before = this.db.get<{ path: string }>('SELECT path FROM entries WHERE id = ?', [id]);
    if (before && before.path !== e.path) {
      // A move: the entry answers to other keys now (and its links' own folder changed).
      this.dropKeys(id, before.path);
      this.writeKeys(id, e.path);
    }
    this.db.run(
      `UPDATE entries SET path = ?, title = ?, date = ?, frontmatter = ?, body = CAST(? AS TEXT), word_count = ?, content_hash = ?, size = ?, mtime_ms = ?, indexed_at = ?, error = ? WHERE id = ?`,
      [e.path, e.title, e.date, e.frontmatter, e.body, e.wordCount, e.contentHash, e.size, e.mtimeMs, indexedAt, e.error, id],
    );
    this.replaceChildren(id, e, before !== undefined && before.path !== e.path);
    this.setChecked(id, racyCheckedMs);
    this.ftsInsert(id);
  }

  /** Same bytes, new stat: refresh size/mtime without touching the content. */
  refreshStat(id: number, size: number, mtimeMs: number, racyCheckedMs: number | null): void {
    this.db.run('UPDATE entries SET size = ?, mtime_ms = ? WHERE id = ? AND (size != ? OR mtime_ms != ?)', [size, mtimeMs, id, size, mtimeMs]);
    this.setChecked(id, racyCheckedMs);
  }

  removeEntry(id: number): void {
    this.ftsDelete(id);
    const before = this.db.get<{ path: string }>('SELECT path FROM entries WHERE id = ?', [id]);
    if (before) this.dropKeys(id, before.path);
    this.deleteChildren(id);
    this.db.run('DELETE FROM inkdex_checks WHERE entry_id = ?', [id]);
    this.db.run('DELETE FROM entries WHERE id = ?', [id]);
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
    this.writeTags(id, e);
    this.writeLinks(id, e);
    this.writeTasks(id, e);
  }

  private writeTags(id: number, e: EntryRecord): void {
    for (const tag of e.tags) this.db.run('INSERT OR IGNORE INTO tags(entry_id, tag) VALUES (?, ?)', [id, tag]);
  }

  private writeLinks(id: number, e: EntryRecord): void {
    for (const l of e.links) this.db.run('INSERT INTO links(entry_id, target, kind, target_key) VALUES (?, ?, ?, ?)', [id, l.target, l.kind, linkKey(l.target, l.kind, e.path)]);
    if (e.links.length > 0 && !this.linksDeferred) this.linksOf.add(id);
  }

  private writeTasks(id: number, e: EntryRecord): void {
    for (const t of e.tasks) this.db.run('INSERT INTO tasks(entry_id, line, text, done) VALUES (?, ?, ?, ?)', [id, t.line, t.text, t.done ? 1 : 0]);
  }

  /**
   * An updated entry's child rows, table by table, left alone where they are unchanged:
   * an edit that keeps its tags, links and tasks writes none of their pages. (Deleting
   * and inserting an unchanged row dirties every index page it sits on: 25 of the 54
   * pages a one-note edit wrote in a 10k-note index of ~5 KB notes, measured from the
   * log's frames.) A moved entry's links are rewritten: their keys follow its folder.
   */
  private replaceChildren(id: number, e: EntryRecord, moved: boolean): void {
    const tags = this.db.all<{ tag: string }>('SELECT tag FROM tags WHERE entry_id = ?', [id]);
    const newTags = new Set(e.tags);
    if (tags.length !== newTags.size || tags.some((t) => !newTags.has(t.tag))) {
      this.db.run('DELETE FROM tags WHERE entry_id = ?', [id]);
      this.writeTags(id, e);
    }
    const links = this.db.all<{ target: string; kind: string }>('SELECT target, kind FROM links WHERE entry_id = ? ORDER BY rowid', [id]);
    if (moved || links.length !== e.links.length || links.some((l, i) => l.target !== e.links[i]!.target || l.kind !== e.links[i]!.kind)) {
      this.db.run('DELETE FROM links WHERE entry_id = ?', [id]);
      this.writeLinks(id, e);
    }
    const tasks = this.db.all<{ line: number; text: string; done: number }>('SELECT line, text, done FROM tasks WHERE entry_id = ? ORDER BY rowid', [id]);
    if (tasks.length !== e.tasks.length || tasks.some((t, i) => t.line !== e.tasks[i]!.line || t.text !== e.tasks[i]!.text || t.done !== (e.tasks[i]!.done ? 1 : 0))) {
      this.db.run('DELETE FROM tasks WHERE entry_id = ?', [id]);
      this.writeTasks(id, e);
    }
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
   * `finishBulk` builds it from every entry's final text (see there). What is deferred is
   * recorded in `meta` in the same breath, so that a run stopped or killed half-way leaves
   * an index whose next run completes it.
   */
  prepareBulk(markdownBytes: number, ftsInOnePass: boolean): void {
    // The index takes about 3.5× its markdown.
    this.reserve(Math.ceil(markdownBytes * 3.5));
    if (ftsInOnePass) {
      this.ftsDeferred = true;
      const last = this.db.get<{ id: number | null }>('SELECT max(id) AS id FROM entries')!.id ?? 0;
      this.setMeta(FTS_MISSING_AFTER, String(last));
    }
    // Many new entries: one resolution pass over every link at the end beats re-resolving
    // earlier chunks' links as each chunk brings the entries they ask for.
    this.linksDeferred = true;
    this.setMeta(LINKS_UNRESOLVED, '1');
  }

  /**
   * Completes what a bulk run deferred, or what one stopped or killed left undone (see
   * prepareBulk): every link resolved, and the FTS rows of the entries past the mark
   * built in bounded transactions (~4 MB of text each, a few hundred ms) with FTS4's
   * merging off, then merged in bounded steps. Between steps it yields and checks
   * `shouldStop`: a signal never waits on one long call (a synchronous SQLite call cannot
   * be interrupted, not even by terminating its thread), and the next run resumes.
   *
   * Built after the entries rather than per chunk: one pass over the final text, no
   * merging while building (per-chunk segments merged at each COMMIT took half of a 100k
   * first build). The segments built are then lifted to a level FTS4's automatic merging
   * reaches only after millions of edits: left at level 1, small edits' segments were
   * merged into them every few dozen edits (a 55 MB write among 200 one-note edits;
   * 409 → 145 KiB per edit amortized, measured).
   * @returns false when stopped before the end
   */
  async finishBulk(shouldStop: () => boolean = () => false): Promise<boolean> {
    this.linksDeferred = false;
    this.ftsDeferred = false;
    if (this.getMeta(LINKS_UNRESOLVED) !== null) {
      this.transaction(() => {
        this.resolveAllLinks();
        this.deleteMeta(LINKS_UNRESOLVED);
      });
    }
    let after = this.getMeta(FTS_MISSING_AFTER);
    if (after === null) return true;
    while (after !== null) {
      await nextTurn();
      if (shouldStop()) return false;
      after = this.transaction(() => this.buildFtsStep(Number(after)));
    }
    for (;;) {
      await nextTurn();
      if (shouldStop()) return false;
      if (!this.mergeFtsStep()) break;
    }
    this.transaction(() => {
      this.db.writingShadowTables(() => this.db.run(`UPDATE entries_fts_segdir SET level = level + ${BULK_FTS_LEVEL}`));
      this.db.run(`INSERT INTO entries_fts(entries_fts) VALUES ('automerge=${FTS_AUTOMERGE}')`);
      this.deleteMeta(FTS_MISSING_AFTER);
    });
    return true;
  }

  /**
   * One transaction of the FTS build: the rows of the entries after `after`, up to
   * FTS_STEP_BYTES of their text. @returns the new mark, or null when every row is built
   * (the mark stays until the merging is done too).
   */
  private buildFtsStep(after: number): string | null {
    // No merging while building (restored, with the merging done, at the end).
    this.db.run("INSERT INTO entries_fts(entries_fts) VALUES ('automerge=0')");
    const ids = this.db.all<{ id: number; bytes: number }>('SELECT id, length(CAST(body AS BLOB)) AS bytes FROM entries WHERE id > ? ORDER BY id LIMIT ?', [after, FTS_STEP_MAX_ROWS]);
    if (ids.length === 0) return null;
    let last = ids[0]!.id;
    let bytes = 0;
    for (const row of ids) {
      last = row.id;
      bytes += row.bytes;
      if (bytes >= FTS_STEP_BYTES) break;
    }
    this.db.run('INSERT INTO entries_fts(rowid, title, body) SELECT id, title, body FROM entries WHERE id > ? AND id <= ?', [after, last]);
    this.setMeta(FTS_MISSING_AFTER, String(last));
    return String(last);
  }

  /** One bounded step of FTS4's incremental merge. @returns whether it did any work. */
  private mergeFtsStep(): boolean {
    const before = this.db.get<{ n: number }>('SELECT total_changes() AS n')!.n;
    this.db.run(`INSERT INTO entries_fts(entries_fts) VALUES ('merge=${FTS_MERGE_PAGES},${FTS_AUTOMERGE}')`);
    // The command itself counts as one change.
    return this.db.get<{ n: number }>('SELECT total_changes() AS n')!.n - before > 1;
  }

  private getMeta(key: string): string | null {
    return this.db.get<{ value: string }>('SELECT value FROM meta WHERE key = ?', [key])?.value ?? null;
  }

  private deleteMeta(key: string): void {
    this.db.run('DELETE FROM meta WHERE key = ?', [key]);
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
  failInterruptedRuns(at: string, message = 'interrupted: the process stopped before the run finished'): void {
    this.db.run("UPDATE sync_runs SET status = 'failed', finished_at = ?, message = ? WHERE status = 'running'", [at, message]);
  }

  addEvent(runId: number, at: string, kind: EventKind, path: string, oldPath: string | null, contentHash: string | null): void {
    this.db.run('INSERT INTO entry_events(run_id, at, path, old_path, kind, content_hash) VALUES (?, ?, ?, ?, ?, ?)', [runId, at, path, oldPath, kind, contentHash]);
  }

  /**
   * Drops the oldest runs and events beyond the retention limits — in batches, once a
   * tenth more than kept has piled up: dropping one old row per run rewrote the first
   * pages of both tables and of their indexes on every one-note edit.
   */
  prune(): void {
    this.db.run('DELETE FROM sync_runs WHERE id <= (SELECT max(id) FROM sync_runs) - ? AND (SELECT max(id) - min(id) FROM sync_runs) >= ?', [KEEP_RUNS, KEEP_RUNS * 1.1]);
    this.db.run('DELETE FROM entry_events WHERE id <= (SELECT max(id) FROM entry_events) - ? AND (SELECT max(id) - min(id) FROM entry_events) >= ?', [KEEP_EVENTS, KEEP_EVENTS * 1.1]);
  }

}
