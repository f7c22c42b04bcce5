/**
 * The parsing worker (see prepare.ts): prepares batches of files and sends them back with
 * their bodies packed into one transferred buffer.
 */
import { parentPort } from 'node:worker_threads';
import { FileReader } from './entry-file.js';
import { parseEntry } from '../core/parse.js';
import { prepareFile, type BatchRequest, type PreparedBatch } from './prepare.js';

let reader: FileReader | null = null;

// Load the parser's libraries now, while the main thread is still listing the folder.
parseEntry('warm-up.md', '---\ntitle: warm-up\n---\n# warm-up #tag\n');

parentPort!.on('message', (request: BatchRequest) => {
  reader ??= new FileReader(request.root, request.maxFileSize);
  let bodies = new Uint8Array(1024 * 1024);
  let offset = 0;
  const files: PreparedBatch['files'] = request.items.map((item) => {
    const { read, record } = prepareFile(reader!, item);
    if (!record) return { read, record: null, bodyStart: 0, bodyLength: 0 };
    // The body is a view of the reader's buffer: copy it out before the next read.
    const { body, ...rest } = record;
    if (offset + body.length > bodies.length) {
      const bigger = new Uint8Array(Math.max(bodies.length * 2, offset + body.length));
      bigger.set(bodies.subarray(0, offset));
      bodies = bigger;
    }
    bodies.set(body, offset);
    offset += body.length;
    return { read, record: rest, bodyStart: offset - body.length, bodyLength: body.length };
  });
  const batch: PreparedBatch = { id: request.id, files, bodies: bodies.buffer };
  parentPort!.postMessage(batch, [bodies.buffer]);
});
