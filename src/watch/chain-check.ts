import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { createChainLoader, givenRoots, type ChainModel, type Diagnostic } from '../chain/index.js';
import { checkInputs, checkVariables, describeMissingVariable } from '../engine/index.js';

/** One file checked on its own, plus the cross-file rule watch can keep: unique chain ids. */
export type Checked =
  /** The file is not there any more (an editor's temporary file, or a delete still on its way). */
  | { kind: 'gone' }
  | { kind: 'invalid'; diagnostics: Diagnostic[] }
  /** Not a file that can be read: a FIFO, socket or device (never opened), or permission denied. */
  | { kind: 'ignored'; diagnostic: Diagnostic }
  /** A valid chain; it can run when `problems` (inputs or variables missing) is empty. */
  | { kind: 'valid'; chain: ChainModel; inputs: Record<string, unknown>; problems: string[] }
  /** A valid `call_only` chain: it runs only as a step of the chains that use it (SPEC 3.3), so its inputs come from their `with:`. */
  | { kind: 'call_only'; chain: ChainModel };

export interface ChainCheckerOptions {
  /** Base of the display names files are checked under. */
  cwd: string;
  /** The paths watched, which bound `uses:` outside a git work tree. */
  paths: readonly string[];
  /** `--input` values by name; each chain gets those it declares. */
  inputs: Readonly<Record<string, unknown>>;
  /** Where `vars.*` and `secrets.*` are read. */
  env: NodeJS.ProcessEnv;
}

/**
 * Validates changed files (SPEC 3.1, 3.3) with one loader that keeps every file it read, so a save
 * reads that one file again and the checks across files (unique chain ids, `uses:`) see them all.
 */
export function createChainChecker(options: ChainCheckerOptions) {
  const loader = createChainLoader({ cwd: options.cwd, roots: givenRoots(options.paths, options.cwd) });
  const exists = (file: string) => existsSync(resolve(options.cwd, file));
  /** Every chain file met, in the order met. */
  const known: string[] = [];

  const check = (file: string): Checked => {
    if (!exists(file)) return { kind: 'gone' };
    loader.invalidate(file);
    if (!known.includes(file)) known.push(file);
    // The file checked comes last, so a chain id another file already holds stays with it. A
    // rename arrives as add(new) before unlink(old): an id held by a file now gone is free.
    const others = known.filter((f) => f !== file && exists(f));
    const loaded = loader.load([...others, file]);
    const [first] = loader.loaded(file)?.parsed.diagnostics ?? [];
    if (first?.code === 'path.not_found') return { kind: 'gone' };
    if (first?.code === 'path.not_regular' || first?.code === 'path.unreadable')
      return { kind: 'ignored', diagnostic: first };
    const chain = loaded.chains.find((c) => c.file === file);
    if (!chain) {
      const shown = new Set(loader.filesOf(file));
      return { kind: 'invalid', diagnostics: loaded.diagnostics.filter((d) => shown.has(d.file)) };
    }
    if (chain.callOnly) return { kind: 'call_only', chain };
    const declared = Object.entries(options.inputs).filter(([name]) =>
      chain.inputs.some((input) => input.name === name),
    );
    const { values, problems } = checkInputs(chain, Object.fromEntries(declared));
    // SPEC 3.2: a variable that is not set stops the chain like a missing required input.
    problems.push(...checkVariables([chain], options.env).missing.map(describeMissingVariable));
    return { kind: 'valid', chain, inputs: values, problems };
  };

  return {
    check,
    /** Forgets a file that was deleted: its chain id is free again. */
    forget(file: string): void {
      loader.invalidate(file);
      const index = known.indexOf(file);
      if (index >= 0) known.splice(index, 1);
    },
    /**
     * The watched chain files that use `file`, directly or through others, as of the last check
     * (SPEC 3.3: a saved child re-runs them). Chains met only as children are not among them.
     */
    callersOf(file: string): string[] {
      return loader.callersOf(file).filter((caller) => known.includes(caller) && exists(caller));
    },
    /** `--input` names no valid chain declares (yet). */
    unusedInputs(chains: readonly ChainModel[]): string[] {
      return Object.keys(options.inputs).filter(
        (name) => !chains.some((c) => c.inputs.some((input) => input.name === name)),
      );
    },
  };
}

export type ChainChecker = ReturnType<typeof createChainChecker>;
