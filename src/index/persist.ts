/**
 * The only module that writes the index file: atomic replacement (temp file in the same
 * folder, fsync, rename, fsync the folder). The lock is lock.ts's.
 */
import fs from 'node:fs';
import path from 'node:path';
import { allocDatabaseBuffer, type DatabaseFile } from './wasm-database.js';
import { errorCode } from '../core/fs.js';

/**
 * Reads the index file into a buffer with room to grow (see database.ts), or null when
 * there is none. The read itself runs off the main thread: the caller can list the folder
 * meanwhile.
 */
export function readIndexFile(file: string): Promise<DatabaseFile | null> {
  let fd: number;
  try {
    fd = fs.openSync(file, 'r');
  } catch (err) {
    if (errorCode(err) === 'ENOENT') return Promise.resolve(null);
    return Promise.reject(err as Error);
  }
  let size: number;
  let buffer: Buffer;
  try {
    size = fs.fstatSync(fd).size;
    buffer = allocDatabaseBuffer(size);
  } catch (err) {
    fs.closeSync(fd);
    return Promise.reject(err as Error);
  }
  return new Promise<DatabaseFile>((resolve, reject) => {
    const done = (err: Error | null, length: number): void => {
      fs.close(fd, () => (err ? reject(err) : resolve({ buffer, length })));
    };
    const readFrom = (length: number): void => {
      if (length >= size) return done(null, length);
      fs.read(fd, buffer, length, size - length, length, (err, n) => (err ? done(err, length) : n === 0 ? done(null, length) : readFrom(length + n)));
    };
    readFrom(0);
  });
}

/**
 * Replaces `file` with `bytes` so that a reader sees the old or the new file, never a mix.
 * @returns how the bytes were written (direct I/O when the buffer and file system allow it)
 */
export function writeIndexFileAtomic(file: string, bytes: Uint8Array): 'direct' | 'buffered' {
  const dir = path.dirname(file);
  const tmp = path.join(dir, `.${path.basename(file)}.${process.pid}.tmp`);
  let how: 'direct' | 'buffered';
  try {
    how = writeDirect(tmp, bytes) ? 'direct' : 'buffered';
    if (how === 'buffered') writeBuffered(tmp, bytes);
    fs.renameSync(tmp, file);
  } catch (err) {
    fs.rmSync(tmp, { force: true }); // a disk full or read-only: leave no partial temp file behind
    throw err;
  }
  syncFolder(dir);
  return how;
}

function writeBuffered(file: string, bytes: Uint8Array): void {
  const fd = fs.openSync(file, 'w', 0o644);
  try {
    let offset = 0;
    while (offset < bytes.length) offset += fs.writeSync(fd, bytes, offset, bytes.length - offset);
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}

/**
 * Writes with O_DIRECT, past the page cache: the kernel then need not find ~50 MB of
 * fresh page-cache memory for each write, which was measured to take 100–190 ms of a
 * ~25 ms write on this machine. Needs a block-aligned buffer and length (see
 * allocDatabaseBuffer; SQLite files are whole pages); false when not possible here
 * (unaligned bytes, a file system without direct I/O), and the caller writes normally.
 */
function writeDirect(file: string, bytes: Uint8Array): boolean {
  if (!O_DIRECT || bytes.length % DIRECT_BLOCK !== 0) return false;
  let fd: number;
  try {
    fd = fs.openSync(file, fs.constants.O_WRONLY | fs.constants.O_CREAT | fs.constants.O_TRUNC | O_DIRECT, 0o644);
  } catch (err) {
    if (DIRECT_REFUSED.has(errorCode(err))) return false;
    throw err;
  }
  try {
    let offset = 0;
    while (offset < bytes.length) offset += fs.writeSync(fd, bytes, offset, bytes.length - offset, offset);
    fs.fsyncSync(fd); // the data is on disk already; this makes the file's metadata durable
    return true;
  } catch (err) {
    if (DIRECT_REFUSED.has(errorCode(err))) return false;
    throw err;
  } finally {
    fs.closeSync(fd);
  }
}

const O_DIRECT = (fs.constants as Record<string, number | undefined>).O_DIRECT;
/** Direct I/O wants buffer address, offset and length aligned to the device's block. */
const DIRECT_BLOCK = 4096;
/** How a file system or a misaligned buffer refuses direct I/O. */
const DIRECT_REFUSED = new Set<string | undefined>(['EINVAL', 'EOPNOTSUPP', 'ENOTSUP']);

function syncFolder(dir: string): void {
  let fd: number | undefined;
  try {
    fd = fs.openSync(dir, 'r');
    fs.fsyncSync(fd);
  } catch {
    // Some file systems refuse fsync on a folder; the rename itself is still atomic.
  } finally {
    if (fd !== undefined) fs.closeSync(fd);
  }
}
