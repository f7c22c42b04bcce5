/**
 * Pure: which paths inkdex indexes (SPEC §2). Shared by the scanner and the watcher so
 * both agree on every path.
 */
import path from 'node:path';

const MARKDOWN = /\.(md|markdown)$/i;
/** Editor scratch files: backups, swap files, Emacs locks, temp files, vim's write test. */
const SCRATCH = /(~$|\.sw[px]$|^\.#|^#.*#$|\.tmp$|^4913$)/i;

export interface IgnoreRules {
  /** True when a folder (relative POSIX path, '' = root) is never descended into. */
  ignoresDir(rel: string): boolean;
  /** True when a file (relative POSIX path) is an indexable markdown file. */
  indexes(rel: string): boolean;
  /** `indexes(dir/name)` for a file in a folder already known not to be ignored (a walk). */
  indexesIn(dir: string, name: string): boolean;
}

/**
 * @param globs extra `--ignore` patterns, relative to the journal root. A pattern without
 *   a `/` matches a name at any depth (like .gitignore); a pattern that matches a folder
 *   ignores everything below it.
 * @param indexRel the index file's path relative to the root, when it lies inside it.
 */
export function ignoreRules(globs: readonly string[], indexRel: string | null = null): IgnoreRules {
  const matchers = globs.map(globMatcher);
  const ignoredByGlob = (rel: string): boolean => matchers.some((m) => m(rel));
  const ignoredName = (name: string): boolean => name.startsWith('.') || name === 'node_modules';
  const indexableName = (name: string): boolean => MARKDOWN.test(name) && !SCRATCH.test(name) && !name.startsWith('.');

  return {
    ignoresDir(rel) {
      if (rel === '') return false;
      const name = rel.slice(rel.lastIndexOf('/') + 1);
      // `rel/` too: `drafts/**` covers everything in drafts/, so the walk (and the
      // watcher) need not enter it at all.
      return ignoredName(name) || ignoredByGlob(rel) || ignoredByGlob(`${rel}/`);
    },
    indexes(rel) {
      if (rel === indexRel) return false;
      const parts = rel.split('/');
      const name = parts[parts.length - 1]!;
      if (!indexableName(name)) return false;
      if (parts.some(ignoredName)) return false;
      // A glob may name the file or any folder above it.
      if (matchers.length > 0) for (let i = 1; i <= parts.length; i++) if (ignoredByGlob(parts.slice(0, i).join('/'))) return false;
      return true;
    },
    indexesIn(dir, name) {
      if (!indexableName(name)) return false;
      const rel = dir === '' ? name : `${dir}/${name}`;
      return rel !== indexRel && (matchers.length === 0 || !ignoredByGlob(rel));
    },
  };
}

/** A glob (`*`, `**`, `?`, `[abc]`, `{a,b}`) → a predicate on relative paths. */
export function globMatcher(glob: string): (rel: string) => boolean {
  // Paths are compared in NFC; a glob typed or tab-completed on macOS may be decomposed.
  let pattern = glob.normalize('NFC').trim().replace(/\\/g, '/').replace(/^\.\//, '').replace(/\/+$/, '');
  const anyDepth = !pattern.includes('/');
  if (pattern.startsWith('/')) pattern = pattern.slice(1);
  const re = new RegExp(`^${globToRegExp(pattern)}$`, 'u');
  if (anyDepth) return (rel) => re.test(rel.slice(rel.lastIndexOf('/') + 1));
  return (rel) => re.test(rel);
}

function globToRegExp(glob: string): string {
  let out = '';
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i]!;
    if (c === '*') {
      if (glob[i + 1] === '*') {
        // `**/` matches zero or more folders; a trailing `**` matches anything.
        i++;
        if (glob[i + 1] === '/') {
          i++;
          out += '(?:.*/)?';
        } else out += '.*';
      } else out += '[^/]*';
    } else if (c === '?') out += '[^/]';
    else if (c === '[') {
      const end = glob.indexOf(']', i + 1);
      if (end === -1) out += '\\[';
      else {
        out += '[' + glob.slice(i + 1, end).replace(/^!/, '^').replace(/\\/g, '\\\\') + ']';
        i = end;
      }
    } else if (c === '{') {
      const end = glob.indexOf('}', i + 1);
      if (end === -1) out += '\\{';
      else {
        out += '(?:' + glob.slice(i + 1, end).split(',').map(globToRegExp).join('|') + ')';
        i = end;
      }
    } else out += c.replace(/[.+^$()|\\]/g, '\\$&');
  }
  return out;
}

/**
 * Where the index file lies relative to the journal, if inside it (so it is never indexed):
 * a POSIX path, or null when the index is outside the journal.
 */
export function indexPathInJournal(journal: string, db: string): string | null {
  const rel = path.relative(journal, db);
  if (rel.startsWith('..') || path.isAbsolute(rel)) return null;
  return rel.split(path.sep).join('/');
}
