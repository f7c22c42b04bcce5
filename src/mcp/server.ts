/**
 * One MCP server (one session) over the reader seam: the tools, the entry resources and
 * their notifications. The composition root makes one per stdio process or per Streamable
 * HTTP session and connects it to a transport; this module never touches one.
 */
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { ChangeFeed } from './changes.js';
import { registerResources, type ResourceDeps } from './resources.js';
import { registerTools, type ToolDeps } from './tools.js';

export interface McpDeps extends ToolDeps, ResourceDeps {
  /** The history of changes, for resource notifications. */
  changes: Pick<ChangeFeed, 'on'>;
  version: string;
}

const INSTRUCTIONS = `This server reads one person's journal: a folder of markdown notes that inkdex keeps indexed (current within a second of a save). It never changes a note.
Start with search (full text, best first) or list_entries (by tag, date, folder, field); read a note whole with read_entry (its links, backlinks, tasks and body).
recent_changes says what was written lately; list_tags and tasks give overviews; journal_status says whether the index is healthy and current.
Each note is also a resource, inkdex://entry/PATH (segments percent-encoded), whose text is the note as it is on disk.`;

export interface McpSession {
  server: McpServer;
  /** Stops following changes and closes the server (and its transport). */
  close(): Promise<void>;
}

export function createMcpServer(deps: McpDeps): McpSession {
  const server = new McpServer(
    { name: 'inkdex', title: 'inkdex journal', version: deps.version },
    {
      // Subscriptions cannot be declared after connecting (SDK 1.32): here, in the constructor.
      capabilities: { tools: {}, resources: { subscribe: true, listChanged: true } },
      instructions: INSTRUCTIONS,
    },
  );
  registerTools(server, deps);
  const onChanges = registerResources(server, deps);
  const stopFollowing = deps.changes.on(onChanges);
  let closed = false;
  return {
    server,
    async close() {
      if (closed) return;
      closed = true;
      stopFollowing();
      await server.close();
    },
  };
}
