/**
 * Follows the index's change history (`entry_events`) and hands each new batch of events
 * to whoever listens: the MCP sessions turn them into resource notifications. Polling the
 * newest event id works the same whether this process keeps the index or only reads it
 * (another process's commits show on the next query), and costs one indexed lookup a tick.
 */
import type { EventRow, IndexReader } from '../core/seam.js';

export interface ChangeBatch {
  events: EventRow[];
  /** The index was started afresh (its ids began again): anything may have changed. */
  reset: boolean;
}

/** How often the history is looked at: notifications follow a change within about this. */
const CHECK_EVERY_MS = 200;
/** Events read per query while catching up. */
const PAGE = 1000;

export class ChangeFeed {
  private last: number | null = null;
  private readonly listeners = new Set<(batch: ChangeBatch) => void>();
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly reader: Pick<IndexReader, 'lastEventId' | 'eventsAfter'>,
    private readonly everyMs = CHECK_EVERY_MS,
  ) {}

  /** Listens for batches; the returned function stops listening. Checking runs while anyone listens. */
  on(listener: (batch: ChangeBatch) => void): () => void {
    this.listeners.add(listener);
    if (this.last === null) this.last = this.newest();
    if (!this.timer) {
      this.timer = setInterval(() => this.check(), this.everyMs);
      this.timer.unref();
    }
    return () => {
      this.listeners.delete(listener);
      if (this.listeners.size === 0) this.stop();
    };
  }

  /** Looks for new events now (also called by the process keeping the index after each run). */
  check(): void {
    if (this.listeners.size === 0) return;
    const newest = this.newest();
    if (newest === null || newest === this.last) return;
    if (this.last === null || newest < this.last) {
      // A rebuilt index numbers its events from 1 again.
      this.last = newest;
      return this.emit({ events: [], reset: true });
    }
    try {
      for (;;) {
        const events = this.reader.eventsAfter(this.last, PAGE);
        if (events.length === 0) break;
        this.last = events.at(-1)!.id;
        this.emit({ events, reset: false });
        if (events.length < PAGE) break;
      }
    } catch {
      // The index is being reopened or rebuilt: the next tick tries again.
    }
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  private newest(): number | null {
    try {
      return this.reader.lastEventId();
    } catch {
      return null; // no index to read at the moment
    }
  }

  private emit(batch: ChangeBatch): void {
    for (const listener of this.listeners) {
      try {
        listener(batch);
      } catch {
        // one session's failure to send is not the others'
      }
    }
  }
}
