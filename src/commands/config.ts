/**
 * Command line + environment → one frozen, fully defaulted Config (SPEC §1).
 * Pure apart from resolving the journal folder's real path.
 */
import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { StartError, UsageError } from '../core/errors.js';
import type { EngineName } from '../core/seam.js';
import { ignoreRules, indexPathInJournal, type IgnoreRules } from '../core/ignore.js';

export type Command = 'serve' | 'sync';

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


export type ParsedCommand = { kind: 'help' } | { kind: 'version' } | { kind: 'run'; config: Config };

export const USAGE = `inkdex — keeps a SQLite index of a folder of markdown journal files up to date

Usage:
  inkdex serve [JOURNAL_DIR] [options]   full sync, then watch the folder and serve the status page
  inkdex sync  [JOURNAL_DIR] [options]   one full sync, print a summary, exit
  inkdex --help | --version

Options:
  --db FILE                 index file (default JOURNAL_DIR/.inkdex/index.sqlite; env INKDEX_DB)
  --host ADDR               address to listen on (default 127.0.0.1; env INKDEX_HOST)
  --port N                  port (default 4317, 0 = any free port; env INKDEX_PORT)
  --token SECRET            require "Authorization: Bearer SECRET" on /api/* (env INKDEX_TOKEN)
  --reconcile-every DUR     periodic full sync while serving: 30s, 10m, 1h, 0 = off (default 10m)
  --ignore GLOB             skip matching paths, relative to JOURNAL_DIR (repeatable)
  --max-file-size BYTES     larger files are not read (default 5242880; suffixes K, M, G)
  --json                    sync: print the run summary as one JSON object
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

  const [command, dir, ...extra] = positionals;
  if (command === undefined) throw new UsageError('missing command: serve or sync (see inkdex --help)');
  if (command !== 'serve' && command !== 'sync') throw new UsageError(`unknown command "${command}": use serve or sync (see inkdex --help)`);
  if (extra.length > 0) throw new UsageError(`unexpected argument "${extra[0]}": only one JOURNAL_DIR is accepted`);
  if (values.json && command !== 'sync') throw new UsageError('--json is for inkdex sync only');

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

  const journal = resolveJournal(path.resolve(cwd, dir ?? '.'));
  const dbSource = fromOptionOrEnv(values.db, '--db', env, 'INKDEX_DB');
  if (dbSource && dbSource.value.trim() === '') throw new UsageError(`${dbSource.name} must not be empty`);
  const db = dbSource ? path.resolve(cwd, dbSource.value) : path.join(journal, '.inkdex', 'index.sqlite');

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
