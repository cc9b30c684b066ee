/** Structural comparison of parsed YAML values (plain JSON-like data). */

export type PlainObject = Record<string, unknown>;

export function isPlainObject(value: unknown): value is PlainObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function deepEqual(a: unknown, b: unknown): boolean {
  if (Object.is(a, b)) return true;
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((item, i) => deepEqual(item, b[i]));
  if (isPlainObject(a) && isPlainObject(b)) {
    const keys = Object.keys(a);
    return (
      keys.length === Object.keys(b).length && keys.every((key) => Object.hasOwn(b, key) && deepEqual(a[key], b[key]))
    );
  }
  return false;
}

/** One leaf that differs; `before`/`after` are absent for a key that was added or removed. */
export interface ValueChange {
  path: string;
  before?: unknown;
  after?: unknown;
}

/**
 * The leaves where two values differ, each with a path such as `payload.fields[2]`. Mappings are
 * compared key by key; lists of the same length item by item; a list that grew or shrank is one
 * change of the whole list, which reads better than a cascade of shifted items.
 */
export function diffValues(before: unknown, after: unknown, path = ''): ValueChange[] {
  if (deepEqual(before, after)) return [];
  if (isPlainObject(before) && isPlainObject(after)) {
    const keys = [...Object.keys(after), ...Object.keys(before).filter((key) => !Object.hasOwn(after, key))];
    return keys.flatMap((key) => {
      const sub = joinPath(path, key);
      if (!Object.hasOwn(before, key)) return [{ path: sub, after: after[key] }];
      if (!Object.hasOwn(after, key)) return [{ path: sub, before: before[key] }];
      return diffValues(before[key], after[key], sub);
    });
  }
  if (Array.isArray(before) && Array.isArray(after) && before.length === after.length) {
    return before.flatMap((item, i) => diffValues(item, after[i], `${path}[${i}]`));
  }
  return [{ path, before, after }];
}

function joinPath(path: string, key: string): string {
  const segment = /^[A-Za-z_][A-Za-z0-9_-]*$/.test(key) ? key : JSON.stringify(key);
  return path ? `${path}.${segment}` : segment;
}
