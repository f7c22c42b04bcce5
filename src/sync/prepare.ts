/**
 * Preparing files for a run: read, hash and (when the bytes are new) parse each one, in
 * order. Large runs do this on a worker thread, a few batches ahead of the writer, so
 * reading and parsing overlap the database writes (the main thread keeps only the writes).
 */
import { Worker } from 'node:worker_threads';
import { entryRecord, FileReader } from './entry-file.js';
import type { DiskFile } from './scan.js';
import type { EntryRecord } from '../core/seam.js';

export interface WorkItem {
  disk: DiskFile;
  /** The indexed content hash: when the bytes still have it, they are not parsed again. */
  knownHash: string | null;
}

export type ReadOutcome = { ok: true; hash: string; checkedMs: number } | { ok: false; gone: boolean; message: string };

export interface PreparedFile {
  read: ReadOutcome;
  /** What to store; null when the read failed or the bytes are unchanged. */
  record: EntryRecord | null;
}

/** Reads and parses one file. The record's body is valid until the reader's next read. */
export function prepareFile(reader: FileReader, item: WorkItem): PreparedFile {
  const read = reader.read(item.disk);
  if (!read.ok) return { read, record: null };
  const outcome: ReadOutcome = { ok: true, hash: read.hash, checkedMs: read.checkedMs };
  if (read.hash === item.knownHash) return { read: outcome, record: null };
  return { read: outcome, record: entryRecord(item.disk, read) };
}

export interface Preparer {
  /** The next item's preparation, in the order of the items. */
  next(): Promise<PreparedFile>;
  close(): void;
}

/** Below this many files a worker costs more (start-up, copying) than it saves. */
const WORKER_THRESHOLD = 1000;
const BATCH = 256;
const FIRST_BATCH = 32;
/** Batches prepared ahead of the writer: bounds the memory held in flight. */
const LOOKAHEAD = 3;

function startWorker(): Worker {
  // A small young generation: the worker's garbage is short-lived, and memory is a target.
  return new Worker(new URL('./prepare-worker.js', import.meta.url), { resourceLimits: { maxYoungGenerationSizeMb: 8 } });
}

export function preparer(items: WorkItem[], root: string, maxFileSize: number): Preparer {
  if (items.length >= WORKER_THRESHOLD) return new WorkerPreparer(items, root, maxFileSize);
  return new LocalPreparer(items, new FileReader(root, maxFileSize));
}

class LocalPreparer implements Preparer {
  private index = 0;

  constructor(
    private readonly items: WorkItem[],
    private readonly reader: FileReader,
  ) {}

  next(): Promise<PreparedFile> {
    return Promise.resolve(prepareFile(this.reader, this.items[this.index++]!));
  }

  close(): void {}
}

/** A batch as it crosses threads: bodies packed into one transferred buffer. */
export interface PreparedBatch {
  id: number;
  files: Array<{ read: ReadOutcome; record: Omit<EntryRecord, 'body'> | null; bodyStart: number; bodyLength: number }>;
  bodies: ArrayBuffer;
}

export interface BatchRequest {
  id: number;
  root: string;
  maxFileSize: number;
  items: WorkItem[];
}

class WorkerPreparer implements Preparer {
  private readonly worker: Worker;
  private readonly pending = new Map<number, { resolve(b: PreparedBatch): void; reject(e: Error): void }>();
  private readonly batches: Array<Promise<PreparedBatch>> = [];
  private current: PreparedFile[] = [];
  private position = 0;
  private sent = 0;
  private failed: Error | null = null;
  /** After a worker failure, the remaining items are prepared here. */
  private fallback: LocalPreparer | null = null;
  private consumed = 0;

  constructor(
    private readonly items: WorkItem[],
    private readonly root: string,
    private readonly maxFileSize: number,
  ) {
    this.worker = startWorker();
    this.worker.on('message', (batch: PreparedBatch) => {
      this.pending.get(batch.id)?.resolve(batch);
      this.pending.delete(batch.id);
    });
    this.worker.on('error', (err) => this.fail(err));
    this.worker.on('exit', (code) => {
      if (this.pending.size > 0) this.fail(new Error(`the parsing worker exited (${code})`));
    });
    while (this.batches.length < LOOKAHEAD && this.sendNext()) {
      // fill the pipeline
    }
  }

  async next(): Promise<PreparedFile> {
    if (this.fallback) return this.fallback.next();
    if (this.position >= this.current.length) {
      const batch = this.batches.shift();
      if (!batch) throw new Error('no more files to prepare');
      try {
        this.current = unpack(await batch);
      } catch {
        // The worker failed: carry on without it from the first item not yet handed out.
        this.worker.terminate().catch(() => undefined);
        this.fallback = new LocalPreparer(this.items.slice(this.consumed), new FileReader(this.root, this.maxFileSize));
        return this.fallback.next();
      }
      this.position = 0;
      this.sendNext();
    }
    this.consumed++;
    return this.current[this.position++]!;
  }

  close(): void {
    void this.worker.terminate().catch(() => undefined);
  }

  private sendNext(): boolean {
    if (this.sent >= this.items.length || this.failed) return false;
    const id = this.sent;
    // A small first batch: the writer starts as soon as possible.
    const items = this.items.slice(this.sent, this.sent + (this.sent === 0 ? FIRST_BATCH : BATCH));
    this.sent += items.length;
    this.batches.push(
      new Promise<PreparedBatch>((resolve, reject) => {
        this.pending.set(id, { resolve, reject });
        const request: BatchRequest = { id, root: this.root, maxFileSize: this.maxFileSize, items };
        this.worker.postMessage(request);
      }),
    );
    // Avoid unhandled rejections for batches that fail before they are awaited.
    this.batches[this.batches.length - 1]!.catch(() => undefined);
    return true;
  }

  private fail(err: Error): void {
    this.failed = err;
    for (const p of this.pending.values()) p.reject(err);
    this.pending.clear();
  }
}

function unpack(batch: PreparedBatch): PreparedFile[] {
  return batch.files.map((f) => ({
    read: f.read,
    record: f.record && { ...f.record, body: new Uint8Array(batch.bodies, f.bodyStart, f.bodyLength) },
  }));
}
