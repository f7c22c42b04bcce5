/**
 * The query verbs end to end (SPEC §5.2): `inkdex search | show | list | tags | tasks` as
 * child processes on a synced temp journal — their tables, their `--json` documents (the
 * MCP tools' shapes), exit codes, and that they only ever read: no index → exit 1 and
 * nothing created; beside a running `serve` they answer from the index it keeps.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { cleanup, makeJournal, runCli, tmpDir, waitFor, writeFile } from './helpers.js';
import { startServe } from './serve-helpers.js';

afterEach(async () => {
  await cleanup.run();
});

const NOTES: Record<string, string> = {
  '2024-05-01.md': [
    '---',
    'title: Standup notes',
    'tags: [work, daily]',
    'status: Done',
    'aliases: [standup]',
    '---',
    '# Standup',
    'Talked with [[Ann Lee]] about the #project/alpha launch.',
    '- [ ] send the slides',
    '- [x] book the room',
    '',
  ].join('\n'),
  'people/Ann Lee.md': '# Ann Lee\nAnn works on alpha. Met at the café.\n',
  'work/2024-06-10 cats.md': 'Plain note about cats and dogs 🐈\n#pets\n- [ ] feed the cat\n',
  'work/broken.md': 'Links to [[Nobody Here]].\n',
};

/** Runs a verb in `journal` (its current folder), with a timeout. */
function verb(journal: string, args: string[]) {
  return runCli(args, { cwd: journal, timeoutMs: 20_000 });
}

/** A synced journal shared by the read-only tests (they never change it). */
let journal: string;
let indexFiles: string[];

beforeAll(async () => {
  // Outside cleanup's per-test registry: this one lives for the whole file.
  journal = fs.mkdtempSync(path.join(os.tmpdir(), 'inkdex-query-'));
  for (const [rel, text] of Object.entries(NOTES)) writeFile(journal, rel, text);
  const sync = await runCli(['sync', journal], { timeoutMs: 30_000 });
  expect(sync.code, sync.stderr).toBe(0);
  indexFiles = listIndexFolder(journal);
  return () => fs.rmSync(journal, { recursive: true, force: true });
});

function listIndexFolder(dir: string): string[] {
  const folder = path.join(dir, '.inkdex');
  return fs.readdirSync(folder).map((n) => `${n}:${fs.statSync(path.join(folder, n)).size}:${fs.statSync(path.join(folder, n)).mtimeMs}`).sort();
}

describe('search', { timeout: 60_000 }, () => {
  it('prints a table of date, title and path with the snippet under each hit, best first', async () => {
    const r = await verb(journal, ['search', 'alpha']);
    expect(r.code, r.stderr).toBe(0);
    const lines = r.stdout.trimEnd().split('\n');
    expect(lines).toHaveLength(4);
    expect(lines[0]).toMatch(/^ {10} {2}Ann Lee +people\/Ann Lee\.md$/);
    expect(lines[1]).toContain('«alpha»');
    expect(lines[2]).toMatch(/^2024-05-01 {2}Standup notes +2024-05-01\.md$/);
    expect(r.stderr).toBe('');
  });

  it('--json prints the search tool\'s result: {total, hits:[{id, path, title, date, tags, snippet, score}]}', async () => {
    const r = await verb(journal, ['search', 'cats', '--json']);
    expect(r.code, r.stderr).toBe(0);
    const doc = JSON.parse(r.stdout) as { total: number; hits: Array<Record<string, unknown>> };
    expect(doc.total).toBe(1);
    expect(Object.keys(doc.hits[0]!)).toEqual(['id', 'path', 'title', 'date', 'tags', 'snippet', 'score']);
    expect(doc.hits[0]).toMatchObject({ path: 'work/2024-06-10 cats.md', title: '2024-06-10 cats', date: '2024-06-10', tags: ['pets'] });
    expect(doc.hits[0]!.snippet).toContain('«cats»');
    expect(doc.hits[0]!.score).toBeGreaterThan(0);
  });

  it('takes several words as one query, and filters by tag, dates and folder', async () => {
    expect(JSON.parse((await verb(journal, ['search', 'ann', 'alpha', '--json'])).stdout).total).toBe(2);
    expect(JSON.parse((await verb(journal, ['search', 'alpha', '--tag', '#Work', '--json'])).stdout).hits.map((h: { path: string }) => h.path)).toEqual(['2024-05-01.md']);
    expect(JSON.parse((await verb(journal, ['search', 'alpha', '--folder', 'people/', '--json'])).stdout).hits.map((h: { path: string }) => h.path)).toEqual(['people/Ann Lee.md']);
    expect(JSON.parse((await verb(journal, ['search', 'alpha', '--from', '2024-05-02', '--json'])).stdout).total).toBe(0);
  });

  it('with no hits: exit 0, nothing on stdout, a note on stderr; --json prints the empty result', async () => {
    const r = await verb(journal, ['search', 'zebra']);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/no entries match "zebra"/);
    const j = await verb(journal, ['search', 'zebra', '--json']);
    expect(j.code).toBe(0);
    expect(JSON.parse(j.stdout)).toEqual({ total: 0, hits: [] });
    expect(j.stderr).toBe('');
  });

  it('says on stderr when there are more hits than shown', async () => {
    const r = await verb(journal, ['search', 'alpha', '--limit', '1']);
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/showing 1–1 of 2/);
  });
});

describe('show', { timeout: 60_000 }, () => {
  it('shows one entry by path (extension optional), id or title: metadata, tasks, links, backlinks, body', async () => {
    const byPath = await verb(journal, ['show', '2024-05-01']);
    expect(byPath.code, byPath.stderr).toBe(0);
    expect(byPath.stdout).toMatch(/^Standup notes\n2024-05-01\.md {2}id \d+ {2}2024-05-01\n/);
    expect(byPath.stdout).toContain('tags: #daily #project #project/alpha #work');
    expect(byPath.stdout).toContain('[ ] send the slides  line 9');
    expect(byPath.stdout).toContain('Ann Lee → people/Ann Lee.md');
    expect(byPath.stdout).toContain('Talked with [[Ann Lee]] about');
    const ann = JSON.parse((await verb(journal, ['show', 'Ann Lee', '--json'])).stdout) as { id: number; backlinks: unknown[] };
    expect(ann.backlinks).toEqual([{ id: expect.any(Number), path: '2024-05-01.md', title: 'Standup notes' }]);
    const byId = JSON.parse((await verb(journal, ['show', String(ann.id), '--json'])).stdout) as { path: string };
    expect(byId.path).toBe('people/Ann Lee.md');
  });

  it('--json is read_entry\'s result with the whole body', async () => {
    const r = await verb(journal, ['show', 'work/broken.md', '--json']);
    const doc = JSON.parse(r.stdout) as Record<string, unknown>;
    expect(Object.keys(doc).sort()).toEqual(
      ['aliases', 'backlinks', 'body', 'bodyLength', 'date', 'fields', 'frontmatter', 'headings', 'id', 'links', 'path', 'tags', 'tasks', 'title', 'truncated'].sort(),
    );
    expect(doc).toMatchObject({ body: 'Links to [[Nobody Here]].\n', bodyLength: 26, truncated: false, links: [{ target: 'Nobody Here', kind: 'wiki', anchor: null, targetPath: null }] });
    expect((await verb(journal, ['show', '2024-05-01.md', '--json'])).stdout).toContain('"aliases": [\n    "standup"\n  ]');
  });

  it('a name that matches nothing: exit 1, one line with close matches', async () => {
    const r = await verb(journal, ['show', 'people/Ann Le']);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/no entry with id, path or title "people\/Ann Le"; close matches: people\/Ann Lee\.md/);
  });
});

describe('list, tags, tasks', { timeout: 60_000 }, () => {
  it('list: newest date first, undated after; filters; --sort; --json as list_entries', async () => {
    const r = await verb(journal, ['list']);
    expect(r.code).toBe(0);
    expect(r.stdout.trimEnd().split('\n').map((l) => l.replace(/ +/g, ' '))).toEqual([
      '2024-06-10 2024-06-10 cats work/2024-06-10 cats.md',
      '2024-05-01 Standup notes 2024-05-01.md',
      ' Ann Lee people/Ann Lee.md',
      ' broken work/broken.md',
    ]);
    const doc = JSON.parse((await verb(journal, ['list', '--sort', 'title', '--json'])).stdout) as { total: number; entries: Array<Record<string, unknown>> };
    expect(doc.total).toBe(4);
    expect(doc.entries.map((e) => e.title)).toEqual(['2024-06-10 cats', 'Ann Lee', 'broken', 'Standup notes']);
    expect(Object.keys(doc.entries[0]!)).toEqual(['id', 'path', 'title', 'date', 'tags', 'wordCount']);
    const paths = async (args: string[]): Promise<string[]> =>
      (JSON.parse((await verb(journal, ['list', ...args, '--json'])).stdout) as { entries: Array<{ path: string }> }).entries.map((e) => e.path);
    expect(await paths(['--tag', 'project'])).toEqual(['2024-05-01.md']);
    expect(await paths(['--folder', 'work'])).toEqual(['work/2024-06-10 cats.md', 'work/broken.md']);
    expect(await paths(['--from', '2024-05-01', '--to', '2024-05-31'])).toEqual(['2024-05-01.md']);
    expect(await paths(['--field', 'status'])).toEqual(['2024-05-01.md']);
    expect(await paths(['--field', 'STATUS:done'])).toEqual(['2024-05-01.md']);
    expect(await paths(['--field', 'status:open'])).toEqual([]);
    expect(await paths(['--limit', '1', '--offset', '1'])).toEqual(['2024-05-01.md']);
  });

  it('tags: count and tag, most used first; --prefix; --json as list_tags', async () => {
    const r = await verb(journal, ['tags']);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('1  #daily\n1  #pets\n1  #project\n1  #project/alpha\n1  #work\n');
    expect(JSON.parse((await verb(journal, ['tags', '--prefix', '#Proj', '--json'])).stdout)).toEqual({
      tags: [
        { tag: 'project', count: 1 },
        { tag: 'project/alpha', count: 1 },
      ],
    });
  });

  it('tasks: --open, --done, --json as the tasks tool', async () => {
    const open = await verb(journal, ['tasks', '--open']);
    expect(open.stdout.trimEnd().split('\n')).toEqual(['[ ] send the slides  2024-05-01.md:9', '[ ] feed the cat  work/2024-06-10 cats.md:3']);
    const done = JSON.parse((await verb(journal, ['tasks', '--done', '--json'])).stdout) as { total: number; tasks: Array<Record<string, unknown>> };
    expect(done).toEqual({
      total: 1,
      tasks: [{ entryId: expect.any(Number), path: '2024-05-01.md', title: 'Standup notes', line: 10, text: 'book the room', done: true, due: null, scheduled: null, doneDate: null, priority: null }],
    });
    const none = await verb(journal, ['tasks', '--due-before', '2000-01-01']);
    expect(none.code).toBe(0);
    expect(none.stderr).toMatch(/no tasks match/);
  });

  it('read the same with either engine (wasm: the file loaded into sql.js)', async () => {
    for (const args of [['search', 'alpha'], ['list', '--sort', 'changed'], ['show', '2024-05-01'], ['tags'], ['tasks']]) {
      const native = await verb(journal, [...args, '--json', '--engine', 'native']);
      const wasm = await verb(journal, [...args, '--json', '--engine', 'wasm']);
      expect(wasm.code, wasm.stderr).toBe(0);
      expect(JSON.parse(wasm.stdout), args.join(' ')).toEqual(JSON.parse(native.stdout));
    }
  });

  it('never wrote the index: the files in .inkdex are as sync left them', () => {
    expect(listIndexFolder(journal)).toEqual(indexFiles);
  });
});

describe('usage and failures', { timeout: 60_000 }, () => {
  it.each([
    [['search'], /needs a QUERY/],
    [['show'], /needs the PATH or ID/],
    [['show', 'a', 'b'], /takes one PATH or ID/],
    [['list', 'somewhere'], /unexpected argument "somewhere"/],
    [['tags', '--open'], /--open is not an option of inkdex tags/],
    [['search', 'x', '--port', '80'], /--port is not an option of inkdex search/],
    [['list', '--from', '2024-02-30'], /--from must be a date YYYY-MM-DD/],
    [['list', '--from', '2024-05-02', '--to', '2024-05-01'], /--from \(2024-05-02\) is after --to/],
    [['search', 'x', '--limit', '101'], /--limit must be a whole number from 1 to 100/],
    [['list', '--limit', '0'], /--limit must be a whole number/],
    [['list', '--sort', 'size'], /--sort must be date, changed or title/],
    [['list', '--field', ':x'], /--field must be KEY or KEY:VALUE/],
    [['tasks', '--open', '--done'], /not both/],
    [['sync', '--tag', 'x'], /--tag is for the query verbs/],
    [['searc', 'x'], /unknown command "searc"/],
  ])('inkdex %j → exit 2', async (args, message) => {
    const r = await verb(journal, args);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(message);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
  });

  it('no index: exit 1, one line saying to run inkdex sync, and nothing is created', async () => {
    const fresh = makeJournal({ 'a.md': '# A\n' });
    for (const args of [['search', 'a'], ['list'], ['show', 'a'], ['tags'], ['tasks']]) {
      const r = await verb(fresh, args);
      expect(r.code, args.join(' ')).toBe(1);
      expect(r.stdout).toBe('');
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(r.stderr).toMatch(/no index at .*: run `inkdex sync .*` first/);
    }
    expect(fs.existsSync(path.join(fresh, '.inkdex'))).toBe(false);
  });

  it('--journal DIR and --db FILE name the index from anywhere', async () => {
    const elsewhere = tmpDir();
    const a = await runCli(['list', '--journal', journal, '--json'], { cwd: elsewhere, timeoutMs: 20_000 });
    expect(JSON.parse(a.stdout).total).toBe(4);
    const b = await runCli(['tags', '--db', path.join(journal, '.inkdex', 'index.sqlite'), '--json'], { cwd: elsewhere, timeoutMs: 20_000 });
    expect(JSON.parse(b.stdout).tags).toHaveLength(5);
    const missing = await runCli(['list', '--journal', path.join(elsewhere, 'nope')], { cwd: elsewhere, timeoutMs: 20_000 });
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/journal folder .*nope does not exist/);
  });

  it('refuses a file that is not an inkdex index, without touching it', async () => {
    const dir = tmpDir();
    const notes = path.join(dir, 'notes.md');
    fs.writeFileSync(notes, '# not an index\n');
    const r = await runCli(['list', '--db', notes], { cwd: dir, timeoutMs: 20_000 });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/is not an inkdex index/);
    expect(fs.readFileSync(notes, 'utf8')).toBe('# not an index\n');
  });
});

describe.each(['native', 'wasm'])('beside a running serve (%s engine)', { timeout: 60_000 }, (engine) => {
  it('answers from the index serve keeps, and sees an edit', async () => {
    const dir = makeJournal({ 'one.md': '# One\nfirst words\n' });
    const db = path.join(dir, '.inkdex', 'index.sqlite');
    const served = await startServe(dir, ['--engine', engine], db);
    await served.idle();
    const first = await verb(dir, ['search', 'first', '--json']);
    expect(first.code, first.stderr).toBe(0);
    expect(JSON.parse(first.stdout).total).toBe(1);
    writeFile(dir, 'two.md', '# Two\nsecond words\n');
    await waitFor(async () => JSON.parse((await verb(dir, ['search', 'second', '--json'])).stdout).total === 1, { timeoutMs: 15_000, message: 'the new note to be found' });
    await served.cli.stop();
  });
});
