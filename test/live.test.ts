/**
 * The live path never misses a change (issue 10; SPEC §3 "Watcher events are hints"):
 * regression tests on a real `serve --reconcile-every 0` child process — with the periodic
 * reconcile off, only the watcher path can make the index follow the folder.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { cleanup, makeJournal, query, tmpDir, waitFor, writeFile } from './helpers.js';
import { allEntries, startServe, type Served } from './serve-helpers.js';

afterEach(() => cleanup.run());

const note = (title: string, body = 'Some words here.'): string => `---\ntitle: ${title}\n---\n${body}\n`;
const NO_RECONCILE = ['--reconcile-every', '0'];

interface Status {
  state: string;
  health: string;
  healthReasons: string[];
  watcher: { state: string; files: number; dirs: number };
  counts: { entries: number };
}

async function started(root: string): Promise<Served> {
  const s = await startServe(root, NO_RECONCILE);
  await s.idle();
  return s;
}

async function paths(s: Served): Promise<string[]> {
  return (await allEntries(s)).map((e) => e.path).sort();
}

/** Waits until the API lists exactly `expected` (sorted) and the server is idle. */
async function waitForPaths(s: Served, expected: string[], timeoutMs = 20_000): Promise<void> {
  const want = [...expected].sort();
  let last: string[] = [];
  await waitFor(
    async () => {
      last = await paths(s);
      const st = await s.api<Status>('/api/status');
      return st.state === 'idle' && JSON.stringify(last) === JSON.stringify(want);
    },
    { timeoutMs, intervalMs: 100, message: `the index to list ${want.length} paths (last: ${JSON.stringify(last.slice(0, 20))}…)` },
  ).catch((err: Error) => {
    const missing = want.filter((p) => !last.includes(p));
    const extra = last.filter((p) => !want.includes(p));
    throw new Error(`${err.message}\nmissing: ${JSON.stringify(missing.slice(0, 20))}\nextra: ${JSON.stringify(extra.slice(0, 20))}`);
  });
}

async function health(s: Served): Promise<Status> {
  return s.api<Status>('/api/status');
}

describe('live path (serve --reconcile-every 0)', () => {
  it('indexes every file of a burst of 1,000 new files into 10 new folders', { timeout: 90_000 }, async () => {
    const root = makeJournal({ 'seed.md': note('Seed') });
    const s = await started(root);
    const expected = ['seed.md'];
    for (let i = 0; i < 1000; i++) {
      const rel = `f${i % 10}/n${String(i).padStart(4, '0')}.md`;
      writeFile(root, rel, note(`N${i}`, `burst ${i}`));
      expected.push(rel);
    }
    await waitForPaths(s, expected, 60_000);
  });

  it('indexes a burst into 1,000 new nested folders within seconds', { timeout: 90_000 }, async () => {
    const root = makeJournal({ 'seed.md': note('Seed') });
    const s = await started(root);
    const expected = ['seed.md'];
    for (let i = 0; i < 1000; i++) {
      const rel = `deep/d${i % 100}/e${i}/x.md`;
      writeFile(root, rel, note(`X${i}`));
      expected.push(rel);
    }
    const t0 = Date.now();
    await waitForPaths(s, expected, 60_000);
    expect(Date.now() - t0).toBeLessThan(30_000);
  });

  it('follows the journal folder renamed away and a new one made in its place', { timeout: 60_000 }, async () => {
    const parent = tmpDir('inkdex-parent-');
    const root = path.join(parent, 'journal');
    fs.mkdirSync(root);
    writeFile(root, 'a.md', note('A'));
    const s = await started(root);
    expect(await paths(s)).toEqual(['a.md']);

    fs.renameSync(root, path.join(parent, 'journal.old'));
    // While the folder is away the index cannot follow it: health says so, with a reason.
    const down = await waitFor(async () => {
      const st = await health(s);
      return st.health === 'unhealthy' ? st : null;
    }, { timeoutMs: 10_000, message: 'health to be unhealthy while the folder is away' });
    expect(down.watcher.state).toBe('down');
    expect(down.healthReasons.join(' ')).toMatch(/watcher is down.*journal folder is missing/);
    const hz = await s.api<{ status: string; reason?: string }>('/healthz', { allowError: true });
    expect(hz.status).toBe('unhealthy');

    fs.mkdirSync(root);
    writeFile(root, 'n.md', note('N'));
    await waitForPaths(s, ['n.md']);
    // An edit in the old folder (still the watched inode before the fix) is not the journal.
    writeFile(parent, 'journal.old/stale.md', note('Stale'));
    writeFile(root, 'm.md', note('M'));
    await waitForPaths(s, ['m.md', 'n.md']);
    await waitFor(async () => (await health(s)).health === 'healthy', { timeoutMs: 15_000, message: 'healthy again' });
  });

  it('follows the journal folder deleted and re-created, retrying while it is missing', { timeout: 60_000 }, async () => {
    const parent = tmpDir('inkdex-parent-');
    const root = path.join(parent, 'journal');
    fs.mkdirSync(root);
    writeFile(root, 'r.md', note('R'));
    writeFile(root, 'sub/s.md', note('S'));
    const s = await started(root);

    fs.rmSync(root, { recursive: true });
    await waitFor(async () => (await health(s)).watcher.state === 'down', { timeoutMs: 10_000, message: 'the watcher to be down' });
    expect((await health(s)).health).toBe('unhealthy');
    fs.mkdirSync(root);
    writeFile(root, 'n.md', 'x\n');
    await waitForPaths(s, ['n.md']);
    await waitFor(async () => (await health(s)).health === 'healthy', { timeoutMs: 15_000, message: 'healthy again' });
    writeFile(root, 'later/l.md', note('L'));
    await waitForPaths(s, ['later/l.md', 'n.md']);
  });

  it('follows the journal folder deleted and re-created at once', { timeout: 60_000 }, async () => {
    const parent = tmpDir('inkdex-parent-');
    const root = path.join(parent, 'journal');
    fs.mkdirSync(root);
    writeFile(root, 'r.md', note('R'));
    const s = await started(root);
    fs.rmSync(root, { recursive: true });
    fs.mkdirSync(root);
    writeFile(root, 'n.md', 'x\n');
    await waitForPaths(s, ['n.md']);
    writeFile(root, 'o.md', 'y\n');
    await waitForPaths(s, ['n.md', 'o.md']);
    await waitFor(async () => (await health(s)).health === 'healthy', { timeoutMs: 15_000, message: 'healthy again' });
  });

  it('follows a file replaced by a folder of the same name, and back', { timeout: 60_000 }, async () => {
    const root = makeJournal({ 'g.md': note('G'), 'k.md': note('K') });
    const s = await started(root);
    fs.rmSync(path.join(root, 'g.md'));
    fs.mkdirSync(path.join(root, 'g.md'));
    writeFile(root, 'g.md/in.md', note('In'));
    await waitForPaths(s, ['g.md/in.md', 'k.md']);
    // Still watched: an edit inside the new folder is seen.
    writeFile(root, 'g.md/two.md', note('Two'));
    await waitForPaths(s, ['g.md/in.md', 'g.md/two.md', 'k.md']);

    fs.rmSync(path.join(root, 'g.md'), { recursive: true });
    writeFile(root, 'g.md', note('G again'));
    await waitForPaths(s, ['g.md', 'k.md']);
    writeFile(root, 'g.md', note('G edited'));
    await waitFor(async () => (await allEntries(s)).find((e) => e.path === 'g.md')?.title === 'G edited', {
      timeoutMs: 15_000,
      message: 'the edit of the new g.md',
    });
  });

  it('follows a folder replaced by another folder of the same name', { timeout: 60_000 }, async () => {
    const root = makeJournal({ 'f/a.md': note('A'), 'k.md': note('K') });
    const s = await started(root);
    fs.renameSync(path.join(root, 'f'), path.join(root, 'f-old'));
    fs.mkdirSync(path.join(root, 'f'));
    writeFile(root, 'f/b.md', note('B'));
    await waitForPaths(s, ['f-old/a.md', 'f/b.md', 'k.md']);
    writeFile(root, 'f/c.md', note('C'));
    writeFile(root, 'f-old/d.md', note('D'));
    await waitForPaths(s, ['f-old/a.md', 'f-old/d.md', 'f/b.md', 'f/c.md', 'k.md']);
  });

  it('a folder delete records one run with its removals, and no empty run', { timeout: 60_000 }, async () => {
    const root = makeJournal({ 'keep.md': note('Keep'), 'old/a.md': note('A'), 'old/deep/b.md': note('B') });
    const s = await started(root);
    const before = (await s.api<{ runs: Array<{ id: number }> }>('/api/runs?limit=1')).runs[0]!.id;
    fs.rmSync(path.join(root, 'old'), { recursive: true });
    await waitForPaths(s, ['keep.md']);
    const runs = query<Record<string, number>>(s.db, 'SELECT * FROM sync_runs WHERE id > ?', [before]);
    expect(runs.length).toBeGreaterThan(0);
    for (const r of runs) expect(r.added! + r.updated! + r.moved! + r.removed! + r.errors!).toBeGreaterThan(0);
    expect(runs.reduce((n, r) => n + r.removed!, 0)).toBe(2);
  });

  it('indexes the second of two writes 30 ms apart, quickly', { timeout: 60_000 }, async () => {
    const root = makeJournal({ 'w.md': note('Start') });
    const s = await started(root);
    writeFile(root, 'w.md', note('First'));
    await new Promise((r) => setTimeout(r, 30)); // the scenario itself: two writes 30 ms apart
    writeFile(root, 'w.md', note('Second'));
    await waitFor(async () => (await allEntries(s)).find((e) => e.path === 'w.md')?.title === 'Second', {
      timeoutMs: 10_000,
      intervalMs: 20,
      message: 'the second write',
    });
    await s.idle();
    expect((await allEntries(s)).find((e) => e.path === 'w.md')?.title).toBe('Second');
  });
});
