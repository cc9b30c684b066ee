import type { Condition, ConditionNode } from './condition-ast.js';
import type { Position } from './diagnostics.js';
import type { Reference, Template } from './expression.js';
import type { ActionStepOf, ChainOf, ChainStepOf, FallbackOf } from './normalize.js';
import type { ChainSource } from './source.js';

export type { OnFailure, InputSpec, InputType, InputValue, StepRetry } from './normalize.js';
export type { CxchainChain as ChainDocument } from './generated/chain-document.js';

export type StepFallback = FallbackOf<Template>;

/** A step's `if:` and `expect:`, compiled (SPEC 3.5). */
export interface StepConditions {
  /** False → the step is skipped with `skip_reason: condition`. */
  condition?: Condition;
  /** Each must hold on the step's answer, else the step fails with kind `expectation`. */
  expectations?: Condition[];
}

/** A step that executes one Data Action, with every default applied and its expressions compiled. */
export interface ActionStepModel extends ActionStepOf<Template>, StepConditions, Position {}

/** A step that runs a child chain (SPEC 3.3). */
export interface ChainStepModel extends ChainStepOf<Template>, StepConditions, Position {
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

/** The paths a step's `if:` and `expect:` read, other than its own `output`: what they need set before a run. */
export function conditionReferences(step: StepConditions): Reference[] {
  const found: Reference[] = [];
  const stack: ConditionNode[] = [
    ...(step.condition ? [step.condition.root] : []),
    ...(step.expectations ?? []).map((e) => e.root),
  ];
  while (stack.length > 0) {
    const node = stack.pop() as ConditionNode;
    if (node.kind === 'path') {
      if (node.ref.root !== 'output') found.push(node.ref);
    } else if (node.kind === 'not') stack.push(node.operand);
    else if (node.kind === 'and' || node.kind === 'or') stack.push(...node.operands);
    else if (node.kind === 'compare') stack.push(node.left, node.right);
    else if (node.kind === 'call') stack.push(...node.args);
  }
  return found;
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
