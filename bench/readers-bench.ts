/**
 * The readers' targets (issue 18, SPEC §5) on a synced journal: `inkdex search WORD` as a
 * whole process; the first answer after `inkdex mcp` starts; an MCP `search` round trip;
 * a note written → answerable over MCP, with the mcp keeping the index and with serve
 * keeping it (the mcp reading beside it).
 */
import { mkdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { sleep } from './http.js';
import { fmtMs, judge, percentile, runMeasured } from './measure.js';
import type { Row } from './measure.js';
import { startServe } from './serve-process.js';

export interface ReadersBenchOptions {
  scope: string;
  engine: string;
  cli: string;
  journal: string;
  /** An index in step with the journal, no process holding it. */
  db: string;
  /** Upper bound for one full sync (an mcp's startup sync, serve's). */
  syncTimeoutMs: number;
  log(message: string): void;
}

export interface ReadersBenchResult {
  cliSearchMs: number[];
  firstAnswerMs: number[];
  mcpExitMs: number[];
  roundTripMs: number[];
  /** Note written → found by an MCP search, the mcp keeping the index. */
  writtenMcpKeepsMs: number[];
  /** The same with serve keeping it and the mcp reading beside it. */
  writtenServeKeepsMs: number[];
  errors: string[];
}

const CLI_RUNS = 15;
const STARTS = 5;
const ROUND_TRIPS = 200;
const WRITES = 20;
const WRITE_TIMEOUT_MS = 10_000;
/** Words the generated journals use (bench/vocabulary.ts), common and rare. */
const WORDS = ['coffee', 'chess', 'garden', 'deploy', 'river', 'grateful', 'migration', 'bakery', 'piano', 'standup'];

/** A connected MCP client on `inkdex mcp`; `ms` from spawn to connected. */
async function startMcp(o: ReadersBenchOptions): Promise<{ client: Client; transport: StdioClientTransport; pid: number }> {
  const transport = new StdioClientTransport({
    command: process.execPath,
    args: [o.cli, 'mcp', o.journal, '--db', o.db, '--engine', o.engine, '--reconcile-every', '0'],
    env: { ...(process.env as Record<string, string>) },
    stderr: 'ignore',
  });
  const client = new Client({ name: 'inkdex-bench', version: '1' });
  await client.connect(transport);
  return { client, transport, pid: transport.pid ?? -1 };
}

async function search(client: Client, query: string): Promise<number> {
  const r = await client.callTool({ name: 'search', arguments: { query, limit: 10 } }, undefined, { timeout: 10_000 });
  if (r.isError) throw new Error(`search failed: ${JSON.stringify(r.content).slice(0, 200)}`);
  return (r.structuredContent as { total: number }).total;
}

async function untilIdle(client: Client, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const r = await client.callTool({ name: 'journal_status', arguments: {} });
    if ((r.structuredContent as { state?: string } | undefined)?.state === 'idle') return;
    await sleep(50);
  }
  throw new Error(`the mcp's index was not idle within ${timeoutMs} ms`);
}

async function untilGone(pid: number, timeoutMs: number): Promise<number> {
  const start = performance.now();
  while (performance.now() - start < timeoutMs) {
    try {
      process.kill(pid, 0);
    } catch {
      return performance.now() - start;
    }
    await sleep(5);
  }
  return Infinity;
}

/** Writes WRITES notes one by one, each with a word of its own, and times each until `client` finds it. */
async function writtenToAnswerable(o: ReadersBenchOptions, client: Client, tag: string): Promise<number[]> {
  const folder = path.join(o.journal, `bench-readers-${tag}`);
  await mkdir(folder, { recursive: true });
  const times: number[] = [];
  for (let i = 0; i < WRITES; i++) {
    const word = `readerprobe${tag}${i}x`;
    const start = performance.now();
    await writeFile(path.join(folder, `${i}.md`), `# Probe ${i}\nA note with ${word} in it.\n`);
    let seen = Infinity;
    while (performance.now() - start < WRITE_TIMEOUT_MS) {
      if ((await search(client, word)) > 0) {
        seen = performance.now() - start;
        break;
      }
      await sleep(10);
    }
    times.push(seen);
    await sleep(300); // not a burst: one save at a time
  }
  await rm(folder, { recursive: true, force: true });
  return times;
}

export async function runReadersBench(o: ReadersBenchOptions): Promise<ReadersBenchResult> {
  const r: ReadersBenchResult = { cliSearchMs: [], firstAnswerMs: [], mcpExitMs: [], roundTripMs: [], writtenMcpKeepsMs: [], writtenServeKeepsMs: [], errors: [] };
  const step = async (name: string, fn: () => Promise<void>): Promise<void> => {
    try {
      await fn();
    } catch (err) {
      r.errors.push(`${name}: ${err instanceof Error ? err.message : String(err)}`);
    }
  };

  await step('inkdex search', async () => {
    o.log(`[${o.scope}/${o.engine}] inkdex search WORD × ${CLI_RUNS}`);
    for (let i = 0; i < CLI_RUNS; i++) {
      const run = await runMeasured(process.execPath, [o.cli, 'search', WORDS[i % WORDS.length]!, '--db', o.db, '--engine', o.engine], { timeoutMs: 30_000 });
      if (run.exitCode !== 0) throw new Error(`exit ${run.exitCode}: ${run.stderr.trim().slice(0, 200)}`);
      r.cliSearchMs.push(run.wallMs);
    }
  });

  await step('mcp first answer', async () => {
    o.log(`[${o.scope}/${o.engine}] inkdex mcp: first answer × ${STARTS}`);
    for (let i = 0; i < STARTS; i++) {
      const start = performance.now();
      const mcp = await startMcp(o);
      await search(mcp.client, WORDS[i % WORDS.length]!);
      r.firstAnswerMs.push(performance.now() - start);
      // Let its startup sync finish, so the next start finds the index settled.
      await untilIdle(mcp.client, o.syncTimeoutMs);
      const closing = mcp.client.close();
      r.mcpExitMs.push(await untilGone(mcp.pid, 5000));
      await closing;
    }
  });

  await step('mcp keeping', async () => {
    o.log(`[${o.scope}/${o.engine}] inkdex mcp keeping the index: ${ROUND_TRIPS} searches, ${WRITES} notes written`);
    const mcp = await startMcp(o);
    try {
      await untilIdle(mcp.client, o.syncTimeoutMs);
      for (let i = 0; i < ROUND_TRIPS; i++) {
        const start = performance.now();
        await search(mcp.client, WORDS[i % WORDS.length]!);
        r.roundTripMs.push(performance.now() - start);
      }
      r.writtenMcpKeepsMs = await writtenToAnswerable(o, mcp.client, 'mcp');
      await untilIdle(mcp.client, o.syncTimeoutMs);
    } finally {
      await mcp.client.close();
      await untilGone(mcp.pid, 5000);
    }
  });

  await step('serve keeping', async () => {
    o.log(`[${o.scope}/${o.engine}] serve keeping the index, inkdex mcp reading: ${WRITES} notes written`);
    const serve = await startServe(o.cli, o.journal, o.db, o.engine, o.syncTimeoutMs);
    try {
      const mcp = await startMcp(o);
      try {
        await untilIdle(mcp.client, o.syncTimeoutMs);
        r.writtenServeKeepsMs = await writtenToAnswerable(o, mcp.client, 'serve');
      } finally {
        await mcp.client.close();
      }
    } finally {
      await serve.stop();
    }
  });
  return r;
}

/** Issue 18's targets (10k notes, this machine). */
const TARGETS = { cliSearchMs: 300, firstAnswerMs: 1000, roundTripP95: 50, writtenP95: 1000, exitMs: 2000 };

export function readersRows(scope: string, engine: string, r: ReadersBenchResult): Row[] {
  const targeted = scope === '10k';
  const target = (ms: number): string => (targeted ? `≤ ${fmtMs(ms)}` : '');
  const status = (values: number[], p: number, limit: number): Row['status'] => (targeted ? judge(values.length ? percentile(values, p) : null, limit) : '');
  const dist = (values: number[]): string =>
    values.length === 0 ? 'not measured' : `${fmtMs(percentile(values, 95))} (p50 ${fmtMs(percentile(values, 50))}, max ${fmtMs(Math.max(...values))}, n=${values.length})`;
  const rows: Row[] = [
    { scope, metric: '`inkdex search WORD` whole process, p95', value: dist(r.cliSearchMs), target: target(TARGETS.cliSearchMs), status: status(r.cliSearchMs, 95, TARGETS.cliSearchMs) },
    { scope, metric: '`inkdex mcp` start → first search answered, max', value: r.firstAnswerMs.length ? `${fmtMs(Math.max(...r.firstAnswerMs))} (p50 ${fmtMs(percentile(r.firstAnswerMs, 50))}, n=${r.firstAnswerMs.length})` : 'not measured', target: target(TARGETS.firstAnswerMs), status: status(r.firstAnswerMs, 100, TARGETS.firstAnswerMs) },
    { scope, metric: 'MCP search round trip (stdio), p95', value: dist(r.roundTripMs), target: target(TARGETS.roundTripP95), status: status(r.roundTripMs, 95, TARGETS.roundTripP95) },
    { scope, metric: 'note written → answerable over MCP, mcp keeping, p95', value: dist(r.writtenMcpKeepsMs), target: target(TARGETS.writtenP95), status: status(r.writtenMcpKeepsMs, 95, TARGETS.writtenP95) },
    { scope, metric: 'note written → answerable over MCP, serve keeping, p95', value: dist(r.writtenServeKeepsMs), target: target(TARGETS.writtenP95), status: status(r.writtenServeKeepsMs, 95, TARGETS.writtenP95) },
    { scope, metric: '`inkdex mcp` stdin closed → exit, max', value: r.mcpExitMs.length ? fmtMs(Math.max(...r.mcpExitMs)) : 'not measured', target: `≤ ${fmtMs(TARGETS.exitMs)}`, status: judge(r.mcpExitMs.length ? Math.max(...r.mcpExitMs) : null, TARGETS.exitMs) },
  ];
  for (const e of r.errors) rows.push({ scope, metric: 'readers error', value: e, target: '', status: '' });
  return rows.map((row) => ({ ...row, engine }));
}
