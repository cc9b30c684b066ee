export { runChain, type RunChainOptions } from './run-chain.js';
export { ChainRunError, runChains, type RunChainsOptions } from './run-chains.js';
export { resolveTemplate, resolveReference, UnresolvedReference, type ResolveContext } from './resolve.js';
export {
  checkVariables,
  describeMissingVariable,
  readVariable,
  variableOf,
  SECRET_ENV_PREFIX,
  VAR_ENV_PREFIX,
  type MissingVariable,
  type UsedSecret,
  type VariableCheck,
} from './environment.js';
export { applyInputDefaults, checkInputs, createInputRecord, parseInputFlag } from './inputs.js';
export type * from './events.js';
export type * from './result.js';
export { NOT_RUN_BECAUSE, notRunResult, refOf, callOfRef } from './result.js';
export { FAILURE_ORIGIN, failureOrigin, type FailureOrigin } from './failure-origin.js';
