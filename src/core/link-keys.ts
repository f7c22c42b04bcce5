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
 * @param form how the link was written (`[[…]]` or `[…](…)`; an embed is either)
 * @param from the linking entry's path
 */
export function linkKey(target: string, form: 'wiki' | 'markdown', from: string): string | null {
  // `[[#Heading]]`: the linking note itself.
  if (target === '') return `p:${fold(withoutExt(from))}`;
  if (form === 'wiki') {
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

/**
 * The key of an alias: what a broken link's key is compared with to name the note it may
 * have meant (`aliasOf`). `'a:'` + the alias as a name key is written (`[[AI]]` asks for
 * `n:ai`, the alias "AI" is `a:ai`), so the two meet by swapping the prefix.
 */
export function aliasKey(alias: string): string {
  return `a:${fold(alias)}`;
}

/**
 * A heading as anchors are compared with it (SPEC §3: case-insensitive, spaces
 * collapsed): the characters a link cannot hold (`# | ^ : % [ ]`, which Obsidian leaves
 * out when it writes a link to a heading) count as spaces.
 */
export function headingKey(text: string): string {
  return fold(text).replace(/[#|^:%[\]\s]+/g, ' ').trim();
}

/**
 * An anchor as it is compared: `^id` with block ids (any case), else with headings by
 * `headingKey`; `Part#Sub` names the heading `Sub`.
 */
export function anchorKey(anchor: string): string {
  if (anchor.startsWith('^')) return anchor.toLowerCase();
  return headingKey(anchor.slice(anchor.lastIndexOf('#') + 1));
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
