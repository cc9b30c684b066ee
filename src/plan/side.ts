import { resolve } from 'node:path';
import { MAX_FILE_BYTES, parseChainText, readRegularFile, type ChainSource, type ParsedFile } from '../chain/index.js';
import { deepEqual, isPlainObject, type PlainObject } from './values.js';

/** One side of the comparison (the base commit or the working tree) for one file. */
export interface Side {
  /** Path from the repository root, with `/`. */
  repoPath: string;
  /** As cxchain names files: relative to the working directory. */
  file: string;
  bytes: Buffer;
  /** The document, when it parses as YAML into a mapping. */
  data?: PlainObject;
  source?: ChainSource;
  chainId: string | null;
}

export function sideOf(file: string, repoPath: string, bytes: Buffer, parsed: ParsedFile | undefined): Side {
  const data = isPlainObject(parsed?.data) ? parsed.data : undefined;
  const side: Side = { repoPath, file, bytes, chainId: typeof data?.chain_id === 'string' ? data.chain_id : null };
  if (data) side.data = data;
  if (parsed?.source) side.source = parsed.source;
  return side;
}

/**
 * The working tree's side of `file`, reusing the text the loader parsed. Undefined when there is
 * no regular file there now, or it cannot be read.
 */
export function headSide(
  cwd: string,
  file: string,
  repoPath: string,
  parsed: ParsedFile | undefined,
): Side | undefined {
  const text = parsed?.source?.text;
  if (text !== undefined) return sideOf(file, repoPath, Buffer.from(text, 'utf8'), parsed);
  // Not text the loader could parse (too large, not UTF-8): compared as bytes.
  const read = readRegularFile(resolve(cwd, file), file);
  return 'bytes' in read ? sideOf(file, repoPath, read.bytes, parsed) : undefined;
}

/** The base's side of a file from its blob; files over the limit are not parsed (SPEC 3.1), only compared as bytes. */
export function blobSide(file: string, repoPath: string, bytes: Buffer): Side {
  return sideOf(
    file,
    repoPath,
    bytes,
    bytes.length > MAX_FILE_BYTES ? undefined : parseChainText(file, bytes.toString('utf8')),
  );
}

/** Comments and layout are not changes of a chain: two sides are the same when their YAML means the same. */
export function isSameChain(before: Side, after: Side): boolean {
  return before.bytes.equals(after.bytes) || (!!before.data && !!after.data && deepEqual(before.data, after.data));
}
