/**
 * A note's aliases (https://help.obsidian.md/aliases): frontmatter `aliases`, a list or a
 * string, and the legacy `alias` (keys matched case-insensitively, as Dataview does). A
 * list item is kept whole; a string is split on commas (how Obsidian read aliases before
 * they had to be a list). Trimmed, NFC, empty ones dropped, each once.
 */
import { nfc } from '../nfc.js';

export function aliasesOf(data: Record<string, unknown>): string[] {
  const out = new Set<string>();
  for (const [key, value] of Object.entries(data)) {
    const k = key.toLowerCase();
    if (k !== 'aliases' && k !== 'alias') continue;
    const items = Array.isArray(value) ? value.flat(Infinity) : typeof value === 'string' ? value.split(',') : [value];
    for (const item of items) {
      if (typeof item !== 'string' && typeof item !== 'number' && typeof item !== 'boolean') continue;
      const alias = nfc(String(item).trim());
      if (alias !== '') out.add(alias);
    }
  }
  return [...out];
}
