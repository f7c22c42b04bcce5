/**
 * Pure: the entries whose title or path is closest to what a reader asked for, so that
 * "not found" can say what was probably meant. Similarity is the Dice coefficient of
 * letter pairs (robust to typos, word order and a missing extension), with a bonus when
 * one name contains the other.
 */

export interface Named {
  id: number;
  path: string;
  title: string;
}

/** Below this similarity a name is not offered as a match. */
const MIN_SIMILARITY = 0.3;

/** Up to `limit` of `candidates`, best first; none when nothing is alike. */
export function closeMatches<T extends Named>(asked: string, candidates: readonly T[], limit: number): T[] {
  const wanted = normalise(asked);
  if (wanted === '' || limit <= 0) return [];
  const wantedPairs = pairs(wanted);
  const scored: Array<{ entry: T; score: number }> = [];
  for (const entry of candidates) {
    const names = [entry.title, entry.path, baseName(entry.path)];
    let best = 0;
    for (const name of names) best = Math.max(best, similarity(wanted, wantedPairs, normalise(name)));
    if (best >= MIN_SIMILARITY) scored.push({ entry, score: best });
  }
  scored.sort((a, b) => b.score - a.score || a.entry.path.length - b.entry.path.length || (a.entry.path < b.entry.path ? -1 : 1));
  return scored.slice(0, limit).map((s) => s.entry);
}

function similarity(wanted: string, wantedPairs: Map<string, number>, name: string): number {
  if (name === '') return 0;
  if (name === wanted) return 1;
  const dice = diceOf(wantedPairs, pairs(name));
  const contains = name.includes(wanted) || wanted.includes(name) ? 0.3 : 0;
  return Math.min(0.99, dice + contains);
}

/** Lowercase, NFC, no extension, punctuation and separators as single spaces. */
function normalise(s: string): string {
  return s
    .normalize('NFC')
    .toLowerCase()
    .replace(/\.(md|markdown)$/, '')
    .replace(/[^\p{L}\p{N}]+/gu, ' ')
    .trim();
}

function baseName(p: string): string {
  return p.slice(p.lastIndexOf('/') + 1);
}

/** Letter pairs with their counts (a one-letter name is its own pair). */
function pairs(s: string): Map<string, number> {
  const out = new Map<string, number>();
  const chars = [...s];
  if (chars.length === 1) out.set(s, 1);
  for (let i = 0; i + 1 < chars.length; i++) {
    const pair = chars[i]! + chars[i + 1]!;
    out.set(pair, (out.get(pair) ?? 0) + 1);
  }
  return out;
}

function diceOf(a: Map<string, number>, b: Map<string, number>): number {
  let shared = 0;
  let total = 0;
  for (const n of a.values()) total += n;
  for (const [pair, n] of b) {
    total += n;
    shared += Math.min(n, a.get(pair) ?? 0);
  }
  return total === 0 ? 0 : (2 * shared) / total;
}
