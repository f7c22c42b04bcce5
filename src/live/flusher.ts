/**
 * Makes committed changes durable in the index file after runs: debounced, never during a
 * run, and rate-bounded so that writing takes at most ~20 % of wall time under a stream of
 * edits (each write waits 4× the previous write's duration after it). The wasm engine
 * writes the whole file then; the native engine's commits are in the file already, and
 * once the index has been quiet for a while its write-ahead log is folded in (`settle`).
 */
import { EventEmitter } from 'node:events';
import { errorMessage } from '../core/errors.js';
import type { EngineName, IndexFile } from '../core/seam.js';

const DEBOUNCE_MS = 30;
/** Wait this many times the last write's duration before the next one (≤ 20 % busy). */
const QUIET_FACTOR = 4;
/** Quiet this long after the last write: settle the file (native: checkpoint the log). */
const SETTLE_AFTER_MS = 10_000;

export interface FlushStatus {
  lastWriteAt: string | null;
  lastWriteMs: number;
  sizeBytes: number;
  /** Why the last write failed; null after a successful one. */
  error: string | null;
  writes: number;
}

export interface FlusherEvents {
  /** The index file holds the latest changes (the status it reports is current). */
  written: [];
}

export class Flusher extends EventEmitter<FlusherEvents> {
  /** How the file is kept (status.ts reports it). */
  get engine(): EngineName {
    return this.file.engine;
  }

  private dirty = false;
  private timer: NodeJS.Timeout | null = null;
  private settleTimer: NodeJS.Timeout | null = null;
  private lastEnd = 0;
  private readonly state: FlushStatus = { lastWriteAt: null, lastWriteMs: 0, sizeBytes: 0, error: null, writes: 0 };

  constructor(
    private readonly file: IndexFile,
    /** True while a run is under way: the database is then mid-change. */
    private readonly busy: () => boolean,
    private readonly log: (line: string) => void,
  ) {
    super();
  }

  status(): FlushStatus {
    const file = this.file.status();
    return { ...this.state, sizeBytes: file.sizeBytes || this.state.sizeBytes, error: this.state.error ?? file.error };
  }

  /** Something changed: write it soon. */
  markDirty(): void {
    this.dirty = true;
    this.schedule();
  }

  /** Writes now if anything changed (shutdown). */
  flushNow(): void {
    if (this.timer) clearTimeout(this.timer);
    if (this.settleTimer) clearTimeout(this.settleTimer);
    this.timer = null;
    this.settleTimer = null;
    if (this.dirty) this.write();
  }

  private schedule(): void {
    if (this.timer) return;
    const quietUntil = this.lastEnd + QUIET_FACTOR * this.state.lastWriteMs;
    const delay = Math.max(DEBOUNCE_MS, quietUntil - Date.now());
    this.timer = setTimeout(() => {
      this.timer = null;
      // Mid-run the database may hold half of a run: wait for the run to finish
      // (the indexer marks us dirty again when it does).
      if (this.busy()) return;
      if (this.dirty) this.write();
    }, delay);
  }

  private write(): void {
    const start = Date.now();
    this.dirty = false;
    try {
      this.file.persist();
      this.state.sizeBytes = this.file.status().sizeBytes;
      this.state.lastWriteAt = new Date().toISOString();
      this.state.writes++;
      if (this.state.error) this.log(`inkdex: the index file ${this.file.path} is written again`);
      this.state.error = null;
      this.scheduleSettle();
      this.emit('written');
    } catch (err) {
      this.dirty = true;
      const message = `cannot write the index file ${this.file.path}: ${errorMessage(err)}`;
      if (this.state.error !== message) this.log(`inkdex: ${message}`);
      this.state.error = message;
      this.schedule();
    } finally {
      this.lastEnd = Date.now();
      this.state.lastWriteMs = this.lastEnd - start;
    }
  }

  private scheduleSettle(): void {
    if (this.settleTimer) clearTimeout(this.settleTimer);
    this.settleTimer = setTimeout(() => {
      this.settleTimer = null;
      if (this.busy()) return this.scheduleSettle();
      this.file.settle();
    }, SETTLE_AFTER_MS);
    this.settleTimer.unref();
  }
}
