/**
 * What is at the --db path, judged from its first 100 bytes and its size, before any
 * engine opens it: nothing (make one), an inkdex index (use it, or rebuild it when it is
 * damaged), or somebody else's file — which inkdex never overwrites or deletes. And
 * whether an error SQLite raised later, in use, says the file is damaged.
 */
import fs from 'node:fs';
import { errorCode } from '../core/fs.js';
import { APPLICATION_ID, SCHEMA_VERSION } from './schema.js';

export type FileVerdict =
  | { kind: 'absent' }
  | { kind: 'inkdex' }
  /** An inkdex index that cannot be used as it is: rebuild it from the folder. */
  | { kind: 'damaged'; why: string }
  /** A SQLite database without inkdex's mark: inkdex's own only if it has inkdex's tables (indexes before the mark). */
  | { kind: 'unmarked-sqlite' }
  | { kind: 'foreign'; why: string };

/** The error for a file inkdex must not touch: exit 1, one line naming it. */
export class ForeignFileError extends Error {}

const MAGIC = Buffer.from('SQLite format 3\0', 'latin1');
const HEADER = 100;

/**
 * @param ownPath true for the default path inside the journal's own `.inkdex` folder, where
 *   nobody else keeps files: there, bytes that are not SQLite are a wrecked index of ours.
 */
export function inspectIndexFile(file: string, ownPath = false): FileVerdict {
  let fd: number;
  try {
    fd = fs.openSync(file, 'r');
  } catch (err) {
    if (errorCode(err) === 'ENOENT') return { kind: 'absent' };
    throw err;
  }
  try {
    const st = fs.fstatSync(fd);
    if (st.isDirectory()) return { kind: 'foreign', why: 'it is a folder' };
    if (!st.isFile()) return { kind: 'foreign', why: 'it is not a regular file' };
    if (st.size === 0) return { kind: 'absent' }; // SQLite treats an empty file as a new database
    const header = Buffer.alloc(HEADER);
    const got = fs.readSync(fd, header, 0, HEADER, 0);
    if (got < MAGIC.length || !header.subarray(0, MAGIC.length).equals(MAGIC)) {
      return ownPath ? { kind: 'damaged', why: 'it is not a SQLite database any more' } : { kind: 'foreign', why: 'it is not a SQLite database' };
    }
    if (got < HEADER) return { kind: 'damaged', why: `it is truncated (${st.size} bytes)` };
    const appId = header.readUInt32BE(68);
    if (appId === 0) return { kind: 'unmarked-sqlite' };
    if (appId !== APPLICATION_ID) return { kind: 'foreign', why: `it is another program's SQLite database (application_id ${appId})` };
    return checkSize(header, st.size);
  } finally {
    fs.closeSync(fd);
  }
}

/** A file shorter than its header says lost pages (a copy cut short, a full disk). */
function checkSize(header: Buffer, size: number): FileVerdict {
  const rawPageSize = header.readUInt16BE(16);
  const pageSize = rawPageSize === 1 ? 65536 : rawPageSize;
  if (pageSize < 512 || (pageSize & (pageSize - 1)) !== 0) return { kind: 'damaged', why: `its header is damaged (page size ${rawPageSize})` };
  if (size % pageSize !== 0) return { kind: 'damaged', why: `it is truncated (${size} bytes is not a whole number of ${pageSize}-byte pages)` };
  // The page count at offset 28 is valid when the "version-valid-for" number matches the change counter.
  const pageCount = header.readUInt32BE(28);
  const valid = header.readUInt32BE(92) === header.readUInt32BE(24);
  if (valid && pageCount * pageSize > size) return { kind: 'damaged', why: `it is truncated (${size} of ${pageCount * pageSize} bytes)` };
  return { kind: 'inkdex' };
}

/** The refusal of a file that is not inkdex's (SPEC §3: exit 1, one line naming it). */
export function foreignFile(file: string, why: string): ForeignFileError {
  return new ForeignFileError(`--db ${file} is not an inkdex index (${why}); refusing to overwrite it: choose another --db`);
}

/** Why an inkdex index of another schema version is rebuilt. */
export function otherSchema(version: string | null): string {
  return `its schema_version is ${version ?? 'missing'}, this inkdex uses ${SCHEMA_VERSION}`;
}

/** Removes an index file and what SQLite keeps beside it, before a rebuild. */
export function removeIndexFiles(file: string): void {
  for (const suffix of ['', '-wal', '-shm', '-journal']) fs.rmSync(file + suffix, { force: true });
}

/** True for an error SQLite raises on finding the database file damaged (a run may meet it after opening). */
export function isCorruption(message: string | null): boolean {
  return message !== null && /malformed|not a database|corrupt/i.test(message);
}
