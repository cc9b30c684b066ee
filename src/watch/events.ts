import type { ChainModel, Diagnostic } from '../chain/index.js';
import type { ChainResult } from '../engine/index.js';

/** Why a run stopped before its chain ended on its own. */
export type CancelReason =
  /** Its file changed to a valid chain: the run is started again. */
  | 'changed'
  /** Its file changed to something that cannot run (invalid, or an input is missing). */
  | 'invalid'
  /** Its file was deleted or moved away. */
  | 'deleted'
  /** The session was closed (`q`, Ctrl-C, SIGTERM). */
  | 'closed'
  /** A chain it uses changed and is valid with it: the run is started again (SPEC 3.3). */
  | 'child_changed'
  /** A chain it uses changed or went away, and it cannot run as it is now. */
  | 'child_invalid';

/** A valid chain that cannot run as it is, with what a person must do about it. */
export interface InputProblems {
  chain: ChainModel;
  problems: string[];
}

/** What a watch session reports; the CLI turns these into lines, the session prints nothing. */
export type WatchEvent =
  /**
   * A file changed and is not a valid chain; watching goes on. `because` is the chain file whose
   * change (or deletion) made it so, when that is a chain it uses (SPEC 3.3); `diagnostics` then
   * leaves out those the same change already reported for that file.
   */
  | { type: 'invalid'; file: string; diagnostics: Diagnostic[]; because?: string }
  /**
   * A `call_only` file changed and is valid. It never runs on its own (SPEC 3.3); `callers` are
   * the watched chain files that use it, directly or not, which are checked and run again next.
   */
  | { type: 'call_only'; chain: ChainModel; callers: string[] }
  /** A file changed to a valid chain that still cannot run (a required `--input` or a variable is missing). */
  | ({ type: 'needs_inputs' } & InputProblems)
  /** A chain changed while another one runs; it runs when that one ends. `via`: as in `run_start`. */
  | { type: 'queued'; chain: ChainModel; behind: ChainModel; via?: string }
  /**
   * `restart` is true when this run replaces a run of the same file cancelled by the change.
   * `via` is the saved chain file it uses that made it run, when its own file did not change.
   */
  | { type: 'run_start'; chain: ChainModel; restart: boolean; via?: string }
  /**
   * `cancelled` says why the run was cut short, or null when the chain ended by itself; `queued`,
   * how many runs wait to start next (none: watch now waits for a change).
   */
  | { type: 'run_end'; chain: ChainModel; result: ChainResult; cancelled: CancelReason | null; queued: number }
  /** A watched chain file disappeared (deleted, or renamed: the new name arrives as a change). */
  | { type: 'deleted'; file: string }
  /**
   * A path that cannot be read as a chain file: a FIFO, socket or device (never opened), or one
   * that permission is denied to. It is left alone and watching goes on.
   */
  | { type: 'ignored'; file: string; diagnostic: Diagnostic }
  /** A folder given to watch was removed; it is watched again when it is created again. */
  | { type: 'folder_removed'; path: string }
  /** A removed folder was created again: watched again, and the chain files in it run as added. */
  | { type: 'folder_back'; path: string }
  /**
   * A path given to watch is gone and so is `parent`, the folder that held it: watching cannot go
   * on, and the caller should close the session.
   */
  | { type: 'lost'; path: string; parent: string }
  /** The file system watcher or a run failed unexpectedly; watching goes on. */
  | { type: 'error'; message: string; file?: string };
