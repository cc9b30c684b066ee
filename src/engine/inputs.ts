import { parse as parseYaml } from 'yaml';
import type { ChainModel, InputSpec } from '../chain/index.js';

/** Fills in declared defaults; values given win. */
export function applyInputDefaults(
  chain: ChainModel,
  given: Readonly<Record<string, unknown>>,
): Record<string, unknown> {
  const values: Record<string, unknown> = {};
  for (const input of chain.inputs) {
    const value = given[input.name] ?? input.default;
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
  const values: Record<string, unknown> = {};
  const problems: string[] = [];
  for (const input of chain.inputs) {
    if (!(input.name in given)) {
      if (input.required && input.default === undefined)
        problems.push(
          `${chain.file}: chain \`${chain.chainId}\` needs the input \`${input.name}\`${input.description ? ` (${input.description})` : ''}: pass --input ${input.name}=…`,
        );
      continue;
    }
    const coerced = coerce(input, given[input.name]);
    if (coerced.ok) values[input.name] = coerced.value;
    else
      problems.push(
        `--input ${input.name}: expected ${coerced.expected}, got ${JSON.stringify(given[input.name])} (chain \`${chain.chainId}\`)`,
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
