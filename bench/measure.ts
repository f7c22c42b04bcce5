/** Running a child process for its wall time and peak RSS; statistics; the results table. */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { killGroup, track } from './children.js';

export interface RunResult {
  wallMs: number;
  /** Peak resident set size in KiB, or null when it could not be measured. */
  peakRssKiB: number | null;
  exitCode: number | null;
  timedOut: boolean;
  stdout: string;
  stderr: string;
}

export interface RunOptions {
  timeoutMs: number;
  cwd?: string;
  env?: NodeJS.ProcessEnv;
}

const TIME_BIN = '/usr/bin/time';
const TIME_MARKER = '\tCommand being timed:';
const OUTPUT_LIMIT = 4 * 1024 * 1024;

let gnuTime: boolean | undefined;
let wrapperFile: string | undefined;

function hasGnuTime(): boolean {
  // INKDEX_BENCH_NO_TIME=1 forces the fallback, to test it on machines that have GNU time.
  if (gnuTime === undefined) gnuTime = existsSync(TIME_BIN) && process.platform === 'linux' && !process.env.INKDEX_BENCH_NO_TIME;
  return gnuTime;
}

/** A preload module that writes the process's maxRSS (KiB) to $BENCH_RSS_FILE at exit. */
function rssWrapper(): string {
  if (wrapperFile === undefined) {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'inkdex-bench-'));
    wrapperFile = path.join(dir, 'rss-wrapper.mjs');
    writeFileSync(wrapperFile, [
      "import { writeFileSync } from 'node:fs';",
      "process.on('exit', () => {",
      '  const file = process.env.BENCH_RSS_FILE;',
      '  if (file) writeFileSync(file, String(process.resourceUsage().maxRSS));',
      '});',
      '',
    ].join('\n'));
    process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
  }
  return wrapperFile;
}

function isNode(command: string): boolean {
  return command === process.execPath || path.basename(command) === 'node';
}

/** Runs `command args` to completion (or kills it at the timeout) and measures it. */
export async function runMeasured(command: string, args: readonly string[], options: RunOptions): Promise<RunResult> {
  let argv: string[];
  let rssFile: string | undefined;
  const env = { ...process.env, ...options.env };
  if (hasGnuTime()) {
    argv = [TIME_BIN, '-v', command, ...args];
  } else if (isNode(command)) {
    rssFile = path.join(path.dirname(rssWrapper()), `rss-${process.pid}-${Date.now()}-${Math.random().toString(36).slice(2)}`);
    env.BENCH_RSS_FILE = rssFile;
    argv = [command, '--import', pathToFileURL(rssWrapper()).href, ...args];
  } else {
    argv = [command, ...args];
  }
  const started = performance.now();
  const child = track(spawn(argv[0] as string, argv.slice(1), {
    cwd: options.cwd, env, stdio: ['ignore', 'pipe', 'pipe'], detached: true,
  }));
  let stdout = '';
  let stderr = '';
  child.stdout?.setEncoding('utf8').on('data', (d: string) => { if (stdout.length < OUTPUT_LIMIT) stdout += d; });
  child.stderr?.setEncoding('utf8').on('data', (d: string) => { if (stderr.length < OUTPUT_LIMIT) stderr += d; });
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    killGroup(child, 'SIGKILL');
  }, options.timeoutMs);
  const exitCode = await new Promise<number | null>((resolve) => {
    child.once('error', () => resolve(null));
    child.once('close', (code) => resolve(code));
  }).finally(() => clearTimeout(timer));
  const wallMs = performance.now() - started;

  let peakRssKiB: number | null = null;
  if (argv[0] === TIME_BIN) {
    const at = stderr.lastIndexOf(TIME_MARKER);
    const report = at >= 0 ? stderr.slice(at) : '';
    const m = /Maximum resident set size \(kbytes\): (\d+)/.exec(report);
    if (m) peakRssKiB = Number(m[1]);
    if (at >= 0) stderr = stderr.slice(0, at).replace(/Command (exited with non-zero status \d+|terminated by signal \d+)\n$/, '');
  } else if (rssFile !== undefined && existsSync(rssFile)) {
    peakRssKiB = Number(readFileSync(rssFile, 'utf8')) || null;
    rmSync(rssFile, { force: true });
  }
  return { wallMs, peakRssKiB, exitCode, timedOut, stdout, stderr };
}

/** Linear-interpolated percentile (p in 0..100) of the values; NaN for none. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = values.slice().sort((a, b) => a - b);
  const rank = (p / 100) * (sorted.length - 1);
  const lo = Math.floor(rank);
  const hi = Math.ceil(rank);
  const a = sorted[lo] as number;
  const b = sorted[hi] as number;
  return lo === hi || a === b ? a : a + (b - a) * (rank - lo);
}

export function median(values: readonly number[]): number {
  return percentile(values, 50);
}

export function fmtMs(ms: number): string {
  if (ms === Infinity) return 'timeout';
  if (!Number.isFinite(ms)) return '—';
  return ms >= 1000 ? `${(ms / 1000).toFixed(2)} s` : `${ms.toFixed(ms < 10 ? 1 : 0)} ms`;
}

export function fmtMiB(kib: number | null): string {
  return kib === null || !Number.isFinite(kib) ? '—' : `${Math.round(kib / 1024)} MiB`;
}

export function fmtRatio(r: number): string {
  return Number.isFinite(r) ? `${r.toFixed(3)}×` : '—';
}

export type Status = 'met' | 'missed' | 'n/a' | '';

export interface Row {
  scope: string;
  /** The storage engine the row was measured with; none for rows about neither. */
  engine?: string;
  metric: string;
  value: string;
  target: string;
  status: Status;
}

/** `met`/`missed` when there is a target and a value, else '' or 'n/a'. */
export function judge(value: number | null, limit: number | null): Status {
  if (limit === null) return '';
  if (value === null || Number.isNaN(value)) return 'n/a';
  return value <= limit ? 'met' : 'missed';
}

function cell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\n/g, ' ');
}

/** A markdown table with a target and a met/missed column. */
export function markdownTable(rows: readonly Row[]): string {
  return grid(['size', 'metric', 'value', 'target', 'met/missed'], rows.map((r) => [r.scope, r.metric, r.value, r.target, r.status]));
}

/**
 * The engines side by side: one line per size and metric, a value, target and met/missed
 * column per engine. Rows without an engine fill the first engine's columns.
 */
export function sideBySideTable(rows: readonly Row[], engines: readonly string[]): string {
  const lines: Array<{ scope: string; metric: string; cells: Map<string, Row> }> = [];
  const byKey = new Map<string, (typeof lines)[number]>();
  for (const r of rows) {
    const engine = r.engine ?? engines[0] ?? '';
    // A second row with the same metric for the same engine (e.g. two errors) gets a line of its own.
    let key = `${r.scope}\u0000${r.metric}`;
    for (let n = 2; byKey.get(key)?.cells.has(engine); n++) key = `${r.scope}\u0000${r.metric}\u0000${n}`;
    let line = byKey.get(key);
    if (line === undefined) {
      line = { scope: r.scope, metric: r.metric, cells: new Map() };
      lines.push(line);
      byKey.set(key, line);
    }
    line.cells.set(engine, r);
  }
  const header = ['size', 'metric', ...engines.flatMap((e) => [e, 'target', 'met/missed'])];
  return grid(header, lines.map((l) => [l.scope, l.metric, ...engines.flatMap((e) => {
    const r = l.cells.get(e);
    return r === undefined ? ['', '', ''] : [r.value, r.target, r.status];
  })]));
}

function grid(header: readonly string[], rows: ReadonlyArray<readonly string[]>): string {
  const body = rows.map((r) => r.map(cell));
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((b) => (b[i] as string).length)));
  const line = (cells: readonly string[]): string => `| ${cells.map((c, i) => c.padEnd(widths[i] as number)).join(' | ')} |`;
  return [line(header), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...body.map(line)].join('\n') + '\n';
}
