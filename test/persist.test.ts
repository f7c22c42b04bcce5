/**
 * persist.ts: the atomic replacement of the index file, by direct I/O when the buffer
 * allows it and by a normal write otherwise — the bytes on disk must be the same.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { allocDatabaseBuffer } from '../src/index/wasm-database.js';
import { readIndexFile, writeIndexFileAtomic } from '../src/index/persist.js';
import { cleanup, tmpDir } from './helpers.js';

afterEach(async () => {
  await cleanup.run();
});

/** statfs magic numbers of ext4, xfs and btrfs. */
const DIRECT_IO_FILE_SYSTEMS = new Set([0xef53, 0x58465342, 0x9123683e]);

/** Bytes that differ at every position, so a shifted or partial write cannot pass. */
function pattern(into: Uint8Array, seed: number): Uint8Array {
  for (let i = 0; i < into.length; i++) into[i] = (i * 31 + seed + (i >> 12)) & 0xff;
  return into;
}

describe('writeIndexFileAtomic', () => {
  it('writes a database buffer with direct I/O on this file system, byte for byte', () => {
    const dir = tmpDir();
    const file = path.join(dir, 'index.sqlite');
    fs.writeFileSync(file, 'the previous version');
    const bytes = pattern(allocDatabaseBuffer(64 * 16384).subarray(0, 64 * 16384), 1);
    const how = writeIndexFileAtomic(file, bytes);
    // Disk file systems that support direct I/O must get it; elsewhere a normal write is right too.
    if (process.platform === 'linux' && DIRECT_IO_FILE_SYSTEMS.has(fs.statfsSync(dir).type)) expect(how).toBe('direct');
    expect(Buffer.compare(fs.readFileSync(file), Buffer.from(bytes))).toBe(0);
    expect(fs.readdirSync(dir)).toEqual(['index.sqlite']); // no temp file left behind
  });

  it('falls back to a normal write for an unaligned buffer or length', () => {
    const dir = tmpDir();
    const file = path.join(dir, 'index.sqlite');
    const base = pattern(allocDatabaseBuffer(4 * 16384), 2);
    for (const bytes of [base.subarray(16, 16 + 2 * 16384), base.subarray(0, 12345), Buffer.from('tiny')]) {
      expect(writeIndexFileAtomic(file, bytes)).toBe('buffered');
      expect(Buffer.compare(fs.readFileSync(file), Buffer.from(bytes))).toBe(0);
    }
    expect(fs.readdirSync(dir)).toEqual(['index.sqlite']);
  });

  it('leaves no temp file behind when the rename fails', () => {
    const dir = tmpDir();
    const file = path.join(dir, 'index.sqlite');
    fs.mkdirSync(path.join(file, 'in-the-way'), { recursive: true }); // rename onto a non-empty folder fails
    expect(() => writeIndexFileAtomic(file, pattern(allocDatabaseBuffer(16384).subarray(0, 16384), 5))).toThrow();
    expect(fs.readdirSync(dir)).toEqual(['index.sqlite']);
    expect(fs.statSync(file).isDirectory()).toBe(true);
  });

  it('reads back what it wrote into a buffer with room to grow', async () => {
    const dir = tmpDir();
    const file = path.join(dir, 'index.sqlite');
    const bytes = pattern(allocDatabaseBuffer(16 * 16384).subarray(0, 16 * 16384), 4);
    writeIndexFileAtomic(file, bytes);
    const read = (await readIndexFile(file))!;
    expect(read.length).toBe(bytes.length);
    expect(read.buffer.length).toBeGreaterThan(bytes.length);
    expect(Buffer.compare(read.buffer.subarray(0, read.length), Buffer.from(bytes))).toBe(0);
    expect(await readIndexFile(path.join(dir, 'missing.sqlite'))).toBeNull();
  });
});
