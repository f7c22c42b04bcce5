/**
 * MCP over Streamable HTTP at serve's `/mcp` (SPEC §5.1) with the SDK's own client:
 * tools, a subscription notified over the session's event stream, sessions ended and
 * unknown; and every rule of §4.3 on real sockets — a forged Host, a foreign Origin (on
 * the event stream too), a missing or wrong token — refused before any MCP is spoken.
 */
import path from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { ResourceUpdatedNotificationSchema } from '@modelcontextprotocol/sdk/types.js';
import { afterEach, describe, expect, it } from 'vitest';
import { cleanup, makeJournal, waitFor, writeFile } from './helpers.js';
import { parseRaw, rawRequest } from './http-helpers.js';
import { withTimeout } from './mcp-helpers.js';
import { startServe, type Served } from './serve-helpers.js';

afterEach(async () => {
  await cleanup.run();
});

const INITIALIZE = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'raw', version: '1' } } });

async function serveJournal(extra: string[] = []): Promise<{ dir: string; served: Served }> {
  const dir = makeJournal({ 'people/Ann Lee.md': '# Ann Lee\nworks on alpha\n', 'b.md': '# B\nlinks to [[Ann Lee]]\n' });
  const served = await startServe(dir, extra, path.join(dir, '.inkdex', 'index.sqlite'));
  const token = extra[extra.indexOf('--token') + 1];
  if (extra.includes('--token')) {
    await waitFor(async () => ((await (await fetch(served.url + 'api/status', { headers: { Authorization: `Bearer ${token}` } })).json()) as { state: string }).state === 'idle', {
      timeoutMs: 30_000,
      message: 'serve to be idle',
    });
  } else {
    await served.idle();
  }
  return { dir, served };
}

async function connect(url: string, headers: Record<string, string> = {}): Promise<Client> {
  const client = new Client({ name: 'inkdex-http-test', version: '1.0.0' });
  const transport = new StreamableHTTPClientTransport(new URL('mcp', url), { requestInit: { headers } });
  await withTimeout(client.connect(transport), 15_000, 'the MCP handshake over HTTP');
  cleanup.add(() => client.close());
  return client;
}

describe('/mcp on serve', { timeout: 60_000 }, () => {
  it('answers the tools over Streamable HTTP, the same as over stdio', async () => {
    const { served } = await serveJournal();
    const client = await connect(served.url);
    expect(client.getServerCapabilities()).toMatchObject({ resources: { subscribe: true } });
    expect((await client.listTools()).tools).toHaveLength(8);
    const found = await client.callTool({ name: 'search', arguments: { query: 'alpha' } });
    expect(found.structuredContent).toMatchObject({ total: 1, hits: [{ path: 'people/Ann Lee.md' }] });
    const ann = await client.callTool({ name: 'read_entry', arguments: { title: 'Ann Lee' } });
    expect(ann.structuredContent).toMatchObject({ backlinks: [{ path: 'b.md' }] });
    const bad = await client.callTool({ name: 'search', arguments: { query: 'x', limit: 0 } });
    expect(bad.isError).toBe(true);
    const status = await client.callTool({ name: 'journal_status', arguments: {} });
    expect(status.structuredContent).toMatchObject({ state: 'idle', counts: { entries: 2 } });
    const list = await client.listResources();
    expect(list.resources.map((r) => r.uri)).toEqual(['inkdex://entry/b.md', 'inkdex://entry/people/Ann%20Lee.md']);
  });

  it('notifies a subscription over the session\'s event stream when the note changes', async () => {
    const { dir, served } = await serveJournal();
    const client = await connect(served.url);
    const updated: string[] = [];
    client.setNotificationHandler(ResourceUpdatedNotificationSchema, (n) => void updated.push(n.params.uri));
    await client.subscribeResource({ uri: 'inkdex://entry/people/Ann%20Lee.md' });
    writeFile(dir, 'people/Ann Lee.md', '# Ann Lee\nnow on beta\n');
    await waitFor(() => updated.length > 0, { timeoutMs: 10_000, message: 'resources/updated over HTTP' });
    expect(updated[0]).toBe('inkdex://entry/people/Ann%20Lee.md');
  });

  it('ends a session on DELETE; an unknown session is 404; other methods 405', async () => {
    const { served } = await serveJournal();
    const init = await fetch(served.url + 'mcp', { method: 'POST', headers: { 'Content-Type': 'application/json', Accept: 'application/json, text/event-stream' }, body: INITIALIZE });
    expect(init.status).toBe(200);
    const sid = init.headers.get('mcp-session-id')!;
    expect(sid).toMatch(/^[0-9a-f-]{36}$/);
    expect((await init.json()).result.protocolVersion).toBe('2025-06-18');
    const headers = { 'Mcp-Session-Id': sid, 'Mcp-Protocol-Version': '2025-06-18' };
    expect((await fetch(served.url + 'mcp', { method: 'DELETE', headers })).status).toBe(200);
    const after = await fetch(served.url + 'mcp', { method: 'POST', headers: { ...headers, 'Content-Type': 'application/json', Accept: 'application/json, text/event-stream' }, body: '{"jsonrpc":"2.0","id":2,"method":"tools/list"}' });
    expect(after.status).toBe(404);
    const noSession = await fetch(served.url + 'mcp', { headers: { Accept: 'text/event-stream' } });
    expect(noSession.status).toBe(400);
    const put = await fetch(served.url + 'mcp', { method: 'PUT' });
    expect(put.status).toBe(405);
  });
});

describe('/mcp under the rules of §4.3', { timeout: 60_000 }, () => {
  const post = (host: string, extra = ''): string =>
    `POST /mcp HTTP/1.1\r\nHost: ${host}\r\nContent-Type: application/json\r\nAccept: application/json, text/event-stream\r\n${extra}Content-Length: ${Buffer.byteLength(INITIALIZE)}\r\nConnection: close\r\n\r\n${INITIALIZE}`;

  it('refuses a forged Host (DNS rebinding) and a foreign Origin, on POST and on the event stream', async () => {
    const { served } = await serveJournal();
    const { port } = new URL(served.url);
    const forged = parseRaw(await rawRequest(served.url, post(`attacker.example:${port}`)));
    expect(forged.status).toBe(403);
    expect(forged.body).not.toContain('protocolVersion');
    const foreign = parseRaw(await rawRequest(served.url, post(`127.0.0.1:${port}`, 'Origin: http://evil.example\r\n')));
    expect(foreign.status).toBe(403);
    const foreignGet = parseRaw(await rawRequest(served.url, `GET /mcp HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nOrigin: http://evil.example\r\nAccept: text/event-stream\r\nConnection: close\r\n\r\n`));
    expect(foreignGet.status).toBe(403);
    // The page's own origin, and a client that sends none, are fine.
    const own = parseRaw(await rawRequest(served.url, post(`127.0.0.1:${port}`, `Origin: http://127.0.0.1:${port}\r\n`)));
    expect(own.status).toBe(200);
    expect(parseRaw(await rawRequest(served.url, post(`localhost:${port}`))).status).toBe(200);
  });

  it('with --token: no token or a wrong one is 401; the bearer token (or ?token=) works', async () => {
    const { served } = await serveJournal(['--token', 's3cret']);
    const { port } = new URL(served.url);
    const none = parseRaw(await rawRequest(served.url, post(`127.0.0.1:${port}`)));
    expect(none.status).toBe(401);
    expect(none.body).not.toContain('protocolVersion');
    expect(parseRaw(await rawRequest(served.url, post(`127.0.0.1:${port}`, 'Authorization: Bearer wrong\r\n'))).status).toBe(401);
    const base = served.url;
    const client = await connect(base, { Authorization: 'Bearer s3cret' });
    expect((await client.callTool({ name: 'search', arguments: { query: 'alpha' } })).structuredContent).toMatchObject({ total: 1 });
    const viaQuery = await fetch(base + 'mcp?token=s3cret', { method: 'POST', headers: { 'Content-Type': 'application/json', Accept: 'application/json, text/event-stream' }, body: INITIALIZE });
    expect(viaQuery.status).toBe(200);
  });
});
