/**
 * Helpers for tests that talk to a running server at the socket level: event streams read
 * with fetch, raw HTTP/1.1 requests, and floods of idle or slow sockets.
 */
import net from 'node:net';

/** An open `/api/events` stream read with fetch, as an EventSource would. */
export interface EventClient {
  text(): string;
  /** Parsed `event: NAME` messages so far. */
  events(name: string): any[];
  until(pattern: RegExp, timeoutMs?: number): Promise<void>;
  /** Resolves when the server ends the stream. */
  ended: Promise<void>;
  close(): void;
}

export async function openEvents(url: string, init: RequestInit = {}): Promise<EventClient> {
  const abort = new AbortController();
  const res = await fetch(url + 'api/events', { ...init, signal: abort.signal });
  if (!res.ok || !res.body) throw new Error(`/api/events: ${res.status}`);
  const reader = res.body.getReader();
  const decoder = new TextDecoder();
  let text = '';
  const waiters = new Set<() => void>();
  const ended = (async () => {
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) return;
        text += decoder.decode(value, { stream: true });
        for (const w of waiters) w();
      }
    } catch {
      // aborted by close(), or the connection was cut
    } finally {
      for (const w of waiters) w();
    }
  })();
  let finished = false;
  void ended.then(() => (finished = true));
  return {
    text: () => text,
    events: (name) =>
      [...text.matchAll(/^event: (.+)\ndata: (.*)$/gm)].filter((m) => m[1] === name).map((m) => JSON.parse(m[2]!)),
    async until(pattern, timeoutMs = 15_000) {
      const deadline = Date.now() + timeoutMs;
      while (!pattern.test(text)) {
        if (finished) throw new Error(`stream ended without ${pattern}:\n${text.slice(-2000)}`);
        const left = deadline - Date.now();
        if (left <= 0) throw new Error(`no ${pattern} within ${timeoutMs} ms:\n${text.slice(-2000)}`);
        await new Promise<void>((resolve) => {
          const timer = setTimeout(done, left);
          function done(): void {
            clearTimeout(timer);
            waiters.delete(done);
            resolve();
          }
          waiters.add(done);
        });
      }
    },
    ended,
    close: () => abort.abort(),
  };
}

/** Sends raw bytes on a new socket and collects the answer until the server closes it. */
export function rawRequest(url: string, bytes: string, timeoutMs = 10_000): Promise<string> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = net.connect(Number(port), hostname.replace(/^\[|\]$/g, ''));
    let answer = '';
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`no end of answer within ${timeoutMs} ms; so far: ${answer.slice(0, 300)}`));
    }, timeoutMs);
    socket.setEncoding('latin1');
    socket.on('data', (d: string) => (answer += d));
    socket.on('error', () => undefined);
    socket.on('close', () => {
      clearTimeout(timer);
      resolve(answer);
    });
    socket.on('connect', () => socket.write(bytes));
  });
}

/** Status line, lower-cased headers and body of a raw HTTP/1.1 answer. */
export function parseRaw(answer: string): { status: number; headers: Record<string, string>; body: string } {
  const [head = '', body = ''] = answer.split('\r\n\r\n', 2);
  const [statusLine = '', ...lines] = head.split('\r\n');
  const headers: Record<string, string> = {};
  for (const l of lines) {
    const i = l.indexOf(':');
    if (i > 0) headers[l.slice(0, i).trim().toLowerCase()] = l.slice(i + 1).trim();
  }
  return { status: Number(statusLine.split(' ')[1]), headers, body };
}


/** Opens `count` sockets that each send `first` and then hold (half-open requests). */
export async function holdSockets(url: string, count: number, first: string): Promise<{ sockets: net.Socket[]; closedByServer(): number; destroyAll(): void }> {
  const { hostname, port } = new URL(url);
  const sockets: net.Socket[] = [];
  let closed = 0;
  let destroying = false;
  await Promise.all(
    Array.from(
      { length: count },
      () =>
        new Promise<void>((resolve) => {
          const sk = net.connect(Number(port), hostname.replace(/^\[|\]$/g, ''));
          sockets.push(sk);
          sk.on('error', () => undefined);
          sk.resume(); // read (and drop) whatever the server answers, so its close is seen
          sk.on('close', () => {
            if (!destroying) closed++;
            resolve();
          });
          sk.on('connect', () => {
            if (first) sk.write(first);
            resolve();
          });
        }),
    ),
  );
  return {
    sockets,
    closedByServer: () => closed,
    destroyAll() {
      destroying = true;
      for (const sk of sockets) sk.destroy();
    },
  };
}
