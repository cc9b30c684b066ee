/** What {@link readOwnPath} found. */
export type OwnPathRead =
  | { found: true; value: unknown }
  /** `missing` is the index in `path` of the first segment that is not there. */
  | { found: false; missing: number };

/**
 * Follows `path` into JSON-like data by own properties only, so `constructor`, `__proto__` or
 * `toString` are ordinary names: present only when the data has such a key, never Object's
 * (a server's answer and a chain's inputs are data, not objects with a prototype to reach).
 * Iterative: the data may nest deeper than the stack.
 */
export function readOwnPath(value: unknown, path: readonly (string | number)[]): OwnPathRead {
  let current = value;
  for (const [i, segment] of path.entries()) {
    const present =
      current !== null &&
      typeof current === 'object' &&
      (Array.isArray(current) ? typeof segment === 'number' : true) &&
      Object.hasOwn(current, segment);
    if (!present) return { found: false, missing: i };
    current = (current as Record<string | number, unknown>)[segment];
  }
  return { found: true, value: current };
}
