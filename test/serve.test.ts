/**
 * Live indexing (SPEC §1, §3; issue "inkdex serve"): a real `serve` child process on a
 * real temp folder, observed through its API and, at the end, through the SQLite file
 * read by Python.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { cleanup, makeJournal, query, runCli, scalar, spawnIdleProcess, startCli, tmpDir, waitFor, walkFiles, writeFile } from './helpers.js';
import { allEntries, entryAt, startServe, type Served } from './serve-helpers.js';

afterEach(() => cleanup.run());

const note = (title: string, body = 'Some words here.'): string => `---\ntitle: ${title}\n---\n${body}\n`;

interface Run {
  id: number;
  trigger: string;
  kind: string;
  status: string;
  added: number;
  updated: number;
  moved: number;
  removed: number;
  unchanged: number;
}
interface Event {
  kind: string;
  path: string;
  oldPath: string | null;
}

async function runsSince(s: Served, afterId: number): Promise<Run[]> {
  return (await s.api<{ runs: Run[] }>('/api/runs?limit=1000')).runs.filter((r) => r.id > afterId);
}

async function eventsSince(s: Served, afterId: number): Promise<Event[]> {
  const out: Event[] = [];
  for (const r of (await runsSince(s, afterId)).reverse()) out.push(...(await s.api<{ events: Event[] }>(`/api/runs/${r.id}`)).events);
  return out;
}

async function lastRunId(s: Served): Promise<number> {
  return (await s.api<{ runs: Run[] }>('/api/runs?limit=1')).runs[0]?.id ?? 0;
}

/** Waits until the API shows `p` with a title, returns the entry. */
async function waitForTitle(s: Served, p: string, title: string): Promise<{ id: number }> {
  return waitFor(async () => {
    const e = await entryAt(s, p);
    return e && e.title === title ? e : null;
  }, { timeoutMs: 15_000, message: `${p} to have title "${title}"` });
}

async function started(files: Record<string, string>, extra: string[] = []): Promise<{ root: string; s: Served }> {
  const root = makeJournal(files);
  const s = await startServe(root, extra);
  await s.idle();
  return { root, s };
}

describe('inkdex serve', () => {
  it('indexes at startup, then picks up a new file, an edit and a delete', { timeout: 60_000 }, async () => {
    const { root, s } = await started({ 'a.md': note('A') });
    expect((await s.api<{ lastRun: Run }>('/api/status')).lastRun).toMatchObject({ trigger: 'startup', kind: 'full', added: 1 });

    const before = await lastRunId(s);
    writeFile(root, 'b.md', note('B'));
    await waitForTitle(s, 'b.md', 'B');
    writeFile(root, 'b.md', note('B2'));
    await waitForTitle(s, 'b.md', 'B2');
    fs.rmSync(path.join(root, 'a.md'));
    await waitFor(async () => !(await entryAt(s, 'a.md')), { timeoutMs: 15_000, message: 'a.md removed' });

    const runs = await runsSince(s, before);
    expect(runs.every((r) => r.trigger === 'watch' && r.kind === 'incremental' && r.status === 'succeeded')).toBe(true);
    const kinds = (await eventsSince(s, before)).map((e) => `${e.kind} ${e.path}`);
    expect(kinds).toEqual(['added b.md', 'updated b.md', 'removed a.md']);
  });

  it('treats an atomic save (temp file renamed over the note) as one update', { timeout: 60_000 }, async () => {
    const { root, s } = await started({ 'n.md': note('Old') });
    const { id } = await waitForTitle(s, 'n.md', 'Old');
    const before = await lastRunId(s);
    writeFile(root, '.n.md.swp', 'vim swap');
    writeFile(root, 'n.md.tmp', note('New'));
    fs.renameSync(path.join(root, 'n.md.tmp'), path.join(root, 'n.md'));
    fs.rmSync(path.join(root, '.n.md.swp'));
    expect((await waitForTitle(s, 'n.md', 'New')).id).toBe(id);
    const events = await eventsSince(s, before);
    expect(events.map((e) => `${e.kind} ${e.path}`)).toEqual(['updated n.md']);
  });

  it('keeps the id across a rename, and across a folder rename', { timeout: 60_000 }, async () => {
    const files: Record<string, string> = { 'x.md': note('X') };
    for (let i = 0; i < 5; i++) files[`trip/day-${i}.md`] = note(`Day ${i}`, `day ${i} of the trip`);
    const { root, s } = await started(files);
    const ids = new Map((await allEntries(s)).map((e) => [e.path, e.id]));
    const before = await lastRunId(s);

    fs.renameSync(path.join(root, 'x.md'), path.join(root, 'y.md'));
    fs.renameSync(path.join(root, 'trip'), path.join(root, 'travel'));
    await waitFor(async () => {
      const now = await allEntries(s);
      return now.length === 6 && now.every((e) => e.path === 'y.md' || e.path.startsWith('travel/'));
    }, { timeoutMs: 15_000, message: 'renames indexed' });
    await waitFor(async () => (await s.api<{ state: string }>('/api/status')).state === 'idle');

    const after = new Map((await allEntries(s)).map((e) => [e.path, e.id]));
    expect(after.get('y.md')).toBe(ids.get('x.md'));
    for (let i = 0; i < 5; i++) expect(after.get(`travel/day-${i}.md`)).toBe(ids.get(`trip/day-${i}.md`));
    const events = await eventsSince(s, before);
    expect(events.every((e) => e.kind === 'moved')).toBe(true);
    expect(events).toHaveLength(6);
    expect(events).toContainEqual(expect.objectContaining({ path: 'y.md', oldPath: 'x.md' }));
  });

  it('removes the entries of a deleted folder', { timeout: 60_000 }, async () => {
    const { root, s } = await started({ 'keep.md': note('Keep'), 'old/a.md': note('A'), 'old/deep/b.md': note('B') });
    const before = await lastRunId(s);
    fs.rmSync(path.join(root, 'old'), { recursive: true });
    await waitFor(async () => (await allEntries(s)).length === 1, { timeoutMs: 15_000, message: 'folder entries removed' });
    const events = await eventsSince(s, before);
    expect(events.map((e) => `${e.kind} ${e.path}`).sort()).toEqual(['removed old/a.md', 'removed old/deep/b.md']);
  });

  it('indexes a burst of 1,000 new files in a handful of runs', { timeout: 60_000 }, async () => {
    const { root, s } = await started({ 'seed.md': note('Seed') });
    const before = await lastRunId(s);
    for (let i = 0; i < 1000; i++) writeFile(root, `burst/${String(i).padStart(4, '0')}.md`, note(`Burst ${i}`, `burst note number ${i} #burst`));
    await waitFor(async () => (await s.api<{ counts: { entries: number } }>('/api/status')).counts.entries === 1001, {
      timeoutMs: 60_000,
      intervalMs: 100,
      message: '1,001 entries',
    });
    await s.idle();
    const runs = await runsSince(s, before);
    expect(runs.reduce((n, r) => n + r.added, 0)).toBe(1000);
    expect(runs.length).toBeLessThanOrEqual(25);
    expect((await s.api<{ tags: Array<{ tag: string; count: number }> }>('/api/tags')).tags).toContainEqual({ tag: 'burst', count: 1000 });
  });

  it('indexes the final content of two writes 30 ms apart', { timeout: 60_000 }, async () => {
    const { root, s } = await started({ 'w.md': note('Start') });
    writeFile(root, 'w.md', note('First'));
    await new Promise((r) => setTimeout(r, 30)); // the scenario itself: two writes 30 ms apart
    writeFile(root, 'w.md', note('Second'));
    await waitForTitle(s, 'w.md', 'Second');
    await s.idle();
    expect((await entryAt(s, 'w.md'))?.title).toBe('Second');
  });

  it('handles delete + recreate of the same path, and a touch without change makes no event', { timeout: 60_000 }, async () => {
    const { root, s } = await started({ 'd.md': note('D1'), 't.md': note('T') });
    const before = await lastRunId(s);
    fs.rmSync(path.join(root, 'd.md'));
    writeFile(root, 'd.md', note('D2'));
    await waitForTitle(s, 'd.md', 'D2');

    const t = path.join(root, 't.md');
    const future = new Date(Date.now() + 60_000);
    fs.utimesSync(t, future, future);
    await waitFor(async () => {
      const runs = await runsSince(s, before);
      return runs.some((r) => r.unchanged >= 1 && r.added + r.updated + r.moved + r.removed === 0);
    }, { timeoutMs: 15_000, message: 'the touch to be looked at' });
    const events = await eventsSince(s, before);
    expect(events.filter((e) => e.path === 't.md')).toEqual([]);
    expect(events.filter((e) => e.path === 'd.md').map((e) => e.kind)).not.toContain('removed');
  });

  it('indexes an edit made during the startup sync', { timeout: 60_000 }, async () => {
    const files: Record<string, string> = {};
    for (let i = 0; i < 3000; i++) files[`bulk/${i}.md`] = note(`N${i}`, `filler text for note ${i} `.repeat(20));
    files['target.md'] = note('Before');
    const root = makeJournal(files);
    const s = await startServe(root);
    const during = await waitFor(async () => {
      const st = await s.api<{ currentRun: { trigger: string } | null }>('/api/status');
      return st.currentRun?.trigger === 'startup' ? st : null;
    }, { timeoutMs: 20_000, intervalMs: 5, message: 'the startup sync to be running' });
    writeFile(root, 'target.md', note('After'));
    const stillRunning = (await s.api<{ currentRun: { trigger: string } | null }>('/api/status')).currentRun?.trigger === 'startup';
    expect(during).toBeTruthy();
    await s.idle();
    await waitForTitle(s, 'target.md', 'After');
    // Only meaningful if the edit landed while the startup run was still going.
    expect(stillRunning).toBe(true);
  });

  it('recovers when the journal folder is deleted and created again', { timeout: 60_000 }, async () => {
    const { root, s } = await started({ 'r.md': note('R') });
    fs.rmSync(root, { recursive: true });
    fs.mkdirSync(root);
    writeFile(root, 'r2.md', note('R2'));
    await waitForTitle(s, 'r2.md', 'R2');
  });

  it('on SIGTERM writes the index, releases the lock and exits 0 within 2 s', { timeout: 60_000 }, async () => {
    const { root, s } = await started({ 'a.md': note('A') });
    writeFile(root, 'b.md', note('B'));
    await waitForTitle(s, 'b.md', 'B');
    const t0 = Date.now();
    const exit = await s.cli.stop('SIGTERM', 5000);
    expect(exit.code).toBe(0);
    expect(Date.now() - t0).toBeLessThan(2000);
    expect(fs.existsSync(`${s.db}.lock`)).toBe(false);
    expect(query<{ path: string }>(s.db, 'SELECT path FROM entries ORDER BY path').map((r) => r.path)).toEqual(['a.md', 'b.md']);
    expect(scalar(s.db, "SELECT count(*) FROM sync_runs WHERE status = 'running'")).toBe(0);
  });

  it('refuses a second instance on the same index', { timeout: 60_000 }, async () => {
    const { root, s } = await started({ 'a.md': note('A') });
    const second = await runCli(['sync', root, '--db', s.db]);
    expect(second.code).toBe(1);
    expect(second.stderr).toContain(String(s.cli.child.pid));
    const third = await runCli(['serve', root, '--db', s.db, '--port', '0']);
    expect(third.code).toBe(1);
  });

  it('after kill -9 in the middle of a burst, a restart makes the index equal the folder', { timeout: 60_000 }, async () => {
    const db = path.join(tmpDir('inkdex-db-'), 'index.sqlite');
    const root = makeJournal({ 'a.md': note('A') });
    const s = await startServe(root, [], db);
    await s.idle();
    const writer = (async () => {
      for (let i = 0; i < 600; i++) {
        writeFile(root, `k/${i}.md`, note(`K${i}`));
        if (i % 50 === 0) await new Promise((r) => setImmediate(r));
      }
    })();
    await waitFor(async () => (await s.api<{ counts: { entries: number } }>('/api/status')).counts.entries > 50, {
      timeoutMs: 20_000,
      message: 'part of the burst indexed',
    });
    s.cli.child.kill('SIGKILL');
    await s.cli.exited;
    await writer;
    fs.rmSync(path.join(root, 'a.md'));
    expect(scalar(db, 'PRAGMA integrity_check')).toBe('ok');

    const again = await startServe(root, [], db);
    await again.idle();
    await again.cli.stop('SIGTERM');
    expect(scalar(db, 'PRAGMA integrity_check')).toBe('ok');
    const onDisk = walkFiles(root).filter((p) => p.endsWith('.md')).sort();
    const indexed = query<{ path: string }>(db, 'SELECT path FROM entries ORDER BY path').map((r) => r.path);
    expect(indexed).toEqual(onDisk);
    expect(scalar(db, 'SELECT count(*) FROM entries_fts WHERE entries_fts MATCH ?', ['words'])).toBe(600);
    expect(query(db, "SELECT id FROM sync_runs WHERE status = 'running'")).toEqual([]);
  });

  it('exits 1 with one clear line when the port is taken', { timeout: 60_000 }, async () => {
    const { root, s } = await started({ 'a.md': note('A') });
    const port = new URL(s.url).port;
    const other = startCli(['serve', root, '--port', port, '--db', path.join(tmpDir(), 'i.sqlite')]);
    const exit = await other.exited;
    expect(exit.code).toBe(1);
    expect(other.stderr).toMatch(/cannot listen on 127\.0\.0\.1:\d+: the port is in use/);
  });

  it('a live process holding the lock is named; its lock is respected', { timeout: 60_000 }, async () => {
    const root = makeJournal({ 'a.md': note('A') });
    const db = path.join(tmpDir(), 'index.sqlite');
    const holder = spawnIdleProcess();
    // As its holder writes it, with its start time and boot (a lock naming a PID whose
    // process is not the lock's writer is taken over: see harden.test.ts).
    const startTime = fs.readFileSync(`/proc/${holder.pid}/stat`, 'utf8').split(') ')[1]!.split(' ')[19];
    const bootId = fs.readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim();
    fs.writeFileSync(`${db}.lock`, JSON.stringify({ pid: holder.pid, host: (await import('node:os')).hostname(), command: 'inkdex serve', since: 'now', startTime, bootId }));
    const res = await runCli(['serve', root, '--db', db, '--port', '0']);
    expect(res.code).toBe(1);
    expect(res.stderr).toContain(`process ${holder.pid}`);
  });
});
