import type { ActionStep, CxchainChain, Step as StepDocument } from './generated/chain-document.js';
import type { Position } from './diagnostics.js';
import type { Template } from './expression.js';
import type { ChainSource } from './source.js';

export type { CxchainChain as ChainDocument, StepDocument };

export type OnFailure = 'abort' | 'continue' | 'fallback';
export type InputType = 'string' | 'number' | 'integer' | 'boolean';
export type InputValue = string | number | boolean;

/** Built-in defaults of chain format v1 (SPEC 3, the seed's policy); applied in one place. */
export const BUILTIN_DEFAULTS = {
  maxDepth: 10,
  globalTimeoutSeconds: 300,
  timeoutSeconds: 30,
  onFailure: 'abort',
  idempotent: false,
  retry: { maxAttempts: 4, initialDelayMs: 2000, maxDelayMs: 12000 },
} as const;

export interface InputSpec {
  name: string;
  type: InputType;
  required: boolean;
  default?: InputValue;
  description?: string;
}

export interface StepRetry {
  maxAttempts: number;
  initialDelayMs: number;
  maxDelayMs: number;
}

export type StepFallback =
  { kind: 'action'; actionId: string; payload: Template; timeoutMs: number } | { kind: 'output'; output: Template };

/** A step with every default applied and its expressions compiled. */
export interface StepModel extends Position {
  index: number;
  id: string;
  actionId: string;
  description?: string;
  payload: Template;
  timeoutMs: number;
  onFailure: OnFailure;
  retry: StepRetry;
  idempotent: boolean;
  fallback?: StepFallback;
}

/** A valid chain, ready to run: the runner needs nothing else. */
export interface ChainModel extends Position {
  file: string;
  chainId: string;
  revision?: number;
  description?: string;
  maxDepth: number;
  globalTimeoutMs: number;
  inputs: InputSpec[];
  steps: StepModel[];
  outputs?: Template;
  /** The parsed file, for positions of any node; absent when loaded with `keepSource: false`. */
  source?: ChainSource;
  /** The document as written. */
  document: CxchainChain;
}

/** Templates compiled during the semantic check, handed to the model so nothing compiles twice. */
export interface CompiledTemplates {
  payloads: Template[];
  fallbacks: (Template | undefined)[];
  outputs?: Template;
}

export function buildModel(
  document: CxchainChain,
  source: ChainSource,
  templates: CompiledTemplates,
  stepPositions: Position[],
  chainPosition: Position,
): ChainModel {
  const defaults = document.defaults ?? {};
  const steps = document.steps.map((step, index): StepModel => {
    const retry = { ...defaults.retry, ...step.retry };
    const model: StepModel = {
      index,
      // Chain steps (`uses:`, SPEC 3.3) are not modelled yet: the casts only restore the old type.
      id: step.id ?? (step as ActionStep).action_id,
      actionId: (step as ActionStep).action_id,
      payload: templates.payloads[index] ?? { kind: 'literal', value: {} },
      timeoutMs: (step.timeout_seconds ?? defaults.timeout_seconds ?? BUILTIN_DEFAULTS.timeoutSeconds) * 1000,
      onFailure: step.on_failure ?? defaults.on_failure ?? BUILTIN_DEFAULTS.onFailure,
      retry: {
        maxAttempts: retry.max_attempts ?? BUILTIN_DEFAULTS.retry.maxAttempts,
        initialDelayMs: retry.initial_delay_ms ?? BUILTIN_DEFAULTS.retry.initialDelayMs,
        maxDelayMs: Math.max(retry.max_delay_ms ?? BUILTIN_DEFAULTS.retry.maxDelayMs, retry.initial_delay_ms ?? 0),
      },
      idempotent: step.idempotent ?? defaults.idempotent ?? BUILTIN_DEFAULTS.idempotent,
      line: stepPositions[index]?.line ?? chainPosition.line,
      column: stepPositions[index]?.column ?? chainPosition.column,
    };
    if (step.description !== undefined) model.description = step.description;
    const fallback = fallbackOf(step, templates.fallbacks[index], defaults.timeout_seconds);
    if (fallback) model.fallback = fallback;
    return model;
  });
  const chain: ChainModel = {
    file: source.file,
    chainId: document.chain_id,
    maxDepth: document.max_depth ?? BUILTIN_DEFAULTS.maxDepth,
    globalTimeoutMs: (document.global_timeout_seconds ?? BUILTIN_DEFAULTS.globalTimeoutSeconds) * 1000,
    inputs: Object.entries(document.inputs ?? {}).map(([name, spec]) => {
      const input: InputSpec = { name, type: spec.type ?? 'string', required: spec.required ?? false };
      // A string input takes any scalar default as text, as it takes `--input` values.
      if (spec.default !== undefined) input.default = input.type === 'string' ? String(spec.default) : spec.default;
      if (spec.description !== undefined) input.description = spec.description;
      return input;
    }),
    steps,
    source,
    document,
    line: chainPosition.line,
    column: chainPosition.column,
  };
  if (document.revision !== undefined) chain.revision = document.revision;
  if (document.description !== undefined) chain.description = document.description;
  if (templates.outputs) chain.outputs = templates.outputs;
  return chain;
}

/**
 * Every template of a chain, in document order: whatever the runner may resolve, so a check of
 * what a chain reads (the variables it needs) cannot miss a place the runner reads from.
 */
export function templatesOf(chain: ChainModel): Template[] {
  const templates: Template[] = [];
  for (const step of chain.steps) {
    templates.push(step.payload);
    if (step.fallback) templates.push(step.fallback.kind === 'action' ? step.fallback.payload : step.fallback.output);
  }
  if (chain.outputs) templates.push(chain.outputs);
  return templates;
}

function fallbackOf(
  step: StepDocument,
  template: Template | undefined,
  defaultTimeout: number | undefined,
): StepFallback | undefined {
  const fb = step.fallback;
  if (!fb || !template) return undefined;
  if (fb.action_id !== undefined) {
    const timeout = fb.timeout_seconds ?? step.timeout_seconds ?? defaultTimeout ?? BUILTIN_DEFAULTS.timeoutSeconds;
    return { kind: 'action', actionId: fb.action_id, payload: template, timeoutMs: timeout * 1000 };
  }
  return { kind: 'output', output: template };
}
