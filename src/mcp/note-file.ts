/**
 * Reads a note's current text from the journal for the entry resource, safely: the path
 * must stay inside the journal folder (no `..`, no absolute path), no symbolic link is
 * followed on the way, and only regular files of bounded size that are valid UTF-8 are
 * read. A name stored NFC in the index but spelled otherwise on disk is still found.
 */
import fs from 'node:fs';
import path from 'node:path';

/** Why a note could not be read (the resource answers "not found" or says why). */
export class NoteReadError extends Error {
  constructor(
    message: string,
    readonly missing: boolean,
  ) {
    super(message);
  }
}

/**
 * @param rel the note's POSIX path relative to `root`, as the index stores it
 * @param maxBytes larger files are not read (as the indexer does not)
 */
export async function readNote(root: string, rel: string, maxBytes: number): Promise<string> {
  const segments = rel.split('/');
  if (segments.some((s) => s === '' || s === '.' || s === '..' || s.includes('\0'))) throw new NoteReadError(`not a path inside the journal: ${JSON.stringify(rel)}`, true);
  let dir = root;
  for (const [i, segment] of segments.entries()) {
    const name = await nameOnDisk(dir, segment);
    const full = path.join(dir, name);
    const st = await fs.promises.lstat(full).catch(() => null);
    if (!st) throw new NoteReadError(`${rel} is not in the journal folder any more`, true);
    if (st.isSymbolicLink()) throw new NoteReadError(`${rel} goes through a symbolic link, which is not followed`, false);
    const last = i === segments.length - 1;
    if (!last && !st.isDirectory()) throw new NoteReadError(`${rel} is not in the journal folder any more`, true);
    if (last) return readRegularFile(full, rel, maxBytes);
    dir = full;
  }
  throw new NoteReadError(`not a path inside the journal: ${JSON.stringify(rel)}`, true);
}

async function readRegularFile(file: string, rel: string, maxBytes: number): Promise<string> {
  let handle: fs.promises.FileHandle;
  try {
    // O_NOFOLLOW: a symbolic link swapped in after the check above is refused, not followed.
    handle = await fs.promises.open(file, fs.constants.O_RDONLY | fs.constants.O_NOFOLLOW);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new NoteReadError(code === 'ENOENT' ? `${rel} is not in the journal folder any more` : `cannot read ${rel}: ${code ?? String(err)}`, code === 'ENOENT');
  }
  try {
    const st = await handle.stat();
    if (!st.isFile()) throw new NoteReadError(`${rel} is not a regular file`, false);
    if (st.size > maxBytes) throw new NoteReadError(`${rel} is ${st.size} bytes, over the ${maxBytes}-byte limit for reading files`, false);
    const bytes = await handle.readFile();
    try {
      return new TextDecoder('utf-8', { fatal: true }).decode(bytes).replace(/^\uFEFF/, '');
    } catch {
      throw new NoteReadError(`${rel} is not valid UTF-8 text`, false);
    }
  } finally {
    await handle.close();
  }
}

/** `segment` as spelled in `dir`: itself when it exists, else the one name equal to it after NFC. */
async function nameOnDisk(dir: string, segment: string): Promise<string> {
  if (await fs.promises.lstat(path.join(dir, segment)).then(() => true, () => false)) return segment;
  const names = await fs.promises.readdir(dir).catch(() => [] as string[]);
  return names.find((n) => n.normalize('NFC') === segment) ?? segment;
}
