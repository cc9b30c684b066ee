export { runChain, type RunChainOptions } from './run-chain.js';
export { ChainRunError, runChains, type RunChainsOptions } from './run-chains.js';
export {
  resolveTemplate,
  resolveReference,
  UnresolvedReference,
  SECRET_ENV_PREFIX,
  type ResolveContext,
} from './resolve.js';
export { applyInputDefaults, checkInputs, parseInputFlag } from './inputs.js';
export type * from './events.js';
export type * from './result.js';
