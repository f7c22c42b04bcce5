/**
 * Inline tags (SPEC §2, https://help.obsidian.md/tags#Tag+format): `#` at line start or
 * after whitespace, `(` or `[`, then a run of characters up to whitespace or punctuation
 * that ends tags; not only digits, not followed by another `#`. Read after the links
 * extractor has blanked link targets (`[[#heading]]` is no tag).
 */
import type { Found, Line } from './found.js';

const HAS_NON_DIGIT = /\P{Nd}/u;

export function extractTags(line: Line, found: Found): void {
  const text = line.text;
  for (let i = text.indexOf('#'); i !== -1; i = text.indexOf('#', i + 1)) {
    if (i > 0) {
      const before = text.charCodeAt(i - 1);
      if (!(isSpace(before) || before === 40 || before === 91)) continue;
    }
    let end = i + 1;
    while (end < text.length && !endsTag(text.charCodeAt(end))) end++;
    if (end === i + 1) continue;
    if (text.charCodeAt(end) === 35) continue; // `#a#b` is not a tag
    const run = text.slice(i + 1, end);
    if (HAS_NON_DIGIT.test(run)) found.tags.push(run); // `#123` is an issue number, not a tag
    i = end - 1;
  }
}

/** ASCII characters that end a tag (besides whitespace); `#` too, so `#a#b` can be refused. */
const TAG_END = new Uint8Array(128);
for (const ch of ',.;:!?\'"`()[]{}<>|\\^~=+*&%$@#') TAG_END[ch.charCodeAt(0)] = 1;

function endsTag(c: number): boolean {
  return c < 128 ? TAG_END[c] === 1 || c === 32 || (c >= 9 && c <= 13) : isSpace(c);
}

/** JavaScript's `\s`, by code unit. */
export function isSpace(c: number): boolean {
  if (c < 128) return c === 32 || (c >= 9 && c <= 13);
  return c === 0xa0 || c === 0x1680 || (c >= 0x2000 && c <= 0x200a) || c === 0x2028 || c === 0x2029 || c === 0x202f || c === 0x205f || c === 0x3000 || c === 0xfeff;
}
