import type { ChainModel } from '../chain/index.js';
import {
  checkInputs,
  checkVariables,
  createInputRecord,
  describeMissingVariable,
  parseInputFlag,
  type UsedSecret,
} from '../engine/index.js';
import { neutralize } from '../report/neutralize.js';
import { UsageError } from './exit-codes.js';

/**
 * `--input name=value` flags, parsed once, into a record without a prototype: on a plain object
 * `--input __proto__=1` would vanish and `constructor` would already be "given".
 */
export function parseInputFlags(flags: readonly string[]): Record<string, unknown> {
  const given = createInputRecord();
  for (const flag of flags) {
    const parsed = parseInputFlag(flag);
    if (typeof parsed === 'string') throw new UsageError(parsed);
    given[parsed.name] = parsed.value;
  }
  return given;
}

/**
 * Checks the inputs against the selected chains before anything runs (SPEC 4): a name no chain
 * declares, a required input without a value or a value of the wrong type is a usage error.
 */
export function inputsForChains(
  chains: readonly ChainModel[],
  given: Readonly<Record<string, unknown>>,
): Map<ChainModel, Record<string, unknown>> {
  const declared = new Set(chains.flatMap((c) => c.inputs.map((i) => i.name)));
  const unknown = Object.keys(given).filter((name) => !declared.has(name));
  if (unknown.length)
    throw new UsageError(
      `--input ${unknown.join(', ')}: no selected chain declares ${unknown.length === 1 ? 'this input' : 'these inputs'}${declared.size ? ` (declared: ${[...declared].join(', ')})` : ''}`,
    );
  const byChain = new Map<ChainModel, Record<string, unknown>>();
  const problems: string[] = [];
  for (const chain of chains) {
    const checked = checkInputs(chain, given);
    problems.push(...checked.problems);
    byChain.set(chain, checked.values);
  }
  // Each problem names a chain file, whose name may hold a newline: one line per problem, whatever the name.
  if (problems.length) throw new UsageError(problems.map(neutralize).join('\n'));
  return byChain;
}

/**
 * Checks the `vars.*` and `secrets.*` the selected chains use before anything runs (SPEC 3.2):
 * every one that is not set is named in one usage error. Returns the secrets that are set, so
 * they are redacted from the first byte out.
 */
export function variablesForChains(chains: readonly ChainModel[], env: NodeJS.ProcessEnv): UsedSecret[] {
  const { missing, secrets } = checkVariables(chains, env);
  // As above: a file name with a newline in it must not start a line of its own (`::error::…`).
  if (missing.length) throw new UsageError(missing.map((m) => neutralize(describeMissingVariable(m))).join('\n'));
  return secrets;
}
