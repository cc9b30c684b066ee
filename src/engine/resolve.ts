import { closest, type Reference, type Template } from '../chain/index.js';
import type { Environment } from '../host.js';
import { readVariable, variableOf } from './environment.js';
import { givenInput } from './inputs.js';
import type { StepStatus } from './result.js';

/** What expressions can read during a run (SPEC 3.2). */
export interface ResolveContext {
  inputs: Readonly<Record<string, unknown>>;
  /** Steps that have finished, by id. */
  steps: ReadonlyMap<string, { status: StepStatus; output: unknown }>;
  chainId: string;
  runId: string;
  /** Where `vars.*` (`CXCHAIN_VAR_*`) and `secrets.*` (`CXCHAIN_SECRET_*`) are read; nothing else in it is. */
  env: Environment;
  /** Called with every `secrets.*` value read, so outputs can redact it. */
  onSecret?: (value: string) => void;
}

/** A reference that cannot be resolved at run time (SPEC 3.2: kind `unresolved_reference`). */
export class UnresolvedReference extends Error {
  override name = 'UnresolvedReference';
  constructor(
    readonly ref: Reference,
    reason: string,
    /** How to fix it, when the reason alone does not say (SPEC 5: a hint that fits the case). */
    readonly hint?: string,
  ) {
    super(`${ref.text}: ${reason}`);
  }
}

/** The step ran and answered, but not with this path. */
const PATH_HINT =
  'the path does not match the answer: compare it with what the step answered (--show-responses prints it)';
/** The step it reads has no output to give. */
const NO_OUTPUT_HINT =
  'check the step it reads from; with `on_failure: continue` on that step, later steps cannot use its output';

/** Resolves a compiled template; a whole-value expression keeps its type, embedded ones become text. */
export function resolveTemplate(template: Template, ctx: ResolveContext): unknown {
  switch (template.kind) {
    case 'literal':
      return template.value;
    case 'ref':
      return resolveReference(template.ref, ctx);
    case 'text':
      return template.parts
        .map((part) => (typeof part === 'string' ? part : toText(resolveReference(part, ctx))))
        .join('');
    case 'object':
      return Object.fromEntries(template.entries.map(([key, value]) => [key, resolveTemplate(value, ctx)]));
    case 'array':
      return template.items.map((item) => resolveTemplate(item, ctx));
  }
}

export function resolveReference(ref: Reference, ctx: ResolveContext): unknown {
  const [first, ...rest] = ref.path;
  const name = String(first);
  switch (ref.root) {
    case 'chain':
      return ctx.chainId;
    case 'run':
      return ctx.runId;
    case 'inputs': {
      // Own properties only: `inputs.constructor` is an input like any other, never Object's.
      const value = givenInput(ctx.inputs, name);
      if (value === undefined)
        throw new UnresolvedReference(ref, `the input \`${name}\` has no value (set it with --input ${name}=…)`);
      return walk(ref, value, rest, `inputs.${name}`);
    }
    case 'vars':
    case 'secrets': {
      // `run` checks every variable before it starts; a library caller may not have.
      const value = readVariable(ctx.env, ref.root, name);
      if (value === undefined)
        throw new UnresolvedReference(
          ref,
          `\`${ref.root}.${name}\` is not set (set the environment variable ${variableOf(ref.root, name)})`,
        );
      if (ref.root === 'secrets') ctx.onSecret?.(value);
      return walk(ref, value, rest, `${ref.root}.${name}`);
    }
    case 'steps': {
      const step = ctx.steps.get(name);
      if (!step) throw new UnresolvedReference(ref, `the step \`${name}\` has not run`, NO_OUTPUT_HINT);
      const [field, ...path] = rest;
      if (field === 'status') return step.status;
      if (step.status !== 'success' && step.status !== 'fallback')
        throw new UnresolvedReference(
          ref,
          `the step \`${name}\` ${step.status === 'failed' ? 'failed' : `was ${step.status}`} and has no output`,
          NO_OUTPUT_HINT,
        );
      return walk(ref, step.output, path, `steps.${name}.output`);
    }
  }
}

function walk(ref: Reference, value: unknown, path: readonly (string | number)[], prefix: string): unknown {
  let current = value;
  let where = prefix;
  for (const segment of path) {
    const next = typeof segment === 'number' ? `${where}[${segment}]` : `${where}.${segment}`;
    if (current === null || typeof current !== 'object')
      throw new UnresolvedReference(
        ref,
        `\`${where}\` is ${current === null ? 'null' : `a ${typeof current}`}, so \`${next}\` does not exist`,
        PATH_HINT,
      );
    if (!Object.hasOwn(current, segment))
      throw new UnresolvedReference(ref, `\`${where}\` has no ${missing(current, segment)}`, PATH_HINT);
    current = (current as Record<string | number, unknown>)[segment];
    where = next;
  }
  return current;
}

const SHOWN_FIELDS = 12;

/**
 * `field \`tier\`` and what the answer has instead, so a chain's author can fix the path without
 * a debugger: the near miss first, then the fields (a dozen at most: the answer may be huge).
 */
function missing(container: object, segment: string | number): string {
  if (Array.isArray(container))
    return `item \`${segment}\` (it has ${container.length} item${container.length === 1 ? '' : 's'})`;
  const fields = Object.keys(container);
  if (fields.length === 0) return `field \`${segment}\` (it has no fields)`;
  const near = typeof segment === 'string' ? closest(segment, fields) : undefined;
  const shown = fields.slice(0, SHOWN_FIELDS).map((f) => `\`${f}\``);
  const more = fields.length > SHOWN_FIELDS ? ` and ${fields.length - SHOWN_FIELDS} more` : '';
  return `field \`${segment}\`${near ? ` (did you mean \`${near}\`?)` : ''}; it has ${shown.join(', ')}${more}`;
}

function toText(value: unknown): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'object') return JSON.stringify(value);
  return String(value);
}
