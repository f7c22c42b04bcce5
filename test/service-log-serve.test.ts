/**
 * `inkdex serve` as a service: the log it keeps on stderr (a line per run that did
 * something, per health change; quiet for no-op runs unless --verbose) and the URL it
 * prints with --token.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { cleanup, makeJournal, waitFor } from './helpers.js';
import { startServe, type Served } from './serve-helpers.js';

afterEach(() => cleanup.run());

/** inkdex's log lines on stderr, without a notice about the storage engine. */
function logLines(s: Served): string[] {
  return s.cli.stderr.split('\n').filter((l) => l.startsWith('inkdex: ') && !/engine|wasm|native/i.test(l));
}

async function runCount(s: Served): Promise<number> {
  const { runs } = await s.api<{ runs: Array<{ status: string }> }>('/api/runs?limit=1000');
  return runs.every((r) => r.status !== 'running') ? runs.length : -1;
}

async function waitForLine(s: Served, pattern: RegExp): Promise<string> {
  return waitFor(() => logLines(s).find((l) => pattern.test(l)) ?? null, { timeoutMs: 20_000, message: `a log line matching ${pattern}` });
}

it('logs runs that changed something and health changes, and nothing for a no-op run', { timeout: 90_000 }, async () => {
  const journal = makeJournal({ 'a.md': '# A\n', 'b.md': '# B\n' });
  const s = await startServe(journal);
  await waitForLine(s, /^inkdex: startup sync of 2 files: 2 added, 0 errors in \d/);

  fs.writeFileSync(path.join(journal, 'a.md'), '# A\nmore\n');
  await waitForLine(s, /^inkdex: watch sync: 1 updated, 0 errors in \d/);

  fs.writeFileSync(path.join(journal, 'bad.md'), Buffer.from([0x23, 0x20, 0xff, 0xfe, 0x0a]));
  await waitForLine(s, /^inkdex: watch sync: no changes, 1 error in \d/);
  await waitForLine(s, /^inkdex: health degraded: 1 file has problems$/);

  // The same bytes written again: a run that changes nothing, and says nothing.
  await s.idle();
  const before = await runCount(s);
  const linesBefore = logLines(s);
  fs.writeFileSync(path.join(journal, 'b.md'), '# B\n');
  await waitFor(async () => (await runCount(s)) > before, { timeoutMs: 20_000, message: 'the no-op run' });
  expect(logLines(s)).toEqual(linesBefore);

  fs.writeFileSync(path.join(journal, 'bad.md'), '# fixed\n');
  await waitForLine(s, /^inkdex: watch sync: 1 added, 0 errors in \d/);
  await waitForLine(s, /^inkdex: health back to healthy$/);
  expect(logLines(s).filter((l) => l.startsWith('inkdex: health'))).toEqual(['inkdex: health degraded: 1 file has problems', 'inkdex: health back to healthy']);

  expect(await s.cli.stop('SIGTERM', 5000)).toEqual({ code: 0, signal: null });
});

it('logs no-op runs too with --verbose', { timeout: 60_000 }, async () => {
  const journal = makeJournal({ 'a.md': '# A\n' });
  const s = await startServe(journal, ['--verbose']);
  await waitForLine(s, /^inkdex: startup sync of 1 file: 1 added/);
  await s.idle();
  fs.writeFileSync(path.join(journal, 'a.md'), '# A\n');
  await waitForLine(s, /^inkdex: watch sync: no changes, 0 errors in \d/);
});

it('prints a URL that carries the --token, so that it can be clicked', { timeout: 60_000 }, async () => {
  const journal = makeJournal({ 'a.md': '# A\n' });
  const s = await startServe(journal, ['--token', 's3cret/x y']);
  const line = await waitFor(() => /http:\/\/\S+/.exec(s.cli.stdout)?.[0] ?? null, { timeoutMs: 20_000 });
  expect(line).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/\?token=s3cret%2Fx%20y$/);
  const url = new URL(line);
  expect(url.searchParams.get('token')).toBe('s3cret/x y');
  const status = await fetch(new URL(`/api/status${url.search}`, url));
  expect(status.status).toBe(200);
  expect((await fetch(new URL('/api/status', url))).status).toBe(401);
});
