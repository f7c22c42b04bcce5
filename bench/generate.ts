/**
 * Seeded generator of realistic markdown journals for the benchmarks.
 * CLI: node dist/bench/generate.js DIR COUNT [SEED] [MEDIAN_BODY_BYTES]
 */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { composeNote } from './note-text.js';
import { createRng } from './prng.js';
import type { Rng } from './prng.js';
import { SUFFIXES, TOPICS, WORDS, ACCENTED_WORDS, CJK_WORDS, EMOJI } from './vocabulary.js';

/** Daily notes cover at most this many days, ending on LAST_DAY. */
const MAX_DAYS = 3650;
const LAST_DAY = Date.UTC(2025, 5, 30);
const DAY_MS = 86_400_000;
const WRITE_CONCURRENCY = 32;

interface PlannedNote {
  rel: string;
  date: string | null;
  title: string;
}

function isoDay(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

function dailyTitle(date: string): string {
  const d = new Date(`${date}T00:00:00Z`);
  return d.toLocaleDateString('en-GB', { weekday: 'long', day: 'numeric', month: 'long', year: 'numeric', timeZone: 'UTC' });
}

function topicName(rng: Rng): string {
  const r = rng.next();
  const first = r < 0.08 ? rng.pick(ACCENTED_WORDS) : r < 0.12 ? rng.pick(CJK_WORDS) : rng.pick(WORDS);
  const words = [first];
  const n = rng.int(1, 3);
  for (let i = 0; i < n; i++) words.push(rng.pick(WORDS));
  if (rng.chance(0.02)) words.push(rng.pick(EMOJI));
  const name = words.join(' ');
  return name.charAt(0).toUpperCase() + name.slice(1);
}

/** Decides every note's path, date and title. */
function plan(rng: Rng, count: number): PlannedNote[] {
  const notes: PlannedNote[] = [];
  const days = Math.min(count, MAX_DAYS);
  const dates: string[] = [];
  for (let i = days - 1; i >= 0; i--) dates.push(isoDay(LAST_DAY - i * DAY_MS));
  for (const date of dates) {
    notes.push({ rel: `${date.slice(0, 4)}/${date.slice(5, 7)}/${date}.md`, date, title: dailyTitle(date) });
  }
  const extra = count - days;
  const suffixed = Math.min(Math.floor(extra * 0.3), days * SUFFIXES.length);
  // Round r gives day d the suffix (r + offset[d]) mod n: pairs never repeat, suffixes vary.
  const offsets = dates.map(() => rng.int(0, SUFFIXES.length - 1));
  for (let k = 0; k < suffixed; k++) {
    const round = Math.floor(k / days);
    // 7919 is a prime larger than `days`, so the stride visits every day once per round.
    const day = ((k % days) * 7919 + round * 104729) % days;
    const date = dates[day] as string;
    const suffix = SUFFIXES[(round + (offsets[day] as number)) % SUFFIXES.length] as string;
    notes.push({ rel: `${date.slice(0, 4)}/${date.slice(5, 7)}/${date} ${suffix}.md`, date, title: `${dailyTitle(date)} (${suffix})` });
  }
  const used = new Set<string>();
  for (let k = 0; k < extra - suffixed; k++) {
    const topic = rng.pick(TOPICS);
    let title = topicName(rng);
    for (let n = 2; used.has(`${topic}/${title}`); n++) title = `${topicName(rng)} ${n}`;
    used.add(`${topic}/${title}`);
    notes.push({ rel: `notes/${topic}/${title}.md`, date: null, title });
  }
  return notes;
}

/** Picks exactly `n` distinct indices below `count`. */
function pickIndices(rng: Rng, count: number, n: number): Set<number> {
  const out = new Set<number>();
  const want = Math.min(n, count);
  while (out.size < want) out.add(rng.int(0, count - 1));
  return out;
}

/** The median body of a generated note, in bytes (log-normal around it). */
export const DEFAULT_BODY_BYTES = 1300;

/**
 * Writes `count` notes under `dir` (created if missing) and returns what was written.
 * The same (count, seed, medianBodyBytes) always gives the same bytes.
 * @param medianBodyBytes the median body size: 1,300 by default; 3,500 makes the "~5 KB notes"
 *   journal issue 16 measures bytes per edit on (a real journal's daily notes)
 */
export async function generateJournal(dir: string, count: number, seed = 1, medianBodyBytes = DEFAULT_BODY_BYTES): Promise<{ files: number; bytes: number }> {
  const rng = createRng(seed);
  const notes = plan(rng, count);
  const share = (p: number): number => Math.max(1, Math.round(count * p));
  const noFrontmatter = pickIndices(rng, count, Math.round(count * 0.15));
  const big = pickIndices(rng, count, share(0.003));
  const crlf = pickIndices(rng, count, share(0.002));
  const bom = pickIndices(rng, count, share(0.002));
  const badYaml = pickIndices(rng, count, share(0.002));
  for (const i of badYaml) noFrontmatter.delete(i);
  const linkTargets = notes.filter((_, i) => i % 7 === 0).map((n) => n.title).slice(0, 400);

  const dirs = new Map<string, Promise<unknown>>();
  let bytes = 0;
  let next = 0;
  const writeOne = async (i: number): Promise<void> => {
    const note = notes[i] as PlannedNote;
    const noteRng = createRng((seed * 1_000_003 + i * 7919) >>> 0);
    const bodyBytes = big.has(i)
      ? noteRng.int(50_000, 200_000)
      : Math.round(Math.min(40_000, Math.max(80, noteRng.logNormal(medianBodyBytes, 0.7))));
    let text = composeNote(noteRng, {
      date: note.date,
      title: note.title,
      hasFrontmatter: !noFrontmatter.has(i),
      invalidYaml: badYaml.has(i),
      bodyBytes,
      linkTargets,
    });
    if (crlf.has(i)) text = text.replace(/\n/g, '\r\n');
    if (bom.has(i)) text = '\uFEFF' + text;
    const file = path.join(dir, note.rel);
    const parent = path.dirname(file);
    let made = dirs.get(parent);
    if (made === undefined) {
      made = mkdir(parent, { recursive: true });
      dirs.set(parent, made);
    }
    await made;
    const data = Buffer.from(text, 'utf8');
    bytes += data.length;
    await writeFile(file, data);
  };
  const worker = async (): Promise<void> => {
    while (next < notes.length) await writeOne(next++);
  };
  await mkdir(dir, { recursive: true });
  await Promise.all(Array.from({ length: WRITE_CONCURRENCY }, worker));
  return { files: notes.length, bytes };
}

async function main(argv: string[]): Promise<void> {
  const [dir, countArg, seedArg, bodyArg] = argv;
  const count = Number(countArg);
  const seed = seedArg === undefined ? 1 : Number(seedArg);
  const body = bodyArg === undefined ? DEFAULT_BODY_BYTES : Number(bodyArg);
  if (!dir || !Number.isInteger(count) || count < 1 || !Number.isInteger(seed) || !Number.isInteger(body) || body < 80) {
    process.stderr.write('usage: node dist/bench/generate.js DIR COUNT [SEED] [MEDIAN_BODY_BYTES]\n');
    process.exit(2);
  }
  const started = performance.now();
  const result = await generateJournal(dir, count, seed, body);
  const ms = Math.round(performance.now() - started);
  process.stdout.write(`${JSON.stringify({ dir, ...result, seed, ms })}\n`);
}

if (process.argv[1] !== undefined && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main(process.argv.slice(2)).catch((err: unknown) => {
    process.stderr.write(`generate: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  });
}
