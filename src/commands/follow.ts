/**
 * A stand-in object that forwards every property and method to whatever a function returns
 * at the time of the call (a generic Proxy). `serve` gives these to the parts that hold the
 * index's store, reader or file, so the index can be started afresh under them (damage
 * found by a run, see OpenIndex.startAfresh).
 */

export function follow<T extends object>(current: () => T): T {
  return new Proxy({} as T, {
    get(_stub, key) {
      const target = current();
      const value: unknown = Reflect.get(target, key, target);
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
    },
  });
}
