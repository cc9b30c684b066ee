import type { Position } from './diagnostics.js';
import type { Template } from './expression.js';
import type { ActionStepOf, ChainOf, ChainStepOf, FallbackOf } from './normalize.js';
import type { ChainSource } from './source.js';

export type { OnFailure, InputSpec, InputType, InputValue, StepRetry } from './normalize.js';
export type { CxchainChain as ChainDocument } from './generated/chain-document.js';

export type StepFallback = FallbackOf<Template>;

/** A step that executes one Data Action, with every default applied and its expressions compiled. */
export interface ActionStepModel extends ActionStepOf<Template>, Position {}

/** A step that runs a child chain (SPEC 3.3). */
export interface ChainStepModel extends ChainStepOf<Template>, Position {
  /** The child, loaded and valid. */
  child: ChainModel;
}

/** One step of a valid chain: an action step or a chain step, never both. */
export type StepModel = ActionStepModel | ChainStepModel;

/** A valid chain, ready to run: the runner needs nothing else. */
export interface ChainModel extends Omit<ChainOf<Template>, 'steps'>, Position {
  /** As cxchain names files: relative to the working directory. */
  file: string;
  steps: StepModel[];
  /** The parsed file, for positions of any node; absent when loaded with `keepSource: false`. */
  source?: ChainSource;
}

/**
 * Every template of a chain, in document order: whatever the runner may resolve, so a check of
 * what a chain reads (the variables it needs) cannot miss a place the runner reads from. The
 * children's templates are the children's own: see `chainsOf`.
 */
export function templatesOf(chain: ChainModel): Template[] {
  const templates: Template[] = [];
  for (const step of chain.steps) {
    templates.push(step.kind === 'chain' ? step.with : step.payload);
    if (step.fallback) templates.push(step.fallback.kind === 'action' ? step.fallback.payload : step.fallback.output);
  }
  if (chain.outputs) templates.push(chain.outputs);
  return templates;
}

/** The chain and every chain it uses, each once, parents before children. */
export function chainsOf(chain: ChainModel): ChainModel[] {
  const seen = new Set<ChainModel>();
  const order: ChainModel[] = [];
  const stack = [chain];
  while (stack.length > 0) {
    const next = stack.shift() as ChainModel;
    if (seen.has(next)) continue;
    seen.add(next);
    order.push(next);
    for (const step of next.steps) if (step.kind === 'chain') stack.push(step.child);
  }
  return order;
}

/** What a step calls, as a person reads it: the action id, or the chain file it uses. */
export function callOf(step: StepModel): string {
  return step.kind === 'chain' ? step.uses : step.actionId;
}
