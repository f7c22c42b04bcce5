/** Starting and stopping `inkdex serve` as a child process. */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { killGroup, track } from './children.js';

export interface ServeHandle {
  pid: number;
  /** Base URL ending in `/`, e.g. http://127.0.0.1:41234/ */
  url: string;
  /** Milliseconds from spawn to the URL line. */
  readyMs: number;
  /** True once the server process has exited. */
  exited(): boolean;
  /** The last few KiB of the server's stderr, for error messages. */
  stderrTail(): string;
  /** SIGTERM, then SIGKILL after `graceMs`; resolves with the time it took to exit. */
  stop(graceMs?: number): Promise<{ ms: number; exitCode: number | null; killed: boolean }>;
}

const TAIL = 4096;
const URL_RE = /http:\/\/([^\s/]+)\//;

function exited(child: ChildProcess): Promise<number | null> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(child.exitCode);
  return new Promise((resolve) => child.once('exit', (code) => resolve(code)));
}

/** Spawns `node CLI serve DIR --db DB --engine ENGINE --port 0` on loopback and waits for its URL line. */
export async function startServe(cli: string, dir: string, db: string, engine: string, timeoutMs: number): Promise<ServeHandle> {
  const started = performance.now();
  const child = track(spawn(process.execPath, [
    cli, 'serve', dir, '--db', db, '--engine', engine, '--host', '127.0.0.1', '--port', '0', '--reconcile-every', '0',
  ], { stdio: ['ignore', 'pipe', 'pipe'], detached: true }));
  let tail = '';
  child.stderr?.setEncoding('utf8').on('data', (d: string) => { tail = (tail + d).slice(-TAIL); });
  const stderrTail = (): string => tail.trim();

  const url = await new Promise<string>((resolve, reject) => {
    let buffered = '';
    const timer = setTimeout(() => fail(new Error(`serve printed no URL within ${timeoutMs} ms`)), timeoutMs);
    let settled = false;
    const fail = (err: Error): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      killGroup(child, 'SIGKILL');
      reject(new Error(`${err.message}${tail ? `; stderr: ${stderrTail().split('\n').slice(-3).join(' / ')}` : ''}`));
    };
    const onExit = (code: number | null, signal: NodeJS.Signals | null): void =>
      fail(new Error(`serve exited (${signal ?? code}) before printing its URL`));
    child.once('error', (err) => fail(err));
    child.once('exit', onExit);
    child.stdout?.setEncoding('utf8').on('data', (d: string) => {
      buffered += d;
      const m = URL_RE.exec(buffered);
      if (m && !settled) {
        settled = true;
        clearTimeout(timer);
        child.off('exit', onExit);
        const host = (m[1] as string).replace(/^0\.0\.0\.0(?=:)/, '127.0.0.1');
        resolve(`http://${host}/`);
      }
      if (buffered.length > 65536) buffered = buffered.slice(-4096);
    });
  });
  // Keep draining stdout so the child never blocks on a full pipe.
  child.stdout?.resume();
  const readyMs = performance.now() - started;

  const stop = async (graceMs = 5000): Promise<{ ms: number; exitCode: number | null; killed: boolean }> => {
    const t0 = performance.now();
    const done = exited(child);
    try {
      child.kill('SIGTERM');
    } catch {
      // already gone
    }
    let killed = false;
    const timer = new Promise<'timeout'>((resolve) => setTimeout(() => resolve('timeout'), graceMs).unref());
    if ((await Promise.race([done, timer])) === 'timeout') {
      killed = true;
      killGroup(child, 'SIGKILL');
    }
    const exitCode = await done;
    const ms = performance.now() - t0;
    return { ms, exitCode, killed };
  };
  const hasExited = (): boolean => child.exitCode !== null || child.signalCode !== null;
  return { pid: child.pid ?? -1, url, readyMs, exited: hasExited, stderrTail, stop };
}
