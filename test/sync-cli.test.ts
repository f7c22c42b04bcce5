/**
 * `inkdex sync` end to end: the built CLI as a child process on a temp journal, the index
 * read back with Python's sqlite3 (SPEC §1–3).
 */
import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  cleanup,
  execSql,
  makeJournal,
  parseJsonLine,
  query,
  REPO_ROOT,
  runCli,
  scalar,
  setMtime,
  spawnIdleProcess,
  tmpDir,
  waitFor,
  walkFiles,
  writeFile,
} from './helpers.js';

interface Summary {
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
  journal: string;
  db: string;
}

interface EntryRow {
  id: number;
  path: string;
  title: string;
  date: string | null;
  frontmatter: string;
  body: string;
  word_count: number;
  content_hash: string;
  size: number;
  mtime_ms: number;
  indexed_at: string;
  error: string | null;
}

interface EventRow {
  id: number;
  run_id: number;
  at: string;
  path: string;
  old_path: string | null;
  kind: string;
  content_hash: string | null;
}

interface FileErrorRow {
  path: string;
  run_id: number | null;
  at: string;
  message: string;
}

const HOUR = 3_600_000;
const isRoot = process.getuid?.() === 0;

afterEach(async () => {
  await cleanup.run();
});

function dbOf(journal: string): string {
  return path.join(journal, '.inkdex', 'index.sqlite');
}

/** Runs `inkdex sync JOURNAL --json ...extra`, expects exit 0, returns the summary. */
async function sync(journal: string, extra: string[] = [], env?: Record<string, string>): Promise<Summary> {
  const r = await runCli(['sync', journal, '--json', ...extra], env ? { env } : {});
  expect(r.code, `inkdex sync failed:\n${r.stderr}`).toBe(0);
  return parseJsonLine<Summary>(r.stdout);
}

/** Sets every file of the journal (outside dot-folders) to an old mtime, so its stat is trusted. */
function ageFiles(root: string, ms = Date.now() - HOUR): void {
  for (const rel of walkFiles(root)) if (!rel.startsWith('.')) setMtime(path.join(root, rel), ms);
}

function entries(db: string): EntryRow[] {
  return query<EntryRow>(db, 'SELECT * FROM entries ORDER BY path');
}

function entryByPath(db: string, p: string): EntryRow | undefined {
  return query<EntryRow>(db, 'SELECT * FROM entries WHERE path = ?', [p])[0];
}

function events(db: string, runId?: number): EventRow[] {
  return runId === undefined
    ? query<EventRow>(db, 'SELECT * FROM entry_events ORDER BY id')
    : query<EventRow>(db, 'SELECT * FROM entry_events WHERE run_id = ? ORDER BY id', [runId]);
}

function fileErrors(db: string): FileErrorRow[] {
  return query<FileErrorRow>(db, 'SELECT * FROM file_errors ORDER BY path');
}

function ftsPaths(db: string, match: string): string[] {
  return query<{ path: string }>(
    db,
    'SELECT e.path FROM entries_fts JOIN entries e ON e.id = entries_fts.rowid WHERE entries_fts MATCH ? ORDER BY e.path',
    [match],
  ).map((r) => r.path);
}

function paths(db: string): string[] {
  return query<{ path: string }>(db, 'SELECT path FROM entries ORDER BY path').map((r) => r.path);
}

function sha256(file: string): string {
  return createHash('sha256').update(fs.readFileSync(file)).digest('hex');
}

function counts(s: Summary): Omit<Summary, 'id' | 'trigger' | 'kind' | 'status' | 'journal' | 'db'> {
  return { scanned: s.scanned, added: s.added, updated: s.updated, unchanged: s.unchanged, moved: s.moved, removed: s.removed, errors: s.errors };
}

const DAILY = [
  '---',
  'title: Monday',
  'date: 2024-01-05T23:30:00-05:00',
  'tags: [journal, Life/Family]',
  '---',
  '# Not the title',
  '',
  'Met [[Alice|Al]] about [the plan](plans/q3.md). #work',
  '',
  '- [x] write tests',
  '- [ ] ship it',
  '',
].join('\n');

describe('inkdex sync', { timeout: 60_000 }, () => {
  it('indexes a journal on the first sync', async () => {
    const journal = makeJournal({
      '2024/2024-01-05.md': DAILY,
      'notes/plain.md': '# Plain heading\n\nA zebracorn walked in.\n',
      'notes/other.markdown': 'no heading, just words\n',
    });
    const before = walkFiles(journal).map((rel) => [rel, sha256(path.join(journal, rel))]);
    // A time zone far from UTC: dates must not shift.
    const s = await sync(journal, [], { TZ: 'Pacific/Kiritimati' });
    const db = dbOf(journal);

    expect(s).toMatchObject({ trigger: 'cli', kind: 'full', status: 'succeeded', journal: fs.realpathSync(journal), db });
    expect(counts(s)).toEqual({ scanned: 3, added: 3, updated: 0, unchanged: 0, moved: 0, removed: 0, errors: 0 });

    // entries
    const rows = entries(db);
    expect(rows.map((r) => r.path)).toEqual(['2024/2024-01-05.md', 'notes/other.markdown', 'notes/plain.md']);
    const daily = rows[0]!;
    const dailyFile = path.join(journal, '2024', '2024-01-05.md');
    expect(daily).toMatchObject({ title: 'Monday', date: '2024-01-05', error: null, size: fs.statSync(dailyFile).size });
    expect(JSON.parse(daily.frontmatter)).toEqual({ title: 'Monday', date: '2024-01-05T23:30:00-05:00', tags: ['journal', 'Life/Family'] });
    expect(daily.body).toBe(DAILY.slice(DAILY.indexOf('# Not the title')));
    expect(daily.word_count).toBe(daily.body.split(/\s+/).filter((w) => w !== '').length);
    expect(daily.content_hash).toBe(sha256(dailyFile));
    expect(daily.mtime_ms).toBe(Math.floor(fs.statSync(dailyFile).mtimeMs));
    expect(daily.indexed_at).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/);
    expect(rows[1]).toMatchObject({ title: 'other', date: null, frontmatter: '{}' });
    expect(rows[2]).toMatchObject({ title: 'Plain heading', word_count: 7 });

    // tags, links, tasks
    expect(query(db, 'SELECT tag FROM tags WHERE entry_id = ? ORDER BY tag', [daily.id]).map((r) => r.tag)).toEqual([
      'journal',
      'life',
      'life/family',
      'work',
    ]);
    expect(query(db, 'SELECT target, kind FROM links WHERE entry_id = ? ORDER BY target', [daily.id])).toEqual([
      { target: 'Alice', kind: 'wiki' },
      { target: 'plans/q3.md', kind: 'markdown' },
    ]);
    expect(query(db, 'SELECT line, text, done FROM tasks WHERE entry_id = ? ORDER BY line', [daily.id])).toEqual([
      { line: 10, text: 'write tests', done: 1 },
      { line: 11, text: 'ship it', done: 0 },
    ]);

    // full text
    expect(ftsPaths(db, 'zebracorn')).toEqual(['notes/plain.md']);
    expect(ftsPaths(db, 'title:monday')).toEqual(['2024/2024-01-05.md']);
    expect(scalar(db, 'SELECT count(*) FROM entries_fts')).toBe(3);

    // events: one `added` per file, in this run
    const ev = events(db);
    expect(ev).toHaveLength(3);
    for (const e of ev) expect(e).toMatchObject({ run_id: s.id, kind: 'added', old_path: null });
    expect(ev.map((e) => e.path).sort()).toEqual(rows.map((r) => r.path));
    expect(ev.find((e) => e.path === daily.path)!.content_hash).toBe(daily.content_hash);

    // the run
    const runs = query(db, 'SELECT * FROM sync_runs');
    expect(runs).toHaveLength(1);
    expect(runs[0]).toMatchObject({
      id: s.id,
      trigger: 'cli',
      kind: 'full',
      status: 'succeeded',
      scanned: 3,
      added: 3,
      updated: 0,
      unchanged: 0,
      moved: 0,
      removed: 0,
      errors: 0,
      message: null,
    });
    expect(runs[0]!.finished_at).toEqual(expect.any(String));
    expect(runs[0]!.duration_ms).toEqual(expect.any(Number));

    // meta
    const meta = Object.fromEntries(query<{ key: string; value: string }>(db, 'SELECT key, value FROM meta').map((r) => [r.key, r.value]));
    expect(meta.schema_version).toMatch(/^\S+$/);
    expect(meta.journal_root).toBe(fs.realpathSync(journal));

    // the markdown files are untouched; only the index folder was added; no lock left
    const after = walkFiles(journal).filter((rel) => !rel.startsWith('.inkdex/'));
    expect(after.map((rel) => [rel, sha256(path.join(journal, rel))])).toEqual(before);
    expect(fs.readdirSync(path.join(journal, '.inkdex'))).toEqual(['index.sqlite']);
  });

  it('prints a human summary on stdout without --json', async () => {
    const journal = makeJournal({ 'a.md': 'a\n', 'b.md': 'b\n' });
    const r = await runCli(['sync', journal]);
    expect(r.code, r.stderr).toBe(0);
    const lines = r.stdout.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/2 added/);
    expect(() => JSON.parse(r.stdout)).toThrow();
  });

  it('uses the current folder when JOURNAL_DIR is left out, and --db elsewhere', async () => {
    const journal = makeJournal({ 'a.md': '# A\n' });
    const elsewhere = path.join(tmpDir(), 'sub', 'my.sqlite');
    const r = await runCli(['sync', '--json', '--db', elsewhere], { cwd: journal });
    expect(r.code, r.stderr).toBe(0);
    expect(parseJsonLine<Summary>(r.stdout)).toMatchObject({ journal: fs.realpathSync(journal), db: elsewhere, added: 1 });
    expect(paths(elsewhere)).toEqual(['a.md']);
    expect(fs.existsSync(path.join(journal, '.inkdex'))).toBe(false);
  });

  it('reads INKDEX_DB', async () => {
    const journal = makeJournal({ 'a.md': '# A\n' });
    const dbFile = path.join(tmpDir(), 'env.sqlite');
    const r = await runCli(['sync', journal, '--json'], { env: { INKDEX_DB: dbFile } });
    expect(r.code, r.stderr).toBe(0);
    expect(paths(dbFile)).toEqual(['a.md']);
  });

  it('a re-sync with nothing changed writes no events and keeps ids and indexed_at', async () => {
    const journal = makeJournal({ 'a.md': '# A\n#x\n', 'b/b.md': 'bee\n', 'c.md': '- [ ] c\n' });
    ageFiles(journal);
    const db = dbOf(journal);
    await sync(journal);
    const first = entries(db);
    const eventCount = events(db).length;

    const s = await sync(journal);
    expect(counts(s)).toEqual({ scanned: 3, added: 0, updated: 0, unchanged: 3, moved: 0, removed: 0, errors: 0 });
    expect(events(db)).toHaveLength(eventCount);
    expect(events(db, s.id)).toEqual([]);
    expect(entries(db)).toEqual(first);
    expect(scalar(db, 'SELECT count(*) FROM sync_runs')).toBe(2);
  });

  it('a re-sync right after writing (racy files, re-hashed) writes no events either', async () => {
    const journal = makeJournal({ 'a.md': '# A\n', 'b.md': 'bee\n' });
    const db = dbOf(journal);
    await sync(journal);
    const first = entries(db);
    const s = await sync(journal);
    expect(s).toMatchObject({ added: 0, updated: 0, moved: 0, removed: 0, errors: 0, unchanged: 2 });
    expect(events(db, s.id)).toEqual([]);
    expect(entries(db).map((r) => [r.id, r.path, r.indexed_at, r.content_hash])).toEqual(first.map((r) => [r.id, r.path, r.indexed_at, r.content_hash]));
  });

  it('an edit gives one updated event and the new content replaces the old in FTS', async () => {
    const journal = makeJournal({ 'a.md': '# A\nThe oldword is here #oldtag\n', 'b.md': 'bee\n' });
    ageFiles(journal);
    const db = dbOf(journal);
    await sync(journal);
    const before = entryByPath(db, 'a.md')!;
    expect(ftsPaths(db, 'oldword')).toEqual(['a.md']);

    const file = writeFile(journal, 'a.md', '# A\nThe newword is here #newtag\n- [ ] new task\n');
    const s = await sync(journal);
    expect(counts(s)).toEqual({ scanned: 2, added: 0, updated: 1, unchanged: 1, moved: 0, removed: 0, errors: 0 });
    const ev = events(db, s.id);
    expect(ev).toHaveLength(1);
    expect(ev[0]).toMatchObject({ kind: 'updated', path: 'a.md', old_path: null, content_hash: sha256(file) });

    const after = entryByPath(db, 'a.md')!;
    expect(after.id).toBe(before.id);
    expect(after.content_hash).toBe(sha256(file));
    expect(after.body).toContain('newword');
    expect(after.indexed_at >= before.indexed_at).toBe(true);
    expect(ftsPaths(db, 'newword')).toEqual(['a.md']);
    expect(ftsPaths(db, 'oldword')).toEqual([]);
    expect(query(db, 'SELECT tag FROM tags WHERE entry_id = ?', [after.id]).map((r) => r.tag)).toEqual(['newtag']);
    expect(query(db, 'SELECT line, text FROM tasks WHERE entry_id = ?', [after.id])).toEqual([{ line: 3, text: 'new task' }]);
  });

  it('a touch without a change of bytes gives no event and refreshes mtime_ms', async () => {
    const journal = makeJournal({ 'a.md': '# A\n', 'b.md': 'bee\n' });
    ageFiles(journal);
    const db = dbOf(journal);
    await sync(journal);
    const before = entryByPath(db, 'a.md')!;

    const newTime = Date.now() - 10 * 60_000;
    setMtime(path.join(journal, 'a.md'), newTime);
    const s = await sync(journal);
    expect(s).toMatchObject({ added: 0, updated: 0, moved: 0, removed: 0, errors: 0 });
    expect(events(db, s.id)).toEqual([]);
    const after = entryByPath(db, 'a.md')!;
    expect(after.mtime_ms).toBe(Math.floor(fs.statSync(path.join(journal, 'a.md')).mtimeMs));
    expect(after.mtime_ms).not.toBe(before.mtime_ms);
    expect({ ...after, mtime_ms: 0 }).toEqual({ ...before, mtime_ms: 0 });
  });

  it('a rename is a move: same id, one moved event with old_path', async () => {
    const journal = makeJournal({ 'old name.md': '# Keep me\nunique words here\n', 'other.md': 'other\n' });
    ageFiles(journal);
    const db = dbOf(journal);
    await sync(journal);
    const before = entryByPath(db, 'old name.md')!;

    fs.mkdirSync(path.join(journal, 'moved'));
    fs.renameSync(path.join(journal, 'old name.md'), path.join(journal, 'moved', 'new name.md'));
    const s = await sync(journal);
    expect(counts(s)).toEqual({ scanned: 2, added: 0, updated: 0, unchanged: 1, moved: 1, removed: 0, errors: 0 });
    expect(events(db, s.id)).toEqual([
      expect.objectContaining({ kind: 'moved', path: 'moved/new name.md', old_path: 'old name.md', content_hash: before.content_hash }),
    ]);
    const after = entryByPath(db, 'moved/new name.md')!;
    expect(after.id).toBe(before.id);
    expect(entryByPath(db, 'old name.md')).toBeUndefined();
    expect(ftsPaths(db, 'unique')).toEqual(['moved/new name.md']);
  });

  it('a folder rename keeps every id', async () => {
    const files: Record<string, string> = {};
    for (let i = 0; i < 5; i++) files[`trip/day-${i}.md`] = `# Day ${i}\ncontent ${i} #trip\n`;
    files['trip/deeper/note.md'] = 'deep note\n';
    const journal = makeJournal(files);
    ageFiles(journal);
    const db = dbOf(journal);
    await sync(journal);
    const before = new Map(entries(db).map((r) => [r.path, r.id]));
    expect(before.size).toBe(6);

    fs.renameSync(path.join(journal, 'trip'), path.join(journal, 'Holiday 2024'));
    const s = await sync(journal);
    expect(counts(s)).toEqual({ scanned: 6, added: 0, updated: 0, unchanged: 0, moved: 6, removed: 0, errors: 0 });
    const ev = events(db, s.id);
    expect(ev).toHaveLength(6);
    for (const e of ev) {
      expect(e.kind).toBe('moved');
      expect(e.old_path).toBe(e.path.replace(/^Holiday 2024\//, 'trip/'));
    }
    const after = entries(db);
    expect(after).toHaveLength(6);
    for (const row of after) expect(row.id).toBe(before.get(row.path.replace(/^Holiday 2024\//, 'trip/')));
  });

  it('a deleted folder removes its entries with removed events and its file_errors rows', async () => {
    const journal = makeJournal({
      'keep.md': 'keep\n',
      'old/a.md': 'a #gone\n',
      'old/b.md': '[[x]]\n- [ ] t\n',
      'old/bad-yaml.md': '---\ntitle: x\n  bad: indent\n---\nbody\n',
      'old/binary.md': Buffer.from([0xff, 0xfe, 0x00, 0xc3, 0x28]),
    });
    ageFiles(journal);
    const db = dbOf(journal);
    const first = await sync(journal);
    expect(first).toMatchObject({ added: 4, errors: 2 });
    expect(fileErrors(db).map((e) => e.path)).toEqual(['old/bad-yaml.md', 'old/binary.md']);
    const goneIds = entries(db)
      .filter((r) => r.path.startsWith('old/'))
      .map((r) => r.id);

    fs.rmSync(path.join(journal, 'old'), { recursive: true });
    const s = await sync(journal);
    expect(counts(s)).toEqual({ scanned: 1, added: 0, updated: 0, unchanged: 1, moved: 0, removed: 3, errors: 0 });
    expect(paths(db)).toEqual(['keep.md']);
    expect(
      events(db, s.id)
        .map((e) => [e.kind, e.path])
        .sort(),
    ).toEqual([
      ['removed', 'old/a.md'],
      ['removed', 'old/b.md'],
      ['removed', 'old/bad-yaml.md'],
    ]);
    expect(fileErrors(db)).toEqual([]);
    const marks = goneIds.join(',');
    expect(scalar(db, `SELECT count(*) FROM tags WHERE entry_id IN (${marks})`)).toBe(0);
    expect(scalar(db, `SELECT count(*) FROM links WHERE entry_id IN (${marks})`)).toBe(0);
    expect(scalar(db, `SELECT count(*) FROM tasks WHERE entry_id IN (${marks})`)).toBe(0);
    expect(ftsPaths(db, 'gone')).toEqual([]);
    expect(scalar(db, 'SELECT count(*) FROM entries_fts')).toBe(1);
  });

  it('a file with invalid YAML is indexed with its error, and a file_errors row names the line', async () => {
    const journal = makeJournal({ 'bad.md': '---\ntitle: x\n  bad: indent\n---\nsearchable quokka #still\n' });
    const db = dbOf(journal);
    const r = await runCli(['sync', journal, '--json']);
    expect(r.code, r.stderr).toBe(0);
    const s = parseJsonLine<Summary>(r.stdout);
    expect(s).toMatchObject({ added: 1, errors: 1 });
    expect(r.stderr).toContain('bad.md');

    const row = entryByPath(db, 'bad.md')!;
    expect(row.error).toMatch(/line 3\b/);
    expect(row.frontmatter).toBe('{}');
    expect(row.body).toBe('searchable quokka #still\n');
    expect(ftsPaths(db, 'quokka')).toEqual(['bad.md']);
    expect(query(db, 'SELECT tag FROM tags WHERE entry_id = ?', [row.id])).toEqual([{ tag: 'still' }]);
    const errs = fileErrors(db);
    expect(errs).toHaveLength(1);
    expect(errs[0]).toMatchObject({ path: 'bad.md', run_id: s.id });
    expect(errs[0]!.message).toMatch(/line 3\b/);

    // A re-sync keeps the row (the file is still broken) and adds no event.
    const again = await sync(journal);
    expect(events(db, again.id)).toEqual([]);
    expect(fileErrors(db).map((e) => e.path)).toEqual(['bad.md']);

    // Fixing the YAML clears the error.
    writeFile(journal, 'bad.md', '---\ntitle: Fixed\n---\nsearchable quokka\n');
    const fixed = await sync(journal);
    expect(fixed).toMatchObject({ updated: 1, errors: 0 });
    expect(entryByPath(db, 'bad.md')).toMatchObject({ title: 'Fixed', error: null });
    expect(fileErrors(db)).toEqual([]);
  });

  it('a non-UTF-8 file and a file over --max-file-size get a file_errors row and no entry', async () => {
    const journal = makeJournal({
      'latin1.md': Buffer.from('caf\xe9 au lait\n', 'latin1'),
      'big.md': 'x'.repeat(300) + '\n',
      'small.md': 'small\n',
    });
    const db = dbOf(journal);
    const s = await sync(journal, ['--max-file-size', '200']);
    expect(s).toMatchObject({ scanned: 3, added: 1, errors: 2 });
    expect(paths(db)).toEqual(['small.md']);
    const errs = fileErrors(db);
    expect(errs.map((e) => e.path)).toEqual(['big.md', 'latin1.md']);
    expect(errs[0]!.message).toMatch(/200/);
    expect(errs[1]!.message).toMatch(/UTF-8/i);
    for (const e of errs) expect(e.run_id).toBe(s.id);
  });

  it('a file that turns into invalid UTF-8 keeps its old version with an error row; fixing it clears the row', async () => {
    const journal = makeJournal({ 'a.md': '# Good\nwombat\n' });
    ageFiles(journal);
    const db = dbOf(journal);
    await sync(journal);
    const good = entryByPath(db, 'a.md')!;

    writeFile(journal, 'a.md', Buffer.concat([Buffer.from('# Broken\n'), Buffer.from([0xc3, 0x28, 0xff])]));
    const broken = await sync(journal);
    expect(broken).toMatchObject({ added: 0, updated: 0, removed: 0, errors: 1 });
    expect(events(db, broken.id)).toEqual([]);
    expect(entryByPath(db, 'a.md')).toEqual(good);
    expect(ftsPaths(db, 'wombat')).toEqual(['a.md']);
    const errs = fileErrors(db);
    expect(errs).toHaveLength(1);
    expect(errs[0]).toMatchObject({ path: 'a.md', run_id: broken.id });
    expect(errs[0]!.message).toMatch(/UTF-8/i);

    const file = writeFile(journal, 'a.md', '# Fixed\nnumbat\n');
    const fixed = await sync(journal);
    expect(fixed).toMatchObject({ updated: 1, errors: 0 });
    expect(fileErrors(db)).toEqual([]);
    expect(entryByPath(db, 'a.md')).toMatchObject({ id: good.id, title: 'Fixed', content_hash: sha256(file) });
    expect(ftsPaths(db, 'numbat')).toEqual(['a.md']);
    expect(ftsPaths(db, 'wombat')).toEqual([]);
  });

  it('a file that goes back to its indexed bytes after being unreadable clears the error row', async () => {
    const journal = makeJournal({ 'a.md': '# Good\n' });
    ageFiles(journal);
    const db = dbOf(journal);
    await sync(journal);
    const good = entryByPath(db, 'a.md')!;
    writeFile(journal, 'a.md', Buffer.from([0xff, 0xff, 0xff]));
    await sync(journal);
    expect(fileErrors(db)).toHaveLength(1);
    writeFile(journal, 'a.md', '# Good\n');
    const s = await sync(journal);
    expect(events(db, s.id)).toEqual([]);
    expect(fileErrors(db)).toEqual([]);
    expect(entryByPath(db, 'a.md')).toMatchObject({ id: good.id, content_hash: good.content_hash });
  });

  it.skipIf(isRoot)('an unreadable folder keeps its entries and gets a file_errors row', async () => {
    const journal = makeJournal({ 'locked/a.md': 'a\n', 'locked/b.md': 'b\n', 'open.md': 'open\n' });
    ageFiles(journal);
    const db = dbOf(journal);
    await sync(journal);
    const before = entries(db);
    fs.chmodSync(path.join(journal, 'locked'), 0o000);
    try {
      const s = await sync(journal);
      expect(s).toMatchObject({ removed: 0, moved: 0 });
      expect(events(db, s.id)).toEqual([]);
      expect(entries(db)).toEqual(before);
      const errs = fileErrors(db);
      expect(errs.map((e) => e.path)).toEqual(['locked']);
      expect(errs[0]!.message).toMatch(/permission/i);
    } finally {
      fs.chmodSync(path.join(journal, 'locked'), 0o755);
    }
    const s = await sync(journal);
    expect(events(db, s.id)).toEqual([]);
    expect(fileErrors(db)).toEqual([]);
  });

  it('skips dot-folders, node_modules, editor scratch files, --ignore globs', async () => {
    const journal = makeJournal({
      'keep.md': 'keep\n',
      'sub/keep2.md': 'keep2\n',
      'notdrafts/x.md': 'x\n',
      '.hidden/a.md': 'hidden\n',
      '.dotfile.md': 'dot\n',
      'sub/.obsidian/workspace.md': 'obsidian\n',
      'node_modules/pkg/README.md': 'readme\n',
      'sub/node_modules/x.md': 'nm\n',
      'backup.md~': 'tilde\n',
      'note~.md~': 'tilde2\n',
      '.note.md.swp': 'swp\n',
      'note.md.swp': 'swp\n',
      'note.md.swx': 'swx\n',
      '.#lock.md': 'emacs lock\n',
      '#autosave.md#': 'emacs autosave\n',
      'x.md.tmp': 'tmp\n',
      '4913': 'vim\n',
      'drafts/d.md': 'draft\n',
      'drafts/deep/d2.md': 'draft2\n',
      'sub/secret.private.md': 'private\n',
    });
    const s = await sync(journal, ['--ignore', 'drafts/**', '--ignore', '*.private.md']);
    expect(s).toMatchObject({ scanned: 3, added: 3, errors: 0 });
    expect(paths(dbOf(journal))).toEqual(['keep.md', 'notdrafts/x.md', 'sub/keep2.md']);
    expect(fileErrors(dbOf(journal))).toEqual([]);
  });

  it('never indexes the index file itself, even inside the journal', async () => {
    const journal = makeJournal({ 'a.md': 'a\n' });
    const dbFile = path.join(journal, 'the-index.md');
    await sync(journal, ['--db', dbFile]);
    const s = await sync(journal, ['--db', dbFile]);
    expect(s).toMatchObject({ scanned: 1, errors: 0 });
    expect(paths(dbFile)).toEqual(['a.md']);
    expect(fileErrors(dbFile)).toEqual([]);
  });

  it('does not follow symbolic links out of the journal', async () => {
    const outside = makeJournal({ 'secret.md': 'outside secret\n', 'dir/deep.md': 'outside deep\n' }, 'inkdex-outside-');
    const journal = makeJournal({ 'real.md': 'real\n' });
    fs.symlinkSync(path.join(outside, 'secret.md'), path.join(journal, 'link.md'));
    fs.symlinkSync(path.join(outside, 'dir'), path.join(journal, 'linkdir'));
    fs.symlinkSync(path.join(outside, 'nowhere.md'), path.join(journal, 'dangling.md'));
    const s = await sync(journal);
    expect(s).toMatchObject({ added: 1, errors: 0 });
    const db = dbOf(journal);
    expect(paths(db)).toEqual(['real.md']);
    expect(ftsPaths(db, 'outside')).toEqual([]);
    expect(fileErrors(db)).toEqual([]);
  });

  it('indexes .markdown and .MD files', async () => {
    const journal = makeJournal({ 'a.markdown': 'a\n', 'B.MD': 'b\n', 'c.Markdown': 'c\n', 'd.txt': 'd\n', 'e.mdx': 'e\n', 'f.md.bak': 'f\n' });
    await sync(journal);
    expect(query(dbOf(journal), 'SELECT path, title FROM entries ORDER BY path')).toEqual([
      { path: 'B.MD', title: 'B' },
      { path: 'a.markdown', title: 'a' },
      { path: 'c.Markdown', title: 'c' },
    ]);
  });

  it('stores paths in NFC for decomposed file names, and follows edits to them', async () => {
    const decomposed = 'Cafe\u0301/re\u0301sume\u0301.md';
    const journal = makeJournal({ [decomposed]: 'first version\n' });
    // The file system keeps the bytes as given (no normalisation on Linux).
    expect(fs.readdirSync(journal)).toContain('Cafe\u0301');
    const db = dbOf(journal);
    await sync(journal);
    const nfc = 'Caf\u00e9/r\u00e9sum\u00e9.md';
    expect(paths(db)).toEqual([nfc]);
    expect(entryByPath(db, nfc)!.title).toBe('r\u00e9sum\u00e9');
    expect(events(db).map((e) => e.path)).toEqual([nfc]);

    writeFile(journal, decomposed, 'second version\n');
    const s = await sync(journal);
    expect(s).toMatchObject({ updated: 1, added: 0, removed: 0, errors: 0 });
    expect(entryByPath(db, nfc)!.body).toBe('second version\n');
  });

  it('stores and searches a 1 MB entry in full', async () => {
    const words: string[] = [];
    for (let i = 0, length = 0; length < 1_050_000; i++) {
      words.push(`w${i}`, 'filler');
      length += `w${i}`.length + ' filler '.length;
    }
    const body = 'openingword\n' + words.join(' ') + '\nfinalmarkerword\n';
    const journal = makeJournal({ 'big.md': body });
    await sync(journal);
    const db = dbOf(journal);
    const row = query<{ len: number; size: number; word_count: number; tail: string }>(
      db,
      'SELECT length(body) AS len, size, word_count, substr(body, -16) AS tail FROM entries WHERE path = ?',
      ['big.md'],
    )[0]!;
    expect(row.len).toBe(body.length);
    expect(row.size).toBe(Buffer.byteLength(body));
    expect(row.word_count).toBe(words.length + 2);
    expect(row.tail).toBe('finalmarkerword\n');
    expect(ftsPaths(db, 'finalmarkerword')).toEqual(['big.md']);
    expect(ftsPaths(db, `w${Math.floor(words.length / 4)}`)).toEqual(['big.md']);
    expect(ftsPaths(db, 'openingword')).toEqual(['big.md']);
  });

  it('never evaluates ---js / ---javascript / --- JS frontmatter', async () => {
    const markers = tmpDir('inkdex-marker-');
    const payload = (name: string): string => {
      const marker = JSON.stringify(path.join(markers, name));
      return `{ title: (require('fs').writeFileSync(${marker}, 'pwned'), 'pwned') }`;
    };
    const journal = makeJournal({
      'js.md': `---js\n${payload('js')}\n---\njs body\n`,
      'javascript.md': `---javascript\n${payload('javascript')}\n---\njavascript body\n`,
      'upper.md': `--- JS\n${payload('upper')}\n---\nupper body\n`,
    });
    const s = await sync(journal);
    expect(s).toMatchObject({ added: 3, errors: 3 });
    expect(fs.readdirSync(markers)).toEqual([]);
    const db = dbOf(journal);
    for (const row of entries(db)) {
      expect(row.title).not.toBe('pwned');
      expect(row.frontmatter).toBe('{}');
      expect(row.error).not.toBeNull();
      expect(row.body).toMatch(/ body\n$/);
    }
    expect(fileErrors(db).map((e) => e.path)).toEqual(['javascript.md', 'js.md', 'upper.md']);
  });

  it('rebuilds the index after the index file was deleted', async () => {
    const journal = makeJournal({ 'a.md': '# A #t\n', 'b/b.md': '[[a]]\n' });
    const db = dbOf(journal);
    await sync(journal);
    const before = query(db, 'SELECT path, title, content_hash, body FROM entries ORDER BY path');
    fs.rmSync(db);
    const s = await sync(journal);
    expect(s).toMatchObject({ added: 2, errors: 0 });
    expect(query(db, 'SELECT path, title, content_hash, body FROM entries ORDER BY path')).toEqual(before);
    expect(scalar(db, 'SELECT count(*) FROM tags')).toBe(1);
    expect(scalar(db, 'SELECT count(*) FROM links')).toBe(1);
  });

  it('rebuilds a garbage index file and exits 0', async () => {
    const journal = makeJournal({ 'a.md': 'alpha\n', 'b.md': 'beta\n' });
    const db = dbOf(journal);
    fs.mkdirSync(path.dirname(db), { recursive: true });
    fs.writeFileSync(db, randomBytes(64 * 1024));
    const s = await sync(journal);
    expect(s).toMatchObject({ added: 2, errors: 0, status: 'succeeded' });
    expect(paths(db)).toEqual(['a.md', 'b.md']);
    expect(ftsPaths(db, 'beta')).toEqual(['b.md']);
  });

  it('rebuilds an index with an unknown schema_version', async () => {
    const journal = makeJournal({ 'a.md': 'alpha\n' });
    const db = dbOf(journal);
    await sync(journal);
    const version = scalar<string>(db, "SELECT value FROM meta WHERE key = 'schema_version'");
    execSql(
      db,
      `UPDATE meta SET value = '999' WHERE key = 'schema_version';
       INSERT INTO entries(path, title, frontmatter, body, word_count, content_hash, size, mtime_ms, indexed_at)
         VALUES ('ghost.md', 'ghost', '{}', '', 0, 'x', 0, 0, '2000-01-01T00:00:00Z');`,
    );
    expect(paths(db)).toEqual(['a.md', 'ghost.md']);
    const s = await sync(journal);
    expect(s).toMatchObject({ added: 1, removed: 0, errors: 0 });
    expect(scalar(db, "SELECT value FROM meta WHERE key = 'schema_version'")).toBe(version);
    expect(paths(db)).toEqual(['a.md']);
    expect(scalar(db, 'SELECT count(*) FROM sync_runs')).toBe(1);
  });

  it('exits 1 naming the process when a live process holds the lock', async () => {
    const journal = makeJournal({ 'a.md': 'a\n' });
    const db = dbOf(journal);
    fs.mkdirSync(path.dirname(db), { recursive: true });
    const holder = spawnIdleProcess();
    await waitFor(() => holder.pid !== undefined, { message: 'the lock holder to start' });
    const lock = { pid: holder.pid!, host: os.hostname(), command: 'inkdex serve', since: new Date().toISOString() };
    fs.writeFileSync(`${db}.lock`, JSON.stringify(lock) + '\n');

    const r = await runCli(['sync', journal, '--json']);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    const lines = r.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain(String(holder.pid));
    expect(fs.existsSync(db)).toBe(false);
    // The lock belongs to the other process: left alone.
    expect(JSON.parse(fs.readFileSync(`${db}.lock`, 'utf8'))).toEqual(lock);
  });

  it('takes over a lock left by a dead process', async () => {
    const journal = makeJournal({ 'a.md': 'a\n' });
    const db = dbOf(journal);
    fs.mkdirSync(path.dirname(db), { recursive: true });
    const dead = spawnIdleProcess();
    const deadPid = dead.pid!;
    const exited = new Promise((resolve) => dead.once('close', resolve));
    dead.kill('SIGKILL');
    await exited;
    fs.writeFileSync(
      `${db}.lock`,
      JSON.stringify({ pid: deadPid, host: os.hostname(), command: 'inkdex serve', since: new Date(Date.now() - HOUR).toISOString() }) + '\n',
    );
    const s = await sync(journal);
    expect(s).toMatchObject({ added: 1, status: 'succeeded' });
    expect(paths(db)).toEqual(['a.md']);
    expect(fs.existsSync(`${db}.lock`)).toBe(false);
  });

  it('exits 1 with one clear line when the journal folder does not exist', async () => {
    const missing = path.join(tmpDir(), 'no-such-journal');
    const r = await runCli(['sync', missing]);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    const lines = r.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain(missing);
    expect(fs.existsSync(missing)).toBe(false);
  });

  it('exits 2 on bad usage, with one line on stderr', async () => {
    const journal = makeJournal({ 'a.md': 'a\n' });
    const cases = [
      ['sync', journal, '--no-such-flag'],
      ['sync', journal, '--port', 'abc'],
      ['sync', journal, '--port', '70000'],
      ['serve', journal, '--port', '-1'],
      ['frobnicate', journal],
      [],
      ['sync', journal, 'extra-arg'],
      ['sync', journal, '--max-file-size', 'lots'],
      ['serve', journal, '--json'],
    ];
    const results = await Promise.all(cases.map((args) => runCli(args)));
    results.forEach((r, i) => {
      const what = `inkdex ${cases[i]!.join(' ')}: ${r.stderr}`;
      expect(r.code, what).toBe(2);
      expect(r.stderr.trim().split('\n'), what).toHaveLength(1);
    });
    expect(fs.existsSync(path.join(journal, '.inkdex'))).toBe(false);
  });

  it('--help and --version exit 0', async () => {
    const pkg = JSON.parse(fs.readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8')) as { version: string };
    const [help, version, short] = await Promise.all([runCli(['--help']), runCli(['--version']), runCli(['-h'])]);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/serve/);
    expect(help.stdout).toMatch(/sync/);
    expect(help.stdout).toMatch(/--db/);
    expect(version.code).toBe(0);
    expect(version.stdout.trim()).toBe(pkg.version);
    expect(short.code).toBe(0);
    expect(short.stdout).toBe(help.stdout);
  });
});
