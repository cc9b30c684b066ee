import { VARIABLE_PREFIXES, type VariableRoot } from '../chain/index.js';

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
export function readVariable(env: NodeJS.ProcessEnv, root: VariableRoot, name: string): string | undefined {
  const variable = variableOf(root, name);
  if (!Object.hasOwn(env, variable)) return undefined;
  const value = env[variable];
  return typeof value === 'string' && value !== '' ? value : undefined;
}
