/**
 * Helpers for tests of a running `inkdex serve`: start it, wait for its URL, call its API.
 */
import path from 'node:path';
import { startCli, tmpDir, waitFor, type RunOptions, type StartedCli } from './helpers.js';

export interface Served {
  cli: StartedCli;
  url: string;
  db: string;
  /** GET (or other method) a JSON route; throws on a non-2xx answer unless `allowError`. */
  api<T = any>(route: string, init?: RequestInit & { allowError?: boolean }): Promise<T>;
  /** Resolves once the server is idle after at least `minRuns` runs of this process. */
  idle(minRuns?: number): Promise<void>;
}

/** Starts `inkdex serve JOURNAL --port 0` with its index in a temp folder (`opts`: the child's env, or another user for permission tests). */
export async function startServe(
  journal: string,
  extra: string[] = [],
  db = path.join(tmpDir('inkdex-db-'), 'index.sqlite'),
  opts: Omit<RunOptions, 'timeoutMs'> = {},
): Promise<Served> {
  const cli = startCli(['serve', journal, '--port', '0', '--db', db, ...extra], opts);
  const url = await waitFor(() => /http:\/\/[^\s]+\//.exec(cli.stdout)?.[0] ?? (cli.child.exitCode !== null ? Promise.reject(new Error(cli.stderr)) : null), {
    timeoutMs: 20_000,
    message: 'serve to print its URL',
  });
  const api = async <T>(route: string, init: RequestInit & { allowError?: boolean } = {}): Promise<T> => {
    const res = await fetchRetryingStaleSocket(url + route.replace(/^\//, ''), init);
    const body = (await res.json()) as T;
    if (!res.ok && !init.allowError) throw new Error(`${route}: ${res.status} ${JSON.stringify(body)}`);
    return body;
  };
  const served: Served = {
    cli,
    url,
    db,
    api,
    async idle(minRuns = 1) {
      await waitFor(
        async () => {
          const s = await api<{ state: string; lastRun: { id: number } | null }>('/api/status');
          const runs = await api<{ runs: Array<{ status: string }> }>('/api/runs?limit=1000');
          return s.state === 'idle' && runs.runs.length >= minRuns && runs.runs.every((r) => r.status !== 'running');
        },
        { timeoutMs: 30_000, message: 'serve to be idle' },
      );
    },
  };
  return served;
}

export interface EntryInfo {
  id: number;
  path: string;
  title: string;
}

/** All entries via the API (paged). */
export async function allEntries(s: Served): Promise<EntryInfo[]> {
  const out: EntryInfo[] = [];
  for (let offset = 0; ; offset += 500) {
    const page = await s.api<{ total: number; entries: EntryInfo[] }>(`/api/entries?limit=500&offset=${offset}`);
    out.push(...page.entries);
    if (out.length >= page.total || page.entries.length === 0) return out;
  }
}

/** The entry at `path` via the API, or undefined. */
export async function entryAt(s: Served, p: string): Promise<EntryInfo | undefined> {
  return (await allEntries(s)).find((e) => e.path === p);
}

/**
 * fetch, retrying a GET once when the keep-alive socket it reused was closed by the server
 * at that very moment (serve closes sockets idle for 5 s; on a loaded machine the client's
 * own expiry can run late) — what a browser does for an idempotent request.
 */
async function fetchRetryingStaleSocket(url: string, init: RequestInit): Promise<Response> {
  try {
    return await fetch(url, init);
  } catch (err) {
    const cause = (err as { cause?: { code?: string } }).cause;
    if ((init.method ?? 'GET') !== 'GET' || cause?.code !== 'UND_ERR_SOCKET') throw err;
    return fetch(url, init);
  }
}
