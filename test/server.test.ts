/**
 * The HTTP API (SPEC §4) through `app.request()`: a real index of a real temp folder,
 * no socket.
 */
import { EventEmitter } from 'node:events';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ignoreRules } from '../src/core/ignore.js';
import { Indexer } from '../src/live/indexer.js';
import { inProcessWriter } from '../src/live/run-writer.js';
import { RunMetrics } from '../src/http/metrics.js';
import { createApp } from '../src/http/app.js';
import type { IndexReader, SyncStore } from '../src/core/seam.js';
import { openIndexFile } from '../src/index/open-index.js';
import type { WatcherStatus } from '../src/core/health.js';
import { cleanup, makeJournal, REPO_ROOT, tmpDir, waitFor } from './helpers.js';

afterEach(() => cleanup.run());

const PORT = 4317;
const HOST = { Host: `127.0.0.1:${PORT}` };

interface Setup {
  app: ReturnType<typeof createApp>;
  indexer: Indexer;
  store: SyncStore;
  reader: IndexReader;
  watcher: WatcherStatus;
  closing: AbortController;
  indexFile: EventEmitter<{ written: [] }> & { state: { lastWriteAt: string | null; sizeBytes: number; error: string | null; writes: number } };
}

async function setup(files: Record<string, string>, opts: { token?: string; host?: string } = {}): Promise<Setup> {
  const root = makeJournal(files);
  const { store, reader, file } = await openIndexFile(process.env.INKDEX_ENGINE === 'wasm' ? 'wasm' : 'native', path.join(tmpDir('inkdex-db-'), 'index.sqlite'), root);
  const sync = { root, rules: ignoreRules([]), maxFileSize: 5 * 1024 * 1024 };
  const indexer = new Indexer(inProcessWriter(store, sync), sync);
  const watcher: WatcherStatus = { state: 'watching', files: 0, dirs: 1, lastError: null, events: 0 };
  const metrics = new RunMetrics();
  indexer.on('run-finished', (r) => metrics.record(r));
  const closing = new AbortController();
  const indexFile = Object.assign(new EventEmitter<{ written: [] }>(), {
    engine: 'wasm' as const,
    state: { lastWriteAt: null as string | null, sizeBytes: 0, error: null as string | null, writes: 0 },
    status() {
      return { ...this.state };
    },
  });
  const app = createApp({
    queries: reader,
    indexer,
    watcher: { status: () => watcher },
    indexFile,
    metrics,
    journal: root,
    db: path.join(root, '.inkdex', 'index.sqlite'),
    version: '0.0.0-test',
    webDir: path.join(REPO_ROOT, 'web'),
    closing: closing.signal,
    security: { host: opts.host ?? '127.0.0.1', port: () => PORT, token: opts.token ?? null },
  });
  await indexer.requestFull('startup');
  await waitIdle(indexer);
  cleanup.add(async () => {
    closing.abort();
    await indexer.stop();
    file.close();
  });
  return { app, indexer, store, reader, watcher, closing, indexFile };
}

async function waitIdle(indexer: Indexer): Promise<void> {
  // The indexer starts a run on a timer; wait for it to start, then for it to end.
  for (let i = 0; i < 200 && indexer.busy(); i++) {
    await new Promise((r) => setTimeout(r, 5));
    await indexer.idle();
  }
}

async function get(app: Setup['app'], route: string, headers: Record<string, string> = HOST): Promise<{ status: number; body: any }> {
  const res = await app.request(route, { headers });
  const type = res.headers.get('content-type') ?? '';
  return { status: res.status, body: type.includes('json') ? await res.json() : await res.text() };
}

const JOURNAL = {
  '2024/01/2024-01-05.md': '---\ntitle: Cold morning\ntags: [weather, running]\n---\nRan five km in the snow. [[Plans]]\n- [ ] buy gloves\n- [x] stretch\n',
  '2024/01/2024-01-06.md': 'A quiet day of reading. #reading/fiction\n',
  '2024/02/2024-02-10.md': '---\ntitle: <img src=x onerror=alert(1)>\n---\nSnow again, the snow is deep.\n',
  'notes/Plans.md': '# Plans\nRun a marathon. #running\n',
  'notes/bad.md': '---\ntitle: [unclosed\n---\nbody\n',
};

describe('GET /api/status and /healthz', () => {
  it('reports state, health, counts and the last run', async () => {
    const { app } = await setup(JOURNAL);
    const { status, body } = await get(app, '/api/status');
    expect(status).toBe(200);
    expect(body).toMatchObject({
      state: 'idle',
      health: 'degraded',
      watcher: { state: 'watching' },
      counts: { entries: 5, errors: 1 },
      currentRun: null,
      lastRun: { trigger: 'startup', kind: 'full', status: 'succeeded', added: 5 },
      version: '0.0.0-test',
    });
    expect(body.db).toHaveProperty('path');
    expect(body.db).toHaveProperty('sizeBytes');
    expect(body.db).toHaveProperty('lastWriteAt');
    expect(body.counts.tags).toBeGreaterThanOrEqual(4);
    expect((await get(app, '/healthz')).body).toEqual({ status: 'degraded' });
  });

  it('is unhealthy (503) when the watcher is down', async () => {
    const { app, watcher } = await setup({ 'a.md': 'fine\n' });
    expect((await get(app, '/healthz')).body).toEqual({ status: 'healthy' });
    watcher.state = 'down';
    const res = await get(app, '/healthz');
    expect(res.status).toBe(503);
    expect(res.body.status).toBe('unhealthy');
    expect(res.body.reason).toMatch(/watcher/);
  });
});

describe('runs', () => {
  it('lists runs newest first with paging, and shows one run with its events and errors', async () => {
    const { app, indexer } = await setup(JOURNAL);
    void indexer.requestFull('manual');
    await waitIdle(indexer);
    const { body } = await get(app, '/api/runs');
    expect(body.runs.map((r: { trigger: string }) => r.trigger)).toEqual(['manual', 'startup']);
    expect(body.runs[0]).toHaveProperty('durationMs');
    const older = await get(app, `/api/runs?limit=1&before=${body.runs[0].id}`);
    expect(older.body.runs).toHaveLength(1);
    expect(older.body.runs[0].trigger).toBe('startup');

    const one = await get(app, `/api/runs/${body.runs[1].id}`);
    expect(one.body).toMatchObject({ trigger: 'startup', added: 5 });
    expect(one.body.events).toHaveLength(5);
    expect(one.body.events[0]).toMatchObject({ kind: 'added', oldPath: null });
    expect(one.body.errors).toEqual([expect.objectContaining({ path: 'notes/bad.md' })]);
  });

  it('answers 404 for an unknown run and 400 for bad parameters', async () => {
    const { app } = await setup({ 'a.md': 'x\n' });
    expect((await get(app, '/api/runs/9999')).status).toBe(404);
    for (const bad of ['/api/runs/abc', '/api/runs/-1', '/api/runs?limit=0', '/api/runs?limit=abc', '/api/runs?before=x', '/api/runs?limit=1e3']) {
      const res = await get(app, bad);
      expect(res.status, bad).toBe(400);
      expect(res.body.error, bad).toEqual(expect.any(String));
    }
    expect((await get(app, '/api/nothing')).status).toBe(404);
    expect((await get(app, '/api/nothing')).body).toHaveProperty('error');
  });

  it('POST /api/resync answers 202 with the run, and coalesces requests while one is pending', async () => {
    const { app, indexer } = await setup({ 'a.md': 'x\n' });
    const post = async (): Promise<Response> => app.request('/api/resync', { method: 'POST', headers: HOST });
    const [r1, r2] = await Promise.all([post(), post()]);
    expect(r1.status).toBe(202);
    const b1 = await r1.json();
    const b2 = await r2.json();
    expect(b1.run).toMatchObject({ id: expect.any(Number), trigger: 'manual', kind: 'full' });
    expect(b2.run.id).toBe(b1.run.id);
    await waitIdle(indexer);
    const run = await get(app, `/api/runs/${b1.run.id}`);
    expect(run.body.status).toBe('succeeded');
    const runs = (await get(app, '/api/runs')).body.runs;
    expect(runs.filter((r: { trigger: string }) => r.trigger === 'manual')).toHaveLength(1);
  });
});

describe('entries, tags, errors', () => {
  it('searches full text with snippets and filters by tag and date', async () => {
    const { app } = await setup(JOURNAL);
    const q = await get(app, '/api/entries?q=snow');
    expect(q.body.total).toBe(2);
    expect(q.body.entries[0]).toMatchObject({ path: '2024/02/2024-02-10.md', date: '2024-02-10', wordCount: 6 });
    expect(q.body.entries[0].snippet).toContain('«snow»');
    expect(Object.keys(q.body.entries[0]).sort()).toEqual(['date', 'id', 'path', 'snippet', 'tags', 'title', 'wordCount']);

    const tagged = await get(app, '/api/entries?tag=running');
    expect(tagged.body.entries.map((e: { path: string }) => e.path).sort()).toEqual(['2024/01/2024-01-05.md', 'notes/Plans.md']);
    expect((await get(app, '/api/entries?tag=%23Reading')).body.total).toBe(1);
    const jan = await get(app, '/api/entries?from=2024-01-01&to=2024-01-31');
    expect(jan.body.total).toBe(2);
    const paged = await get(app, '/api/entries?limit=2&offset=1');
    expect(paged.body.total).toBe(5);
    expect(paged.body.entries).toHaveLength(2);
    // Free text that is not valid FTS syntax still searches.
    expect((await get(app, '/api/entries?q=%22snow')).status).toBe(200);
  });

  it('rejects bad entry parameters with 400', async () => {
    const { app } = await setup({ 'a.md': 'x\n' });
    for (const bad of ['/api/entries?from=2024-02-30', '/api/entries?to=yesterday', '/api/entries?limit=-5', '/api/entries?offset=x', '/api/entries?from=2024-02-01&to=2024-01-01', '/api/entries/0', '/api/entries/x']) {
      expect((await get(app, bad)).status, bad).toBe(400);
    }
    expect((await get(app, '/api/entries/12345')).status).toBe(404);
  });

  it('shows one entry with frontmatter, tags, links, tasks and history', async () => {
    const { app } = await setup(JOURNAL);
    const list = await get(app, '/api/entries?q=gloves');
    const { body } = await get(app, `/api/entries/${list.body.entries[0].id}`);
    expect(body).toMatchObject({
      path: '2024/01/2024-01-05.md',
      title: 'Cold morning',
      frontmatter: { title: 'Cold morning', tags: ['weather', 'running'] },
      tags: ['running', 'weather'],
      links: [{ target: 'Plans', kind: 'wiki', anchor: null, anchorOk: null, line: 5 }],
      tasks: [
        { line: 6, text: 'buy gloves', done: false },
        { line: 7, text: 'stretch', done: true },
      ],
    });
    expect(body.history).toEqual([expect.objectContaining({ kind: 'added', path: '2024/01/2024-01-05.md' })]);
  });

  it('lists tags with counts and the files with problems', async () => {
    const { app } = await setup(JOURNAL);
    expect((await get(app, '/api/tags')).body.tags).toContainEqual({ tag: 'running', count: 2 });
    const errors = (await get(app, '/api/errors')).body.errors;
    expect(errors).toEqual([{ path: 'notes/bad.md', message: expect.stringMatching(/line 2/), at: expect.any(String), entryId: expect.any(Number) }]);
  });
});

describe('safety', () => {
  it('refuses a forged Host (DNS rebinding) unless a token is set', async () => {
    const { app } = await setup({ 'a.md': 'x\n' });
    for (const host of ['evil.example:4317', 'localhost:9999', '127.0.0.1', 'attacker.localhost:4317']) {
      const res = await get(app, '/api/status', { Host: host });
      expect(res.status, host).toBe(403);
      expect(res.body.error).toMatch(/Host/);
    }
    for (const host of ['localhost:4317', '127.0.0.1:4317', '[::1]:4317']) expect((await get(app, '/api/status', { Host: host })).status, host).toBe(200);
  });

  it('refuses cross-origin POSTs', async () => {
    const { app } = await setup({ 'a.md': 'x\n' });
    for (const origin of ['http://evil.example', 'null', 'http://localhost:9999']) {
      const res = await app.request('/api/resync', { method: 'POST', headers: { ...HOST, Origin: origin } });
      expect(res.status, origin).toBe(403);
    }
    const same = await app.request('/api/resync', { method: 'POST', headers: { ...HOST, Origin: `http://127.0.0.1:${PORT}` } });
    expect(same.status).toBe(202);
  });

  it('needs the token on /api/* when one is set (Bearer header or ?token=)', async () => {
    const { app } = await setup({ 'a.md': 'x\n' }, { token: 's3cret' });
    expect((await get(app, '/api/status', { Host: 'box.lan:4317' })).status).toBe(401);
    expect((await get(app, '/api/status', { Host: 'box.lan:4317', Authorization: 'Bearer wrong' })).status).toBe(401);
    expect((await get(app, '/api/status', { Host: 'box.lan:4317', Authorization: 'Bearer s3cret' })).status).toBe(200);
    expect((await get(app, '/api/status?token=s3cret', { Host: 'box.lan:4317' })).status).toBe(200);
    expect((await get(app, '/', { Host: 'box.lan:4317' })).status).toBe(200);
  });

  it('serves only the files of web/ (no traversal)', async () => {
    const { app } = await setup({ 'a.md': 'x\n' });
    const page = await get(app, '/');
    expect(page.status).toBe(200);
    expect(page.body).toContain('<html');
    for (const p of ['/..%2f..%2fpackage.json', '/../package.json', '/%2e%2e/package.json', '/web/../package.json', '/..%5c..%5cpackage.json', '/index.html/..%2f..%2fpackage.json']) {
      const res = await get(app, p);
      expect(res.status, p).toBe(404);
      expect(JSON.stringify(res.body), p).not.toContain('"name":"inkdex"');
    }
  });

  it('returns journal text as JSON data, never as HTML', async () => {
    const { app } = await setup(JOURNAL);
    const res = await app.request('/api/entries?q=deep', { headers: HOST });
    expect(res.headers.get('content-type')).toMatch(/application\/json/);
    const body = await res.json();
    expect(body.entries[0].title).toBe('<img src=x onerror=alert(1)>');
  });
});

describe('GET /api/events (SSE)', () => {
  it('sends status, then run-started and run-finished for a resync', async () => {
    const { app } = await setup({ 'a.md': 'x\n' });
    const res = await app.request('/api/events', { headers: HOST });
    expect(res.headers.get('content-type')).toMatch(/text\/event-stream/);
    const reader = res.body!.getReader();
    const decoder = new TextDecoder();
    let text = '';
    const until = async (pattern: RegExp): Promise<void> => {
      const deadline = Date.now() + 10_000;
      while (!pattern.test(text)) {
        if (Date.now() > deadline) throw new Error(`no ${pattern} in SSE stream:\n${text}`);
        const { value, done } = await reader.read();
        if (done) throw new Error(`stream ended:\n${text}`);
        text += decoder.decode(value, { stream: true });
      }
    };
    await until(/event: status/);
    const posted = await (await app.request('/api/resync', { method: 'POST', headers: HOST })).json();
    await until(/event: run-finished\ndata: .*\n/);
    expect(text).toMatch(new RegExp(`event: run-started\\ndata: \\{"id":${posted.run.id},`));
    expect(text).toMatch(new RegExp(`event: run-finished\\ndata: \\{"id":${posted.run.id},.*"status":"succeeded"`));
    await reader.cancel();
  });
});

describe('GET /metrics', () => {
  it('speaks the Prometheus text format', async () => {
    const { app } = await setup(JOURNAL);
    const res = await app.request('/metrics', { headers: HOST });
    expect(res.headers.get('content-type')).toMatch(/text\/plain/);
    const text = await res.text();
    expect(text).toContain('# HELP inkdex_runs_total');
    expect(text).toContain('# TYPE inkdex_runs_total counter');
    expect(text).toContain('inkdex_runs_total{trigger="startup",status="succeeded"} 1');
    expect(text).toMatch(/^inkdex_entries 5$/m);
    expect(text).toMatch(/^inkdex_file_errors 1$/m);
    expect(text).toMatch(/^inkdex_run_duration_seconds_count 1$/m);
    expect(text).toMatch(/^inkdex_watcher_events_total \d+$/m);
  });
});

describe('headers, methods and parameters (SPEC §4, §4.3)', () => {
  const SECURITY = {
    'x-frame-options': 'DENY',
    'x-content-type-options': 'nosniff',
    'referrer-policy': 'no-referrer',
  };

  it('forbids framing and sniffing on every answer, errors included', async () => {
    const { app } = await setup({ 'a.md': 'x\n' });
    const cases: Array<[string, RequestInit, number]> = [
      ['/', { headers: HOST }, 200],
      ['/app.js', { headers: HOST }, 200],
      ['/api/status', { headers: HOST }, 200],
      ['/api/entries?limit=-1', { headers: HOST }, 400],
      ['/api/status', { headers: { Host: 'evil.example:4317' } }, 403],
      ['/nothing.txt', { headers: HOST }, 404],
      ['/api/status', { method: 'DELETE', headers: HOST }, 405],
      ['/metrics', { headers: HOST }, 200],
      ['/healthz', { headers: HOST }, 200],
    ];
    for (const [route, init, status] of cases) {
      const res = await app.request(route, init);
      expect(res.status, route).toBe(status);
      for (const [name, value] of Object.entries(SECURITY)) expect(res.headers.get(name), `${route} ${name}`).toBe(value);
      expect(res.headers.get('content-security-policy'), route).toContain("frame-ancestors 'none'");
      expect(res.headers.get('content-security-policy'), route).toContain("script-src 'self'");
    }
  });

  it('answers 405 with Allow and a JSON body for other methods on known routes', async () => {
    const { app, indexer } = await setup({ 'a.md': 'x\n' });
    for (const [route, method, allow] of [
      ['/api/status', 'POST', 'GET, HEAD'],
      ['/api/status', 'DELETE', 'GET, HEAD'],
      ['/api/resync', 'GET', 'POST'],
      ['/api/resync', 'PUT', 'POST'],
      ['/api/entries/1', 'PATCH', 'GET, HEAD'],
      ['/api/events', 'POST', 'GET, HEAD'],
      ['/', 'POST', 'GET, HEAD'],
      ['/healthz', 'OPTIONS', 'GET, HEAD'],
    ] as const) {
      const res = await app.request(route, { method, headers: HOST });
      expect(res.status, `${method} ${route}`).toBe(405);
      expect(res.headers.get('allow'), `${method} ${route}`).toBe(allow);
      expect((await res.json()).error, `${method} ${route}`).toMatch(/not allowed/);
    }
    expect((await app.request('/api/status', { method: 'HEAD', headers: HOST })).status).toBe(200);
    // HEAD on the event stream: headers only, no client left registered.
    const base = indexer.listenerCount('run-finished');
    const head = await app.request('/api/events', { method: 'HEAD', headers: HOST });
    expect(head.status).toBe(200);
    expect(head.headers.get('content-type')).toMatch(/event-stream/);
    expect(indexer.listenerCount('run-finished')).toBe(base);
    expect((await app.request('/api/nothing', { method: 'POST', headers: HOST })).status).toBe(404);
  });

  it('gives a clear 400 for malformed, repeated, oversized and out-of-range parameters', async () => {
    const { app } = await setup({ 'a.md': 'x\n' });
    const bad = [
      '/api/entries?limit=-1',
      '/api/entries?limit=1e9',
      '/api/entries?limit=1000000000',
      '/api/entries?offset=1.5',
      '/api/entries?from=2024-13-01',
      '/api/entries?to=2024-02-30',
      '/api/entries?from=%ZZ',
      '/api/entries?q=%E0%A4%A',
      '/api/entries?limit=1&limit=2',
      `/api/entries?q=${'a'.repeat(1001)}`,
      `/api/entries?tag=${'t'.repeat(201)}`,
      '/api/entries/1e400',
      '/api/entries/99999999999999999999',
      '/api/runs?before=0x10',
      '/api/activity?year=NaN',
    ];
    for (const route of bad) {
      const res = await get(app, route);
      expect(res.status, route).toBe(400);
      expect(res.body.error, route).toEqual(expect.any(String));
      expect(res.body.error.length, route).toBeLessThan(300);
    }
    expect((await get(app, `/api/entries?q=${'word '.repeat(190)}`)).status).toBe(200);
  });
});

describe("Obsidian's rules in the API (SPEC §4)", () => {
  const VAULT = {
    'days/2024-06-01.md': '---\nmood: 7\ntags: [daily]\n---\n# Saturday\n\nMet [[Ann#Work]] and [[Annie]]. [energy:: 6]\n\n- [ ] send the draft 📅 2024-06-03 ⏫\n- [x] buy bread ✅ 2024-06-01\n',
    'days/2024-06-02.md': '---\nmood: 4\ntags: [daily]\n---\n# Sunday\n\n- [ ] call Ann [due:: 2024-06-10]\n- [ ] someday\n',
    'people/Ann.md': '---\naliases: [Annie]\n---\n# Ann\n\n## Home\n\n- [ ] ask about the garden 📅 2024-06-03\n',
    'people/deep/Bob.md': '# Bob\nMood:: 9\n',
  };
  type Task = { path: string; line: number; text: string; done: boolean; due: string | null; priority: string | null };

  it('lists tasks by due date (none last), then path and line, filtered by status, due_before and tag', async () => {
    const { app } = await setup(VAULT);
    const all = await get(app, '/api/tasks');
    expect(all.body.total).toBe(5);
    expect(all.body.tasks.map((t: Task) => [t.path, t.line, t.due])).toEqual([
      ['days/2024-06-01.md', 9, '2024-06-03'],
      ['people/Ann.md', 8, '2024-06-03'],
      ['days/2024-06-02.md', 7, '2024-06-10'],
      ['days/2024-06-01.md', 10, null],
      ['days/2024-06-02.md', 8, null],
    ]);
    expect(Object.keys(all.body.tasks[0]).sort()).toEqual(['done', 'doneDate', 'due', 'entryId', 'line', 'path', 'priority', 'scheduled', 'text', 'title']);
    expect(all.body.tasks[0]).toMatchObject({ title: 'Saturday', text: 'send the draft 📅 2024-06-03 ⏫', done: false, priority: 'high', doneDate: null });
    expect((await get(app, '/api/tasks?status=done')).body.tasks).toEqual([expect.objectContaining({ text: 'buy bread ✅ 2024-06-01', done: true, doneDate: '2024-06-01' })]);
    const dueSoon = await get(app, '/api/tasks?status=open&due_before=2024-06-10');
    expect(dueSoon.body.tasks.map((t: Task) => t.due)).toEqual(['2024-06-03', '2024-06-03']);
    expect((await get(app, '/api/tasks?tag=%23Daily&status=open&limit=1&offset=1')).body).toMatchObject({ total: 3, tasks: [{ path: 'days/2024-06-02.md', line: 7 }] });
    for (const bad of ['/api/tasks?status=todo', '/api/tasks?due_before=soon', '/api/tasks?due_before=2024-02-30', '/api/tasks?limit=0', '/api/tasks?status=open&status=done']) {
      expect((await get(app, bad)).status, bad).toBe(400);
    }
  });

  it('lists the field keys in use, and filters entries by field and folder', async () => {
    const { app } = await setup(VAULT);
    expect((await get(app, '/api/fields')).body.fields).toEqual([
      { key: 'Mood', count: 3, types: ['number'] },
      { key: 'tags', count: 2, types: ['text'] },
      { key: 'aliases', count: 1, types: ['text'] },
      { key: 'energy', count: 1, types: ['number'] },
    ]);
    const paths = async (q: string): Promise<string[]> => (await get(app, `/api/entries?${q}`)).body.entries.map((e: { path: string }) => e.path).sort();
    expect(await paths('field=mood')).toEqual(['days/2024-06-01.md', 'days/2024-06-02.md', 'people/deep/Bob.md']);
    expect(await paths('field=MOOD:7')).toEqual(['days/2024-06-01.md']);
    expect(await paths('field=mood&field=energy:6')).toEqual(['days/2024-06-01.md']);
    expect(await paths('field=tags:daily&field=mood:4')).toEqual(['days/2024-06-02.md']);
    expect(await paths('folder=people')).toEqual(['people/Ann.md', 'people/deep/Bob.md']);
    expect(await paths('folder=/people/deep/')).toEqual(['people/deep/Bob.md']);
    expect(await paths('folder=peo')).toEqual([]);
    expect(await paths('folder=people&field=mood')).toEqual(['people/deep/Bob.md']);
    expect((await get(app, '/api/entries?q=garden&folder=days')).body.total).toBe(0);
    for (const bad of ['/api/entries?field=', '/api/entries?field=:7', '/api/entries?field=mood:', `/api/entries?folder=${'f'.repeat(1001)}`]) {
      expect((await get(app, bad)).status, bad).toBe(400);
    }
  });

  it('shows an entry with aliases, headings, fields, anchors and task dates; broken links with anchors and aliasOf', async () => {
    const { app } = await setup(VAULT);
    const id = async (p: string): Promise<number> => (await get(app, '/api/entries?limit=500')).body.entries.find((e: { path: string }) => e.path === p).id;
    const day = (await get(app, `/api/entries/${await id('days/2024-06-01.md')}`)).body;
    expect(day.links).toEqual([
      { target: 'Ann', kind: 'wiki', targetId: await id('people/Ann.md'), anchor: 'Work', anchorOk: false, line: 7 },
      { target: 'Annie', kind: 'wiki', targetId: null, anchor: null, anchorOk: null, line: 7 },
    ]);
    expect(day.headings).toEqual([{ level: 1, text: 'Saturday', line: 5 }]);
    expect(day.fields).toEqual([
      { key: 'mood', value: '7', type: 'number', num: 7, source: 'frontmatter', line: null },
      { key: 'tags', value: 'daily', type: 'text', num: null, source: 'frontmatter', line: null },
      { key: 'energy', value: '6', type: 'number', num: 6, source: 'inline', line: 7 },
    ]);
    expect(day.tasks[0]).toEqual({ line: 9, text: 'send the draft 📅 2024-06-03 ⏫', done: false, due: '2024-06-03', scheduled: null, doneDate: null, priority: 'high' });
    const ann = (await get(app, `/api/entries/${await id('people/Ann.md')}`)).body;
    expect(ann).toMatchObject({ aliases: ['Annie'], headings: [{ level: 1, text: 'Ann', line: 4 }, { level: 2, text: 'Home', line: 6 }] });
    expect((await get(app, '/api/links/broken')).body).toEqual({
      total: 2,
      links: [
        { entryId: day.id, path: 'days/2024-06-01.md', target: 'Ann', kind: 'wiki', anchor: 'Work', line: 7, aliasOf: null },
        { entryId: day.id, path: 'days/2024-06-01.md', target: 'Annie', kind: 'wiki', anchor: null, line: 7, aliasOf: 'people/Ann.md' },
      ],
    });
  });
});

describe('one status for /api/status, /healthz, /metrics and the event stream', () => {
  it('reports the engine and agrees across the four', async () => {
    const { app } = await setup(JOURNAL);
    const status = (await get(app, '/api/status')).body;
    expect(status.engine).toBe('wasm');
    expect((await get(app, '/healthz')).body).toEqual({ status: status.health });
    const metrics = await (await app.request('/metrics', { headers: HOST })).text();
    expect(metrics).toContain(`inkdex_health{health="${status.health}"} 1`);
    expect(metrics).toMatch(new RegExp(`^inkdex_entries ${status.counts.entries}$`, 'm'));
    expect(metrics).toContain('engine="wasm"');
  });

  it('pushes a status that follows each index write, with one listener whatever the number of clients', async () => {
    const { app, indexer, indexFile } = await setup({ 'a.md': 'x\n' });
    const base = indexer.listenerCount('run-finished'); // the test's own metrics listener
    const readers = await Promise.all(Array.from({ length: 30 }, () => openEvents(app)));
    for (const r of readers) await r.until(/event: status/);
    expect(indexer.listenerCount('run-finished')).toBe(base + 1);
    expect(indexFile.listenerCount('written')).toBe(1);

    indexFile.state = { lastWriteAt: '2030-01-02T03:04:05.000Z', sizeBytes: 123456, error: null, writes: 1 };
    indexFile.emit('written');
    for (const r of readers) await r.until(/"lastWriteAt":"2030-01-02T03:04:05.000Z"/);
    expect(readers[0]!.text()).toMatch(/"sizeBytes":123456/);
    await Promise.all(readers.map((r) => r.cancel()));
    await waitFor(() => indexer.listenerCount('run-finished') === base && indexFile.listenerCount('written') === 0, { message: 'listeners removed' });
  });

  it('ends every event stream when the server closes', async () => {
    const { app, closing } = await setup({ 'a.md': 'x\n' });
    const readers = await Promise.all(Array.from({ length: 3 }, () => openEvents(app)));
    for (const r of readers) await r.until(/event: status/);
    closing.abort();
    for (const r of readers) await r.ended();
  });
});

async function openEvents(app: Setup['app']): Promise<ReturnType<typeof sseReader>> {
  return sseReader(await app.request('/api/events', { headers: HOST }));
}

/** Reads an SSE response as text, waiting for patterns. */
function sseReader(res: Response): { until(p: RegExp): Promise<void>; ended(): Promise<void>; text(): string; cancel(): Promise<void> } {
  const reader = res.body!.getReader();
  const decoder = new TextDecoder();
  let text = '';
  let done = false;
  const readMore = async (): Promise<void> => {
    const r = await reader.read();
    if (r.done) done = true;
    else text += decoder.decode(r.value, { stream: true });
  };
  return {
    async until(p) {
      const deadline = Date.now() + 10_000;
      while (!p.test(text)) {
        if (done || Date.now() > deadline) throw new Error(`no ${p} in SSE stream:\n${text}`);
        await readMore();
      }
    },
    async ended() {
      const deadline = Date.now() + 10_000;
      while (!done) {
        if (Date.now() > deadline) throw new Error('the stream did not end');
        await readMore();
      }
    },
    text: () => text,
    cancel: () => reader.cancel(),
  };
}
