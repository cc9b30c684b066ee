import { randomUUID } from 'node:crypto';
import { setMaxListeners } from 'node:events';
import type { ChainModel } from '../chain/index.js';
import type { ChainResult } from './result.js';
import { runChain, type RunChainOptions } from './run-chain.js';

export interface RunChainsOptions extends Omit<RunChainOptions, 'inputs'> {
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

/**
 * A bug met while running one chain. Raised by `runChains` only after every other chain has
 * stopped, so nothing goes on sending requests after it (issue 11).
 */
export class ChainRunError extends Error {
  override name = 'ChainRunError';
  constructor(
    readonly chain: ChainModel,
    cause: unknown,
  ) {
    super(
      `running ${chain.chainId} (${chain.file}) failed: ${cause instanceof Error ? cause.message : String(cause)}`,
      {
        cause,
      },
    );
  }
}

/**
 * Runs many chains with bounded concurrency under one run id; results come back in the order of
 * `chains`. When one chain throws, no new chain starts, the others are cancelled and reported,
 * and then the first error is thrown as a `ChainRunError`.
 */
export async function runChains(chains: readonly ChainModel[], options: RunChainsOptions): Promise<ChainResult[]> {
  const retain = options.retain ?? true;
  const results: ChainResult[] = retain ? new Array(chains.length) : [];
  const limit = Math.max(1, Math.min(options.concurrency ?? 4, chains.length || 1));
  const runId = options.runId ?? randomUUID();
  const stop = new AbortController();
  const signal = options.signal ? AbortSignal.any([options.signal, stop.signal]) : stop.signal;
  // Every running chain listens on the run's signal (its request, its wait, its sleep): that is
  // the design, not a leak, so Node's warning past 10 listeners must not reach stderr.
  setMaxListeners(Math.max(10, limit * 4), signal);
  let failure: ChainRunError | undefined;
  let next = 0;
  const worker = async () => {
    while (next < chains.length && failure === undefined) {
      const index = next++;
      const chain = chains[index] as ChainModel;
      let result: ChainResult;
      try {
        // A rate limit paces chains before they start, so waiting for it never eats a chain's own
        // deadline (SPEC 4). Cancelled meanwhile, the chain still runs and reports `cancelled`.
        const admission = await options.client.admit?.(signal);
        try {
          result = await runChain(chain, {
            ...options,
            runId,
            signal,
            admission,
            inputs: options.inputsFor?.(chain, index) ?? {},
          });
        } finally {
          // A chain that ended without sending gives its slot back.
          admission?.release();
        }
      } catch (error) {
        failure ??= new ChainRunError(chain, error);
        stop.abort();
        return;
      }
      if (retain) results[index] = result;
      options.onResult?.(result, index);
    }
  };
  await Promise.all(Array.from({ length: limit }, worker));
  if (failure) throw failure;
  return results;
}
