/**
 * serve's MCP sessions in-process (src/mcp/http.ts): a long session does not grow with
 * each call. The SDK's transport keeps an entry per POST answered in JSON mode until the
 * session closes (typescript-sdk#2559); inkdex drops the answered ones. Should the SDK
 * rename its private maps, this test fails — check whether the upstream fix has landed.
 */
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { McpHttpSessions } from '../src/mcp/http.js';

const HEADERS = { 'Content-Type': 'application/json', Accept: 'application/json, text/event-stream' };
const post = (body: unknown, headers: Record<string, string> = {}): Request =>
  new Request('http://127.0.0.1/mcp', { method: 'POST', headers: { ...HEADERS, ...headers }, body: JSON.stringify(body) });

describe('MCP sessions over HTTP, in-process', () => {
  it('a session answering 300 tool calls keeps no entry per call', async () => {
    let transportOf: (() => unknown) | null = null;
    const sessions = new McpHttpSessions({
      newSession() {
        const server = new McpServer({ name: 't', version: '1' });
        server.registerTool('echo', { inputSchema: { text: z.string() } }, ({ text }) => ({ content: [{ type: 'text', text }] }));
        transportOf = () => (server.server as unknown as { transport?: unknown }).transport;
        return { server, close: () => server.close() };
      },
    });
    const init = await sessions.handle(post({ jsonrpc: '2.0', id: 0, method: 'initialize', params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 't', version: '1' } } }));
    expect(init.status).toBe(200);
    expect(init.headers.get('content-type')).toContain('application/json');
    const sid = init.headers.get('mcp-session-id')!;
    const inSession = { 'Mcp-Session-Id': sid, 'Mcp-Protocol-Version': '2025-06-18' };
    await sessions.handle(post({ jsonrpc: '2.0', method: 'notifications/initialized' }, inSession));
    for (let i = 1; i <= 300; i++) {
      const res = await sessions.handle(post({ jsonrpc: '2.0', id: i, method: 'tools/call', params: { name: 'echo', arguments: { text: `n${i}` } } }, inSession));
      expect(((await res.json()) as { result: { content: { text: string }[] } }).result.content[0]?.text).toBe(`n${i}`);
    }
    const transport = transportOf!() as { _streamMapping: Map<unknown, unknown>; _requestToStreamMapping: Map<unknown, unknown> };
    expect(transport._streamMapping).toBeInstanceOf(Map);
    expect(transport._streamMapping.size).toBe(0);
    expect(transport._requestToStreamMapping.size).toBe(0);
    await sessions.closeAll();
  });
});
