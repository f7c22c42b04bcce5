/**
 * The load test's engine (used by bench/load.ts and, smaller, by test/load.test.ts):
 * N concurrent HTTP clients hammer `/api/status` and `/api/entries?q=` on a running
 * `inkdex serve` while a fresh startup sync and then a burst of new files run, recording
 * every latency and every error per phase.
 */
import { spawn } from 'node:child_process';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { percentile } from './measure.js';
import { WORDS } from './vocabulary.js';

export interface LoadPhaseResult {
  phase: string;
  durationMs: number;
  requests: number;
  errors: number;
  /** The first few error messages. */
  errorSamples: string[];
  routes: Array<{
    route: string;
    /** Answered 200 (the percentiles are theirs). */
    requests: number;
    p50: number;
    p95: number;
    p99: number;
    max: number;
    /** Refused past the server's capacity: 503 with Retry-After (SPEC §4), and how long the slowest refusal took. */
    refused: number;
    refusedMax: number;
  }>;
}

export interface LoadDriverOptions {
  /** Base URL ending in `/`. */
  url: string;
  clients: number;
  /** Pause of each client between its requests (0 = back to back). */
  thinkMs: number;
  /**
   * Instead of `thinkMs`: each client asks once per this period (issue 16's "200 clients
   * at one request a second"), the first `searchers` of them searching and the others
   * asking for /api/status, each always the same route.
   */
  periodMs?: number;
  searchers?: number;
  /** A request slower than this is an error. */
  requestTimeoutMs: number;
}

type RouteKind = 'status' | 'search';

/**
 * Runs the clients until `until()` resolves; returns the phase's figures. Client i asks
 * for `/api/status` and `/api/entries?q=WORD` in turn (a different word each time).
 */
export async function loadPhase(phase: string, o: LoadDriverOptions, until: Promise<unknown>): Promise<LoadPhaseResult> {
  const latencies: Record<RouteKind, number[]> = { status: [], search: [] };
  const refusals: Record<RouteKind, number[]> = { status: [], search: [] };
  const errors: string[] = [];
  let requests = 0;
  let stop = false;
  const t0 = performance.now();
  const stopped = until.finally(() => {
    stop = true;
  });
  const client = async (i: number): Promise<void> => {
    let n = i;
    // Spread the clients' first requests over one period.
    const period = o.periodMs;
    if (period !== undefined) await new Promise((r) => setTimeout(r, (i * period) / o.clients));
    const pause = async (started: number): Promise<void> => {
      const wait = o.periodMs !== undefined ? started + o.periodMs - performance.now() : o.thinkMs;
      if (wait > 0 && !stop) await new Promise((r) => setTimeout(r, wait));
    };
    while (!stop) {
      const kind: RouteKind = o.periodMs !== undefined ? (i < (o.searchers ?? 0) ? 'search' : 'status') : n % 2 === 0 ? 'status' : 'search';
      const word = WORDS[(n * 7919 + i) % WORDS.length]!;
      const route = kind === 'status' ? 'api/status' : `api/entries?q=${encodeURIComponent(word)}&limit=20`;
      n++;
      const started = performance.now();
      try {
        const res = await fetch(o.url + route, { signal: AbortSignal.timeout(o.requestTimeoutMs) });
        const body = (await res.json()) as Record<string, unknown>;
        if (res.status === 503 && res.headers.get('retry-after') !== null && typeof body.error === 'string') {
          refusals[kind].push(performance.now() - started);
          requests++;
          await pause(started);
          continue;
        }
        if (res.status !== 200) throw new Error(`${route}: HTTP ${res.status} ${JSON.stringify(body).slice(0, 200)}`);
        if (kind === 'status' ? typeof body.state !== 'string' : !Array.isArray(body.entries)) throw new Error(`${route}: unexpected body`);
        latencies[kind].push(performance.now() - started);
      } catch (err) {
        errors.push(`${route}: ${err instanceof Error ? err.message : String(err)}`);
      }
      requests++;
      await pause(started);
    }
  };
  await Promise.all([stopped, ...Array.from({ length: o.clients }, (_, i) => client(i))]);
  const durationMs = performance.now() - t0;
  const routes = (['status', 'search'] as const).map((k) => ({
    route: k === 'status' ? '/api/status' : '/api/entries?q=',
    requests: latencies[k].length,
    p50: percentile(latencies[k], 50),
    p95: percentile(latencies[k], 95),
    p99: percentile(latencies[k], 99),
    max: latencies[k].reduce((a, b) => Math.max(a, b), 0),
    refused: refusals[k].length,
    refusedMax: refusals[k].reduce((a, b) => Math.max(a, b), 0),
  }));
  return { phase, durationMs, requests, errors: errors.length, errorSamples: [...new Set(errors)].slice(0, 5), routes };
}

/**
 * Writes `count` small new notes into a new folder `dir/TAG-N/`, as fast as possible, from
 * a process of its own (as `tar -x` or a sync tool would: writing them here would hold the
 * clients' own event loop and count as the server's latency).
 * The folder is made first and the files written once the server's watcher counts it
 * (a watcher can miss files written into a folder it has not attached to yet; that race
 * is the watcher's business, not this load test's).
 */
export async function writeBurst(url: string, dir: string, count: number, tag = 'burst'): Promise<void> {
  const dirsNow = async (): Promise<number> => ((await (await fetch(url + 'api/status', { signal: AbortSignal.timeout(30_000) })).json()) as { watcher: { dirs: number } }).watcher.dirs;
  const before = await dirsNow();
  const folder = path.join(dir, `${tag}-${Date.now()}`);
  await mkdir(folder, { recursive: true });
  const deadline = performance.now() + 30_000;
  while ((await dirsNow()) <= before && performance.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  const writer = spawn(process.execPath, ['-e', BURST_WRITER, folder, String(count), tag], { stdio: ['ignore', 'ignore', 'inherit'] });
  const code = await new Promise<number | null>((resolve) => writer.on('close', resolve));
  if (code !== 0) throw new Error(`the burst writer exited ${code}`);
}

/** The burst's writer (see writeBurst): argv FOLDER COUNT TAG. */
const BURST_WRITER = `
const fs = require('node:fs');
const [folder, count, tag] = process.argv.slice(1);
for (let i = 0; i < Number(count); i++) {
  fs.writeFileSync(folder + '/' + String(i).padStart(5, '0') + '.md', '---\\ntitle: Burst ' + i + '\\n---\\nburst note ' + i + ' #' + tag + '\\n');
}`;

/** Polls `/api/status` until `ok(status)` holds; rejects after `timeoutMs`. */
export async function statusUntil(url: string, ok: (s: { state: string; counts: { entries: number }; currentRun: unknown }) => boolean, timeoutMs: number): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    try {
      const res = await fetch(url + 'api/status', { signal: AbortSignal.timeout(10_000) });
      if (ok((await res.json()) as never)) return;
    } catch {
      // busy: try again
    }
    if (performance.now() > deadline) throw new Error(`status condition not met within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** A phase as Markdown table rows. */
export function phaseRows(r: LoadPhaseResult): string[] {
  const ms = (v: number): string => (Number.isFinite(v) ? `${v < 10 ? v.toFixed(1) : Math.round(v)} ms` : '—');
  return r.routes.map(
    (x) =>
      `| ${r.phase} | ${x.route} | ${x.requests} | ${ms(x.p50)} | ${ms(x.p95)} | ${ms(x.p99)} | ${ms(x.max)} | ${x.refused}${x.refused ? ` (max ${ms(x.refusedMax)})` : ''} | ${r.errors} | ${(r.durationMs / 1000).toFixed(1)} s |`,
  );
}

export const PHASE_TABLE_HEAD = [
  '| phase | route | answered | p50 | p95 | p99 | max | 503 + Retry-After | errors (phase) | phase length |',
  '|---|---|---:|---:|---:|---:|---:|---:|---:|---:|',
];
