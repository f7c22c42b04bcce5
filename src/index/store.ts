/**
 * Every write a sync run makes to the index (entries, child rows, FTS, file errors) and
 * the run log, as SQL over a Connection — the same for both engines. Opening the file and
 * choosing the engine are open-index.ts's, engine.ts's and the engines' (native-engine.ts,
 * wasm-engine.ts); reads for the API are queries.ts's.
 */
import { CHILD_INDEXES, childIndexesSql, KEEP_EVENTS, KEEP_RUNS, STATS_SINCE } from './schema.js';
import { nextTurn } from '../core/time-slice.js';
import type { Connection, SqlParam } from './sql-connection.js';
import { aliasKey, anchorKey, entryKeys, headingKey, linkKey } from '../core/link-keys.js';
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

/** Child rows go in as multi-row INSERTs of up to this many rows (one statement each, cached per row count). */
const ROWS_PER_INSERT = 32;

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

/** The tables of rows derived from an entry's text, rewritten whenever it is. */
const CHILD_TABLES = ['tags', 'links', 'tasks', 'headings', 'blocks', 'aliases', 'fields'];

const ENTRY_COLUMNS = 'path, title, date, frontmatter, body, word_count, content_hash, size, mtime_ms, indexed_at, error';

/** An entry's rows in one child table (see SqlSyncStore.children). */
interface Child {
  table: string;
  columns: string;
  rows: SqlParam[][];
  /** 'OR IGNORE' where duplicates are dropped (tags). */
  or?: string;
  /** Compared as a set (tags: a primary key, no rowid). */
  unordered?: boolean;
}

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
  /** Set during a first build that nothing reads meanwhile: the child tables' indexes are made at its end (see prepareBulk). */
  private indexesDeferred = false;
  /** Multi-row INSERT statements by table and row count (see insertRows). */
  private readonly insertSqls = new Map<string, string>();
  /** Entries whose headings or blocks may have changed: the anchors of links to them are checked again at commit. */
  private readonly anchorsOf = new Set<number>();
  /** True between begin and commit/rollback. */
  private inTransaction = false;
  /** Work waiting for the open transaction to end (see whenIdle). */
  private readonly afterTransaction: Array<() => void> = [];
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
    this.inTransaction = true;
  }

  commit(): void {
    this.flushFts();
    this.resolveLinks();
    this.db.commit();
    if (this.daysWritten) this.daysKept = new DayTally();
    else this.daysKept.merge(this.daysPending);
    this.daysPending = new DayTally();
    this.daysWritten = false;
    this.ended();
  }

  rollback(): void {
    this.ftsPending.clear();
    this.linksOf.clear();
    this.keysChanged.clear();
    this.anchorsOf.clear();
    this.daysPending = new DayTally();
    this.daysWritten = false;
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
    this.replaceChildren(id, e, before !== undefined && before.path !== e.path);
    this.setChecked(id, racyCheckedMs);
    this.ftsInsert(id);
    this.db.run('DELETE FROM inkdex_stale WHERE entry_id = ?', [id]);
    return before?.word_count ?? 0;
  }

  /**
   * Same bytes, read again by a newer parser (see inkdex_stale): everything derived from
   * them is rewritten, but not `indexed_at` — the content did not change.
   */
  rederiveEntry(id: number, e: EntryRecord, racyCheckedMs: number | null): void {
    const at = this.db.get<{ indexed_at: string }>('SELECT indexed_at FROM entries WHERE id = ?', [id]);
    if (at) this.updateEntry(id, e, at.indexed_at, racyCheckedMs);
  }

  /** Entries whose derived rows an older parser made (after an upgrade), to be read again. */
  staleEntries(): Set<number> {
    return new Set(this.db.all<{ entry_id: number }>('SELECT entry_id FROM inkdex_stale').map((r) => r.entry_id));
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
    this.db.run('DELETE FROM inkdex_stale WHERE entry_id = ?', [id]);
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
    for (const child of this.children(id, e)) this.writeChild(id, child);
  }

  /** An entry's rows in each child table, as writeChildren inserts them. */
  private children(id: number, e: EntryRecord): Child[] {
    return [
      { table: 'tags', columns: 'entry_id, tag', rows: e.tags.map((tag) => [id, tag]), or: 'OR IGNORE', unordered: true },
      {
        table: 'links',
        columns: 'entry_id, target, kind, target_key, anchor, line',
        rows: e.links.map((l) => [id, l.target, l.kind, linkKey(l.target, l.form, e.path), l.anchor, l.line]),
      },
      {
        table: 'tasks',
        columns: 'entry_id, line, text, done, due, scheduled, done_date, priority',
        rows: e.tasks.map((t) => [id, t.line, t.text, t.done ? 1 : 0, t.due, t.scheduled, t.doneDate, t.priority]),
      },
      { table: 'headings', columns: 'entry_id, level, text, line', rows: e.headings.map((h) => [id, h.level, h.text, h.line]) },
      { table: 'blocks', columns: 'entry_id, block_id, line', rows: e.blocks.map((b) => [id, b.id, b.line]) },
      { table: 'aliases', columns: 'entry_id, alias', rows: e.aliases.map((a) => [id, a]) },
      { table: 'fields', columns: 'entry_id, key, value, type, num, source, line', rows: e.fields.map((f) => [id, f.key, f.value, f.type, f.num, f.source, f.line]) },
    ];
  }

  private writeChild(id: number, { table, columns, rows, or }: Child): void {
    this.insertRows(table, columns, rows, or);
    if (table === 'links' && rows.length > 0 && !this.linksDeferred) this.linksOf.add(id);
    // The alias keys go with the aliases.
    if (table === 'aliases') this.insertRows('inkdex_keys', 'key, entry_id', rows.map((r) => [aliasKey(String(r[1])), id]), 'OR IGNORE');
    // Links to this entry may name a heading or block it has only now (or no longer).
    if ((table === 'headings' || table === 'blocks') && !this.linksDeferred) this.anchorsOf.add(id);
  }

  /**
   * An updated entry's child rows, table by table, left alone where they are unchanged:
   * an edit that keeps its tags, links and tasks writes none of their pages. (Deleting
   * and inserting an unchanged row dirties every index page it sits on: 25 of the 54
   * pages a one-note edit wrote in a 10k-note index of ~5 KB notes, measured from the
   * log's frames.) A moved entry's links and aliases are rewritten: the links' keys follow
   * its folder, and its alias keys went with its other keys (dropKeys).
   */
  private replaceChildren(id: number, e: EntryRecord, moved: boolean): void {
    for (const child of this.children(id, e)) {
      if (!(moved && (child.table === 'links' || child.table === 'aliases')) && this.sameRows(id, child)) continue;
      this.deleteChild(id, child.table);
      this.writeChild(id, child);
    }
  }

  /** Whether the table holds exactly `child.rows` for the entry (in order, unless unordered). */
  private sameRows(id: number, { table, columns, rows, unordered }: Child): boolean {
    const stored = this.db.all<{ row: string }>(`SELECT json_array(${columns}) AS row FROM ${table} WHERE entry_id = ?${unordered ? '' : ' ORDER BY rowid'}`, [id]).map((r) => r.row);
    const fresh = rows.map((r) => JSON.stringify(r));
    if (unordered) return stored.length === new Set(fresh).size && stored.every((r) => fresh.includes(r));
    return stored.length === fresh.length && stored.every((r, i) => r === fresh[i]);
  }

  private deleteChild(id: number, table: string): void {
    this.db.run(`DELETE FROM ${table} WHERE entry_id = ?`, [id]);
    // The alias keys go with the aliases ('a:' … 'a;' is every key starting with 'a:').
    if (table === 'aliases') this.db.run("DELETE FROM inkdex_keys WHERE entry_id = ? AND key >= 'a:' AND key < 'a;'", [id]);
  }

  /**
   * Rows of one table, several per statement: one statement per row cost sql.js a
   * conversion of its parameters each (multi-row INSERTs measured ~10 % faster; NOTES.md).
   */
  private insertRows(table: string, columns: string, rows: SqlParam[][], or = ''): void {
    for (let i = 0; i < rows.length; i += ROWS_PER_INSERT) {
      const n = Math.min(ROWS_PER_INSERT, rows.length - i);
      const width = rows[i]!.length;
      const params: SqlParam[] = new Array<SqlParam>(n * width);
      for (let r = 0; r < n; r++) {
        const row = rows[i + r]!;
        for (let c = 0; c < width; c++) params[r * width + c] = row[c]!;
      }
      this.db.run(this.insertSql(table, columns, width, n, or), params);
    }
  }

  /** The text of a multi-row INSERT, made once per shape (the same string each time: the statement cache finds it at once). */
  private insertSql(table: string, columns: string, width: number, rows: number, or: string): string {
    const key = `${table}\0${rows}`;
    let sql = this.insertSqls.get(key);
    if (sql === undefined) {
      const one = `(${Array<string>(width).fill('?').join(', ')})`;
      sql = `INSERT ${or} INTO ${table}(${columns}) VALUES ${Array<string>(rows).fill(one).join(', ')}`;
      this.insertSqls.set(key, sql);
    }
    return sql;
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
    const keys = JSON.stringify([...this.keysChanged]);
    const entries = JSON.stringify([...this.linksOf]);
    if (this.keysChanged.size > 0) this.db.run(`UPDATE links SET target_id = ${RESOLVE} WHERE target_key IN (SELECT value FROM json_each(?))`, [keys]);
    if (this.linksOf.size > 0) this.db.run(`UPDATE links SET target_id = ${RESOLVE} WHERE entry_id IN (SELECT value FROM json_each(?))`, [entries]);
    // Anchors, once targets are known: of the links just (re)resolved, and of the links to
    // entries whose headings or blocks were rewritten.
    if (this.keysChanged.size > 0) this.checkAnchors('target_key IN (SELECT value FROM json_each(?))', [keys]);
    if (this.linksOf.size > 0) this.checkAnchors('entry_id IN (SELECT value FROM json_each(?))', [entries]);
    if (this.anchorsOf.size > 0) this.checkAnchors('target_id IN (SELECT value FROM json_each(?))', [JSON.stringify([...this.anchorsOf])]);
    this.keysChanged.clear();
    this.linksOf.clear();
    this.anchorsOf.clear();
  }

  private resolveAllLinks(): void {
    this.db.run(`UPDATE links SET target_id = ${RESOLVE} WHERE target_key IS NOT NULL`);
    this.checkAnchors('1', []);
  }

  /**
   * Whether each anchored link `where` picks has a target with the heading or block its
   * anchor names (SPEC §3): the targets' headings and block ids are read once and compared
   * here (headingKey: case-insensitive, spaces collapsed; block ids in any case), the
   * answers written back in one statement; NULL without a target. Comparing in SQL through
   * a function per heading took 5.4 s for the 8,954 anchored links of the cpp-docs corpus
   * (its reference pages have hundreds of headings); keys kept as rows cost every build
   * ~15k more inserts at 10k notes; this, ~0.1 s for that corpus.
   */
  private checkAnchors(where: string, params: SqlParam[]): void {
    const links = this.db.all<{ rid: number; target: number | null; anchor: string }>(
      `SELECT rowid AS rid, target_id AS target, anchor FROM links WHERE anchor IS NOT NULL AND ${where}`,
      params,
    );
    if (links.length === 0) return;
    const targets = JSON.stringify([...new Set(links.map((l) => l.target).filter((t) => t !== null))]);
    const names = new Map<number, Set<string>>();
    const add = (id: number, key: string): void => {
      const set = names.get(id);
      if (set) set.add(key);
      else names.set(id, new Set([key]));
    };
    for (const h of this.db.all<{ id: number; text: string }>('SELECT entry_id AS id, text FROM headings WHERE entry_id IN (SELECT value FROM json_each(?))', [targets])) add(h.id, headingKey(h.text));
    for (const b of this.db.all<{ id: number; block: string }>('SELECT entry_id AS id, block_id AS block FROM blocks WHERE entry_id IN (SELECT value FROM json_each(?))', [targets])) add(b.id, b.block.toLowerCase());
    const answers = links.map((l) => [l.rid, l.target === null ? null : names.get(l.target)?.has(anchorKey(l.anchor)) ? 1 : 0]);
    this.db.run('UPDATE links SET anchor_ok = j.value ->> 1 FROM json_each(?) AS j WHERE links.rowid = j.value ->> 0', [JSON.stringify(answers)]);
  }

  private deleteChildren(id: number): void {
    for (const table of CHILD_TABLES) this.deleteChild(id, table);
  }

  /**
   * Room for a bulk build; and for a first build, leave the FTS index alone until
   * `finishBulk` builds it from every entry's final text (see there), and make the child
   * tables' indexes at its end too. What is deferred is recorded in `meta` in the same
   * breath, so that a run stopped or killed half-way leaves an index whose next run
   * completes it (the child indexes are made again at opening: ensureChildIndexes).
   */
  prepareBulk(markdownBytes: number, ftsInOnePass: boolean): void {
    // The index takes about 3.5× its markdown.
    this.reserve(Math.ceil(markdownBytes * 3.5));
    if (ftsInOnePass) {
      this.ftsDeferred = true;
      const last = this.db.get<{ id: number | null }>('SELECT max(id) AS id FROM entries')!.id ?? 0;
      this.setMeta(FTS_MISSING_AFTER, String(last));
      // Nothing reads while it runs: the child tables' indexes are made at the end, each
      // in one sorted pass (CHILD_INDEXES).
      this.indexesDeferred = true;
      for (const { name } of CHILD_INDEXES) this.db.run(`DROP INDEX IF EXISTS ${name}`);
    }
    // Many new entries: one resolution pass over every link at the end beats re-resolving
    // earlier chunks' links as each chunk brings the entries they ask for.
    this.linksDeferred = true;
    this.setMeta(LINKS_UNRESOLVED, '1');
  }

  /**
   * Completes what a bulk run deferred, or what one stopped or killed left undone (see
   * prepareBulk): the child tables' indexes, every link resolved, and the FTS rows of the
   * entries past the mark built in bounded transactions (~4 MB of text each, a few hundred
   * ms) with FTS4's merging off, then merged in bounded steps. Between steps it yields and
   * checks `shouldStop`: a signal never waits on one long call (a synchronous SQLite call
   * cannot be interrupted, not even by terminating its thread), and the next run resumes.
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
    if (this.indexesDeferred) {
      // The links' own indexes after they are resolved (updating target_id would keep
      // links_target_id current row by row); the blocks' before (anchors look them up).
      this.db.exec(childIndexesSql(CHILD_INDEXES.map((i) => i.name).filter((n) => !n.startsWith('links_')), true));
    }
    this.linksDeferred = false;
    this.ftsDeferred = false;
    if (this.getMeta(LINKS_UNRESOLVED) !== null) {
      this.transaction(() => {
        this.resolveAllLinks();
        this.deleteMeta(LINKS_UNRESOLVED);
      });
    }
    if (this.indexesDeferred) {
      this.indexesDeferred = false;
      this.db.exec(childIndexesSql(undefined, true));
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
