/**
 * What Obsidian's rules cost (issue 19: cold sync ≤ +10 % at 10k notes, one-note edit
 * ≤ +2 ms): this build against a build of the code before them, interleaved, each run in
 * a fresh process, per engine.
 * `node dist/bench/obsidian.js --baseline /path/to/old/dist [--notes 10000] [--pairs 3] [--engines native,wasm]`
 * (make the baseline with `git worktree add /tmp/inkdex-v3 057b69f`, a node_modules
 * symlink and `npm run build` there). Each run: a cold in-process sync (as the CLI runs
 * it: the full-text index in one pass) of a copy of the seeded journal, then 15 one-note
 * edits, each an incremental run over one changed file whose new line has a link to a
 * heading, an inline field and a task with a due date.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { ensureJournal } from './journals.js';

interface Sample {
  wallMs: number;
  cpuMs: number;
  editMs: number;
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

/** One measurement, in this process: the build at `dist`, the journal at `journal`. */
async function measure(dist: string, journal: string, engine: string): Promise<Sample> {
  const load = async <T>(p: string): Promise<T> => (await import(path.join(dist, p))) as T;
  const { openIndexFile } = await load<{ openIndexFile(e: string, f: string, r: string): Promise<{ store: unknown; file: { close(): void } }> }>('src/index/open-index.js');
  const { runSync } = await load<{ runSync(...a: unknown[]): Promise<unknown> }>('src/sync/sync.js');
  const { ignoreRules } = await load<{ ignoreRules(g: string[]): unknown }>('src/core/ignore.js');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'inkdex-obsidian-bench-'));
  try {
    const index = await openIndexFile(engine, path.join(dir, 'index.sqlite'), journal);
    const opts = { root: journal, rules: ignoreRules([]), maxFileSize: 5 * 1024 * 1024, ftsInOnePass: true };
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    await runSync(index.store, opts, { kind: 'full' }, 'cli');
    const wallMs = performance.now() - t0;
    const cpu = process.cpuUsage(cpu0);
    const files = fs.readdirSync(path.join(journal, '2020', '03')).map((f) => `2020/03/${f}`);
    const edits: number[] = [];
    for (let i = 0; i < 15; i++) {
      const rel = files[i % files.length]!;
      fs.appendFileSync(path.join(journal, rel), `\nedit ${Date.now()} [[2020-03-0${(i % 9) + 1}#Morning]] mood:: ${i % 10}\n- [ ] follow up ${i} 📅 2025-0${(i % 9) + 1}-01\n`);
      const t = performance.now();
      await runSync(index.store, opts, { kind: 'incremental', paths: new Set([rel]), removable: new Set() }, 'watch');
      edits.push(performance.now() - t);
    }
    index.file.close();
    return { wallMs, cpuMs: (cpu.user + cpu.system) / 1000, editMs: median(edits) };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

const { values } = parseArgs({
  options: {
    baseline: { type: 'string' },
    notes: { type: 'string', default: '10000' },
    pairs: { type: 'string', default: '3' },
    engines: { type: 'string', default: 'native,wasm' },
    child: { type: 'string' },
    journal: { type: 'string' },
    engine: { type: 'string' },
  },
});

if (values.child) {
  process.stdout.write(JSON.stringify(await measure(values.child, values.journal!, values.engine!)));
} else {
  if (!values.baseline) throw new Error('--baseline DIR: the dist folder of a build of the code before the Obsidian rules');
  const here = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
  const baseline = path.resolve(values.baseline);
  const notes = Number(values.notes);
  const pairs = Number(values.pairs);
  const { dir } = await ensureJournal(path.resolve('bench/.cache'), `${Math.round(notes / 1000)}k`, notes, 1);
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'inkdex-obsidian-journal-'));
  fs.cpSync(dir, work, { recursive: true });
  const run = (dist: string, engine: string): Sample => {
    const r = spawnSync(process.execPath, [fileURLToPath(import.meta.url), '--child', dist, '--journal', work, '--engine', engine], { encoding: 'utf8', maxBuffer: 1 << 26 });
    if (r.status !== 0) throw new Error(`a measurement failed: ${r.stderr}`);
    return JSON.parse(r.stdout) as Sample;
  };
  console.log(`Obsidian rules' cost, ${notes} notes, ${pairs} interleaved pairs per engine (${os.cpus().length} cores, load ${os.loadavg()[0]!.toFixed(1)})`);
  for (const engine of values.engines!.split(',')) {
    const now: Sample[] = [];
    const before: Sample[] = [];
    for (let p = 0; p < pairs; p++) {
      for (const which of p % 2 === 0 ? ['before', 'now'] : ['now', 'before']) {
        (which === 'now' ? now : before).push(run(which === 'now' ? here : baseline, engine));
      }
    }
    const m = (xs: Sample[], k: keyof Sample): number => median(xs.map((x) => x[k]));
    const wall = (m(now, 'wallMs') - m(before, 'wallMs')) / m(before, 'wallMs');
    const cpu = (m(now, 'cpuMs') - m(before, 'cpuMs')) / m(before, 'cpuMs');
    const edit = m(now, 'editMs') - m(before, 'editMs');
    console.log(
      `${engine}: cold sync ${m(now, 'wallMs').toFixed(0)} ms now, ${m(before, 'wallMs').toFixed(0)} ms before: ${wall >= 0 ? '+' : ''}${(wall * 100).toFixed(1)} % ` +
        `(CPU ${m(now, 'cpuMs').toFixed(0)} vs ${m(before, 'cpuMs').toFixed(0)} ms, ${cpu >= 0 ? '+' : ''}${(cpu * 100).toFixed(1)} %; target ≤ 10 %: ${wall <= 0.1 ? 'met' : 'missed'}); ` +
        `one-note edit run ${m(now, 'editMs').toFixed(1)} vs ${m(before, 'editMs').toFixed(1)} ms: ${edit >= 0 ? '+' : ''}${edit.toFixed(1)} ms (target ≤ 2 ms: ${edit <= 2 ? 'met' : 'missed'})`,
    );
  }
  fs.rmSync(work, { recursive: true, force: true });
}
