import { setFlagsFromString } from 'node:v8';

/**
 * Runs `work` with V8's baseline compiler (Sparkplug) used from a function's first call. A run
 * calls the same code once per step, and a short run never leaves V8's interpreter: compiled at
 * once, each step costs about a third less (issue 14, measured in the README's design notes).
 * Set for the run only, not at start-up, where compiling everything once used costs more than it
 * saves; and reset after it, since V8 refuses a code cache made under other flags
 * (src/cli/launch.cjs writes one when a process ends).
 */
export async function withBaselineCompiler<T>(work: () => Promise<T>): Promise<T> {
  setFlagsFromString('--always-sparkplug');
  try {
    return await work();
  } finally {
    setFlagsFromString('--no-always-sparkplug');
  }
}
