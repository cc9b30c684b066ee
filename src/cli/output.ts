import { OutputError } from '../report/output-file.js';

/** A standard stream as commands write to it: a closed reader is not an error, a full disk is. */
export interface Output {
  /** Writes unless the reader has gone; throws the `OutputError` of an earlier failed write. */
  write(text: string): void;
  /**
   * A terminal that can be redrawn in place: a TTY whose `TERM` is not `dumb`. Live progress is
   * drawn only there; elsewhere output is lines.
   */
  readonly live: boolean;
  /** The stream itself, for libraries that draw on it (listr2, commander). */
  readonly stream: NodeJS.WriteStream | NodeJS.WritableStream;
  /** Hands on what is held back now (see `guardOutput`'s `gather`). */
  flush(): void;
  /** Resolves once what was written has been handed on; throws a write error met meanwhile. */
  drain(): Promise<void>;
}

/** The one rule for whether a stream is a terminal to draw on (`Output.live`, colour in style.ts). */
export function isLiveTerminal(stream: NodeJS.WritableStream, env: NodeJS.ProcessEnv = process.env): boolean {
  return (stream as { isTTY?: boolean }).isTTY === true && env.TERM !== 'dumb';
}

export interface GuardOptions {
  /**
   * Hold writes back until the event loop turns and hand them on in one: a run writes two lines a
   * step, and a write to a pipe is a system call in the middle of the step (issue 14). Only for a
   * stream that nothing else draws on: listr2 writes to a live terminal directly.
   */
  gather?: boolean;
  /** Called before each write: the other stream hands on what it holds, so lines keep their order. */
  before?: () => void;
}

/**
 * SPEC 4: `cxchain run … | head` closes stdout early; the run goes on to the end with stdout
 * discarded. Any other write error (ENOSPC, EIO) is an output failure, exit 74.
 */
export function guardOutput(
  stream: NodeJS.WriteStream | NodeJS.WritableStream,
  name: string,
  options: GuardOptions = {},
): Output {
  let closed = false;
  let failure: OutputError | undefined;
  let held = '';
  let flushing: NodeJS.Immediate | undefined;
  const flush = () => {
    if (flushing) clearImmediate(flushing);
    flushing = undefined;
    const text = held;
    held = '';
    if (text !== '' && !closed) stream.write(text);
  };
  // Whatever is held when the process ends is still written (a write to a pipe or file is synchronous then).
  if (options.gather) process.once('exit', flush);
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
      options.before?.();
      if (closed) return;
      if (!options.gather) {
        stream.write(text);
        return;
      }
      held += text;
      if (held.length >= 65_536) flush();
      else flushing ??= setImmediate(flush);
    },
    flush,
    live: isLiveTerminal(stream),
    stream,
    async drain() {
      flush();
      if (!closed) await new Promise<void>((resolve) => stream.write('', () => resolve()));
      // An error is emitted after the write's callback: one more turn lets it arrive.
      await new Promise((resolve) => setImmediate(resolve));
      check();
    },
  };
}
