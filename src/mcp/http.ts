/**
 * MCP over Streamable HTTP (SPEC §5.1, served by `serve` at `/mcp`): one session per
 * client, each an MCP server of its own on the SDK's web-standard transport, so that
 * subscriptions and notifications work as over stdio. Sessions are bounded in number
 * and closed when idle. The HTTP face calls `handle` with the request once its own
 * safety checks (Host, Origin, token; SPEC §4.3) have passed.
 */
import { randomUUID } from 'node:crypto';
import { WebStandardStreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/webStandardStreamableHttp.js';
import type { McpSession } from './server.js';

export interface McpHttpOptions {
  /** Makes the MCP server of a new session. */
  newSession(): McpSession;
  /** Open sessions at most; a new one closes the least recently used. */
  maxSessions?: number;
  /** A session unused this long is closed. */
  idleMs?: number;
}

interface Open {
  session: McpSession;
  transport: WebStandardStreamableHTTPServerTransport;
  lastUsed: number;
}

const DEFAULT_MAX_SESSIONS = 64;
const DEFAULT_IDLE_MS = 30 * 60_000;
/** JSON-RPC requests are small; a bigger body is refused (413) before it is parsed. */
const MAX_BODY_BYTES = 1024 * 1024;

export class McpHttpSessions {
  private readonly open = new Map<string, Open>();
  private readonly sweeper: NodeJS.Timeout;
  private closed = false;

  constructor(private readonly opts: McpHttpOptions) {
    const idleMs = opts.idleMs ?? DEFAULT_IDLE_MS;
    this.sweeper = setInterval(() => {
      const now = Date.now();
      for (const [id, o] of this.open) if (now - o.lastUsed > idleMs) void this.drop(id);
    }, Math.min(idleMs, 60_000));
    this.sweeper.unref();
  }

  /** Answers one request to `/mcp` (POST a message, GET the notification stream, DELETE the session). */
  async handle(request: Request): Promise<Response> {
    if (this.closed) return jsonRpcError(503, -32000, 'the server is shutting down');
    const id = request.headers.get('mcp-session-id');
    if (id !== null) {
      const found = this.open.get(id);
      if (!found) return jsonRpcError(404, -32001, 'Session not found: start a new one (initialize without Mcp-Session-Id)');
      found.lastUsed = Date.now();
      const response = await found.transport.handleRequest(request);
      forgetAnsweredPosts(found.transport);
      return response;
    }
    if (request.method !== 'POST') return jsonRpcError(400, -32000, 'Bad Request: Mcp-Session-Id header is required');
    return this.start(request);
  }

  /** Closes every session (at shutdown): their event streams end. */
  async closeAll(): Promise<void> {
    this.closed = true;
    clearInterval(this.sweeper);
    await Promise.all([...this.open.keys()].map((id) => this.drop(id)));
  }

  get size(): number {
    return this.open.size;
  }

  /** A request without a session: it must be an `initialize`, which makes one. */
  private async start(request: Request): Promise<Response> {
    const session = this.opts.newSession();
    const transport = new WebStandardStreamableHTTPServerTransport({
      sessionIdGenerator: () => randomUUID(),
      // Plain JSON answers to POSTs: a tool call is one request and one answer. Server
      // notifications travel on the session's GET stream.
      enableJsonResponse: true,
      maxRequestBodySize: MAX_BODY_BYTES,
      onsessioninitialized: (sid) => {
        this.makeRoom();
        this.open.set(sid, { session, transport, lastUsed: Date.now() });
      },
      onsessionclosed: (sid) => void this.drop(sid),
    });
    await session.server.connect(transport);
    const response = await transport.handleRequest(request);
    // Not an initialize (the transport answered 400): nothing to keep.
    if (transport.sessionId === undefined || !this.open.has(transport.sessionId)) await session.close().catch(() => undefined);
    return response;
  }

  private makeRoom(): void {
    const max = this.opts.maxSessions ?? DEFAULT_MAX_SESSIONS;
    while (this.open.size >= max) {
      let oldest: [string, Open] | null = null;
      for (const entry of this.open) if (!oldest || entry[1].lastUsed < oldest[1].lastUsed) oldest = entry;
      if (!oldest) return;
      void this.drop(oldest[0]);
    }
  }

  private async drop(id: string): Promise<void> {
    const o = this.open.get(id);
    if (!o) return;
    this.open.delete(id);
    await o.session.close().catch(() => undefined);
  }
}

/**
 * The SDK (1.32) keeps an entry per POST answered in JSON mode until the session closes —
 * ~15 KB a call, measured: a busy assistant's session would grow without bound
 * (modelcontextprotocol/typescript-sdk#2559, fix pending in #2747). An entry whose requests
 * are all answered (none left in the request → stream map) is done with: dropped here.
 * Does nothing should the SDK's private fields change (test/mcp-http.test.ts says so).
 */
function forgetAnsweredPosts(transport: WebStandardStreamableHTTPServerTransport): void {
  const { _streamMapping: streams, _requestToStreamMapping: requests } = transport as unknown as {
    _streamMapping?: unknown;
    _requestToStreamMapping?: unknown;
  };
  if (!(streams instanceof Map) || !(requests instanceof Map)) return;
  const waiting = new Set(requests.values());
  for (const [streamId, stream] of streams as Map<unknown, { resolveJson?: unknown }>) {
    if (typeof stream?.resolveJson === 'function' && !waiting.has(streamId)) streams.delete(streamId);
  }
}

function jsonRpcError(status: number, code: number, message: string): Response {
  return new Response(JSON.stringify({ jsonrpc: '2.0', error: { code, message }, id: null }), { status, headers: { 'Content-Type': 'application/json' } });
}
