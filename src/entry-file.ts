/**
 * Reading one markdown file from disk and turning it into the record the index stores.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { parseEntry } from './parse.js';
import { describeFsError, errorCode, type DiskFile } from './scan.js';
import type { EntryRecord } from './store.js';

export type FileRead =
  | { ok: true; bytes: Buffer; text: string; hash: string; checkedMs: number }
  | { ok: false; gone: boolean; message: string };

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** Reads a file once (at its latest state), refusing files over `maxSize`. */
export function readEntryFile(root: string, file: DiskFile, maxSize: number): FileRead {
  if (file.size > maxSize) return tooLarge(file.size, maxSize);
  const checkedMs = Date.now();
  let bytes: Buffer;
  try {
    bytes = fs.readFileSync(path.join(root, file.diskPath));
  } catch (err) {
    const code = errorCode(err);
    return { ok: false, gone: code === 'ENOENT' || code === 'ENOTDIR', message: `cannot read the file: ${describeFsError(err)}` };
  }
  if (bytes.length > maxSize) return tooLarge(bytes.length, maxSize);
  let text: string;
  try {
    text = utf8.decode(bytes);
  } catch {
    return { ok: false, gone: false, message: 'not valid UTF-8 text; not indexed' };
  }
  return { ok: true, bytes, text, hash: createHash('sha256').update(bytes).digest('hex'), checkedMs };
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
    error = `frontmatter cannot be stored as JSON: ${err instanceof Error ? err.message : String(err)}`;
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
  };
}
