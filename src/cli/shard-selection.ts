/** The chain files a command works on: `paths` as given, or one shard of them (`--shard I/N`). */
import {
  compareDiagnostics,
  createChainLoader,
  discoverChainFiles,
  givenRoots,
  summarizeChain,
  type DiscoverOptions,
  type LoadResult,
  type ValidateResult,
} from '../chain/index.js';
import { inShard, type Shard } from './shard.js';

export interface ShardLoadOptions extends DiscoverOptions {
  /** Keep each chain's parsed YAML. Default false: a run needs only the positions in the model. */
  keepSource?: boolean;
}

/**
 * Discovers the chain files under `paths` once, keeps those of `shard` (all of them without one),
 * and loads them with every chain they use, wherever it lives (SPEC 3.3: a shard loads children
 * from anywhere). An empty shard loads nothing, not the default `chains/`: a matrix job with
 * nothing to do succeeds quietly.
 */
export async function loadChainsShard(
  paths: readonly string[],
  shard: Shard | undefined,
  options: ShardLoadOptions,
): Promise<LoadResult> {
  const cwd = options.cwd ?? process.cwd();
  const discovered = await discoverChainFiles(paths, options);
  const files = shard ? discovered.files.filter((file) => inShard(file, shard)) : discovered.files;
  const loader = createChainLoader({ cwd, roots: givenRoots(paths, cwd), keepSource: options.keepSource ?? false });
  const loaded = files.length > 0 ? loader.load(files) : { files: [], chains: [], diagnostics: [], warnings: [] };
  return { ...loaded, diagnostics: [...discovered.diagnostics, ...loaded.diagnostics].sort(compareDiagnostics) };
}

/** `loadChainsShard` for validate and list: summaries only. */
export async function validateShard(
  paths: readonly string[],
  shard: Shard | undefined,
  discover: DiscoverOptions,
): Promise<ValidateResult> {
  const loaded = await loadChainsShard(paths, shard, discover);
  return { ...loaded, chains: loaded.chains.map(summarizeChain) };
}
