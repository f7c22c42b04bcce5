/**
 * One sync run: compare the folder (all of it, or the paths the watcher named) with the
 * index, read what changed, pair vanished and appeared files by hash into moves, write
 * it all in per-chunk transactions, and record the run, its events and file errors.
 */
import { diffListings, isUnder, racyCheck, type Diff } from '../core/diff.js';
import { diskState, MovePool } from './moves.js';
import { nfc } from '../core/nfc.js';
import { preparer, type PreparedFile, type Preparer } from './prepare.js';
import type { IgnoreRules } from '../core/ignore.js';
import { listFolder, scanFolder, statFile, statPath, type DiskFile, type FolderListing, type ScanResult } from './scan.js';
import { describeFsError, errorCode, isFolder } from '../core/fs.js';
import { errorMessage } from '../core/errors.js';
import { TimeSlice } from '../core/time-slice.js';
import { systemClock, type Clock } from '../core/clock.js';
import type { IndexedFile, IndexedStat, RunKind, RunLog, RunProgress, RunStats, RunSummary, SyncStore, Trigger } from '../core/seam.js';

export interface SyncOptions {
  /** Absolute, symlink-resolved journal folder. */
  root: string;
  rules: IgnoreRules;
  maxFileSize: number;
  /**
   * A first build may make its full-text index in one pass at the end (faster, a smaller
   * file, and cheaper edits afterwards; see SqlSyncStore.finishBulk): where the writes do
   * not share a thread with the API (the CLI, the native engine's writer thread), as each
   * of its steps holds the thread for a few hundred ms.
   */
  ftsInOnePass?: boolean;
  /** What the run's rows are stamped with (runs, events, their days); the system clock by default. */
  clock?: Clock;
}

/** What a run looks at. */
export type Scope =
  | {
      kind: 'full';
      /** A listing made just before (the CLI scans before loading the index, which is faster). */
      scan?: ScanResult;
    }
  | {
      kind: 'incremental';
      /** Paths (relative, as spelled on disk) the watcher reported. */
      paths: ReadonlySet<string>;
      /** Paths (NFC) that vanished long enough ago to be removed rather than held for a move. */
      removable: ReadonlySet<string>;
      /**
       * Folders (relative, as on disk) to list and compare with the index — events are
       * hints, folders the truth. `true`: with everything below (a folder that appeared or
       * vanished); `false`: its own files only.
       */
      dirs?: ReadonlyMap<string, boolean>;
      /**
       * Record the run even if it changes nothing: a failed batch's retry, whose run row
       * is what tells that the failure is over.
       */
      record?: boolean;
    };

export interface RunResult {
  summary: RunSummary;
  /** Vanished paths kept for now: a matching new file may still arrive (a move). */
  held: string[];
  /** False for a watch batch that changed nothing: it has no run row (summary.id is -1). */
  recorded: boolean;
}

export interface RunHooks {
  onStart?(progress: RunProgress): void;
  onProgress?(progress: RunProgress): void;
  /** Checked whenever the run yields; true keeps what is done and abandons the rest. */
  shouldStop?(): boolean;
}

/** Files read and written per transaction. */
const CHUNK = 256;
/** The event loop gets a turn at least this often during a run. */
const SLICE_MS = 20;
/** Runs adding at least this many entries first move the database into a roomier buffer. */
const BULK_THRESHOLD = 500;

/**
 * Asked to stop while a first build's full-text rows are being made, the run goes on
 * making them for this long, so that what it indexed is searchable (a 3,000-note journal
 * needs ~0.3 s); past it the rest waits for the next run. Within SPEC §1's 2 s.
 */
const FTS_STOP_GRACE_MS = 800;

/** `stop`, answered true only once it has held for `graceMs`. */
function withGrace(stop: () => boolean, graceMs: number): () => boolean {
  let since: number | null = null;
  return () => {
    if (!stop()) return false;
    since ??= Date.now();
    return Date.now() - since >= graceMs;
  };
}

/** A root listing of up to this many names is checked against the index name by name. */
const ROOT_BY_NAME_LIMIT = 500;

/**
 * Runs one sync and records it in `sync_runs`.
 * @param reservedId a run row made earlier by `Indexer.requestFull` (a resync request that had to wait)
 */
export async function runSync(
  store: SyncStore,
  opts: SyncOptions,
  scope: Scope,
  trigger: Trigger,
  hooks: RunHooks = {},
  reservedId: number | null = null,
): Promise<RunResult> {
  const clock = opts.clock ?? systemClock;
  const started = clock.now();
  const startedAt = new Date(started).toISOString();
  const kind: RunKind = scope.kind;
  await store.writable();
  const stats = emptyStats();
  const progress: RunProgress = { id: -1, trigger, kind, processed: 0, total: 0, startedAt };
  const row = new RunRecord(store, progress, hooks, reservedId);
  const run = new Run(store, opts, row, stats);
  let status: 'succeeded' | 'failed' = 'succeeded';
  let message: string | null = null;
  let held: string[] = [];
  const stop = (): boolean => hooks.shouldStop?.() ?? false;
  try {
    // What a bulk run stopped or killed before its end left undone comes first: until it
    // is complete, no entry may change (its FTS row may not exist yet).
    if (await store.finishBulk(stop)) held = await run.execute(scope, progress, hooks);
    else run.stopped = true;
  } catch (err) {
    status = 'failed';
    message = errorMessage(err);
  }
  try {
    if (!(await store.finishBulk(withGrace(stop, FTS_STOP_GRACE_MS)))) run.stopped = true;
  } catch (err) {
    status = 'failed';
    message ??= `building the full-text index failed: ${errorMessage(err)}`;
  }
  if (run.stopped && status === 'succeeded') {
    status = 'failed';
    message = 'stopped: inkdex was shut down before the run finished; the next run completes it';
  }
  const finished = clock.now();
  const summary: RunSummary = {
    id: row.mark(), trigger, kind, status, startedAt, finishedAt: new Date(finished).toISOString(), durationMs: finished - started, ...stats, message,
  };
  const recorded = row.made() || status === 'failed' || (scope.kind === 'incremental' && scope.record === true);
  if (!recorded) return { summary, held, recorded };
  // A row made only now is made in the transaction that records its end: should that fail
  // (the disk is full), no row is left 'running' for ever. The run's days go in the same
  // transaction: a reader never sees a finished run whose day has no row. A run that goes
  // past midnight counts each event on the day it happened (see dayRows).
  store.transaction(() => {
    summary.id = row.id();
    store.finishRun(summary.id, status, summary.finishedAt, summary.durationMs, stats, message);
    store.recordDays(summary.finishedAt, kind === 'full' && status === 'succeeded');
    store.prune();
  });
  return { summary, held, recorded };
}

/**
 * Where a run is recorded: its row in sync_runs. A watch batch gets its row only once it
 * changes something, so a batch that finds nothing to do (a folder delete whose files were
 * already removed, a temp file) leaves no empty run in the history (unless it is asked to
 * be recorded: a failed batch's retry). Any other run has its row from the start: made
 * now, or reserved earlier by a resync request (`reserveRun`).
 */
class RunRecord {
  /** The row's id; -1 until it is made. */
  private current: number;
  private readonly lazy: boolean;

  constructor(
    private readonly log: RunLog,
    /** The run's progress, whose id follows the row's. */
    private readonly progress: RunProgress,
    private readonly hooks: RunHooks,
    reservedId: number | null,
  ) {
    const { trigger, kind, startedAt } = progress;
    this.lazy = kind === 'incremental' && reservedId === null;
    if (reservedId !== null) log.markRunStarted(reservedId, startedAt);
    this.current = reservedId ?? (this.lazy ? -1 : log.startRun(trigger, kind, startedAt));
    progress.id = this.current;
    if (!this.lazy) hooks.onStart?.(progress);
  }

  /** The row's id, making the row first if there is none yet (the run is changing something). */
  id(): number {
    if (this.current < 0) {
      const { trigger, kind, startedAt } = this.progress;
      this.current = this.progress.id = this.log.startRun(trigger, kind, startedAt);
      this.hooks.onStart?.({ ...this.progress });
    }
    return this.current;
  }

  /** True once the row exists. */
  made(): boolean {
    return this.current >= 0;
  }

  /** The id now (-1: no row yet), to pass to `rolledBack` after a rollback. */
  mark(): number {
    return this.current;
  }

  /** A row made inside a transaction that was rolled back is gone with it. */
  rolledBack(before: number): void {
    if (this.lazy && before < 0) this.current = this.progress.id = -1;
  }
}

/**
 * A full run asked for now and started later (a resync request while a run is under way):
 * its row is made at once, so the request can answer with the run's id. sync.ts alone
 * writes sync_runs rows; the indexer reserves and cancels through these two.
 */
export function reserveRun(store: RunLog, trigger: Trigger, clock: Clock = systemClock): { id: number; startedAt: string } {
  const startedAt = new Date(clock.now()).toISOString();
  return { id: store.startRun(trigger, 'full', startedAt), startedAt };
}

/** A reserved run that will never start (inkdex is shutting down). */
export function cancelReservedRun(store: RunLog, id: number, clock: Clock = systemClock): void {
  store.finishRun(id, 'failed', new Date(clock.now()).toISOString(), 0, emptyStats(), 'cancelled: inkdex was shut down before the run could start');
}

export function emptyStats(): RunStats {
  return { scanned: 0, added: 0, updated: 0, unchanged: 0, moved: 0, removed: 0, errors: 0 };
}

/** The state of one run in progress. */
class Run {
  stopped = false;
  /** Paths with a file_errors row (most runs have none to clear: skip the DELETEs). */
  private readonly errorPaths: Set<string>;
  /** Paths this run read, or wrote an error for: their rows are current. */
  private readonly handled = new Set<string>();
  /** Entries to read again whatever their stat says (after an upgrade; usually none). */
  private readonly stale: Set<number>;

  constructor(
    private readonly store: SyncStore,
    private readonly opts: SyncOptions,
    private readonly row: RunRecord,
    private readonly stats: RunStats,
  ) {
    this.errorPaths = new Set(store.fileErrorPaths());
    this.stale = store.staleEntries();
  }

  /** Now, as the run's rows are stamped. */
  private now(): string {
    return new Date((this.opts.clock ?? systemClock).now()).toISOString();
  }

  private setError(p: string, at: string, message: string): void {
    this.handled.add(p);
    this.store.setFileError(p, this.row.id(), at, message);
    this.errorPaths.add(p);
    this.stats.errors++;
  }

  private clearError(p: string): void {
    if (!this.errorPaths.delete(p)) return;
    this.row.id();
    this.store.clearFileError(p);
  }

  async execute(scope: Scope, progress: RunProgress, hooks: RunHooks): Promise<string[]> {
    if (!isFolder(this.opts.root)) throw new Error(`journal folder ${this.opts.root} is missing or not a folder`);
    const plan = scope.kind === 'full' ? await this.planFull(scope.scan) : await this.planIncremental(scope.paths, scope.dirs ?? new Map());
    const { diff, disk } = plan;
    this.stats.scanned = disk.size;
    this.stats.unchanged = diff.unchanged;
    const vanished = this.confirmGone(diff.vanished, scope.kind === 'incremental' ? disk : null);

    // In path order: new entries get ids in path order (daily notes: by date), and the
    // path indexes grow at their end instead of splitting pages all over (a first build
    // measured ~3 % faster and its file ~4 % smaller than in the folder's listing order).
    const work: Array<{ disk: DiskFile; indexed: IndexedFile | null }> = [
      ...diff.changed,
      ...diff.fresh.map((d) => ({ disk: d, indexed: null })),
    ].sort((a, b) => (a.disk.path < b.disk.path ? -1 : a.disk.path > b.disk.path ? 1 : 0));
    progress.total = diff.unchanged + work.length + vanished.length;
    progress.processed = diff.unchanged;
    hooks.onProgress?.({ ...progress });

    if (diff.fresh.length >= BULK_THRESHOLD) {
      // Nothing indexed yet: no entry matched, changed or vanished.
      const firstBuild = diff.unchanged === 0 && diff.changed.length === 0 && diff.vanished.length === 0;
      this.store.prepareBulk(
        diff.fresh.reduce((sum, f) => sum + f.size, 0),
        firstBuild && this.opts.ftsInOnePass === true,
      );
    }
    const movePool = new MovePool(vanished, scope.kind === 'incremental' ? (p) => this.goneNow(p, disk) : null, this.store);
    const files = preparer(
      // A stale entry is parsed even when its bytes are the ones indexed.
      work.map((w) => ({ disk: w.disk, knownHash: w.indexed && !this.stale.has(w.indexed.id) ? w.indexed.contentHash : null })),
      this.opts.root,
      this.opts.maxFileSize,
    );
    try {
      await this.writeAll(work, files, movePool, progress, hooks);
    } finally {
      files.close();
    }
    const held: string[] = [];
    if (this.stopped) return held;
    const removable = scope.kind === 'full' ? null : scope.removable;
    const before = this.row.mark();
    try {
      this.store.transaction(() => {
        for (const gone of movePool.unclaimed()) {
          if (removable && !removable.has(gone.path)) held.push(gone.path);
          else this.remove(gone);
        }
        this.reconcileFileErrors(plan);
      });
    } catch (err) {
      this.row.rolledBack(before);
      throw err;
    }
    progress.processed = progress.total;
    hooks.onProgress?.({ ...progress });
    return held;
  }

  /** Writes every prepared file, a chunk per transaction, yielding every SLICE_MS. */
  private async writeAll(
    work: Array<{ disk: DiskFile; indexed: IndexedFile | null }>,
    files: Preparer,
    movePool: MovePool,
    progress: RunProgress,
    hooks: RunHooks,
  ): Promise<void> {
    const slice = new TimeSlice(SLICE_MS);
    for (let i = 0; i < work.length && !this.stopped; i += CHUNK) {
      // One transaction per chunk; within it the event loop gets a turn every SLICE_MS so
      // the API stays responsive (it reads the same connection, so it sees the chunk so far).
      await this.store.writable();
      const before = this.row.mark();
      this.store.begin();
      try {
        for (const w of work.slice(i, i + CHUNK)) {
          this.apply(w.disk, w.indexed, await files.next(), movePool);
          progress.processed++;
          if (slice.spent()) {
            hooks.onProgress?.({ ...progress });
            await slice.yield();
            // Asked to stop (a signal): keep what this chunk did so far, leave the rest.
            if (hooks.shouldStop?.()) {
              this.stopped = true;
              break;
            }
          }
        }
        this.store.commit();
      } catch (err) {
        this.store.rollback();
        this.row.rolledBack(before);
        throw err;
      }
      hooks.onProgress?.({ ...progress });
      if (hooks.shouldStop?.()) this.stopped = true;
    }
  }

  private async planFull(listing?: ScanResult): Promise<Plan> {
    const scan = listing ?? (await scanFolder(this.opts.root, this.opts.rules));
    const failed = [...scan.failedDirs.keys()];
    const indexed = this.store.listIndexed();
    // Entries at paths the scan could list but not index (see ScanResult.problems) are kept.
    const byStat = diffListings(scan.files, indexed, (p) => isUnder(p, failed) || scan.problems.has(p));
    this.recheckTwins(byStat, scan.files, scan.problems, indexed);
    if (this.stale.size > 0) this.recheckStale(byStat, scan, indexed);
    // Hashes only for the entries that need one: the changed (to spot a touch) and the
    // vanished (to pair moves). A no-op run fetches none.
    const changed = this.store.withHashes(byStat.changed.map((c) => c.indexed));
    const diff: Diff<IndexedFile, DiskFile> = {
      ...byStat,
      changed: byStat.changed.map((c, i) => ({ disk: c.disk, indexed: changed[i]! })),
      vanished: this.store.withHashes(byStat.vanished),
    };
    return { diff, disk: scan.files, failedDirs: scan.failedDirs, problems: scan.problems, listed: null };
  }

  /** Entries an older parser indexed are read again, however unchanged their stat (see EntryStore.staleEntries). */
  private recheckStale(diff: Diff<IndexedStat, DiskFile>, scan: ScanResult, indexed: Map<string, IndexedStat>): void {
    const changed = new Set(diff.changed.map((c) => c.indexed.id));
    for (const [p, known] of indexed) {
      const file = scan.files.get(p);
      if (!file || !this.stale.has(known.id) || changed.has(known.id)) continue;
      diff.unchanged--;
      diff.changed.push({ disk: file, indexed: known });
    }
  }

  /**
   * A name with an NFC twin, now or at the last run: the file indexed under it may have
   * switched spelling (one twin deleted) with the very same size and mtime, so its hash
   * is checked rather than its stat trusted.
   */
  private recheckTwins<T extends IndexedStat>(diff: Diff<T, DiskFile>, files: Map<string, DiskFile>, problems: Map<string, string>, indexed: Map<string, T>): void {
    const keys = new Set<string>();
    for (const p of [...problems.keys(), ...this.errorPaths]) if (nfc(p) !== p) keys.add(nfc(p));
    for (const key of keys) {
      const file = files.get(key);
      const known = indexed.get(key);
      if (!file || !known || diff.changed.some((c) => c.indexed === known)) continue;
      diff.unchanged--;
      diff.changed.push({ disk: file, indexed: known });
    }
  }

  /**
   * The named paths, plus the folders the watcher pointed at, listed and compared with
   * the index: a file whose own event was lost is still found in its folder's listing,
   * and a name that cannot be indexed as named (an NFC twin, a name that is not UTF-8) is
   * found there as by a full scan.
   */
  private async planIncremental(paths: ReadonlySet<string>, dirs: ReadonlyMap<string, boolean>): Promise<Plan> {
    const found: Found = { disk: new Map(), indexed: new Map(), failedDirs: new Map(), problems: new Map(), listed: [] };
    this.findPaths(found, paths);
    for (const [dir, deep] of dirs) {
      const dirNfc = nfc(dir);
      if (dirNfc !== '' && this.opts.rules.ignoresDir(dirNfc)) continue;
      if (deep) await this.findTree(found, dir, dirNfc);
      else this.findInFolder(found, dir, dirNfc);
    }
    const { disk, indexed, failedDirs, problems, listed } = found;
    const diff = diffListings(disk, indexed, (p) => isUnder(p, failedDirs.keys()) || problems.has(p));
    this.recheckTwins(diff, disk, problems, indexed);
    return { diff, disk, failedDirs, problems, listed };
  }

  /** Notes the index's row for `p`, if it has one. */
  private look(found: Found, p: string): void {
    if (found.indexed.has(p)) return;
    const known = this.store.indexedByPath(p);
    if (known) found.indexed.set(known.path, known);
  }

  /** The paths events named: each stat-ed, and looked up in the index. */
  private findPaths(found: Found, paths: ReadonlySet<string>): void {
    for (const diskPath of paths) {
      const file = statFile(this.opts.root, diskPath, this.opts.rules);
      if (file) found.disk.set(file.path, file);
      this.look(found, nfc(diskPath));
    }
  }

  /**
   * A folder that appeared, vanished or was replaced: everything below it is listed, and
   * what is indexed below it but not listed has vanished (confirmGone stats each one).
   */
  private async findTree(found: Found, dir: string, dirNfc: string): Promise<void> {
    const { disk, failedDirs } = found;
    let listing: ScanResult | null = null;
    try {
      listing = await scanFolder(this.opts.root, this.opts.rules, dir);
    } catch (err) {
      const code = errorCode(err);
      if (code !== 'ENOENT' && code !== 'ENOTDIR') failedDirs.set(dirNfc, describeFsError(err));
    }
    // Listed, or gone with all below it: the rows of names under it are this run's to reconcile.
    if (!failedDirs.has(dirNfc)) found.listed.push({ dir: dirNfc, deep: true, subdirs: new Set() });
    for (const f of listing?.files.values() ?? []) {
      disk.set(f.path, f);
      this.look(found, f.path);
    }
    for (const [d, why] of listing?.failedDirs ?? []) failedDirs.set(d, why);
    for (const [p, why] of listing?.problems ?? []) found.problems.set(p, why);
    if (!failedDirs.has(dirNfc)) for (const p of this.store.pathsUnder(dirNfc)) if (!disk.has(p) && !isUnder(p, failedDirs.keys())) this.look(found, p);
  }

  /**
   * A folder's own files, in one readdir checked against its indexed paths in one range
   * query: only files not indexed yet are stat-ed (an indexed file's own events tell of
   * its edits), and an indexed file no longer listed has vanished.
   */
  private findInFolder(found: Found, dir: string, dirNfc: string): void {
    const { root, rules } = this.opts;
    const { disk } = found;
    let listing: FolderListing;
    try {
      listing = listFolder(root, dir, rules);
    } catch (err) {
      const code = errorCode(err);
      // Gone: its indexed files are gone too (the watcher also reports the folder).
      if (code === 'ENOENT' || code === 'ENOTDIR') for (const p of this.store.pathsUnder(dirNfc)) this.look(found, p);
      else found.failedDirs.set(dirNfc, describeFsError(err));
      return;
    }
    found.listed.push({ dir: dirNfc, deep: false, subdirs: new Set(listing.dirs.map(nfc)) });
    for (const [p, why] of listing.problems) found.problems.set(p, why);
    // The root's listing is checked name by name unless it holds many files (pathsUnder('')
    // is every entry).
    const known = dirNfc !== '' || listing.files.length > ROOT_BY_NAME_LIMIT ? new Set(this.store.pathsUnder(dirNfc)) : null;
    const listed = new Set<string>();
    for (const { path: rel, diskPath } of listing.files) {
      listed.add(rel);
      if (disk.has(rel)) continue;
      if (known ? known.has(rel) : this.store.indexedByPath(rel) !== undefined) continue; // indexed: its own events tell of edits
      try {
        const file = statPath(root, diskPath, rel);
        if (file) disk.set(rel, file);
      } catch (err) {
        found.problems.set(rel, `cannot check the file: ${describeFsError(err)}`);
      }
    }
    if (known) {
      for (const p of known) {
        if (listed.has(p) || disk.has(p) || p.indexOf('/', dirNfc.length + 1) !== -1) continue;
        this.look(found, p); // a direct child no longer listed: vanished (confirmGone stats it)
      }
    }
  }

  /** Keeps only the vanished entries whose file is really gone (or no longer indexable). */
  private confirmGone(vanished: IndexedFile[], listed: Map<string, DiskFile> | null): IndexedFile[] {
    const gone: IndexedFile[] = [];
    for (const v of vanished) {
      const state = diskState(this.opts.root, this.opts.rules, v.path, listed);
      if (state === 'gone') gone.push(v);
      else {
        if (state !== 'present') this.setError(v.path, this.now(), state.error);
        this.stats.unchanged++;
      }
    }
    return gone;
  }

  private goneNow(rel: string, listed: Map<string, DiskFile>): boolean {
    return diskState(this.opts.root, this.opts.rules, rel, listed) === 'gone';
  }

  private apply(disk: DiskFile, indexed: IndexedFile | null, prepared: PreparedFile, moves: MovePool): void {
    const { read, record } = prepared;
    const at = this.now();
    this.handled.add(disk.path);
    if (!read.ok) {
      if (read.gone) return; // deleted between the listing and the read: the next batch sees it
      this.setError(disk.path, at, read.message);
      return;
    }
    if (!record) {
      // Same bytes (a touch, or a racy stat that turned out fine): no event.
      this.store.refreshStat(indexed!.id, disk.size, disk.mtimeMs, racyCheck(disk.mtimeMs, read.checkedMs));
      if (this.errorPaths.has(disk.path)) this.store.restoreFileError(disk.path, this.row.id(), at);
      // A touch (new mtime, same bytes) is recorded, with no event; a repeated look is not.
      else if (disk.mtimeMs !== indexed!.mtimeMs || disk.size !== indexed!.size) this.row.id();
      this.stats.unchanged++;
      return;
    }
    if (record.error) this.setError(disk.path, at, record.error);
    else this.clearError(disk.path);

    if (indexed && read.hash === indexed.contentHash) {
      // The bytes indexed, read again by today's parser (a stale entry): no event.
      this.store.rederiveEntry(indexed.id, record, racyCheck(record.mtimeMs, read.checkedMs));
      this.stats.unchanged++;
      return;
    }
    if (indexed) {
      const before = this.store.updateEntry(indexed.id, record, at, racyCheck(record.mtimeMs, read.checkedMs));
      this.store.addEvent(this.row.id(), at, 'updated', disk.path, null, read.hash, record.wordCount - before);
      this.stats.updated++;
      return;
    }
    const from = moves.claim(read.hash, disk.path);
    if (from) {
      const before = this.store.updateEntry(from.id, record, at, racyCheck(record.mtimeMs, read.checkedMs));
      this.clearError(from.path);
      this.store.addEvent(this.row.id(), at, 'moved', disk.path, from.path, read.hash, record.wordCount - before);
      this.stats.moved++;
      return;
    }
    this.store.insertEntry(record, at, racyCheck(record.mtimeMs, read.checkedMs));
    this.store.addEvent(this.row.id(), at, 'added', disk.path, null, read.hash, record.wordCount);
    this.stats.added++;
  }

  private remove(gone: IndexedFile): void {
    const words = this.store.removeEntry(gone.id);
    this.clearError(gone.path);
    this.store.addEvent(this.row.id(), this.now(), 'removed', gone.path, null, gone.contentHash, -words);
    this.stats.removed++;
  }

  /**
   * After the writes. Any run: a listed file this run did not read (unchanged) keeps only
   * its entry's own error; any other row (e.g. "cannot check the file" from while its
   * folder could not be read) is stale now that the scan lists it. After a full scan
   * also: drop rows of paths that are gone, and record the scan's problems (counted as
   * scanned files with errors) and its unreadable folders. After a watch batch, the same
   * for the names in the folders it listed (see reconcileListed).
   */
  private reconcileFileErrors(plan: Plan): void {
    const at = this.now();
    const { disk, failedDirs, problems, listed } = plan;
    if (listed) return this.reconcileListed(plan, listed, at);
    const failed = [...failedDirs.keys()];
    for (const p of this.store.fileErrorPaths()) {
      if (problems.has(p) || failedDirs.has(p) || isUnder(p, failed) || this.handled.has(p)) continue;
      if (disk.has(p)) this.store.restoreFileError(p, this.row.id(), at);
      else if (!this.store.indexedByPath(p)) this.clearError(p);
    }
    for (const [p, why] of problems) {
      this.setError(p, at, why);
      this.stats.scanned++;
    }
    for (const [dir, why] of failedDirs) {
      this.setError(dir, at, folderError(why));
    }
  }

  /**
   * A watch batch's rows: a problem its listings found is recorded once (not again on
   * every batch in that folder); a row of a name in a folder it listed that is neither a
   * problem now, nor on disk, nor indexed (a twin or an undecodable name deleted or
   * renamed, a folder readable again) is stale and goes — the rows a full sync would drop.
   */
  private reconcileListed({ disk, failedDirs, problems }: Plan, listed: Listed[], at: string): void {
    for (const p of this.errorPaths) if (disk.has(p) && !this.handled.has(p)) this.store.restoreFileError(p, this.row.id(), at);
    for (const [p, why] of problems) {
      if (this.errorPaths.has(p) || this.handled.has(p)) continue;
      this.setError(p, at, why);
      this.stats.scanned++;
    }
    for (const [dir, why] of failedDirs) if (!this.errorPaths.has(dir)) this.setError(dir, at, folderError(why));
    const failed = [...failedDirs.keys()];
    for (const p of [...this.errorPaths]) {
      if (problems.has(p) || failedDirs.has(p) || this.handled.has(p) || disk.has(p)) continue;
      const key = nfc(p);
      if (isUnder(key, failed) || !listed.some((l) => covers(l, key))) continue;
      if (!this.store.indexedByPath(p)) this.clearError(p);
    }
  }
}

/** A folder a watch batch listed (NFC): with everything below it (`deep`), or its own names, its subfolders aside. */
interface Listed {
  dir: string;
  deep: boolean;
  /** Its subfolders (NFC), for a listing that is not deep: their rows are not its to judge. */
  subdirs: ReadonlySet<string>;
}

/** Is the file_errors row at `key` (NFC) about a name the listing looked at? */
function covers(l: Listed, key: string): boolean {
  if (l.deep) return key === l.dir || isUnder(key, [l.dir]);
  const slash = key.lastIndexOf('/');
  return (slash < 0 ? '' : key.slice(0, slash)) === l.dir && !l.subdirs.has(key);
}

function folderError(why: string): string {
  return `folder cannot be read (${why}); its entries are kept`;
}

/**
 * What an incremental run has found so far: files on disk, their index rows, folders it
 * could not list, names it cannot index as named, and the folders it listed.
 */
interface Found {
  disk: Map<string, DiskFile>;
  indexed: Map<string, IndexedFile>;
  failedDirs: Map<string, string>;
  problems: Map<string, string>;
  listed: Listed[];
}

interface Plan {
  diff: Diff<IndexedFile, DiskFile>;
  disk: Map<string, DiskFile>;
  failedDirs: Map<string, string>;
  problems: Map<string, string>;
  /** The folders a watch batch listed; null for a full run (it listed everything). */
  listed: Listed[] | null;
}
