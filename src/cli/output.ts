import { OutputError } from '../report/output-file.js';

/** A standard stream as commands write to it: a closed reader is not an error, a full disk is. */
export interface Output {
  /** Writes unless the reader has gone; throws the `OutputError` of an earlier failed write. */
  write(text: string): void;
  readonly isTTY: boolean;
  /** The stream itself, for libraries that draw on it (listr2, commander). */
  readonly stream: NodeJS.WriteStream | NodeJS.WritableStream;
  /** Resolves once what was written has been handed on; throws a write error met meanwhile. */
  drain(): Promise<void>;
}

/**
 * SPEC 4: `cxchain run … | head` closes stdout early; the run goes on to the end with stdout
 * discarded. Any other write error (ENOSPC, EIO) is an output failure, exit 74.
 */
export function guardOutput(stream: NodeJS.WriteStream | NodeJS.WritableStream, name: string): Output {
  let closed = false;
  let failure: OutputError | undefined;
  stream.on('error', (error: NodeJS.ErrnoException) => {
    closed = true;
    if (error.code !== 'EPIPE' && error.code !== 'ERR_STREAM_DESTROYED') failure ??= new OutputError(name, error);
  });
  const check = () => {
    if (failure) throw failure;
  };
  return {
    write(text) {
      check();
      if (!closed) stream.write(text);
    },
    isTTY: (stream as { isTTY?: boolean }).isTTY === true,
    stream,
    async drain() {
      if (!closed) await new Promise<void>((resolve) => stream.write('', () => resolve()));
      // An error is emitted after the write's callback: one more turn lets it arrive.
      await new Promise((resolve) => setImmediate(resolve));
      check();
    },
  };
}
