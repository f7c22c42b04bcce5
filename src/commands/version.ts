/**
 * The package version, as package.json says it (for --version, /api/status, MCP).
 */
import fs from 'node:fs';

let version: string | undefined;

/** Read once, on first use. */
export function packageVersion(): string {
  version ??= (JSON.parse(fs.readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version: string }).version;
  return version;
}
