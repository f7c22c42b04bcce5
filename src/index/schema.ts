/**
 * The SQLite schema of SPEC §3. Bump SCHEMA_VERSION on any change, and add the step from
 * the previous version to migrations.ts: an index of an older version is upgraded in place
 * (entry ids and the user's own tables kept); one of an unknown version is rebuilt.
 */
import type { Connection } from './sql-connection.js';

export const SCHEMA_VERSION = '5';

/**
 * PRAGMA application_id ('inkx'): marks the file as an inkdex index in its header, so a
 * damaged index can be told from another program's database (which is never touched).
 */
export const APPLICATION_ID = 0x696e6b78;

/**
 * wasm: larger pages made the file smaller and the bulk build faster (docs/benchmarks.md);
 * the whole file is written each time anyway.
 */
export const WASM_PAGE_SIZE = 16384;
/**
 * native: a commit writes each page it touched to the write-ahead log, so small pages
 * mean fewer bytes per edit: 128 KiB per one-note edit at 4096 against 418 KiB at 16384
 * (measured on a 10k-note index, before checkpoints; NOTES.md).
 */
export const NATIVE_PAGE_SIZE = 4096;

/** The tables of Obsidian's rules (new in version 4; their indexes are in CHILD_INDEXES). */
export const OBSIDIAN_TABLES_SQL = `
CREATE TABLE headings (entry_id INTEGER NOT NULL, level INTEGER NOT NULL, text TEXT NOT NULL, line INTEGER NOT NULL);
CREATE TABLE blocks (entry_id INTEGER NOT NULL, block_id TEXT NOT NULL, line INTEGER NOT NULL);
CREATE TABLE aliases (entry_id INTEGER NOT NULL, alias TEXT NOT NULL);
CREATE TABLE fields (entry_id INTEGER NOT NULL, key TEXT NOT NULL, value TEXT NOT NULL, type TEXT NOT NULL, num REAL,
  source TEXT NOT NULL, line INTEGER);
`;

/**
 * The secondary indexes of the tables made from the notes' text. A first build that
 * nothing reads while it runs (the CLI's) leaves them out and makes each in one sorted
 * pass at its end (store.ts prepareBulk/finishBulk): keeping them current row by row cost
 * that build ~1.5 s of main-thread time at 10k notes, the passes ~0.2 s
 * (docs/benchmarks.md). Every open puts back any that a build killed half-way left out.
 */
export const CHILD_INDEXES: ReadonlyArray<{ name: string; on: string }> = [
  { name: 'tags_tag', on: 'tags(tag)' },
  { name: 'links_entry', on: 'links(entry_id)' },
  { name: 'links_target_key', on: 'links(target_key)' },
  { name: 'links_target_id', on: 'links(target_id)' },
  { name: 'tasks_entry', on: 'tasks(entry_id)' },
  { name: 'tasks_due', on: 'tasks(due)' },
  { name: 'headings_entry', on: 'headings(entry_id)' },
  { name: 'blocks_entry', on: 'blocks(entry_id)' },
  { name: 'aliases_entry', on: 'aliases(entry_id)' },
  { name: 'fields_entry', on: 'fields(entry_id)' },
  // Queries match keys and values case-insensitively (field=key:value).
  { name: 'fields_key', on: 'fields(key COLLATE NOCASE, value COLLATE NOCASE)' },
  { name: 'inkdex_keys_entry', on: 'inkdex_keys(entry_id)' },
];

/** Makes any child index that is missing (a first build killed before its end leaves them out). */
export function ensureChildIndexes(db: Connection): void {
  db.exec(childIndexesSql(undefined, true));
}

/** CREATE INDEX statements for the child indexes named (all by default); `ifMissing` leaves those that exist. */
export function childIndexesSql(names: readonly string[] = CHILD_INDEXES.map((i) => i.name), ifMissing = false): string {
  return CHILD_INDEXES.filter((i) => names.includes(i.name))
    .map((i) => `CREATE INDEX ${ifMissing ? 'IF NOT EXISTS ' : ''}${i.name} ON ${i.on};\n`)
    .join('');
}

/**
 * inkdex's own bookkeeping: entries whose derived rows (tags, links, tasks, headings, …)
 * were made by an older parser. The next run reads them again and rewrites those rows,
 * with no event and no new indexed_at: their files did not change (see migrations.ts).
 */
export const STALE_TABLE_SQL = `
CREATE TABLE inkdex_stale (entry_id INTEGER PRIMARY KEY);
`;

/**
 * The journal's growth, one row per local day a run happened (new in version 5; never
 * pruned: ten years are ~3,650 small rows). entries_words lets a run read the totals
 * without walking every body: word_count is stored after it.
 */
export const DAILY_STATS_SQL = `
CREATE TABLE daily_stats (day TEXT PRIMARY KEY,
  entries INTEGER NOT NULL, words INTEGER NOT NULL,
  added INTEGER NOT NULL, updated INTEGER NOT NULL, moved INTEGER NOT NULL, removed INTEGER NOT NULL,
  words_added INTEGER NOT NULL, words_removed INTEGER NOT NULL) WITHOUT ROWID;
CREATE INDEX entries_words ON entries(word_count);
`;

/**
 * meta key: the day daily_stats began counting words. A new index gets it when its first
 * full sync succeeds — until then its entries' words were written before inkdex saw them;
 * an index upgraded from an older version gets the day of the upgrade (no invented history).
 */
export const STATS_SINCE = 'stats_since';

export const SCHEMA_SQL = `
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT);
CREATE TABLE entries (
  id INTEGER PRIMARY KEY,
  path TEXT NOT NULL UNIQUE,
  title TEXT NOT NULL,
  date TEXT,
  frontmatter TEXT NOT NULL,
  body TEXT NOT NULL,
  word_count INTEGER NOT NULL,
  content_hash TEXT NOT NULL,
  size INTEGER NOT NULL,
  mtime_ms INTEGER NOT NULL,
  indexed_at TEXT NOT NULL,
  error TEXT
);
CREATE INDEX entries_date ON entries(date);
-- Covers the listing each sync compares with the disk: without it, reading size, mtime
-- and hash (stored after the body) walked every body's overflow pages.
CREATE INDEX entries_stat ON entries(path, size, mtime_ms, content_hash);
CREATE INDEX entries_content_hash ON entries(content_hash);
CREATE TABLE tags (entry_id INTEGER NOT NULL, tag TEXT NOT NULL, PRIMARY KEY (entry_id, tag)) WITHOUT ROWID;
-- target_id: the entry the link resolves to (NULL when none); target_key: what it asks
-- for, lowercased and NFC ('n:' + a file name or 'p:' + a path, without extension; see
-- link-keys.ts), NULL when it can name no entry. anchor_ok: 1 when the target has the
-- heading or block the anchor names, 0 when not, NULL without an anchor or a target.
-- (Columns in the order an upgraded version-3 index has them: every index looks the same.)
CREATE TABLE links (entry_id INTEGER NOT NULL, target TEXT NOT NULL, kind TEXT NOT NULL, target_id INTEGER, target_key TEXT,
  anchor TEXT, anchor_ok INTEGER, line INTEGER NOT NULL DEFAULT 0);
CREATE TABLE tasks (entry_id INTEGER NOT NULL, line INTEGER NOT NULL, text TEXT NOT NULL, done INTEGER NOT NULL,
  due TEXT, scheduled TEXT, done_date TEXT, priority TEXT);
${OBSIDIAN_TABLES_SQL}-- External content: the text lives once, in entries; the FTS index refers to it by rowid.
CREATE VIRTUAL TABLE entries_fts USING fts4(content="entries", title, body, tokenize=unicode61 "remove_diacritics=2");
-- Merge FTS segments a little on every write rather than in one big merge now and then:
-- no optimize pass after bulk builds (which left ~20 % of the file as free pages), and
-- single edits never stall on a large merge (measured ≤ 25 ms at 10k notes).
INSERT INTO entries_fts(entries_fts) VALUES ('automerge=8');
CREATE TABLE sync_runs (
  id INTEGER PRIMARY KEY,
  trigger TEXT NOT NULL,
  kind TEXT NOT NULL,
  status TEXT NOT NULL,
  started_at TEXT NOT NULL, finished_at TEXT, duration_ms INTEGER,
  scanned INTEGER, added INTEGER, updated INTEGER, unchanged INTEGER,
  moved INTEGER, removed INTEGER, errors INTEGER,
  message TEXT
);
CREATE TABLE entry_events (id INTEGER PRIMARY KEY, run_id INTEGER NOT NULL, at TEXT NOT NULL,
  path TEXT NOT NULL, old_path TEXT, kind TEXT NOT NULL, content_hash TEXT);
CREATE INDEX entry_events_run ON entry_events(run_id);
CREATE INDEX entry_events_path ON entry_events(path);
CREATE TABLE file_errors (path TEXT PRIMARY KEY, run_id INTEGER, at TEXT NOT NULL, message TEXT NOT NULL);
-- inkdex's own bookkeeping: when each file was last read. A size+mtime match is trusted
-- only when the mtime is well before that moment (a write in the same clock tick as
-- our read would otherwise go unseen).
CREATE TABLE inkdex_checks (entry_id INTEGER PRIMARY KEY, checked_ms INTEGER NOT NULL);
-- The keys each entry answers to (see link-keys.ts): its name and its path in link
-- resolution, and its aliases ('a:'), which name the note a broken link may have meant.
CREATE TABLE inkdex_keys (key TEXT NOT NULL, entry_id INTEGER NOT NULL, PRIMARY KEY (key, entry_id)) WITHOUT ROWID;
${STALE_TABLE_SQL}${childIndexesSql()}${DAILY_STATS_SQL}`;

/**
 * An index made before inkdex marked its files (no application_id), or one whose mark had
 * not reached the file yet: inkdex's only if it has inkdex's tables. Returns one row with
 * `inkdex` = 1 and its `version`; anything else is another program's database.
 */
export const OWNERSHIP_PROBE_SQL = `SELECT
  (SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name IN ('meta', 'entries', 'sync_runs', 'file_errors', 'entry_events')) = 5 AS inkdex`;
export const VERSION_SQL = "SELECT value AS version FROM meta WHERE key = 'schema_version'";

/** Makes a new, empty index in `db` (the caller opens and commits the transaction, if any). */
export function writeSchema(db: Connection): void {
  db.exec(SCHEMA_SQL);
  db.run('INSERT INTO meta(key, value) VALUES (?, ?), (?, ?)', ['schema_version', SCHEMA_VERSION, 'created_at', new Date().toISOString()]);
}

/** Retention (SPEC §3: at least 1,000 runs and 100,000 events). */
export const KEEP_RUNS = 1000;
export const KEEP_EVENTS = 100_000;
