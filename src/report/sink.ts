import type { ChainResult, RunEndEvent, RunEvent } from '../engine/index.js';

/**
 * Where a run's outputs plug in (SPEC 6 "every byte out goes through one place"): the run session
 * hands every sink data that is already redacted, and human-readable sinks data whose server and
 * file text is already neutralised. A sink that throws is switched off and its error decides the
 * exit code; the run itself is stopped, never crashed.
 */
export interface RunSink {
  /** A name for messages: the file it writes, or what it shows. */
  readonly name: string;
  /** `human` sinks print to a person (control characters escaped); `data` sinks keep exact data. */
  readonly audience: 'human' | 'data';
  /** Every event, as it happens. */
  event?(event: RunEvent): void;
  /** Each chain's result when it ends, with its index among the chains of the run. */
  result?(result: ChainResult, index: number): void;
  /** Writes the sink's file whole. Called once, before `run_end`, so its exit code knows whether it could. */
  commit?(end: RunCommit): void;
  /** The run is over (its `run_end`): print what comes last. Called once. */
  end?(end: RunEndEvent): void | Promise<void>;
  /** The sink failed or the process is going down: drop temporary files, release what it holds. */
  abandon?(): void;
}

/** How a run ended, as far as it is known when its files are written (the JSON report's envelope, SPEC 6). */
export interface RunCommit {
  finished_at: string;
  /** The exit code if every file is written; a file that then fails makes it 74, and that file does not exist. */
  exit_code: number;
}
