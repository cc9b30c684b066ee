import type { Environment } from '../host.js';
import {
  isVariableRoot,
  referencesOf,
  templatesOf,
  chainsOf,
  conditionReferences,
  VARIABLE_PREFIXES,
  type ChainModel,
  type VariableRoot,
} from '../chain/index.js';

/** `secrets.NAME` is read from `CXCHAIN_SECRET_NAME` (SPEC 3.2). */
export const SECRET_ENV_PREFIX = VARIABLE_PREFIXES.secrets;
/** `vars.NAME` is read from `CXCHAIN_VAR_NAME` (SPEC 3.2). */
export const VAR_ENV_PREFIX = VARIABLE_PREFIXES.vars;

/** The environment variable behind `vars.NAME` or `secrets.NAME`. */
export function variableOf(root: VariableRoot, name: string): string {
  return `${VARIABLE_PREFIXES[root]}${name}`;
}

/**
 * The value of `vars.NAME` or `secrets.NAME`, or undefined when it is not set. Only the
 * environment's own properties count, so `vars.constructor` is an unset name like any other. An
 * empty value counts as not set: GitHub Actions passes a secret or variable the repository does
 * not have as an empty string, and that must stop the run rather than send `""`.
 */
export function readVariable(env: Environment, root: VariableRoot, name: string): string | undefined {
  const variable = variableOf(root, name);
  if (!Object.hasOwn(env, variable)) return undefined;
  const value = env[variable];
  return typeof value === 'string' && value !== '' ? value : undefined;
}

/** A `vars.*` or `secrets.*` that selected chains use and the environment does not set. */
export interface MissingVariable {
  root: VariableRoot;
  name: string;
  /** The environment variable to set, e.g. `CXCHAIN_SECRET_API_KEY`. */
  variable: string;
  /** Set, but to the empty string (which counts as not set). */
  empty: boolean;
  /** The chain ids that use it, in the order of the chains given, each once. */
  chains: string[];
  /** The files of those chains, in the same order. */
  files: string[];
}

/** A `secrets.*` value that selected chains use: to redact before anything is printed. */
export interface UsedSecret {
  name: string;
  /** The environment variable it came from, e.g. `CXCHAIN_SECRET_API_KEY`, for warnings. */
  variable: string;
  value: string;
}

export interface VariableCheck {
  /** In order of first use; empty when every chain can run. */
  missing: MissingVariable[];
  /** Each secret used and set, once, in order of first use. */
  secrets: UsedSecret[];
}

/**
 * Checks the `vars.*` and `secrets.*` that `chains` read against `env`, before anything runs
 * (SPEC 3.2: like a required input). Reads the compiled templates of the model, so it sees
 * exactly the references the runner resolves.
 */
export function checkVariables(chains: readonly ChainModel[], env: Environment): VariableCheck {
  const missing = new Map<string, MissingVariable>();
  const secrets = new Map<string, UsedSecret>();
  // A child's variables are needed by the run of every chain that uses it (SPEC 3.3).
  for (const chain of new Set(chains.flatMap(chainsOf))) {
    const conditions = chain.steps.flatMap(conditionReferences);
    for (const ref of [...templatesOf(chain).flatMap(referencesOf), ...conditions]) {
      if (!isVariableRoot(ref.root)) continue;
      const name = String(ref.path[0]);
      const variable = variableOf(ref.root, name);
      const value = readVariable(env, ref.root, name);
      if (value !== undefined) {
        if (ref.root === 'secrets' && !secrets.has(variable)) secrets.set(variable, { name, variable, value });
        continue;
      }
      const entry = missing.get(variable) ?? {
        root: ref.root,
        name,
        variable,
        empty: Object.hasOwn(env, variable) && env[variable] === '',
        chains: [],
        files: [],
      };
      missing.set(variable, entry);
      if (!entry.files.includes(chain.file)) {
        entry.chains.push(chain.chainId);
        entry.files.push(chain.file);
      }
    }
  }
  return { missing: [...missing.values()], secrets: [...secrets.values()] };
}

/** `CXCHAIN_SECRET_API_KEY is not set (used by secrets.API_KEY in chains/a.yaml)`. */
export function describeMissingVariable(missing: MissingVariable): string {
  const state = missing.empty ? 'is empty, which counts as not set' : 'is not set';
  return `${missing.variable} ${state} (used by ${missing.root}.${missing.name} in ${missing.files.join(', ')})`;
}
