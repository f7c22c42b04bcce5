/**
 * Issue 11, items 1–4, 8 and 9: stale error rows, recycled lock PIDs, undecodable and
 * NFC-twin file names, a --db the kernel refuses, and failure lines that name the file.
 * The built CLI as a child process; the index read back with Python's sqlite3.
 */
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { LockedError, StartError, UsageError } from '../src/core/errors.js';
import { describeFailure } from '../src/commands/failure.js';
import { ignoreRules } from '../src/core/ignore.js';
import { processStartTime } from '../src/index/lock.js';
import { scanFolder, statFile } from '../src/sync/scan.js';
import { openIndexFile } from '../src/index/open-index.js';
import { runSync } from '../src/sync/sync.js';
import { chownTree, cleanup, CLI, makeJournal, parseJsonLine, queryBatch, runCli, setMtime, spawnIdleProcess, startCli, tmpDir, waitFor, walkFiles, writeFile, type SyncSummary } from './helpers.js';

type Summary = SyncSummary;

const HOUR = 3_600_000;
const isRoot = process.getuid?.() === 0;
const NOBODY = 65534;
const canTestPermissions = !isRoot || spawnSync(process.execPath, [CLI, '--version'], { uid: NOBODY, gid: NOBODY, stdio: 'ignore' }).status === 0;
const asUser = isRoot ? { uid: NOBODY, gid: NOBODY } : {};

afterEach(async () => {
  await cleanup.run();
});

function dbOf(journal: string): string {
  return path.join(journal, '.inkdex', 'index.sqlite');
}

async function sync(journal: string, extra: string[] = [], opts: { uid?: number; gid?: number } = {}): Promise<Summary> {
  const r = await runCli(['sync', journal, '--json', ...extra], { timeoutMs: 30_000, ...opts });
  expect(r.code, `inkdex sync failed:\n${r.stderr}`).toBe(0);
  return parseJsonLine<Summary>(r.stdout);
}

function state(db: string): { entries: Array<{ id: number; path: string; body: string }>; errors: Array<{ path: string; message: string; run_id: number }> } {
  const r = queryBatch(db, {
    entries: 'SELECT id, path, body FROM entries ORDER BY path',
    errors: 'SELECT path, message, run_id FROM file_errors ORDER BY path',
  });
  return r as unknown as ReturnType<typeof state>;
}

function ageFiles(root: string): void {
  for (const rel of walkFiles(root)) if (!rel.startsWith('.')) setMtime(path.join(root, rel), Date.now() - HOUR);
}

/** A process that is not inkdex (nor Node), alive for a minute; killed by cleanup. */
function spawnSleep(): number {
  return spawnIdleProcess(['sleep', '60']).pid!;
}

function oneLine(stderr: string): string {
  const lines = stderr.trim().split('\n');
  expect(lines, stderr).toHaveLength(1);
  return lines[0]!;
}

describe('item 1: rows of a folder that could not be searched go once it can', { timeout: 60_000 }, () => {
  // Root reads anything: the CLI runs as `nobody` so that the folder's mode really blocks it.
  it.skipIf(!canTestPermissions)('a folder without search permission, then with it: no row is left, through several syncs', async () => {
    const journal = makeJournal({ 'locked/a.md': 'a\n', 'locked/b.md': 'b\n', 'locked/deep/c.md': 'c\n', 'open.md': 'open\n' });
    ageFiles(journal);
    if (isRoot) chownTree(journal, NOBODY, NOBODY);
    const db = dbOf(journal);
    await sync(journal, [], asUser);
    const before = state(db);
    expect(before.entries.map((e) => e.path)).toEqual(['locked/a.md', 'locked/b.md', 'locked/deep/c.md', 'open.md']);

    // Readable but not searchable: the names list, but no file in it can be stat-ed.
    fs.chmodSync(path.join(journal, 'locked'), 0o644);
    try {
      const s = await sync(journal, [], asUser);
      expect(s).toMatchObject({ added: 0, updated: 0, removed: 0, moved: 0 });
      const x = state(db);
      expect(x.entries).toEqual(before.entries);
      expect(x.errors.length).toBeGreaterThan(0);
      for (const e of x.errors) expect(e.message).toMatch(/permission denied/);
    } finally {
      fs.chmodSync(path.join(journal, 'locked'), 0o755);
    }
    // Readable again, nothing changed in the files: every row goes, and stays gone.
    for (let i = 0; i < 2; i++) {
      const s = await sync(journal, [], asUser);
      expect(s).toMatchObject({ errors: 0, added: 0, updated: 0, removed: 0 });
      const y = state(db);
      expect(y.errors).toEqual([]);
      expect(y.entries).toEqual(before.entries);
    }
  });

  it.skipIf(!canTestPermissions)('a folder that cannot be listed at all, then can: its row goes and its entries stay', async () => {
    const journal = makeJournal({ 'locked/a.md': 'a\n', 'open.md': 'open\n' });
    ageFiles(journal);
    if (isRoot) chownTree(journal, NOBODY, NOBODY);
    const db = dbOf(journal);
    await sync(journal, [], asUser);
    fs.chmodSync(path.join(journal, 'locked'), 0o000);
    try {
      await sync(journal, [], asUser);
      expect(state(db).errors.map((e) => e.path)).toEqual(['locked']);
    } finally {
      fs.chmodSync(path.join(journal, 'locked'), 0o755);
    }
    const s = await sync(journal, [], asUser);
    expect(s.errors).toBe(0);
    expect(state(db).errors).toEqual([]);
    expect(state(db).entries.map((e) => e.path)).toEqual(['locked/a.md', 'open.md']);
  });

  it('full and incremental runs replace a stale row of a file listed fine by its entry’s own error', async () => {
    const root = makeJournal({ 'a.md': 'a\n', 'bad.md': '---\ntitle: [x\n---\nbody\n' });
    ageFiles(root);
    const { store, reader, file } = await openIndexFile(process.env.INKDEX_ENGINE === 'wasm' ? 'wasm' : 'native', path.join(tmpDir('inkdex-db-'), 'index.sqlite'), root);
    try {
      const opts = { root: fs.realpathSync(root), rules: ignoreRules([]), maxFileSize: 1_000_000 };
      const errors = (): Array<{ path: string; message: string }> => reader.fileErrors().map((e) => ({ path: e.path, message: e.message }));
      await runSync(store, opts, { kind: 'full' }, 'cli');
      const own = errors();
      expect(own.map((e) => e.path)).toEqual(['bad.md']);
      const stale = (): void => {
        for (const p of ['a.md', 'bad.md']) store.setFileError(p, 1, new Date().toISOString(), 'cannot check the file: permission denied');
      };
      stale();
      await runSync(store, opts, { kind: 'incremental', paths: new Set(['a.md', 'bad.md']), removable: new Set() }, 'watch');
      expect(errors()).toEqual(own);
      stale();
      const s = await runSync(store, opts, { kind: 'full' }, 'manual');
      expect(errors()).toEqual(own);
      expect(s.summary).toMatchObject({ added: 0, updated: 0, removed: 0 });
    } finally {
      file.close();
    }
  });

  it('a file with invalid frontmatter keeps its own row through unchanged syncs', async () => {
    const journal = makeJournal({ 'bad.md': '---\ntitle: [x\n---\nbody\n' });
    ageFiles(journal);
    const db = dbOf(journal);
    await sync(journal);
    const first = state(db).errors;
    expect(first).toHaveLength(1);
    await sync(journal);
    expect(state(db).errors).toEqual(first);
  });
});

describe('item 2: the lock', { timeout: 60_000 }, () => {
  it('reads a start time from /proc', () => {
    expect(processStartTime(process.pid)).toMatch(/^\d+$/);
  });

  it('takes over a lock naming a live process that is not inkdex (old lock format, no start time)', async () => {
    const journal = makeJournal({ 'a.md': 'a\n' });
    const db = dbOf(journal);
    fs.mkdirSync(path.dirname(db), { recursive: true });
    const pid = spawnSleep();
    await waitFor(() => fs.existsSync(`/proc/${pid}/cmdline`) && fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').startsWith('sleep'), { message: 'sleep to start' });
    fs.writeFileSync(`${db}.lock`, JSON.stringify({ pid, host: os.hostname(), command: 'inkdex serve', since: new Date(Date.now() - HOUR).toISOString() }) + '\n');
    const s = await sync(journal);
    expect(s).toMatchObject({ added: 1, status: 'succeeded' });
    expect(fs.existsSync(`${db}.lock`)).toBe(false);
  });

  it('takes over a lock whose recorded start time is not the live process’s (a recycled PID)', async () => {
    const journal = makeJournal({ 'a.md': 'a\n' });
    const db = dbOf(journal);
    fs.mkdirSync(path.dirname(db), { recursive: true });
    const pid = spawnSleep();
    await waitFor(() => processStartTime(pid), { message: 'sleep to start' });
    const bootId = fs.readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim();
    const lock = { pid, host: os.hostname(), command: 'inkdex serve', since: new Date(Date.now() - HOUR).toISOString(), startTime: '1', bootId };
    fs.writeFileSync(`${db}.lock`, JSON.stringify(lock) + '\n');
    const s = await sync(journal);
    expect(s).toMatchObject({ added: 1, status: 'succeeded' });
    expect(fs.existsSync(`${db}.lock`)).toBe(false);
  });

  it('takes over a lock written in an earlier boot', async () => {
    const journal = makeJournal({ 'a.md': 'a\n' });
    const db = dbOf(journal);
    fs.mkdirSync(path.dirname(db), { recursive: true });
    const pid = spawnSleep();
    const startTime = await waitFor(() => processStartTime(pid), { message: 'sleep to start' });
    const lock = { pid, host: os.hostname(), command: 'inkdex serve', since: '2020-01-01T00:00:00Z', startTime, bootId: 'another-boot' };
    fs.writeFileSync(`${db}.lock`, JSON.stringify(lock) + '\n');
    expect((await sync(journal)).status).toBe('succeeded');
  });

  it('a live inkdex holding the lock still refuses: exit 1, one line naming its process', async () => {
    const journal = makeJournal({ 'a.md': 'a\n' });
    const db = dbOf(journal);
    const serve = startCli(['serve', journal, '--port', '0', '--reconcile-every', '0']);
    await waitFor(() => serve.stdout.includes('http://') || serve.child.exitCode !== null, { timeoutMs: 20_000, message: 'serve to listen' });
    expect(serve.child.exitCode, serve.stderr).toBeNull();
    const held = JSON.parse(fs.readFileSync(`${db}.lock`, 'utf8')) as { pid: number; startTime: string };
    expect(held.pid).toBe(serve.child.pid);
    expect(held.startTime).toBe(processStartTime(serve.child.pid!));

    const r = await runCli(['sync', journal, '--json'], { timeoutMs: 20_000 });
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(oneLine(r.stderr)).toContain(`process ${serve.child.pid}`);
    // An old-format lock naming the same live inkdex is respected too (its command line says inkdex).
    fs.writeFileSync(`${db}.lock`, JSON.stringify({ pid: serve.child.pid, host: os.hostname(), command: 'inkdex serve', since: 'x' }) + '\n');
    const r2 = await runCli(['sync', journal, '--json'], { timeoutMs: 20_000 });
    expect(r2.code).toBe(1);
    expect(oneLine(r2.stderr)).toContain(`process ${serve.child.pid}`);
    expect(await serve.stop('SIGTERM', 5000)).toEqual({ code: 0, signal: null });
  });
});

describe('item 3: names that are not valid UTF-8', { timeout: 60_000 }, () => {
  it('get a file_errors row, are counted in scanned and errors, and are indexed once renamed', async () => {
    const journal = makeJournal({ 'good.md': 'good\n' });
    const badName = Buffer.concat([Buffer.from(journal + '/bad'), Buffer.from([0xff]), Buffer.from('name.md')]);
    fs.writeFileSync(badName, 'bad name body\n');
    fs.mkdirSync(Buffer.concat([Buffer.from(journal + '/dir'), Buffer.from([0xfe])]));
    fs.writeFileSync(Buffer.concat([Buffer.from(journal + '/dir'), Buffer.from([0xfe]), Buffer.from('/inside.md')]), 'inside\n');
    fs.writeFileSync(Buffer.concat([Buffer.from(journal + '/skip'), Buffer.from([0xff]), Buffer.from('.txt')]), 'not markdown\n');
    const db = dbOf(journal);
    const s = await sync(journal);
    expect(s).toMatchObject({ scanned: 3, added: 1, errors: 2 });
    const x = state(db);
    expect(x.entries.map((e) => e.path)).toEqual(['good.md']);
    expect(x.errors.map((e) => e.path)).toEqual(['bad\uFFFDname.md', 'dir\uFFFD']);
    expect(x.errors[0]!.message).toMatch(/file name is not valid UTF-8.*ff/);
    expect(x.errors[1]!.message).toMatch(/folder name is not valid UTF-8/);

    // Still there: the rows stay (and are counted again); renamed: indexed, rows gone.
    expect(await sync(journal)).toMatchObject({ scanned: 3, errors: 2, added: 0 });
    fs.renameSync(badName, path.join(journal, 'renamed.md'));
    const again = await sync(journal);
    expect(again).toMatchObject({ added: 1, errors: 1 });
    const y = state(db);
    expect(y.entries.map((e) => e.path)).toEqual(['good.md', 'renamed.md']);
    expect(y.errors.map((e) => e.path)).toEqual(['dir\uFFFD']);
  });
});

describe('item 4: names equal after NFC', { timeout: 60_000 }, () => {
  const NFC = 'caf\u00e9.md';
  const NFD = 'cafe\u0301.md';

  it('indexes the NFC-spelled twin, records the other, and follows whichever is left', async () => {
    // Same size and mtime on purpose: only the bytes tell the twins apart.
    const journal = makeJournal({ [NFD]: 'decomposed twin\n' });
    ageFiles(journal);
    const db = dbOf(journal);
    await sync(journal);
    expect(state(db).entries.map((e) => e.body)).toEqual(['decomposed twin\n']);
    const mtime = fs.statSync(path.join(journal, NFD)).mtime;
    writeFile(journal, NFC, 'composed twin!!\n');
    fs.utimesSync(path.join(journal, NFC), mtime, mtime);

    const s = await sync(journal);
    expect(s).toMatchObject({ scanned: 2, errors: 1 });
    let x = state(db);
    expect(x.entries).toEqual([expect.objectContaining({ path: NFC, body: 'composed twin!!\n' })]);
    expect(x.errors).toEqual([expect.objectContaining({ path: NFD })]);
    expect(x.errors[0]!.message).toMatch(/two file names equal after Unicode normalisation/);
    const id = x.entries[0]!.id;

    // The NFD twin deleted: nothing changes but the row.
    fs.rmSync(path.join(journal, NFD));
    expect(await sync(journal)).toMatchObject({ errors: 0, updated: 0, removed: 0 });
    x = state(db);
    expect(x.entries).toEqual([{ id, path: NFC, body: 'composed twin!!\n' }]);
    expect(x.errors).toEqual([]);

    // Back, then the NFC twin deleted: the index follows the NFD file (same size and mtime).
    writeFile(journal, NFD, 'decomposed twin\n');
    fs.utimesSync(path.join(journal, NFD), mtime, mtime);
    await sync(journal);
    fs.rmSync(path.join(journal, NFC));
    const s2 = await sync(journal);
    expect(s2).toMatchObject({ errors: 0, updated: 1, removed: 0 });
    x = state(db);
    expect(x.entries).toEqual([{ id, path: NFC, body: 'decomposed twin\n' }]);
    expect(x.errors).toEqual([]);
  });

  it('the scan and the watcher’s stat pick the same twin, whatever spelling is named', async () => {
    const root = tmpDir();
    fs.writeFileSync(path.join(root, NFD), 'd\n');
    fs.writeFileSync(path.join(root, NFC), 'c\n');
    fs.mkdirSync(path.join(root, 'x'));
    fs.writeFileSync(path.join(root, 'x', 'e\u0301t\u00e9.md'), 'mixed\n');
    fs.writeFileSync(path.join(root, 'x', 'e\u0301te\u0301.md'), 'nfd\n');
    const rules = ignoreRules([]);
    const scan = await scanFolder(root, rules);
    expect(scan.files.get(NFC)!.diskPath).toBe(NFC);
    // Neither spelled in NFC: the first in code-unit order is indexed.
    const [neither, other] = ['x/e\u0301t\u00e9.md', 'x/e\u0301te\u0301.md'].sort();
    expect([...scan.problems.keys()].sort()).toEqual([NFD, other].sort());
    expect(scan.files.get('x/\u00e9t\u00e9.md')!.diskPath).toBe(neither);
    expect(statFile(root, NFD, rules)!.diskPath).toBe(NFC);
    expect(statFile(root, NFC, rules)!.diskPath).toBe(NFC);
    expect(statFile(root, 'x/\u00e9t\u00e9.md', rules)!.diskPath).toBe(neither);
    fs.rmSync(path.join(root, NFC));
    expect(statFile(root, NFC, rules)).toMatchObject({ path: NFC, diskPath: NFD });
  });
});

describe('item 8: a --db the kernel will not create', { timeout: 60_000 }, () => {
  it('--db /proc/nope/index.sqlite fails at once with one line', async () => {
    const journal = makeJournal({ 'a.md': 'a\n' });
    const started = Date.now();
    const r = await runCli(['sync', journal, '--db', '/proc/nope/index.sqlite'], { timeoutMs: 10_000 });
    expect(r.code, r.stderr).toBe(1);
    expect(Date.now() - started).toBeLessThan(5000);
    expect(oneLine(r.stderr)).toMatch(/^inkdex: cannot create the index folder \/proc\/nope\b/);
  });

  it('a --db under a file names the file', async () => {
    const journal = makeJournal({ 'a.md': 'a\n' });
    const r = await runCli(['sync', journal, '--db', path.join(journal, 'a.md', 'sub', 'index.sqlite')], { timeoutMs: 10_000 });
    expect(r.code).toBe(1);
    expect(oneLine(r.stderr)).toContain(`${path.join(journal, 'a.md')} is a file`);
  });
});

describe('item 9: failure lines say what and where', { timeout: 60_000 }, () => {
  it('--db naming a folder', async () => {
    const journal = makeJournal({ 'a.md': 'a\n' });
    const dir = tmpDir();
    const r = await runCli(['sync', journal, '--db', dir], { timeoutMs: 10_000 });
    expect(r.code).toBe(1);
    expect(oneLine(r.stderr)).toBe(`inkdex: --db ${dir} is a folder, not an index file`);
    expect(fs.readdirSync(dir)).toEqual([]);
  });

  it('a full disk while writing the index names the index', async (ctx) => {
    const mnt = tmpDir('inkdex-tmpfs-');
    const mounted = isRoot && spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=1M', 'tmpfs', mnt], { stdio: 'ignore' }).status === 0;
    if (!mounted) {
      ctx.skip('cannot mount a 1 MB tmpfs here (needs root and mount rights): ENOSPC not tested');
      return;
    }
    cleanup.add(() => void spawnSync('umount', [mnt], { stdio: 'ignore' }));
    const files: Record<string, string> = {};
    // ~1.6 MB of text that does not compress away: more than the 1 MB file system holds.
    for (let i = 0; i < 200; i++) files[`n${i}.md`] = `# n${i}\n${Buffer.from(Array.from({ length: 6000 }, (_, j) => (i * 7919 + j * 104729) % 251)).toString('base64')}\n`;
    const journal = makeJournal(files);
    const db = path.join(mnt, 'index.sqlite');
    const r = await runCli(['sync', journal, '--db', db], { timeoutMs: 30_000 });
    expect(r.code).toBe(1);
    expect(oneLine(r.stderr)).toBe(`inkdex: cannot write the index ${db}: no space left on device`);
    // No temp file or lock left on the full disk (the native engine keeps what it committed
    // in the index itself, and its log beside it; the wasm engine leaves nothing).
    expect(fs.readdirSync(mnt).filter((n) => n.endsWith('.tmp') || n.endsWith('.lock'))).toEqual([]);
  });

  it('describeFailure: errno errors with and without a path, typed errors, others', () => {
    const ctx = { db: '/j/.inkdex/index.sqlite', journal: '/j' };
    const errno = (code: string, syscall: string, p?: string): NodeJS.ErrnoException =>
      Object.assign(new Error(`${code}: something, ${syscall}${p ? ` '${p}'` : ''}`), { code, syscall, ...(p ? { path: p } : {}) });
    expect(describeFailure(errno('ENOSPC', 'write'), ctx)).toEqual({ line: 'cannot write the index /j/.inkdex/index.sqlite: no space left on device', exitCode: 1 });
    expect(describeFailure(errno('ENOSPC', 'open', '/j/.inkdex/.index.sqlite.42.tmp'), ctx).line).toBe(
      'cannot write the index /j/.inkdex/index.sqlite: no space left on device',
    );
    expect(describeFailure(errno('EISDIR', 'read'), ctx).line).toBe('--db /j/.inkdex/index.sqlite is a folder, not an index file');
    expect(describeFailure(errno('EACCES', 'open', '/j/.inkdex/index.sqlite.lock'), ctx).line).toBe('cannot open /j/.inkdex/index.sqlite.lock: permission denied');
    expect(describeFailure(errno('EROFS', 'rename', '/j/.inkdex/index.sqlite'), ctx).line).toBe('cannot write the index /j/.inkdex/index.sqlite: read-only file system');
    expect(describeFailure(new Error('boom\nsecond line'), ctx).line).toBe('boom second line (index /j/.inkdex/index.sqlite, journal /j)');
    const sqlite = (code: string, message: string): Error => Object.assign(new Error(message), { code });
    expect(describeFailure(sqlite('SQLITE_FULL', 'database or disk is full'), ctx).line).toBe(
      'cannot write the index /j/.inkdex/index.sqlite: no space left on device (database or disk is full)',
    );
    expect(describeFailure(sqlite('SQLITE_IOERR_WRITE', 'disk I/O error'), ctx).line).toMatch(/^cannot read or write the index \/j\/\.inkdex\/index\.sqlite: input\/output error/);
    expect(describeFailure(errno('EADDRINUSE', 'listen'), ctx).line).not.toContain('index.sqlite:');
    expect(describeFailure(new UsageError('bad'), null)).toEqual({ line: 'bad', exitCode: 2 });
    expect(describeFailure(new StartError('no journal /x'), null)).toEqual({ line: 'no journal /x', exitCode: 1 });
    expect(describeFailure(new LockedError('locked'), ctx)).toEqual({ line: 'locked', exitCode: 1 });
  });
});
