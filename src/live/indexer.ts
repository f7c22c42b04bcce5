/**
 * The live indexer: queues the paths the watcher reports, runs one sync at a time
 * (single flight), holds vanished files briefly so a late "add" can still make a move,
 * coalesces full-resync requests, retries failed runs with backoff, and runs the
 * periodic reconcile.
 */
import { EventEmitter } from 'node:events';
import type { RunProgress, RunSummary, Trigger } from '../core/seam.js';
import { emptyStats, type Scope, type SyncOptions } from '../sync/sync.js';
import type { RunWriter } from './run-writer.js';
import { diskState, MOVE_WINDOW_MS, MoveWindow } from '../sync/moves.js';
import { nfc } from '../core/nfc.js';
import { errorMessage } from '../core/errors.js';
import { isFolder } from '../core/fs.js';
import { Backoff } from '../core/backoff.js';

export { MOVE_WINDOW_MS };
/**
 * A watch batch starts once events have been quiet this long… (the few events of one save
 * come within a millisecond or two: 20 → 5 ms took edit → visible in the API from a p50 of
 * 29 to 14 ms, issue 16's target being 20 ms)…
 */
const BATCH_QUIET_MS = 5;
/** …or this long when a batch ran moments ago: a stream of events (a sync tool) makes a few batches, not one per file. */
const STREAM_QUIET_MS = 20;
/** …or once the oldest queued event has waited this long (a steady stream of events). */
const BATCH_MAX_WAIT_MS = 250;
/** A batch (or queue) of at least this many paths means a burst is under way. */
const BURST_PATHS = 16;
/** Upper bound for the reconcile backoff after failed runs. */
const MAX_BACKOFF_MS = 60 * 60_000;
/**
 * A failed run is retried after this long, doubling… (a full sync: the journal folder
 * missing…; a watch batch: a full disk, a lock held by another writer, an I/O error)…
 */
const RETRY_FIRST_MS = 500;
/** …up to this: work held back by a passing fault is done within 30 s of it passing. */
const RETRY_MAX_MS = 30_000;

type BatchScope = Extract<Scope, { kind: 'incremental' }>;

/** What failed watch batches were asked to look at, kept for their retry. */
interface FailedBatch {
  paths: Set<string>;
  dirs: Map<string, boolean>;
  removable: Set<string>;
  /** When the oldest of these changes was first queued (it counts in the lag). */
  since: number;
}

export interface IndexerEvents {
  'run-started': [RunProgress];
  'run-progress': [RunProgress];
  'run-finished': [RunSummary];
}

/** What a resync request answers with: the run that will do (or is doing) the work. */
export interface RunRef {
  id: number;
  trigger: Trigger;
  kind: 'full';
  status: 'running';
  startedAt: string;
}

export class Indexer extends EventEmitter<IndexerEvents> {
  /** Paths (as on disk) waiting for the next watch batch, with the time they were queued. */
  private readonly queued = new Map<string, number>();
  private oldestQueuedAt: number | null = null;
  private newestQueuedAt = 0;
  private lastBatchAt = 0;
  private lastBatchSize = 0;
  /** Folders to list in the next batch (true: with everything below). */
  private readonly queuedDirs = new Map<string, boolean>();
  /** Vanished paths (NFC) kept indexed until MOVE_WINDOW_MS after they vanished. */
  private readonly held = new MoveWindow();
  private retryTimer: NodeJS.Timeout | null = null;
  private readonly fullBackoff = new Backoff(RETRY_FIRST_MS, RETRY_MAX_MS);
  /** Failed watch batches waiting for their retry (null when none failed). */
  private failedBatch: FailedBatch | null = null;
  private batchRetryTimer: NodeJS.Timeout | null = null;
  private readonly batchBackoff = new Backoff(RETRY_FIRST_MS, RETRY_MAX_MS);
  /** The full run asked for and not started yet (its row is being, or has been, reserved). */
  private pendingFull: Promise<RunRef> | null = null;
  private active: Promise<void> | null = null;
  private batchTimer: NodeJS.Timeout | null = null;
  private heldTimer: NodeJS.Timeout | null = null;
  private reconcileTimer: NodeJS.Timeout | null = null;
  private stopping = false;
  private failuresInARow = 0;
  /** The next batch carries a failed batch's work (see keepFailedBatch). */
  private retrying = false;

  current: RunProgress | null = null;
  lastRun: RunSummary | null = null;

  constructor(
    private readonly writer: RunWriter,
    private readonly sync: SyncOptions,
  ) {
    super();
  }

  /** The watcher saw something at this path. */
  notePath(rel: string): void {
    if (this.stopping) return;
    // Already vanished and held for a move: its timer re-checks it. (If it is back, it is news.)
    if (this.held.has(nfc(rel)) && diskState(this.sync.root, this.sync.rules, nfc(rel)) === 'gone') return;
    const now = Date.now();
    if (!this.queued.has(rel)) this.queued.set(rel, now);
    this.queueTouched(now);
  }

  private queueTouched(now: number): void {
    this.oldestQueuedAt ??= now;
    this.newestQueuedAt = now;
    this.schedule(this.batchWaitMs(now));
  }

  /**
   * How long to wait before the queued paths make a batch. A lone edit goes once events
   * are quiet for a moment; in a burst (many paths queued, or a big batch moments ago)
   * events come in clumps, so batches wait for the ceiling instead: a 1,000-file burst
   * is a few runs.
   */
  private batchWaitMs(now: number): number {
    if (this.oldestQueuedAt === null) return 0;
    const ceiling = this.oldestQueuedAt + BATCH_MAX_WAIT_MS;
    const inBurst = this.queued.size + this.queuedDirs.size >= BURST_PATHS || (now - this.lastBatchAt < BATCH_MAX_WAIT_MS && this.lastBatchSize >= BURST_PATHS);
    const quiet = now - this.lastBatchAt < BATCH_MAX_WAIT_MS ? STREAM_QUIET_MS : BATCH_QUIET_MS;
    return Math.max(0, (inBurst ? ceiling : Math.min(this.newestQueuedAt + quiet, ceiling)) - now);
  }

  /**
   * The watcher saw a name come or go in this folder (`deep` false), or the folder itself
   * appeared, vanished or was replaced (`deep` true): the next batch lists it and compares
   * it with the index, once per batch however many events named it.
   */
  noteDir(rel: string, deep: boolean): void {
    if (this.stopping) return;
    if (!this.queuedDirs.get(rel)) this.queuedDirs.set(rel, deep);
    this.queueTouched(Date.now());
  }

  /**
   * Asks for a full sync. Requests made while one is already waiting join it; a request
   * made while a run is under way gets exactly one follow-up run (files may have changed
   * after the running one read them).
   */
  requestFull(trigger: Trigger): Promise<RunRef> {
    if (this.pendingFull) return this.pendingFull;
    const pending = this.writer.reserveRun(trigger).then(({ id, startedAt }): RunRef => ({ id, trigger, kind: 'full', status: 'running', startedAt }));
    this.pendingFull = pending;
    // A reservation that failed (the index cannot be written now) leaves nothing pending.
    pending.catch(() => {
      if (this.pendingFull === pending) this.pendingFull = null;
    });
    this.schedule(0);
    return pending;
  }

  /** How long the oldest unindexed change has waited (0 when none), a failed batch's included. */
  lagMs(): number {
    const oldest = Math.min(this.oldestQueuedAt ?? Infinity, this.failedBatch?.since ?? Infinity);
    return oldest === Infinity ? 0 : Date.now() - oldest;
  }

  /** True while a run is under way or work is queued (or waits for its retry). */
  busy(): boolean {
    return this.active !== null || this.pendingFull !== null || this.queued.size > 0 || this.queuedDirs.size > 0 || this.failedBatch !== null;
  }

  /** Resolves when nothing is running or queued (held removals aside). */
  async idle(): Promise<void> {
    while (this.active) await this.active;
  }

  /** Periodic full reconcile; the interval doubles (up to an hour) while runs fail. */
  startReconcile(everyMs: number): void {
    if (everyMs <= 0) return;
    const next = (): void => {
      const delay = Math.min(everyMs * 2 ** Math.min(this.failuresInARow, 10), Math.max(everyMs, MAX_BACKOFF_MS));
      this.reconcileTimer = setTimeout(() => {
        if (this.stopping) return;
        this.requestFull('scheduled').catch(() => undefined);
        next();
      }, delay);
      this.reconcileTimer.unref();
    };
    next();
  }

  /** Stops taking work, abandons the rest of the run in hand, and waits for it. */
  async stop(): Promise<void> {
    this.stopping = true;
    for (const t of [this.batchTimer, this.heldTimer, this.reconcileTimer, this.retryTimer, this.batchRetryTimer]) if (t) clearTimeout(t);
    await this.idle();
    const pending = this.pendingFull;
    this.pendingFull = null;
    const ref = await pending?.catch(() => null);
    if (ref) await this.writer.cancelReservedRun(ref.id).catch(() => undefined);
  }

  private schedule(delayMs: number): void {
    if (this.active || this.stopping) return;
    if (this.batchTimer) clearTimeout(this.batchTimer);
    this.batchTimer = setTimeout(() => {
      this.batchTimer = null;
      void this.drain();
    }, delayMs);
  }

  private drain(): Promise<void> {
    this.active ??= this.loop().finally(() => {
      this.active = null;
      if (this.pendingFull) this.schedule(0);
      else if (this.queued.size > 0 || this.queuedDirs.size > 0) this.schedule(this.batchWaitMs(Date.now()));
      this.scheduleHeld();
    });
    return this.active;
  }

  private async loop(): Promise<void> {
    while (!this.stopping) {
      if (this.pendingFull) {
        const pending = this.pendingFull;
        const ref = await pending.catch(() => null);
        if (this.pendingFull === pending) this.pendingFull = null;
        if (!ref || this.stopping) continue;
        // A full run reads every file at its latest state: what was queued is covered,
        // and so is a failed batch (should the full run fail too, its own retry covers it).
        this.queued.clear();
        this.queuedDirs.clear();
        this.oldestQueuedAt = null;
        this.held.clear();
        this.dropFailedBatch();
        const summary = await this.execute({ kind: 'full' }, ref.trigger, ref.id);
        this.afterFull(ref.trigger, summary);
        continue;
      }
      const now = Date.now();
      const queuedCount = this.queued.size + this.queuedDirs.size;
      // Events still arriving: let them gather (drain() reschedules when we return).
      const nextHeld = this.held.nextDueAt();
      const heldDue = nextHeld !== null && nextHeld <= now;
      if (!heldDue && (queuedCount === 0 || this.batchWaitMs(now) > 0)) return;
      const due = this.held.takeDue(now);
      const paths = new Set(this.queued.keys());
      for (const p of due) paths.add(p);
      const dirs = new Map(this.queuedDirs);
      const since = this.oldestQueuedAt ?? now;
      this.queued.clear();
      this.queuedDirs.clear();
      this.oldestQueuedAt = null;
      this.lastBatchAt = now;
      this.lastBatchSize = paths.size + dirs.size;
      // A retry is recorded even if it changes nothing: its run is what says the failure is over.
      const retry = this.retrying;
      this.retrying = false;
      const scope: BatchScope = { kind: 'incremental', paths, dirs, removable: new Set(due), ...(retry ? { record: true } : {}) };
      const { held, failed } = await this.executeIncremental(scope);
      if (failed) {
        this.keepFailedBatch(scope, since);
        continue;
      }
      if (retry) this.batchBackoff.reset();
      for (const p of held) this.held.hold(p, now);
    }
  }

  /**
   * A watch batch failed (a full disk, a lock held by another writer, an I/O error): its
   * paths and folders are kept and queued again after a backoff, so what it was to index
   * is indexed soon after the fault has passed — not at the next reconcile. Batches that
   * fail while one waits join it.
   */
  private keepFailedBatch(scope: BatchScope, since: number): void {
    if (this.stopping) return;
    const kept = (this.failedBatch ??= { paths: new Set(), dirs: new Map(), removable: new Set(), since });
    kept.since = Math.min(kept.since, since);
    for (const p of scope.paths) kept.paths.add(p);
    for (const [d, deep] of scope.dirs ?? []) if (!kept.dirs.get(d)) kept.dirs.set(d, deep);
    for (const p of scope.removable) kept.removable.add(p);
    if (this.batchRetryTimer) return;
    this.batchRetryTimer = setTimeout(() => {
      this.batchRetryTimer = null;
      this.requeueFailedBatch();
    }, this.batchBackoff.failed());
  }

  /** The failed batches' work, queued again: the next batch takes it at once. */
  private requeueFailedBatch(): void {
    const kept = this.failedBatch;
    this.failedBatch = null;
    if (!kept || this.stopping) return;
    const now = Date.now();
    for (const p of kept.paths) if (!this.queued.has(p)) this.queued.set(p, now);
    for (const [d, deep] of kept.dirs) if (!this.queuedDirs.get(d)) this.queuedDirs.set(d, deep);
    for (const p of kept.removable) this.held.hold(p, 0); // its move window ended long ago
    this.retrying = true;
    // Queued since the first try: past the batch ceiling, so the batch goes now.
    this.oldestQueuedAt = Math.min(this.oldestQueuedAt ?? kept.since, kept.since);
    this.queueTouched(now);
  }

  /** A full run covers what a failed batch was to look at. */
  private dropFailedBatch(): void {
    this.failedBatch = null;
    this.retrying = false;
    if (this.batchRetryTimer) clearTimeout(this.batchRetryTimer);
    this.batchRetryTimer = null;
    this.batchBackoff.reset();
  }

  /** A failed full sync is retried with backoff (the folder may be missing for a while). */
  private afterFull(trigger: Trigger, summary: RunSummary | null): void {
    if (this.stopping || !summary) return;
    if (summary.status === 'succeeded') {
      // Caught up (e.g. the watcher asked for a full sync when the folder came back): no retry left.
      this.fullBackoff.reset();
      if (this.retryTimer) clearTimeout(this.retryTimer);
      this.retryTimer = null;
      return;
    }
    const delay = this.fullBackoff.failed();
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null;
      if (!this.stopping) this.requestFull(trigger).catch(() => undefined);
    }, delay);
    this.retryTimer.unref();
  }

  private async executeIncremental(scope: BatchScope): Promise<{ held: string[]; failed: boolean }> {
    // The journal folder is missing: nothing to follow. The watcher reports it down and asks
    // for a full sync once it is back, which covers this batch.
    if (!isFolder(this.sync.root)) return { held: [], failed: false };
    const result = await this.execute(scope, 'watch', null);
    return { held: result?.held ?? [], failed: result?.status === 'failed' };
  }

  private async execute(scope: Scope, trigger: Trigger, reservedId: number | null): Promise<(RunSummary & { held: string[] }) | null> {
    try {
      const result = await this.writer.run(
        scope,
        trigger,
        {
          onStart: (p) => {
            this.current = { ...p };
            this.emit('run-started', { ...p });
          },
          onProgress: (p) => {
            if (p.id < 0) return; // a watch batch that has not written anything yet
            this.current = { ...p };
            this.emit('run-progress', { ...p });
          },
          shouldStop: () => this.stopping,
        },
        reservedId,
      );
      this.current = null;
      if (!result.recorded) return { ...result.summary, held: result.held };
      this.lastRun = result.summary;
      this.failuresInARow = result.summary.status === 'failed' ? this.failuresInARow + 1 : 0;
      this.emit('run-finished', result.summary);
      return { ...result.summary, held: result.held };
    } catch (err) {
      // The store itself failed (it should not): keep the loop alive, report it as a failed run.
      this.current = null;
      this.failuresInARow++;
      const at = new Date().toISOString();
      const summary: RunSummary = {
        id: reservedId ?? -1, trigger, kind: scope.kind, status: 'failed', startedAt: at, finishedAt: at, durationMs: 0, ...emptyStats(),
        message: errorMessage(err),
      };
      this.lastRun = summary;
      this.emit('run-finished', summary);
      return { ...summary, held: [] };
    }
  }

  /** Wakes the loop when the oldest held removal is due. */
  private scheduleHeld(): void {
    if (this.heldTimer) clearTimeout(this.heldTimer);
    this.heldTimer = null;
    const dueAt = this.held.nextDueAt();
    if (dueAt === null || this.stopping) return;
    this.heldTimer = setTimeout(() => {
      this.heldTimer = null;
      void this.drain();
    }, Math.max(0, dueAt - Date.now()));
  }
}
