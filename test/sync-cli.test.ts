/**
 * `inkdex sync` end to end: the built CLI as a child process on a temp journal, the index
 * read back with Python's sqlite3 (SPEC §1–3).
 */
import { spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  chownTree,
  cleanup,
  CLI,
  execSql,
  makeJournal,
  parseJsonLine,
  query,
  queryBatch,
  REPO_ROOT,
  runCli,
  setMtime,
  spawnIdleProcess,
  startCli,
  tmpDir,
  waitFor,
  walkFiles,
  writeFile,
  type SyncSummary,
} from './helpers.js';

type Summary = SyncSummary;

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
/** The `nobody` user, for permission tests when the suite runs as root. */
const NOBODY = 65534;
/** Root can only test permissions by running the CLI as another user (if allowed to switch). */
const canTestPermissions = !isRoot || spawnSync(process.execPath, [CLI, '--version'], { uid: NOBODY, gid: NOBODY, stdio: 'ignore' }).status === 0;

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

interface Snapshot {
  entries: EntryRow[];
  events: EventRow[];
  errors: FileErrorRow[];
  tags: Array<{ entry_id: number; tag: string }>;
  links: Array<{ entry_id: number; target: string; kind: string }>;
  tasks: Array<{ entry_id: number; line: number; text: string; done: number }>;
  runs: Array<Record<string, unknown>>;
  meta: Record<string, string>;
  ftsRows: number;
  /** FTS MATCH query → the paths found. */
  fts: Record<string, string[]>;
  paths: string[];
  entry(path: string): EntryRow | undefined;
  eventsOf(runId: number): EventRow[];
  tagsOf(id: number): string[];
}

/** Everything in the index, read in one go (one Python process), plus FTS lookups. */
function snap(db: string, ftsQueries: string[] = []): Snapshot {
  const fts: Record<string, readonly [string, unknown[]]> = {};
  ftsQueries.forEach((q, i) => {
    fts[`fts${i}`] = [
      'SELECT e.path FROM entries_fts JOIN entries e ON e.id = entries_fts.rowid WHERE entries_fts MATCH ? ORDER BY e.path',
      [q],
    ];
  });
  const r = queryBatch(db, {
    entries: 'SELECT * FROM entries ORDER BY path',
    events: 'SELECT * FROM entry_events ORDER BY id',
    errors: 'SELECT * FROM file_errors ORDER BY path',
    tags: 'SELECT entry_id, tag FROM tags ORDER BY entry_id, tag',
    links: 'SELECT entry_id, target, kind FROM links ORDER BY entry_id, rowid',
    tasks: 'SELECT entry_id, line, text, done FROM tasks ORDER BY entry_id, line',
    runs: 'SELECT * FROM sync_runs ORDER BY id',
    meta: 'SELECT key, value FROM meta',
    ftsRows: 'SELECT count(*) AS n FROM entries_fts',
    ...fts,
  });
  const entries = r.entries as unknown as EntryRow[];
  const events = r.events as unknown as EventRow[];
  const tags = r.tags as Snapshot['tags'];
  return {
    entries,
    events,
    errors: r.errors as unknown as FileErrorRow[],
    tags,
    links: r.links as Snapshot['links'],
    tasks: r.tasks as Snapshot['tasks'],
    runs: r.runs,
    meta: Object.fromEntries(r.meta.map((m) => [m.key as string, m.value as string])),
    ftsRows: r.ftsRows[0]!.n as number,
    fts: Object.fromEntries(ftsQueries.map((q, i) => [q, (r as Record<string, Array<Record<string, unknown>>>)[`fts${i}`]!.map((row) => row.path as string)])),
    paths: entries.map((e) => e.path),
    entry: (p) => entries.find((e) => e.path === p),
    eventsOf: (runId) => events.filter((e) => e.run_id === runId),
    tagsOf: (id) => tags.filter((t) => t.entry_id === id).map((t) => t.tag),
  };
}

function sha256(file: string): string {
  return createHash('sha256').update(fs.readFileSync(file)).digest('hex');
}

function counts(s: Summary): Omit<Summary, 'id' | 'trigger' | 'kind' | 'status' | 'journal' | 'db' | 'message'> {
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

const NO_CHANGES = { added: 0, updated: 0, moved: 0, removed: 0, errors: 0 };

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

    const x = snap(db, ['zebracorn', 'title:monday', 'walked']);
    // entries
    expect(x.paths).toEqual(['2024/2024-01-05.md', 'notes/other.markdown', 'notes/plain.md']);
    const daily = x.entries[0]!;
    const dailyFile = path.join(journal, '2024', '2024-01-05.md');
    expect(daily).toMatchObject({ title: 'Monday', date: '2024-01-05', error: null, size: fs.statSync(dailyFile).size });
    expect(JSON.parse(daily.frontmatter)).toEqual({ title: 'Monday', date: '2024-01-05T23:30:00-05:00', tags: ['journal', 'Life/Family'] });
    expect(daily.body).toBe(DAILY.slice(DAILY.indexOf('# Not the title')));
    expect(daily.word_count).toBe(daily.body.split(/\s+/).filter((w) => w !== '').length);
    expect(daily.content_hash).toBe(sha256(dailyFile));
    expect(daily.mtime_ms).toBe(Math.floor(fs.statSync(dailyFile).mtimeMs));
    expect(daily.indexed_at).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/);
    expect(x.entries[1]).toMatchObject({ title: 'other', date: null, frontmatter: '{}', error: null });
    expect(x.entries[2]).toMatchObject({ title: 'Plain heading', word_count: 7 });

    // tags, links, tasks
    expect(x.tagsOf(daily.id)).toEqual(['journal', 'life', 'life/family', 'work']);
    expect(x.links).toEqual([
      { entry_id: daily.id, target: 'Alice', kind: 'wiki' },
      { entry_id: daily.id, target: 'plans/q3.md', kind: 'markdown' },
    ]);
    expect(x.tasks).toEqual([
      { entry_id: daily.id, line: 10, text: 'write tests', done: 1 },
      { entry_id: daily.id, line: 11, text: 'ship it', done: 0 },
    ]);

    // full text
    expect(x.fts).toEqual({ zebracorn: ['notes/plain.md'], 'title:monday': ['2024/2024-01-05.md'], walked: ['notes/plain.md'] });
    expect(x.ftsRows).toBe(3);

    // events: one `added` per file, in this run
    expect(x.events).toHaveLength(3);
    for (const e of x.events) expect(e).toMatchObject({ run_id: s.id, kind: 'added', old_path: null });
    expect(x.events.map((e) => e.path).sort()).toEqual(x.paths);
    expect(x.events.find((e) => e.path === daily.path)!.content_hash).toBe(daily.content_hash);

    // the run
    expect(x.runs).toHaveLength(1);
    expect(x.runs[0]).toMatchObject({
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
      finished_at: expect.any(String),
      duration_ms: expect.any(Number),
    });

    // meta
    expect(x.meta.schema_version).toMatch(/^\S+$/);
    expect(x.meta.journal_root).toBe(fs.realpathSync(journal));

    // the markdown files are untouched; only the index folder was added (with the
    // .gitignore that keeps it out of git, SPEC §3); no lock left
    const after = walkFiles(journal).filter((rel) => !rel.startsWith('.inkdex/'));
    expect(after.map((rel) => [rel, sha256(path.join(journal, rel))])).toEqual(before);
    expect(fs.readdirSync(path.join(journal, '.inkdex')).sort()).toEqual(['.gitignore', 'index.sqlite']);
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
    expect(snap(elsewhere).paths).toEqual(['a.md']);
    expect(fs.existsSync(path.join(journal, '.inkdex'))).toBe(false);
  });

  it('reads INKDEX_DB', async () => {
    const journal = makeJournal({ 'a.md': '# A\n' });
    const dbFile = path.join(tmpDir(), 'env.sqlite');
    const r = await runCli(['sync', journal, '--json'], { env: { INKDEX_DB: dbFile } });
    expect(r.code, r.stderr).toBe(0);
    expect(query(dbFile, 'SELECT path FROM entries')).toEqual([{ path: 'a.md' }]);
  });

  it('a re-sync with nothing changed writes no events and keeps ids and indexed_at', async () => {
    const journal = makeJournal({ 'a.md': '# A\n#x\n', 'b/b.md': 'bee\n', 'c.md': '- [ ] c\n' });
    ageFiles(journal);
    const db = dbOf(journal);
    await sync(journal);
    const first = snap(db);

    const s = await sync(journal);
    expect(counts(s)).toEqual({ scanned: 3, added: 0, updated: 0, unchanged: 3, moved: 0, removed: 0, errors: 0 });
    const second = snap(db);
    expect(second.events).toEqual(first.events);
    expect(second.entries).toEqual(first.entries);
    expect(second.tags).toEqual(first.tags);
    expect(second.tasks).toEqual(first.tasks);
    expect(second.runs).toHaveLength(2);
  });

  it('a re-sync right after writing (racy files, re-hashed) writes no events either', async () => {
    const journal = makeJournal({ 'a.md': '# A\n', 'b.md': 'bee\n' });
    const db = dbOf(journal);
    await sync(journal);
    const first = snap(db);
    const s = await sync(journal);
    expect(s).toMatchObject({ ...NO_CHANGES, unchanged: 2 });
    const second = snap(db);
    expect(second.eventsOf(s.id)).toEqual([]);
    const key = (r: EntryRow): unknown[] => [r.id, r.path, r.indexed_at, r.content_hash];
    expect(second.entries.map(key)).toEqual(first.entries.map(key));
  });

  it('an edit gives one updated event and the new content replaces the old in FTS', async () => {
    const journal = makeJournal({ 'a.md': '# A\nThe oldword is here #oldtag\n', 'b.md': 'bee\n' });
    ageFiles(journal);
    const db = dbOf(journal);
    await sync(journal);
    const before = snap(db, ['oldword']);
    expect(before.fts.oldword).toEqual(['a.md']);
    const old = before.entry('a.md')!;

    const file = writeFile(journal, 'a.md', '# A\nThe newword is here #newtag\n- [ ] new task\n');
    const s = await sync(journal);
    expect(counts(s)).toEqual({ scanned: 2, added: 0, updated: 1, unchanged: 1, moved: 0, removed: 0, errors: 0 });
    const x = snap(db, ['oldword', 'newword']);
    expect(x.eventsOf(s.id)).toEqual([
      expect.objectContaining({ kind: 'updated', path: 'a.md', old_path: null, content_hash: sha256(file) }),
    ]);
    const now = x.entry('a.md')!;
    expect(now.id).toBe(old.id);
    expect(now.content_hash).toBe(sha256(file));
    expect(now.body).toContain('newword');
    expect(now.indexed_at >= old.indexed_at).toBe(true);
    expect(x.fts).toEqual({ oldword: [], newword: ['a.md'] });
    expect(x.tagsOf(now.id)).toEqual(['newtag']);
    expect(x.tasks).toEqual([{ entry_id: now.id, line: 3, text: 'new task', done: 0 }]);
    expect(x.entry('b.md')).toEqual(before.entry('b.md'));
  });

  it('an edit that keeps the size and mtime soon after a sync is still seen (racy stat)', async () => {
    const journal = makeJournal({ 'a.md': 'aaaa\n' });
    const file = path.join(journal, 'a.md');
    const db = dbOf(journal);
    await sync(journal);
    const { mtime } = fs.statSync(file);
    fs.writeFileSync(file, 'bbbb\n');
    fs.utimesSync(file, mtime, mtime);
    const s = await sync(journal);
    expect(s).toMatchObject({ updated: 1 });
    expect(snap(db).entry('a.md')).toMatchObject({ body: 'bbbb\n', content_hash: sha256(file) });
  });

  it('a touch without a change of bytes gives no event and refreshes mtime_ms', async () => {
    const journal = makeJournal({ 'a.md': '# A\n', 'b.md': 'bee\n' });
    ageFiles(journal);
    const db = dbOf(journal);
    await sync(journal);
    const before = snap(db).entry('a.md')!;

    setMtime(path.join(journal, 'a.md'), Date.now() - 10 * 60_000);
    const s = await sync(journal);
    expect(s).toMatchObject(NO_CHANGES);
    const x = snap(db);
    expect(x.eventsOf(s.id)).toEqual([]);
    const after = x.entry('a.md')!;
    expect(after.mtime_ms).toBe(Math.floor(fs.statSync(path.join(journal, 'a.md')).mtimeMs));
    expect(after.mtime_ms).not.toBe(before.mtime_ms);
    expect({ ...after, mtime_ms: 0 }).toEqual({ ...before, mtime_ms: 0 });
  });

  it('a rename is a move: same id, one moved event with old_path', async () => {
    const journal = makeJournal({ 'old name.md': '# Keep me\nunique words here\n', 'other.md': 'other\n' });
    ageFiles(journal);
    const db = dbOf(journal);
    await sync(journal);
    const before = snap(db).entry('old name.md')!;

    fs.mkdirSync(path.join(journal, 'moved'));
    fs.renameSync(path.join(journal, 'old name.md'), path.join(journal, 'moved', 'new name.md'));
    // A copy of a file that stays is an addition, not a move.
    fs.copyFileSync(path.join(journal, 'other.md'), path.join(journal, 'copy.md'));
    const s = await sync(journal);
    expect(counts(s)).toEqual({ scanned: 3, added: 1, updated: 0, unchanged: 1, moved: 1, removed: 0, errors: 0 });
    const x = snap(db, ['unique']);
    expect(x.eventsOf(s.id).sort((a, b) => a.kind.localeCompare(b.kind))).toEqual([
      expect.objectContaining({ kind: 'added', path: 'copy.md', old_path: null }),
      expect.objectContaining({ kind: 'moved', path: 'moved/new name.md', old_path: 'old name.md', content_hash: before.content_hash }),
    ]);
    expect(x.entry('moved/new name.md')).toMatchObject({ id: before.id, title: 'Keep me', content_hash: before.content_hash });
    expect(x.entry('old name.md')).toBeUndefined();
    expect(x.fts.unique).toEqual(['moved/new name.md']);
  });

  it('a folder rename keeps every id', async () => {
    const files: Record<string, string> = {};
    for (let i = 0; i < 5; i++) files[`trip/day-${i}.md`] = `# Day ${i}\ncontent ${i} #trip\n`;
    files['trip/deeper/note.md'] = 'deep note\n';
    const journal = makeJournal(files);
    ageFiles(journal);
    const db = dbOf(journal);
    await sync(journal);
    const before = new Map(snap(db).entries.map((r) => [r.path, r.id]));
    expect(before.size).toBe(6);

    fs.renameSync(path.join(journal, 'trip'), path.join(journal, 'Holiday 2024'));
    const s = await sync(journal);
    expect(counts(s)).toEqual({ scanned: 6, added: 0, updated: 0, unchanged: 0, moved: 6, removed: 0, errors: 0 });
    const x = snap(db);
    const ev = x.eventsOf(s.id);
    expect(ev).toHaveLength(6);
    for (const e of ev) {
      expect(e.kind).toBe('moved');
      expect(e.old_path).toBe(e.path.replace(/^Holiday 2024\//, 'trip/'));
    }
    expect(x.entries).toHaveLength(6);
    for (const row of x.entries) expect(row.id).toBe(before.get(row.path.replace(/^Holiday 2024\//, 'trip/')));
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
    expect(snap(db).errors.map((e) => e.path)).toEqual(['old/bad-yaml.md', 'old/binary.md']);

    fs.rmSync(path.join(journal, 'old'), { recursive: true });
    const s = await sync(journal);
    expect(counts(s)).toEqual({ scanned: 1, added: 0, updated: 0, unchanged: 1, moved: 0, removed: 3, errors: 0 });
    const x = snap(db, ['gone']);
    expect(x.paths).toEqual(['keep.md']);
    expect(
      x
        .eventsOf(s.id)
        .map((e) => [e.kind, e.path])
        .sort(),
    ).toEqual([
      ['removed', 'old/a.md'],
      ['removed', 'old/b.md'],
      ['removed', 'old/bad-yaml.md'],
    ]);
    expect(x.errors).toEqual([]);
    expect(x.tags).toEqual([]);
    expect(x.links).toEqual([]);
    expect(x.tasks).toEqual([]);
    expect(x.fts.gone).toEqual([]);
    expect(x.ftsRows).toBe(1);
  });

  it('a file with invalid YAML is indexed with its error, and a file_errors row names the line', async () => {
    const journal = makeJournal({ 'bad.md': '---\ntitle: x\n  bad: indent\n---\nsearchable quokka #still\n' });
    const db = dbOf(journal);
    const r = await runCli(['sync', journal, '--json']);
    expect(r.code, r.stderr).toBe(0);
    const s = parseJsonLine<Summary>(r.stdout);
    expect(s).toMatchObject({ added: 1, errors: 1 });
    expect(r.stderr).toContain('bad.md');

    const x = snap(db, ['quokka']);
    const row = x.entry('bad.md')!;
    expect(row.error).toMatch(/line 3\b/);
    expect(row.frontmatter).toBe('{}');
    expect(row.title).toBe('bad');
    expect(row.body).toBe('searchable quokka #still\n');
    expect(x.fts.quokka).toEqual(['bad.md']);
    expect(x.tagsOf(row.id)).toEqual(['still']);
    expect(x.errors).toHaveLength(1);
    expect(x.errors[0]).toMatchObject({ path: 'bad.md', run_id: s.id });
    expect(x.errors[0]!.message).toMatch(/line 3\b/);

    // A re-sync keeps the row (the file is still broken) and adds no event.
    const again = await sync(journal);
    const y = snap(db);
    expect(y.eventsOf(again.id)).toEqual([]);
    expect(y.errors.map((e) => e.path)).toEqual(['bad.md']);

    // Fixing the YAML clears the error.
    writeFile(journal, 'bad.md', '---\ntitle: Fixed\n---\nsearchable quokka\n');
    const fixed = await sync(journal);
    expect(fixed).toMatchObject({ updated: 1, errors: 0 });
    const z = snap(db);
    expect(z.entry('bad.md')).toMatchObject({ title: 'Fixed', error: null });
    expect(z.errors).toEqual([]);
  });

  it('a non-UTF-8 file and a file over --max-file-size get a file_errors row and no entry', async () => {
    const journal = makeJournal({
      'latin1.md': Buffer.from('caf\xe9 au lait\n', 'latin1'),
      'big.md': 'x'.repeat(300) + '\n',
      'small.md': 'small\n',
    });
    const s = await sync(journal, ['--max-file-size', '200']);
    expect(s).toMatchObject({ scanned: 3, added: 1, errors: 2 });
    const x = snap(dbOf(journal));
    expect(x.paths).toEqual(['small.md']);
    expect(x.errors.map((e) => e.path)).toEqual(['big.md', 'latin1.md']);
    expect(x.errors[0]!.message).toMatch(/200/);
    expect(x.errors[1]!.message).toMatch(/UTF-8/i);
    for (const e of x.errors) expect(e.run_id).toBe(s.id);
  });

  it('a file that turns into invalid UTF-8 keeps its old version with an error row; fixing it clears the row', async () => {
    const journal = makeJournal({ 'a.md': '# Good\nwombat\n' });
    ageFiles(journal);
    const db = dbOf(journal);
    await sync(journal);
    const good = snap(db).entry('a.md')!;

    writeFile(journal, 'a.md', Buffer.concat([Buffer.from('# Broken\n'), Buffer.from([0xc3, 0x28, 0xff])]));
    const broken = await sync(journal);
    expect(broken).toMatchObject({ added: 0, updated: 0, removed: 0, errors: 1 });
    const x = snap(db, ['wombat']);
    expect(x.eventsOf(broken.id)).toEqual([]);
    expect(x.entry('a.md')).toEqual(good);
    expect(x.fts.wombat).toEqual(['a.md']);
    expect(x.errors).toHaveLength(1);
    expect(x.errors[0]).toMatchObject({ path: 'a.md', run_id: broken.id });
    expect(x.errors[0]!.message).toMatch(/UTF-8/i);

    const file = writeFile(journal, 'a.md', '# Fixed\nnumbat\n');
    const fixed = await sync(journal);
    expect(fixed).toMatchObject({ updated: 1, errors: 0 });
    const y = snap(db, ['wombat', 'numbat']);
    expect(y.errors).toEqual([]);
    expect(y.entry('a.md')).toMatchObject({ id: good.id, title: 'Fixed', content_hash: sha256(file) });
    expect(y.fts).toEqual({ wombat: [], numbat: ['a.md'] });
  });

  it('a file that goes back to its indexed bytes after being unreadable clears the error row', async () => {
    const journal = makeJournal({ 'a.md': '# Good\n' });
    ageFiles(journal);
    const db = dbOf(journal);
    await sync(journal);
    const good = snap(db).entry('a.md')!;
    writeFile(journal, 'a.md', Buffer.from([0xff, 0xff, 0xff]));
    await sync(journal);
    expect(snap(db).errors).toHaveLength(1);
    writeFile(journal, 'a.md', '# Good\n');
    const s = await sync(journal);
    const x = snap(db);
    expect(x.eventsOf(s.id)).toEqual([]);
    expect(x.errors).toEqual([]);
    expect(x.entry('a.md')).toMatchObject({ id: good.id, content_hash: good.content_hash });
  });

  // Root reads anything: then the CLI runs as `nobody` so that chmod 000 really blocks it.
  it.skipIf(!canTestPermissions)('an unreadable folder keeps its entries and gets a file_errors row', async () => {
    const journal = makeJournal({ 'locked/a.md': 'a\n', 'locked/b.md': 'b\n', 'open.md': 'open\n' });
    ageFiles(journal);
    const asUser = isRoot ? { uid: NOBODY, gid: NOBODY } : {};
    if (isRoot) chownTree(journal, NOBODY, NOBODY);
    const db = dbOf(journal);
    const syncAs = async (): Promise<Summary> => {
      const r = await runCli(['sync', journal, '--json'], asUser);
      expect(r.code, r.stderr).toBe(0);
      return parseJsonLine<Summary>(r.stdout);
    };
    await syncAs();
    const before = snap(db);
    expect(before.paths).toEqual(['locked/a.md', 'locked/b.md', 'open.md']);
    fs.chmodSync(path.join(journal, 'locked'), 0o000);
    try {
      const s = await syncAs();
      expect(s).toMatchObject({ added: 0, updated: 0, removed: 0, moved: 0 });
      const x = snap(db);
      expect(x.eventsOf(s.id)).toEqual([]);
      expect(x.entries).toEqual(before.entries);
      expect(x.errors.map((e) => e.path)).toEqual(['locked']);
      expect(x.errors[0]!.message).toMatch(/permission/i);
    } finally {
      fs.chmodSync(path.join(journal, 'locked'), 0o755);
    }
    const s = await syncAs();
    const y = snap(db);
    expect(y.eventsOf(s.id)).toEqual([]);
    expect(y.entries).toEqual(before.entries);
    expect(y.errors).toEqual([]);
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
    const x = snap(dbOf(journal));
    expect(x.paths).toEqual(['keep.md', 'notdrafts/x.md', 'sub/keep2.md']);
    expect(x.errors).toEqual([]);
  });

  it('removes entries that a new --ignore glob now covers', async () => {
    const journal = makeJournal({ 'keep.md': 'keep\n', 'drafts/a.md': 'draft\n' });
    const db = dbOf(journal);
    await sync(journal);
    const s = await sync(journal, ['--ignore', 'drafts']);
    expect(s).toMatchObject({ removed: 1, added: 0 });
    const x = snap(db);
    expect(x.paths).toEqual(['keep.md']);
    expect(x.eventsOf(s.id)).toEqual([expect.objectContaining({ kind: 'removed', path: 'drafts/a.md' })]);
  });

  it('never indexes the index file itself, even inside the journal', async () => {
    const journal = makeJournal({ 'a.md': 'a\n' });
    const dbFile = path.join(journal, 'the-index.md');
    await sync(journal, ['--db', dbFile]);
    const s = await sync(journal, ['--db', dbFile]);
    expect(s).toMatchObject({ scanned: 1, errors: 0 });
    const x = snap(dbFile);
    expect(x.paths).toEqual(['a.md']);
    expect(x.errors).toEqual([]);
  });

  it('does not follow symbolic links out of the journal', async () => {
    const outside = makeJournal({ 'secret.md': 'outside secret\n', 'dir/deep.md': 'outside deep\n' }, 'inkdex-outside-');
    const journal = makeJournal({ 'real.md': 'real\n' });
    fs.symlinkSync(path.join(outside, 'secret.md'), path.join(journal, 'link.md'));
    fs.symlinkSync(path.join(outside, 'dir'), path.join(journal, 'linkdir'));
    fs.symlinkSync(path.join(outside, 'nowhere.md'), path.join(journal, 'dangling.md'));
    const s = await sync(journal);
    expect(s).toMatchObject({ added: 1, errors: 0 });
    const x = snap(dbOf(journal), ['outside']);
    expect(x.paths).toEqual(['real.md']);
    expect(x.fts.outside).toEqual([]);
    expect(x.errors).toEqual([]);
  });

  it('indexes .markdown and .MD files', async () => {
    const journal = makeJournal({ 'a.markdown': 'a\n', 'B.MD': 'b\n', 'c.Markdown': 'c\n', 'd.txt': 'd\n', 'e.mdx': 'e\n', 'f.md.bak': 'f\n' });
    await sync(journal);
    expect(snap(dbOf(journal)).entries.map((e) => [e.path, e.title])).toEqual([
      ['B.MD', 'B'],
      ['a.markdown', 'a'],
      ['c.Markdown', 'c'],
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
    const x = snap(db);
    expect(x.paths).toEqual([nfc]);
    expect(x.entry(nfc)!.title).toBe('r\u00e9sum\u00e9');
    expect(x.events.map((e) => e.path)).toEqual([nfc]);

    writeFile(journal, decomposed, 'second version\n');
    const s = await sync(journal);
    expect(s).toMatchObject({ updated: 1, added: 0, removed: 0, errors: 0 });
    expect(snap(db).entry(nfc)!.body).toBe('second version\n');
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
    const middle = `w${Math.floor(words.length / 4)}`;
    const r = queryBatch(db, {
      row: ["SELECT length(body) AS len, size, word_count, substr(body, -16) AS tail FROM entries WHERE path = 'big.md'", []],
      fts: [
        'SELECT count(*) AS n FROM entries_fts WHERE entries_fts MATCH ?',
        ['finalmarkerword openingword ' + middle],
      ],
    });
    expect(r.row[0]).toEqual({ len: body.length, size: Buffer.byteLength(body), word_count: words.length + 2, tail: 'finalmarkerword\n' });
    expect(r.fts[0]).toEqual({ n: 1 });
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
    const x = snap(dbOf(journal));
    for (const row of x.entries) {
      expect(row.title).not.toBe('pwned');
      expect(row.frontmatter).toBe('{}');
      expect(row.error).not.toBeNull();
      expect(row.body).toMatch(/ body\n$/);
    }
    expect(x.errors.map((e) => e.path)).toEqual(['javascript.md', 'js.md', 'upper.md']);
  });

  it('rebuilds the index after the index file was deleted', async () => {
    const journal = makeJournal({ 'a.md': '# A #t\n', 'b/b.md': '[[a]]\n' });
    const db = dbOf(journal);
    await sync(journal);
    const content = (x: Snapshot): unknown[] => x.entries.map((e) => [e.path, e.title, e.content_hash, e.body]);
    const before = snap(db);
    fs.rmSync(db);
    const s = await sync(journal);
    expect(s).toMatchObject({ added: 2, errors: 0 });
    const after = snap(db);
    expect(content(after)).toEqual(content(before));
    expect(after.tags.map((t) => t.tag)).toEqual(['t']);
    expect(after.links.map((l) => l.target)).toEqual(['a']);
  });

  it('refuses a file at --db that is not an inkdex index, leaving its bytes untouched', async () => {
    const journal = makeJournal({ 'a.md': 'alpha\n', 'b.md': 'beta\n' });
    const db = path.join(tmpDir('inkdex-db-'), 'index.sqlite');
    const garbage = randomBytes(64 * 1024);
    fs.writeFileSync(db, garbage);
    const r = await runCli(['sync', journal, '--db', db], { timeoutMs: 30_000 });
    expect(r.code).toBe(1);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toContain(db);
    expect(fs.readFileSync(db).equals(garbage)).toBe(true);
  });

  it('rebuilds a wrecked index at the default path, in the journal\'s own .inkdex folder', async () => {
    const journal = makeJournal({ 'a.md': 'alpha\n', 'b.md': 'beta\n' });
    const db = dbOf(journal);
    fs.mkdirSync(path.dirname(db), { recursive: true });
    fs.writeFileSync(db, randomBytes(64 * 1024));
    const s = await sync(journal);
    expect(s).toMatchObject({ added: 2, errors: 0, status: 'succeeded' });
    const x = snap(db, ['beta']);
    expect(x.paths).toEqual(['a.md', 'b.md']);
    expect(x.fts.beta).toEqual(['b.md']);
  });

  it('rebuilds an index with an unknown schema_version', async () => {
    const journal = makeJournal({ 'a.md': 'alpha\n' });
    const db = dbOf(journal);
    await sync(journal);
    const version = snap(db).meta.schema_version;
    execSql(
      db,
      `UPDATE meta SET value = '999' WHERE key = 'schema_version';
       INSERT INTO entries(path, title, frontmatter, body, word_count, content_hash, size, mtime_ms, indexed_at)
         VALUES ('ghost.md', 'ghost', '{}', '', 0, 'x', 0, 0, '2000-01-01T00:00:00Z');`,
    );
    expect(query(db, "SELECT value FROM meta WHERE key = 'schema_version'")).toEqual([{ value: '999' }]);
    const s = await sync(journal);
    expect(s).toMatchObject({ added: 1, removed: 0, errors: 0 });
    const x = snap(db);
    expect(x.meta.schema_version).toBe(version);
    expect(x.paths).toEqual(['a.md']);
    expect(x.runs).toHaveLength(1);
  });

  it('exits 1 naming the process when a live process holds the lock', async () => {
    const journal = makeJournal({ 'a.md': 'a\n' });
    const db = dbOf(journal);
    fs.mkdirSync(path.dirname(db), { recursive: true });
    const holder = spawnIdleProcess();
    await waitFor(() => holder.pid !== undefined, { message: 'the lock holder to start' });
    // As its holder writes it: with its start time and boot (a PID whose process is not the
    // lock's writer is taken over; harden.test.ts covers that and a real inkdex holder).
    const startTime = fs.readFileSync(`/proc/${holder.pid}/stat`, 'utf8').split(') ')[1]!.split(' ')[19];
    const bootId = fs.readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim();
    const lock = { pid: holder.pid!, host: os.hostname(), command: 'inkdex serve', since: new Date().toISOString(), startTime, bootId };
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
    expect(snap(db).paths).toEqual(['a.md']);
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

  it('exits 1 with one clear line when the index folder cannot be created', async () => {
    const journal = makeJournal({ 'a.md': 'a\n' });
    const db = path.join(journal, 'a.md', 'index.sqlite');
    const r = await runCli(['sync', journal, '--db', db]);
    expect(r.code).toBe(1);
    const lines = r.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain(path.dirname(db));
    expect(fs.readFileSync(path.join(journal, 'a.md'), 'utf8')).toBe('a\n');
  });

  it.skipIf(!canTestPermissions)('exits 1 with one clear line when the index cannot be written', async () => {
    const journal = makeJournal({ 'a.md': 'a\n' });
    const asUser = isRoot ? { uid: NOBODY, gid: NOBODY } : {};
    if (isRoot) chownTree(journal, NOBODY, NOBODY);
    const indexDir = path.join(journal, '.inkdex');
    fs.mkdirSync(indexDir);
    fs.chmodSync(indexDir, 0o555);
    if (isRoot) fs.chownSync(indexDir, 0, 0);
    const r = await runCli(['sync', journal], asUser);
    expect(r.code).toBe(1);
    const lines = r.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain(indexDir);
    expect(fs.readdirSync(indexDir)).toEqual([]);
  });

  // A first build of ≥ 500 files makes its FTS index in one pass at the end (sync.ts):
  // every entry must be searchable, and later edits must keep the index exact.
  it('a large first build is fully searchable, and stays so through edits, moves and deletes', async () => {
    const files: Record<string, string> = {};
    for (let i = 0; i < 1200; i++) files[`${2020 + (i % 5)}/n${i}.md`] = `# Note ${i}\nshared words and unique${i}\n`;
    const journal = makeJournal(files);
    const db = dbOf(journal);
    ageFiles(journal);
    expect(counts(await sync(journal))).toMatchObject({ added: 1200, errors: 0 });
    execSql(db, "INSERT INTO entries_fts(entries_fts) VALUES ('integrity-check')"); // throws when FTS and entries differ
    let s = snap(db, ['shared', 'unique17', 'note']);
    expect(s.fts.shared).toHaveLength(1200);
    expect(s.fts.unique17).toEqual(['2022/n17.md']);
    expect(s.fts.note).toHaveLength(1200); // titles too

    writeFile(journal, '2022/n17.md', '# Note 17\nrewritten with fresh17\n');
    fs.rmSync(path.join(journal, '2023/n18.md'));
    fs.renameSync(path.join(journal, '2024/n19.md'), path.join(journal, '2024/renamed.md'));
    expect(counts(await sync(journal))).toMatchObject({ updated: 1, removed: 1, moved: 1 });
    execSql(db, "INSERT INTO entries_fts(entries_fts) VALUES ('integrity-check')");
    s = snap(db, ['shared', 'unique17', 'fresh17', 'unique18', 'unique19']);
    expect(s.fts.shared).toHaveLength(1198);
    expect(s.fts.unique17).toEqual([]);
    expect(s.fts.fresh17).toEqual(['2022/n17.md']);
    expect(s.fts.unique18).toEqual([]);
    expect(s.fts.unique19).toEqual(['2024/renamed.md']);
  });

  // SPEC §1: SIGINT/SIGTERM → write the index, release the lock, exit 0 within 2 s.
  it('SIGTERM during a sync: writes the index, releases the lock, exits 0 within 2 s', async () => {
    const files: Record<string, string> = {};
    for (let i = 0; i < 3000; i++) files[`d${i % 30}/n${i}.md`] = `# Note ${i}\n${'word #tag '.repeat(40)}\n- [ ] task\n[[link${i}]]\n`;
    const journal = makeJournal(files);
    const db = dbOf(journal);
    const cli = startCli(['sync', journal, '--json']);
    await waitFor(() => fs.existsSync(`${db}.lock`) || cli.child.exitCode !== null, { intervalMs: 5, message: 'the sync to take its lock' });
    expect(cli.child.exitCode, 'the sync finished before the signal: make the journal bigger').toBeNull();
    const signalledAt = Date.now();
    const exit = await cli.stop('SIGTERM', 10_000);
    expect(Date.now() - signalledAt).toBeLessThan(2000);
    expect(exit).toEqual({ code: 0, signal: null });
    expect(fs.existsSync(`${db}.lock`)).toBe(false);
    const s = snap(db, ['word']);
    expect(s.runs).toHaveLength(1);
    // What was indexed before the signal is searchable, however far the run got.
    expect(s.fts.word).toHaveLength(s.entries.length);
    execSql(db, "INSERT INTO entries_fts(entries_fts) VALUES ('integrity-check')");
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
