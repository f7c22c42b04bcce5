/**
 * The index file followed by identity while `serve` runs (SPEC §3): deleted, a complete
 * index is back at the path within 2 s; replaced by an inkdex index, that one is adopted
 * and brought up to date; replaced by anything else, it is never written and health says
 * so. No write ever reaches a file that left the path. And `.inkdex/.gitignore`. Run
 * with each engine (`npm run test:wasm` reruns it with INKDEX_ENGINE=wasm).
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { cleanup, makeJournal, query, runCli, scalar, tmpDir, waitFor, walkFiles, writeFile } from './helpers.js';
import { startServe, type Served } from './serve-helpers.js';

afterEach(() => cleanup.run());

const note = (title: string, extra = ''): string => `# ${title}\n\nsome words about ${title} #daily\n${extra}`;

function journalOf(n: number): Record<string, string> {
  const files: Record<string, string> = {};
  for (let i = 0; i < n; i++) files[`notes/${String(i).padStart(4, '0')}.md`] = note(`Note ${i}`);
  return files;
}

/** The number of entries in the file at `db` as another reader sees it, or -1 when it cannot be read. */
function entriesInFile(db: string): number {
  try {
    if (!fs.existsSync(db)) return -1;
    return Number(scalar(db, 'SELECT count(*) FROM entries'));
  } catch {
    return -1;
  }
}

/** size + mtime of an open file: any write to it changes them. */
function fileMark(fd: number): string {
  const st = fs.fstatSync(fd);
  return `${st.size}:${st.mtimeMs}`;
}

async function servedJournal(n: number, inJournal = true): Promise<{ root: string; s: Served }> {
  const root = makeJournal(journalOf(n));
  const db = inJournal ? path.join(root, '.inkdex', 'index.sqlite') : undefined;
  const s = await startServe(root, ['--reconcile-every', '0'], db);
  await s.idle();
  // The wasm engine writes its file just after the run (the flusher's debounce): the
  // tests below delete or replace that file, so it must be there first.
  await waitFor(() => entriesInFile(s.db) === n, { timeoutMs: 10_000, message: 'the startup sync in the index file' });
  return { root, s };
}

async function health(s: Served): Promise<{ health: string; healthReasons: string[] }> {
  return s.api('/api/status');
}

describe('the index file followed by identity while serving', () => {
  it('deleted: a complete index is back within 2 s, the deleted file is never written again, and edits reach the new one', { timeout: 60_000 }, async () => {
    const { root, s } = await servedJournal(300);
    const fds = [s.db, `${s.db}-wal`].filter((f) => fs.existsSync(f)).map((f) => fs.openSync(f, 'r'));
    cleanup.add(() => fds.forEach((fd) => fs.closeSync(fd)));
    const t0 = Date.now();
    fs.rmSync(s.db);
    const marks = fds.map(fileMark);
    await waitFor(() => entriesInFile(s.db) === 300, { timeoutMs: 5000, intervalMs: 25, message: 'the index back at its path' });
    expect(Date.now() - t0).toBeLessThan(2000);
    expect(scalar(s.db, 'PRAGMA integrity_check')).toBe('ok');
    writeFile(root, 'notes/new.md', note('New one'));
    await waitFor(() => entriesInFile(s.db) === 301, { timeoutMs: 10_000, message: 'an edit after the deletion in the file at the path' });
    expect(fds.map(fileMark)).toEqual(marks);
    await waitFor(async () => (await health(s)).health === 'healthy', { timeoutMs: 10_000, message: 'healthy again' });
    const exit = await s.cli.stop('SIGTERM');
    expect(exit.code).toBe(0);
    expect(query<{ path: string }>(s.db, 'SELECT path FROM entries ORDER BY path').map((r) => r.path)).toEqual(walkFiles(root).filter((p) => p.endsWith('.md')).sort());
  });

  it('deleted with its -wal and -shm during the startup sync: the index at the path ends equal to the folder', { timeout: 90_000 }, async () => {
    const root = makeJournal(journalOf(3000));
    const db = path.join(root, '.inkdex', 'index.sqlite');
    const s = await startServe(root, ['--reconcile-every', '0'], db);
    await waitFor(async () => {
      const st = await s.api<{ currentRun: { processed: number } | null }>('/api/status');
      return (st.currentRun?.processed ?? 0) > 0;
    }, { timeoutMs: 30_000, intervalMs: 10, message: 'the startup sync under way' });
    for (const suffix of ['', '-wal', '-shm']) fs.rmSync(db + suffix, { force: true });
    await waitFor(() => entriesInFile(db) === 3000, { timeoutMs: 60_000, message: 'every note in the file at the path' });
    await s.idle();
    expect(scalar(db, 'PRAGMA integrity_check')).toBe('ok');
    expect(scalar(db, 'SELECT count(*) FROM entries_fts WHERE entries_fts MATCH ?', ['words'])).toBe(3000);
    expect((await s.cli.stop('SIGTERM')).code).toBe(0);
  });

  it('replaced by another inkdex index: that file is adopted (not overwritten) and brought up to date', { timeout: 60_000 }, async () => {
    const { root, s } = await servedJournal(50);
    // An older state of the same journal, made elsewhere (a restore from a backup).
    const older = path.join(tmpDir('inkdex-older-'), 'index.sqlite');
    const oldRoot = makeJournal(journalOf(20));
    expect((await runCli(['sync', oldRoot, '--db', older])).code).toBe(0);
    const { ino } = fs.statSync(older);
    const createdAt = scalar(older, "SELECT value FROM meta WHERE key = 'created_at'");
    fs.renameSync(older, s.db);
    writeFile(root, 'notes/after.md', note('After the restore'));
    await waitFor(() => entriesInFile(s.db) === 51, { timeoutMs: 15_000, message: 'the adopted index brought up to date' });
    await s.idle();
    expect((await s.cli.stop('SIGTERM')).code).toBe(0);
    // The restored index is the one kept up to date: written in place (native), or read
    // and written whole in its stead (wasm, which always replaces the file).
    expect(scalar(s.db, "SELECT value FROM meta WHERE key = 'created_at'")).toBe(createdAt);
    if (process.env.INKDEX_ENGINE !== 'wasm') expect(fs.statSync(s.db).ino).toBe(ino);
    expect(query<{ path: string }>(s.db, 'SELECT path FROM entries ORDER BY path').map((r) => r.path)).toEqual(walkFiles(root).filter((p) => p.endsWith('.md')).sort());
  });

  it('replaced by a file that is not an inkdex index: never written, health says so; once it is gone the index is back', { timeout: 60_000 }, async () => {
    const { root, s } = await servedJournal(40);
    const stranger = path.join(tmpDir('inkdex-stranger-'), 'notes.md');
    fs.writeFileSync(stranger, '# my own notes\n\nnot an index\n');
    fs.renameSync(stranger, s.db);
    await waitFor(async () => (await s.api<{ status: string; reason?: string }>('/healthz', { allowError: true })).reason?.includes('not an inkdex index'), {
      timeoutMs: 5000,
      message: 'healthz unhealthy, naming the file',
    });
    writeFile(root, 'notes/meanwhile.md', note('Meanwhile'));
    await new Promise((r) => setTimeout(r, 1500));
    expect(fs.readFileSync(s.db, 'utf8')).toBe('# my own notes\n\nnot an index\n');
    expect(fs.existsSync(`${s.db}-wal`)).toBe(false);
    const st = await health(s);
    expect(st.health).toBe('unhealthy');
    // The API still answers from the index it had.
    expect((await s.api<{ total: number }>('/api/entries?limit=1')).total).toBeGreaterThanOrEqual(40);
    const t0 = Date.now();
    fs.rmSync(s.db);
    await waitFor(() => entriesInFile(s.db) >= 40, { timeoutMs: 5000, intervalMs: 25, message: 'the index back' });
    expect(Date.now() - t0).toBeLessThan(2000);
    await waitFor(() => entriesInFile(s.db) === 41, { timeoutMs: 15_000, message: 'the note written meanwhile indexed' });
    await waitFor(async () => (await health(s)).health === 'healthy', { timeoutMs: 10_000, message: 'healthy again' });
    expect((await s.cli.stop('SIGTERM')).code).toBe(0);
  });

  it('its whole folder deleted: the index, its lock and .gitignore are back', { timeout: 60_000 }, async () => {
    const { root, s } = await servedJournal(30);
    fs.rmSync(path.join(root, '.inkdex'), { recursive: true, force: true });
    await waitFor(() => entriesInFile(s.db) === 30, { timeoutMs: 5000, message: 'the index back' });
    expect(fs.readFileSync(path.join(root, '.inkdex', '.gitignore'), 'utf8')).toBe('*\n');
    await waitFor(() => fs.existsSync(`${s.db}.lock`), { timeoutMs: 2000, message: 'the lock back' });
    const second = await runCli(['sync', root]);
    expect(second.code).toBe(1);
    expect((await s.cli.stop('SIGTERM')).code).toBe(0);
    expect(fs.existsSync(`${s.db}.lock`)).toBe(false);
  });
});

describe('.inkdex/.gitignore', () => {
  it('holds * in the journal own index folder, and no other .gitignore is touched', { timeout: 30_000 }, async () => {
    const root = makeJournal({ 'a.md': note('A'), '.gitignore': 'mine\n' });
    expect((await runCli(['sync', root])).code).toBe(0);
    expect(fs.readFileSync(path.join(root, '.inkdex', '.gitignore'), 'utf8')).toBe('*\n');
    expect(fs.readFileSync(path.join(root, '.gitignore'), 'utf8')).toBe('mine\n');
  });

  it('keeps a .gitignore the user wrote in .inkdex, and writes none beside an index elsewhere', { timeout: 30_000 }, async () => {
    const root = makeJournal({ 'a.md': note('A'), '.inkdex/.gitignore': 'index.sqlite\n' });
    expect((await runCli(['sync', root])).code).toBe(0);
    expect(fs.readFileSync(path.join(root, '.inkdex', '.gitignore'), 'utf8')).toBe('index.sqlite\n');
    const elsewhere = tmpDir('inkdex-db-');
    expect((await runCli(['sync', root, '--db', path.join(elsewhere, 'i.sqlite')])).code).toBe(0);
    expect(fs.existsSync(path.join(elsewhere, '.gitignore'))).toBe(false);
  });
});
