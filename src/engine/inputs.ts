import { parse as parseYaml } from 'yaml';
import type { ChainModel, InputSpec } from '../chain/index.js';

/** Fills in declared defaults; values given win. */
export function applyInputDefaults(chain: ChainModel, given: Readonly<Record<string, unknown>>): Record<string, unknown> {
  const values: Record<string, unknown> = {};
  for (const input of chain.inputs) {
    const value = given[input.name] ?? input.default;
    if (value !== undefined) values[input.name] = value;
  }
  return values;
}

/** `--input name=value`: the value is read as a YAML scalar, so `3` is a number and `true` a boolean (SPEC 4). */
export function parseInputFlag(flag: string): { name: string; value: unknown } | string {
  const eq = flag.indexOf('=');
  if (eq <= 0) return `--input ${JSON.stringify(flag)} is not name=value`;
  const name = flag.slice(0, eq);
  const raw = flag.slice(eq + 1);
  let value: unknown;
  try {
    value = raw === '' ? '' : parseYaml(raw);
  } catch {
    value = raw;
  }
  if (value !== null && typeof value === 'object') value = raw;
  return { name, value };
}

/**
 * Checks given inputs against one chain: types (a string input accepts any scalar as text) and
 * required inputs. Returns the typed values, or problems a person can act on.
 */
export function checkInputs(chain: ChainModel, given: Readonly<Record<string, unknown>>): { values: Record<string, unknown>; problems: string[] } {
  const values: Record<string, unknown> = {};
  const problems: string[] = [];
  for (const input of chain.inputs) {
    if (!(input.name in given)) {
      if (input.required && input.default === undefined) problems.push(`${chain.file}: chain \`${chain.chainId}\` needs the input \`${input.name}\`${input.description ? ` (${input.description})` : ''}: pass --input ${input.name}=…`);
      continue;
    }
    const coerced = coerce(input, given[input.name]);
    if (coerced.ok) values[input.name] = coerced.value;
    else problems.push(`--input ${input.name}: expected ${coerced.expected}, got ${JSON.stringify(given[input.name])} (chain \`${chain.chainId}\`)`);
  }
  return { values, problems };
}

type Coerced = { ok: true; value: unknown } | { ok: false; expected: string };

function coerce(input: InputSpec, value: unknown): Coerced {
  switch (input.type) {
    case 'string':
      return { ok: true, value: value === null ? '' : String(value) };
    case 'number':
      return typeof value === 'number' && Number.isFinite(value) ? { ok: true, value } : { ok: false, expected: 'a number' };
    case 'integer':
      return typeof value === 'number' && Number.isInteger(value) ? { ok: true, value } : { ok: false, expected: 'a whole number' };
    case 'boolean':
      return typeof value === 'boolean' ? { ok: true, value } : { ok: false, expected: 'true or false' };
  }
}
