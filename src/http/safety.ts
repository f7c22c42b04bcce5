/**
 * Safety (SPEC §4.3). Per request: headers that forbid framing and sniffing, the Host
 * allow-list against DNS rebinding, same-origin POSTs (and every request to /mcp), and
 * the optional bearer token on /api/* and /mcp. Per connection (`hardenServer`): a
 * bounded number of sockets, timeouts for slow and idle ones, and JSON answers for
 * requests Node's HTTP parser refuses before hono sees them (oversized URL or headers,
 * malformed or timed-out requests).
 */
import { timingSafeEqual } from 'node:crypto';
import fs from 'node:fs';
import { STATUS_CODES, type IncomingMessage, type Server, type ServerOptions, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { MiddlewareHandler } from 'hono';

/**
 * Sent with every response, errors included: no other site may frame the page (and so
 * click its buttons), browsers must not guess content types, and no URL (a token in it
 * included) leaks through the Referer header. The page (web/) loads only its own script
 * and stylesheet, so this policy forbids every inline script and style.
 */
export const SECURITY_HEADERS: ReadonlyArray<readonly [string, string]> = [
  ['X-Frame-Options', 'DENY'],
  [
    'Content-Security-Policy',
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'",
  ],
  ['X-Content-Type-Options', 'nosniff'],
  ['Referrer-Policy', 'no-referrer'],
  ['Cross-Origin-Resource-Policy', 'same-origin'],
];

/** Adds SECURITY_HEADERS to whatever the rest of the app answered (404s and errors included). */
export function securityHeaders(): MiddlewareHandler {
  return async (c, next) => {
    await next();
    try {
      for (const [name, value] of SECURITY_HEADERS) c.res.headers.set(name, value);
    } catch {
      // Immutable headers (a Response made elsewhere): copy it.
      const res = new Response(c.res.body, c.res);
      for (const [name, value] of SECURITY_HEADERS) res.headers.set(name, value);
      c.res = res;
    }
  };
}

export interface SecurityOptions {
  host: string;
  port(): number;
  token: string | null;
}

const LOOPBACK_NAMES = ['localhost', '127.0.0.1', '[::1]'];

export function guard(opts: SecurityOptions): MiddlewareHandler {
  return async (c, next) => {
    const host = (c.req.header('host') ?? '').toLowerCase();
    // With a token the Host check is off (a reverse proxy or LAN name is expected then).
    if (opts.token === null && !allowedHosts(opts).has(host)) {
      return c.json({ error: `forbidden: Host "${host}" is not this server (DNS rebinding protection)` }, 403);
    }
    // MCP's transport wants the Origin checked on every request, its event stream (GET) included.
    const mcp = c.req.path === '/mcp';
    if (mcp || (c.req.method !== 'GET' && c.req.method !== 'HEAD')) {
      const origin = c.req.header('origin');
      if (origin !== undefined && !sameOrigin(origin, host)) {
        return c.json({ error: `forbidden: cross-origin ${c.req.method} from ${origin}` }, 403);
      }
    }
    if (c.req.method !== 'GET' && c.req.method !== 'HEAD') {
      // A browser says where a request comes from: only the page itself (same-origin) or
      // the user (none: typed, bookmarked) may change things. "same-site" is another port
      // or subdomain of this host: another program's page.
      const site = c.req.header('sec-fetch-site');
      if (site !== undefined && site !== 'same-origin' && site !== 'none') return c.json({ error: `forbidden: ${site} request` }, 403);
    }
    if (opts.token !== null && (mcp || c.req.path.startsWith('/api/')) && !hasToken(c.req.header('authorization'), c.req.query('token'), opts.token)) {
      return c.json({ error: 'unauthorized: this server needs "Authorization: Bearer TOKEN" (or ?token=TOKEN)' }, 401);
    }
    await next();
  };
}

function allowedHosts(opts: SecurityOptions): Set<string> {
  const port = opts.port();
  const bound = opts.host.includes(':') && !opts.host.startsWith('[') ? `[${opts.host}]` : opts.host;
  const names = new Set([bound.toLowerCase(), ...LOOPBACK_NAMES]);
  const hosts = new Set<string>();
  for (const name of names) {
    hosts.add(`${name}:${port}`);
    if (port === 80) hosts.add(name);
  }
  return hosts;
}

function sameOrigin(origin: string, host: string): boolean {
  try {
    const u = new URL(origin);
    return u.protocol === 'http:' && u.host.toLowerCase() === host;
  } catch {
    return false; // "null" and other opaque origins
  }
}

function hasToken(authorization: string | undefined, query: string | undefined, token: string): boolean {
  const bearer = /^Bearer\s+(.+)$/i.exec(authorization ?? '')?.[1]?.trim();
  return [bearer, query].some((given) => given !== undefined && safeEqual(given, token));
}

function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

// ---- connections ----------------------------------------------------------------------

export interface ConnectionLimits {
  /** Open sockets at most; past it the longest-idle socket makes room (see hardenServer). */
  maxConnections: number;
  /** The request line and headers must arrive within this (slowloris, half-open sockets). */
  headersTimeoutMs: number;
  /** The whole request must arrive within this. */
  requestTimeoutMs: number;
  /** An idle keep-alive socket is closed after this. */
  keepAliveTimeoutMs: number;
  /** A socket with no traffic either way for this long is closed (event streams send a keep-alive well within it). */
  idleTimeoutMs: number;
  /** How often Node checks the headers and request timeouts. */
  checkIntervalMs: number;
  /** Request line plus headers, in bytes; more is a 431. */
  maxHeaderBytes: number;
}

/**
 * Defaults: at most 256 sockets, and never more than a quarter of the descriptors the
 * process may open, so the watcher, the index file and its temporary files always have
 * theirs.
 */
export function defaultConnectionLimits(): ConnectionLimits {
  const fdLimit = openFileLimit();
  return {
    maxConnections: Math.max(16, Math.min(256, Math.floor(fdLimit / 4))),
    headersTimeoutMs: 10_000,
    requestTimeoutMs: 30_000,
    keepAliveTimeoutMs: 5_000,
    idleTimeoutMs: 60_000,
    checkIntervalMs: 1_000,
    maxHeaderBytes: 16 * 1024,
  };
}

/** The soft limit on open files (Linux /proc), or a conservative guess elsewhere. */
function openFileLimit(): number {
  try {
    const m = /^Max open files\s+(\d+|unlimited)/m.exec(fs.readFileSync('/proc/self/limits', 'utf8'));
    if (m) return m[1] === 'unlimited' ? 1 << 20 : Number(m[1]);
  } catch {
    // not Linux
  }
  return 1024;
}

/** Options for `http.createServer` (some limits can only be set at creation). */
export function httpServerOptions(limits: ConnectionLimits): ServerOptions {
  return {
    headersTimeout: limits.headersTimeoutMs,
    requestTimeout: limits.requestTimeoutMs,
    keepAliveTimeout: limits.keepAliveTimeoutMs,
    connectionsCheckingInterval: limits.checkIntervalMs,
    maxHeaderSize: limits.maxHeaderBytes,
    // A missing Host reaches the guard, which answers 403 in JSON (Node's own 400 has no body).
    requireHostHeader: false,
  };
}

/**
 * The answer for a request the adapter cannot turn into a URL (a backslash in the path, a
 * Host that is not a host name): 400 in JSON with the usual headers. The message is
 * fixed text (the request's own bytes are not echoed).
 */
export function badRequestResponse(err: unknown): Response {
  const why = err instanceof Error && /^[\w .-]{1,60}$/.test(err.message) ? err.message : 'malformed request';
  return new Response(JSON.stringify({ error: `bad request: ${why.toLowerCase()}` }), {
    status: 400,
    headers: [['Content-Type', 'application/json; charset=utf-8'], ...SECURITY_HEADERS.map(([k, v]) => [k, v] as [string, string])],
  });
}

export interface HardenedServer {
  /** Ends every connection now (shutdown): idle, in flight and event streams alike. */
  closeAll(): void;
  /** Sockets open now, and how many were closed to make room or refused since start. */
  stats(): { open: number; evicted: number; refused: number };
}

interface Tracked {
  /** Requests on this socket whose response has not finished. */
  inFlight: number;
  /** Serving an event stream (long-lived by design). */
  streaming: boolean;
  /** Last time a request started or ended on it. */
  lastActive: number;
}

/**
 * Bounds and times out the server's connections (SPEC §4.3: a flood of slow or idle
 * connections cannot starve the indexer). Past `maxConnections`, the socket that is
 * doing nothing (no request in flight: a half-open or slowloris socket, an idle
 * keep-alive) for the longest is closed to make room; failing that the oldest event
 * stream (EventSource reconnects by itself); failing that the new socket is refused. So
 * a flood can never take more than `maxConnections` descriptors, and a real request
 * still gets through while one is going on.
 */
export function hardenServer(server: Server, limits: ConnectionLimits): HardenedServer {
  server.headersTimeout = limits.headersTimeoutMs;
  server.requestTimeout = limits.requestTimeoutMs;
  server.keepAliveTimeout = limits.keepAliveTimeoutMs;
  server.timeout = limits.idleTimeoutMs;
  // A backstop only: sockets close asynchronously, so allow some slack over the cap.
  server.maxConnections = limits.maxConnections + 64;
  const sockets = new Map<Socket, Tracked>(); // insertion order = oldest first
  let evicted = 0;
  let refused = 0;

  const makeRoom = (newcomer: Socket): void => {
    if (sockets.size <= limits.maxConnections) return;
    let victim: Socket | null = null;
    let idleSince = Infinity;
    for (const [socket, t] of sockets) {
      if (socket !== newcomer && t.inFlight === 0 && t.lastActive < idleSince) {
        victim = socket;
        idleSince = t.lastActive;
      }
    }
    if (!victim) for (const [socket, t] of sockets) if (socket !== newcomer && t.streaming) { victim = socket; break; }
    if (victim) {
      evicted++;
      sockets.delete(victim);
      victim.destroy();
    } else {
      refused++;
      sockets.delete(newcomer);
      newcomer.destroy();
    }
  };

  server.on('connection', (socket: Socket) => {
    sockets.set(socket, { inFlight: 0, streaming: false, lastActive: Date.now() });
    socket.once('close', () => sockets.delete(socket));
    makeRoom(socket);
  });

  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    const t = sockets.get(req.socket as Socket);
    if (!t) return;
    t.inFlight++;
    t.lastActive = Date.now();
    if ((req.url ?? '').startsWith('/api/events')) t.streaming = true;
    res.once('close', () => {
      t.inFlight = Math.max(0, t.inFlight - 1);
      if (t.inFlight === 0) t.streaming = false;
      t.lastActive = Date.now();
    });
  });

  server.on('clientError', (err: NodeJS.ErrnoException, socket: Socket) => {
    if (err.code === 'ECONNRESET' || err.code === 'EPIPE' || !socket.writable || (socket as { _httpMessage?: unknown })._httpMessage) {
      socket.destroy();
      return;
    }
    const [status, message] =
      err.code === 'HPE_HEADER_OVERFLOW'
        ? [431, `the request line and headers are over ${limits.maxHeaderBytes} bytes`]
        : err.code === 'ERR_HTTP_REQUEST_TIMEOUT'
          ? [408, 'the request did not arrive in time']
          : [400, `malformed HTTP request (${err.code ?? 'parse error'})`];
    socket.end(rawJsonResponse(status, { error: message }), () => socket.destroy());
    // A peer that never reads must not hold the socket open.
    setTimeout(() => socket.destroy(), 1000).unref();
  });

  return {
    closeAll() {
      server.close();
      server.closeAllConnections();
      for (const socket of sockets.keys()) socket.destroy();
      sockets.clear();
    },
    stats: () => ({ open: sockets.size, evicted, refused }),
  };
}

/** A complete HTTP/1.1 response (for answers written before hono sees a request). */
export function rawJsonResponse(status: number, body: unknown): string {
  const json = JSON.stringify(body);
  const headers = [
    `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? 'Error'}`,
    'Content-Type: application/json; charset=utf-8',
    `Content-Length: ${Buffer.byteLength(json)}`,
    'Connection: close',
    ...SECURITY_HEADERS.map(([name, value]) => `${name}: ${value}`),
  ];
  return headers.join('\r\n') + '\r\n\r\n' + json;
}
