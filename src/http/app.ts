/**
 * The HTTP API and status page (SPEC §4): `createApp(deps)` builds the hono app; it never
 * listens itself (serve.ts does), so tests drive it with `app.request()`.
 */
import fs from 'node:fs';
import { createServer, type Server } from 'node:http';
import path from 'node:path';
import { getRequestListener } from '@hono/node-server';
import { Hono, type Context, type Handler, type MiddlewareHandler } from 'hono';
import { HTTPException } from 'hono/http-exception';
import { streamSSE, type SSEStreamingApi } from 'hono/streaming';
import type { Indexer, IndexerEvents } from '../live/indexer.js';
import { BadQueryError } from '../core/errors.js';
import type { IndexReader } from '../core/seam.js';
import { badRequestResponse, defaultConnectionLimits, guard, hardenServer, httpServerOptions, securityHeaders, type ConnectionLimits, type HardenedServer } from './safety.js';
import { StatusSource, type StatusDeps } from '../core/status.js';
import { renderMetrics, type RunMetrics } from './metrics.js';

export interface AppDeps extends StatusDeps {
  /**
   * The status source the composition root shares with the service log, so the API and
   * the log can never disagree; made from these deps when absent (tests).
   */
  status?: StatusSource;
  queries: IndexReader;
  indexer: StatusDeps['indexer'] & {
    requestFull: Indexer['requestFull'];
    on<K extends keyof IndexerEvents>(event: K, listener: (...args: IndexerEvents[K]) => void): unknown;
    off<K extends keyof IndexerEvents>(event: K, listener: (...args: IndexerEvents[K]) => void): unknown;
  };
  /**
   * The flusher (core/status.ts): it emits `written` after each write that changed the file, which
   * pushes a fresh status (so the page's "last write" and size follow the write, not the
   * end of the run that preceded it).
   */
  indexFile: StatusDeps['indexFile'] & {
    on(event: 'written', listener: () => void): unknown;
    off(event: 'written', listener: () => void): unknown;
  };
  metrics: RunMetrics;
  /** Folder of the page's files; only files directly inside it are served. */
  webDir: string;
  /** Aborted at shutdown: ends every open event stream (a server cannot close while they are open). */
  closing: AbortSignal;
  security: {
    /** The address the server is bound to. */
    host: string;
    /** The port it listens on (known after listening, hence a function). */
    port(): number;
    token: string | null;
  };
}

/** Longest accepted full-text query and tag, in characters. */
const MAX_QUERY_CHARS = 1000;
const MAX_TAG_CHARS = 200;

export function createApp(deps: AppDeps): Hono {
  const app = new Hono();
  const { queries } = deps;
  const source = deps.status ?? new StatusSource(deps);
  const events = new EventHub(deps, source);

  app.onError((err, c) => {
    if (err instanceof HTTPException) return c.json({ error: err.message }, err.status);
    if (err instanceof BadQueryError) return c.json({ error: err.message }, 400);
    return c.json({ error: `internal error: ${err.message}` }, 500);
  });
  app.notFound((c) => c.json({ error: `not found: ${c.req.method} ${c.req.path}` }, 404));
  app.use('*', securityHeaders());
  app.use('*', guard(deps.security));
  app.use('/api/*', wellFormedQuery());

  // Every route is declared through these two, so that other methods on a known path get
  // 405 with an Allow header (added after all routes, below).
  const allowed = new Map<string, Set<string>>();
  const route = (method: 'GET' | 'POST', pattern: string, handler: Handler): void => {
    const methods = allowed.get(pattern) ?? new Set<string>();
    methods.add(method);
    if (method === 'GET') methods.add('HEAD');
    allowed.set(pattern, methods);
    if (method === 'GET') app.get(pattern, handler);
    else app.post(pattern, handler);
  };
  const get = (pattern: string, handler: Handler): void => route('GET', pattern, handler);
  // Database-heavy reads take turns, one per event-loop turn: 200 searches arriving at
  // once cannot hold the loop for seconds, so /api/status, /healthz and the indexer's
  // own callbacks keep running between them.
  const turns = new TurnQueue();
  const heavy =
    (handler: Handler): Handler =>
    async (c, next) => {
      await turns.take();
      return handler(c, next);
    };

  get('/api/status', (c) => c.json(source.status()));

  get('/api/runs', heavy((c) => {
    const limit = intParam(c, 'limit', 50, 1, 1000);
    const before = optionalIntParam(c, 'before', 1);
    return c.json({ runs: queries.runs(limit, before) });
  }));

  get('/api/runs/:id', heavy((c) => {
    const id = idParam(c);
    const run = queries.run(id);
    if (!run) throw new HTTPException(404, { message: `no run with id ${id}` });
    return c.json({ ...run, events: queries.runEvents(id), errors: queries.runErrors(id) });
  }));

  route('POST', '/api/resync', (c) => c.json({ run: deps.indexer.requestFull('manual') }, 202));

  get('/api/entries', heavy((c) => {
    const q = textParam(c, 'q', MAX_QUERY_CHARS);
    const tag = textParam(c, 'tag', MAX_TAG_CHARS);
    return c.json(
      queries.entries({
        ...(q !== undefined ? { q } : {}),
        ...(tag !== undefined && tag.trim() !== '' ? { tag: tag.trim().replace(/^#/, '').normalize('NFC').toLowerCase() } : {}),
        ...dateRange(c),
        limit: intParam(c, 'limit', 50, 1, 500),
        offset: intParam(c, 'offset', 0, 0, Number.MAX_SAFE_INTEGER),
      }),
    );
  }));

  get('/api/entries/:id', heavy((c) => {
    const id = idParam(c);
    const entry = queries.entry(id);
    if (!entry) throw new HTTPException(404, { message: `no entry with id ${id}` });
    return c.json(entry);
  }));

  get('/api/tags', heavy((c) => c.json({ tags: queries.tags() })));
  get('/api/errors', heavy((c) => c.json({ errors: queries.fileErrors() })));
  get('/api/activity', heavy((c) => c.json(queries.activity(optionalIntParam(c, 'year', 1, 9999)))));
  get(
    '/api/links/broken',
    heavy((c) => c.json(queries.brokenLinks(intParam(c, 'limit', 100, 1, 1000), intParam(c, 'offset', 0, 0, Number.MAX_SAFE_INTEGER)))),
  );

  get('/api/events', (c) =>
    // HEAD gets the headers only: a stream nobody reads would stay registered.
    c.req.method === 'HEAD' ? c.body(null, 200, { 'Content-Type': 'text/event-stream', 'Cache-Control': 'no-cache' }) : streamSSE(c, (stream) => events.serve(stream)),
  );

  get('/healthz', (c) => {
    const s = source.status();
    if (s.health === 'unhealthy') return c.json({ status: 'unhealthy', reason: s.healthReasons.join('; ') }, 503);
    return c.json({ status: s.health });
  });

  get('/metrics', (c) => c.body(renderMetrics(deps.metrics, source.report()), 200, { 'Content-Type': 'text/plain; version=0.0.4; charset=utf-8' }));

  // The page: a fixed list of the files in web/, looked up by exact name (no path ever
  // reaches the disk from a request, so traversal is impossible).
  const pages = loadWebFiles(deps.webDir);
  get('/:file{[^/]*}', (c) => {
    const name = c.req.param('file') || 'index.html';
    const page = pages.get(name);
    if (!page) throw new HTTPException(404, { message: `not found: ${c.req.path}` });
    return c.body(page.body, 200, { 'Content-Type': page.type, 'Cache-Control': 'no-cache' });
  });

  for (const [pattern, methods] of allowed) {
    const allow = [...methods].join(', ');
    app.all(pattern, (c) => c.json({ error: `method ${c.req.method} is not allowed on ${c.req.path}; allowed: ${allow}` }, 405, { Allow: allow }));
  }

  return app;
}

/**
 * The Node HTTP server for `app`, not yet listening: bounded and timed-out connections,
 * JSON answers for what Node's parser or the adapter refuse (safety.ts). `connections
 * .closeAll()` ends everything at once (shutdown).
 */
export function createHttpServer(app: Hono, host: string, limits: ConnectionLimits = defaultConnectionLimits()): { server: Server; connections: HardenedServer } {
  const server = createServer(httpServerOptions(limits), getRequestListener(app.fetch, { hostname: host, errorHandler: badRequestResponse }));
  return { server, connections: hardenServer(server, limits) };
}

/**
 * Hands out turns, one per event-loop iteration (setImmediate): whoever awaits `take()`
 * runs in a later check phase, after the I/O callbacks that were ready (other requests
 * being parsed, the indexer's file reads) have run.
 */
class TurnQueue {
  private readonly waiting: Array<() => void> = [];
  private scheduled = false;

  take(): Promise<void> {
    return new Promise((resolve) => {
      this.waiting.push(resolve);
      this.kick();
    });
  }

  private kick(): void {
    if (this.scheduled || this.waiting.length === 0) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      this.waiting.shift()?.();
      this.kick();
    });
  }
}

// ---- server-sent events ---------------------------------------------------------------

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
class EventHub {
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
    private readonly deps: AppDeps,
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

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json',
};

function loadWebFiles(dir: string): Map<string, { body: Uint8Array<ArrayBuffer>; type: string }> {
  const files = new Map<string, { body: Uint8Array<ArrayBuffer>; type: string }>();
  let names: fs.Dirent[] = [];
  try {
    names = fs.readdirSync(dir, { withFileTypes: true });
  } catch {
    return files;
  }
  for (const d of names) {
    const type = TYPES[path.extname(d.name).toLowerCase()];
    if (d.isFile() && type) files.set(d.name, { body: new Uint8Array(fs.readFileSync(path.join(dir, d.name))), type });
  }
  return files;
}

// ---- parameter validation: a clear 400, never a 500 ------------------------------------

/**
 * The query string must decode (no stray `%`, no broken UTF-8) and name each parameter
 * once: `limit=1&limit=1000` or `q=%E0%A4` would otherwise be read in some silent way.
 */
function wellFormedQuery(): MiddlewareHandler {
  return async (c, next) => {
    const url = c.req.url;
    const at = url.indexOf('?');
    if (at >= 0) {
      const seen = new Set<string>();
      for (const part of url.slice(at + 1).split('&')) {
        if (part === '') continue;
        const eq = part.indexOf('=');
        const [rawName, rawValue] = eq < 0 ? [part, ''] : [part.slice(0, eq), part.slice(eq + 1)];
        let name: string;
        try {
          name = decodeURIComponent(rawName.replace(/\+/g, ' '));
          decodeURIComponent(rawValue.replace(/\+/g, ' '));
        } catch {
          throw new HTTPException(400, { message: `malformed query string: "${part.slice(0, 100)}" is not valid percent-encoded UTF-8` });
        }
        if (seen.has(name)) throw new HTTPException(400, { message: `query parameter "${name.slice(0, 100)}" is given more than once` });
        seen.add(name);
      }
    }
    await next();
  };
}

function intParam(c: Context, name: string, fallback: number, min: number, max: number): number {
  return optionalIntParam(c, name, min, max) ?? fallback;
}

function optionalIntParam(c: Context, name: string, min: number, max = Number.MAX_SAFE_INTEGER): number | null {
  const raw = c.req.query(name);
  if (raw === undefined || raw === '') return null;
  if (!/^\d+$/.test(raw) || Number(raw) < min || Number(raw) > max) {
    throw new HTTPException(400, { message: `${name} must be a whole number from ${min} to ${max}, not "${raw}"` });
  }
  return Number(raw);
}

/** A free-text parameter: at most `max` characters (a longer one is a 400, not a slow search). */
function textParam(c: Context, name: string, max: number): string | undefined {
  const raw = c.req.query(name);
  if (raw !== undefined && raw.length > max) throw new HTTPException(400, { message: `${name} is too long: ${raw.length} characters, at most ${max}` });
  return raw;
}

function idParam(c: Context): number {
  const raw = c.req.param('id') ?? '';
  if (!/^\d{1,15}$/.test(raw) || Number(raw) < 1) throw new HTTPException(400, { message: `id must be a positive whole number, not "${raw}"` });
  return Number(raw);
}

function dateRange(c: Context): { from?: string; to?: string } {
  const out: { from?: string; to?: string } = {};
  for (const name of ['from', 'to'] as const) {
    const raw = c.req.query(name);
    if (raw === undefined || raw === '') continue;
    const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(raw);
    const valid = m && !Number.isNaN(Date.parse(`${raw}T00:00:00Z`)) && new Date(`${raw}T00:00:00Z`).toISOString().startsWith(raw);
    if (!valid) throw new HTTPException(400, { message: `${name} must be a date YYYY-MM-DD, not "${raw}"` });
    out[name] = raw;
  }
  if (out.from && out.to && out.from > out.to) throw new HTTPException(400, { message: `from (${out.from}) is after to (${out.to})` });
  return out;
}
