/**
 * The HTTP API and status page (SPEC §4): `createApp(deps)` builds the hono app; it never
 * listens itself (serve.ts does), so tests drive it with `app.request()`.
 */
import fs from 'node:fs';
import { createServer, type Server } from 'node:http';
import path from 'node:path';
import { getRequestListener } from '@hono/node-server';
import { Hono, type Handler } from 'hono';
import { HTTPException } from 'hono/http-exception';
import { streamSSE } from 'hono/streaming';
import type { Indexer } from '../live/indexer.js';
import { BadQueryError, errorMessage } from '../core/errors.js';
import type { IndexReader } from '../core/seam.js';
import { badRequestResponse, defaultConnectionLimits, guard, hardenServer, httpServerOptions, securityHeaders, type ConnectionLimits, type HardenedServer } from './safety.js';
import { StatusSource, type StatusDeps } from '../core/status.js';
import { renderMetrics, type RunMetrics } from './metrics.js';
import { EventHub, type EventSources } from './events.js';
import { choiceParam, dateParam, dateRange, fieldParams, folderParam, idParam, intParam, optionalIntParam, tagParam, textParam, wellFormedQuery } from './params.js';
import { systemClock, type Clock } from '../core/clock.js';
import { localDay } from '../core/days.js';

export interface AppDeps extends StatusDeps, EventSources {
  /**
   * The status source the composition root shares with the service log, so the API and
   * the log can never disagree; made from these deps when absent (tests).
   */
  status?: StatusSource;
  queries: IndexReader;
  indexer: StatusDeps['indexer'] & EventSources['indexer'] & { requestFull: Indexer['requestFull'] };
  /** The flusher: the engine and the writes (core/status.ts); each write pushes a fresh status (events.ts). */
  indexFile: StatusDeps['indexFile'] & EventSources['indexFile'];
  metrics: RunMetrics;
  /** Whose "today" the writing stats count up to: the runs' clock (the system's by default). */
  clock?: Clock;
  /** Folder of the page's files; only files directly inside it are served. */
  webDir: string;
  /**
   * Answers `/mcp` (MCP's Streamable HTTP transport) once the safety checks have passed;
   * made by the composition root, so this face never imports the MCP one. Absent: 404.
   */
  mcp?: (request: Request) => Promise<Response>;
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
  const clock = deps.clock ?? systemClock;
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
  // own callbacks keep running between them. Past the server's capacity (the line ahead
  // would take too long) a request is answered at once: 503 with Retry-After (SPEC §4).
  const turns = new TurnQueue();
  // Requests being answered (event streams aside): the budget of heavy reads applies only
  // while others wait on the same thread — one client searching alone is never refused.
  let answering = 0;
  app.use('*', async (c, next) => {
    if (c.req.path === '/api/events') return next();
    answering++;
    try {
      await next();
    } finally {
      answering--;
    }
  });
  const heavy =
    (handler: Handler): Handler =>
    async (c, next) => {
      const turn = turns.admit(answering > 1);
      if (turn === null) {
        return c.json({ error: 'busy: too many requests are waiting for the index; try again shortly' }, 503, { 'Retry-After': String(RETRY_AFTER_S) });
      }
      await turn;
      const started = performance.now();
      try {
        return await handler(c, next);
      } finally {
        turns.record(performance.now() - started);
      }
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

  route('POST', '/api/resync', async (c) => {
    try {
      return c.json({ run: await deps.indexer.requestFull('manual') }, 202);
    } catch (err) {
      // The run's row cannot be written now (the index file is being written back or re-checked).
      return c.json({ error: `cannot start a sync now: ${errorMessage(err)}` }, 503, { 'Retry-After': '2' });
    }
  });

  get('/api/entries', heavy((c) => {
    const q = textParam(c, 'q', MAX_QUERY_CHARS);
    const tag = tagParam(c, MAX_TAG_CHARS);
    const folder = folderParam(c, MAX_QUERY_CHARS);
    return c.json(
      queries.entries({
        ...(q !== undefined ? { q } : {}),
        ...(tag !== undefined ? { tag } : {}),
        ...dateRange(c),
        ...(folder !== undefined ? { folder } : {}),
        fields: fieldParams(c, MAX_QUERY_CHARS),
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
  get('/api/fields', heavy((c) => c.json({ fields: queries.fields() })));
  get('/api/tasks', heavy((c) => {
    const status = choiceParam(c, 'status', ['open', 'done'] as const);
    const dueBefore = dateParam(c, 'due_before');
    const tag = tagParam(c, MAX_TAG_CHARS);
    return c.json(
      queries.tasks({
        ...(status !== undefined ? { status } : {}),
        ...(dueBefore !== undefined ? { dueBefore } : {}),
        ...(tag !== undefined ? { tag } : {}),
        limit: intParam(c, 'limit', 100, 1, 1000),
        offset: intParam(c, 'offset', 0, 0, Number.MAX_SAFE_INTEGER),
      }),
    );
  }));
  get('/api/errors', heavy((c) => c.json({ errors: queries.fileErrors() })));
  get('/api/activity', heavy((c) => c.json(queries.activity(optionalIntParam(c, 'year', 1, 9999)))));
  get('/api/stats/daily', heavy((c) => {
    const { from, to } = dateRange(c);
    return c.json({ days: queries.dailyStats(from ?? null, to ?? null) });
  }));
  get('/api/stats/summary', heavy((c) => c.json(queries.statsSummary(localDay(clock.now())))));
  get('/api/changes', heavy((c) => {
    const day = dateParam(c, 'day');
    if (day === undefined) throw new HTTPException(400, { message: 'day is required: a date YYYY-MM-DD' });
    return c.json(queries.dayChanges(day, intParam(c, 'limit', 500, 1, 5000)));
  }));
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

  if (deps.mcp) {
    const mcp = deps.mcp;
    const methods = ['GET', 'POST', 'DELETE'];
    app.on(methods, '/mcp', (c) => mcp(c.req.raw));
    allowed.set('/mcp', new Set(methods));
  }

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

/** A heavy read is refused (503) when the reads waiting ahead of it would take longer than this… */
const MAX_QUEUE_WAIT_MS = 150;
/**
 * …or when heavy reads have taken more than this of the last second of the thread that
 * answers: the rest is kept for /api/status and the indexer's callbacks. (During a burst
 * of 10,000 files on 2 shared cores, 50 searches a second held it ~98 % of the time and
 * /api/status waited 4–9 s; with this budget 0.6–1.2 s on the same loaded machine.)
 */
const HEAVY_BUDGET_MS_PER_S = 250;
/** What a refused request is told to wait (Retry-After, seconds). */
const RETRY_AFTER_S = 1;

/**
 * Hands out turns, one per event-loop iteration (setImmediate): whoever awaits `take()`
 * runs in a later check phase, after the I/O callbacks that were ready (other requests
 * being parsed, the indexer's file reads) have run. Knows what a turn costs (a moving
 * average), so that it can refuse a request it could not serve promptly.
 */
class TurnQueue {
  private readonly waiting: Array<() => void> = [];
  private scheduled = false;
  /** Moving average of a turn's duration (ms). */
  private costMs = 5;
  /** The turns of the last second: when each ended, and how long it took. */
  private readonly recent: Array<{ at: number; ms: number }> = [];
  private recentMs = 0;

  /**
   * A turn, or null when the line ahead would take too long, or when heavy reads had their
   * share of the last second while `contended` (other requests are being answered).
   */
  admit(contended: boolean): Promise<void> | null {
    if (this.waiting.length > 0 && (this.waiting.length + 1) * this.costMs > MAX_QUEUE_WAIT_MS) return null;
    this.forgetBefore(performance.now() - 1000);
    if (contended && this.recentMs > HEAVY_BUDGET_MS_PER_S) return null;
    return this.take();
  }

  /** A turn took `ms`. */
  record(ms: number): void {
    this.costMs += (ms - this.costMs) / 8;
    this.recent.push({ at: performance.now(), ms });
    this.recentMs += ms;
  }

  private forgetBefore(at: number): void {
    while (this.recent.length > 0 && this.recent[0]!.at < at) this.recentMs -= this.recent.shift()!.ms;
  }

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
