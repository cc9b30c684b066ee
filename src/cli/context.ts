import type { ConnectionContext } from '../session/index.js';
import { guardOutput, isLiveTerminal, type Output } from './output.js';
import { createStyle, type Style } from './style.js';

/** What a command needs from the outside world; passed in so commands stay testable and thin. */
export interface CommandContext {
  cwd: string;
  env: NodeJS.ProcessEnv;
  /** The command's product (SPEC 4); a closed reader is not an error. */
  stdout: Output;
  /** Warnings, usage errors, workflow commands. */
  stderr: Output;
  /** Styling for stdout. */
  style: Style;
  /** Styling for stderr. */
  errStyle: Style;
}

export function createContext(): CommandContext {
  // A live terminal is drawn on by listr2 directly, so only lines gather writes.
  const stdout = guardOutput(process.stdout, 'stdout', { gather: !isLiveTerminal(process.stdout) });
  return {
    cwd: process.cwd(),
    env: process.env,
    stdout,
    stderr: guardOutput(process.stderr, 'stderr', { before: stdout.flush }),
    style: createStyle(process.stdout),
    errStyle: createStyle(process.stderr),
  };
}

/** A warning on stderr, when there is one. */
export function warn(ctx: CommandContext, line: string | undefined): void {
  if (line) writeErr(ctx, `${ctx.errStyle.yellow('warning:')} ${line}\n`);
}

/** stderr is where failures are told; when it fails too there is no one left to tell. */
export function writeErr(ctx: CommandContext, text: string): void {
  try {
    ctx.stderr.write(text);
  } catch {
    // Nowhere left to report it; the exit code still says what happened.
  }
}

/** How the run session talks to a person from a command: warnings and workflow commands on stderr. */
export function sessionContext(ctx: CommandContext): ConnectionContext {
  return {
    env: ctx.env,
    warn: (line) => warn(ctx, line),
    note: (line) => writeErr(ctx, `${ctx.errStyle.dim(line)}\n`),
    command: (line) => writeErr(ctx, `${line}\n`),
  };
}
