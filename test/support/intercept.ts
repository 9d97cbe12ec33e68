/**
 * `target` with one method replaced, for fault injection and counting around a real store: the
 * replacement gets the original (bound to `target`); every other method still runs on `target`.
 */
export function withMethod<T extends object, K extends keyof T>(target: T, name: K, replacement: (original: T[K]) => T[K]): T {
  const original = (target[name] as (...args: unknown[]) => unknown).bind(target) as T[K];
  const replaced = replacement(original);
  return new Proxy(target, {
    get(object, property, receiver) {
      if (property === name) return replaced;
      const value = Reflect.get(object, property, receiver);
      return typeof value === 'function' ? value.bind(object) : value;
    },
  });
}
