import type { ChainModel } from '../../chain/index.js';
import type { ChainResult } from '../../engine/index.js';
import { formatDiagnosticsText } from '../../report/diagnostics.js';
import { neutralize } from '../../report/neutralize.js';
import { openRunSession, type ConnectionOptions } from '../../session/index.js';
import { startWatchSession, type CancelReason, type WatchEvent, type WatchStart } from '../../watch/index.js';
import { sessionContext, type CommandContext } from '../context.js';
import { EXIT } from '../exit-codes.js';
import { parseInputFlags } from '../inputs.js';
import { createPlainLinesSink } from '../render/plain-lines.js';
import { reportProblem } from './run.js';

export interface WatchOptions extends ConnectionOptions {
  input: string[];
  runOnStart: boolean;
  audit?: string;
  auditPayloads: boolean;
  renderer: 'default' | 'simple';
  /** Each step's answer under its line. Default true in watch (`--no-show-responses`). */
  showResponses?: boolean;
}

const CANCELLED_BECAUSE: Record<CancelReason, string> = {
  changed: 'its file changed; running it again',
  invalid: 'its file changed and cannot run as it is',
  deleted: 'its file was deleted',
  closed: 'quitting',
  child_changed: 'a chain it uses changed; running it again',
  child_invalid: 'a chain it uses changed, and it cannot run as it is',
};

/**
 * `cxchain watch` (SPEC 7): the session validates and runs; this prints, owns the connection and
 * the audit, and waits for `q` (exit 0), Ctrl-C or SIGINT (130), or SIGTERM (143).
 */
export async function watchCommand(paths: string[], options: WatchOptions, ctx: CommandContext): Promise<number> {
  const given = parseInputFlags(options.input);
  const quit = listenForQuit(process.stdin, ctx);
  try {
    // listr2 is loaded only for a terminal (issue 14: start-up).
    const liveTree =
      options.renderer === 'default' && ctx.stdout.live ? await import('../render/live-tree.js') : undefined;
    const session = await openRunSession({
      ...options,
      context: sessionContext(ctx),
    });
    const { style } = ctx;
    // The edit loop: what came back is what the next edit needs (issue 16).
    const showResponses = options.showResponses !== false;
    const say = (line: string) => ctx.stdout.write(`${session.redactor.text(line)}\n`);
    const time = () => style.dim(new Date().toTimeString().slice(0, 8));
    let failed: number | undefined;
    // After every run that was not cut short, so the screen says what happens next.
    const waiting = () => style.dim(`waiting for changes · ${quit.interactive ? 'q' : 'Ctrl-C'} to quit`);

    const run = async (
      chain: ChainModel,
      { inputs, signal }: { inputs: Record<string, unknown>; signal: AbortSignal },
    ) => {
      const out = (text: string) => ctx.stdout.write(text);
      const progress = liveTree
        ? liveTree.createLiveTreeSink([chain], {
            style,
            write: () => undefined,
            showResponses,
            // Cancelled by a save or by quitting: the `■ … cancelled` line says it, in one line.
            erase: () => signal.aborted,
          })
        : createPlainLinesSink({ write: out, style, manyChains: false, runSummary: false, showResponses });
      const outcome = await session.run([chain], {
        sinks: [progress],
        inputsFor: () => inputs,
        signal,
        retain: true,
        showResponses,
      });
      if (outcome.problem) {
        // An output that cannot be written, or a bug, ends watching: the same exit codes as run.
        reportProblem(outcome.problem, ctx);
        failed ??= outcome.exitCode;
        quit.stop(outcome.exitCode);
      }
      return outcome.results[0] as ChainResult;
    };

    // A finished run needs no line of its own: its progress ends with the chain's summary.
    const onEvent = (event: WatchEvent) => {
      switch (event.type) {
        case 'invalid':
          say(
            event.because
              ? `\n${time()} ${style.red('✖')} ${neutralize(event.file)} cannot run after the change to ${neutralize(event.because)}:`
              : `\n${time()} ${style.red('✖')} ${neutralize(event.file)} is not a valid chain; fix it and save again`,
          );
          ctx.stdout.write(formatDiagnosticsText(event.diagnostics, { style }));
          break;
        case 'call_only':
          say(
            `\n${time()} ${style.green('✔')} ${event.chain.chainId} ${style.dim(`(${neutralize(event.chain.file)})`)} is valid; it is call_only, so it runs only inside the chains that use it` +
              (event.callers.length
                ? `: ${event.callers.map(neutralize).join(', ')}`
                : ', and no watched chain uses it'),
          );
          break;
        case 'needs_inputs':
          say(
            `\n${time()} ${style.yellow('!')} ${event.chain.chainId} ${style.dim(`(${neutralize(event.chain.file)})`)} cannot run:`,
          );
          for (const problem of event.problems) say(`  ${neutralize(problem)}`);
          break;
        case 'queued':
          say(
            `${time()} ${style.dim('…')} ${event.chain.chainId} ${event.via ? `uses ${neutralize(event.via)}, which changed` : 'changed'}; it runs when ${event.behind.chainId} ends`,
          );
          break;
        case 'run_start':
          say(
            `\n${time()} ${style.cyan('▶')} ${event.restart ? 'running again' : 'running'} ${event.chain.chainId} ${style.dim(`(${neutralize(event.chain.file)})`)}` +
              (event.via ? `: it uses ${neutralize(event.via)}, which changed` : ''),
          );
          break;
        case 'run_end':
          if (event.cancelled)
            say(
              `${time()} ${style.yellow('■')} ${event.chain.chainId} cancelled: ${CANCELLED_BECAUSE[event.cancelled]}`,
            );
          // Only when nothing else is about to run: a queued chain starts at once.
          else if (event.queued === 0) say(waiting());
          break;
        case 'deleted':
          say(`\n${time()} ${style.yellow('−')} ${neutralize(event.file)} was deleted`);
          break;
        case 'ignored':
          say(`${time()} ${style.yellow('!')} ${neutralize(event.diagnostic.message)}; watching goes on`);
          if (event.diagnostic.hint) say(`  ${style.cyan('fix:')} ${neutralize(event.diagnostic.hint)}`);
          break;
        case 'folder_removed':
          say(
            `\n${time()} ${style.yellow('−')} ${neutralize(event.path)} was removed; it is watched again when it is created again`,
          );
          break;
        case 'folder_back':
          say(`${time()} ${style.cyan('+')} ${neutralize(event.path)} is back; watching it again`);
          break;
        case 'lost':
          // Not the product: why watch ends goes where errors go, and the exit code says it failed.
          ctx.stderr.write(
            `${ctx.errStyle.red('error:')} ${neutralize(event.path)} was removed, and so was ${neutralize(event.parent)} that held it: watching cannot go on\n`,
          );
          failed ??= EXIT.invalid;
          quit.stop(EXIT.invalid);
          break;
        case 'error':
          say(`${time()} ${style.red('✖')} ${neutralize(event.message)}`);
          break;
      }
    };

    try {
      const watching = await startWatchSession({ paths, cwd: ctx.cwd, inputs: given, env: ctx.env, run, onEvent });
      const { start } = watching;
      if (start.unusable.length > 0) {
        await watching.close();
        ctx.stderr.write(formatDiagnosticsText(start.diagnostics, { style: ctx.errStyle }));
        ctx.stderr.write('nothing was watched: pass files or directories that exist and can be read\n');
        return EXIT.invalid;
      }
      printHeader(
        start,
        paths,
        { target: session.target, interactive: quit.interactive, runOnStart: options.runOnStart },
        ctx,
        say,
      );
      if (options.runOnStart) watching.runAll();
      const code = await quit.requested;
      await watching.close();
      say(style.dim('stopped watching'));
      return failed ?? code;
    } finally {
      await session.close();
    }
  } finally {
    quit.dispose();
  }
}

function printHeader(
  start: WatchStart,
  paths: readonly string[],
  how: { target: string; interactive: boolean; runOnStart: boolean },
  ctx: CommandContext,
  say: (line: string) => void,
): void {
  const { style } = ctx;
  // An empty folder is fine here: the chains to watch may not be written yet.
  const diagnostics = start.diagnostics.filter((d) => d.code !== 'path.no_chains');
  if (diagnostics.length) ctx.stdout.write(`${formatDiagnosticsText(diagnostics, { style })}\n`);
  for (const { chain, problems } of start.needsInputs) {
    say(`${style.yellow('!')} ${chain.chainId} ${style.dim(`(${neutralize(chain.file)})`)} cannot run yet:`);
    for (const problem of problems) say(`  ${neutralize(problem)}`);
  }
  for (const name of start.unusedInputs)
    say(`${style.yellow('!')} --input ${name}: no valid chain declares this input (yet)`);
  const files = start.files.length;
  const invalid = files - start.chains.length;
  const callOnly = start.chains.filter((c) => c.callOnly).length;
  say(
    `${style.bold('watching')} ${(paths.length ? paths : ['chains']).join(', ')}: ${files} chain file${files === 1 ? '' : 's'}` +
      `${callOnly ? ` (${callOnly} call_only, run only inside the chains that use ${callOnly === 1 ? 'it' : 'them'})` : ''}` +
      `${invalid ? `, ${style.red(`${invalid} invalid`)}` : ''}; runs go to ${how.target}`,
  );
  const quit = how.interactive ? 'press q to quit' : 'Ctrl-C to quit';
  say(
    style.dim(`${how.runOnStart ? 'running every valid chain once, then ' : ''}save a chain file to run it; ${quit}`),
  );
}

interface QuitListener {
  /** Settles with the exit code of the first request to quit. */
  requested: Promise<number>;
  /** Whether keys are read (stdin is a terminal). */
  interactive: boolean;
  /** Quits with this code, as if asked to (an output failed). */
  stop(code: number): void;
  /** Stops listening and gives the terminal back as it was. */
  dispose(): void;
}

/**
 * `q` (exit 0) and Ctrl-C (130) on a terminal, SIGINT (130) and SIGTERM (143) always. In raw
 * mode Ctrl-C arrives as the byte 0x03, not as a signal. A second Ctrl-C or signal while stopping
 * quits at once. Without a terminal on stdin, keys are not read and stdin is left alone.
 */
function listenForQuit(stdin: NodeJS.ReadStream, ctx: CommandContext): QuitListener {
  let code: number | undefined;
  let settle!: (code: number) => void;
  const requested = new Promise<number>((resolve) => (settle = resolve));
  const interactive = stdin.isTTY === true && typeof stdin.setRawMode === 'function';
  const request = (next: number, force: boolean) => {
    if (code === undefined) {
      code = next;
      settle(next);
    } else if (force) {
      ctx.stderr.write('quitting without waiting for the run to end\n');
      dispose();
      process.exit(code);
    }
  };
  const onSigint = () => request(EXIT.sigint, true);
  const onSigterm = () => request(EXIT.sigterm, true);
  const onKeys = (keys: string) => {
    for (const key of keys) {
      if (key === 'q' || key === 'Q') request(EXIT.ok, false);
      else if (key === '\u0003') request(EXIT.sigint, true);
    }
  };
  // Watch runs until stopped (SPEC 4): without a terminal on stdin, and once chokidar has nothing
  // left to watch, nothing else would keep the process from ending with exit 0 and no word.
  const alive = setInterval(() => undefined, 1 << 30);
  let disposed = false;
  const dispose = () => {
    if (disposed) return;
    disposed = true;
    clearInterval(alive);
    process.off('SIGINT', onSigint);
    process.off('SIGTERM', onSigterm);
    if (interactive) {
      stdin.off('data', onKeys);
      stdin.setRawMode(false);
      stdin.pause();
    }
  };
  process.on('SIGINT', onSigint);
  process.on('SIGTERM', onSigterm);
  if (interactive) {
    stdin.setRawMode(true);
    stdin.setEncoding('utf8');
    stdin.on('data', onKeys);
    stdin.resume();
  }
  return { requested, interactive, dispose, stop: (next) => request(next, false) };
}
