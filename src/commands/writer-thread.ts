/**
 * The native engine kept on two threads (issue 16): a worker thread holds the writing
 * connection and runs every sync (writer-worker.ts); the main thread reads through a
 * read-only connection of its own. In WAL mode a reader never waits for the writer, so
 * the API answers while a run writes, whatever the run's size. This is the main thread's
 * side: the RunWriter the live indexer drives, the reader, and the file as it is followed.
 */
import fs from 'node:fs';
import { Worker } from 'node:worker_threads';
import { Backoff } from '../core/backoff.js';
import { errorMessage, StartError } from '../core/errors.js';
import type { FileFate, IndexFile, IndexFileStatus, IndexReader, Recovery, RunProgress, Trigger } from '../core/seam.js';
import type { NativeModule } from '../index/engine.js';
import { fateOf, type FileIdentity } from '../index/file-identity.js';
import { openNativeReader } from '../index/native-engine.js';
import type { HeldLock } from '../index/open-index.js';
import type { RunWriter } from '../live/run-writer.js';
import type { RunHooks, RunResult, Scope } from '../sync/sync.js';
import type { Config } from './config.js';

/** What the writer thread is started with. */
export interface WriterSetup extends Pick<Config, 'db' | 'journal' | 'ignore' | 'maxFileSize' | 'clockShiftMs'> {
  /** One Int32: set to 1 when the run in hand should stop (read without waiting for a message). */
  stop: SharedArrayBuffer;
  /** 1 for the first thread, then one more for each restart after a crash. */
  generation: number;
}

export type WriterRequest =
  | { op: 'open' }
  | { op: 'run'; scope: Scope; trigger: Trigger; reservedId: number | null }
  | { op: 'reserve'; trigger: Trigger }
  | { op: 'cancel'; runId: number }
  | { op: 'settle' }
  | { op: 'recover' }
  | { op: 'afresh'; why: string }
  | { op: 'close' };

/** The file the thread writes: its identity (null while the path holds another file) and the last write error. */
export interface FileReport {
  identity: FileIdentity | null;
  error: string | null;
}

export type WriterReply =
  | { id: number; ok: true; value: unknown; file: FileReport | null }
  | { id: number; ok: false; error: string; foreign: boolean; file: FileReport | null };

export type WriterEvent = { event: 'run-started' | 'run-progress'; progress: RunProgress } | { event: 'log'; line: string };

/** How often a run's stop request is passed on (the run checks it whenever it yields). */
const STOP_POLL_MS = 20;
/** Closing waits this long for the thread (SPEC §1's 2 s include the rest of shutdown). */
const CLOSE_WAIT_MS = 1500;
/** A thread that crashed is started again after 1 s, doubling to 30 s while it keeps crashing. */
const RESTART_FIRST_MS = 1000;
const RESTART_MAX_MS = 30_000;
/** A thread that lived this long before it crashed was not crashing in a loop: start again at 1 s. */
const LIVED_LONG_MS = 60_000;

export class WriterThread implements RunWriter {
  private worker!: Worker;
  /** Which thread is current (see WriterSetup.generation); events of an earlier one are ignored. */
  private generation = 0;
  private spawnedAt = 0;
  /** The last generation whose loss was handled (a crash emits 'error' then 'exit'). */
  private lostGeneration = 0;
  /** Set once the first thread opened the index: a thread lost after that is started again. */
  private started = false;
  private closing = false;
  private readonly restarts = new Backoff(RESTART_FIRST_MS, RESTART_MAX_MS);
  private restartTimer: NodeJS.Timeout | null = null;
  private readonly stop: SharedArrayBuffer;
  private readonly stopFlag: Int32Array;
  private readonly pending = new Map<number, { resolve(value: unknown): void; reject(err: Error): void }>();
  private nextId = 1;
  private hooks: RunHooks | null = null;
  private current: { reader: IndexReader; close(): void } | null = null;
  private identity: FileIdentity | null = null;
  private fileError: string | null = null;
  private lastWriteAt: string | null = null;
  /** Why there is no thread to write (it crashed, and is being started again); null while it runs. */
  private dead: string | null = null;
  readonly file: IndexFile;

  /**
   * Starts the thread and opens the index in it (rebuilt there if need be), then the
   * reader here. Throws StartError for a file that is not inkdex's.
   * @param lock the index's lock, held by this thread (taken again by `recover` should it vanish)
   */
  static async open(native: NativeModule, config: Pick<Config, 'db' | 'journal' | 'ignore' | 'maxFileSize' | 'clockShiftMs'>, lock: HeldLock, log: (line: string) => void): Promise<WriterThread> {
    const thread = new WriterThread(native, config, lock, log);
    try {
      await thread.call({ op: 'open' });
      thread.openReader();
      thread.started = true;
    } catch (err) {
      await thread.close();
      throw err;
    }
    return thread;
  }

  private constructor(
    private readonly native: NativeModule,
    private readonly config: Pick<Config, 'db' | 'journal' | 'ignore' | 'maxFileSize' | 'clockShiftMs'>,
    private readonly lock: HeldLock,
    private readonly log: (line: string) => void,
  ) {
    this.stop = new SharedArrayBuffer(4);
    this.stopFlag = new Int32Array(this.stop);
    this.spawn();
    this.file = this.fileView();
  }

  /** Starts a thread (the index is opened in it by an `open` request). */
  private spawn(): void {
    const generation = ++this.generation;
    const { db, journal, ignore, maxFileSize, clockShiftMs } = this.config;
    const setup: WriterSetup = { db, journal, ignore, maxFileSize, clockShiftMs, stop: this.stop, generation };
    const worker = new Worker(new URL('./writer-worker.js', import.meta.url), { workerData: setup });
    worker.on('message', (m: WriterReply | WriterEvent) => {
      if (generation === this.generation) this.receive(m);
    });
    worker.on('error', (err) => this.lost(generation, `the index writer thread failed: ${err.message}`));
    worker.on('exit', (code) => this.lost(generation, `the index writer thread exited (${code})`));
    this.worker = worker;
    this.spawnedAt = Date.now();
  }

  /**
   * The thread is gone: what waits on it fails (a run is recorded failed and retried by
   * the indexer), and once the index was open, a new thread is started after a backoff —
   * the lock stays held here meanwhile, and WAL has rolled back what the thread left
   * uncommitted. Health says why until it runs again.
   */
  private lost(generation: number, why: string): void {
    if (generation !== this.generation || this.lostGeneration === generation) return;
    this.lostGeneration = generation;
    this.dead = why;
    for (const waiting of this.pending.values()) waiting.reject(new Error(why));
    this.pending.clear();
    if (!this.started || this.closing) return;
    if (Date.now() - this.spawnedAt > LIVED_LONG_MS) this.restarts.reset();
    const delay = this.restarts.failed();
    this.log(`inkdex: ${why}; starting it again in ${delay} ms`);
    this.restartTimer = setTimeout(() => void this.restart(), delay);
    this.restartTimer.unref();
  }

  private async restart(): Promise<void> {
    this.restartTimer = null;
    if (this.closing) return;
    this.spawn();
    const generation = this.generation;
    try {
      await this.send({ op: 'open' });
      if (generation !== this.generation || this.closing) return;
      this.openReader();
      this.dead = null;
      this.log('inkdex: the index writer thread is running again');
    } catch (err) {
      // It could not open the index (the thread may live on): end it; the next try follows.
      this.lost(generation, `the index writer thread could not open the index: ${errorMessage(err)}`);
      void this.worker.terminate();
    }
  }

  /** The reader of the index as it is now (another one after a recovery: hold it through `follow`). */
  get reader(): IndexReader {
    if (!this.current) throw new Error('the index is closed');
    return this.current.reader;
  }

  run(scope: Scope, trigger: Trigger, hooks: RunHooks, reservedId: number | null): Promise<RunResult> {
    Atomics.store(this.stopFlag, 0, 0);
    this.hooks = hooks;
    const poll = setInterval(() => {
      if (hooks.shouldStop?.()) Atomics.store(this.stopFlag, 0, 1);
    }, STOP_POLL_MS);
    return (this.call({ op: 'run', scope, trigger, reservedId }) as Promise<RunResult>).finally(() => {
      clearInterval(poll);
      this.hooks = null;
    });
  }

  reserveRun(trigger: Trigger): Promise<{ id: number; startedAt: string }> {
    return this.call({ op: 'reserve', trigger }) as Promise<{ id: number; startedAt: string }>;
  }

  async cancelReservedRun(id: number): Promise<void> {
    await this.call({ op: 'cancel', runId: id });
  }

  /** See HeldIndex.recover; the reader follows the index to its new file. */
  async recover(): Promise<Recovery> {
    if (this.file.fate() !== 'same') this.lock.ensure();
    const recovery = (await this.call({ op: 'recover' })) as Recovery;
    if (recovery.outcome !== 'same' && recovery.outcome !== 'foreign') this.openReader();
    return recovery;
  }

  async startAfresh(why: string): Promise<void> {
    this.current?.close();
    this.current = null;
    await this.call({ op: 'afresh', why });
    this.openReader();
  }

  /** Closes the reader, then the index in the thread (the file alone is then complete), then the thread. */
  async close(): Promise<void> {
    this.closing = true;
    if (this.restartTimer) clearTimeout(this.restartTimer);
    this.current?.close();
    this.current = null;
    if (this.dead === null) {
      const exited = new Promise<void>((resolve) => this.worker.once('exit', () => resolve()));
      await Promise.race([this.call({ op: 'close' }).then(() => exited), new Promise((resolve) => setTimeout(resolve, CLOSE_WAIT_MS).unref())]).catch(() => undefined);
    }
    await this.worker.terminate().catch(() => undefined);
  }

  private openReader(): void {
    this.current?.close();
    this.current = openNativeReader(this.native, this.config.db);
  }

  private call(request: WriterRequest): Promise<unknown> {
    if (this.dead !== null) return Promise.reject(new Error(this.dead));
    return this.send(request);
  }

  /** Sends a request to the current thread, whether or not it has opened the index yet. */
  private send(request: WriterRequest): Promise<unknown> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.worker.postMessage({ ...request, id });
    });
  }

  private receive(message: WriterReply | WriterEvent): void {
    if ('event' in message) {
      if (message.event === 'log') this.log(message.line);
      else if (message.event === 'run-started') this.hooks?.onStart?.(message.progress);
      else this.hooks?.onProgress?.(message.progress);
      return;
    }
    if (message.file) {
      if (message.file.identity) this.identity = message.file.identity;
      this.fileError = message.file.error;
    }
    const waiting = this.pending.get(message.id);
    this.pending.delete(message.id);
    if (!waiting) return;
    if (message.ok) waiting.resolve(message.value);
    else waiting.reject(message.foreign ? new StartError(message.error) : new Error(message.error));
  }

  /** The file as the flusher and the status see it: the thread writes it, this thread follows it. */
  private fileView(): IndexFile {
    const db = this.config.db;
    return {
      engine: 'native',
      path: db,
      fate: (): FileFate => fateOf(db, this.identity),
      // Each commit is in the file (its log) already: note when.
      persist: () => {
        this.lastWriteAt = new Date().toISOString();
      },
      settle: () => {
        this.call({ op: 'settle' }).catch(() => undefined);
      },
      status: (): IndexFileStatus => ({
        path: db,
        engine: 'native',
        sizeBytes: fileBytes(db) + fileBytes(`${db}-wal`),
        lastWriteAt: this.lastWriteAt,
        error: this.dead ?? this.fileError,
      }),
      close: () => {
        void this.close();
      },
    };
  }
}

function fileBytes(file: string): number {
  return fs.statSync(file, { throwIfNoEntry: false })?.size ?? 0;
}
