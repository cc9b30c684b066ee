import type { Diagnostic } from '../chain/index.js';

/**
 * The result of `cxchain plan` (SPEC 4, 8) as plain data; `--format json` prints it as is, so its
 * keys are snake_case like the run results.
 */
export interface PlanResult {
  base: { ref: string; commit: string };
  /** False when a chain is invalid or a changed chain kept its revision (with the check on). */
  ok: boolean;
  summary: PlanSummary;
  /** Every chain of either side, added/changed/moved/removed first, then unchanged, each by file. */
  chains: PlanEntry[];
  /** Validation problems of the working tree's chains (all three layers, SPEC 3.1). */
  diagnostics: Diagnostic[];
  /** Changed chains whose `revision` was not raised. */
  revision_problems: RevisionProblem[];
}

export type PlanStatus = 'added' | 'changed' | 'moved' | 'removed' | 'unchanged';

export interface PlanSummary {
  added: number;
  changed: number;
  moved: number;
  removed: number;
  unchanged: number;
  /** Diagnostics plus revision problems. */
  problems: number;
}

export interface PlanEntry {
  status: PlanStatus;
  /** Null when the file does not parse far enough to tell. */
  chain_id: string | null;
  /** The file now; for a removed chain, where it was. Relative to the working directory. */
  file: string;
  /** Where the chain was at the base, when it moved. */
  previous_file?: string;
  revision: { before: number | null; after: number | null };
  steps: { before: number | null; after: number | null };
  /** Whether the file now passes validation; null for a removed chain. */
  valid: boolean | null;
  /** Changes outside `steps`: defaults, inputs, outputs, timeouts, description. */
  chain_changes: FieldChange[];
  step_changes: StepChange[];
  /** Why the chain could not be compared step by step (a side that does not parse). */
  note?: string;
  /**
   * Only on a `changed` chain whose own file is the same as at the base (SPEC 3.3): the files it
   * uses, directly or through other chains, that were changed, added or removed since the base,
   * named like `file` and sorted. Such a chain needs no `revision` bump; each of these files is
   * checked on its own entry. Absent when the chain's own file changed.
   */
  via?: string[];
}

/** What a change touches, for a reader skimming the plan (the "payload/directive/timeout"). */
export type ChangeCategory = 'action' | 'payload' | 'directive' | 'timeout' | 'retry' | 'inputs' | 'outputs' | 'other';

/** One value that differs; `before`/`after` are absent when the key was added or removed. */
export interface FieldChange {
  /** Path inside the chain (`defaults.retry.max_attempts`) or inside the step (`payload.tier`). */
  path: string;
  category: ChangeCategory;
  before?: unknown;
  after?: unknown;
}

/** Step indexes are 0-based, as `step_index` in run results; text and Markdown count from 1. */
export type StepChange =
  | { kind: 'added'; step_id: string; action_id: string | null; index: number; line?: number }
  | { kind: 'removed'; step_id: string; action_id: string | null; index: number }
  | { kind: 'moved'; step_id: string; from_index: number; to_index: number; line?: number }
  | { kind: 'changed'; step_id: string; index: number; line?: number; changes: FieldChange[] };

export const PLAN_CODES = ['plan.revision_not_raised'] as const;
export type PlanCode = (typeof PLAN_CODES)[number];

/** A changed chain whose revision stayed (or went down), placed at its `revision` line. */
export interface RevisionProblem {
  code: PlanCode;
  chain_id: string;
  file: string;
  line: number;
  column: number;
  message: string;
  hint: string;
  before: number | null;
  after: number | null;
}
