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
  /**
   * Keep every result for the returned array. Default true; with false, results only go to
   * `onResult` and the array is empty, so a run of thousands of chains does not hold them all.
   */
  retain?: boolean;
}

/** Runs many chains with bounded concurrency; results come back in the order of `chains`. */
export async function runChains(chains: readonly ChainModel[], options: RunChainsOptions): Promise<ChainResult[]> {
  const retain = options.retain ?? true;
  const results: ChainResult[] = retain ? new Array(chains.length) : [];
  const limit = Math.max(1, Math.min(options.concurrency ?? 4, chains.length || 1));
  let next = 0;
  const worker = async () => {
    while (next < chains.length) {
      const index = next++;
      const chain = chains[index] as ChainModel;
      const result = await runChain(chain, { ...options, inputs: options.inputsFor?.(chain, index) ?? {} });
      if (retain) results[index] = result;
      options.onResult?.(result, index);
    }
  };
  await Promise.all(Array.from({ length: limit }, worker));
  return results;
}
