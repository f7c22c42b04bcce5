/** The journals the benchmark runs on: cached generated ones, working copies, real corpora. */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { cp, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { DEFAULT_BODY_BYTES, generateJournal } from './generate.js';

const run = promisify(execFile);
/** Bump when generate.ts changes its output, so cached journals are rebuilt. */
const GENERATOR_VERSION = 1;

interface Marker {
  version: number;
  count: number;
  seed: number;
  bodyBytes?: number;
  files: number;
  bytes: number;
}

/**
 * Returns `cacheDir/<label>-seed<seed>/`, generating it unless a matching marker file
 * (written only after a complete generation) sits beside it.
 */
export async function ensureJournal(cacheDir: string, label: string, count: number, seed: number, bodyBytes = DEFAULT_BODY_BYTES): Promise<{ dir: string; files: number; bytes: number; generated: boolean }> {
  const dir = path.join(cacheDir, `${label}-seed${seed}`);
  const markerFile = `${dir}.json`;
  try {
    const marker = JSON.parse(await readFile(markerFile, 'utf8')) as Marker;
    if (marker.version === GENERATOR_VERSION && marker.count === count && marker.seed === seed && (marker.bodyBytes ?? DEFAULT_BODY_BYTES) === bodyBytes && existsSync(dir)) {
      return { dir, files: marker.files, bytes: marker.bytes, generated: false };
    }
  } catch {
    // no usable marker: generate
  }
  await rm(markerFile, { force: true });
  await rm(dir, { recursive: true, force: true });
  const { files, bytes } = await generateJournal(dir, count, seed, bodyBytes);
  const marker: Marker = { version: GENERATOR_VERSION, count, seed, bodyBytes, files, bytes };
  await writeFile(markerFile, JSON.stringify(marker));
  return { dir, files, bytes, generated: true };
}

/** Replaces `dest` with a fresh copy of `src` (benchmarks edit files; the cache stays pristine). */
export async function freshCopy(src: string, dest: string): Promise<void> {
  await rm(dest, { recursive: true, force: true });
  await mkdir(path.dirname(dest), { recursive: true });
  try {
    await run('cp', ['-a', src, dest]);
  } catch {
    await cp(src, dest, { recursive: true });
  }
}

/** All markdown files under `dir` (skipping dot-folders), as absolute paths, sorted. */
export async function listMarkdown(dir: string): Promise<string[]> {
  const out: string[] = [];
  const walk = async (d: string): Promise<void> => {
    for (const ent of await readdir(d, { withFileTypes: true })) {
      if (ent.name.startsWith('.') || ent.name === 'node_modules') continue;
      const full = path.join(d, ent.name);
      if (ent.isDirectory()) await walk(full);
      else if (ent.isFile() && /\.(md|markdown)$/i.test(ent.name)) out.push(full);
    }
  };
  await walk(dir);
  return out.sort();
}

/**
 * Extracts a `NAME.tar.gz` corpus into a new temp folder. Returns the journal folder (the
 * archive's single top-level folder), a scratch folder outside it that goes away with the
 * rest, and the cleanup function.
 */
export async function extractCorpus(archive: string): Promise<{ dir: string; scratch: string; cleanup: () => Promise<void> }> {
  const tmp = await mkdtemp(path.join(os.tmpdir(), 'inkdex-bench-corpus-'));
  const cleanup = (): Promise<void> => rm(tmp, { recursive: true, force: true });
  try {
    const into = path.join(tmp, 'corpus');
    const scratch = path.join(tmp, 'scratch');
    await mkdir(into);
    await mkdir(scratch);
    await run('tar', ['-xzf', archive, '-C', into], { timeout: 300_000 });
    const top = (await readdir(into, { withFileTypes: true })).filter((e) => e.isDirectory());
    const dir = top.length === 1 ? path.join(into, (top[0] as { name: string }).name) : into;
    return { dir, scratch, cleanup };
  } catch (err) {
    await cleanup();
    throw err;
  }
}
