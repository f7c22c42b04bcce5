/**
 * Before the index is locked and opened: its folder exists (made if need be), the index
 * path is not a folder, and the journal's own `.inkdex` folder keeps git out (SPEC §3).
 * Failures are StartErrors naming the path (one clear line).
 */
import fs from 'node:fs';
import path from 'node:path';
import { StartError } from '../core/errors.js';
import { describeFsError, errorCode, isFolder } from '../core/fs.js';

/**
 * Makes the index file's folder and checks that `db` itself is not a folder; in the
 * journal's `.inkdex` folder, also its `.gitignore`.
 *
 * Not `fs.mkdirSync(dir, { recursive: true })`: on Node 20 it spins forever at full CPU
 * on a path the kernel refuses to create in (`/proc/nope`: mkdir says ENOENT although
 * `/proc` exists, so it retries the parent, then the child, …). Each missing folder is
 * made here one at a time, from the nearest one that exists.
 */
export function prepareIndexPath(db: string, journal: string): void {
  const dir = path.dirname(db);
  const missing: string[] = [];
  for (let d = dir; ; ) {
    let st: fs.Stats;
    try {
      st = fs.statSync(d);
    } catch (err) {
      const code = errorCode(err);
      const up = path.dirname(d);
      if ((code === 'ENOENT' || code === 'ENOTDIR') && up !== d) {
        missing.push(d);
        d = up;
        continue;
      }
      throw new StartError(`cannot create the index folder ${dir}: ${d}: ${describeFsError(err)}`);
    }
    if (!st.isDirectory()) throw new StartError(`cannot create the index folder ${dir}: ${d} is a file, not a folder`);
    break;
  }
  for (const d of missing.reverse()) {
    try {
      fs.mkdirSync(d);
    } catch (err) {
      if (errorCode(err) === 'EEXIST' && isFolder(d)) continue;
      // ENOENT although the parent exists: a file system that allows no new folders (/proc, /sys).
      const why = errorCode(err) === 'ENOENT' ? 'this file system does not allow creating it' : describeFsError(err);
      throw new StartError(`cannot create the index folder ${dir}: ${why}`);
    }
  }
  if (isFolder(db)) throw new StartError(`--db ${db} is a folder, not an index file`);
  if (dir === path.join(journal, INDEX_FOLDER)) ignoreInGit(dir);
}

/** The folder inside the journal that holds inkdex's own files. */
export const INDEX_FOLDER = '.inkdex';

/**
 * `.inkdex/.gitignore` holding `*`: the index (and its -wal, -shm, lock) never travels with
 * a journal kept in git. Written only when absent (a user's own version is left alone), and
 * only in inkdex's folder: no .gitignore elsewhere is ever touched. Best effort: a folder
 * that refuses it does not stop the index.
 */
function ignoreInGit(dir: string): void {
  try {
    fs.writeFileSync(path.join(dir, '.gitignore'), '*\n', { flag: 'wx' });
  } catch {
    // there already, or not writable (then the index is not either, which opening says)
  }
}
