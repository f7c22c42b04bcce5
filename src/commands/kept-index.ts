/**
 * The index a long-running command keeps (`serve`, a keeping `inkdex mcp`): locked (handed
 * over by a keeping mcp when serve asks), opened with the engine chosen,
 * its runs written by a RunWriter — on the native engine's writer thread (writer-thread.ts),
 * or in this thread for the wasm engine, whose database lives in this thread's memory —
 * and read here.
 */
import type { EngineName, IndexFile, IndexReader, Recovery } from '../core/seam.js';
import { chooseEngine } from '../index/engine.js';
import { lockIndex, openIndex, type IndexOptions } from '../index/open-index.js';
import { inProcessWriter, type RunWriter } from '../live/run-writer.js';
import { journalRules, type Config } from './config.js';
import { shiftedClock } from '../core/clock.js';
import { follow } from './follow.js';
import { WriterThread } from './writer-thread.js';

export interface KeptIndex {
  readonly engine: EngineName;
  readonly writer: RunWriter;
  /** The reader and the file of the moment: another after a recovery or a fresh start (hold them through `follow`). */
  readonly reader: IndexReader;
  readonly file: IndexFile;
  /** Drops the index (found damaged) and starts an empty one: the caller syncs the folder again. */
  startAfresh(why: string): Promise<void>;
  /** See HeldIndex.recover: the file left its path. */
  recover(): Promise<Recovery>;
  /** Closes the index (the file alone is then complete) and releases the lock. Safe to call twice. */
  close(): Promise<void>;
  /** Only releases the lock (the index is complete on disk already). */
  releaseLock(): void;
}

/** @throws LockedError when another process holds the lock (and does not hand it over) */
export async function openKeptIndex(config: Config & Pick<IndexOptions, 'handOver'>, log: (line: string) => void): Promise<KeptIndex> {
  const engine = chooseEngine(config.engine, log);
  if (engine.name === 'native') {
    const lock = await lockIndex(config);
    let thread: WriterThread;
    try {
      thread = await WriterThread.open(engine.module, config, lock, log);
    } catch (err) {
      lock.release();
      throw err;
    }
    return {
      engine: 'native',
      writer: thread,
      get reader() {
        return thread.reader;
      },
      file: thread.file,
      startAfresh: (why) => thread.startAfresh(why),
      recover: () => thread.recover(),
      async close() {
        try {
          await thread.close();
        } finally {
          lock.release();
        }
      },
      releaseLock: () => lock.release(),
    };
  }
  const index = await openIndex({ ...config, engine: 'wasm' }, log);
  const sync = { root: config.journal, rules: journalRules(config), maxFileSize: config.maxFileSize, clock: shiftedClock(config.clockShiftMs) };
  return {
    engine: 'wasm',
    writer: inProcessWriter(follow(() => index.store), sync),
    get reader() {
      return index.reader;
    },
    get file() {
      return index.file;
    },
    async startAfresh(why) {
      await index.startAfresh(why);
    },
    recover: () => index.recover(),
    async close() {
      index.close();
    },
    releaseLock: () => index.releaseLock(),
  };
}
