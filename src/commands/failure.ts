/**
 * Pure: a failure that ended a command → the one line to print and the exit code
 * (SPEC §1: every failure says what and where). Typed errors carry their own line; a bare
 * system error (`ENOSPC: no space left on device, write`) is told with the file it hit —
 * its own path, or else the index, the only file a command writes.
 */
import path from 'node:path';
import { errorMessage, LockedError, oneLine, StartError, UsageError } from '../core/errors.js';

export interface Failure {
  line: string;
  exitCode: 1 | 2;
}

/** What the failing command was working on, when known (after the command line was read). */
export interface FailureContext {
  db: string;
  journal: string;
}

const PROBLEMS: Record<string, string> = {
  ENOSPC: 'no space left on device',
  EDQUOT: 'disk quota exceeded',
  EROFS: 'read-only file system',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  EIO: 'input/output error',
  EMFILE: 'too many open files',
  ENFILE: 'too many open files in the system',
  ENOENT: 'no such file or folder',
  ENOTDIR: 'a part of the path is not a folder',
  EFBIG: 'file too large',
  ENAMETOOLONG: 'name too long',
  ELOOP: 'too many symbolic links',
  EBUSY: 'busy',
  ETXTBSY: 'busy',
};

const VERBS: Record<string, string> = {
  open: 'open',
  read: 'read',
  write: 'write',
  fsync: 'write',
  close: 'write',
  ftruncate: 'write',
  mkdir: 'create the folder',
  rename: 'replace',
  unlink: 'remove',
  rm: 'remove',
  scandir: 'list the folder',
  stat: 'check',
  lstat: 'check',
  fstat: 'check',
  realpath: 'find',
};

/** Writing verbs: a failure there is a failure to write the index. */
const WRITES = new Set(['write', 'fsync', 'close', 'ftruncate', 'rename']);

export function describeFailure(err: unknown, ctx: FailureContext | null): Failure {
  if (err instanceof UsageError) return { line: oneLine(err.message), exitCode: 2 };
  if (err instanceof StartError || err instanceof LockedError) return { line: oneLine(err.message), exitCode: 1 };
  const e = err as NodeJS.ErrnoException | undefined;
  // A file system call's error (not a socket's: those name their address themselves).
  if (e && typeof e.code === 'string' && typeof e.syscall === 'string' && (e.path !== undefined || e.syscall in VERBS)) return { line: systemError(e, ctx), exitCode: 1 };
  // SQLite's own errors (the native engine: better-sqlite3's SqliteError) name no file.
  if (e && typeof e.code === 'string' && e.code.startsWith('SQLITE_') && ctx) return { line: sqliteError(e.code, e.message, ctx.db), exitCode: 1 };
  if (err instanceof RangeError && /allocation failed|Invalid array length/i.test(err.message)) {
    return { line: `not enough memory${ctx ? ` to load the index ${ctx.db}` : ''} (${oneLine(err.message)})`, exitCode: 1 };
  }
  const message = oneLine(errorMessage(err));
  // A message that names no file gets the index's name: the reader must know where.
  const named = ctx !== null && (message.includes(ctx.db) || message.includes(ctx.journal));
  return { line: named || !ctx ? message : `${message} (index ${ctx.db}, journal ${ctx.journal})`, exitCode: 1 };
}

function systemError(e: NodeJS.ErrnoException, ctx: FailureContext | null): string {
  const code = e.code!;
  const syscall = e.syscall!;
  const target = e.path === undefined ? (ctx?.db ?? null) : isIndexFile(e.path, ctx) ? ctx!.db : e.path;
  if (code === 'EISDIR' && ctx && (target === ctx.db || e.path === undefined)) return `--db ${ctx.db} is a folder, not an index file`;
  const problem = PROBLEMS[code] ?? (code === 'EISDIR' ? 'is a folder' : `${code}: ${oneLine(e.message).replace(/^[A-Z]+: /, '').replace(/,[^,]*$/, '')}`);
  if (target === null) return `${problem} (${syscall})`;
  if (ctx && target === ctx.db && (WRITES.has(syscall) || code === 'ENOSPC' || code === 'EDQUOT' || code === 'EROFS')) {
    return `cannot write the index ${target}: ${problem}`;
  }
  return `cannot ${VERBS[syscall] ?? syscall} ${target}: ${problem}`;
}

/**
 * A failed run's recorded message → the line `inkdex sync` prints: the storage errors a
 * run can end with (SQLite's, the file system's) name the index; others are said as they are.
 */
export function describeRunFailure(message: string, db: string): string {
  if (/database or disk is full|ENOSPC|no space left/i.test(message)) return `cannot write the index ${db}: no space left on device`;
  if (/EDQUOT|quota/i.test(message)) return `cannot write the index ${db}: disk quota exceeded`;
  if (/readonly database|EROFS|read-only file system/i.test(message)) return `cannot write the index ${db}: it is read-only (${oneLine(message)})`;
  if (/disk I\/O error/i.test(message)) return `cannot read or write the index ${db}: input/output error (${oneLine(message)})`;
  return `sync failed: ${oneLine(message)}`;
}

function sqliteError(code: string, message: string, db: string): string {
  const base = code.replace(/^(SQLITE_[A-Z]+).*$/, '$1');
  if (base === 'SQLITE_FULL') return `cannot write the index ${db}: no space left on device (${oneLine(message)})`;
  if (base === 'SQLITE_READONLY') return `cannot write the index ${db}: it is read-only (${oneLine(message)})`;
  if (base === 'SQLITE_IOERR') return `cannot read or write the index ${db}: input/output error (${oneLine(message)})`;
  if (base === 'SQLITE_CANTOPEN') return `cannot open the index ${db} (${oneLine(message)})`;
  if (base === 'SQLITE_BUSY' || base === 'SQLITE_LOCKED') return `the index ${db} is busy: another program holds a lock on it (${oneLine(message)})`;
  return `index ${db}: ${oneLine(message)} (${code})`;
}

/** The index file or its temporary copy beside it (`.index.sqlite.PID.tmp`). */
function isIndexFile(p: string, ctx: FailureContext | null): boolean {
  if (!ctx) return false;
  if (p === ctx.db) return true;
  return path.dirname(p) === path.dirname(ctx.db) && path.basename(p).startsWith(`.${path.basename(ctx.db)}.`) && p.endsWith('.tmp');
}
