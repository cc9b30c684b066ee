import { posix } from 'node:path';
import { UsageError } from './exit-codes.js';

/** Shard `index` of `total`, 1-based as `--shard I/N` is written (SPEC 8). */
export interface Shard {
  index: number;
  total: number;
}

/** Parses `--shard I/N`; anything else is a usage error (exit 2). */
export function parseShard(value: string): Shard {
  const match = /^\s*(\d+)\s*\/\s*(\d+)\s*$/.exec(value);
  const index = Number(match?.[1]);
  const total = Number(match?.[2]);
  if (
    !match ||
    !Number.isSafeInteger(index) ||
    !Number.isSafeInteger(total) ||
    total < 1 ||
    index < 1 ||
    index > total
  ) {
    throw new UsageError(
      `--shard ${JSON.stringify(value)}: expected I/N with 1 ≤ I ≤ N, e.g. --shard 2/4 for the second of four shards`,
    );
  }
  return { index, total };
}

export function formatShard(shard: Shard): string {
  return `${shard.index}/${shard.total}`;
}

/**
 * The form of a path that is hashed: forward slashes, no `./`, Unicode NFC, so Windows and macOS
 * checkouts and `chains/x.yaml` vs `./chains/x.yaml` agree on a file's shard.
 */
export function normaliseShardPath(path: string): string {
  const slashed = posix.normalize(path.normalize('NFC').replace(/\\/g, '/'));
  return slashed.startsWith('./') ? slashed.slice(2) : slashed;
}

/**
 * The 1-based shard of a path: 32-bit FNV-1a of its UTF-8 bytes, mod N. A hash rather than a
 * position in the sorted list, so a file keeps its shard when other files come and go, and every
 * matrix job can decide alone, from nothing but the path and N.
 */
export function shardOf(path: string, total: number): number {
  let hash = 0x811c9dc5;
  for (const byte of Buffer.from(normaliseShardPath(path), 'utf8')) {
    hash ^= byte;
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return (hash % total) + 1;
}

export function inShard(path: string, shard: Shard): boolean {
  return shardOf(path, shard.total) === shard.index;
}
