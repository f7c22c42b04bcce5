/**
 * The benchmark driver: `npm run bench -- [--sizes 1k,10k] [--engines native,wasm] [--pairs 5] [--corpus] [--skip-serve]`
 * (`--skip-serve` also skips the readers' measurements: `inkdex search`, `inkdex mcp`).
 * Prints the machine, the command line and a table of results with the engines side by side
 * and met/missed per target, and writes the same to bench/.cache/last-run.md.
 */
import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { killAll } from './children.js';
import { ensureJournal, extractCorpus, freshCopy, listMarkdown } from './journals.js';
import { sideBySideTable } from './measure.js';
import type { Row } from './measure.js';
import { serveRows, syncRows } from './report.js';
import { DEFAULT_BODY_BYTES } from './generate.js';
import { readersRows, runReadersBench } from './readers-bench.js';
import { runServeBench } from './serve-bench.js';
import { runSyncBench } from './sync-bench.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const CACHE = path.join(ROOT, 'bench', '.cache');
const CORPORA = ['cpp-docs', 'flancian-garden', 'krycho'];
const ENGINES = ['native', 'wasm'];

const USAGE = `usage: node dist/bench/run.js [options]
  --sizes LIST     journals: a note count (1k, 10k, 100k), '-5kb' for notes of ~5 KB
                   (default 1k,10k,10k-5kb; 10k also gets issue 16's load of 200 clients)
  --engines LIST   storage engines to measure, each on a fresh copy of the journal (default native,wasm)
  --pairs N        interleaved naive/inkdex cold-sync pairs, at least 3 (default 5: this machine's run-to-run noise is ±10 %)
  --corpus         also run ../shared/corpora/*.tar.gz when present
  --skip-serve     skip the live 'serve' and readers (inkdex search, inkdex mcp) measurements
  --edits N        live edits to time, and edits at the autosave rhythm (default 40, at least 30)
  --seed N         journal generator seed (default 1)
  --inkdex FILE    the inkdex CLI (default dist/src/cli.js)`;

interface Size {
  label: string;
  count: number;
  /** The median note body (bytes): 1,300 by default, 3,500 for '-5kb' (notes of ~5 KB). */
  bodyBytes: number;
}

interface Options {
  sizes: Size[];
  engines: string[];
  pairs: number;
  corpus: boolean;
  skipServe: boolean;
  edits: number;
  seed: number;
  cli: string;
}

function parseSize(text: string): Size {
  const m = /^(\d+(?:\.\d+)?)([km]?)(-5kb)?$/i.exec(text.trim());
  if (!m) throw new Error(`bad size '${text}' (use e.g. 1k, 10k, 2500, 10k-5kb)`);
  const mult = { '': 1, k: 1000, m: 1_000_000 }[(m[2] as string).toLowerCase()] ?? 1;
  const count = Math.round(Number(m[1]) * mult);
  if (count < 1) throw new Error(`bad size '${text}'`);
  // A median body of 3,500 B makes notes of 5.07 KB on average (10k notes, seed 1).
  return { label: text.trim().toLowerCase(), count, bodyBytes: m[3] ? 3500 : DEFAULT_BODY_BYTES };
}

function parseOptions(argv: string[]): Options {
  const { values } = parseArgs({
    args: argv,
    options: {
      sizes: { type: 'string', default: '1k,10k,10k-5kb' },
      engines: { type: 'string', default: ENGINES.join(',') },
      pairs: { type: 'string', default: '5' },
      corpus: { type: 'boolean', default: false },
      'skip-serve': { type: 'boolean', default: false },
      edits: { type: 'string', default: '40' },
      seed: { type: 'string', default: '1' },
      inkdex: { type: 'string', default: path.join(ROOT, 'dist', 'src', 'cli.js') },
      help: { type: 'boolean', default: false },
    },
    strict: true,
  });
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    process.exit(0);
  }
  const int = (name: string, text: string, min: number): number => {
    const n = Number(text);
    if (!Number.isInteger(n) || n < min) throw new Error(`--${name} must be an integer ≥ ${min}`);
    return n;
  };
  const engines = values.engines.split(',').map((e) => e.trim()).filter((e) => e !== '');
  const unknown = engines.find((e) => !ENGINES.includes(e));
  if (unknown !== undefined || engines.length === 0) throw new Error(`--engines takes ${ENGINES.join(' and/or ')}, not '${unknown ?? values.engines}'`);
  return {
    sizes: values.sizes.split(',').filter((s) => s.trim() !== '').map(parseSize),
    engines: [...new Set(engines)],
    pairs: int('pairs', values.pairs, 3),
    corpus: values.corpus,
    skipServe: values['skip-serve'],
    edits: int('edits', values.edits, 30),
    seed: int('seed', values.seed, 0),
    cli: path.resolve(values.inkdex),
  };
}

function machine(): string {
  const cpus = os.cpus();
  return [
    `- CPU: ${cpus[0]?.model.trim() ?? 'unknown'} × ${cpus.length} cores`,
    `- memory: ${(os.totalmem() / 1024 ** 3).toFixed(1)} GiB`,
    `- Node ${process.version} on ${os.type()} ${os.release()} (${process.arch})`,
    `- date: ${new Date().toISOString()}`,
  ].join('\n');
}

function shortPath(file: string): string {
  const rel = path.relative(ROOT, file);
  return rel.startsWith('..') ? file : rel;
}

const log = (message: string): void => {
  process.stderr.write(`${message}\n`);
};

/** Generous per-run bound: a full sync should never take 30 ms per note. */
const syncTimeout = (files: number): number => Math.max(120_000, files * 30);

/**
 * What `serve` is measured on, per journal: everything on the 10k bench journal (issue 16's
 * load too), bytes per edit on the one of ~5 KB notes, only the start on a built index at 100k.
 */
function serveScope(scope: string): { autosaveOnly?: boolean; builtOnly?: boolean; load?: { clients: number; searchers: number; burst: number } } {
  if (scope.endsWith('-5kb')) return { autosaveOnly: true };
  if (scope === '100k') return { builtOnly: true };
  if (scope === '10k') return { load: { clients: 200, searchers: 50, burst: 10_000 } };
  return {};
}

async function benchJournal(o: Options, scope: string, engine: string, journal: string, dbDir: string, cli: string | null, serve: boolean): Promise<Row[]> {
  const files = await listMarkdown(journal);
  const timeoutMs = syncTimeout(files.length);
  const sync = await runSyncBench({
    scope, engine, journal, files, dbDir, cli, naiveScript: path.join(ROOT, 'dist', 'bench', 'naive.js'),
    pairs: o.pairs, timeoutMs, seed: o.seed, log,
  });
  const rows = syncRows(scope, engine, sync);
  if (!serve) return rows;
  if (cli === null || sync.inkdexDb === null) {
    rows.push({ scope, engine, metric: 'serve measurements', value: 'not available (needs a working inkdex sync)', target: '', status: 'n/a' });
    return rows;
  }
  const live = await runServeBench({
    scope, engine, cli, journal, files, syncedDb: sync.inkdexDb, freshDbDir: path.join(dbDir, `fresh-${engine}`),
    edits: o.edits, burst: 1000, seed: o.seed, syncTimeoutMs: timeoutMs, log, ...serveScope(scope),
  });
  // The journal of ~5 KB notes measures bytes per edit only: its other rows say "not measured".
  rows.push(...serveRows(scope, engine, live).filter((r) => !serveScope(scope).autosaveOnly || !/not measured|^— |no request answered/.test(r.value)));
  // serve has stopped: the index is in step with the journal and nobody holds it.
  const readers = await runReadersBench({ scope, engine, cli, journal, db: sync.inkdexDb, syncTimeoutMs: timeoutMs, log });
  return [...rows, ...readersRows(scope, engine, readers)];
}

async function main(): Promise<void> {
  let o: Options;
  try {
    o = parseOptions(process.argv.slice(2));
  } catch (err) {
    process.stderr.write(`bench: ${err instanceof Error ? err.message : String(err)}\n${USAGE}\n`);
    process.exit(2);
  }
  const cli = existsSync(o.cli) ? o.cli : null;
  const header = [
    '# inkdex benchmark', '', machine(), '',
    `command: \`node ${path.relative(ROOT, process.argv[1] ?? 'dist/bench/run.js')} ${process.argv.slice(2).join(' ')}\``.replace(/ `$/, '`'),
    `inkdex CLI: ${cli === null ? `not available (${shortPath(o.cli)} missing)` : shortPath(cli)}`,
    `peak RSS: ${existsSync('/usr/bin/time') && !process.env.INKDEX_BENCH_NO_TIME ? '/usr/bin/time -v' : 'process.resourceUsage().maxRSS'}`, '',
  ].join('\n');
  process.stdout.write(`${header}\n`);

  const rows: Row[] = [];
  for (const size of o.sizes) {
    const scope = size.label;
    log(`[${scope}] preparing journal of ${size.count} notes`);
    const cached = await ensureJournal(CACHE, scope, size.count, o.seed, size.bodyBytes);
    log(`[${scope}] ${cached.generated ? 'generated' : 'cached'}: ${cached.files} files, ${(cached.bytes / 1e6).toFixed(1)} MB in ${path.relative(ROOT, cached.dir)}`);
    const work = path.join(CACHE, 'work', scope);
    for (const engine of o.engines) {
      await freshCopy(cached.dir, work); // each engine starts from the pristine journal
      try {
        rows.push(...await benchJournal(o, scope, engine, work, path.join(CACHE, 'work', `${scope}-db`), cli, !o.skipServe));
      } catch (err) {
        rows.push({ scope, engine, metric: 'benchmark failed', value: err instanceof Error ? err.message : String(err), target: '', status: '' });
      }
    }
  }
  if (o.corpus) {
    for (const name of CORPORA) {
      const archive = path.resolve(ROOT, '..', 'shared', 'corpora', `${name}.tar.gz`);
      if (!existsSync(archive)) {
        log(`[${name}] ${archive} not found, skipped`);
        continue;
      }
      for (const engine of o.engines) {
        const { dir, scratch, cleanup } = await extractCorpus(archive);
        try {
          rows.push(...await benchJournal(o, name, engine, dir, scratch, cli, false));
        } catch (err) {
          rows.push({ scope: name, engine, metric: 'benchmark failed', value: err instanceof Error ? err.message : String(err), target: '', status: '' });
        } finally {
          await cleanup();
        }
      }
    }
  }

  const table = sideBySideTable(rows, o.engines);
  process.stdout.write(`\n${table}`);
  await mkdir(CACHE, { recursive: true });
  await writeFile(path.join(CACHE, 'last-run.md'), `${header}\n${table}`);
}

process.once('SIGINT', () => {
  killAll();
  process.exit(130);
});
process.once('SIGTERM', () => {
  killAll();
  process.exit(143);
});
main()
  .catch((err: unknown) => {
    process.stderr.write(`bench: ${err instanceof Error ? err.stack ?? err.message : String(err)}\n`);
    process.exitCode = 1;
  })
  .finally(killAll);
