/**
 * One sync run: compare the folder (all of it, or the paths the watcher named) with the
 * index, read what changed, pair vanished and appeared files by hash into moves, write
 * it all in per-chunk transactions, and record the run, its events and file errors.
 */
import fs from 'node:fs';
import path from 'node:path';
import { diffListings, isUnder, racyCheck, type Diff } from './diff.js';
import { MovePool } from './moves.js';
import { nfc } from './nfc.js';
import { preparer, type PreparedFile, type Preparer } from './prepare.js';
import type { IgnoreRules } from './ignore.js';
import { describeFsError, errorCode, scanFolder, statFile, type DiskFile, type ScanResult } from './scan.js';
import type { IndexedFile, IndexedStat, RunKind, RunStats, SyncStore as Store, Trigger } from './index-types.js';

export interface SyncOptions {
  /** Absolute, symlink-resolved journal folder. */
  root: string;
  rules: IgnoreRules;
  maxFileSize: number;
  /**
   * A first build may make its full-text index in one pass at the end (faster, a smaller
   * file), a call that blocks the event loop: only where nothing else waits on it (the CLI).
   */
  ftsInOnePass?: boolean;
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
    };

export interface RunProgress {
  id: number;
  trigger: Trigger;
  kind: RunKind;
  processed: number;
  total: number;
  startedAt: string;
}

export interface RunSummary extends RunStats {
  id: number;
  trigger: Trigger;
  kind: RunKind;
  status: 'succeeded' | 'failed';
  startedAt: string;
  finishedAt: string;
  durationMs: number;
  message: string | null;
}

export interface RunResult {
  summary: RunSummary;
  /** Vanished paths kept for now: a matching new file may still arrive (a move). */
  held: string[];
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
 * The largest first build whose FTS index is made in one pass (with `ftsInOnePass`): ~1.3 s
 * of rebuild, so a run stopped by a signal near its end still exits within SPEC's 2 s.
 */
const ONE_PASS_FTS_LIMIT = 20_000;

/**
 * Runs one sync and records it in `sync_runs`.
 * @param reservedId a run row made earlier by `Indexer.requestFull` (a resync request that had to wait)
 */
export async function runSync(
  store: Store,
  opts: SyncOptions,
  scope: Scope,
  trigger: Trigger,
  hooks: RunHooks = {},
  reservedId: number | null = null,
): Promise<RunResult> {
  const started = Date.now();
  const startedAt = new Date(started).toISOString();
  const kind: RunKind = scope.kind;
  await store.writable();
  const id = reservedId ?? store.startRun(trigger, kind, startedAt);
  if (reservedId !== null) store.markRunStarted(reservedId, startedAt);
  const stats = emptyStats();
  const progress: RunProgress = { id, trigger, kind, processed: 0, total: 0, startedAt };
  hooks.onStart?.(progress);
  const run = new Run(store, opts, id, stats);
  let status: 'succeeded' | 'failed' = 'succeeded';
  let message: string | null = null;
  let held: string[] = [];
  try {
    held = await run.execute(scope, progress, hooks);
    if (run.stopped) {
      status = 'failed';
      message = 'stopped: inkdex was shut down before the run finished; the next run completes it';
    }
  } catch (err) {
    status = 'failed';
    message = err instanceof Error ? err.message : String(err);
  }
  try {
    store.finishBulk();
  } catch (err) {
    status = 'failed';
    message ??= `building the full-text index failed: ${err instanceof Error ? err.message : String(err)}`;
  }
  const finished = Date.now();
  const summary: RunSummary = {
    id, trigger, kind, status, startedAt, finishedAt: new Date(finished).toISOString(), durationMs: finished - started, ...stats, message,
  };
  store.transaction(() => {
    store.finishRun(id, status, summary.finishedAt, summary.durationMs, stats, message);
    store.prune();
  });
  return { summary, held };
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

  constructor(
    private readonly store: Store,
    private readonly opts: SyncOptions,
    private readonly id: number,
    private readonly stats: RunStats,
  ) {
    this.errorPaths = new Set(store.fileErrorPaths());
  }

  private setError(p: string, at: string, message: string): void {
    this.handled.add(p);
    this.store.setFileError(p, this.id, at, message);
    this.errorPaths.add(p);
    this.stats.errors++;
  }

  private clearError(p: string): void {
    if (!this.errorPaths.delete(p)) return;
    this.store.clearFileError(p);
  }

  async execute(scope: Scope, progress: RunProgress, hooks: RunHooks): Promise<string[]> {
    if (!isFolder(this.opts.root)) throw new Error(`journal folder ${this.opts.root} is missing or not a folder`);
    const plan = scope.kind === 'full' ? await this.planFull(scope.scan) : this.planIncremental(scope.paths);
    const { diff, disk, failedDirs, problems } = plan;
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
        firstBuild && this.opts.ftsInOnePass === true && diff.fresh.length <= ONE_PASS_FTS_LIMIT,
      );
    }
    const movePool = new MovePool(vanished, scope.kind === 'incremental' ? (p) => this.goneNow(p, disk) : null, this.store);
    const files = preparer(
      work.map((w) => ({ disk: w.disk, knownHash: w.indexed?.contentHash ?? null })),
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
    this.store.transaction(() => {
      for (const gone of movePool.unclaimed()) {
        if (removable && !removable.has(gone.path)) held.push(gone.path);
        else this.remove(gone);
      }
      this.reconcileFileErrors(disk, scope.kind === 'full' ? { failedDirs, problems } : null);
    });
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
    let sliceStart = Date.now();
    for (let i = 0; i < work.length && !this.stopped; i += CHUNK) {
      // One transaction per chunk; within it the event loop gets a turn every SLICE_MS so
      // the API stays responsive (it reads the same connection, so it sees the chunk so far).
      await this.store.writable();
      this.store.begin();
      try {
        for (const w of work.slice(i, i + CHUNK)) {
          this.apply(w.disk, w.indexed, await files.next(), movePool);
          progress.processed++;
          if (Date.now() - sliceStart >= SLICE_MS) {
            hooks.onProgress?.({ ...progress });
            await new Promise((resolve) => setImmediate(resolve));
            sliceStart = Date.now();
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
    this.recheckTwins(byStat, scan, indexed);
    // Hashes only for the entries that need one: the changed (to spot a touch) and the
    // vanished (to pair moves). A no-op run fetches none.
    const changed = this.store.withHashes(byStat.changed.map((c) => c.indexed));
    const diff: Diff<IndexedFile, DiskFile> = {
      ...byStat,
      changed: byStat.changed.map((c, i) => ({ disk: c.disk, indexed: changed[i]! })),
      vanished: this.store.withHashes(byStat.vanished),
    };
    return { diff, disk: scan.files, failedDirs: scan.failedDirs, problems: scan.problems };
  }

  /**
   * A name with an NFC twin, now or at the last run: the file indexed under it may have
   * switched spelling (one twin deleted) with the very same size and mtime, so its hash
   * is checked rather than its stat trusted.
   */
  private recheckTwins(diff: Diff<IndexedStat, DiskFile>, scan: ScanResult, indexed: Map<string, IndexedStat>): void {
    const keys = new Set<string>();
    for (const p of [...scan.problems.keys(), ...this.errorPaths]) if (nfc(p) !== p) keys.add(nfc(p));
    for (const key of keys) {
      const file = scan.files.get(key);
      const known = indexed.get(key);
      if (!file || !known || diff.changed.some((c) => c.indexed === known)) continue;
      diff.unchanged--;
      diff.changed.push({ disk: file, indexed: known });
    }
  }

  private planIncremental(paths: ReadonlySet<string>): Plan {
    const disk = new Map<string, DiskFile>();
    const indexed = new Map<string, IndexedFile>();
    for (const diskPath of paths) {
      const file = statFile(this.opts.root, diskPath, this.opts.rules);
      if (file) disk.set(file.path, file);
      const known = this.store.indexedByPath(nfc(diskPath));
      if (known) indexed.set(known.path, known);
    }
    return { diff: diffListings(disk, indexed), disk, failedDirs: new Map(), problems: new Map() };
  }

  /** Keeps only the vanished entries whose file is really gone (or no longer indexable). */
  private confirmGone(vanished: IndexedFile[], listed: Map<string, DiskFile> | null): IndexedFile[] {
    const gone: IndexedFile[] = [];
    for (const v of vanished) {
      const state = this.diskState(v.path, listed);
      if (state === 'gone') gone.push(v);
      else if (state !== 'present') {
        this.setError(v.path, nowIso(), state);
        this.stats.unchanged++;
      } else this.stats.unchanged++;
    }
    return gone;
  }

  /** 'gone', 'present', or why the path could not be checked. */
  private diskState(rel: string, listed: Map<string, DiskFile> | null): string {
    if (listed?.has(rel)) return 'present';
    try {
      const st = fs.lstatSync(path.join(this.opts.root, rel));
      return st.isFile() && this.opts.rules.indexes(rel) ? 'present' : 'gone';
    } catch (err) {
      const code = errorCode(err);
      return code === 'ENOENT' || code === 'ENOTDIR' ? 'gone' : `cannot check the file: ${describeFsError(err)}`;
    }
  }

  private goneNow(rel: string, listed: Map<string, DiskFile>): boolean {
    return this.diskState(rel, listed) === 'gone';
  }

  private apply(disk: DiskFile, indexed: IndexedFile | null, prepared: PreparedFile, moves: MovePool): void {
    const { read, record } = prepared;
    const at = nowIso();
    this.handled.add(disk.path);
    if (!read.ok) {
      if (read.gone) return; // deleted between the listing and the read: the next batch sees it
      this.setError(disk.path, at, read.message);
      return;
    }
    if (!record) {
      // Same bytes (a touch, or a racy stat that turned out fine): no event.
      this.store.refreshStat(indexed!.id, disk.size, disk.mtimeMs, racyCheck(disk.mtimeMs, read.checkedMs));
      if (this.errorPaths.has(disk.path)) this.store.restoreFileError(disk.path, this.id, at);
      this.stats.unchanged++;
      return;
    }
    if (record.error) this.setError(disk.path, at, record.error);
    else this.clearError(disk.path);

    if (indexed) {
      this.store.updateEntry(indexed.id, record, at, racyCheck(record.mtimeMs, read.checkedMs));
      this.store.addEvent(this.id, at, 'updated', disk.path, null, read.hash);
      this.stats.updated++;
      return;
    }
    const from = moves.claim(read.hash, disk.path);
    if (from) {
      this.store.updateEntry(from.id, record, at, racyCheck(record.mtimeMs, read.checkedMs));
      this.clearError(from.path);
      this.store.addEvent(this.id, at, 'moved', disk.path, from.path, read.hash);
      this.stats.moved++;
      return;
    }
    this.store.insertEntry(record, at, racyCheck(record.mtimeMs, read.checkedMs));
    this.store.addEvent(this.id, at, 'added', disk.path, null, read.hash);
    this.stats.added++;
  }

  private remove(gone: IndexedFile): void {
    this.store.removeEntry(gone.id);
    this.clearError(gone.path);
    this.store.addEvent(this.id, nowIso(), 'removed', gone.path, null, gone.contentHash);
    this.stats.removed++;
  }

  /**
   * After the writes. Any run: a listed file this run did not read (unchanged) keeps only
   * its entry's own error; any other row (e.g. "cannot check the file" from while its
   * folder could not be read) is stale now that the scan lists it. After a full scan
   * also: drop rows of paths that are gone, and record the scan's problems (counted as
   * scanned files with errors) and its unreadable folders.
   */
  private reconcileFileErrors(disk: Map<string, DiskFile>, full: { failedDirs: Map<string, string>; problems: Map<string, string> } | null): void {
    const at = nowIso();
    if (!full) {
      for (const p of this.errorPaths) if (disk.has(p) && !this.handled.has(p)) this.store.restoreFileError(p, this.id, at);
      return;
    }
    const { failedDirs, problems } = full;
    const failed = [...failedDirs.keys()];
    for (const p of this.store.fileErrorPaths()) {
      if (problems.has(p) || failedDirs.has(p) || isUnder(p, failed) || this.handled.has(p)) continue;
      if (disk.has(p)) this.store.restoreFileError(p, this.id, at);
      else if (!this.store.indexedByPath(p)) this.clearError(p);
    }
    for (const [p, why] of problems) {
      this.setError(p, at, why);
      this.stats.scanned++;
    }
    for (const [dir, why] of failedDirs) {
      this.setError(dir, at, `folder cannot be read (${why}); its entries are kept`);
    }
  }
}

interface Plan {
  diff: Diff<IndexedFile, DiskFile>;
  disk: Map<string, DiskFile>;
  failedDirs: Map<string, string>;
  problems: Map<string, string>;
}

function isFolder(p: string): boolean {
  try {
    return fs.statSync(p).isDirectory();
  } catch {
    return false;
  }
}

function nowIso(): string {
  return new Date().toISOString();
}
