/**
 * Pure: what the disk shows vs what the index holds → what a run must do.
 */

/** A file as listed on disk. */
export interface ListedStat {
  path: string;
  size: number;
  mtimeMs: number;
}

/** A file as the index knows it: its stat, and when it was last read. */
export interface KnownStat extends ListedStat {
  /** When the file was last read (ms since epoch), if racily close to its mtime; else far in the future. */
  checkedMs: number;
}

/**
 * A size+mtime match is trusted only if the mtime was at least this long before we last
 * read the file: a write landing in the same clock tick as our read (or on a file system
 * with 1–2 s mtime resolution) would otherwise go unseen.
 */
export const RACY_MS = 2000;

export interface Diff<T extends KnownStat, D extends ListedStat = ListedStat> {
  /** Same size and mtime as indexed, and not racy: nothing to do. */
  unchanged: number;
  /** Indexed, but the stat differs (or is racy): read and compare hashes. */
  changed: Array<{ disk: D; indexed: T }>;
  /** On disk, not indexed: added, or the new side of a move. */
  fresh: D[];
  /** Indexed, not on disk: removed, or the old side of a move (once confirmed gone). */
  vanished: T[];
}

/**
 * @param keep paths that are not listed on disk but must not be treated as gone
 *   (they lie in a folder that could not be read).
 */
export function diffListings<T extends KnownStat, D extends ListedStat>(
  disk: ReadonlyMap<string, D>,
  indexed: ReadonlyMap<string, T>,
  keep: (path: string) => boolean = () => false,
): Diff<T, D> {
  const diff: Diff<T, D> = { unchanged: 0, changed: [], fresh: [], vanished: [] };
  for (const file of disk.values()) {
    const known = indexed.get(file.path);
    if (!known) diff.fresh.push(file);
    else if (statTrusted(file, known)) diff.unchanged++;
    else diff.changed.push({ disk: file, indexed: known });
  }
  for (const known of indexed.values()) {
    if (disk.has(known.path)) continue;
    if (keep(known.path)) diff.unchanged++;
    else diff.vanished.push(known);
  }
  return diff;
}

export function statTrusted(file: ListedStat, known: KnownStat): boolean {
  return file.size === known.size && file.mtimeMs === known.mtimeMs && !isRacy(known.mtimeMs, known.checkedMs);
}

/** True when a file read at `checkedMs` may have changed again within the same mtime tick. */
export function isRacy(mtimeMs: number, checkedMs: number): boolean {
  return mtimeMs >= checkedMs - RACY_MS;
}

/**
 * What the index must remember of a read for the next stat comparison: the read time when
 * it was racy (the stat cannot be trusted on its own), else null (it can).
 */
export function racyCheck(mtimeMs: number, checkedMs: number): number | null {
  return isRacy(mtimeMs, checkedMs) ? checkedMs : null;
}

/** True when `path` lies in one of `dirs` (relative folder paths; '' is the root). */
export function isUnder(path: string, dirs: Iterable<string>): boolean {
  for (const dir of dirs) if (dir === '' || path.startsWith(dir + '/')) return true;
  return false;
}
