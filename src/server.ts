/**
 * The HTTP API and status page (SPEC §4): `createApp(deps)` builds the hono app; it never
 * listens itself (serve.ts does), so tests drive it with `app.request()`.
 */
import fs from 'node:fs';
import path from 'node:path';
import { Hono, type Context } from 'hono';
import { HTTPException } from 'hono/http-exception';
import { streamSSE } from 'hono/streaming';
import { assessHealth } from './health.js';
import type { Indexer, IndexerEvents } from './indexer.js';
import type { FlushStatus } from './flusher.js';
import { BadQueryError, type IndexReader } from './index-types.js';
import { guard } from './safety.js';
import type { WatcherStatus } from './watch.js';
import { renderMetrics, type RunMetrics } from './metrics.js';

export interface AppDeps {
  queries: IndexReader;
  indexer: Pick<Indexer, 'requestFull' | 'current' | 'lastRun' | 'lagMs' | 'on' | 'off'>;
  watcher: { status(): WatcherStatus };
  flusher: { status(): FlushStatus };
  metrics: RunMetrics;
  journal: string;
  db: string;
  /** How the index file is kept (SPEC §3). */
  engine: 'native' | 'wasm';
  version: string;
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

const SSE_KEEPALIVE_MS = 15_000;
const PROGRESS_EVERY_MS = 100;

export function createApp(deps: AppDeps): Hono {
  const app = new Hono();
  const { queries } = deps;

  app.onError((err, c) => {
    if (err instanceof HTTPException) return c.json({ error: err.message }, err.status);
    if (err instanceof BadQueryError) return c.json({ error: err.message }, 400);
    return c.json({ error: `internal error: ${err.message}` }, 500);
  });
  app.notFound((c) => c.json({ error: `not found: ${c.req.method} ${c.req.path}` }, 404));
  app.use('*', guard(deps.security));

  const status = (): Record<string, unknown> => {
    const watcher = deps.watcher.status();
    const flush = deps.flusher.status();
    const counts = queries.counts();
    const lastRun = deps.indexer.lastRun ?? queries.lastFinishedRun() ?? null;
    const { health, reasons } = assessHealth({
      lastRunFailed: deps.indexer.lastRun?.status === 'failed',
      lastRunMessage: deps.indexer.lastRun?.message ?? null,
      watcherState: watcher.state,
      watcherError: watcher.lastError,
      writeError: flush.error,
      fileErrors: counts.errors,
      lagMs: deps.indexer.lagMs(),
    });
    const current = deps.indexer.current;
    return {
      state: current ? 'syncing' : deps.indexer.lastRun ? 'idle' : 'starting',
      health,
      healthReasons: reasons,
      journal: deps.journal,
      engine: deps.engine,
      db: indexFileStatus(deps.db, flush),
      watcher: { state: watcher.state, files: watcher.files, dirs: watcher.dirs },
      counts,
      currentRun: current
        ? { id: current.id, trigger: current.trigger, kind: current.kind, processed: current.processed, total: current.total, startedAt: current.startedAt }
        : null,
      lastRun,
      version: deps.version,
    };
  };

  app.get('/api/status', (c) => c.json(status()));

  app.get('/api/runs', (c) => {
    const limit = intParam(c, 'limit', 50, 1, 1000);
    const before = optionalIntParam(c, 'before', 1);
    return c.json({ runs: queries.runs(limit, before) });
  });

  app.get('/api/runs/:id', (c) => {
    const id = idParam(c);
    const run = queries.run(id);
    if (!run) throw new HTTPException(404, { message: `no run with id ${id}` });
    return c.json({ ...run, events: queries.runEvents(id), errors: queries.runErrors(id) });
  });

  app.post('/api/resync', (c) => c.json({ run: deps.indexer.requestFull('manual') }, 202));

  app.get('/api/entries', (c) => {
    const q = c.req.query('q');
    const tag = c.req.query('tag');
    return c.json(
      queries.entries({
        ...(q !== undefined ? { q } : {}),
        ...(tag !== undefined && tag.trim() !== '' ? { tag: tag.trim().replace(/^#/, '').normalize('NFC').toLowerCase() } : {}),
        ...dateRange(c),
        limit: intParam(c, 'limit', 50, 1, 500),
        offset: intParam(c, 'offset', 0, 0, Number.MAX_SAFE_INTEGER),
      }),
    );
  });

  app.get('/api/entries/:id', (c) => {
    const id = idParam(c);
    const entry = queries.entry(id);
    if (!entry) throw new HTTPException(404, { message: `no entry with id ${id}` });
    return c.json(entry);
  });

  app.get('/api/tags', (c) => c.json({ tags: queries.tags() }));
  app.get('/api/errors', (c) => c.json({ errors: queries.fileErrors() }));
  app.get('/api/activity', (c) => c.json(queries.activity(optionalIntParam(c, 'year', 1, 9999))));

  app.get('/api/links/broken', (c) =>
    c.json(queries.brokenLinks(intParam(c, 'limit', 100, 1, 1000), intParam(c, 'offset', 0, 0, Number.MAX_SAFE_INTEGER))),
  );

  app.get('/api/events', (c) =>
    streamSSE(c, async (stream) => {
      let lastProgress = 0;
      const send = (event: string, data: unknown): void => {
        if (!stream.aborted) void stream.writeSSE({ event, data: JSON.stringify(data) }).catch(() => undefined);
      };
      const listeners: { [K in keyof IndexerEvents]: (...args: IndexerEvents[K]) => void } = {
        'run-started': (p) => send('run-started', p),
        'run-progress': (p) => {
          const now = Date.now();
          if (now - lastProgress < PROGRESS_EVERY_MS && p.processed < p.total) return;
          lastProgress = now;
          send('run-progress', { id: p.id, trigger: p.trigger, kind: p.kind, processed: p.processed, total: p.total });
        },
        'run-finished': (s) => {
          send('run-finished', s);
          send('status', status());
        },
      };
      for (const [name, fn] of Object.entries(listeners)) deps.indexer.on(name as keyof IndexerEvents, fn as never);
      try {
        send('status', status());
        while (!stream.aborted && !deps.closing.aborted) {
          await Promise.race([stream.sleep(SSE_KEEPALIVE_MS), abortPromise(deps.closing)]);
          if (!stream.aborted) await stream.write(': keep-alive\n\n');
        }
      } finally {
        for (const [name, fn] of Object.entries(listeners)) deps.indexer.off(name as keyof IndexerEvents, fn as never);
      }
    }),
  );

  app.get('/healthz', (c) => {
    const s = status();
    if (s.health === 'unhealthy') return c.json({ status: 'unhealthy', reason: (s.healthReasons as string[]).join('; ') }, 503);
    return c.json({ status: s.health });
  });

  app.get('/metrics', (c) => {
    const s = status() as { counts: { entries: number; tags: number; errors: number } };
    const body = renderMetrics(deps.metrics, {
      entries: s.counts.entries,
      tags: s.counts.tags,
      fileErrors: s.counts.errors,
      watcher: deps.watcher.status(),
      flush: deps.flusher.status(),
      lagMs: deps.indexer.lagMs(),
      running: deps.indexer.current !== null,
    });
    return c.body(body, 200, { 'Content-Type': 'text/plain; version=0.0.4; charset=utf-8' });
  });

  // The page: a fixed list of the files in web/, looked up by exact name (no path ever
  // reaches the disk from a request, so traversal is impossible).
  const pages = loadWebFiles(deps.webDir);
  app.get('/:file{[^/]*}', (c) => {
    const name = c.req.param('file') || 'index.html';
    const page = pages.get(name);
    if (!page) throw new HTTPException(404, { message: `not found: ${c.req.path}` });
    return c.body(page.body, 200, { 'Content-Type': page.type, 'Cache-Control': 'no-cache' });
  });

  return app;
}

function abortPromise(signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) resolve();
    else signal.addEventListener('abort', () => resolve(), { once: true });
  });
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

/** The index file as on disk (one stat), or what the last write knew when it is not there. */
function indexFileStatus(file: string, flush: FlushStatus): { path: string; sizeBytes: number; lastWriteAt: string | null } {
  const st = fs.statSync(file, { throwIfNoEntry: false });
  return { path: file, sizeBytes: st?.size ?? flush.sizeBytes, lastWriteAt: flush.lastWriteAt ?? st?.mtime.toISOString() ?? null };
}

// ---- parameter validation: a clear 400, never a 500 ------------------------------------

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
