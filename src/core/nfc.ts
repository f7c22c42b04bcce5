/**
 * Paths, tags and link targets are stored in Unicode NFC (SPEC §2). Normalising is a
 * costly call even on plain ASCII, which most paths are, so that case is skipped.
 */
const ASCII = /^[\x00-\x7f]*$/;

export function nfc(s: string): string {
  return ASCII.test(s) ? s : s.normalize('NFC');
}
