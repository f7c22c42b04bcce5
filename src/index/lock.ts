/**
 * The lock next to the index file (`FILE.lock`) that keeps a second inkdex writer out
 * (SPEC §3). It names the process holding it; a lock whose process is dead, or whose PID
 * now belongs to another program (a recycled PID after a crash and a reboot or a
 * container restart), is taken over.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { LockedError } from '../core/errors.js';
import { errorCode } from '../core/fs.js';


interface LockInfo {
  pid: number;
  host: string;
  command: string;
  since: string;
  /**
   * The holder's start time (`/proc/PID/stat` field 22, clock ticks since boot) and the
   * boot it belongs to: together they tell the holder from a later process given its PID.
   * Null where /proc is not available, or in a lock written by an older inkdex.
   */
  startTime: string | null;
  bootId: string | null;
}

/**
 * Takes the lock next to the index file, taking over one left by a dead process or one
 * naming a process that is not the inkdex that wrote it. Throws LockedError naming the
 * live inkdex process that holds it.
 * @returns a function that releases the lock (safe to call twice).
 */
export function acquireLock(indexFile: string, command: string): () => void {
  const lockFile = `${indexFile}.lock`;
  const mine: LockInfo = {
    pid: process.pid,
    host: os.hostname(),
    command,
    since: new Date().toISOString(),
    startTime: processStartTime(process.pid),
    bootId: bootId(),
  };
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      createWhole(lockFile, JSON.stringify(mine) + '\n');
      let released = false;
      return () => {
        if (released) return;
        released = true;
        try {
          const held = readLock(lockFile);
          if (held?.pid === process.pid) fs.rmSync(lockFile, { force: true });
        } catch {
          // already gone
        }
      };
    } catch (err) {
      if (errorCode(err) !== 'EEXIST') throw err;
    }
    const held = readLock(lockFile);
    if (held && held.pid !== process.pid && holderRuns(held, mine.host)) {
      throw new LockedError(
        `index ${indexFile} is locked by inkdex process ${held.pid} on ${held.host} (${held.command}, since ${held.since}); stop it or use another --db`,
        { pid: held.pid, host: held.host, command: held.command },
      );
    }
    // Stale (dead process, recycled PID, or an unreadable lock file): take it over.
    fs.rmSync(lockFile, { force: true });
  }
  throw new LockedError(`index ${indexFile} is locked: could not take the lock ${lockFile}`);
}

/**
 * Creates `file` holding `text`, failing with EEXIST when it exists — all at once: it is
 * written aside and hard-linked into place, so that nobody ever reads it empty (an empty
 * lock would look stale and be taken over). Where hard links are not allowed, an
 * exclusive create and a write.
 */
function createWhole(file: string, text: string): void {
  const aside = `${file}.${process.pid}.tmp`;
  try {
    fs.writeFileSync(aside, text);
    fs.linkSync(aside, file);
  } catch (err) {
    const code = errorCode(err);
    if (code !== 'EPERM' && code !== 'ENOTSUP' && code !== 'EOPNOTSUPP' && code !== 'ENOSYS') throw err;
    fs.writeFileSync(file, text, { flag: 'wx' });
  } finally {
    fs.rmSync(aside, { force: true });
  }
}

/** The signal a keeping `inkdex mcp` takes as "hand the index over" (SPEC §5.1). */
export const HAND_OVER_SIGNAL = 'SIGUSR2';

/**
 * Takes the lock like acquireLock; when a live `from` command on this machine holds it
 * (a keeping `inkdex mcp`), asks it to hand the index over and waits up to `waitMs` for
 * the lock. Meanwhile a request file beside the lock tells reading processes not to take
 * it themselves.
 */
export async function acquireLockHandedOver(indexFile: string, command: string, from: readonly string[], waitMs: number): Promise<() => void> {
  const request = `${indexFile}.lock.handover`;
  const deadline = Date.now() + waitMs;
  let asked = false;
  try {
    for (;;) {
      try {
        return acquireLock(indexFile, command);
      } catch (err) {
        const holder = err instanceof LockedError ? err.holder : null;
        if (!holder || !from.includes(holder.command) || holder.host !== os.hostname()) throw err;
        if (Date.now() >= deadline) throw new LockedError(`${(err as Error).message} (asked it to hand the index over: it did not within ${waitMs} ms)`, holder);
        if (!asked) fs.writeFileSync(request, `${process.pid}\n`);
        asked = true;
        try {
          process.kill(holder.pid, HAND_OVER_SIGNAL);
        } catch {
          // gone meanwhile: the next attempt takes the lock
        }
      }
      await new Promise((resolve) => setTimeout(resolve, HAND_OVER_POLL_MS));
    }
  } finally {
    if (asked) fs.rmSync(request, { force: true });
  }
}

/** How often a process waiting for a hand-over looks at the lock (the holder is asked again each time). */
const HAND_OVER_POLL_MS = 25;

/**
 * Whether this process may take the lock now: nobody live holds it and nobody waits for a
 * hand-over. Cheap (a read or two), for a reader that polls.
 */
export function lockLooksFree(indexFile: string): boolean {
  const waiting = readPid(`${indexFile}.lock.handover`);
  if (waiting !== null && waiting !== process.pid && isAlive(waiting)) return false;
  return lockHolder(indexFile) === null;
}

/** The live process holding the lock, or null when nobody does. */
export function lockHolder(indexFile: string): { pid: number; host: string; command: string; since: string } | null {
  const held = readLock(`${indexFile}.lock`);
  if (!held || !holderRuns(held, os.hostname())) return null;
  return { pid: held.pid, host: held.host, command: held.command, since: held.since };
}

function readPid(file: string): number | null {
  try {
    const pid = Number(fs.readFileSync(file, 'utf8').trim());
    return Number.isInteger(pid) && pid > 0 ? pid : null;
  } catch {
    return null;
  }
}

/** True when the process that wrote `held` may still be running (then it is respected). */
function holderRuns(held: LockInfo, host: string): boolean {
  // A lock from another machine (a shared drive) cannot be checked, so it is respected.
  if (held.host !== host) return true;
  if (!isAlive(held.pid)) return false;
  // Written in an earlier boot: whatever has that PID now is another process.
  const boot = bootId();
  if (held.bootId !== null && boot !== null && held.bootId !== boot) return false;
  const now = processStartTime(held.pid);
  if (held.startTime !== null && now !== null) return now === held.startTime;
  // An older lock without a start time: the process must at least look like inkdex.
  const inkdex = looksLikeInkdex(held.pid);
  return inkdex ?? true;
}

function readLock(lockFile: string): LockInfo | null {
  try {
    const info = JSON.parse(fs.readFileSync(lockFile, 'utf8')) as Partial<Record<keyof LockInfo, unknown>>;
    if (typeof info.pid !== 'number' || !Number.isInteger(info.pid) || info.pid <= 0) return null;
    return {
      pid: info.pid,
      host: String(info.host ?? os.hostname()),
      command: String(info.command ?? 'inkdex'),
      since: String(info.since ?? '?'),
      startTime: typeof info.startTime === 'string' ? info.startTime : null,
      bootId: typeof info.bootId === 'string' ? info.bootId : null,
    };
  } catch {
    return null;
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return errorCode(err) === 'EPERM';
  }
}

/** Field 22 of /proc/PID/stat (start time in clock ticks after boot), or null. */
export function processStartTime(pid: number): string | null {
  let stat: string;
  try {
    stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return null;
  }
  // Field 2 (the command name) is in parentheses and may hold spaces and parentheses:
  // count fields from after its last ')', where field 3 starts.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const start = fields[22 - 3];
  return start !== undefined && /^\d+$/.test(start) ? start : null;
}

function bootId(): string | null {
  try {
    return fs.readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim() || null;
  } catch {
    return null;
  }
}

/**
 * Whether process `pid` runs inkdex, judged by its command line: a program or script
 * named `inkdex`, or the same script as this process. Null when it cannot be read.
 */
function looksLikeInkdex(pid: number): boolean | null {
  let args: string[];
  try {
    args = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter((a) => a !== '');
  } catch {
    return null;
  }
  if (args.length === 0) return null; // a zombie or a kernel thread: cannot tell
  const self = realPath(process.argv[1]);
  // A relative script path is relative to that process's own working folder.
  return args.slice(0, 2).some((a) => /inkdex/i.test(path.basename(a)) || (self !== null && realPath(path.resolve(`/proc/${pid}/cwd`, a)) === self));
}

function realPath(p: string | undefined): string | null {
  if (!p) return null;
  try {
    return fs.realpathSync(p);
  } catch {
    return null;
  }
}
