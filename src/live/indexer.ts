/**
 * The live indexer: queues the paths the watcher reports, runs one sync at a time
 * (single flight), holds vanished files briefly so a late "add" can still make a move,
 * coalesces full-resync requests, and runs the periodic reconcile.
 */
import { EventEmitter } from 'node:events';
import type { RunProgress, RunSummary, SyncStore, Trigger } from '../core/seam.js';
import { cancelReservedRun, emptyStats, reserveRun, runSync, type SyncOptions } from '../sync/sync.js';
import { diskState, MOVE_WINDOW_MS, MoveWindow } from '../sync/moves.js';
import { nfc } from '../core/nfc.js';
import { errorMessage } from '../core/errors.js';
import { isFolder } from '../core/fs.js';

export { MOVE_WINDOW_MS };
/** A watch batch starts once events have been quiet this long… */
const BATCH_QUIET_MS = 20;
/** …or once the oldest queued event has waited this long (a steady stream of events). */
const BATCH_MAX_WAIT_MS = 250;
/** A batch (or queue) of at least this many paths means a burst is under way. */
const BURST_PATHS = 16;
/** Upper bound for the reconcile backoff after failed runs. */
const MAX_BACKOFF_MS = 60 * 60_000;
/** A failed full sync (journal folder missing…) is retried after this long, doubling… */
const FULL_RETRY_MIN_MS = 500;
/** …up to this. */
const FULL_RETRY_MAX_MS = 30_000;

/** Runs one sync (runSync; a fake in unit tests). */
export type RunFn = typeof runSync;

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
  private fullFailures = 0;
  private pendingFull: RunRef | null = null;
  private active: Promise<void> | null = null;
  private batchTimer: NodeJS.Timeout | null = null;
  private heldTimer: NodeJS.Timeout | null = null;
  private reconcileTimer: NodeJS.Timeout | null = null;
  private stopping = false;
  private failuresInARow = 0;

  current: RunProgress | null = null;
  lastRun: RunSummary | null = null;

  constructor(
    private readonly store: SyncStore,
    private readonly sync: SyncOptions,
    private readonly run: RunFn = runSync,
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
    return Math.max(0, (inBurst ? ceiling : Math.min(this.newestQueuedAt + BATCH_QUIET_MS, ceiling)) - now);
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
  requestFull(trigger: Trigger): RunRef {
    if (this.pendingFull) return this.pendingFull;
    const { id, startedAt } = reserveRun(this.store, trigger, this.sync.clock);
    this.pendingFull = { id, trigger, kind: 'full', status: 'running', startedAt };
    this.schedule(0);
    return this.pendingFull;
  }

  /** How long the oldest unindexed change has waited (0 when none). */
  lagMs(): number {
    return this.oldestQueuedAt === null ? 0 : Date.now() - this.oldestQueuedAt;
  }

  /** True while a run is under way or work is queued. */
  busy(): boolean {
    return this.active !== null || this.pendingFull !== null || this.queued.size > 0 || this.queuedDirs.size > 0;
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
        this.requestFull('scheduled');
        next();
      }, delay);
      this.reconcileTimer.unref();
    };
    next();
  }

  /** Stops taking work, abandons the rest of the run in hand, and waits for it. */
  async stop(): Promise<void> {
    this.stopping = true;
    for (const t of [this.batchTimer, this.heldTimer, this.reconcileTimer, this.retryTimer]) if (t) clearTimeout(t);
    await this.idle();
    if (this.pendingFull) {
      cancelReservedRun(this.store, this.pendingFull.id, this.sync.clock);
      this.pendingFull = null;
    }
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
        const ref = this.pendingFull;
        this.pendingFull = null;
        // A full run reads every file at its latest state: what was queued is covered.
        this.queued.clear();
        this.queuedDirs.clear();
        this.oldestQueuedAt = null;
        this.held.clear();
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
      this.queued.clear();
      this.queuedDirs.clear();
      this.oldestQueuedAt = null;
      this.lastBatchAt = now;
      this.lastBatchSize = paths.size + dirs.size;
      const { held } = await this.executeIncremental({ kind: 'incremental', paths, dirs, removable: new Set(due) });
      for (const p of held) this.held.hold(p, now);
    }
  }

  /** A failed full sync is retried with backoff (the folder may be missing for a while). */
  private afterFull(trigger: Trigger, summary: RunSummary | null): void {
    if (this.stopping || !summary) return;
    if (summary.status === 'succeeded') {
      // Caught up (e.g. the watcher asked for a full sync when the folder came back): no retry left.
      this.fullFailures = 0;
      if (this.retryTimer) clearTimeout(this.retryTimer);
      this.retryTimer = null;
      return;
    }
    const delay = Math.min(FULL_RETRY_MIN_MS * 2 ** Math.min(this.fullFailures, 16), FULL_RETRY_MAX_MS);
    this.fullFailures++;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null;
      if (!this.stopping) this.requestFull(trigger);
    }, delay);
    this.retryTimer.unref();
  }

  private async executeIncremental(scope: Parameters<RunFn>[2]): Promise<{ held: string[] }> {
    // The journal folder is missing: nothing to follow. The watcher reports it down and asks
    // for a full sync once it is back, which covers this batch.
    if (!isFolder(this.sync.root)) return { held: [] };
    return { held: (await this.execute(scope, 'watch', null))?.held ?? [] };
  }

  private async execute(scope: Parameters<RunFn>[2], trigger: Trigger, reservedId: number | null): Promise<(RunSummary & { held: string[] }) | null> {
    try {
      const result = await this.run(
        this.store,
        this.sync,
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
