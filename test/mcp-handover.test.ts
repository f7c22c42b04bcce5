/**
 * Who keeps the index when `inkdex mcp` runs (SPEC §5.1): alone it keeps it itself (a
 * startup sync and the watcher); `sync` is still refused while it does; a `serve` started
 * under it gets the lock within 2 s and the mcp goes on reading; when that serve exits, the
 * reading mcp takes the lock back within 2 s; an mcp that ends leaves the lock free and
 * the index complete. Answers follow an edit whoever keeps the index.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { cleanup, makeJournal, query, runCli, startCli, waitFor, writeFile } from './helpers.js';
import { gone, startMcp, type StartedMcp } from './mcp-helpers.js';
import { startServe } from './serve-helpers.js';

afterEach(async () => {
  await cleanup.run();
});

function lockOf(db: string): { pid: number; command: string } | null {
  try {
    return JSON.parse(fs.readFileSync(`${db}.lock`, 'utf8')) as { pid: number; command: string };
  } catch {
    return null;
  }
}

/** Resolves once `mcp` finds a note holding `word`; returns how long that took. */
async function answerable(mcp: StartedMcp, word: string, timeoutMs = 10_000): Promise<number> {
  const start = Date.now();
  await waitFor(async () => (await mcp.call('search', { query: word })).total > 0, { timeoutMs, intervalMs: 20, message: `"${word}" to be found over MCP` });
  return Date.now() - start;
}

describe.each(['native', 'wasm'])('inkdex mcp (%s engine)', (engine) => {
  it('alone, keeps the index itself: builds it, follows edits, refuses sync meanwhile, and leaves the lock free and the index whole', { timeout: 60_000 }, async () => {
    const dir = makeJournal({ 'a.md': '# A\nalpha words\n', 'people/b.md': '# B\nbravo\n' });
    const db = path.join(dir, '.inkdex', 'index.sqlite');
    const mcp = await startMcp([dir, '--engine', engine]);
    await answerable(mcp, 'alpha');
    expect(lockOf(db)).toMatchObject({ pid: mcp.pid, command: 'inkdex mcp' });
    expect(await mcp.call('journal_status')).toMatchObject({ engine, mcp: { role: 'keeping', keptBy: { pid: mcp.pid, command: 'inkdex mcp' } } });

    writeFile(dir, 'c.md', '# C\ncharlie is new\n');
    expect(await answerable(mcp, 'charlie')).toBeLessThan(3000);

    const sync = await runCli(['sync', dir], { timeoutMs: 20_000 });
    expect(sync.code).toBe(1);
    expect(sync.stderr).toMatch(new RegExp(`locked by inkdex process ${mcp.pid} .*inkdex mcp`));

    const pid = mcp.pid;
    await mcp.close();
    expect(await gone(pid, 5000)).toBeLessThan(2000);
    expect(fs.existsSync(`${db}.lock`)).toBe(false);
    expect(query(db, 'SELECT path FROM entries ORDER BY path').map((r) => r.path)).toEqual(['a.md', 'c.md', 'people/b.md']);
    expect(mcp.stderr).toMatch(/keeping the index/);
  });

  it('hands the index over to a serve started under it within 2 s, reads from then on, and takes it back when serve exits', { timeout: 60_000 }, async () => {
    const dir = makeJournal({ 'a.md': '# A\nalpha\n' });
    const db = path.join(dir, '.inkdex', 'index.sqlite');
    const mcp = await startMcp([dir, '--engine', engine]);
    await answerable(mcp, 'alpha');
    expect(lockOf(db)?.pid).toBe(mcp.pid);

    const started = Date.now();
    const serve = await startServe(dir, ['--engine', engine], db);
    await waitFor(() => lockOf(db)?.pid === serve.cli.child.pid, { timeoutMs: 10_000, intervalMs: 10, message: 'serve to hold the lock' });
    expect(Date.now() - started).toBeLessThan(2000);
    expect(serve.cli.stderr).not.toMatch(/locked/);
    await serve.idle();
    await waitFor(async () => (await mcp.call('journal_status')).mcp.role === 'reading', { timeoutMs: 5000, message: 'the mcp to read' });
    expect((await mcp.call('journal_status')).mcp.keptBy).toEqual({ pid: serve.cli.child.pid, command: 'inkdex serve' });
    expect(mcp.stderr).toMatch(/handing it over/);

    // serve keeps the index: the reading mcp follows its writes.
    writeFile(dir, 'b.md', '# B\nbravo from serve\n');
    expect(await answerable(mcp, 'bravo')).toBeLessThan(3000);

    const stopped = Date.now();
    await serve.cli.stop();
    await waitFor(() => lockOf(db)?.pid === mcp.pid, { timeoutMs: 10_000, intervalMs: 10, message: 'the mcp to take the lock back' });
    expect(Date.now() - stopped).toBeLessThan(2000);
    writeFile(dir, 'c.md', '# C\ncharlie after serve\n');
    expect(await answerable(mcp, 'charlie')).toBeLessThan(3000);
    expect((await mcp.call('journal_status')).mcp.role).toBe('keeping');
  });

  it('beside a serve that was there first: reads, never takes the lock, and a second serve is still refused', { timeout: 60_000 }, async () => {
    const dir = makeJournal({ 'a.md': '# A\nalpha\n' });
    const db = path.join(dir, '.inkdex', 'index.sqlite');
    const serve = await startServe(dir, ['--engine', engine], db);
    await serve.idle();
    const mcp = await startMcp([dir, '--engine', engine]);
    expect((await mcp.call('search', { query: 'alpha' })).total).toBe(1);
    expect((await mcp.call('journal_status')).mcp).toEqual({ role: 'reading', keptBy: { pid: serve.cli.child.pid, command: 'inkdex serve' } });
    const second = startCli(['serve', dir, '--port', '0', '--db', db, '--engine', engine]);
    const exited = await second.exited;
    expect(exited.code).toBe(1);
    expect(second.stderr).toMatch(/locked by inkdex process/);
    const pid = mcp.pid;
    await mcp.close();
    await gone(pid, 5000);
    expect(lockOf(db)?.pid).toBe(serve.cli.child.pid);
    // serve still keeps the index.
    writeFile(dir, 'b.md', '# B\nbravo\n');
    await waitFor(async () => (await serve.api<{ total: number }>('/api/entries?q=bravo')).total === 1, { timeoutMs: 10_000, message: 'serve to index the edit' });
  });
});
