/**
 * `GET /api/events` (SPEC §4): the indexer's run events and the status, fanned out as
 * server-sent events to every client, each event turned into text once.
 */
import type { SSEStreamingApi } from 'hono/streaming';
import type { IndexerEvents } from '../live/indexer.js';
import type { StatusSource } from '../core/status.js';

/** What the hub listens to. */
export interface EventSources {
  indexer: {
    on<K extends keyof IndexerEvents>(event: K, listener: (...args: IndexerEvents[K]) => void): unknown;
    off<K extends keyof IndexerEvents>(event: K, listener: (...args: IndexerEvents[K]) => void): unknown;
  };
  /** The flusher: `written` after each write that changed the index file. */
  indexFile: {
    on(event: 'written', listener: () => void): unknown;
    off(event: 'written', listener: () => void): unknown;
  };
  /** Aborted at shutdown: ends every open event stream (a server cannot close while they are open). */
  closing: AbortSignal;
}

const SSE_KEEPALIVE_MS = 15_000;
const PROGRESS_EVERY_MS = 100;
/** At most one status pushed per this interval for index writes (the native engine commits often). */
const WRITTEN_STATUS_EVERY_MS = 250;
/** A client this many messages behind is not reading: it is dropped (it may reconnect). */
const MAX_CLIENT_BACKLOG = 64;

interface SseClient {
  stream: SSEStreamingApi;
  backlog: number;
  done: () => void;
}

/**
 * Fans the indexer's events out to every `/api/events` client. Each event is turned into
 * text once, whatever the number of clients, and the hub holds one listener per event
 * source (never one per client: 30 clients must not trip MaxListenersExceededWarning).
 * A `status` is pushed on connect, after each run, and after each index write (so its
 * `db.lastWriteAt` and `sizeBytes` follow the write, not the end of the run before it).
 */
export class EventHub {
  private readonly clients = new Set<SseClient>();
  private keepAlive: NodeJS.Timeout | null = null;
  private lastProgressAt = 0;
  private writtenTimer: NodeJS.Timeout | null = null;
  private lastWrittenPush = 0;
  private readonly listeners: { [K in keyof IndexerEvents]: (...args: IndexerEvents[K]) => void } = {
    'run-started': (p) => {
      this.source.invalidate();
      this.broadcast('run-started', p);
    },
    'run-progress': (p) => {
      const now = Date.now();
      if (now - this.lastProgressAt < PROGRESS_EVERY_MS && p.processed < p.total) return;
      this.lastProgressAt = now;
      this.broadcast('run-progress', { id: p.id, trigger: p.trigger, kind: p.kind, processed: p.processed, total: p.total });
    },
    'run-finished': (s) => {
      this.source.invalidate();
      this.broadcast('run-finished', s);
      this.broadcast('status', this.source.status());
    },
  };
  private readonly onWritten = (): void => {
    this.source.invalidate();
    if (this.writtenTimer) return;
    const wait = Math.max(0, this.lastWrittenPush + WRITTEN_STATUS_EVERY_MS - Date.now());
    this.writtenTimer = setTimeout(() => {
      this.writtenTimer = null;
      this.lastWrittenPush = Date.now();
      this.source.invalidate();
      this.broadcast('status', this.source.status());
    }, wait);
  };

  constructor(
    private readonly deps: EventSources,
    private readonly source: StatusSource,
  ) {
    deps.closing.addEventListener('abort', () => this.closeAll(), { once: true });
  }

  /** Serves one client until it goes away or the server shuts down. */
  async serve(stream: SSEStreamingApi): Promise<void> {
    if (this.deps.closing.aborted) return;
    let done!: () => void;
    const finished = new Promise<void>((resolve) => (done = resolve));
    const client: SseClient = { stream, backlog: 0, done };
    stream.onAbort(() => done());
    this.add(client);
    try {
      this.write(client, frame('status', this.source.status()));
      await finished;
    } finally {
      this.remove(client);
    }
  }

  private add(client: SseClient): void {
    if (this.clients.size === 0) {
      for (const [name, fn] of Object.entries(this.listeners)) this.deps.indexer.on(name as keyof IndexerEvents, fn as never);
      this.deps.indexFile.on('written', this.onWritten);
      this.keepAlive = setInterval(() => {
        for (const c of this.clients) this.write(c, ': keep-alive\n\n');
      }, SSE_KEEPALIVE_MS);
      this.keepAlive.unref();
    }
    this.clients.add(client);
  }

  private remove(client: SseClient): void {
    if (!this.clients.delete(client) || this.clients.size > 0) return;
    for (const [name, fn] of Object.entries(this.listeners)) this.deps.indexer.off(name as keyof IndexerEvents, fn as never);
    this.deps.indexFile.off('written', this.onWritten);
    if (this.keepAlive) clearInterval(this.keepAlive);
    if (this.writtenTimer) clearTimeout(this.writtenTimer);
    this.keepAlive = null;
    this.writtenTimer = null;
  }

  private broadcast(event: string, data: unknown): void {
    if (this.clients.size === 0) return;
    const text = frame(event, data);
    for (const c of this.clients) this.write(c, text);
  }

  private write(client: SseClient, text: string): void {
    if (client.stream.aborted || client.stream.closed) return client.done();
    if (client.backlog >= MAX_CLIENT_BACKLOG) {
      client.stream.abort();
      return client.done();
    }
    client.backlog++;
    void client.stream.write(text).finally(() => client.backlog--);
  }

  /** Shutdown: end every stream now. */
  private closeAll(): void {
    for (const c of [...this.clients]) c.done();
  }
}

/** One SSE message (JSON never holds a raw newline, so the data is one line). */
function frame(event: string, data: unknown): string {
  return `event: ${event}\ndata: ${JSON.stringify(data)}\n\n`;
}
