/**
 * The storage seam: what the rest of inkdex may ask of the index, as narrow interfaces
 * (what a sync run writes, the run log, what the API reads, the file itself). The two
 * engines (native SQLite in WAL mode, sql.js in memory) implement them with the same SQL;
 * no caller ever holds a handle that runs arbitrary SQL.
 */
import type { Block, Field, Heading, Link, Task } from './parse.js';

export type EngineName = 'native' | 'wasm';

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

/** Everything written for one entry. */
export interface EntryRecord {
  path: string;
  title: string;
  date: string | null;
  frontmatter: string;
  /** The body as UTF-8 bytes (bound as bytes and cast to TEXT: much faster in sql.js). */
  body: Uint8Array;
  wordCount: number;
  contentHash: string;
  size: number;
  mtimeMs: number;
  error: string | null;
  tags: string[];
  links: Link[];
  tasks: Task[];
  headings: Heading[];
  blocks: Block[];
  aliases: string[];
  fields: Field[];
}

export type Trigger = 'startup' | 'watch' | 'manual' | 'scheduled' | 'cli';
export type RunKind = 'full' | 'incremental';
export type EventKind = 'added' | 'updated' | 'moved' | 'removed';
export type RunStatus = 'succeeded' | 'failed';

export interface RunStats {
  scanned: number;
  added: number;
  updated: number;
  unchanged: number;
  moved: number;
  removed: number;
  errors: number;
}

/** A run under way, as it reports its progress. */
export interface RunProgress {
  id: number;
  trigger: Trigger;
  kind: RunKind;
  processed: number;
  total: number;
  startedAt: string;
}

/** A finished run, as the run reports it (its row in sync_runs is a RunRow). */
export interface RunSummary extends RunStats {
  id: number;
  trigger: Trigger;
  kind: RunKind;
  status: RunStatus;
  startedAt: string;
  finishedAt: string;
  durationMs: number;
  message: string | null;
}

/**
 * The entries, their child rows and file errors, as a sync run reads and writes them.
 * `racyCheckedMs`: when the file was read, if that was racily close to its mtime (see
 * diff.ts, which decides it); null when its stat can be trusted next time.
 */
export interface EntryStore {
  /** Every indexed file's stat, keyed by path (what a full sync compares with the disk). */
  listIndexed(): Map<string, IndexedStat>;
  /** The same entries with their content hashes. */
  withHashes(stats: readonly IndexedStat[]): IndexedFile[];
  indexedByPath(path: string): IndexedFile | undefined;
  /** Indexed paths whose content has this hash (move candidates). */
  pathsWithHash(hash: string): string[];
  /** Paths indexed under a folder (`dir` = '' means all). */
  pathsUnder(dir: string): string[];

  insertEntry(e: EntryRecord, indexedAt: string, racyCheckedMs: number | null): number;
  /** Replaces an entry's content (and path, for a move), keeping its id. @returns its word count before */
  updateEntry(id: number, e: EntryRecord, indexedAt: string, racyCheckedMs: number | null): number;
  /** Same bytes, new stat: refresh size/mtime without touching the content. */
  refreshStat(id: number, size: number, mtimeMs: number, racyCheckedMs: number | null): void;
  /** @returns the word count the entry had */
  removeEntry(id: number): number;
  /**
   * Entries whose derived rows an older parser made (an upgraded index): a run reads them
   * again, even when their stat is unchanged, and rewrites those rows with `rederiveEntry`.
   */
  staleEntries(): Set<number>;
  /** Same bytes, read by today's parser: its rows rewritten, with no new `indexed_at` (no event either: the file did not change). */
  rederiveEntry(id: number, e: EntryRecord, racyCheckedMs: number | null): void;

  setFileError(path: string, runId: number, at: string, message: string): void;
  /** After a successful read of unchanged bytes: the only error left is the entry's own. */
  restoreFileError(path: string, runId: number, at: string): void;
  clearFileError(path: string): void;
  fileErrorPaths(): string[];

  /**
   * Resolves once no other connection holds the write lock (a user's write in the sqlite3
   * shell), waiting without blocking the event loop, so the synchronous writes that follow
   * rarely wait at all.
   */
  writable(): Promise<void>;
  /**
   * Runs `fn` outside any transaction: now, or as soon as the open one ends (a write that
   * arrives while a run holds a transaction must not share the run's fate).
   */
  whenIdle<T>(fn: () => T): Promise<T>;
  /** One batch of changes: readers see all of it or none of it. */
  begin(): void;
  commit(): void;
  rollback(): void;
  transaction<T>(fn: () => T): T;

  /**
   * Before a run adds `markdownBytes` of new files: lets the engine make room, and, for a
   * first build where nothing waits on the full-text index, build it in one pass at the
   * end (`finishBulk`). What is deferred is recorded in the index itself.
   */
  prepareBulk(markdownBytes: number, ftsInOnePass: boolean): void;
  /**
   * Completes what a bulk run deferred — or what one stopped or killed left undone — in
   * bounded steps, checking `shouldStop` between them. A run calls it first and last.
   * @returns false when stopped before the end (the next call resumes)
   */
  finishBulk(shouldStop?: () => boolean): Promise<boolean>;
}

/** The history of runs and what each did to which entry (`sync_runs`, `entry_events`). */
export interface RunLog {
  startRun(trigger: Trigger, kind: RunKind, startedAt: string): number;
  /** A reserved run (a resync request that had to wait) begins: its start time is the real one. */
  markRunStarted(id: number, startedAt: string): void;
  finishRun(id: number, status: RunStatus, finishedAt: string, durationMs: number, stats: RunStats, message: string | null): void;
  /** Runs left 'running' by a process that died are marked failed. */
  failInterruptedRuns(at: string, message?: string): void;
  /**
   * Records an entry event; `words` is how it changed the journal's word count (the new
   * count minus the old: a new entry's words, minus a removed one's), for daily_stats.
   */
  addEvent(runId: number, at: string, kind: EventKind, path: string, oldPath: string | null, contentHash: string | null, words: number): void;
  /**
   * The run finished at `finishedAt` (call in the transaction that finishes it): the
   * events recorded since the last call go into daily_stats, each on the local day it
   * happened, and the day the run finished gets its row with the index's totals.
   * `completesFirstSync`: the run was a full sync that succeeded — a new index's first
   * one counts its entries as added but not their words (they were written before).
   */
  recordDays(finishedAt: string, completesFirstSync: boolean): void;
  /** Drops the oldest runs and events beyond the retention limits. */
  prune(): void;
}

/** Everything a sync run writes. */
export interface SyncStore extends EntryStore, RunLog {}

// ---- what the API reads ------------------------------------------------------------

export interface RunRow {
  id: number;
  trigger: string;
  kind: string;
  status: string;
  startedAt: string;
  finishedAt: string | null;
  durationMs: number | null;
  scanned: number | null;
  added: number | null;
  updated: number | null;
  unchanged: number | null;
  moved: number | null;
  removed: number | null;
  errors: number | null;
  message: string | null;
}

export interface EventRow {
  id: number;
  runId: number;
  at: string;
  path: string;
  oldPath: string | null;
  kind: string;
  contentHash: string | null;
  /** The entry now at `path`, if any (an event's path may be gone since). */
  entryId?: number | null;
}

export interface FileErrorRow {
  path: string;
  message: string;
  at: string;
  /** The entry at `path`, when the file is indexed (e.g. invalid frontmatter). */
  entryId?: number | null;
}

/** An entry in the API's lists: the listed facts, and its best snippet (search) or opening. */
export interface EntrySummary extends ListedEntry {
  snippet: string;
}

export interface EntryQuery {
  q?: string;
  tag?: string;
  from?: string;
  to?: string;
  /** `a/b`: the entries under that folder (any depth). */
  folder?: string;
  /** All must hold. */
  fields?: FieldFilter[];
  limit: number;
  offset: number;
}

export interface LinkRow {
  target: string;
  kind: string;
  targetId: number | null;
  anchor: string | null;
  /** Whether the target has the heading or block the anchor names; null without an anchor or a target. */
  anchorOk: boolean | null;
  line: number;
}

export interface HeadingRow {
  level: number;
  text: string;
  line: number;
}

export interface FieldRow {
  key: string;
  value: string;
  type: string;
  num: number | null;
  source: string;
  line: number | null;
}

/** A field key in use: in how many entries, with which types of value. */
export interface FieldSummary {
  key: string;
  count: number;
  types: string[];
}


export interface EntryRef {
  id: number;
  path: string;
  title: string;
}

export interface EntryDetail {
  id: number;
  path: string;
  title: string;
  date: string | null;
  frontmatter: unknown;
  body: string;
  wordCount: number;
  contentHash: string;
  size: number;
  mtimeMs: number;
  indexedAt: string;
  error: string | null;
  tags: string[];
  aliases: string[];
  headings: HeadingRow[];
  fields: FieldRow[];
  links: LinkRow[];
  tasks: TaskDetail[];
  backlinks: EntryRef[];
  history: EventRow[];
}

/** A link that resolves to no entry, or whose target lacks the heading or block it names. */
export interface BrokenLink {
  entryId: number;
  path: string;
  target: string;
  kind: string;
  anchor: string | null;
  line: number;
  /** For a link to no entry: the path of a note that has the target as an alias, else null. */
  aliasOf: string | null;
}

export interface ActivityYear {
  /** The year shown (the latest with dated entries unless asked), null when none has any. */
  year: number | null;
  years: Array<{ year: number; count: number }>;
  days: Array<{ date: string; count: number }>;
}

/** One day of daily_stats (SPEC §3): totals at the day's last run, and what the day's events did. */
export interface DayStats {
  /** YYYY-MM-DD, the machine's local date. */
  day: string;
  entries: number;
  words: number;
  added: number;
  updated: number;
  moved: number;
  removed: number;
  /** Sums of the positive and of the negative word-count changes (a positive number). */
  wordsAdded: number;
  wordsRemoved: number;
}

/** What the days of a stretch (today, this week, this month) add up to. */
export interface PeriodStats {
  wordsAdded: number;
  wordsRemoved: number;
  added: number;
  updated: number;
}

/** `/api/stats/summary`: the stretches up to `day` (today), and the writing streaks. */
export interface StatsSummary {
  /** Today on the machine (YYYY-MM-DD), the day the figures are counted up to. */
  day: string;
  today: PeriodStats;
  /** Monday to today. */
  week: PeriodStats;
  /** The 1st of the month to today. */
  month: PeriodStats;
  /** Days in a row with words added, up to today (or yesterday, while today has none yet). */
  streakDays: number;
  longestStreakDays: number;
}

/** The entries changed on one local day: its entry events, oldest first. */
export interface DayChanges {
  day: string;
  total: number;
  changes: EventRow[];
}

export interface Counts {
  entries: number;
  tags: number;
  errors: number;
}


/** Read models for the HTTP API and the CLI's report. */
export interface IndexReader {
  counts(): Counts;
  runs(limit: number, before: number | null): RunRow[];
  run(id: number): RunRow | undefined;
  lastFinishedRun(): RunRow | undefined;
  runEvents(runId: number): EventRow[];
  runErrors(runId: number): FileErrorRow[];
  fileErrors(): FileErrorRow[];
  tags(): Array<{ tag: string; count: number }>;
  activity(year: number | null): ActivityYear;
  /** Filtered entries; with `q`, a full-text search, best match first. Throws BadQueryError. */
  entries(query: EntryQuery): { total: number; entries: EntrySummary[] };
  entry(id: number): EntryDetail | undefined;
  brokenLinks(limit: number, offset: number): { total: number; links: BrokenLink[] };

  // What the readers ask (the MCP tools and the CLI's query verbs, SPEC §5): each answer
  // is already the shape the tool returns.
  /** A full-text search, best first. Throws BadQueryError. */
  search(query: SearchQuery): { total: number; hits: SearchHit[] };
  /** Entries filtered and sorted, without snippets. */
  list(query: ListQuery): { total: number; entries: ListedEntry[] };
  /** One entry as `read_entry` shows it (the whole body; the caller pages it). */
  read(id: number): EntryRead | undefined;
  /** The entry a reader names, or undefined (see EntryName). */
  find(name: EntryName): number | undefined;
  /** Up to `limit` entries whose path or title is closest to `text`, best first. */
  closeMatches(text: string, limit: number): EntryRef[];
  /** Entries added, updated, moved or removed, newest first. */
  changes(since: string | null, limit: number): Change[];
  /** Tags with their entry counts, most used first; `prefix` keeps `prefix` and tags under it. */
  tagCounts(prefix: string | null, limit: number): Array<{ tag: string; count: number }>;
  /** Tasks by due date (none last), then path and line. */
  tasks(query: TaskQuery): { total: number; tasks: TaskRow[] };
  /** The field keys in use (frontmatter and inline), in how many entries, most used first. */
  fields(): FieldSummary[];
  /** Paths after `after` in path order (null: from the start): the resource list's pages. */
  paths(after: string | null, limit: number): Array<{ path: string; title: string }>;
  /** The newest entry_events id (0 when none): where a change feed starts. */
  lastEventId(): number;
  /** Events after `afterId`, oldest first: what a change feed hands on. */
  eventsAfter(afterId: number, limit: number): EventRow[];

  // The journal's growth (daily_stats): the writing stats routes, the page and writing_stats.
  /** daily_stats rows from `from` to `to` (inclusive; null: no bound), oldest first. */
  dailyStats(from: string | null, to: string | null): DayStats[];
  /** The figures of today (`today`), its week and its month, and the writing streaks. */
  statsSummary(today: string): StatsSummary;
  /** The first `limit` entry events of a local day. */
  dayChanges(day: string, limit: number): DayChanges;
}

// ---- what the readers ask (SPEC §5) -----------------------------------------------

/** `folder=a/b`: the entries under that folder (any depth). */
export interface EntryFilters {
  tag?: string;
  /** YYYY-MM-DD, inclusive. */
  from?: string;
  to?: string;
  folder?: string;
  /** `key` (has it) or `key` + `value` (equal, case-insensitive); all must hold. */
  fields?: FieldFilter[];
}

export interface FieldFilter {
  key: string;
  value: string | null;
}

export interface SearchQuery extends EntryFilters {
  query: string;
  limit: number;
  offset?: number;
}

export interface SearchHit {
  id: number;
  path: string;
  title: string;
  date: string | null;
  tags: string[];
  /** The text around the hits, matched words marked « ». */
  snippet: string;
  /** BM25 (title hits weigh more); higher is better. */
  score: number;
}

export type ListSort = 'date' | 'changed' | 'title';

export interface ListQuery extends EntryFilters {
  /** date: newest first (undated last); changed: last modified first; title: A–Z. */
  sort: ListSort;
  limit: number;
  offset: number;
}

export interface ListedEntry {
  id: number;
  path: string;
  title: string;
  date: string | null;
  tags: string[];
  wordCount: number;
}

/** How a reader names an entry: exactly one of these (`exact`: the path as stored, nothing else). */
export type EntryName = { id: number } | { path: string; exact?: boolean } | { title: string };

export interface EntryRead {
  id: number;
  path: string;
  title: string;
  date: string | null;
  tags: string[];
  aliases: string[];
  frontmatter: unknown;
  fields: Array<{ key: string; value: string; type: string }>;
  tasks: TaskDetail[];
  headings: Array<{ level: number; text: string; line: number }>;
  links: Array<{ target: string; kind: string; anchor: string | null; targetPath: string | null }>;
  backlinks: EntryRef[];
  body: string;
}

/** A task as an entry's reader sees it: as the parser found it (parse.ts). */
export type TaskDetail = Task;

export interface Change {
  at: string;
  kind: string;
  path: string;
  oldPath: string | null;
}

export interface TaskQuery {
  status?: 'open' | 'done';
  /** YYYY-MM-DD: tasks due before that day (not on it); tasks without a due date are left out. */
  dueBefore?: string;
  /** Tasks of the entries with this tag. */
  tag?: string;
  limit: number;
  offset: number;
}

export interface TaskRow extends TaskDetail {
  entryId: number;
  path: string;
  title: string;
}

// ---- the file ----------------------------------------------------------------------

export interface IndexFileStatus {
  path: string;
  engine: EngineName;
  /** Bytes on disk (with the native engine: the file plus its write-ahead log). */
  sizeBytes: number;
  /** When a change last reached the file (ISO-8601), null before the first. */
  lastWriteAt: string | null;
  /** Why the last attempt to write failed; null after a successful one. */
  error: string | null;
}

/**
 * What the index's path holds against the file the index writes (SPEC §3: the file is
 * followed by identity): that file, nothing (deleted), or another file (a restore, a sync
 * tool, anything put there).
 */
export type FileFate = 'same' | 'gone' | 'replaced';

/** What became of the index after its file left the path (see OpenIndex.recover). */
export type Recovery =
  /** The path holds this index's file (again): nothing to do. */
  | { outcome: 'same' }
  /** It was deleted: the complete index was written back at the path. */
  | { outcome: 'restored' }
  /** It was replaced by an inkdex index: that one is the index now (a full sync brings it up to date). */
  | { outcome: 'adopted' }
  /** It was replaced by an inkdex index that cannot be used as it is: started afresh there. */
  | { outcome: 'rebuilt'; why: string }
  /** It was replaced by something that is not an inkdex index: left alone, nothing is written. */
  | { outcome: 'foreign'; why: string };

/** The index file: making committed changes durable, and letting go of it. */
export interface IndexFile {
  readonly engine: EngineName;
  readonly path: string;
  /** Whether the path still holds the file this index writes (a stat, compared by device + inode). */
  fate(): FileFate;
  /**
   * After a batch of changes: the wasm engine writes the whole file (atomically); the
   * native engine's commits are in the file already, so it only notes the time.
   * Throws when the file cannot be written.
   */
  persist(): void;
  /** Nothing changed for a while: the native engine folds its write-ahead log into the file. */
  settle(): void;
  status(): IndexFileStatus;
  /**
   * Lets go of the file. Native: folds the write-ahead log in first, so the file alone is
   * complete. Wasm: call `persist` first for the last changes to reach the file.
   */
  close(): void;
}

/** An open index: the three views over one database, and the file. */
export interface OpenedIndex {
  store: SyncStore;
  reader: IndexReader;
  file: IndexFile;
  /** Why the file on disk was not used (corrupt, truncated, other schema), when it was not. */
  rebuiltBecause: string | null;
  /** The schema version the file had when it was upgraded in place on opening, else null. */
  upgradedFrom: string | null;
  /** After a rebuild: the user's own tables and views made again in the new index, and those that could not be. */
  carried: { carried: string[]; lost: string[] } | null;
}
