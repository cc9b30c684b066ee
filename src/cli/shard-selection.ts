/** The chain files a command works on: `paths` as given, or one shard of them (`--shard I/N`). */
import {
  compareDiagnostics,
  discoverChainFiles,
  loadChains,
  validateFiles,
  type Diagnostic,
  type DiscoverOptions,
  type LoadResult,
  type ValidateResult,
} from '../chain/index.js';
import { inShard, type Shard } from './shard.js';

export interface ShardSelection {
  /** The chain files of the shard, in discovery order. */
  files: string[];
  /** Problems with the paths themselves (not found, no chain files), whatever the shard. */
  diagnostics: Diagnostic[];
}

/** Discovers the chain files under `paths` and keeps those of `shard`. */
export async function selectShardFiles(
  paths: readonly string[],
  shard: Shard,
  discover: DiscoverOptions,
): Promise<ShardSelection> {
  const discovered = await discoverChainFiles(paths, discover);
  return { files: discovered.files.filter((file) => inShard(file, shard)), diagnostics: discovered.diagnostics };
}

/**
 * Runs `load` on the shard's files, or on `paths` as given when there is no shard. An empty shard
 * is `empty()`, not the default `chains/`: a matrix job with nothing to do succeeds quietly.
 */
export async function loadShard<R extends { diagnostics: Diagnostic[] }>(
  paths: readonly string[],
  shard: Shard | undefined,
  discover: DiscoverOptions,
  load: (paths: readonly string[]) => Promise<R>,
  empty: () => R,
): Promise<R> {
  if (!shard) return load(paths);
  const selection = await selectShardFiles(paths, shard, discover);
  const result = selection.files.length > 0 ? await load(selection.files) : empty();
  return { ...result, diagnostics: [...selection.diagnostics, ...result.diagnostics].sort(compareDiagnostics) };
}

/** `validateFiles` (validate, list) over the shard's files, or over `paths` when there is no shard. */
export function validateShard(
  paths: readonly string[],
  shard: Shard | undefined,
  discover: DiscoverOptions,
): Promise<ValidateResult> {
  return loadShard(
    paths,
    shard,
    discover,
    (files) => validateFiles(files, discover),
    () => ({ files: [], chains: [], diagnostics: [], warnings: [] }),
  );
}

/** `loadChains` (run) over the shard's files, or over `paths` when there is no shard. */
export function loadChainsShard(
  paths: readonly string[],
  shard: Shard | undefined,
  discover: DiscoverOptions,
): Promise<LoadResult> {
  return loadShard(
    paths,
    shard,
    discover,
    (files) => loadChains(files, { ...discover, keepSource: false }),
    () => ({ files: [], chains: [], diagnostics: [], warnings: [] }),
  );
}
