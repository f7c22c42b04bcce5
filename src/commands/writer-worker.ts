/**
 * The native engine's writer thread (see writer-thread.ts): holds the index's writing
 * connection and runs every sync on it, so that the main thread — the API, the watcher,
 * signals — never waits for a write. Answers one request at a time, in order; a run's
 * progress is sent as it goes.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { errorMessage } from '../core/errors.js';
import { loadNative } from '../index/native-database.js';
import { holdIndex, type HeldIndex } from '../index/open-index.js';
import { ForeignFileError } from '../index/index-file-check.js';
import { identityOf } from '../index/file-identity.js';
import { cancelReservedRun, reserveRun, runSync, type SyncOptions } from '../sync/sync.js';
import { journalRules } from './config.js';
import { shiftedClock } from '../core/clock.js';
import type { FileReport, WriterEvent, WriterReply, WriterRequest, WriterSetup } from './writer-thread.js';

const setup = workerData as WriterSetup;
const stopRequested = new Int32Array(setup.stop);
const syncOptions: SyncOptions = {
  root: setup.journal,
  rules: journalRules(setup),
  maxFileSize: setup.maxFileSize,
  ftsInOnePass: true,
  clock: shiftedClock(setup.clockShiftMs),
};
let held: HeldIndex | null = null;
/**
 * Tests only (not in --help): the first thread crashes after this many runs, as a bug
 * would, so that the restart can be tested (test/writer.test.ts).
 */
const crashAfterRuns = setup.generation === 1 ? Number(process.env.INKDEX_TEST_WRITER_CRASH_AFTER_RUNS ?? 0) : 0;
let runsDone = 0;

const post = (message: WriterReply | WriterEvent): void => parentPort!.postMessage(message);
const log = (line: string): void => post({ event: 'log', line });

function index(): HeldIndex {
  if (!held) throw new Error('the index is not open');
  return held;
}

async function perform(request: WriterRequest): Promise<unknown> {
  switch (request.op) {
    case 'open': {
      const native = loadNative();
      if (!native.ok) throw new Error(`the native engine cannot load in the writer thread (better-sqlite3: ${native.why})`);
      held = await holdIndex({ name: 'native', module: native }, setup, log);
      return { rebuiltBecause: held.rebuiltBecause };
    }
    case 'run':
      return runSync(index().store, syncOptions, request.scope, request.trigger, {
        onStart: (progress) => post({ event: 'run-started', progress }),
        onProgress: (progress) => post({ event: 'run-progress', progress }),
        shouldStop: () => Atomics.load(stopRequested, 0) === 1,
      }, request.reservedId);
    case 'reserve': {
      const { store } = index();
      return store.whenIdle(() => reserveRun(store, request.trigger, syncOptions.clock));
    }
    case 'cancel': {
      const { store } = index();
      return store.whenIdle(() => cancelReservedRun(store, request.runId, syncOptions.clock));
    }
    case 'settle':
      return index().file.settle();
    case 'recover':
      return index().recover();
    case 'afresh':
      await index().startAfresh(request.why);
      return null;
    case 'close':
      held?.close();
      held = null;
      return null;
  }
}

/** The file the thread writes, as the main thread follows it. */
function report(): FileReport | null {
  if (!held) return null;
  const status = held.file.status();
  return { identity: held.fate() === 'same' ? identityOf(held.file.path) : null, error: status.error };
}

/**
 * Runs, recoveries, checkpoints and closing take turns (none may swap the index under a run);
 * reservations go at once, written as soon as no transaction is open (store.whenIdle).
 */
let turn: Promise<unknown> = Promise.resolve();
function schedule(request: WriterRequest): Promise<unknown> {
  if (request.op === 'reserve' || request.op === 'cancel') return perform(request);
  const next = turn.then(() => perform(request));
  turn = next.catch(() => undefined);
  return next;
}

parentPort!.on('message', (message: WriterRequest & { id: number }) => {
  schedule(message).then(
    (value) => {
      post({ id: message.id, ok: true, value, file: report() });
      if (message.op === 'close') parentPort!.close();
      if (message.op === 'run' && ++runsDone === crashAfterRuns) {
        setImmediate(() => {
          throw new Error('a crash asked for by INKDEX_TEST_WRITER_CRASH_AFTER_RUNS');
        });
      }
    },
    (err: unknown) => post({ id: message.id, ok: false, error: errorMessage(err), foreign: err instanceof ForeignFileError, file: report() }),
  );
});
