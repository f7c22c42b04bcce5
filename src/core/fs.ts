/**
 * The file-system facts every layer asks for: an error's code to branch on, a short
 * message for people, and whether a path is a folder. Below every module that touches the
 * disk (scanning, reading, watching, the index file, the lock).
 */
import fs from 'node:fs';
import { errorMessage } from './errors.js';

export function errorCode(err: unknown): string | undefined {
  return (err as NodeJS.ErrnoException | undefined)?.code;
}

/** "EACCES: permission denied" without the absolute path noise. */
export function describeFsError(err: unknown): string {
  const e = err as NodeJS.ErrnoException;
  if (e?.code === 'EACCES' || e?.code === 'EPERM') return 'permission denied';
  if (e?.code === 'EISDIR') return 'is a folder';
  if (e?.code) return `${e.code}: ${e.message.replace(/^[A-Z]+: /, '').replace(/,.*$/, '')}`;
  return errorMessage(err);
}

/** True when `p` is a folder now (following links); false when it is anything else or gone. */
export function isFolder(p: string): boolean {
  try {
    return fs.statSync(p).isDirectory();
  } catch {
    return false;
  }
}
