/**
 * Shared test helpers: temp folders that clean themselves up, the built CLI as a child
 * process, an independent SQLite reader (Python's sqlite3) and condition polling.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root (the folder holding package.json). */
export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
/** The built CLI (`npm run build` / `npx tsc -p tsconfig.json` makes it). */
export const CLI = path.join(REPO_ROOT, 'dist', 'src', 'cli.js');

// ---- cleanup -------------------------------------------------------------------------

type CleanupFn = () => void | Promise<void>;
const pending: CleanupFn[] = [];

/**
 * A registry of things to undo after each test: temp folders, child processes.
 * Call `cleanup.run()` in `afterEach` (newest registered first).
 */
export const cleanup = {
  add(fn: CleanupFn): void {
    pending.push(fn);
  },
  async run(): Promise<void> {
    const errors: unknown[] = [];
    while (pending.length > 0) {
      const fn = pending.pop()!;
      try {
        await fn();
      } catch (err) {
        errors.push(err);
      }
    }
    if (errors.length > 0) throw errors[0];
  },
};

/** Removes a folder even where a test left it (or a subfolder) without permissions. */
export function removeDir(dir: string): void {
  if (!fs.existsSync(dir)) return;
  try {
    fs.rmSync(dir, { recursive: true, force: true });
  } catch {
    restorePermissions(dir);
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

function restorePermissions(dir: string): void {
  try {
    fs.chmodSync(dir, 0o755);
  } catch {
    return;
  }
  let names: fs.Dirent[];
  try {
    names = fs.readdirSync(dir, { withFileTypes: true });
  } catch {
    return;
  }
  for (const d of names) if (d.isDirectory()) restorePermissions(path.join(dir, d.name));
}

/** A fresh temp folder, removed by `cleanup.run()`. */
export function tmpDir(prefix = 'inkdex-test-'): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  cleanup.add(() => removeDir(dir));
  return dir;
}

// ---- journals ----------------------------------------------------------------------

/** Writes `content` at `root/rel`, creating folders. Returns the absolute path. */
export function writeFile(root: string, rel: string, content: string | Buffer): string {
  const file = path.join(root, ...rel.split('/'));
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, content);
  return file;
}

/** A temp journal folder holding `files` (relative POSIX path → content). */
export function makeJournal(files: Record<string, string | Buffer> = {}, prefix = 'inkdex-journal-'): string {
  const root = tmpDir(prefix);
  for (const [rel, content] of Object.entries(files)) writeFile(root, rel, content);
  return root;
}

/** Gives a folder and everything in it to `uid`/`gid` (needs root). */
export function chownTree(root: string, uid: number, gid: number): void {
  fs.chownSync(root, uid, gid);
  for (const d of fs.readdirSync(root, { withFileTypes: true })) {
    const p = path.join(root, d.name);
    if (d.isDirectory()) chownTree(p, uid, gid);
    else fs.lchownSync(p, uid, gid);
  }
}

/** Sets a file's mtime (and atime) to `ms` since the epoch. */
export function setMtime(file: string, ms: number): void {
  const t = new Date(ms);
  fs.utimesSync(file, t, t);
}

// ---- the CLI ------------------------------------------------------------------------

export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export interface RunOptions {
  cwd?: string;
  /** Merged over `process.env` (an `undefined` value removes a variable). */
  env?: Record<string, string | undefined>;
  /** The child is killed (SIGKILL) after this long; default 30 s. */
  timeoutMs?: number;
  /** Run as this user/group (needs root): lets permission tests run when the suite is root. */
  uid?: number;
  gid?: number;
}

function childEnv(extra: Record<string, string | undefined> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: '1' };
  // Tests must not pick up the developer's own settings.
  for (const k of ['INKDEX_DB', 'INKDEX_HOST', 'INKDEX_PORT', 'INKDEX_TOKEN']) delete env[k];
  for (const [k, v] of Object.entries(extra)) {
    if (v === undefined) delete env[k];
    else env[k] = v;
  }
  return env;
}

/** Runs the built CLI to completion. */
export function runCli(args: string[], opts: RunOptions = {}): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], {
      cwd: opts.cwd ?? REPO_ROOT,
      env: childEnv(opts.env),
      stdio: ['ignore', 'pipe', 'pipe'],
      ...(opts.uid !== undefined ? { uid: opts.uid } : {}),
      ...(opts.gid !== undefined ? { gid: opts.gid } : {}),
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const timeoutMs = opts.timeoutMs ?? 30_000;
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, timeoutMs);
    child.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      if (timedOut) stderr += `\n[test helper] inkdex ${args.join(' ')} killed after ${timeoutMs} ms\n`;
      resolve({ code, signal, stdout, stderr });
    });
  });
}

export interface StartedCli {
  child: ChildProcess;
  /** Everything written so far. */
  readonly stdout: string;
  readonly stderr: string;
  /** Resolves when the process has exited. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Sends a signal (default SIGTERM) and waits for the exit, SIGKILL after `timeoutMs`. */
  stop(signal?: NodeJS.Signals, timeoutMs?: number): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/**
 * Starts the built CLI without waiting for it (for `serve`). It is stopped by
 * `cleanup.run()` if the test does not stop it itself.
 */
export function startCli(args: string[], opts: Omit<RunOptions, 'timeoutMs'> = {}): StartedCli {
  const child = spawn(process.execPath, [CLI, ...args], {
    cwd: opts.cwd ?? REPO_ROOT,
    env: childEnv(opts.env),
    stdio: ['ignore', 'pipe', 'pipe'],
    ...(opts.uid !== undefined ? { uid: opts.uid } : {}),
    ...(opts.gid !== undefined ? { gid: opts.gid } : {}),
  });
  let stdout = '';
  let stderr = '';
  child.stdout!.setEncoding('utf8').on('data', (d: string) => (stdout += d));
  child.stderr!.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  let stopping = false;
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.on('close', (code, signal) => {
      // A process that ends before it is asked to: say why (its stderr), for the failure that follows.
      if (!stopping && process.env.INKDEX_TEST_DEBUG) process.stderr.write(`[test helper] inkdex ${args.join(' ')} exited by itself (${code ?? signal}):\n${stderr}\n`);
      resolve({ code, signal });
    });
  });
  const stop = async (signal: NodeJS.Signals = 'SIGTERM', timeoutMs = 5000): Promise<{ code: number | null; signal: NodeJS.Signals | null }> => {
    stopping = true;
    if (child.exitCode === null && child.signalCode === null) child.kill(signal);
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    try {
      return await exited;
    } finally {
      clearTimeout(timer);
    }
  };
  cleanup.add(async () => {
    await stop('SIGKILL', 1000);
  });
  return {
    child,
    get stdout() {
      return stdout;
    },
    get stderr() {
      return stderr;
    },
    exited,
    stop,
  };
}

/**
 * Starts a process that does nothing for a minute (a live pid); killed by `cleanup.run()`.
 * By default a Node process; `['sleep', '60']` gives one that is not Node at all.
 */
export function spawnIdleProcess(command: readonly string[] = [process.execPath, '-e', 'setTimeout(() => {}, 60000)']): ChildProcess {
  const child = spawn(command[0]!, command.slice(1), { stdio: 'ignore' });
  cleanup.add(
    () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        child.once('close', () => resolve());
        child.kill('SIGKILL');
      }),
  );
  return child;
}

/** What `inkdex sync --json` prints (SPEC §1). */
export interface SyncSummary {
  id: number;
  trigger: string;
  kind: string;
  status: string;
  scanned: number;
  added: number;
  updated: number;
  unchanged: number;
  moved: number;
  removed: number;
  errors: number;
  message: string | null;
  journal: string;
  db: string;
}

/** Parses the one JSON object `inkdex sync --json` prints. */
export function parseJsonLine<T = Record<string, unknown>>(stdout: string): T {
  const lines = stdout.split('\n').filter((l) => l.trim() !== '');
  if (lines.length !== 1) throw new Error(`expected one line of JSON on stdout, got ${lines.length}:\n${stdout}`);
  return JSON.parse(lines[0]!) as T;
}

// ---- reading the index with an independent SQLite ---------------------------------

const PY_QUERY = `
import json, sys, sqlite3
req = json.load(sys.stdin)
path = req['db'].replace('%', '%25').replace('?', '%3F').replace('#', '%23')
con = sqlite3.connect('file:' + path + '?mode=ro', uri=True)
def rows(sql, params):
    cur = con.execute(sql, params)
    cols = [d[0] for d in (cur.description or [])]
    out = []
    for row in cur.fetchall():
        obj = {}
        for c, v in zip(cols, row):
            obj[c] = {'$bytes': v.hex()} if isinstance(v, bytes) else v
        out.append(obj)
    return out
try:
    json.dump([rows(q['sql'], q['params']) for q in req['queries']], sys.stdout, ensure_ascii=False)
finally:
    con.close()
`;

/** One statement for `queryBatch`: SQL, or SQL with its parameters. */
export type BatchQuery = string | readonly [sql: string, params: unknown[]];

/**
 * Runs several read-only statements against `dbFile` in one Python process (one start-up
 * instead of many), returning each one's rows under the same key.
 */
export function queryBatch<K extends string>(dbFile: string, queries: Record<K, BatchQuery>): Record<K, Array<Record<string, unknown>>> {
  const keys = Object.keys(queries) as K[];
  const list = keys.map((k) => {
    const q = queries[k];
    return typeof q === 'string' ? { sql: q, params: [] } : { sql: q[0], params: q[1] };
  });
  const res = spawnSync('python3', ['-I', '-S', '-c', PY_QUERY], {
    input: JSON.stringify({ db: path.resolve(dbFile), queries: list }),
    encoding: 'utf8',
    maxBuffer: 256 * 1024 * 1024,
    timeout: 30_000,
  });
  if (res.error) throw res.error;
  if (res.status !== 0) throw new Error(`python3 sqlite3 query failed (${res.status}): ${res.stderr.trim()}\nSQL: ${list.map((q) => q.sql).join('\n')}`);
  const results = JSON.parse(res.stdout) as Array<Array<Record<string, unknown>>>;
  return Object.fromEntries(keys.map((k, i) => [k, results[i]!])) as Record<K, Array<Record<string, unknown>>>;
}

/**
 * Runs one SQL statement against `dbFile` with Python's sqlite3, read-only (a reader
 * independent of sql.js), and returns the rows as objects keyed by column name (BLOBs
 * come back as `{$bytes: hex}`).
 */
export function query<T = Record<string, unknown>>(dbFile: string, sql: string, params: unknown[] = []): T[] {
  return queryBatch(dbFile, { q: [sql, params] }).q as T[];
}

/** Runs SQL that writes (several statements allowed) on `dbFile` with Python's sqlite3. */
export function execSql(dbFile: string, sql: string): void {
  const res = spawnSync(
    'python3',
    ['-I', '-S', '-c', 'import json,sys,sqlite3\nreq=json.load(sys.stdin)\ncon=sqlite3.connect(req["db"])\ncon.executescript(req["sql"])\ncon.commit()\ncon.close()'],
    { input: JSON.stringify({ db: path.resolve(dbFile), sql }), encoding: 'utf8', timeout: 30_000 },
  );
  if (res.error) throw res.error;
  if (res.status !== 0) throw new Error(`python3 sqlite3 exec failed (${res.status}): ${res.stderr.trim()}\nSQL: ${sql}`);
}

/** The one value of a one-row, one-column query. */
export function scalar<T = unknown>(dbFile: string, sql: string, params: unknown[] = []): T {
  const rows = query<Record<string, unknown>>(dbFile, sql, params);
  const first = rows[0];
  if (!first) throw new Error(`no row from: ${sql}`);
  return Object.values(first)[0] as T;
}

// ---- waiting ----------------------------------------------------------------------

export interface WaitOptions {
  timeoutMs?: number;
  intervalMs?: number;
  /** Said in the error when the condition never holds. */
  message?: string;
}

/**
 * Polls `predicate` until it returns a truthy value (which is returned) or the time runs
 * out. Exceptions thrown by the predicate count as "not yet"; the last one is reported.
 */
export async function waitFor<T>(predicate: () => T | Promise<T>, opts: WaitOptions = {}): Promise<NonNullable<T>> {
  const timeoutMs = opts.timeoutMs ?? 10_000;
  const intervalMs = opts.intervalMs ?? 50;
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await predicate();
      if (value) return value as NonNullable<T>;
    } catch (err) {
      lastError = err;
    }
    if (Date.now() >= deadline) {
      const why = lastError instanceof Error ? ` (last error: ${lastError.message})` : '';
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${opts.message ?? 'a condition'}${why}`);
    }
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}

/** Lists every file under `root` (relative POSIX paths), not following symlinks. */
export function walkFiles(root: string): string[] {
  const out: string[] = [];
  const stack = [''];
  while (stack.length > 0) {
    const dir = stack.pop()!;
    for (const d of fs.readdirSync(path.join(root, dir), { withFileTypes: true })) {
      const rel = dir === '' ? d.name : `${dir}/${d.name}`;
      if (d.isDirectory()) stack.push(rel);
      else if (d.isFile()) out.push(rel);
    }
  }
  return out.sort();
}
