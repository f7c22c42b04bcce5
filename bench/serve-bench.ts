/**
 * Live measurements against `inkdex serve`: bytes written per edit and a held reader under
 * an autosave rhythm, edit → visible (API and file), a burst of new files, searches on the
 * idle index, steady RSS, shutdown time, /api/status latency during a fresh startup sync,
 * and issue 16's load (clients once a second each) during a startup sync and a burst.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { appendFile, mkdir, readFile, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { field, getJson, pollUntil, sleep } from './http.js';
import { listMarkdown } from './journals.js';
import { createRng } from './prng.js';
import { startServe } from './serve-process.js';
import type { ServeHandle } from './serve-process.js';
import { startHeldReader, startSqliteProbe } from './sqlite-probe.js';
import type { SqliteProbe } from './sqlite-probe.js';
import { loadPhase, statusUntil, writeBurst, type LoadPhaseResult } from './load-driver.js';
import { WORDS } from './vocabulary.js';

export interface ServeBenchOptions {
  scope: string;
  /** The storage engine, passed as `--engine` (SPEC §3). */
  engine: string;
  cli: string;
  journal: string;
  files: readonly string[];
  /** A database already synced with the journal. */
  syncedDb: string;
  /** An empty folder for the fresh-database startup run. */
  freshDbDir: string;
  edits: number;
  burst: number;
  seed: number;
  /** Only the bytes written per edit at the autosave rhythm (the journal of ~5 KB notes). */
  autosaveOnly?: boolean;
  /** Only serve's start on the index already built (100k). */
  builtOnly?: boolean;
  /** Issue 16's load: clients (once a second each), how many of them search, and a burst of new files. */
  load?: { clients: number; searchers: number; burst: number };
  /** Upper bound for one full sync (startup, idle waits). */
  syncTimeoutMs: number;
  log(message: string): void;
}

export interface ServeBenchResult {
  /** One-note edits made at the autosave rhythm (0 when that phase did not run). */
  autosaveEdits: number;
  /** serve's write_bytes (/proc/PID/io) over those edits, until one interval after the last. */
  autosaveBytes: number | null;
  /** The same, until the quiet period after the last edit is over (native: its checkpoint). */
  autosaveSettledBytes: number | null;
  /**
   * The same two from wchar: the bytes serve handed to write calls. write_bytes counts the
   * page-cache pages a write dirtied, and on this machine's kernel (Linux 6.18, large
   * folios) a 4 KiB write into a cached file counts its whole folio (docs/benchmarks.md).
   */
  autosaveWchar: number | null;
  autosaveSettledWchar: number | null;
  /** A search for a common word on the idle index, each (ms, HTTP included). */
  searchMs: number[];
  /** serve started on the index already built: /api/status latencies until its startup sync is over, and how long that took. */
  builtStatusMs: number[];
  builtIdleMs: number | null;
  /** Issue 16's load, during the startup sync and a burst of new files. */
  loadStartup: LoadPhaseResult | null;
  loadBurst: LoadPhaseResult | null;
  /** Size of the index's -wal file at the end of the quiet period (null: no such file). */
  walAfterBytes: number | null;
  /** Edit → seen by a connection held open since before the edits. */
  heldMs: number[];
  heldTimeouts: number;
  heldReader: 'ok' | 'unavailable' | 'not run';
  editApiMs: number[];
  editFileMs: number[];
  apiTimeouts: number;
  fileTimeouts: number;
  /** Whether the file could be read through python3's sqlite3 ('not run' if the session failed first). */
  fileProbe: 'ok' | 'unavailable' | 'not run';
  burstMs: number | null;
  /** How long writing the burst's files took (part of burstMs). */
  burstWriteMs: number | null;
  burstRuns: number | null;
  steadyRssKiB: number | null;
  peakRssKiB: number | null;
  stopMs: number | null;
  startupStatusMs: number[];
  /** /api/status latencies while the watcher was still being set up (state 'starting'). */
  setupStatusMs: number[];
  startupIdleMs: number | null;
  /** Whether /api/status ever answered while the startup sync was running. */
  startupSawSync: boolean;
  errors: string[];
}

export const EDIT_TIMEOUT_MS = 10_000;
/** An editor's autosave rhythm: one one-note edit every 1.5 s. */
const AUTOSAVE_EVERY_MS = 1500;
/** Quiet after the last edit: the native engine checkpoints its log after 10 s of it. */
const SETTLE_QUIET_MS = 12_000;
const BURST_TIMEOUT_MS = 60_000;
const REQUEST_TIMEOUT_MS = 5_000;

async function status(url: string): Promise<unknown> {
  return (await getJson(`${url}api/status`, REQUEST_TIMEOUT_MS)).body;
}

function checkAlive(serve: ServeHandle): void {
  if (serve.exited()) throw new Error(`serve exited unexpectedly; stderr: ${serve.stderrTail().split('\n').slice(-3).join(' / ')}`);
}

async function waitIdle(serve: ServeHandle, timeoutMs: number): Promise<unknown> {
  const body = await pollUntil(async () => {
    const s = await status(serve.url);
    return field(s, 'state') === 'idle' ? s : undefined;
  }, 50, timeoutMs, serve.exited);
  checkAlive(serve);
  if (body === undefined) throw new Error(`server not idle within ${timeoutMs} ms`);
  return body;
}

/** VmRSS and VmHWM of a process in KiB, from /proc (Linux only). */
async function procRss(pid: number): Promise<{ rss: number | null; hwm: number | null }> {
  try {
    const text = await readFile(`/proc/${pid}/status`, 'utf8');
    const kib = (key: string): number | null => {
      const m = new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(text);
      return m ? Number(m[1]) : null;
    };
    return { rss: kib('VmRSS'), hwm: kib('VmHWM') };
  } catch {
    return { rss: null, hwm: null };
  }
}

/** write_bytes and wchar of /proc/PID/io (Linux only): what the process dirtied in the page cache, and what it passed to write calls. */
async function ioCounters(pid: number): Promise<{ writeBytes: number; wchar: number } | null> {
  try {
    const text = await readFile(`/proc/${pid}/io`, 'utf8');
    const field = (name: string): number | null => {
      const m = new RegExp(`^${name}:\\s+(\\d+)$`, 'm').exec(text);
      return m ? Number(m[1]) : null;
    };
    const writeBytes = field('write_bytes');
    const wchar = field('wchar');
    return writeBytes === null || wchar === null ? null : { writeBytes, wchar };
  } catch {
    return null;
  }
}

const sleepUntil = (at: number): Promise<void> => sleep(Math.max(0, at - performance.now()));

/**
 * One-note edits every 1.5 s (an editor's autosave): serve's bytes written per edit, before
 * and after the quiet period that lets the native engine checkpoint, and how soon a reader
 * holding one connection open (never reopened) sees each edit.
 */
async function measureAutosave(o: ServeBenchOptions, serve: ServeHandle, r: ServeBenchResult): Promise<void> {
  const reader = await startHeldReader(o.syncedDb);
  r.heldReader = reader !== null ? 'ok' : 'unavailable';
  try {
    await waitIdle(serve, o.syncTimeoutMs);
    await sleep(SETTLE_QUIET_MS); // the startup run's own writes settle before the count starts
    const before = await ioCounters(serve.pid);
    const rng = createRng(o.seed + 303);
    const tag = Date.now().toString(36);
    const seen: Array<Promise<void>> = [];
    const start = performance.now();
    for (let i = 0; i < o.edits; i++) {
      await sleepUntil(start + i * AUTOSAVE_EVERY_MS);
      checkAlive(serve);
      const word = `zqsave${tag}n${i}`;
      const t0 = performance.now();
      const held = reader?.waitFor(word, EDIT_TIMEOUT_MS);
      await appendFile(rng.pick(o.files), `\n${word}\n`);
      if (held !== undefined) {
        seen.push(held.then((ok) => {
          if (ok) r.heldMs.push(performance.now() - t0);
          else r.heldTimeouts++;
        }));
      }
    }
    const lastEdit = start + (o.edits - 1) * AUTOSAVE_EVERY_MS;
    await sleepUntil(lastEdit + AUTOSAVE_EVERY_MS);
    const during = await ioCounters(serve.pid);
    await sleepUntil(lastEdit + SETTLE_QUIET_MS);
    const settled = await ioCounters(serve.pid);
    r.walAfterBytes = await stat(`${o.syncedDb}-wal`).then((st) => st.size, () => null);
    await Promise.all(seen);
    checkAlive(serve);
    r.autosaveEdits = o.edits;
    if (before !== null && during !== null && settled !== null) {
      r.autosaveBytes = during.writeBytes - before.writeBytes;
      r.autosaveSettledBytes = settled.writeBytes - before.writeBytes;
      r.autosaveWchar = during.wchar - before.wchar;
      r.autosaveSettledWchar = settled.wchar - before.wchar;
    }
    const kib = (b: number | null): string => (b === null ? '?' : `${Math.round(b / o.edits / 1024)} KiB`);
    o.log(`[${o.scope} ${o.engine}] ${o.edits} autosave edits: ${kib(r.autosaveBytes)}/edit write_bytes (${kib(r.autosaveSettledBytes)} with the quiet period), `
      + `${kib(r.autosaveWchar)}/edit wchar (${kib(r.autosaveSettledWchar)}), held reader saw ${r.heldMs.length} (${r.heldTimeouts} timeouts)`);
  } finally {
    reader?.close();
  }
}

async function measureEdits(o: ServeBenchOptions, serve: ServeHandle, probe: SqliteProbe | null, r: ServeBenchResult): Promise<void> {
  const rng = createRng(o.seed + 202);
  const tag = Date.now().toString(36);
  for (let i = 0; i < o.edits; i++) {
    const word = `zqlive${tag}n${i}`;
    const t0 = performance.now();
    await appendFile(rng.pick(o.files), `\n${word}\n`);
    const inApi = pollUntil(async () => {
      const res = await getJson(`${serve.url}api/entries?q=${encodeURIComponent(word)}&limit=1`, REQUEST_TIMEOUT_MS);
      return Number(field(res.body, 'total')) >= 1 ? performance.now() - t0 : undefined;
    }, 10, EDIT_TIMEOUT_MS, serve.exited);
    const inFile = probe === null ? Promise.resolve(undefined) : pollUntil(async () =>
      ((await probe.count(word, REQUEST_TIMEOUT_MS)) >= 1 ? performance.now() - t0 : undefined), 10, EDIT_TIMEOUT_MS, serve.exited);
    const [api, file] = await Promise.all([inApi, inFile]);
    checkAlive(serve);
    if (api === undefined) r.apiTimeouts++;
    else r.editApiMs.push(api);
    if (probe !== null) {
      if (file === undefined) r.fileTimeouts++;
      else r.editFileMs.push(file);
    }
    if (r.editApiMs.length === 0 && r.apiTimeouts >= 5) {
      r.errors.push(`edits: none of the first ${r.apiTimeouts} edits showed up in /api/entries; gave up`);
      break;
    }
    await sleep(50);
  }
  o.log(`[${o.scope} ${o.engine}] ${r.editApiMs.length + r.apiTimeouts} live edits measured (${r.apiTimeouts} API and ${r.fileTimeouts} file timeouts)`);
}

async function measureBurst(o: ServeBenchOptions, serve: ServeHandle, r: ServeBenchResult): Promise<void> {
  const before = Number(field(await waitIdle(serve, o.syncTimeoutMs), 'counts', 'entries'));
  if (!Number.isFinite(before)) throw new Error('/api/status has no numeric counts.entries');
  const expected = before + o.burst;
  const dir = path.join(o.journal, `burst-${Date.now().toString(36)}`);
  const wallStart = Date.now();
  const t0 = performance.now();
  // Synchronous writes: the fastest way to land 1,000 files, and nothing else needs the loop.
  mkdirSync(dir);
  for (let i = 0; i < o.burst; i++) {
    writeFileSync(path.join(dir, `burst ${String(i).padStart(4, '0')}.md`),
      `---\ntitle: Burst note ${i}\ntags: [bench, burst]\n---\nA note written in a burst, number ${i}. #bench/burst\n`);
  }
  r.burstWriteMs = performance.now() - t0;
  const done = await pollUntil(async () => {
    const n = Number(field(await status(serve.url), 'counts', 'entries'));
    return n >= expected ? performance.now() - t0 : undefined;
  }, 10, BURST_TIMEOUT_MS, serve.exited);
  checkAlive(serve);
  if (done === undefined) {
    r.errors.push(`burst: counts.entries did not reach ${expected} within ${BURST_TIMEOUT_MS} ms`);
    return;
  }
  r.burstMs = done;
  await waitIdle(serve, o.syncTimeoutMs);
  const runs = field((await getJson(`${serve.url}api/runs?limit=100`, REQUEST_TIMEOUT_MS)).body, 'runs');
  if (Array.isArray(runs)) {
    r.burstRuns = runs.filter((run: unknown) => {
      const started = Date.parse(String(field(run, 'startedAt') ?? field(run, 'started_at')));
      return field(run, 'trigger') === 'watch' && started >= wallStart;
    }).length;
  }
  o.log(`[${o.scope} ${o.engine}] burst of ${o.burst}: ${Math.round(done)} ms (writing ${Math.round(r.burstWriteMs)} ms), ${r.burstRuns ?? '?'} watch runs`);
}

/** Common words of the generated journals (each in about 40 % of the notes), searched one after another on the idle index. */
async function measureSearch(o: ServeBenchOptions, serve: ServeHandle, r: ServeBenchResult): Promise<void> {
  await waitIdle(serve, o.syncTimeoutMs);
  await sleep(1000);
  for (const word of WORDS.slice(0, 60)) {
    const t0 = performance.now();
    const res = await getJson(`${serve.url}api/entries?q=${encodeURIComponent(word)}&limit=20`, REQUEST_TIMEOUT_MS);
    if (res.status === 200) r.searchMs.push(performance.now() - t0);
  }
  o.log(`[${o.scope} ${o.engine}] ${r.searchMs.length} searches on the idle index`);
}

/** Serve on the synced database: live edits, burst, searches, steady RSS, shutdown. */
async function liveSession(o: ServeBenchOptions, r: ServeBenchResult): Promise<void> {
  const serve = await startServe(o.cli, o.journal, o.syncedDb, o.engine, o.syncTimeoutMs);
  let probe: SqliteProbe | null = null;
  try {
    probe = await startSqliteProbe(o.syncedDb);
    r.fileProbe = probe !== null ? 'ok' : 'unavailable';
    await measureAutosave(o, serve, r);
    if (o.autosaveOnly) return;
    await waitIdle(serve, o.syncTimeoutMs);
    await measureEdits(o, serve, probe, r);
    await measureBurst(o, serve, r);
    await measureSearch(o, serve, r);
    await waitIdle(serve, o.syncTimeoutMs);
    await sleep(3000);
    const samples: number[] = [];
    for (let i = 0; i < 3; i++) {
      const { rss, hwm } = await procRss(serve.pid);
      if (rss !== null) samples.push(rss);
      r.peakRssKiB = hwm;
      await sleep(500);
    }
    r.steadyRssKiB = samples.length > 0 ? (samples[samples.length - 1] as number) : null;
  } finally {
    probe?.close();
    const crashed = serve.exited();
    const stopped = await serve.stop(5000);
    r.stopMs = stopped.killed || crashed ? null : stopped.ms;
    if (stopped.killed) r.errors.push('serve did not exit within 5 s of SIGTERM (killed)');
  }
}

/** Serve on a fresh database: hammer /api/status sequentially until the startup sync is done. */
async function startupSession(o: ServeBenchOptions, r: ServeBenchResult): Promise<void> {
  await rm(o.freshDbDir, { recursive: true, force: true });
  await mkdir(o.freshDbDir, { recursive: true });
  const expected = (await listMarkdown(o.journal)).length;
  const started = performance.now();
  const serve = await startServe(o.cli, o.journal, path.join(o.freshDbDir, 'index.sqlite'), o.engine, o.syncTimeoutMs);
  try {
    const deadline = performance.now() + o.syncTimeoutMs;
    while (performance.now() < deadline) {
      checkAlive(serve);
      let body: unknown;
      const t = performance.now();
      try {
        const res = await getJson(`${serve.url}api/status`, REQUEST_TIMEOUT_MS);
        body = res.body;
        const state = field(body, 'state');
        if (state !== 'idle') {
          r.startupSawSync = true;
          // 'starting' is the watcher being set up (chokidar's initial walk), before the
          // startup sync begins: reported on its own row.
          (state === 'starting' ? r.setupStatusMs : r.startupStatusMs).push(res.ms);
          continue;
        }
      } catch {
        r.startupSawSync = true;
        r.startupStatusMs.push(performance.now() - t); // a failed or timed-out request is a slow one
        continue;
      }
      if (r.startupSawSync || Number(field(body, 'counts', 'entries')) >= expected) {
        r.startupIdleMs = performance.now() - started;
        break;
      }
      await sleep(5);
    }
    if (r.startupIdleMs === null) r.errors.push(`startup sync not idle within ${o.syncTimeoutMs} ms`);
    o.log(`[${o.scope} ${o.engine}] startup sync with ${r.startupStatusMs.length} /api/status samples, idle after ${Math.round(r.startupIdleMs ?? NaN)} ms`);
  } finally {
    await serve.stop(5000);
  }
}

/**
 * Issue 16's load on a fresh database: CLIENTS clients asking once a second each (the first
 * SEARCHERS searching, the others on /api/status) during the startup sync, then while
 * BURST new files arrive at once.
 */
async function loadSession(o: ServeBenchOptions, r: ServeBenchResult): Promise<void> {
  if (!o.load) return;
  await rm(o.freshDbDir, { recursive: true, force: true });
  await mkdir(o.freshDbDir, { recursive: true });
  const expected = (await listMarkdown(o.journal)).length;
  const serve = await startServe(o.cli, o.journal, path.join(o.freshDbDir, 'index.sqlite'), o.engine, o.syncTimeoutMs);
  const opts = { url: serve.url, clients: o.load.clients, searchers: o.load.searchers, periodMs: 1000, thinkMs: 0, requestTimeoutMs: 30_000 };
  try {
    r.loadStartup = await loadPhase('startup sync', opts, statusUntil(serve.url, (s) => s.state === 'idle' && s.counts.entries >= expected, o.syncTimeoutMs));
    const burst = o.load.burst;
    const done = (async () => {
      await writeBurst(serve.url, o.journal, burst, `load-${Date.now().toString(36)}`);
      await statusUntil(serve.url, (s) => s.state === 'idle' && s.counts.entries >= expected + burst, o.syncTimeoutMs);
    })();
    r.loadBurst = await loadPhase(`burst of ${burst}`, opts, done);
    o.log(`[${o.scope} ${o.engine}] ${o.load.clients} clients: startup ${Math.round(r.loadStartup.durationMs)} ms, burst ${Math.round(r.loadBurst.durationMs)} ms, ${r.loadStartup.errors + r.loadBurst.errors} errors`);
  } finally {
    await serve.stop(5000);
  }
}

/** serve on the index already built: /api/status asked one request after another from the start until the startup sync is over. */
async function builtSession(o: ServeBenchOptions, r: ServeBenchResult): Promise<void> {
  const started = performance.now();
  const serve = await startServe(o.cli, o.journal, o.syncedDb, o.engine, o.syncTimeoutMs);
  try {
    const deadline = performance.now() + o.syncTimeoutMs;
    while (performance.now() < deadline) {
      checkAlive(serve);
      const res = await getJson(`${serve.url}api/status`, REQUEST_TIMEOUT_MS).catch(() => null);
      r.builtStatusMs.push(res?.ms ?? REQUEST_TIMEOUT_MS);
      if (res && field(res.body, 'state') === 'idle') {
        r.builtIdleMs = performance.now() - started;
        break;
      }
    }
    o.log(`[${o.scope} ${o.engine}] serve on the built index: idle after ${Math.round(r.builtIdleMs ?? NaN)} ms, ${r.builtStatusMs.length} /api/status samples`);
  } finally {
    await serve.stop(5000);
  }
}

export async function runServeBench(o: ServeBenchOptions): Promise<ServeBenchResult> {
  const r: ServeBenchResult = {
    autosaveEdits: 0, autosaveBytes: null, autosaveSettledBytes: null, autosaveWchar: null, autosaveSettledWchar: null, walAfterBytes: null,
    searchMs: [], builtStatusMs: [], builtIdleMs: null, loadStartup: null, loadBurst: null,
    heldMs: [], heldTimeouts: 0, heldReader: 'not run',
    editApiMs: [], editFileMs: [], apiTimeouts: 0, fileTimeouts: 0, fileProbe: 'not run',
    burstMs: null, burstWriteMs: null, burstRuns: null, steadyRssKiB: null, peakRssKiB: null, stopMs: null,
    startupStatusMs: [], setupStatusMs: [], startupIdleMs: null, startupSawSync: false, errors: [],
  };
  try {
    await builtSession(o, r);
  } catch (err) {
    r.errors.push(`built-index session: ${err instanceof Error ? err.message : String(err)}`);
  }
  if (o.builtOnly) return r;
  try {
    await liveSession(o, r);
  } catch (err) {
    r.errors.push(`live session: ${err instanceof Error ? err.message : String(err)}`);
  }
  if (o.autosaveOnly) return r;
  try {
    await startupSession(o, r);
  } catch (err) {
    r.errors.push(`startup session: ${err instanceof Error ? err.message : String(err)}`);
  }
  try {
    await loadSession(o, r);
  } catch (err) {
    r.errors.push(`load session: ${err instanceof Error ? err.message : String(err)}`);
  }
  return r;
}
