/**
 * What link resolution costs (issue 12: ≤ 10 % of a cold 10k sync, ≤ 5 ms per one-note
 * edit): the same in-process sync with and without it, interleaved, per engine.
 * `node dist/bench/links.js [--notes 10000] [--pairs 3] [--engines native,wasm]`.
 * Without it = SqlSyncStore's two resolution steps replaced by no-ops (the links then keep
 * target_id NULL); everything else — parsing, keys, the links rows — is the same.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { ignoreRules } from '../src/core/ignore.js';
import type { EngineName } from '../src/core/seam.js';
import { openIndexFile } from '../src/index/open-index.js';
import { SqlSyncStore } from '../src/index/store.js';
import { runSync } from '../src/sync/sync.js';
import { ensureJournal } from './journals.js';

const { values } = parseArgs({ options: { notes: { type: 'string', default: '10000' }, pairs: { type: 'string', default: '3' }, engines: { type: 'string', default: 'native,wasm' } } });
const notes = Number(values.notes);
const pairs = Number(values.pairs);
const engines = values.engines!.split(',') as EngineName[];

const proto = SqlSyncStore.prototype as unknown as Record<'resolveLinks' | 'resolveAllLinks', () => void>;
const real = { resolveLinks: proto.resolveLinks, resolveAllLinks: proto.resolveAllLinks };
function resolution(on: boolean): void {
  proto.resolveLinks = on ? real.resolveLinks : () => undefined;
  proto.resolveAllLinks = on ? real.resolveAllLinks : () => undefined;
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function coldSync(engine: EngineName, journal: string): Promise<{ ms: number; edits: number[] }> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'inkdex-links-bench-'));
  const index = await openIndexFile(engine, path.join(dir, 'index.sqlite'), journal);
  const opts = { root: journal, rules: ignoreRules([]), maxFileSize: 5 * 1024 * 1024, ftsInOnePass: true };
  const t0 = performance.now();
  await runSync(index.store, opts, { kind: 'full' }, 'cli');
  const ms = performance.now() - t0;
  // One-note edits: an incremental run over one changed file (its links re-resolved at commit).
  const files = fs.readdirSync(path.join(journal, '2020', '03')).map((f) => `2020/03/${f}`);
  const edits: number[] = [];
  for (let i = 0; i < 15; i++) {
    const rel = files[i % files.length]!;
    fs.appendFileSync(path.join(journal, rel), `\nedit ${Date.now()} [[2020-03-0${(i % 9) + 1}]]\n`);
    const t = performance.now();
    await runSync(index.store, opts, { kind: 'incremental', paths: new Set([rel]), removable: new Set() }, 'watch');
    edits.push(performance.now() - t);
  }
  index.file.close();
  fs.rmSync(dir, { recursive: true, force: true });
  return { ms, edits };
}

const { dir } = await ensureJournal(path.resolve('bench/.cache'), `${Math.round(notes / 1000)}k`, notes, 1);
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'inkdex-links-journal-'));
fs.cpSync(dir, work, { recursive: true });
console.log(`link resolution cost, ${notes} notes, ${pairs} interleaved pairs per engine (${os.cpus().length} cores, load ${os.loadavg()[0]!.toFixed(1)})`);
for (const engine of engines) {
  const on: number[] = [];
  const off: number[] = [];
  const onEdit: number[] = [];
  const offEdit: number[] = [];
  for (let p = 0; p < pairs; p++) {
    for (const resolve of p % 2 === 0 ? [true, false] : [false, true]) {
      resolution(resolve);
      const r = await coldSync(engine, work);
      (resolve ? on : off).push(r.ms);
      (resolve ? onEdit : offEdit).push(median(r.edits));
    }
  }
  resolution(true);
  const extra = (median(on) - median(off)) / median(off);
  console.log(
    `${engine}: cold sync ${median(on).toFixed(0)} ms with resolution, ${median(off).toFixed(0)} ms without: +${(extra * 100).toFixed(1)} % (target ≤ 10 %: ${extra <= 0.1 ? 'met' : 'missed'}); ` +
      `one-note edit run ${median(onEdit).toFixed(1)} vs ${median(offEdit).toFixed(1)} ms: +${(median(onEdit) - median(offEdit)).toFixed(1)} ms (target ≤ 5 ms: ${median(onEdit) - median(offEdit) <= 5 ? 'met' : 'missed'})`,
  );
}
fs.rmSync(work, { recursive: true, force: true });
