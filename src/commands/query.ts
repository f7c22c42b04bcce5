/**
 * The query verbs `inkdex search | show | list | tags | tasks` (SPEC §5.2): read the
 * index — never build or write one, so they work beside a running `serve` — and print a
 * compact table, or with `--json` the matching MCP tool's result. Exit 0 with or without
 * results (none: a note on stderr), 1 when there is no index or no such entry.
 */
import { StartError } from '../core/errors.js';
import { LIMITS, pageBody } from '../core/reading.js';
import type { EntryName, IndexReader } from '../core/seam.js';
import { NoIndexError, openForReading } from '../index/read-index.js';
import type { QueryConfig } from './config.js';
import { entriesTable, entryPage, PLAIN, searchTable, tagsTable, tasksTable, terminalStyle, type TextStyle } from './table.js';

/** What one verb found: the JSON document, and how to show it as text. */
interface Answer {
  json: object;
  /** The table's lines; empty when nothing was found. */
  lines: string[];
  /** Said on stderr under the table: nothing found, or more than shown. */
  note: string | null;
}

/** How many close matches `show` offers for a name that matches nothing. */
const CLOSE_MATCHES = 5;

/** @returns the process exit code */
export async function queryCommand(config: QueryConfig): Promise<number> {
  const index = await openForReading(config.db, config.engine).catch((err: unknown) => {
    if (err instanceof NoIndexError) {
      const own = config.db.startsWith(config.journal);
      throw new StartError(`no index at ${config.db}: run \`inkdex sync${own ? ` ${config.journal}` : ` --db ${config.db}`}\` first (or point --journal/--db at another)`);
    }
    throw err;
  });
  try {
    const style = process.stdout.isTTY && !process.env.NO_COLOR ? terminalStyle(process.stdout.columns || 100) : PLAIN;
    const answer = ask(config, index.reader, style);
    await write(config.json ? JSON.stringify(answer.json, null, 2) + '\n' : answer.lines.length > 0 ? answer.lines.join('\n') + '\n' : '');
    if (!config.json && answer.note) process.stderr.write(`inkdex: ${answer.note}\n`);
    return 0;
  } finally {
    index.close();
  }
}

function ask(config: QueryConfig, reader: IndexReader, style: TextStyle): Answer {
  const f = config.filters;
  switch (config.command) {
    case 'search': {
      const limit = config.limit ?? LIMITS.search.default;
      const found = reader.search({ query: config.subject!, ...f, limit, offset: config.offset });
      return { json: found, lines: searchTable(found.hits, style), note: pageNote(found.total, found.hits.length, config.offset, `no entries match "${config.subject!}"`) };
    }
    case 'show': {
      const id = findEntry(reader, config.subject!);
      const entry = id === undefined ? undefined : reader.read(id);
      if (!entry) throw new StartError(notFound(reader, config.subject!));
      const whole = pageBody(entry, 0, Math.max(1, entry.body.length));
      return { json: whole, lines: entryPage(whole, style), note: null };
    }
    case 'list': {
      const found = reader.list({ ...f, sort: config.sort, limit: config.limit ?? LIMITS.list.default, offset: config.offset });
      return { json: found, lines: entriesTable(found.entries, style), note: pageNote(found.total, found.entries.length, config.offset, 'no entries match') };
    }
    case 'tags': {
      const tags = reader.tagCounts(config.prefix, config.limit ?? LIMITS.tags.max);
      return { json: { tags }, lines: tags.length > 0 ? tagsTable(tags) : [], note: tags.length > 0 ? null : config.prefix ? `no tags start with "${config.prefix}"` : 'no tags' };
    }
    case 'tasks': {
      const found = reader.tasks({
        ...(config.status ? { status: config.status } : {}),
        ...(config.dueBefore ? { dueBefore: config.dueBefore } : {}),
        ...(f.tag ? { tag: f.tag } : {}),
        limit: config.limit ?? LIMITS.tasks.default,
        offset: config.offset,
      });
      return { json: found, lines: tasksTable(found.tasks, style), note: pageNote(found.total, found.tasks.length, config.offset, 'no tasks match') };
    }
  }
}

/** `show 12` is the entry with id 12, else one whose path or title is "12"; a path may leave out `.md`. */
function findEntry(reader: IndexReader, subject: string): number | undefined {
  const names: EntryName[] = /^\d{1,15}$/.test(subject) ? [{ id: Number(subject) }] : [];
  names.push({ path: subject }, { title: subject });
  for (const name of names) {
    const id = reader.find(name);
    if (id !== undefined) return id;
  }
  return undefined;
}

function notFound(reader: IndexReader, subject: string): string {
  const close = reader.closeMatches(subject, CLOSE_MATCHES);
  return `no entry with id, path or title "${subject}"${close.length > 0 ? `; close matches: ${close.map((e) => e.path).join(', ')}` : ''}`;
}

function pageNote(total: number, shown: number, offset: number, none: string): string | null {
  if (total === 0) return none;
  if (offset + shown >= total) return null;
  return `showing ${offset + 1}–${offset + shown} of ${total} (--limit N and --offset N for more)`;
}

/** Writes all of `text`; a reader that went away (`| head`) is not an error. */
function write(text: string): Promise<void> {
  if (text === '') return Promise.resolve();
  return new Promise((resolve, reject) => {
    process.stdout.once('error', (err: NodeJS.ErrnoException) => (err.code === 'EPIPE' ? resolve() : reject(err)));
    process.stdout.write(text, () => resolve());
  });
}
