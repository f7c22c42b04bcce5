/**
 * File-system errors → a code to branch on and a short message for people. Below every
 * module that touches the disk (scanning, reading, the index file, the lock).
 */

export function errorCode(err: unknown): string | undefined {
  return (err as NodeJS.ErrnoException | undefined)?.code;
}

/** "EACCES: permission denied" without the absolute path noise. */
export function describeFsError(err: unknown): string {
  const e = err as NodeJS.ErrnoException;
  if (e?.code === 'EACCES' || e?.code === 'EPERM') return 'permission denied';
  if (e?.code === 'EISDIR') return 'is a folder';
  if (e?.code) return `${e.code}: ${e.message.replace(/^[A-Z]+: /, '').replace(/,.*$/, '')}`;
  return err instanceof Error ? err.message : String(err);
}
