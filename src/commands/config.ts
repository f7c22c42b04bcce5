/**
 * Command line + environment → one frozen, fully defaulted Config (SPEC §1).
 * Pure apart from resolving the journal folder's real path.
 */
import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { StartError, UsageError } from '../core/errors.js';
import { isCalendarDate, LIMITS, MAX_TEXT_CHARS, normaliseFolder, normaliseTag, parseFieldFilter } from '../core/reading.js';
import type { EngineName, EntryFilters, ListSort } from '../core/seam.js';
import { ignoreRules, indexPathInJournal, type IgnoreRules } from '../core/ignore.js';

/** The commands that keep an index (take its lock, sync, watch). */
export type Command = 'serve' | 'sync' | 'mcp';
/** The query verbs (SPEC §5.2): they only read an index. */
export type QueryVerb = 'search' | 'show' | 'list' | 'tags' | 'tasks';
const QUERY_VERBS: readonly string[] = ['search', 'show', 'list', 'tags', 'tasks'] satisfies QueryVerb[];

export interface Config {
  readonly command: Command;
  /** Absolute, symlink-resolved journal folder. */
  readonly journal: string;
  /** Absolute path of the index file. */
  readonly db: string;
  readonly host: string;
  readonly port: number;
  readonly token: string | null;
  /** 0 = periodic reconcile off. */
  readonly reconcileEveryMs: number;
  readonly ignore: readonly string[];
  readonly maxFileSize: number;
  readonly json: boolean;
  /** How the index file is kept; null: native when it loads here, else wasm. */
  readonly engine: EngineName | null;
  /** serve: also log runs that changed nothing. */
  readonly verbose: boolean;
  /**
   * Tests only (INKDEX_TEST_CLOCK_SHIFT_MS, not in --help): the runs' clock moved by this
   * many ms, so a test can live through several days (core/clock.ts). 0 otherwise.
   */
  readonly clockShiftMs: number;
}


/** A query verb's whole request (SPEC §5.2). */
export interface QueryConfig {
  readonly command: QueryVerb;
  readonly journal: string;
  readonly db: string;
  readonly engine: EngineName | null;
  readonly json: boolean;
  /** search: the words; show: the path or id; else null. */
  readonly subject: string | null;
  readonly filters: Readonly<EntryFilters>;
  /** list: the order. */
  readonly sort: ListSort;
  /** null: the verb's default. */
  readonly limit: number | null;
  readonly offset: number;
  /** tags: only those starting with this. */
  readonly prefix: string | null;
  /** tasks: open or done only. */
  readonly status: 'open' | 'done' | null;
  /** tasks: due before this day. */
  readonly dueBefore: string | null;
}

export type ParsedCommand = { kind: 'help' } | { kind: 'version' } | { kind: 'run'; config: Config } | { kind: 'query'; config: QueryConfig };

export const USAGE = `inkdex — keeps a SQLite index of a folder of markdown journal files up to date

Usage:
  inkdex serve [JOURNAL_DIR] [options]   full sync, then watch the folder and serve the status page
  inkdex sync  [JOURNAL_DIR] [options]   one full sync, print a summary, exit
  inkdex mcp   [JOURNAL_DIR] [options]   MCP server on stdin/stdout for assistants (keeps the
                                         index current, or reads the one serve keeps)
  inkdex search QUERY [--tag T] [--from D] [--to D] [--folder F] [--limit N] [--offset N]
  inkdex show PATH|ID                    one entry: metadata, tasks, links out, backlinks, body
  inkdex list [--tag T] [--from D] [--to D] [--folder F] [--field K[:V]]... [--sort date|changed|title]
              [--limit N] [--offset N]
  inkdex tags [--prefix P] [--limit N]
  inkdex tasks [--open|--done] [--due-before D] [--tag T] [--limit N] [--offset N]
  inkdex --help | --version

The query verbs (search, show, list, tags, tasks) read the index of the journal in the
current folder, or of --journal DIR (or --db FILE); they never build one (run inkdex sync
first) and work while serve runs. They print a table, or with --json one JSON document
shaped as the matching MCP tool's result.

Options:
  --db FILE                 index file (default JOURNAL_DIR/.inkdex/index.sqlite; env INKDEX_DB)
  --host ADDR               address to listen on (default 127.0.0.1; env INKDEX_HOST)
  --port N                  port (default 4317, 0 = any free port; env INKDEX_PORT)
  --token SECRET            require "Authorization: Bearer SECRET" on /api/* and /mcp (env INKDEX_TOKEN)
  --reconcile-every DUR     periodic full sync while serving: 30s, 10m, 1h, 0 = off (default 10m)
  --ignore GLOB             skip matching paths, relative to JOURNAL_DIR (repeatable)
  --max-file-size BYTES     larger files are not read (default 5242880; suffixes K, M, G)
  --journal DIR             the journal folder (instead of JOURNAL_DIR; the query verbs' only way)
  --json                    sync: print the run summary as one JSON object; query verbs: JSON output
  --engine native|wasm      how the index file is kept (default native when it loads here,
                            else wasm; env INKDEX_ENGINE): native updates it in place (WAL),
                            wasm rewrites it whole (readers reopen it to see changes)
  --verbose                 serve: log every run on stderr, also those that changed nothing
  -h, --help                this help
  -v, --version             the version

Exit codes: 0 ok, 1 the run failed, 2 bad usage.`;

const DEFAULTS = {
  host: '127.0.0.1',
  port: 4317,
  reconcileEveryMs: 10 * 60_000,
  maxFileSize: 5 * 1024 * 1024,
};

/** Parses argv (without node and script) and env. Throws UsageError or StartError. */
export function parseCommandLine(argv: readonly string[], env: NodeJS.ProcessEnv, cwd: string): ParsedCommand {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...argv],
      allowPositionals: true,
      strict: true,
      options: {
        db: { type: 'string' },
        host: { type: 'string' },
        port: { type: 'string' },
        token: { type: 'string' },
        'reconcile-every': { type: 'string' },
        ignore: { type: 'string', multiple: true },
        'max-file-size': { type: 'string' },
        json: { type: 'boolean' },
        engine: { type: 'string' },
        verbose: { type: 'boolean' },
        journal: { type: 'string' },
        tag: { type: 'string' },
        from: { type: 'string' },
        to: { type: 'string' },
        folder: { type: 'string' },
        field: { type: 'string', multiple: true },
        sort: { type: 'string' },
        limit: { type: 'string' },
        offset: { type: 'string' },
        prefix: { type: 'string' },
        open: { type: 'boolean' },
        done: { type: 'boolean' },
        'due-before': { type: 'string' },
        help: { type: 'boolean', short: 'h' },
        version: { type: 'boolean', short: 'v' },
      },
    });
  } catch (err) {
    // Node's messages may span lines ("argument is ambiguous"): keep one clear line.
    const message = (err as Error).message.replace(/\s*\n\s*/g, ' ').replace(/\.?\s*To specify .*$/s, '');
    throw new UsageError(`${message} (see inkdex --help)`);
  }
  const { values, positionals } = parsed;
  if (values.help) return { kind: 'help' };
  if (values.version) return { kind: 'version' };

  const [command, ...rest] = positionals;
  if (command === undefined) throw new UsageError('missing command: serve, sync, mcp, search, show, list, tags or tasks (see inkdex --help)');
  if (QUERY_VERBS.includes(command)) return { kind: 'query', config: parseQuery(command as QueryVerb, rest, values, env, cwd) };
  if (command !== 'serve' && command !== 'sync' && command !== 'mcp') {
    throw new UsageError(`unknown command "${command}": use serve, sync, mcp, search, show, list, tags or tasks (see inkdex --help)`);
  }
  const [positionalDir, ...extra] = rest;
  if (extra.length > 0) throw new UsageError(`unexpected argument "${extra[0]}": only one JOURNAL_DIR is accepted`);
  if (positionalDir !== undefined && values.journal !== undefined) throw new UsageError('give the journal folder once: as JOURNAL_DIR or as --journal');
  const dir = positionalDir ?? values.journal;
  const queryOption = QUERY_OPTIONS.find((o) => values[o] !== undefined);
  if (queryOption) throw new UsageError(`--${queryOption} is for the query verbs (search, list, tags, tasks), not inkdex ${command}`);
  if (values.json && command !== 'sync') throw new UsageError('--json is for inkdex sync and the query verbs only');
  if (command === 'mcp') {
    const httpOption = (['host', 'port', 'token'] as const).find((o) => values[o] !== undefined);
    if (httpOption) throw new UsageError(`--${httpOption} is for inkdex serve: inkdex mcp talks over stdin/stdout (serve answers MCP at /mcp)`);
  }

  // Each value's error names where it came from: the option, or the environment variable.
  const host = fromOptionOrEnv(values.host, '--host', env, 'INKDEX_HOST') ?? { value: DEFAULTS.host, name: '--host' };
  if (host.value.trim() === '') throw new UsageError(`${host.name} must not be empty`);
  const tokenSource = fromOptionOrEnv(values.token, '--token', env, 'INKDEX_TOKEN');
  if (tokenSource && tokenSource.value === '') throw new UsageError(`${tokenSource.name} must not be empty`);
  const token = tokenSource?.value ?? null;
  const portSource = fromOptionOrEnv(values.port, '--port', env, 'INKDEX_PORT');
  const port = portSource ? parsePort(portSource.value, portSource.name) : DEFAULTS.port;
  const reconcileEveryMs = values['reconcile-every'] === undefined ? DEFAULTS.reconcileEveryMs : parseDuration(values['reconcile-every']);
  const maxFileSize = values['max-file-size'] === undefined ? DEFAULTS.maxFileSize : parseBytes(values['max-file-size']);
  const ignore = (values.ignore ?? []).map((g) => {
    if (g.trim() === '') throw new UsageError('--ignore needs a glob, e.g. --ignore "drafts/**"');
    return g;
  });
  if (command === 'serve' && !isLoopback(host.value) && token === null) {
    throw new UsageError(`refusing to listen on non-loopback address ${host.value} without --token: anyone on the network could read the journal`);
  }

  const engine = parseEngine(values.engine, env.INKDEX_ENGINE);
  const clockShiftMs = parseClockShift(env.INKDEX_TEST_CLOCK_SHIFT_MS);
  const { journal, db } = journalAndDb(dir, values.db, env, cwd);

  return {
    kind: 'run',
    config: Object.freeze({
      command,
      journal,
      db,
      host: host.value,
      port,
      token,
      reconcileEveryMs,
      ignore: Object.freeze(ignore),
      maxFileSize,
      json: values.json ?? false,
      verbose: values.verbose ?? false,
      engine,
      clockShiftMs,
    }),
  };
}

/** Options only the query verbs take, and which verbs take each. */
const QUERY_OPTIONS = ['tag', 'from', 'to', 'folder', 'field', 'sort', 'limit', 'offset', 'prefix', 'open', 'done', 'due-before'] as const;
type QueryOption = (typeof QUERY_OPTIONS)[number];
const VERB_OPTIONS: Record<QueryVerb, readonly QueryOption[]> = {
  search: ['tag', 'from', 'to', 'folder', 'limit', 'offset'],
  show: [],
  list: ['tag', 'from', 'to', 'folder', 'field', 'sort', 'limit', 'offset'],
  tags: ['prefix', 'limit'],
  tasks: ['open', 'done', 'due-before', 'tag', 'limit', 'offset'],
};
/** Options of the commands that keep an index, which a query verb does not take. */
const KEEPER_OPTIONS = ['host', 'port', 'token', 'reconcile-every', 'ignore', 'max-file-size', 'verbose'] as const;

type Values = Partial<Record<QueryOption | (typeof KEEPER_OPTIONS)[number] | 'db' | 'engine' | 'journal' | 'json', string | boolean | string[]>>;

function parseQuery(verb: QueryVerb, args: string[], values: Values, env: NodeJS.ProcessEnv, cwd: string): QueryConfig {
  const keeperOption = KEEPER_OPTIONS.find((o) => values[o] !== undefined);
  if (keeperOption) throw new UsageError(`--${keeperOption} is not an option of inkdex ${verb} (see inkdex --help)`);
  const foreign = QUERY_OPTIONS.find((o) => values[o] !== undefined && !VERB_OPTIONS[verb].includes(o));
  if (foreign) throw new UsageError(`--${foreign} is not an option of inkdex ${verb} (see inkdex --help)`);
  const str = (name: QueryOption): string | undefined => values[name] as string | undefined;

  let subject: string | null = null;
  if (verb === 'search') {
    // The words may come as one argument or several (`inkdex search big cats`).
    subject = args.join(' ').trim();
    if (subject === '') throw new UsageError('inkdex search needs a QUERY: the words to find');
    if (subject.length > MAX_TEXT_CHARS) throw new UsageError(`the query is too long: ${subject.length} characters, at most ${MAX_TEXT_CHARS}`);
  } else if (verb === 'show') {
    if (args.length === 0 || args[0]!.trim() === '') throw new UsageError('inkdex show needs the PATH or ID of an entry');
    if (args.length > 1) throw new UsageError(`inkdex show takes one PATH or ID, not also "${args[1]}" (quote a path with spaces)`);
    subject = args[0]!;
  } else if (args.length > 0) {
    throw new UsageError(`unexpected argument "${args[0]}": inkdex ${verb} takes options only (the journal folder is --journal DIR)`);
  }

  const filters: EntryFilters = {};
  const tag = str('tag');
  if (tag !== undefined) {
    if (normaliseTag(tag) === '') throw new UsageError('--tag needs a tag, e.g. --tag work');
    filters.tag = normaliseTag(tag);
  }
  for (const name of ['from', 'to'] as const) {
    const d = str(name);
    if (d === undefined) continue;
    if (!isCalendarDate(d)) throw new UsageError(`--${name} must be a date YYYY-MM-DD, not "${d}"`);
    filters[name] = d;
  }
  if (filters.from && filters.to && filters.from > filters.to) throw new UsageError(`--from (${filters.from}) is after --to (${filters.to})`);
  const folder = str('folder');
  if (folder !== undefined && normaliseFolder(folder) !== '') filters.folder = normaliseFolder(folder);
  const fields = ((values.field as string[] | undefined) ?? []).map((raw) => {
    const f = parseFieldFilter(raw);
    if (!f) throw new UsageError(`--field must be KEY or KEY:VALUE, not "${raw}"`);
    return f;
  });
  if (fields.length > 0) filters.fields = fields;

  const sort = str('sort') ?? 'date';
  if (sort !== 'date' && sort !== 'changed' && sort !== 'title') throw new UsageError(`--sort must be date, changed or title, not "${sort}"`);
  const range = { search: LIMITS.search, show: LIMITS.read, list: LIMITS.list, tags: LIMITS.tags, tasks: LIMITS.tasks }[verb];
  const limit = str('limit') === undefined ? null : wholeNumber(str('limit')!, '--limit', range.min, range.max);
  const offset = str('offset') === undefined ? 0 : wholeNumber(str('offset')!, '--offset', 0, Number.MAX_SAFE_INTEGER);
  if (values.open && values.done) throw new UsageError('give --open or --done, not both');
  const dueBefore = str('due-before') ?? null;
  if (dueBefore !== null && !isCalendarDate(dueBefore)) throw new UsageError(`--due-before must be a date YYYY-MM-DD, not "${dueBefore}"`);
  const prefix = str('prefix') ?? null;

  const { journal, db } = journalAndDb(values.journal as string | undefined, values.db as string | undefined, env, cwd);
  return Object.freeze({
    command: verb,
    journal,
    db,
    engine: parseEngine(values.engine as string | undefined, env.INKDEX_ENGINE),
    json: values.json === true,
    subject,
    filters: Object.freeze(filters),
    sort,
    limit,
    offset,
    prefix: prefix === null ? null : normaliseTag(prefix),
    status: values.open ? 'open' : values.done ? 'done' : null,
    dueBefore,
  });
}

function wholeNumber(raw: string, name: string, min: number, max: number): number {
  if (!/^\d+$/.test(raw) || Number(raw) < min || Number(raw) > max) throw new UsageError(`${name} must be a whole number from ${min} to ${max}, not "${raw}"`);
  return Number(raw);
}

/** The journal folder (default: the current one) and the index file (--db, INKDEX_DB, else inside the journal). */
function journalAndDb(dir: string | undefined, dbOption: string | undefined, env: NodeJS.ProcessEnv, cwd: string): { journal: string; db: string } {
  if (dir !== undefined && dir.trim() === '') throw new UsageError('--journal must not be empty');
  const journal = resolveJournal(path.resolve(cwd, dir ?? '.'));
  const dbSource = fromOptionOrEnv(dbOption, '--db', env, 'INKDEX_DB');
  if (dbSource && dbSource.value.trim() === '') throw new UsageError(`${dbSource.name} must not be empty`);
  return { journal, db: dbSource ? path.resolve(cwd, dbSource.value) : path.join(journal, '.inkdex', 'index.sqlite') };
}

/** The option's value, else the environment variable's (even when empty), with the name to cite in errors. */
function fromOptionOrEnv(option: string | undefined, optionName: string, env: NodeJS.ProcessEnv, envName: string): { value: string; name: string } | null {
  if (option !== undefined) return { value: option, name: optionName };
  const fromEnv = env[envName];
  if (fromEnv !== undefined) return { value: fromEnv, name: envName };
  return null;
}

function resolveJournal(dir: string): string {
  let real: string;
  try {
    real = fs.realpathSync(dir);
  } catch {
    throw new StartError(`journal folder ${dir} does not exist`);
  }
  if (!fs.statSync(real).isDirectory()) throw new StartError(`journal folder ${dir} is not a folder`);
  return real;
}

function parseEngine(option: string | undefined, env: string | undefined): EngineName | null {
  const [value, name] = option !== undefined ? [option, '--engine'] : [env, 'INKDEX_ENGINE'];
  if (value === undefined || (option === undefined && value === '')) return null;
  if (value === 'native' || value === 'wasm') return value;
  throw new UsageError(`${name} must be native or wasm, not "${value}"`);
}

function parseClockShift(value: string | undefined): number {
  if (value === undefined) return 0;
  if (!/^-?\d{1,15}$/.test(value)) throw new UsageError(`INKDEX_TEST_CLOCK_SHIFT_MS must be a whole number of milliseconds, not "${value}"`);
  return Number(value);
}

/** @param name `--port` or `INKDEX_PORT`: where the value came from, for the error */
function parsePort(value: string, name: string): number {
  if (!/^\d+$/.test(value) || Number(value) > 65535) throw new UsageError(`${name} must be a number from 0 to 65535, not "${value}"`);
  return Number(value);
}

/** `30s`, `10m`, `1h`, `500ms`, `0` → milliseconds. A bare number means seconds. */
export function parseDuration(value: string): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h)?$/.exec(value.trim());
  if (!m) throw new UsageError(`--reconcile-every must be a duration like 30s, 10m or 1h (or 0 for off), not "${value}"`);
  const unit = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[m[2] ?? 's']!;
  return Math.round(Number(m[1]) * unit);
}

/** `5242880`, `512K`, `5M`, `1G` (binary multiples) → bytes. */
export function parseBytes(value: string): number {
  const m = /^(\d+)\s*([KMG])?(?:i?B)?$/i.exec(value.trim());
  if (!m) throw new UsageError(`--max-file-size must be a number of bytes (suffix K, M or G allowed), not "${value}"`);
  const unit = { '': 1, K: 1024, M: 1024 ** 2, G: 1024 ** 3 }[(m[2] ?? '').toUpperCase()]!;
  const bytes = Number(m[1]) * unit;
  if (bytes < 1) throw new UsageError('--max-file-size must be at least 1 byte');
  return bytes;
}

export function isLoopback(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '').toLowerCase();
  return h === 'localhost' || h === '::1' || /^127(\.\d{1,3}){3}$/.test(h);
}

/** The journal's ignore rules: the --ignore globs, and the index file itself when it lies inside the journal. */
export function journalRules(config: Pick<Config, 'ignore' | 'journal' | 'db'>): IgnoreRules {
  return ignoreRules(config.ignore, indexPathInJournal(config.journal, config.db));
}
