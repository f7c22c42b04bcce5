/**
 * `inkdex mcp` over stdio with the SDK's own Client (SPEC §5.1): the handshake, the seven
 * tools with their schemas and answers, bad arguments (an error naming the argument, the
 * server alive after), a missing note with close matches, paging a long body, 50 calls
 * in flight at once, the CLI's --json equal to the tools' answers, stdout carrying
 * protocol messages only, and a closed stdin ending the process.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { cleanup, CLI, makeJournal, REPO_ROOT, runCli, waitFor, writeFile } from './helpers.js';
import { gone, isAlive, startMcp, textOf, type StartedMcp } from './mcp-helpers.js';

afterEach(async () => {
  await cleanup.run();
});

const LONG_BODY = Array.from({ length: 3000 }, (_, i) => `line ${i} of the long note.`).join('\n');

const NOTES: Record<string, string> = {
  '2024-05-01.md': '---\ntitle: Standup notes\ntags: [work]\nstatus: done\n---\nTalked with [[Ann Lee]] about the #project/alpha launch.\n- [ ] send the slides\n- [x] book the room\n',
  'people/Ann Lee.md': '# Ann Lee\nAnn works on alpha.\n',
  'work/2024-06-10 cats.md': 'Plain note about cats 🐈\n#pets\n- [ ] feed the cat\n',
  'long.md': `# Long\n${LONG_BODY}\n`,
};

let journal: string;
let mcp: StartedMcp;

beforeAll(async () => {
  journal = fs.mkdtempSync(path.join(os.tmpdir(), 'inkdex-mcp-'));
  for (const [rel, text] of Object.entries(NOTES)) writeFile(journal, rel, text);
  const sync = await runCli(['sync', journal], { timeoutMs: 30_000 });
  expect(sync.code, sync.stderr).toBe(0);
  mcp = await startMcp([journal], { shared: true });
}, 60_000);

afterAll(async () => {
  await mcp?.close();
  fs.rmSync(journal, { recursive: true, force: true });
});

describe('the handshake and the tool list', { timeout: 60_000 }, () => {
  it('declares itself, resources with subscribe and listChanged, and the seven tools (and writing_stats) with input and output schemas', async () => {
    expect(mcp.client.getServerVersion()).toMatchObject({ name: 'inkdex' });
    expect(mcp.client.getServerCapabilities()).toMatchObject({ tools: {}, resources: { subscribe: true, listChanged: true } });
    expect(mcp.client.getInstructions()).toMatch(/journal/);
    const { tools } = await mcp.client.listTools();
    expect(tools.map((t) => t.name).sort()).toEqual(['journal_status', 'list_entries', 'list_tags', 'read_entry', 'recent_changes', 'search', 'tasks', 'writing_stats']);
    for (const t of tools) {
      expect(t.inputSchema.type, t.name).toBe('object');
      expect(t.outputSchema?.type, t.name).toBe('object');
      expect(t.annotations?.readOnlyHint, t.name).toBe(true);
    }
    const search = tools.find((t) => t.name === 'search')!;
    expect(search.inputSchema.required).toEqual(['query']);
    expect(search.inputSchema.properties?.limit).toMatchObject({ type: 'integer', minimum: 1, maximum: 100 });
  });
});

describe('the tools', { timeout: 60_000 }, () => {
  it('search: hits best first with snippet and score; structuredContent and the same as JSON text', async () => {
    const result = await mcp.raw('search', { query: 'alpha' });
    expect(result.isError).toBeFalsy();
    const found = result.structuredContent as { total: number; hits: Array<Record<string, unknown>> };
    expect(JSON.parse(textOf(result))).toEqual(found);
    expect(found.total).toBe(2);
    expect(found.hits.map((h) => h.path)).toEqual(['people/Ann Lee.md', '2024-05-01.md']);
    expect(Object.keys(found.hits[0]!)).toEqual(['id', 'path', 'title', 'date', 'tags', 'snippet', 'score']);
    expect(found.hits[0]!.snippet).toContain('«alpha»');
    expect(await mcp.call('search', { query: 'alpha', tag: '#work' })).toMatchObject({ total: 1, hits: [{ path: '2024-05-01.md' }] });
    expect(await mcp.call('search', { query: 'alpha', folder: 'people', limit: 1 })).toMatchObject({ total: 1 });
    expect(await mcp.call('search', { query: 'alpha', from: '2024-05-02' })).toEqual({ total: 0, hits: [] });
  });

  it('read_entry: by path, id or title, with links (and where they lead), backlinks, tasks', async () => {
    const standup = await mcp.call('read_entry', { path: '2024-05-01.md' });
    expect(standup).toMatchObject({
      path: '2024-05-01.md',
      title: 'Standup notes',
      date: '2024-05-01',
      tags: ['project', 'project/alpha', 'work'],
      frontmatter: { title: 'Standup notes', tags: ['work'], status: 'done' },
      links: [{ target: 'Ann Lee', kind: 'wiki', anchor: null, targetPath: 'people/Ann Lee.md' }],
      tasks: [
        { line: 7, text: 'send the slides', done: false },
        { line: 8, text: 'book the room', done: true },
      ],
      truncated: false,
    });
    const ann = await mcp.call('read_entry', { title: 'ann lee' });
    expect(ann.backlinks).toEqual([{ id: standup.id, path: '2024-05-01.md', title: 'Standup notes' }]);
    expect((await mcp.call('read_entry', { id: ann.id })).path).toBe('people/Ann Lee.md');
    expect((await mcp.call('read_entry', { path: 'people/Ann Lee' })).id).toBe(ann.id);
  });

  it('read_entry pages a long body by characters', async () => {
    const first = await mcp.call('read_entry', { path: 'long.md', limit: 1000 });
    expect(first.body).toHaveLength(1000);
    expect(first.truncated).toBe(true);
    expect(first.bodyLength).toBe(`# Long\n${LONG_BODY}\n`.length);
    const whole = await mcp.call('read_entry', { path: 'long.md' });
    expect(whole.body.length).toBe(20_000);
    const rest = await mcp.call('read_entry', { path: 'long.md', offset: 20_000, limit: 1_000_000 });
    expect(rest.truncated).toBe(false);
    expect(whole.body + rest.body).toBe(`# Long\n${LONG_BODY}\n`);
  });

  it('read_entry of a note that is not there: a tool error naming what was asked, with up to 5 close matches', async () => {
    const result = await mcp.raw('read_entry', { path: 'people/Ann Le.md' });
    expect(result.isError).toBe(true);
    expect(textOf(result)).toMatch(/^no entry with path "people\/Ann Le\.md"; close matches: "people\/Ann Lee\.md"/);
    const none = await mcp.raw('read_entry', { title: 'qqqqqq' });
    expect(none.isError).toBe(true);
    expect(textOf(none)).toBe('no entry with title "qqqqqq"');
    expect(textOf(await mcp.raw('read_entry', { id: 999_999 }))).toBe('no entry with id "999999"');
  });

  it('list_entries: filters, sorts, pages', async () => {
    const all = await mcp.call('list_entries', {});
    expect(all.total).toBe(4);
    expect(all.entries.map((e: { path: string }) => e.path)).toEqual(['work/2024-06-10 cats.md', '2024-05-01.md', 'long.md', 'people/Ann Lee.md']);
    expect(Object.keys(all.entries[0])).toEqual(['id', 'path', 'title', 'date', 'tags', 'wordCount']);
    const byTitle = await mcp.call('list_entries', { sort: 'title', limit: 2, offset: 1 });
    expect(byTitle.entries.map((e: { title: string }) => e.title)).toEqual(['Ann Lee', 'Long']);
    expect((await mcp.call('list_entries', { field: 'status:DONE' })).entries.map((e: { path: string }) => e.path)).toEqual(['2024-05-01.md']);
    expect((await mcp.call('list_entries', { folder: 'work' })).total).toBe(1);
  });

  it('recent_changes, list_tags, tasks, journal_status', async () => {
    const changes = await mcp.call('recent_changes', { limit: 2 });
    expect(changes.changes).toHaveLength(2);
    expect(changes.changes[0]).toEqual({ at: expect.any(String), kind: 'added', path: expect.any(String), oldPath: null });
    expect((await mcp.call('recent_changes', { since: '2999-01-01' })).changes).toEqual([]);
    expect((await mcp.call('recent_changes', { since: '2000-01-01T00:00:00Z' })).changes).toHaveLength(4);
    expect(await mcp.call('list_tags', { prefix: 'proj' })).toEqual({ tags: [{ tag: 'project', count: 1 }, { tag: 'project/alpha', count: 1 }] });
    const open = await mcp.call('tasks', { status: 'open' });
    expect(open.total).toBe(2);
    expect(open.tasks[0]).toEqual({ entryId: expect.any(Number), path: '2024-05-01.md', title: 'Standup notes', line: 7, text: 'send the slides', done: false, due: null, scheduled: null, doneDate: null, priority: null });
    expect((await mcp.call('tasks', { tag: 'pets' })).tasks.map((t: { text: string }) => t.text)).toEqual(['feed the cat']);
    const status = await mcp.call('journal_status');
    expect(status).toMatchObject({ health: expect.stringMatching(/healthy|degraded/), counts: { entries: 4 }, engine: expect.stringMatching(/native|wasm/) });
  });

  it('the CLI\'s --json prints what the tools answer', async () => {
    const cli = async (args: string[]): Promise<unknown> => JSON.parse((await runCli([...args, '--journal', journal, '--json'], { timeoutMs: 20_000 })).stdout);
    expect(await cli(['search', 'alpha'])).toEqual(await mcp.call('search', { query: 'alpha' }));
    expect(await cli(['list'])).toEqual(await mcp.call('list_entries', {}));
    expect(await cli(['tags'])).toEqual(await mcp.call('list_tags', { limit: 10_000 }));
    expect(await cli(['tasks', '--open'])).toEqual(await mcp.call('tasks', { status: 'open' }));
    expect(await cli(['show', 'people/Ann Lee.md'])).toEqual(await mcp.call('read_entry', { path: 'people/Ann Lee.md' }));
  });
});

describe('bad arguments', { timeout: 60_000 }, () => {
  it.each([
    ['search', {}, /query/],
    ['search', { query: 5 }, /query/],
    ['search', { query: '   ' }, /query/],
    ['search', { query: 'x', limit: 500 }, /limit/],
    ['search', { query: 'x', limit: 0 }, /limit/],
    ['search', { query: 'x', limit: 'ten' }, /limit/],
    ['search', { query: 'x', limit: 2.5 }, /limit/],
    ['search', { query: 'x', from: '2024-02-30' }, /from/],
    ['search', { query: 'x', from: '2024-05-02', to: '2024-05-01' }, /from .* is after to/],
    ['read_entry', {}, /path, id or title/],
    ['read_entry', { path: 'a.md', id: 1 }, /not path and id/],
    ['read_entry', { id: -1 }, /id/],
    ['read_entry', { id: '1' }, /id/],
    ['read_entry', { path: 'long.md', offset: -5 }, /offset/],
    ['list_entries', { sort: 'size' }, /sort/],
    ['list_entries', { field: ':x' }, /field/],
    ['recent_changes', { since: 'yesterday' }, /since/],
    ['list_tags', { limit: 1e9 }, /limit/],
    ['tasks', { status: 'later' }, /status/],
    ['tasks', { due_before: 'soon' }, /due_before/],
  ])('%s %j → an error naming the argument', async (tool, args, names) => {
    const result = await mcp.raw(tool, args as Record<string, unknown>);
    expect(result.isError).toBe(true);
    expect(textOf(result)).toMatch(names);
  });

  it('an unknown tool is an error too, and the server answers on afterwards', async () => {
    const result = await mcp.raw('delete_everything', {});
    expect(result.isError).toBe(true);
    expect(textOf(result)).toMatch(/delete_everything/);
    expect((await mcp.call('list_entries', { limit: 1 })).entries).toHaveLength(1);
    expect(isAlive(mcp.pid)).toBe(true);
  });

  it('answers 50 calls in flight at once, each correctly', async () => {
    const calls = Array.from({ length: 50 }, (_, i) =>
      i % 5 === 0 ? mcp.call('search', { query: 'alpha' }) : i % 5 === 1 ? mcp.call('read_entry', { path: 'long.md', limit: 10 }) : i % 5 === 2 ? mcp.call('list_tags', {}) : i % 5 === 3 ? mcp.raw('search', { limit: 3 }) : mcp.call('tasks', {}),
    );
    const results = await Promise.all(calls);
    for (const [i, r] of results.entries()) {
      if (i % 5 === 0) expect(r.total).toBe(2);
      if (i % 5 === 1) expect(r.body).toBe('# Long\nlin');
      if (i % 5 === 2) expect(r.tags).toHaveLength(4);
      if (i % 5 === 3) expect(r.isError).toBe(true);
      if (i % 5 === 4) expect(r.total).toBe(3);
    }
  });
});

describe('the process', { timeout: 60_000 }, () => {
  it('writes protocol messages only on stdout (logs go to stderr) and speaks 2025-06-18', async () => {
    const dir = makeJournal({ 'a.md': '# A\nhello\n' });
    expect((await runCli(['sync', dir], { timeoutMs: 30_000 })).code).toBe(0);
    const child = spawn(process.execPath, [CLI, 'mcp', dir], { cwd: REPO_ROOT, stdio: ['pipe', 'pipe', 'pipe'] });
    cleanup.add(() => void child.kill('SIGKILL'));
    let out = '';
    let err = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (err += d));
    const send = (msg: object): void => void child.stdin.write(JSON.stringify(msg) + '\n');
    send({ jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'raw', version: '1' } } });
    await waitFor(() => out.includes('"id":1'), { timeoutMs: 20_000, message: 'the initialize answer' });
    send({ jsonrpc: '2.0', method: 'notifications/initialized' });
    send({ jsonrpc: '2.0', id: 2, method: 'tools/call', params: { name: 'search', arguments: { query: 'hello' } } });
    send({ jsonrpc: '2.0', id: 3, method: 'no/such/method' });
    child.stdin.write('this is not json\n');
    send({ jsonrpc: '2.0', id: 4, method: 'tools/list' });
    // Answers come in any order: a tool call waits for the index to be open (a bounded
    // time), tools/list does not.
    await waitFor(() => ['"id":2', '"id":3', '"id":4'].every((id) => out.includes(id)), { timeoutMs: 20_000, message: 'the answers' });
    const messages = out.trimEnd().split('\n').map((line) => JSON.parse(line) as { jsonrpc: string; id?: number; result?: any; error?: any });
    for (const m of messages) expect(m.jsonrpc).toBe('2.0');
    expect(messages.find((m) => m.id === 1)?.result.protocolVersion).toBe('2025-06-18');
    expect(messages.find((m) => m.id === 2)?.result.structuredContent.total).toBe(1);
    expect(messages.find((m) => m.id === 3)?.error.code).toBe(-32601);
    expect(err).toMatch(/inkdex: /);
    child.stdin.end();
    await waitFor(() => child.exitCode !== null, { timeoutMs: 5000, message: 'the exit' });
    expect(child.exitCode).toBe(0);
  });

  it('ends within 2 s of its stdin closing, exit 0', async () => {
    const dir = makeJournal({ 'a.md': '# A\n' });
    expect((await runCli(['sync', dir], { timeoutMs: 30_000 })).code).toBe(0);
    const server = await startMcp([dir]);
    await server.call('list_entries', {});
    const pid = server.pid;
    const closing = server.close();
    const took = await gone(pid, 5000);
    await closing;
    expect(took).toBeLessThan(2000);
    expect(server.stderr).toMatch(/stdin closed/);
  });
});

describe('inkdex mcp on a journal never indexed before', { timeout: 90_000 }, () => {
  // A first build under way would answer "no entry" for the notes it has not reached yet:
  // the tools wait for it (a bounded time) instead.
  it('answers a question asked during the first build once the build is done, never "not found"', async () => {
    const notes: Record<string, string> = {};
    for (let i = 0; i < 3000; i++) notes[`days/${String(i).padStart(4, '0')}.md`] = `# Day ${i}\nwalked the dog #dogs\n`;
    notes['zz/last note.md'] = '# The last note\nindexed last, in path order\n';
    const fresh = makeJournal(notes);
    const m = await startMcp([fresh]);
    const [last, status] = await Promise.all([m.call('read_entry', { path: 'zz/last note.md' }), m.call('list_tags', {})]);
    expect(last).toMatchObject({ path: 'zz/last note.md', title: 'The last note' });
    expect(status).toEqual({ tags: [{ tag: 'dogs', count: 3000 }] });
  });
});
