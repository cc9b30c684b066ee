import { parse as parseYaml } from 'yaml';
import type { ChainModel, InputSpec } from '../chain/index.js';

/**
 * A record of values by input name with no prototype: an input may be called `constructor`,
 * `toString` or `__proto__`, and must read and store like any other name.
 */
export function createInputRecord(): Record<string, unknown> {
  return Object.create(null) as Record<string, unknown>;
}

/** The value given for `name`, from the record's own properties only (never `Object.prototype`). */
export function givenInput(given: Readonly<Record<string, unknown>>, name: string): unknown {
  return Object.hasOwn(given, name) ? given[name] : undefined;
}

/** Fills in declared defaults; values given win. */
export function applyInputDefaults(
  chain: ChainModel,
  given: Readonly<Record<string, unknown>>,
): Record<string, unknown> {
  const values = createInputRecord();
  for (const input of chain.inputs) {
    const value = givenInput(given, input.name) ?? input.default;
    if (value !== undefined) values[input.name] = value;
  }
  return values;
}

/**
 * `--input name=value`. The value stays the text as typed: a `string` input takes it as is (a
 * phone number `+15550100` or an id `00123` must not become a number on the way), and the other
 * types read it as a YAML scalar (SPEC 4: `3` is a number, `true` a boolean).
 */
export function parseInputFlag(flag: string): { name: string; value: string } | string {
  const eq = flag.indexOf('=');
  if (eq <= 0) return `--input ${JSON.stringify(flag)} is not name=value`;
  return { name: flag.slice(0, eq), value: flag.slice(eq + 1) };
}

/** A typed value from text given on the command line, read as a YAML scalar. */
function scalarOf(text: string): unknown {
  try {
    const value: unknown = text === '' ? '' : parseYaml(text);
    return value !== null && typeof value === 'object' ? text : value;
  } catch {
    return text;
  }
}

/**
 * Checks given inputs against one chain: types (a string input accepts any scalar as text) and
 * required inputs. Returns the typed values, or problems a person can act on.
 */
export function checkInputs(
  chain: ChainModel,
  given: Readonly<Record<string, unknown>>,
): { values: Record<string, unknown>; problems: string[] } {
  const values = createInputRecord();
  const problems: string[] = [];
  for (const input of chain.inputs) {
    if (!Object.hasOwn(given, input.name)) {
      if (input.required && input.default === undefined)
        problems.push(
          `${chain.file}: chain \`${chain.chainId}\` needs the input \`${input.name}\`${input.description ? ` (${input.description})` : ''}: pass --input ${input.name}=…`,
        );
      continue;
    }
    const value = givenInput(given, input.name);
    const coerced = coerce(input, value);
    if (coerced.ok) values[input.name] = coerced.value;
    else
      problems.push(
        `--input ${input.name}: expected ${coerced.expected}, got ${JSON.stringify(value)} (chain \`${chain.chainId}\`)`,
      );
  }
  return { values, problems };
}

type Coerced = { ok: true; value: unknown } | { ok: false; expected: string };

function coerce(input: InputSpec, given: unknown): Coerced {
  if (input.type === 'string') return { ok: true, value: given === null || given === undefined ? '' : String(given) };
  const value = typeof given === 'string' ? scalarOf(given) : given;
  switch (input.type) {
    case 'number':
      return typeof value === 'number' && Number.isFinite(value)
        ? { ok: true, value }
        : { ok: false, expected: 'a number' };
    case 'integer':
      return typeof value === 'number' && Number.isSafeInteger(value)
        ? { ok: true, value }
        : { ok: false, expected: 'a whole number' };
    case 'boolean':
      return typeof value === 'boolean' ? { ok: true, value } : { ok: false, expected: 'true or false' };
  }
}
