/**
 * Walks the journal folder → every indexable file with its size and mtime.
 * Synchronous fs calls: measured ~3× faster than the async ones for many small files.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { IgnoreRules } from './ignore.js';
import { describeFsError, errorCode } from './fs-errors.js';
import { nfc } from './nfc.js';

export interface DiskFile {
  /** POSIX path relative to the root, Unicode NFC: the identity used in the index. */
  path: string;
  /** The path as spelled on disk (may differ from `path` in Unicode normalisation). */
  diskPath: string;
  size: number;
  mtimeMs: number;
}

export interface ScanResult {
  files: Map<string, DiskFile>;
  /** Folders that could not be read (relative path → why): their entries are kept. */
  failedDirs: Map<string, string>;
  dirs: number;
}

/** The event loop gets a turn at least this often during a scan. */
const SLICE_MS = 20;

/**
 * Lists every indexable file under `root`. Symbolic links are not followed.
 * Throws only when the root itself cannot be read.
 */
export async function scanFolder(root: string, rules: IgnoreRules, under = ''): Promise<ScanResult> {
  const result: ScanResult = { files: new Map(), failedDirs: new Map(), dirs: 0 };
  const stack = [under];
  let sliceStart = Date.now();
  while (stack.length > 0) {
    if (Date.now() - sliceStart >= SLICE_MS) {
      await new Promise((resolve) => setImmediate(resolve));
      sliceStart = Date.now();
    }
    const dir = stack.pop()!;
    let names: fs.Dirent[];
    try {
      names = fs.readdirSync(dir === '' ? root : path.join(root, dir), { withFileTypes: true });
    } catch (err) {
      if (dir === under) throw err;
      if (errorCode(err) !== 'ENOENT') result.failedDirs.set(dir, describeFsError(err));
      continue;
    }
    result.dirs++;
    const dirNfc = nfc(dir);
    for (const d of names) {
      const rel = dir === '' ? d.name : `${dir}/${d.name}`;
      if (d.isDirectory()) {
        if (!rules.ignoresDir(nfc(rel))) stack.push(rel);
      } else if (d.isFile() && rules.indexesIn(dirNfc, nfc(d.name))) {
        const file = statPath(root, rel, nfc(rel));
        if (file) result.files.set(file.path, file);
      }
    }
  }
  return result;
}

/** Stats one file; null unless it is an indexable regular file (symlinks never are). */
export function statFile(root: string, diskPath: string, rules: IgnoreRules): DiskFile | null {
  const rel = nfc(diskPath);
  return rules.indexes(rel) ? statPath(root, diskPath, rel) : null;
}

function statPath(root: string, diskPath: string, rel: string): DiskFile | null {
  try {
    const st = fs.lstatSync(`${root}/${diskPath}`, { throwIfNoEntry: false });
    if (!st?.isFile()) return null;
    return { path: rel, diskPath, size: st.size, mtimeMs: Math.floor(st.mtimeMs) };
  } catch {
    return null; // vanished or unreadable between the listing and the stat
  }
}


export { describeFsError, errorCode } from './fs-errors.js';
