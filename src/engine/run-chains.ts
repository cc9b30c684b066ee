import type { ChainModel } from '../chain/index.js';
import type { ChainResult } from './result.js';
import { runChain, type RunChainOptions } from './run-chain.js';

export interface RunChainsOptions extends Omit<RunChainOptions, 'inputs' | 'runId'> {
  /** Chains at once. Default 4. */
  concurrency?: number;
  /** Inputs for each chain, by index; default none. */
  inputsFor?: (chain: ChainModel, index: number) => Readonly<Record<string, unknown>>;
  /** Called as each chain finishes, in completion order. */
  onResult?: (result: ChainResult, index: number) => void;
}

/** Runs many chains with bounded concurrency; results come back in the order of `chains`. */
export async function runChains(chains: readonly ChainModel[], options: RunChainsOptions): Promise<ChainResult[]> {
  const results: ChainResult[] = new Array(chains.length);
  const limit = Math.max(1, Math.min(options.concurrency ?? 4, chains.length || 1));
  let next = 0;
  const worker = async () => {
    while (next < chains.length) {
      const index = next++;
      const chain = chains[index] as ChainModel;
      const result = await runChain(chain, { ...options, inputs: options.inputsFor?.(chain, index) ?? {} });
      results[index] = result;
      options.onResult?.(result, index);
    }
  };
  await Promise.all(Array.from({ length: limit }, worker));
  return results;
}
