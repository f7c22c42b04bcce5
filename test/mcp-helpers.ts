/**
 * Helpers for tests of `inkdex mcp` with the SDK's own client: start the built CLI over
 * stdio, call a tool and get its structured answer, wait for a process to be gone.
 */
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { cleanup, CLI, REPO_ROOT, waitFor } from './helpers.js';

export interface StartedMcp {
  client: Client;
  transport: StdioClientTransport;
  pid: number;
  /** Everything the server wrote on stderr so far. */
  readonly stderr: string;
  /** Calls a tool; throws unless it answered without isError. Returns structuredContent. */
  call<T = any>(name: string, args?: Record<string, unknown>): Promise<T>;
  /** Calls a tool and returns the whole result (errors included). */
  raw(name: string, args?: Record<string, unknown>): Promise<CallToolResult>;
  /** Closes the client (which ends the server's stdin first). */
  close(): Promise<void>;
}

/**
 * Starts `inkdex mcp ARGS…` with the SDK's stdio client and completes the handshake. It is
 * closed by `cleanup.run()` unless `shared` (one server for a whole file: close it yourself).
 */
export async function startMcp(args: string[], opts: { env?: Record<string, string>; shared?: boolean } = {}): Promise<StartedMcp> {
  const env = opts.env ?? {};
  const transport = new StdioClientTransport({
    command: process.execPath,
    args: [CLI, 'mcp', ...args],
    cwd: REPO_ROOT,
    env: { ...(process.env as Record<string, string>), NO_COLOR: '1', ...env },
    stderr: 'pipe',
  });
  let stderr = '';
  transport.stderr?.on('data', (d: Buffer) => (stderr += d.toString('utf8')));
  const client = new Client({ name: 'inkdex-test', version: '1.0.0' });
  let closed = false;
  const close = async (): Promise<void> => {
    if (closed) return;
    closed = true;
    await client.close();
  };
  if (!opts.shared) cleanup.add(close);
  try {
    await withTimeout(client.connect(transport), 20_000, 'the MCP handshake');
  } catch (err) {
    throw new Error(`${err instanceof Error ? err.message : String(err)}\nstderr: ${stderr}`);
  }
  const raw = async (name: string, callArgs: Record<string, unknown> = {}): Promise<CallToolResult> =>
    (await client.callTool({ name, arguments: callArgs }, undefined, { timeout: 20_000 })) as CallToolResult;
  return {
    client,
    transport,
    pid: transport.pid!,
    get stderr() {
      return stderr;
    },
    raw,
    async call(name, callArgs = {}) {
      const result = await raw(name, callArgs);
      if (result.isError) throw new Error(`${name} failed: ${JSON.stringify(result.content)}`);
      return result.structuredContent as never;
    },
    close,
  };
}

/** The text of a tool result's first content item. */
export function textOf(result: CallToolResult): string {
  const first = result.content[0];
  return first && first.type === 'text' ? first.text : '';
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Resolves once process `pid` is gone, with how long that took. */
export async function gone(pid: number, timeoutMs: number): Promise<number> {
  const start = Date.now();
  await waitFor(() => !isAlive(pid), { timeoutMs, intervalMs: 20, message: `process ${pid} to exit` });
  return Date.now() - start;
}

export function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout;
  return Promise.race([
    p.finally(() => clearTimeout(timer)),
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms waiting for ${what}`)), ms);
    }),
  ]);
}
