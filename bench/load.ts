/**
 * The load test, on demand: `npm run load -- [--notes 10000] [--clients 200] [--burst 1000]
 * [--think-ms 50] [--period-ms 1000 --searchers 50]`. A fresh `inkdex serve` on a
 * generated journal; CLIENTS concurrent clients ask for /api/status and /api/entries?q=
 * (each in turn, a pause of THINK ms between requests; or, with --period-ms, each client
 * once per period, the first SEARCHERS searching and the others asking for the status —
 * issue 16's "200 clients at one request a second, 150 on status, 50 searching") while
 * the startup sync indexes NOTES notes, then while a burst of BURST new files is indexed.
 * Prints p50/p95/p99/max per phase and route, the 503s (with Retry-After) past capacity,
 * and the errors (there must be none); writes the same to bench/.cache/load-last.md.
 * Exit 1 on any error.
 */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { killAll } from './children.js';
import { generateJournal } from './generate.js';
import { loadPhase, PHASE_TABLE_HEAD, phaseRows, statusUntil, writeBurst, type LoadPhaseResult } from './load-driver.js';
import { startServe } from './serve-process.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const CLI = path.join(ROOT, 'dist', 'src', 'cli.js');

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      notes: { type: 'string', default: '10000' },
      clients: { type: 'string', default: '200' },
      burst: { type: 'string', default: '1000' },
      'think-ms': { type: 'string', default: '50' },
      'period-ms': { type: 'string' },
      searchers: { type: 'string', default: '0' },
      inkdex: { type: 'string', default: CLI },
      seed: { type: 'string', default: '1' },
    },
  });
  const notes = Number(values.notes);
  const clients = Number(values.clients);
  const burst = Number(values.burst);
  const thinkMs = Number(values['think-ms']);
  const periodMs = values['period-ms'] === undefined ? undefined : Number(values['period-ms']);
  const searchers = Number(values.searchers);
  const log = (line: string): void => void process.stderr.write(line + '\n');

  const scratch = await mkdtemp(path.join(os.tmpdir(), 'inkdex-load-'));
  const journal = path.join(scratch, 'journal');
  const db = path.join(scratch, 'db', 'index.sqlite');
  mkdirSync(path.dirname(db), { recursive: true });
  try {
    log(`generating ${notes} notes…`);
    await generateJournal(journal, notes, Number(values.seed));
    log(`starting serve; ${clients} clients (think ${thinkMs} ms)`);
    const serve = await startServe(path.resolve(values.inkdex!), journal, db, process.env.INKDEX_ENGINE === 'wasm' ? 'wasm' : 'native', 60_000);
    const opts = { url: serve.url, clients, thinkMs, requestTimeoutMs: 30_000, ...(periodMs !== undefined ? { periodMs, searchers } : {}) };
    const results: LoadPhaseResult[] = [];
    const startupDone = statusUntil(serve.url, (s) => s.state === 'idle' && s.counts.entries >= notes * 0.99, 600_000);
    results.push(await loadPhase(`startup sync (${notes} notes)`, opts, startupDone));
    log(`startup sync done in ${(results[0]!.durationMs / 1000).toFixed(1)} s`);
    const before = await (await fetch(serve.url + 'api/status')).json() as { counts: { entries: number } };
    const burstDone = (async () => {
      await writeBurst(serve.url, journal, burst);
      await statusUntil(serve.url, (s) => s.state === 'idle' && s.counts.entries >= before.counts.entries + burst, 180_000);
    })();
    results.push(await loadPhase(`burst (${burst} files)`, opts, burstDone));
    log(`burst indexed in ${(results[1]!.durationMs / 1000).toFixed(1)} s`);
    const stop = await serve.stop();

    const cpus = os.cpus();
    const load = os.loadavg().map((v) => v.toFixed(1)).join(' / ');
    const lines = [
      `# inkdex load test — ${new Date().toISOString()}`,
      '',
      `Machine: ${cpus.length} × ${cpus[0]?.model ?? 'cpu'}, ${Math.round(os.totalmem() / 2 ** 30)} GiB, Node ${process.version}, ${os.platform()} ${os.release()}`,
      `Load average at the end (1/5/15 min): ${load} — other work on the machine inflates the latencies.`,
      `Command: npm run load -- --notes ${notes} --clients ${clients} --burst ${burst} ${periodMs !== undefined ? `--period-ms ${periodMs} --searchers ${searchers}` : `--think-ms ${thinkMs}`}`,
      '',
      ...PHASE_TABLE_HEAD,
      ...results.flatMap(phaseRows),
      '',
      `Shutdown after the load: ${Math.round(stop.ms)} ms, exit code ${stop.exitCode}${stop.killed ? ' (killed)' : ''}.`,
      ...results.flatMap((r) => (r.errors > 0 ? [`Errors in ${r.phase}: ${r.errorSamples.join(' / ')}`] : [])),
    ];
    const text = lines.join('\n') + '\n';
    process.stdout.write(text);
    const cache = path.join(ROOT, 'bench', '.cache');
    if (!existsSync(cache)) mkdirSync(cache, { recursive: true });
    writeFileSync(path.join(cache, 'load-last.md'), text);
    return results.some((r) => r.errors > 0) || stop.exitCode !== 0 ? 1 : 0;
  } finally {
    killAll();
    await rm(scratch, { recursive: true, force: true });
  }
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    killAll();
    process.stderr.write(`load: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 1;
  },
);
