/**
 * `value` with `map` applied to every string in it, keys included. When `map` changes nothing,
 * that is `value` itself: nearly every event of a run has no secret and no control character in
 * it, and copying each twice (redaction, then neutralisation) was a tenth of a step's cost
 * (issue 14). Callers treat events and results as immutable, so sharing one is safe. Otherwise it
 * is a copy: arrays stay arrays; any other object becomes a plain object of its own enumerable
 * properties. Shared references (and cycles) are copied once, so the copy has the shape of the
 * original.
 *
 * An explicit stack, not recursion: a server's answer may nest as deep as it likes, and a stack
 * overflow while printing it would take the whole run down (SPEC 5: no answer can stop the process).
 */
export function mapStrings<T>(value: T, map: (text: string) => string): T {
  return changesAnything(value, map) ? copyMapped(value, map) : value;
}

/**
 * Whether `map` changes a string or key in `value`, or `value` holds an object a copy would not
 * keep as it is (a class instance becomes a plain object): a walk that allocates nothing per node.
 */
export function changesAnything(value: unknown, map: (text: string) => string): boolean {
  const seen = new Set<object>();
  const pending: unknown[] = [value];
  while (pending.length > 0) {
    const item = pending.pop();
    if (typeof item === 'string') {
      if (map(item) !== item) return true;
      continue;
    }
    if (item === null || typeof item !== 'object' || seen.has(item)) continue;
    seen.add(item);
    if (Array.isArray(item)) {
      for (let i = 0; i < item.length; i++) pending.push(item[i]);
      continue;
    }
    const proto = Object.getPrototypeOf(item) as unknown;
    if (proto !== Object.prototype && proto !== null) return true;
    const record = item as Record<string, unknown>;
    for (const key of Object.keys(record)) {
      if (map(key) !== key) return true;
      pending.push(record[key]);
    }
  }
  return false;
}

function copyMapped<T>(value: T, map: (text: string) => string): T {
  const copies = new Map<object, unknown>();
  const pending: [source: object, target: unknown[] | Record<string, unknown>][] = [];
  const copyOf = (item: unknown): unknown => {
    if (typeof item === 'string') return map(item);
    if (item === null || typeof item !== 'object') return item;
    const known = copies.get(item);
    if (known !== undefined) return known;
    const target: unknown[] | Record<string, unknown> = Array.isArray(item) ? new Array<unknown>(item.length) : {};
    copies.set(item, target);
    pending.push([item, target]);
    return target;
  };
  const root = copyOf(value);
  for (let next = pending.pop(); next !== undefined; next = pending.pop()) {
    const [source, target] = next;
    if (Array.isArray(target)) {
      const items = source as unknown[];
      for (let i = 0; i < items.length; i++) target[i] = copyOf(items[i]);
      continue;
    }
    for (const [key, item] of Object.entries(source)) {
      const name = map(key);
      // A plain assignment of `__proto__` would set the prototype instead (JSON.parse makes it an own key).
      if (name === '__proto__')
        Object.defineProperty(target, name, {
          value: copyOf(item),
          enumerable: true,
          writable: true,
          configurable: true,
        });
      else target[name] = copyOf(item);
    }
  }
  return root as T;
}
