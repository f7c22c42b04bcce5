/**
 * The index file followed by identity (SPEC §3), as the journal folder is: a file is the
 * one inkdex writes only while the path still names the same inode (device + inode), so
 * a deletion or a replacement (a restore, a sync tool) is noticed rather than written
 * past. A file deleted under an open SQLite connection stays writable — nothing on disk
 * tells the writer (NOTES.md) — so every write is checked against the path first.
 */
import fs from 'node:fs';
import type { FileFate } from '../core/seam.js';

export interface FileIdentity {
  dev: number;
  ino: number;
}

/** The identity of what is at `file` now, or null when nothing is. */
export function identityOf(file: string): FileIdentity | null {
  const st = fs.statSync(file, { throwIfNoEntry: false });
  return st ? { dev: st.dev, ino: st.ino } : null;
}

/** The identity of an open file. */
export function identityOfFd(fd: number): FileIdentity {
  const st = fs.fstatSync(fd);
  return { dev: st.dev, ino: st.ino };
}

export function sameFile(a: FileIdentity | null, b: FileIdentity | null): boolean {
  return a !== null && b !== null && a.dev === b.dev && a.ino === b.ino;
}

/**
 * What the path holds against the file an index writes (`mine`; null: none written yet):
 * that file, nothing, or another one.
 */
export function fateOf(file: string, mine: FileIdentity | null): FileFate {
  const now = identityOf(file);
  if (now === null) return 'gone';
  if (mine === null || !sameFile(now, mine)) return 'replaced';
  return 'same';
}

/** A write refused because the index file is no longer at its path (the run fails with this message). */
export class IndexFileMovedError extends Error {
  constructor(file: string, fate: FileFate) {
    super(fate === 'gone' ? `the index file ${file} was deleted` : `the index file ${file} was replaced by another file`);
  }
}

/** Throws IndexFileMovedError unless the path still names `mine`. */
export function assertStillAt(file: string, mine: FileIdentity | null): void {
  const fate = fateOf(file, mine);
  if (fate !== 'same') throw new IndexFileMovedError(file, fate);
}
