/**
 * Request guard (SPEC §4.3): Host allow-list against DNS rebinding, same-origin POSTs,
 * and the optional bearer token on /api/*.
 */
import { timingSafeEqual } from 'node:crypto';
import type { MiddlewareHandler } from 'hono';

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
    if (c.req.method !== 'GET' && c.req.method !== 'HEAD') {
      const origin = c.req.header('origin');
      if (origin !== undefined && !sameOrigin(origin, host)) {
        return c.json({ error: `forbidden: cross-origin ${c.req.method} from ${origin}` }, 403);
      }
      if (c.req.header('sec-fetch-site') === 'cross-site') return c.json({ error: 'forbidden: cross-site request' }, 403);
    }
    if (opts.token !== null && c.req.path.startsWith('/api/') && !hasToken(c.req.header('authorization'), c.req.query('token'), opts.token)) {
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
