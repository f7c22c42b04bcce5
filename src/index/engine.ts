/**
 * Which engine keeps the index: native (better-sqlite3) unless wasm is asked for, or
 * better-sqlite3 cannot load here, in which case wasm, said on the log. Asking for native
 * where it cannot load is a StartError.
 */
import { StartError } from '../core/errors.js';
import type { EngineName } from '../core/seam.js';
import { loadNative } from './native-database.js';

/** better-sqlite3, loaded. */
export type NativeModule = Extract<ReturnType<typeof loadNative>, { ok: true }>;

/** The engine chosen, with its module when it is the native one. */
export type Engine = { name: 'native'; module: NativeModule } | { name: 'wasm' };

/** `native` unless asked otherwise; asked for `native` where it cannot load: exit 1. */
export function chooseEngine(asked: EngineName | null, log: (line: string) => void): Engine {
  if (asked === 'wasm') return { name: 'wasm' };
  const native = loadNative();
  if (native.ok) return { name: 'native', module: native };
  if (asked === 'native') throw new StartError(`the native engine cannot load here (better-sqlite3: ${native.why}); use --engine wasm`);
  log(`inkdex: the native engine is not available here (better-sqlite3: ${native.why}); using the wasm engine`);
  return { name: 'wasm' };
}

/** Exactly the engine named, never another (tests and benchmarks). */
export function namedEngine(name: EngineName): Engine {
  if (name === 'wasm') return { name: 'wasm' };
  const native = loadNative();
  if (!native.ok) throw new StartError(`the native engine cannot load here (better-sqlite3: ${native.why})`);
  return { name: 'native', module: native };
}
