/**
 * Writes the in-memory index to its file after changes: debounced, never during a run,
 * and rate-bounded so that exporting takes at most ~20 % of wall time under a stream of
 * edits (each write waits 4× the previous write's duration after it).
 */
import { EventEmitter } from 'node:events';
import { writeIndexFileAtomic } from './persist.js';
import type { Store } from './store.js';

const DEBOUNCE_MS = 30;
/** Wait this many times the last write's duration before the next one (≤ 20 % busy). */
const QUIET_FACTOR = 4;

export interface FlushStatus {
  lastWriteAt: string | null;
  lastWriteMs: number;
  sizeBytes: number;
  /** Why the last write failed; null after a successful one. */
  error: string | null;
  writes: number;
}

/** Emits `written` after each successful write of the file (status.ts IndexFile). */
export class Flusher extends EventEmitter<{ written: [] }> {
  readonly engine = 'wasm' as const;
  private dirty = false;
  private timer: NodeJS.Timeout | null = null;
  private lastEnd = 0;
  private readonly state: FlushStatus = { lastWriteAt: null, lastWriteMs: 0, sizeBytes: 0, error: null, writes: 0 };

  constructor(
    private readonly store: Store,
    private readonly file: string,
    /** True while a run is under way: the database is then mid-change. */
    private readonly busy: () => boolean,
    private readonly log: (line: string) => void,
  ) {
    super();
  }

  status(): FlushStatus {
    return { ...this.state };
  }

  /** Something changed: write it soon. */
  markDirty(): void {
    this.dirty = true;
    this.schedule();
  }

  /** Writes now if anything changed (shutdown). */
  flushNow(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
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
      const bytes = this.store.snapshot();
      writeIndexFileAtomic(this.file, bytes);
      this.state.sizeBytes = bytes.length;
      this.state.lastWriteAt = new Date().toISOString();
      this.state.writes++;
      if (this.state.error) this.log(`inkdex: the index file ${this.file} is written again`);
      this.state.error = null;
    } catch (err) {
      this.dirty = true;
      const message = `cannot write the index file ${this.file}: ${err instanceof Error ? err.message : String(err)}`;
      if (this.state.error !== message) this.log(`inkdex: ${message}`);
      this.state.error = message;
      this.schedule();
    } finally {
      this.lastEnd = Date.now();
      this.state.lastWriteMs = this.lastEnd - start;
    }
    if (this.state.error === null) this.emit('written');
  }
}
