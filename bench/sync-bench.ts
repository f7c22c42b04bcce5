/** Cold sync vs the naive rebuild (interleaved pairs), then no-op and one-edit re-syncs. */
import { appendFile, mkdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { runMeasured } from './measure.js';
import type { RunResult } from './measure.js';
import { createRng } from './prng.js';

export interface Sample {
  ms: number;
  rssKiB: number | null;
}

export interface SyncBenchOptions {
  scope: string;
  /** The storage engine, passed as `--engine` (SPEC §3). */
  engine: string;
  journal: string;
  /** Markdown files of the journal (absolute), to pick edits from. */
  files: readonly string[];
  /** A folder of its own for the databases (outside the journal). */
  dbDir: string;
  /** dist/src/cli.js, or null when inkdex is not built. */
  cli: string | null;
  naiveScript: string;
  pairs: number;
  timeoutMs: number;
  seed: number;
  log(message: string): void;
}

export interface SyncBenchResult {
  naive: Sample[];
  cold: Sample[];
  noop: Sample[];
  oneEdit: Sample[];
  /** The inkdex database, synced with the journal, when the inkdex runs succeeded. */
  inkdexDb: string | null;
  /** The JSON summary printed by the first cold sync. */
  summary: unknown;
  /** Why the inkdex part stopped, if it did. */
  error: string | null;
}

function lastLine(text: string): string {
  return text.trim().split('\n').slice(-1)[0] ?? '';
}

function failure(what: string, r: RunResult, timeoutMs: number): string | null {
  if (r.timedOut) return `${what} timed out after ${timeoutMs} ms`;
  if (r.exitCode !== 0) return `${what} exited ${r.exitCode ?? 'abnormally'}: ${lastLine(r.stderr) || lastLine(r.stdout)}`;
  return null;
}

function parseSummary(stdout: string): unknown {
  for (const line of stdout.trim().split('\n').reverse()) {
    try {
      return JSON.parse(line);
    } catch {
      // not the JSON line
    }
  }
  return null;
}

const fmt = (s: Sample): string => `${(s.ms / 1000).toFixed(2)} s, ${s.rssKiB === null ? '?' : Math.round(s.rssKiB / 1024)} MiB`;

export async function runSyncBench(o: SyncBenchOptions): Promise<SyncBenchResult> {
  const result: SyncBenchResult = { naive: [], cold: [], noop: [], oneEdit: [], inkdexDb: null, summary: null, error: null };
  if (o.cli === null) result.error = 'inkdex CLI not available';
  const naiveOut = path.join(o.dbDir, 'naive.sqlite');
  const inkdexDir = path.join(o.dbDir, `inkdex-${o.engine}`);
  const db = path.join(inkdexDir, 'index.sqlite');
  await mkdir(o.dbDir, { recursive: true });
  const sync = (): Promise<RunResult> =>
    runMeasured(process.execPath, [o.cli as string, 'sync', o.journal, '--db', db, '--engine', o.engine, '--json'], { timeoutMs: o.timeoutMs });

  for (let i = 1; i <= o.pairs; i++) {
    await rm(naiveOut, { force: true });
    const n = await runMeasured(process.execPath, [o.naiveScript, o.journal, naiveOut], { timeoutMs: o.timeoutMs });
    const naiveError = failure('naive', n, o.timeoutMs);
    if (naiveError) throw new Error(naiveError);
    result.naive.push({ ms: n.wallMs, rssKiB: n.peakRssKiB });
    let line = `[${o.scope} ${o.engine}] cold pair ${i}/${o.pairs}: naive ${fmt({ ms: n.wallMs, rssKiB: n.peakRssKiB })}`;
    if (result.error === null) {
      await rm(inkdexDir, { recursive: true, force: true }); // the db and its lock/temp files
      await mkdir(inkdexDir, { recursive: true });
      const r = await sync();
      result.error = failure('inkdex sync (cold)', r, o.timeoutMs);
      if (result.error === null) {
        result.cold.push({ ms: r.wallMs, rssKiB: r.peakRssKiB });
        if (i === 1) result.summary = parseSummary(r.stdout);
        line += ` | inkdex ${fmt({ ms: r.wallMs, rssKiB: r.peakRssKiB })}`;
      }
    }
    o.log(line);
  }
  if (result.error !== null) return result;

  for (let i = 1; i <= o.pairs && result.error === null; i++) {
    const r = await sync();
    result.error = failure('inkdex sync (no-op)', r, o.timeoutMs);
    if (result.error === null) result.noop.push({ ms: r.wallMs, rssKiB: r.peakRssKiB });
  }
  o.log(`[${o.scope} ${o.engine}] no-op re-sync: ${result.noop.map(fmt).join('; ')}`);

  const rng = createRng(o.seed + 101);
  for (let i = 1; i <= o.pairs && result.error === null; i++) {
    const file = rng.pick(o.files);
    await appendFile(file, `\nbench one-edit ${i} zqonedit${i}x${Date.now().toString(36)}\n`);
    const r = await sync();
    result.error = failure('inkdex sync (one edit)', r, o.timeoutMs);
    if (result.error === null) result.oneEdit.push({ ms: r.wallMs, rssKiB: r.peakRssKiB });
  }
  o.log(`[${o.scope} ${o.engine}] one-edit re-sync: ${result.oneEdit.map(fmt).join('; ')}`);
  if (result.error === null) result.inkdexDb = db;
  return result;
}
