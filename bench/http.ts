/** Loopback HTTP helpers with a timeout on every request. */

export interface JsonResponse {
  status: number;
  body: unknown;
  ms: number;
}

/** GET `url` and parse JSON; throws on network error or timeout. */
export async function getJson(url: string, timeoutMs = 5000): Promise<JsonResponse> {
  const started = performance.now();
  const res = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
  const text = await res.text();
  const ms = performance.now() - started;
  let body: unknown = null;
  try {
    body = JSON.parse(text);
  } catch {
    body = text;
  }
  return { status: res.status, body, ms };
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Reads a nested field without trusting the shape: field(obj, 'counts', 'entries'). */
export function field(value: unknown, ...keys: string[]): unknown {
  let cur = value;
  for (const key of keys) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<string, unknown>)[key];
  }
  return cur;
}

/**
 * Polls `probe` every `everyMs` until it returns a value other than undefined, the deadline
 * passes or `giveUp()` says there is no point (e.g. the server died); undefined then.
 */
export async function pollUntil<T>(probe: () => Promise<T | undefined>, everyMs: number, timeoutMs: number,
  giveUp: () => boolean = () => false): Promise<T | undefined> {
  const deadline = performance.now() + timeoutMs;
  while (performance.now() < deadline && !giveUp()) {
    const started = performance.now();
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch {
      // not answering yet: keep polling until the deadline
    }
    const wait = everyMs - (performance.now() - started);
    if (wait > 0) await sleep(Math.min(wait, Math.max(0, deadline - performance.now())));
  }
  return undefined;
}
