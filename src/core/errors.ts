/**
 * The typed errors every layer may throw; the command line maps each to an exit code in
 * one place (commands/failure.ts).
 */

/** Bad usage (a flag, a value, an argument): exit code 2. */
export class UsageError extends Error {}

/** The command cannot start or go on (no journal folder, an index that is not ours): exit code 1. */
export class StartError extends Error {}

/** Another live inkdex process holds the index's lock: exit code 1. */
export class LockedError extends Error {
  constructor(
    message: string,
    /** The process holding it, when known (the command is `inkdex serve`, `inkdex mcp`, …). */
    readonly holder: { pid: number; host: string; command: string } | null = null,
  ) {
    super(message);
  }
}

/** The index cannot answer yet: its first build is under way (an MCP tool says so). */
export class NotReady extends Error {}

/** A full-text query SQLite cannot parse, even after quoting its words: a 400, not a crash. */
export class BadQueryError extends Error {}

/** What was thrown, in words: an Error's message, anything else as a string. */
export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** A message as one line (log lines and one-line failures), whatever line breaks it held. */
export function oneLine(text: string): string {
  return text.replace(/\s*[\r\n]+\s*/g, ' ').trim();
}
