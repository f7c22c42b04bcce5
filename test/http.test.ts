/**
 * The HTTP server of a real `inkdex serve` child process (SPEC §1 signals, §4, §4.3):
 * shutdown with event streams open, many event-stream clients, the pushed status after
 * an index write, answers Node's parser gives before hono (431/400), and a flood of
 * half-open connections under a real descriptor limit.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { CLI, cleanup, makeJournal, tmpDir, waitFor, writeFile } from './helpers.js';
import { openEvents, parseRaw, rawRequest } from './http-helpers.js';
import { startServe, type Served } from './serve-helpers.js';

afterEach(() => cleanup.run());

const note = (title: string, body = 'some words here'): string => `---\ntitle: ${title}\n---\n${body}\n`;

async function served(files: Record<string, string> = { 'a.md': note('A') }, extra: string[] = []): Promise<{ root: string; s: Served }> {
  const root = makeJournal(files);
  const s = await startServe(root, extra);
  await s.idle();
  return { root, s };
}

describe('shutdown', () => {
  it('exits 0 within 2 s of SIGTERM with event-stream clients connected', { timeout: 60_000 }, async () => {
    const { s } = await served();
    const clients = await Promise.all(Array.from({ length: 3 }, () => openEvents(s.url)));
    for (const c of clients) await c.until(/event: status/);
    const t0 = Date.now();
    const exit = await s.cli.stop('SIGTERM', 5000);
    const took = Date.now() - t0;
    expect(exit.code).toBe(0);
    expect(took).toBeLessThan(2000);
    expect(s.cli.stderr).not.toMatch(/took too long/);
    expect(fs.existsSync(`${s.db}.lock`)).toBe(false);
    await Promise.all(clients.map((c) => c.ended));
  });
});

describe('event stream', () => {
  it('serves 30 clients without a MaxListenersExceededWarning, each seeing the run', { timeout: 60_000 }, async () => {
    const { s } = await served();
    const clients = await Promise.all(Array.from({ length: 30 }, () => openEvents(s.url)));
    for (const c of clients) await c.until(/event: status/);
    const { run } = await s.api<{ run: { id: number } }>('/api/resync', { method: 'POST' });
    for (const c of clients) await c.until(new RegExp(`event: run-finished\\ndata: \\{"id":${run.id},`));
    for (const c of clients) c.close();
    await s.idle();
    expect(s.cli.stderr).not.toMatch(/MaxListenersExceeded|memory leak/i);
  });

  it('pushes a status whose db.lastWriteAt and sizeBytes follow the index write of a run', { timeout: 60_000 }, async () => {
    const { root, s } = await served();
    const client = await openEvents(s.url);
    await client.until(/event: status/);
    const sizeBefore = await waitFor(() => fs.statSync(s.db, { throwIfNoEntry: false })?.size, { message: 'the index file written' });
    // A big note grows the index file: the pushed size must change with it.
    writeFile(root, 'big.md', note('Big', 'lorem ipsum dolor sit amet '.repeat(20_000)));
    await client.until(/event: run-finished\ndata: .*"added":1/);
    const finished = client.events('run-finished').find((r) => r.added === 1);
    const fresh = await waitFor(
      () => client.events('status').find((st) => st.db.lastWriteAt !== null && st.db.lastWriteAt >= finished.finishedAt),
      { timeoutMs: 15_000, intervalMs: 20, message: 'a status pushed after the index write' },
    );
    expect(fresh.engine).toMatch(/^(native|wasm)$/);
    expect(fresh.counts.entries).toBe(2);
    expect(fresh.db.sizeBytes).toBeGreaterThan(sizeBefore);
    await waitFor(async () => (await s.api<{ db: { sizeBytes: number } }>('/api/status')).db.sizeBytes === fresh.db.sizeBytes, { message: '/api/status to agree' });
    client.close();
  });
});

describe('answers before hono: Node parser errors', () => {
  it('answers an oversized URL or headers with 431 and a JSON body, a malformed request with 400', { timeout: 60_000 }, async () => {
    const { s } = await served();
    const host = new URL(s.url).host;
    for (const request of [
      `GET /api/entries?q=${'a'.repeat(20_000)} HTTP/1.1\r\nHost: ${host}\r\n\r\n`,
      `GET /api/status HTTP/1.1\r\nHost: ${host}\r\nX-Filler: ${'b'.repeat(20_000)}\r\n\r\n`,
      `GET /api/status HTTP/1.1\r\nHost: ${host}\r\n${Array.from({ length: 200 }, (_, i) => `X-H${i}: ${'v'.repeat(100)}`).join('\r\n')}\r\n\r\n`,
    ]) {
      const answer = parseRaw(await rawRequest(s.url, request));
      expect(answer.status, request.slice(0, 60)).toBe(431);
      expect(answer.headers['content-type']).toMatch(/application\/json/);
      expect(JSON.parse(answer.body).error).toMatch(/over \d+ bytes/);
      expect(answer.headers['x-frame-options']).toBe('DENY');
      expect(answer.headers['content-security-policy']).toContain("frame-ancestors 'none'");
      expect(answer.headers['x-content-type-options']).toBe('nosniff');
    }
    for (const request of ['NOT HTTP AT ALL\r\n\r\n', `GET /api/status HTTP/1.1\r\nHost: ${host}\r\nContent-Length: x\r\n\r\n`]) {
      const answer = parseRaw(await rawRequest(s.url, request));
      expect(answer.status).toBe(400);
      expect(JSON.parse(answer.body)).toHaveProperty('error');
      expect(answer.headers['x-content-type-options']).toBe('nosniff');
    }
    expect((await s.api<{ state: string }>('/api/status')).state).toBe('idle');
  });
});

describe('connections under a real descriptor limit', () => {
  it('1,100 half-open connections against ulimit -n 1024 starve neither the API nor the indexer', { timeout: 120_000 }, async () => {
    const root = makeJournal({ 'a.md': note('A'), 'b/c.md': note('C') });
    const db = path.join(tmpDir('inkdex-db-'), 'index.sqlite');
    const child = spawn('bash', ['-c', 'ulimit -n 1024; exec "$0" "$@"', process.execPath, CLI, 'serve', root, '--port', '0', '--db', db], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, NO_COLOR: '1', INKDEX_HOST: undefined, INKDEX_PORT: undefined, INKDEX_TOKEN: undefined, INKDEX_DB: undefined } as NodeJS.ProcessEnv,
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
    cleanup.add(async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await exited;
    });
    const url = await waitFor(() => /http:\/\/[^\s]+\//.exec(stdout)?.[0] ?? (child.exitCode !== null ? Promise.reject(new Error(stderr)) : null), {
      timeoutMs: 20_000,
      message: 'serve to print its URL',
    });
    const api = async <T>(route: string): Promise<T> => (await (await fetch(url + route)).json()) as T;
    await waitFor(async () => (await api<{ state: string }>('api/status')).state === 'idle', { timeoutMs: 30_000, message: 'idle' });
    expect(fs.readFileSync(`/proc/${child.pid}/limits`, 'utf8')).toMatch(/^Max open files\s+1024\s/m);

    // The flood: each socket sends half a request line and holds.
    const { port } = new URL(url);
    const sockets: net.Socket[] = [];
    let closedByServer = 0;
    cleanup.add(() => sockets.forEach((sk) => sk.destroy()));
    await Promise.all(
      Array.from(
        { length: 1100 },
        () =>
          new Promise<void>((resolve) => {
            const sk = net.connect(Number(port), '127.0.0.1');
            sockets.push(sk);
            sk.on('error', () => undefined);
            sk.on('close', () => closedByServer++);
            sk.on('connect', () => {
              sk.write('GET /api/status HT');
              resolve();
            });
            sk.on('close', () => resolve());
          }),
      ),
    );
    const fds = fs.readdirSync(`/proc/${child.pid}/fd`).length;
    expect(fds).toBeLessThan(600);

    // A fresh request still gets through, promptly.
    const t0 = Date.now();
    const status = await api<{ state: string; health: string }>('api/status');
    expect(status.state).toBe('idle');
    expect(Date.now() - t0).toBeLessThan(2000);
    // The indexer still has the descriptors it needs: a new note gets indexed.
    writeFile(root, 'during-flood.md', note('During flood'));
    await waitFor(async () => (await api<{ total: number }>('api/entries?q=flood')).total === 1, { timeoutMs: 20_000, message: 'the new note indexed during the flood' });
    expect(closedByServer).toBeGreaterThan(0);

    // After the flood: healthy again, watcher up, nothing logged about descriptors.
    sockets.forEach((sk) => sk.destroy());
    await waitFor(async () => (await api<{ health: string; watcher: { state: string } }>('api/status')).health === 'healthy', {
      timeoutMs: 20_000,
      message: 'health back to healthy',
    });
    expect((await api<{ watcher: { state: string } }>('api/status')).watcher.state).toBe('watching');
    expect(stderr).not.toMatch(/EMFILE|ENFILE|too many open files/i);
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
  });
});
