/**
 * The seven MCP tools of SPEC §5.1, and writing_stats (issue 17), over the reader seam: each declares its input and
 * output schema, answers with `structuredContent` and the same as JSON text, and turns
 * what a reader cannot answer (a bad query, a note that is not there) into a tool error
 * that says what was asked. The SDK refuses arguments that fail the input schema with a
 * tool error naming the argument (`… at limit`) before a handler runs.
 */
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import * as z from 'zod';
import { BadQueryError, NotReady } from '../core/errors.js';
import {
  isCalendarDate,
  isSince,
  LIMITS,
  MAX_TEXT_CHARS,
  normaliseFolder,
  normaliseTag,
  pageBody,
  parseFieldFilter,
  sinceKey,
} from '../core/reading.js';
import type { EntryFilters, EntryName, IndexReader } from '../core/seam.js';
import { systemClock, type Clock } from '../core/clock.js';
import { addDays, localDay } from '../core/days.js';

/** What the tools read. */
export interface ToolDeps {
  reader: IndexReader;
  /** The `/api/status` object of the process keeping the index, as well as this process knows it. */
  status(): object;
  /** Whose "today" writing_stats counts up to: the runs' clock (the system's by default). */
  clock?: Clock;
  /**
   * Resolves once the index can answer: an index that has never finished a sync (its
   * first build under way) would answer "no such note" for notes it has not reached yet.
   * Rejects with NotReady, said to the client as a tool error, when that takes too long.
   */
  ready?(): Promise<void>;
}


/** writing_stats without from/to: the days of the last four weeks, today included. */
const WRITING_DAYS_DEFAULT = 28;

/** How many close matches a "not found" offers. */
const CLOSE_MATCHES = 5;

// ---- argument schemas ------------------------------------------------------------------

const limit = (range: { min: number; max: number; default: number }, what = 'results'): z.ZodOptional<z.ZodNumber> =>
  z.number().int().min(range.min).max(range.max).optional().describe(`How many ${what} at most (${range.min}–${range.max}, default ${range.default})`);
const offset = z.number().int().min(0).optional().describe('How many to skip first, for the next page (default 0)');
const text = (description: string): z.ZodOptional<z.ZodString> => z.string().max(MAX_TEXT_CHARS).optional().describe(description);
const day = (description: string): z.ZodOptional<z.ZodString> =>
  z.string().refine(isCalendarDate, { message: 'must be a date YYYY-MM-DD' }).optional().describe(description);

const filterArgs = {
  tag: text('Only entries with this tag (with or without #; a parent tag such as "project" also matches "project/alpha")'),
  from: day("Only entries dated on or after this day (YYYY-MM-DD; an entry's date is its frontmatter date or the one in its file name)"),
  to: day('Only entries dated on or before this day (YYYY-MM-DD)'),
  folder: text('Only entries under this folder of the journal, e.g. "people" or "work/2024"'),
};

// ---- result schemas --------------------------------------------------------------------

const ref = z.object({ id: z.number().int(), path: z.string(), title: z.string() });
const date = z.string().nullable();
/** Rows whose columns follow the index's schema: more may come with a newer schema. */
const task = z.looseObject({
  line: z.number().int(),
  text: z.string(),
  done: z.boolean(),
  due: date,
  scheduled: date,
  doneDate: date,
  priority: z.string().nullable(),
});

const searchOutput = {
  total: z.number().int(),
  hits: z.array(z.object({ id: z.number().int(), path: z.string(), title: z.string(), date, tags: z.array(z.string()), snippet: z.string(), score: z.number() })),
};
const readOutput = {
  id: z.number().int(),
  path: z.string(),
  title: z.string(),
  date,
  tags: z.array(z.string()),
  aliases: z.array(z.string()),
  frontmatter: z.record(z.string(), z.unknown()),
  fields: z.array(z.looseObject({ key: z.string(), value: z.string(), type: z.string() })),
  tasks: z.array(task),
  headings: z.array(z.looseObject({ level: z.number().int(), text: z.string(), line: z.number().int() })),
  links: z.array(z.looseObject({ target: z.string(), kind: z.string(), anchor: z.string().nullable(), targetPath: z.string().nullable() })),
  backlinks: z.array(ref),
  body: z.string(),
  bodyLength: z.number().int(),
  truncated: z.boolean(),
};
const listOutput = {
  total: z.number().int(),
  entries: z.array(z.object({ id: z.number().int(), path: z.string(), title: z.string(), date, tags: z.array(z.string()), wordCount: z.number().int() })),
};
const changesOutput = {
  changes: z.array(z.object({ at: z.string(), kind: z.enum(['added', 'updated', 'moved', 'removed']), path: z.string(), oldPath: z.string().nullable() })),
};
const tagsOutput = { tags: z.array(z.object({ tag: z.string(), count: z.number().int() })) };
const tasksOutput = { total: z.number().int(), tasks: z.array(task.extend({ entryId: z.number().int(), path: z.string(), title: z.string() })) };
const statusOutput = z.looseObject({
  state: z.enum(['starting', 'idle', 'syncing']),
  health: z.enum(['healthy', 'degraded', 'unhealthy']),
  journal: z.string(),
  engine: z.enum(['native', 'wasm']),
  db: z.looseObject({ path: z.string(), sizeBytes: z.number(), lastWriteAt: z.string().nullable() }),
  watcher: z.looseObject({ state: z.string(), files: z.number(), dirs: z.number() }),
  counts: z.looseObject({ entries: z.number().int(), tags: z.number().int(), errors: z.number().int() }),
  currentRun: z.looseObject({}).nullable(),
  lastRun: z.looseObject({}).nullable(),
  version: z.string(),
});

const period = z.object({ wordsAdded: z.number().int(), wordsRemoved: z.number().int(), added: z.number().int(), updated: z.number().int() });
const writingOutput = {
  day: z.string(),
  today: period,
  week: period,
  month: period,
  streakDays: z.number().int(),
  longestStreakDays: z.number().int(),
  days: z.array(
    z.object({
      day: z.string(),
      entries: z.number().int(),
      words: z.number().int(),
      added: z.number().int(),
      updated: z.number().int(),
      moved: z.number().int(),
      removed: z.number().int(),
      wordsAdded: z.number().int(),
      wordsRemoved: z.number().int(),
    }),
  ),
};

const READ_ONLY = { readOnlyHint: true, openWorldHint: false } as const;

export function registerTools(server: McpServer, deps: ToolDeps): void {
  const { reader } = deps;
  const answer = async (read: () => object): Promise<CallToolResult> => {
    try {
      await deps.ready?.();
    } catch (err) {
      if (err instanceof NotReady) return toolError(err.message);
      throw err;
    }
    return answerNow(read);
  };

  server.registerTool(
    'search',
    {
      title: 'Search the journal',
      description:
        'Full-text search over the titles and bodies of the journal\'s notes, best match first (BM25; title hits weigh more). ' +
        'All words must appear; "a quoted phrase" matches the words in order, word* matches a prefix. ' +
        'Each hit has a snippet with the matched words marked «like this»; read a hit whole with read_entry.',
      inputSchema: {
        query: z.string().max(MAX_TEXT_CHARS).refine((q) => q.trim() !== '', { message: 'must not be empty' }).describe('The words to find'),
        ...filterArgs,
        limit: limit(LIMITS.search, 'hits'),
      },
      outputSchema: searchOutput,
      annotations: READ_ONLY,
    },
    (args) =>
      answer(() => reader.search({ query: args.query, ...filters(args), limit: args.limit ?? LIMITS.search.default })),
  );

  server.registerTool(
    'read_entry',
    {
      title: 'Read one note',
      description:
        'One note of the journal, named by exactly one of path (e.g. "people/Ann Lee.md"; the extension may be left out), id, or title: ' +
        'its metadata (date, tags, aliases, frontmatter, fields, tasks, headings), its outgoing links (with the path each resolves to), ' +
        'the notes linking to it (backlinks) and its markdown body. A long body comes in pages of `limit` characters: ' +
        'when `truncated` is true, ask again with `offset` moved on. A name that matches nothing gets an error listing close matches.',
      inputSchema: {
        path: text('The note\'s path relative to the journal folder'),
        id: z.number().int().min(1).optional().describe('The note\'s id (as search and list_entries return it)'),
        title: text('The note\'s title'),
        offset: z.number().int().min(0).optional().describe('Where the body page starts, in characters (default 0)'),
        limit: limit(LIMITS.read, 'characters of body'),
      },
      outputSchema: readOutput,
      annotations: READ_ONLY,
    },
    (args) => {
      const given = (['path', 'id', 'title'] as const).filter((k) => args[k] !== undefined);
      if (given.length !== 1) {
        return toolError(
          given.length === 0
            ? 'read_entry needs one of the arguments path, id or title'
            : `read_entry takes one of the arguments path, id or title, not ${given.join(' and ')}`,
        );
      }
      const name: EntryName = args.id !== undefined ? { id: args.id } : args.path !== undefined ? { path: args.path } : { title: args.title! };
      return answer(() => {
        const id = reader.find(name);
        const entry = id === undefined ? undefined : reader.read(id);
        if (!entry) throw new NotFound(notFoundMessage(reader, name));
        return pageBody(entry, args.offset ?? 0, args.limit ?? LIMITS.read.default);
      });
    },
  );

  server.registerTool(
    'list_entries',
    {
      title: 'List notes',
      description:
        'The journal\'s notes, filtered by tag, date range, folder or field, without their text: newest date first (sort "date"), ' +
        'last modified first ("changed"), or by title ("title"). `total` counts them all; page with limit and offset.',
      inputSchema: {
        ...filterArgs,
        field: text('Only notes with this frontmatter field ("status"), or with this value of it ("status:done", any case)'),
        sort: z.enum(['date', 'changed', 'title']).optional().describe('date (default): newest first; changed: last modified first; title: A–Z'),
        limit: limit(LIMITS.list, 'entries'),
        offset,
      },
      outputSchema: listOutput,
      annotations: READ_ONLY,
    },
    (args) => {
      const field = args.field === undefined ? null : parseFieldFilter(args.field);
      if (args.field !== undefined && field === null) return toolError(`field must be "key" or "key:value", not "${args.field}"`);
      return answer(() =>
        reader.list({
          ...filters(args),
          ...(field ? { fields: [field] } : {}),
          sort: args.sort ?? 'date',
          limit: args.limit ?? LIMITS.list.default,
          offset: args.offset ?? 0,
        }),
      );
    },
  );

  server.registerTool(
    'recent_changes',
    {
      title: 'Recent changes',
      description: 'Notes added, updated, moved (renamed) or removed, newest first, as inkdex saw them: each with when (UTC), what and the path (and the old path of a move).',
      inputSchema: {
        since: z
          .string()
          .refine(isSince, { message: 'must be a date YYYY-MM-DD or a date-time like 2024-05-01T09:00:00Z' })
          .optional()
          .describe('Only changes at or after this day (local midnight) or moment (ISO-8601; without a zone, local time)'),
        limit: limit(LIMITS.changes, 'changes'),
      },
      outputSchema: changesOutput,
      annotations: READ_ONLY,
    },
    (args) => answer(() => ({ changes: reader.changes(args.since === undefined ? null : sinceKey(args.since), args.limit ?? LIMITS.changes.default) })),
  );

  server.registerTool(
    'list_tags',
    {
      title: 'List tags',
      description: 'The tags in use with how many notes carry each, most used first. A nested tag "a/b" also counts under "a".',
      inputSchema: {
        prefix: text('Only tags starting with this (e.g. "project/")'),
        limit: limit(LIMITS.tags, 'tags'),
      },
      outputSchema: tagsOutput,
      annotations: READ_ONLY,
    },
    (args) => answer(() => ({ tags: reader.tagCounts(args.prefix === undefined ? null : normaliseTag(args.prefix), args.limit ?? LIMITS.tags.default) })),
  );

  server.registerTool(
    'tasks',
    {
      title: 'Tasks',
      description: 'Checklist items ("- [ ] …", "- [x] …") across the journal, by due date (undated last), then note path and line, each with the note it is in.',
      inputSchema: {
        status: z.enum(['open', 'done']).optional().describe('open: not checked; done: checked; default both'),
        due_before: day('Only tasks due before this day (YYYY-MM-DD)'),
        tag: text('Only tasks in notes with this tag'),
        limit: limit(LIMITS.tasks, 'tasks'),
        offset,
      },
      outputSchema: tasksOutput,
      annotations: READ_ONLY,
    },
    (args) =>
      answer(() =>
        reader.tasks({
          ...(args.status !== undefined ? { status: args.status } : {}),
          ...(args.due_before !== undefined ? { dueBefore: args.due_before } : {}),
          ...(args.tag !== undefined ? { tag: normaliseTag(args.tag) } : {}),
          limit: args.limit ?? LIMITS.tasks.default,
          offset: args.offset ?? 0,
        }),
      ),
  );

  server.registerTool(
    'writing_stats',
    {
      title: 'Writing stats',
      description:
        'How the journal grows, from inkdex\'s daily_stats: words added and removed, notes added and updated today, this week ' +
        '(from Monday) and this month (from the 1st); the streak of days in a row with words written (ending today, or yesterday ' +
        'while today has none yet) and the longest one; and one row per day inkdex ran (days: totals of notes and words at the ' +
        'day\'s end, counts of notes added/updated/moved/removed, words added/removed). Days are the local dates of the machine ' +
        `running inkdex; \`day\` is today. Without from/to, days covers the last ${WRITING_DAYS_DEFAULT} days. A day with no row is a day inkdex did not run.`,
      inputSchema: {
        from: day('First day of `days` (YYYY-MM-DD)'),
        to: day('Last day of `days` (YYYY-MM-DD, default today)'),
      },
      outputSchema: writingOutput,
      annotations: READ_ONLY,
    },
    (args) =>
      answer(() => {
        const today = localDay((deps.clock ?? systemClock).now());
        const to = args.to ?? today;
        const from = args.from ?? (args.to === undefined ? addDays(today, 1 - WRITING_DAYS_DEFAULT) : null);
        if (from !== null && from > to) throw new BadArgument(`from (${from}) is after to (${to})`);
        return { ...reader.statsSummary(today), days: reader.dailyStats(from, to) };
      }),
  );

  server.registerTool(
    'journal_status',
    {
      title: 'Journal status',
      description: 'The state of the index: health (and why it is not healthy), counts of notes, tags and files with problems, the last sync run, the index file.',
      inputSchema: {},
      outputSchema: statusOutput,
      annotations: READ_ONLY,
    },
    () => answer(() => deps.status()),
  );
}

/** The filters common to search and list_entries, normalised as the index stores them. */
function filters(args: { tag?: string | undefined; from?: string | undefined; to?: string | undefined; folder?: string | undefined }): EntryFilters {
  if (args.from !== undefined && args.to !== undefined && args.from > args.to) throw new BadArgument(`from (${args.from}) is after to (${args.to})`);
  const tag = args.tag === undefined ? '' : normaliseTag(args.tag);
  const folder = args.folder === undefined ? '' : normaliseFolder(args.folder);
  return {
    ...(tag !== '' ? { tag } : {}),
    ...(args.from !== undefined ? { from: args.from } : {}),
    ...(args.to !== undefined ? { to: args.to } : {}),
    ...(folder !== '' ? { folder } : {}),
  };
}

class NotFound extends Error {}
class BadArgument extends Error {}

/** Runs a read; its answer as structured content and JSON text, or a tool error saying why not. */
function answerNow(read: () => object): CallToolResult {
  try {
    const value = read() as Record<string, unknown>;
    return { structuredContent: value, content: [{ type: 'text', text: JSON.stringify(value) }] };
  } catch (err) {
    if (err instanceof NotFound || err instanceof BadArgument || err instanceof BadQueryError || err instanceof NotReady) return toolError(err.message);
    throw err;
  }
}

function toolError(message: string): CallToolResult {
  return { isError: true, content: [{ type: 'text', text: message }] };
}

function notFoundMessage(reader: IndexReader, name: EntryName): string {
  const [what, asked] = 'id' in name ? ['id', String(name.id)] : 'path' in name ? ['path', name.path] : ['title', name.title];
  const close = 'id' in name ? [] : reader.closeMatches(asked, CLOSE_MATCHES);
  const suggestions = close.length === 0 ? '' : `; close matches: ${close.map((e) => `${JSON.stringify(e.path)} (id ${e.id}, "${e.title}")`).join(', ')}`;
  return `no entry with ${what} ${JSON.stringify(asked)}${suggestions}`;
}
