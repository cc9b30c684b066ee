/**
 * The one place that settles a chain's ids and defaults (SPEC 3: "in exactly one place in the
 * code, so validation, the model, `plan` and the runner can never disagree about a default").
 *
 * It reads the document as it is, valid or not: on a valid document it is exact; on an invalid
 * one it is the best reading there is, so the semantic layer can still report its own problems
 * beside the schema's. A value of the wrong type counts as absent and takes its default.
 */

export type OnFailure = 'abort' | 'continue' | 'fallback';
export type InputType = 'string' | 'number' | 'integer' | 'boolean';
export type InputValue = string | number | boolean;

/**
 * Built-in defaults of chain format v1 (SPEC 3, the seed's policy). The schema repeats them as
 * `default`s for editors; a test holds the two equal.
 */
export const BUILTIN_DEFAULTS = {
  maxDepth: 10,
  globalTimeoutSeconds: 300,
  timeoutSeconds: 30,
  onFailure: 'abort',
  idempotent: false,
  callOnly: false,
  inputType: 'string',
  inputRequired: false,
  retry: { maxAttempts: 4, initialDelayMs: 2000, maxDelayMs: 12000 },
} as const satisfies {
  maxDepth: number;
  globalTimeoutSeconds: number;
  timeoutSeconds: number;
  onFailure: OnFailure;
  idempotent: boolean;
  callOnly: boolean;
  inputType: InputType;
  inputRequired: boolean;
  retry: StepRetry;
};

export interface StepRetry {
  maxAttempts: number;
  initialDelayMs: number;
  maxDelayMs: number;
}

export interface InputSpec {
  name: string;
  type: InputType;
  required: boolean;
  default?: InputValue;
  description?: string;
}

/** One Data Action call and the policy it runs under: what an action step and an action fallback both are. */
export interface ActionCallOf<T> {
  actionId: string;
  payload: T;
  /** Per attempt. */
  timeoutMs: number;
  retry: StepRetry;
  idempotent: boolean;
}

/**
 * What a step that fails with `on_failure: fallback` runs; `T` is how values are held (raw or
 * compiled). An action fallback runs under its step's policy; a chain step, which has none of its
 * own, lends it `defaults:`.
 */
export type FallbackOf<T> = ({ kind: 'action' } & ActionCallOf<T>) | { kind: 'output'; output: T };

interface StepCommon<T> {
  index: number;
  /** `id`, else what the step calls (`stepIdOf`). */
  id: string;
  /** Whether `id` was written, which decides where a duplicate id is reported. */
  idWritten: boolean;
  description?: string;
  onFailure: OnFailure;
  fallback?: FallbackOf<T>;
}

/** A step that executes one Data Action. */
export interface ActionStepOf<T> extends StepCommon<T>, ActionCallOf<T> {
  kind: 'action';
}

/** A step that runs another chain file as one step (SPEC 3.3). */
export interface ChainStepOf<T> extends StepCommon<T> {
  kind: 'chain';
  /** As written: relative to the file of the chain, starting with `./` or `../`. */
  uses: string;
  /** The child's inputs. */
  with: T;
}

export type StepOf<T> = ActionStepOf<T> | ChainStepOf<T>;

/** A chain with every id and default settled; `T` is how payloads, `with:` and outputs are held. */
export interface ChainOf<T> {
  chainId: string;
  revision?: number;
  description?: string;
  maxDepth: number;
  globalTimeoutMs: number;
  callOnly: boolean;
  inputs: InputSpec[];
  steps: StepOf<T>[];
  outputs?: T;
}

type Raw = Record<string, unknown>;

export function isRecord(value: unknown): value is Raw {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * The id a step runs under: its `id`, else its `action_id`, else the name of the chain file it
 * uses without its extension (`./lib/crm-sync.yaml` → `crm-sync`). Undefined when none is there.
 */
export function stepIdOf(step: unknown): string | undefined {
  if (!isRecord(step)) return undefined;
  if (typeof step.id === 'string') return step.id;
  if (typeof step.action_id === 'string') return step.action_id;
  if (typeof step.uses === 'string') return usesName(step.uses);
  return undefined;
}

/** `./lib/crm-sync.yaml` → `crm-sync`: the id of a chain step without one. */
export function usesName(uses: string): string {
  const base = uses.slice(uses.lastIndexOf('/') + 1);
  return base.replace(/\.ya?ml$/i, '') || uses;
}

/** Whether a step is a chain step: it has `uses:` (SPEC 3.3). An action step is anything else. */
export function isChainStep(step: unknown): boolean {
  return isRecord(step) && step.uses !== undefined;
}

const ON_FAILURE: readonly string[] = ['abort', 'continue', 'fallback'];
const INPUT_TYPES: readonly string[] = ['string', 'number', 'integer', 'boolean'];

/** Reads the document's chain-wide settings and every step with its defaults settled. */
export function normalizeChain(data: unknown): ChainOf<unknown> {
  const doc = isRecord(data) ? data : {};
  const defaults = isRecord(doc.defaults) ? doc.defaults : {};
  const chain: ChainOf<unknown> = {
    chainId: typeof doc.chain_id === 'string' ? doc.chain_id : '',
    maxDepth: integerIn(doc.max_depth, 1, 25) ?? BUILTIN_DEFAULTS.maxDepth,
    globalTimeoutMs: (integer(doc.global_timeout_seconds) ?? BUILTIN_DEFAULTS.globalTimeoutSeconds) * 1000,
    callOnly: doc.call_only === true,
    inputs: normalizeInputs(doc.inputs),
    steps: (Array.isArray(doc.steps) ? doc.steps : []).map((step, index) => normalizeStep(step, index, defaults)),
  };
  if (typeof doc.revision === 'number') chain.revision = doc.revision;
  if (typeof doc.description === 'string') chain.description = doc.description;
  if (doc.outputs !== undefined) chain.outputs = doc.outputs;
  return chain;
}

/** The `on_failure` a step runs with: its own, else the chain's default, else `abort`. */
export function onFailureOf(step: unknown, defaults: unknown): OnFailure {
  const own = isRecord(step) ? step.on_failure : undefined;
  const chainDefault = isRecord(defaults) ? defaults.on_failure : undefined;
  if (typeof own === 'string' && ON_FAILURE.includes(own)) return own as OnFailure;
  if (typeof chainDefault === 'string' && ON_FAILURE.includes(chainDefault)) return chainDefault as OnFailure;
  return BUILTIN_DEFAULTS.onFailure;
}

function normalizeStep(raw: unknown, index: number, defaults: Raw): StepOf<unknown> {
  const step = isRecord(raw) ? raw : {};
  const timeoutSeconds = integer(step.timeout_seconds) ?? integer(defaults.timeout_seconds);
  const own = isRecord(step.retry) ? step.retry : {};
  const shared = isRecord(defaults.retry) ? defaults.retry : {};
  const retryValue = (key: string, fallbackValue: number) => integer(own[key]) ?? integer(shared[key]) ?? fallbackValue;
  const retry: StepRetry = {
    maxAttempts: retryValue('max_attempts', BUILTIN_DEFAULTS.retry.maxAttempts),
    initialDelayMs: retryValue('initial_delay_ms', BUILTIN_DEFAULTS.retry.initialDelayMs),
    maxDelayMs: retryValue('max_delay_ms', BUILTIN_DEFAULTS.retry.maxDelayMs),
  };
  const idempotent =
    typeof step.idempotent === 'boolean'
      ? step.idempotent
      : typeof defaults.idempotent === 'boolean'
        ? defaults.idempotent
        : BUILTIN_DEFAULTS.idempotent;
  const common: StepCommon<unknown> = {
    index,
    id: stepIdOf(step) ?? `#${index + 1}`,
    idWritten: typeof step.id === 'string',
    onFailure: onFailureOf(step, defaults),
  };
  if (typeof step.description === 'string') common.description = step.description;
  const fallback = fallbackOf(step.fallback, timeoutSeconds ?? BUILTIN_DEFAULTS.timeoutSeconds, retry, idempotent);
  if (fallback) common.fallback = fallback;
  if (isChainStep(step))
    return { ...common, kind: 'chain', uses: typeof step.uses === 'string' ? step.uses : '', with: step.with ?? {} };
  return {
    ...common,
    kind: 'action',
    actionId: typeof step.action_id === 'string' ? step.action_id : '',
    payload: step.payload ?? {},
    timeoutMs: (timeoutSeconds ?? BUILTIN_DEFAULTS.timeoutSeconds) * 1000,
    retry,
    idempotent,
  };
}

function fallbackOf(
  raw: unknown,
  stepTimeoutSeconds: number,
  retry: StepRetry,
  idempotent: boolean,
): FallbackOf<unknown> | undefined {
  if (!isRecord(raw)) return undefined;
  if (typeof raw.action_id === 'string') {
    const timeout = integer(raw.timeout_seconds) ?? stepTimeoutSeconds;
    return {
      kind: 'action',
      actionId: raw.action_id,
      payload: raw.payload ?? {},
      timeoutMs: timeout * 1000,
      retry,
      idempotent,
    };
  }
  return { kind: 'output', output: raw.output };
}

function normalizeInputs(raw: unknown): InputSpec[] {
  if (!isRecord(raw)) return [];
  return Object.entries(raw).map(([name, value]) => {
    const spec = isRecord(value) ? value : {};
    const type =
      typeof spec.type === 'string' && INPUT_TYPES.includes(spec.type)
        ? (spec.type as InputType)
        : BUILTIN_DEFAULTS.inputType;
    const input: InputSpec = {
      name,
      type,
      required: typeof spec.required === 'boolean' ? spec.required : BUILTIN_DEFAULTS.inputRequired,
    };
    const given = spec.default;
    // A string input takes any scalar default as text, as it takes `--input` values.
    if (typeof given === 'string' || typeof given === 'number' || typeof given === 'boolean')
      input.default = type === 'string' ? String(given) : given;
    if (typeof spec.description === 'string') input.description = spec.description;
    return input;
  });
}

function integer(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isInteger(value) ? value : undefined;
}

function integerIn(value: unknown, min: number, max: number): number | undefined {
  const n = integer(value);
  return n !== undefined && n >= min && n <= max ? n : undefined;
}
