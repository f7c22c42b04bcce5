/**
 * The API's query and path parameters, checked: a clear 400 naming the parameter and the
 * value, never a 500 or a silent reading of something malformed.
 */
import type { Context, MiddlewareHandler } from 'hono';
import { HTTPException } from 'hono/http-exception';
import type { FieldFilter } from '../core/seam.js';

/** Parameters that may be given more than once (each one more condition). */
const REPEATABLE = new Set(['field']);

/**
 * The query string must decode (no stray `%`, no broken UTF-8) and name each parameter
 * once: `limit=1&limit=1000` or `q=%E0%A4` would otherwise be read in some silent way.
 */
export function wellFormedQuery(): MiddlewareHandler {
  return async (c, next) => {
    const url = c.req.url;
    const at = url.indexOf('?');
    if (at >= 0) {
      const seen = new Set<string>();
      for (const part of url.slice(at + 1).split('&')) {
        if (part === '') continue;
        const eq = part.indexOf('=');
        const [rawName, rawValue] = eq < 0 ? [part, ''] : [part.slice(0, eq), part.slice(eq + 1)];
        let name: string;
        try {
          name = decodeURIComponent(rawName.replace(/\+/g, ' '));
          decodeURIComponent(rawValue.replace(/\+/g, ' '));
        } catch {
          throw new HTTPException(400, { message: `malformed query string: "${part.slice(0, 100)}" is not valid percent-encoded UTF-8` });
        }
        if (seen.has(name) && !REPEATABLE.has(name)) throw new HTTPException(400, { message: `query parameter "${name.slice(0, 100)}" is given more than once` });
        seen.add(name);
      }
    }
    await next();
  };
}

export function intParam(c: Context, name: string, fallback: number, min: number, max: number): number {
  return optionalIntParam(c, name, min, max) ?? fallback;
}

export function optionalIntParam(c: Context, name: string, min: number, max = Number.MAX_SAFE_INTEGER): number | null {
  const raw = c.req.query(name);
  if (raw === undefined || raw === '') return null;
  if (!/^\d+$/.test(raw) || Number(raw) < min || Number(raw) > max) {
    throw new HTTPException(400, { message: `${name} must be a whole number from ${min} to ${max}, not "${raw}"` });
  }
  return Number(raw);
}

/** A free-text parameter: at most `max` characters (a longer one is a 400, not a slow search). */
export function textParam(c: Context, name: string, max: number): string | undefined {
  const raw = c.req.query(name);
  if (raw !== undefined && raw.length > max) throw new HTTPException(400, { message: `${name} is too long: ${raw.length} characters, at most ${max}` });
  return raw;
}

export function idParam(c: Context): number {
  const raw = c.req.param('id') ?? '';
  if (!/^\d{1,15}$/.test(raw) || Number(raw) < 1) throw new HTTPException(400, { message: `id must be a positive whole number, not "${raw}"` });
  return Number(raw);
}

export function dateRange(c: Context): { from?: string; to?: string } {
  const out: { from?: string; to?: string } = {};
  for (const name of ['from', 'to'] as const) {
    const day = dateParam(c, name);
    if (day !== undefined) out[name] = day;
  }
  if (out.from && out.to && out.from > out.to) throw new HTTPException(400, { message: `from (${out.from}) is after to (${out.to})` });
  return out;
}

/** A calendar date `YYYY-MM-DD`, or undefined when not given. */
export function dateParam(c: Context, name: string): string | undefined {
  const raw = c.req.query(name);
  if (raw === undefined || raw === '') return undefined;
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(raw);
  const valid = m && !Number.isNaN(Date.parse(`${raw}T00:00:00Z`)) && new Date(`${raw}T00:00:00Z`).toISOString().startsWith(raw);
  if (!valid) throw new HTTPException(400, { message: `${name} must be a date YYYY-MM-DD, not "${raw}"` });
  return raw;
}

/** A tag as stored (lowercased, NFC, without `#`), or undefined when not given. */
export function tagParam(c: Context, max: number): string | undefined {
  const tag = textParam(c, 'tag', max)?.trim();
  return tag === undefined || tag === '' ? undefined : tag.replace(/^#/, '').normalize('NFC').toLowerCase();
}

/** `folder=a/b`: a folder of the journal, without leading or trailing slashes ('' is none). */
export function folderParam(c: Context, max: number): string | undefined {
  const folder = textParam(c, 'folder', max)?.trim().replace(/^(\.\/)+/, '').replace(/^\/+|\/+$/g, '');
  return folder === undefined || folder === '' ? undefined : folder.normalize('NFC');
}

/** Every `field=key` (has it) and `field=key:value` (equal; the value after the first `:`), case-insensitive. */
export function fieldParams(c: Context, max: number): FieldFilter[] {
  return (c.req.queries('field') ?? []).map((raw) => {
    if (raw.length > max) throw new HTTPException(400, { message: `field is too long: ${raw.length} characters, at most ${max}` });
    const colon = raw.indexOf(':');
    const key = (colon === -1 ? raw : raw.slice(0, colon)).trim();
    const value = colon === -1 ? null : raw.slice(colon + 1).trim();
    if (key === '' || value === '') throw new HTTPException(400, { message: `field must be key or key:value, not "${raw.slice(0, 100)}"` });
    return { key, value };
  });
}

/** One of `allowed`, or undefined when not given. */
export function choiceParam<T extends string>(c: Context, name: string, allowed: readonly T[]): T | undefined {
  const raw = c.req.query(name);
  if (raw === undefined || raw === '') return undefined;
  if (!(allowed as readonly string[]).includes(raw)) throw new HTTPException(400, { message: `${name} must be ${allowed.join(' or ')}, not "${raw.slice(0, 100)}"` });
  return raw as T;
}
