/**
 * serve's `/mcp` (SPEC §5.1): the Streamable HTTP sessions over the index serve keeps,
 * handed to the HTTP face as a plain request handler (the face never imports src/mcp).
 * The MCP SDK is loaded on the first request, so a serve nobody asks over MCP never pays
 * for loading it.
 */
import type { Config } from './config.js';
import type { Keeper } from './keeper.js';
import type { McpHttpSessions } from '../mcp/http.js';
import { shiftedClock } from '../core/clock.js';
import { whenBuilt } from './first-build.js';

export interface McpEndpoint {
  handle(request: Request): Promise<Response>;
  /** Ends every session (shutdown). */
  close(): Promise<void>;
}

export function mcpEndpoint(config: Config, keeper: Keeper): McpEndpoint {
  let sessions: Promise<McpHttpSessions> | null = null;
  const load = async (): Promise<McpHttpSessions> => {
    const [{ McpHttpSessions }, { createMcpServer }, { ChangeFeed }] = await Promise.all([
      import('../mcp/http.js'),
      import('../mcp/server.js'),
      import('../mcp/changes.js'),
    ]);
    const changes = new ChangeFeed(keeper.queries);
    return new McpHttpSessions({
      newSession: () =>
        createMcpServer({
          reader: keeper.queries,
          ready: () => whenBuilt(() => keeper.queries, () => keeper.indexer.current, config.db),
          status: () => keeper.status.status(),
          journal: config.journal,
          maxFileSize: config.maxFileSize,
          changes,
          version: keeper.version,
          clock: shiftedClock(config.clockShiftMs),
        }),
    });
  };
  return {
    async handle(request) {
      sessions ??= load();
      return (await sessions).handle(request);
    },
    async close() {
      if (sessions) await (await sessions).closeAll();
    },
  };
}
