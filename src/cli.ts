// The CLI's entry: bundled into dist/cli-bundle.cjs, which dist/cli.cjs starts (src/cli/build-cli.mjs).
import { main } from './cli/main.js';
import { createContext } from './cli/context.js';
import { EXIT } from './cli/exit-codes.js';
import { OutputError } from './report/output-file.js';

const ctx = createContext();

main(process.argv, ctx)
  // What was printed must have reached stdout: a full disk there is exit 74, a closed pipe is not.
  .then(async (code) => {
    try {
      await ctx.stdout.drain();
    } catch (error) {
      // A run that stopped for this has said so already.
      if (code === EXIT.output) return code;
      throw error;
    }
    return code;
  })
  .then(
    (code) => {
      process.exitCode = code;
    },
    (error: unknown) => {
      // What stdout still holds comes first, as it was written first.
      ctx.stdout.flush();
      if (error instanceof OutputError) {
        process.stderr.write(`error: ${error.message}\n`);
        process.exitCode = EXIT.output;
        return;
      }
      // A bug, not a user mistake: one line, and the stack when asked for (SPEC 6).
      const debug = process.env.CXCHAIN_DEBUG === '1';
      const text =
        error instanceof Error
          ? debug
            ? (error.stack ?? error.message)
            : `${error.name}: ${error.message}`
          : String(error);
      process.stderr.write(`error: internal error: ${text}${debug ? '' : ' (set CXCHAIN_DEBUG=1 for the stack)'}\n`);
      process.exitCode = EXIT.internal;
    },
  );
