/**
 * The journal's notes as MCP resources (SPEC §5.1): `inkdex://entry/{+path}`, each path
 * segment percent-encoded, `/` kept. `resources/list` is paged by path; a client may
 * subscribe to a note and hears `notifications/resources/updated` when it changes, and
 * `notifications/resources/list_changed` when notes are added, moved or removed.
 *
 * SDK 1.32 facts behind the shape (NOTES.md): a `{path}` template matches one segment
 * only, so `{+path}` and our own decoding; McpServer ignores the list cursor, so the list
 * handler is replaced after `registerResource`; subscriptions have no high-level API.
 */
import { ResourceTemplate, type McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { ErrorCode, ListResourcesRequestSchema, McpError, SubscribeRequestSchema, UnsubscribeRequestSchema } from '@modelcontextprotocol/sdk/types.js';
import type { IndexReader } from '../core/seam.js';
import type { ChangeBatch } from './changes.js';
import { NoteReadError, readNote } from './note-file.js';

export const ENTRY_URI_PREFIX = 'inkdex://entry/';
/** Resources per `resources/list` page. */
const PAGE_SIZE = 200;
/** MCP's "resource not found" error code. */
const RESOURCE_NOT_FOUND = -32002;
/** Subscriptions one session may hold. */
const MAX_SUBSCRIPTIONS = 10_000;

export interface ResourceDeps {
  reader: IndexReader;
  /** The journal folder (absolute, real path). */
  journal: string;
  /** Larger files are not read. */
  maxFileSize: number;
}

/** The resource URI of the note at `path`. */
export function entryUri(path: string): string {
  return ENTRY_URI_PREFIX + path.split('/').map(encodeURIComponent).join('/');
}

/** The note path a resource URI names (segments decoded), or null when it names none. */
export function pathOfUri(uri: string): string | null {
  if (!uri.startsWith(ENTRY_URI_PREFIX)) return null;
  const raw = uri.slice(ENTRY_URI_PREFIX.length);
  try {
    const segments = raw.split('/').map((s) => decodeURIComponent(s).normalize('NFC'));
    return segments.some((s) => s === '') ? null : segments.join('/');
  } catch {
    return null; // a malformed %-escape
  }
}

/**
 * Registers the entry resources on `server` (whose capabilities must declare
 * `resources.subscribe`). Returns what to do with each batch of index changes.
 */
export function registerResources(server: McpServer, deps: ResourceDeps): (batch: ChangeBatch) => void {
  const subscribed = new Set<string>();

  server.registerResource(
    'entry',
    new ResourceTemplate(`${ENTRY_URI_PREFIX}{+path}`, { list: undefined }),
    {
      title: 'Journal note',
      description: 'A note of the journal: its current markdown text, read from the journal folder.',
      mimeType: 'text/markdown',
    },
    async (uri) => {
      const href = uri.href;
      const rel = pathOfUri(href);
      if (rel === null) throw new McpError(ErrorCode.InvalidParams, `not an entry URI: ${href} (expected ${ENTRY_URI_PREFIX}PATH, each segment percent-encoded)`);
      if (deps.reader.find({ path: rel, exact: true }) === undefined) {
        throw new McpError(RESOURCE_NOT_FOUND, `no entry at ${JSON.stringify(rel)}`, { uri: href });
      }
      try {
        const text = await readNote(deps.journal, rel, deps.maxFileSize);
        return { contents: [{ uri: entryUri(rel), mimeType: 'text/markdown', text }] };
      } catch (err) {
        if (err instanceof NoteReadError) throw new McpError(err.missing ? RESOURCE_NOT_FOUND : ErrorCode.InvalidParams, err.message, { uri: href });
        throw err;
      }
    },
  );

  // Paged by path: the cursor is the last path of the page before (opaque to clients).
  server.server.setRequestHandler(ListResourcesRequestSchema, (request) => {
    const cursor = request.params?.cursor;
    let after: string | null = null;
    if (cursor !== undefined) {
      after = decodeCursor(cursor);
      if (after === null) throw new McpError(ErrorCode.InvalidParams, `invalid cursor: ${JSON.stringify(cursor.slice(0, 100))}`);
    }
    const rows = deps.reader.paths(after, PAGE_SIZE + 1);
    const page = rows.slice(0, PAGE_SIZE);
    return {
      resources: page.map((r) => ({ uri: entryUri(r.path), name: r.path, title: r.title, mimeType: 'text/markdown' })),
      ...(rows.length > PAGE_SIZE ? { nextCursor: encodeCursor(page.at(-1)!.path) } : {}),
    };
  });

  server.server.setRequestHandler(SubscribeRequestSchema, (request) => {
    const rel = pathOfUri(request.params.uri);
    if (rel === null) throw new McpError(ErrorCode.InvalidParams, `not an entry URI: ${request.params.uri}`);
    if (subscribed.size >= MAX_SUBSCRIPTIONS && !subscribed.has(rel)) throw new McpError(ErrorCode.InvalidParams, `at most ${MAX_SUBSCRIPTIONS} subscriptions per session`);
    subscribed.add(rel); // a note not written yet may be subscribed to: it is announced once it is
    return {};
  });
  server.server.setRequestHandler(UnsubscribeRequestSchema, (request) => {
    const rel = pathOfUri(request.params.uri);
    if (rel !== null) subscribed.delete(rel);
    return {};
  });

  return (batch) => {
    if (!server.isConnected()) return;
    const listChanged = batch.reset || batch.events.some((e) => e.kind !== 'updated');
    const touched = new Set<string>();
    for (const e of batch.events) {
      touched.add(e.path);
      if (e.oldPath) touched.add(e.oldPath);
    }
    const updated = batch.reset ? [...subscribed] : [...touched].filter((p) => subscribed.has(p));
    for (const rel of updated) void server.server.sendResourceUpdated({ uri: entryUri(rel) }).catch(() => undefined);
    if (listChanged) server.sendResourceListChanged();
  };
}

function encodeCursor(path: string): string {
  return Buffer.from(path, 'utf8').toString('base64url');
}

function decodeCursor(cursor: string): string | null {
  if (!/^[A-Za-z0-9_-]*$/.test(cursor)) return null;
  const path = Buffer.from(cursor, 'base64url').toString('utf8');
  return Buffer.from(path, 'utf8').toString('base64url') === cursor ? path : null;
}
