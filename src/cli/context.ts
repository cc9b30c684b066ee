import { createStyle, type Style } from './style.js';

/** What a command needs from the outside world; passed in so commands stay testable and thin. */
export interface CommandContext {
  cwd: string;
  env: NodeJS.ProcessEnv;
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
  /** Styling for stdout. */
  style: Style;
  /** Styling for stderr. */
  errStyle: Style;
}

export function createContext(): CommandContext {
  return {
    cwd: process.cwd(),
    env: process.env,
    stdout: process.stdout,
    stderr: process.stderr,
    style: createStyle(process.stdout),
    errStyle: createStyle(process.stderr),
  };
}

/** Whether a stream is a terminal (listr2 draws its live tree only there). */
export function isTTY(stream: NodeJS.WritableStream): boolean {
  return (stream as { isTTY?: boolean }).isTTY === true;
}
