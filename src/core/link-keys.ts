/**
 * Pure: the keys link resolution matches on (SPEC §3, as Obsidian does it). An entry is
 * known by its name (`n:` + file name without extension) and by its path (`p:` + path
 * without extension), both lowercased and NFC; a link asks for one of them. Among several
 * entries with the key asked for, the one in the linking note's own folder wins, else
 * the shortest path, then the first in path order (see `pickTarget`).
 */
import { posix } from 'node:path';

const NOTE_EXT = /\.(md|markdown)$/i;

function fold(s: string): string {
  return s.normalize('NFC').toLowerCase();
}

function withoutExt(p: string): string {
  return p.replace(NOTE_EXT, '');
}

/** The keys an entry at `path` answers to. */
export function entryKeys(path: string): [name: string, path: string] {
  const bare = fold(withoutExt(path));
  return [`n:${bare.slice(bare.lastIndexOf('/') + 1)}`, `p:${bare}`];
}

/**
 * The key a link asks for, or null when it can name no entry (a markdown link that
 * leaves the journal folder).
 * @param from the linking entry's path
 */
export function linkKey(target: string, kind: string, from: string): string | null {
  if (kind === 'wiki') {
    const t = target.replace(/^\.?\//, '');
    return t.includes('/') ? `p:${fold(withoutExt(posix.normalize(t)))}` : `n:${fold(withoutExt(t))}`;
  }
  // A markdown link is relative to the linking file's folder ('/…' to the journal's root);
  // the parser has already URL-decoded it and dropped any #fragment or ?query.
  const base = target.startsWith('/') ? target.slice(1) : posix.join(posix.dirname(from), target);
  const resolved = posix.normalize(base);
  if (resolved === '..' || resolved.startsWith('../') || resolved === '.' || resolved === '') return null;
  return `p:${fold(withoutExt(resolved))}`;
}

/** The folder of a path, with a trailing '/' ('' at the root): as SQL computes it in the resolver. */
export function folderOf(path: string): string {
  return path.slice(0, path.lastIndexOf('/') + 1);
}

/** Picks a link's target among entries that share the key it asks for (SPEC's tie rules). */
export function pickTarget<T extends { path: string }>(candidates: readonly T[], from: string): T | null {
  const dir = folderOf(from);
  let best: T | null = null;
  for (const c of candidates) {
    if (best === null || better(c.path, best.path, dir)) best = c;
  }
  return best;
}

function better(a: string, b: string, dir: string): boolean {
  const aHere = folderOf(a) === dir;
  const bHere = folderOf(b) === dir;
  if (aHere !== bHere) return aHere;
  if (a.length !== b.length) return a.length < b.length;
  return a < b;
}
