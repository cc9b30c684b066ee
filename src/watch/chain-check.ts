import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { diagnostic, readChainPath, validateParsed, type ChainModel, type Diagnostic } from '../chain/index.js';
import { checkInputs, checkVariables, describeMissingVariable } from '../engine/index.js';

/** One file checked on its own, plus the cross-file rule watch can keep: unique chain ids. */
export type Checked =
  /** The file is not there any more (an editor's temporary file, or a delete still on its way). */
  | { kind: 'gone' }
  | { kind: 'invalid'; diagnostics: Diagnostic[] }
  /** Not a file that can be read: a FIFO, socket or device (never opened), or permission denied. */
  | { kind: 'ignored'; diagnostic: Diagnostic }
  /** A valid chain; it can run when `problems` (inputs or variables missing) is empty. */
  | { kind: 'valid'; chain: ChainModel; inputs: Record<string, unknown>; problems: string[] };

export interface ChainCheckerOptions {
  /** Base of the display names files are checked under. */
  cwd: string;
  /** `--input` values by name; each chain gets those it declares. */
  inputs: Readonly<Record<string, unknown>>;
  /** Where `vars.*` and `secrets.*` are read. */
  env: NodeJS.ProcessEnv;
}

/**
 * Validates changed files one at a time (SPEC 3.1 layers) and remembers the chain id of every
 * valid file, so a second file claiming an id is `chain.duplicate_chain_id` as in `validate`.
 */
export function createChainChecker(options: ChainCheckerOptions) {
  const ids = new Map<string, string>();
  const exists = (file: string) => existsSync(resolve(options.cwd, file));

  const check = (file: string): Checked => {
    if (!exists(file)) return { kind: 'gone' };
    const parsed = readChainPath(resolve(options.cwd, file), file);
    const [first] = parsed.diagnostics;
    if (first?.code === 'path.not_found') return { kind: 'gone' };
    if (first?.code === 'path.not_regular' || first?.code === 'path.unreadable') {
      ids.delete(file);
      return { kind: 'ignored', diagnostic: first };
    }
    const { chain, diagnostics } = validateParsed(file, parsed);
    if (!chain) {
      ids.delete(file);
      return { kind: 'invalid', diagnostics };
    }
    for (const [other, id] of ids) {
      if (other === file || id !== chain.chainId) continue;
      // A rename arrives as add(new) before unlink(old): an id held by a file now gone is free.
      if (!exists(other)) {
        ids.delete(other);
        continue;
      }
      ids.delete(file);
      const message = `chain_id \`${chain.chainId}\` is already used by ${other}`;
      return {
        kind: 'invalid',
        diagnostics: [
          diagnostic(
            'chain.duplicate_chain_id',
            file,
            { line: chain.line, column: chain.column },
            message,
            'chain ids must be unique across the repository: rename one of them',
          ),
        ],
      };
    }
    ids.set(file, chain.chainId);
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
    /** Frees the chain id of a file that was deleted. */
    forget(file: string): void {
      ids.delete(file);
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
