/**
 * Reading one markdown file from disk and turning it into the record the index stores.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { parseEntry } from '../core/parse.js';
import type { DiskFile } from './scan.js';
import { describeFsError, errorCode } from '../core/fs.js';
import { errorMessage } from '../core/errors.js';
import type { EntryRecord } from '../core/seam.js';

export type FileRead =
  | { ok: true; bytes: Buffer; text: string; hash: string; checkedMs: number }
  | { ok: false; gone: boolean; message: string };

const utf8 = new TextDecoder('utf-8', { fatal: true });
/** The error code readInto gives a path that is no longer a regular file. */
const NOT_REGULAR = 'ENOTREG';

/**
 * Reads files (each once, at its latest state) into one reusable buffer, so a run over
 * thousands of files leaves no garbage of file buffers behind. The bytes of a read are
 * valid until the next read.
 */
export class FileReader {
  private buffer = Buffer.allocUnsafe(256 * 1024);

  constructor(
    private readonly root: string,
    private readonly maxSize: number,
  ) {}

  read(file: DiskFile): FileRead {
    if (file.size > this.maxSize) return tooLarge(file.size, this.maxSize);
    const checkedMs = Date.now();
    let length: number;
    try {
      length = this.readInto(path.join(this.root, file.diskPath));
    } catch (err) {
      const code = errorCode(err);
      // Gone, or no longer a regular file (a FIFO or a symlink put in its place): the next
      // listing sees it for what it is now.
      const gone = code === 'ENOENT' || code === 'ENOTDIR' || code === 'ELOOP' || code === NOT_REGULAR;
      return { ok: false, gone, message: `cannot read the file: ${describeFsError(err)}` };
    }
    if (length > this.maxSize) return tooLarge(length, this.maxSize);
    const bytes = this.buffer.subarray(0, length);
    let text: string;
    try {
      text = utf8.decode(bytes);
    } catch {
      return { ok: false, gone: false, message: 'not valid UTF-8 text; not indexed' };
    }
    return { ok: true, bytes, text, hash: createHash('sha256').update(bytes).digest('hex'), checkedMs };
  }

  /** Reads the whole file (it may have grown since it was listed); returns its length. */
  private readInto(file: string): number {
    // Non-blocking and not through a symlink: a FIFO swapped in after the listing must not
    // hang the run, and links are never followed.
    const fd = fs.openSync(file, fs.constants.O_RDONLY | fs.constants.O_NONBLOCK | fs.constants.O_NOFOLLOW);
    try {
      if (!fs.fstatSync(fd).isFile()) throw Object.assign(new Error('not a regular file'), { code: NOT_REGULAR });
      let length = 0;
      for (;;) {
        if (length === this.buffer.length) {
          if (length > this.maxSize) return length;
          const bigger = Buffer.allocUnsafe(this.buffer.length * 2);
          this.buffer.copy(bigger, 0, 0, length);
          this.buffer = bigger;
        }
        const wanted = this.buffer.length - length;
        const n = fs.readSync(fd, this.buffer, length, wanted, null);
        length += n;
        // A short read of a regular file is its end: no second call just to see EOF.
        if (n < wanted) return length;
      }
    } finally {
      fs.closeSync(fd);
    }
  }
}

function tooLarge(size: number, maxSize: number): FileRead {
  return { ok: false, gone: false, message: `file is ${size} bytes, over --max-file-size ${maxSize}; not read` };
}

/** Parses a file that was read successfully. */
export function entryRecord(file: DiskFile, read: Extract<FileRead, { ok: true }>): EntryRecord {
  const parsed = parseEntry(file.path, read.text);
  let frontmatter = '{}';
  let error = parsed.error;
  try {
    frontmatter = JSON.stringify(parsed.frontmatter);
  } catch (err) {
    error = `frontmatter cannot be stored as JSON: ${errorMessage(err)}`;
  }
  return {
    path: file.path,
    title: parsed.title,
    date: parsed.date,
    frontmatter,
    body: read.bytes.subarray(parsed.bodyByteOffset),
    wordCount: parsed.wordCount,
    contentHash: read.hash,
    size: read.bytes.length,
    mtimeMs: file.mtimeMs,
    error,
    tags: parsed.tags,
    links: parsed.links,
    tasks: parsed.tasks,
    headings: parsed.headings,
    blocks: parsed.blocks,
    aliases: parsed.aliases,
    fields: parsed.fields,
  };
}
