import { diagnostic, type Diagnostic, type DiagnosticCode, type Position } from './diagnostics.js';
import { compileCondition } from './condition.js';
import type { Condition, OutputReference } from './condition-ast.js';
import type { KnownType } from './condition-rules.js';
import { compileTemplate, type LocatedReference, type Reference, type Template } from './expression.js';
import type { StepConditions } from './model.js';
import { isRecord, normalizeChain, stepIdOf, type ChainOf, type StepOf } from './normalize.js';
import {
  exactPositionInValue,
  positionInValue,
  positionOf,
  positionOfText,
  type ChainSource,
  type DocPath,
} from './source.js';
import { describePath } from './schema-errors.js';
import { closest, listOf } from './suggest.js';

/** A step of one file with its expressions and conditions compiled. */
export type CompiledStep = StepOf<Template> & StepConditions;

/** A chain of one file with its expressions compiled; children are linked by the loader. */
export type CompiledChain = Omit<ChainOf<Template>, 'steps'> & { steps: CompiledStep[] };

/** A reference and the step it sits in (undefined: the chain's `outputs`), for checks across files. */
export interface StepReference extends LocatedReference {
  stepIndex: number | undefined;
  /** Where the path starts in the string at `docPath`, when known exactly (a condition's paths). */
  offset?: number;
  /** How many references of the same text come before this one in the value at `docPath`. */
  occurrence: number;
}

/** `output…` in an `expect:` item: the step's own answer (on a chain step, the child's `outputs:`). */
export interface OutputUse {
  ref: OutputReference;
  docPath: DocPath;
  stepIndex: number;
  offset: number;
}

export interface SemanticResult {
  chain: CompiledChain;
  /** Every `${{ … }}` of the chain, and every path of its conditions, where it sits. */
  references: StepReference[];
  /** Every `output…` that an `expect:` reads. */
  outputUses: OutputUse[];
  diagnostics: Diagnostic[];
}

/** Where a reference is written: at its own characters, the nth of the same text, else its value. */
export function referencePosition(source: ChainSource, r: StepReference | OutputUse): Position {
  const exact = r.offset === undefined ? undefined : exactPositionInValue(source, r.docPath, r.offset);
  return exact ?? positionOfText(source, r.docPath, r.ref.text, false, 'occurrence' in r ? r.occurrence : 0);
}

/** Places a problem in the file; every check of this layer reports through one. */
interface Reporter {
  at(code: DiagnosticCode, path: DocPath, message: string, hint?: string, key?: boolean): void;
  /** At `text` inside the value at `path`: an expression among others in one string. */
  atText(
    code: DiagnosticCode,
    path: DocPath,
    text: string,
    message: string,
    hint?: string,
    key?: boolean,
    occurrence?: number,
  ): void;
  /** At a reference, where it is written. */
  atReference(code: DiagnosticCode, r: StepReference, message: string, hint?: string): void;
  warn(code: DiagnosticCode, path: DocPath, message: string, hint?: string, key?: boolean): void;
}

/**
 * The semantic layer of SPEC 3.1, and the compilation of the chain's expressions that it needs.
 * Works on the raw document through `normalizeChain`, so it still reports its problems when the
 * schema layer found others: every problem at once.
 */
export function compileChain(data: unknown, source: ChainSource): SemanticResult {
  const diagnostics: Diagnostic[] = [];
  const report: Reporter = {
    at: (code, path, message, hint, key = false) =>
      diagnostics.push(diagnostic(code, source.file, positionOf(source, path, key), message, hint)),
    atText: (code, path, text, message, hint, key = false, occurrence = 0) =>
      diagnostics.push(
        diagnostic(code, source.file, positionOfText(source, path, text, key, occurrence), message, hint),
      ),
    atReference: (code, r, message, hint) =>
      diagnostics.push(diagnostic(code, source.file, referencePosition(source, r), message, hint)),
    warn: (code, path, message, hint, key = false) =>
      diagnostics.push({
        ...diagnostic(code, source.file, positionOf(source, path, key), message, hint),
        severity: 'warning',
      }),
  };
  const doc = isRecord(data) ? data : {};
  const normal = normalizeChain(doc);
  const rawSteps = Array.isArray(doc.steps) ? doc.steps : [];
  checkDepth(normal, rawSteps.length, report);
  const firstIndex = checkStepIds(normal, rawSteps, report);
  const references: StepReference[] = [];
  const outputUses: OutputUse[] = [];
  // The same text twice in one value is two places: the second one is found past the first.
  const seen = new Map<string, number>();
  const occurrence = (path: DocPath, text: string, key = false) => {
    const id = JSON.stringify([path, text, key]);
    const n = seen.get(id) ?? 0;
    seen.set(id, n + 1);
    return n;
  };
  const compile = (value: unknown, path: DocPath, stepIndex: number | undefined): Template => {
    const compiled = compileTemplate(value, path);
    for (const error of compiled.errors) {
      const { code, docPath, expression, message, hint, key } = error;
      if (expression !== undefined)
        report.atText(code, docPath, expression, message, hint, key, occurrence(docPath, expression, key));
      else report.at(code, docPath, message, hint, key);
    }
    for (const ref of compiled.references)
      references.push({ ...ref, stepIndex, occurrence: occurrence(ref.docPath, ref.ref.text) });
    return compiled.template;
  };
  const uses: ConditionUses = { references, outputUses };
  const steps = normal.steps.map((step): CompiledStep => ({
    ...compileStep(step, compile),
    ...compileConditions(step, rawSteps[step.index], normal, source, diagnostics, uses),
  }));
  for (const step of normal.steps) {
    checkActionIds(step, rawSteps[step.index], report);
    checkFallback(step, rawSteps[step.index], report);
  }
  const chain: CompiledChain = { ...normal, steps, outputs: undefined };
  delete chain.outputs;
  if (isRecord(doc.outputs)) {
    chain.outputs = compile(doc.outputs, ['outputs'], undefined);
    checkOutputNames(doc.outputs, report);
  }
  checkReferences(references, normal, firstIndex, rawSteps.length > 0, report);
  checkInputDefaults(doc.inputs, report);
  checkRetryBounds(doc, rawSteps, report);
  return { chain, references, outputUses, diagnostics };
}

/** Where the paths of the conditions go, for the checks of this layer and of the loader. */
interface ConditionUses {
  references: StepReference[];
  outputUses: OutputUse[];
}

type Compile = (value: unknown, path: DocPath, stepIndex: number | undefined) => Template;

/**
 * A step's `if:` and `expect:` (SPEC 3.5), type-checked with what is known before the run: the
 * declared type of an input that always has a value, and that a status, an id or a variable is text.
 */
function compileConditions(
  step: StepOf<unknown>,
  raw: unknown,
  chain: ChainOf<unknown>,
  source: ChainSource,
  out: Diagnostic[],
  uses: ConditionUses,
): StepConditions {
  if (!isRecord(raw)) return {};
  const typeOf = (ref: Reference): KnownType => {
    if (ref.root === 'inputs') {
      const input = chain.inputs.find((i) => i.name === ref.path[0]);
      if (!input || (!input.required && input.default === undefined)) return 'unknown';
      return input.type === 'integer' ? 'number' : input.type;
    }
    if (ref.root === 'steps') return ref.path[1] === 'status' ? 'string' : 'unknown';
    return 'string';
  };
  const compileAt = (value: unknown, path: DocPath, allowOutput: boolean): Condition | undefined => {
    const compiled = compileCondition(value, { allowOutput, typeOf });
    for (const problem of compiled.problems)
      out.push(
        diagnostic(
          problem.code,
          source.file,
          problem.offset === undefined ? positionOf(source, path) : positionInValue(source, path, problem.offset),
          problem.message,
          problem.hint,
        ),
      );
    compiled.references.forEach((ref, i) => {
      const offset = compiled.referenceOffsets[i] ?? 0;
      if (ref.root === 'output') uses.outputUses.push({ ref, docPath: path, stepIndex: step.index, offset });
      else uses.references.push({ ref, docPath: path, stepIndex: step.index, offset, occurrence: 0 });
    });
    return compiled.condition;
  };
  const conditions: StepConditions = {};
  if (raw.if !== undefined) {
    const condition = compileAt(raw.if, ['steps', step.index, 'if'], false);
    if (condition) conditions.condition = condition;
  }
  if (Array.isArray(raw.expect)) {
    const expectations = raw.expect.map((item, i) => compileAt(item, ['steps', step.index, 'expect', i], true));
    if (expectations.every((e) => e !== undefined)) conditions.expectations = expectations;
  }
  return conditions;
}

function compileStep(step: StepOf<unknown>, compile: Compile): StepOf<Template> {
  const at = ['steps', step.index] as const;
  const compiled = { ...step } as StepOf<Template>;
  if (step.fallback?.kind === 'action')
    compiled.fallback = {
      ...step.fallback,
      payload: compile(step.fallback.payload, [...at, 'fallback', 'payload'], step.index),
    };
  else if (step.fallback?.kind === 'output')
    compiled.fallback = {
      kind: 'output',
      output: compile(step.fallback.output, [...at, 'fallback', 'output'], step.index),
    };
  if (step.kind === 'chain')
    return { ...compiled, kind: 'chain', uses: step.uses, with: compile(step.with, [...at, 'with'], step.index) };
  return {
    ...compiled,
    kind: 'action',
    payload: compile(step.payload, [...at, 'payload'], step.index),
  } as StepOf<Template>;
}

function checkDepth(chain: ChainOf<unknown>, count: number, report: Reporter): void {
  // Past 25 the schema's `maxItems` says it already.
  if (count <= chain.maxDepth || count > 25) return;
  report.at(
    'chain.too_many_steps',
    ['steps', chain.maxDepth],
    `the chain has ${count} steps but \`max_depth\` is ${chain.maxDepth}`,
    `raise \`max_depth\` (at most 25) or split the chain into parent and child chains`,
  );
}

/** Duplicate step ids (the seed's "circular dependency"); returns each id's first step. */
function checkStepIds(chain: ChainOf<unknown>, raw: readonly unknown[], report: Reporter): Map<string, number> {
  const firstIndex = new Map<string, number>();
  for (const step of chain.steps) {
    // A step with nothing to name it by (the schema layer says so) has no id to repeat.
    if (stepIdOf(raw[step.index]) === undefined) continue;
    const earlier = firstIndex.get(step.id);
    if (earlier === undefined) {
      firstIndex.set(step.id, step.index);
      continue;
    }
    const { index, id } = step;
    const written = step.idWritten;
    const calls = step.kind === 'chain' ? 'uses' : 'action_id';
    report.at(
      'chain.duplicate_step',
      ['steps', index, written ? 'id' : calls],
      written
        ? `step id \`${id}\` is used by steps[${earlier}] and steps[${index}]; step ids must be unique`
        : `circular dependency: steps[${earlier}] and steps[${index}] both call \`${id}\` and neither has a distinct \`id\``,
      written
        ? 'rename one of the steps'
        : `give each step that calls the same ${step.kind === 'chain' ? 'chain' : 'action'} its own \`id:\``,
    );
  }
  return firstIndex;
}

function checkActionIds(step: StepOf<unknown>, raw: unknown, report: Reporter): void {
  const fallback = isRecord(raw) && isRecord(raw.fallback) ? raw.fallback : undefined;
  const candidates: [DocPath, unknown][] = [
    [['steps', step.index, 'action_id'], isRecord(raw) ? raw.action_id : undefined],
    [['steps', step.index, 'fallback', 'action_id'], fallback?.action_id],
  ];
  for (const [path, actionId] of candidates) {
    if (typeof actionId !== 'string' || !actionId.includes('${{')) continue;
    report.at(
      'chain.expression_in_action_id',
      path,
      `\`${describePath(path)}\` is ${JSON.stringify(actionId)}; an action id is literal, so the expression would be sent as written`,
      "write the Data Action's id itself; to call different actions, give each its own step",
    );
  }
}

function checkFallback(step: StepOf<unknown>, raw: unknown, report: Reporter): void {
  const hasFallback = isRecord(raw) && isRecord(raw.fallback);
  const ownOnFailure = isRecord(raw) ? raw.on_failure : undefined;
  // An `on_failure` the schema refuses says nothing about whether the fallback would run.
  if (ownOnFailure !== undefined && ownOnFailure !== step.onFailure) return;
  if (step.onFailure === 'fallback' && !hasFallback) {
    report.at(
      'chain.missing_fallback',
      ownOnFailure !== undefined ? ['steps', step.index, 'on_failure'] : ['steps', step.index],
      `steps[${step.index}] (\`${step.id}\`) has \`on_failure: fallback\` but no \`fallback:\``,
      'add `fallback:` with an `action_id` (another Data Action) or an `output` (a static output), or choose `on_failure: abort` or `continue`',
    );
  } else if (hasFallback && step.onFailure !== 'fallback') {
    report.at(
      'chain.unused_fallback',
      ['steps', step.index, 'fallback'],
      `steps[${step.index}] (\`${step.id}\`) has a \`fallback:\` that never runs, because its \`on_failure\` is \`${step.onFailure}\``,
      'set `on_failure: fallback` or remove the `fallback:` block',
      true,
    );
  }
}

/** Unknown inputs and steps, and references to the step itself or a later one. */
function checkReferences(
  references: readonly StepReference[],
  chain: ChainOf<unknown>,
  firstIndex: ReadonlyMap<string, number>,
  hasSteps: boolean,
  report: Reporter,
): void {
  const inputNames = chain.inputs.map((input) => input.name);
  for (const reference of references) {
    const { ref, stepIndex } = reference;
    if (ref.root === 'inputs') {
      const name = String(ref.path[0]);
      if (inputNames.includes(name)) continue;
      const guess = closest(name, inputNames);
      report.atReference(
        'chain.unknown_input',
        reference,
        `\`${ref.text}\` refers to the input \`${name}\`, which the chain does not declare${guess ? `; did you mean \`${guess}\`?` : ''}`,
        inputNames.length
          ? `declared inputs: ${listOf(inputNames)}; or declare it under \`inputs:\``
          : `declare it under \`inputs:\`, e.g. \`inputs: { ${name}: { type: string, required: true } }\``,
      );
    } else if (ref.root === 'steps') {
      const id = String(ref.path[0]);
      const target = firstIndex.get(id);
      if (target === undefined) {
        // Without a list of steps (the schema layer says so) every reference would be "unknown".
        if (!hasSteps) continue;
        const known = [...firstIndex.keys()];
        const guess = closest(id, known);
        report.atReference(
          'chain.unknown_step',
          reference,
          `\`${ref.text}\` refers to the step \`${id}\`, which does not exist${guess ? `; did you mean \`${guess}\`?` : ''}`,
          known.length ? `step ids: ${listOf(known)}` : undefined,
        );
      } else if (stepIndex !== undefined && target === stepIndex) {
        report.atReference(
          'chain.self_ref',
          reference,
          `\`${ref.text}\` refers to its own step \`${id}\`; a step can only read the steps before it`,
          'use an input or an earlier step instead',
        );
      } else if (stepIndex !== undefined && target > stepIndex) {
        report.atReference(
          'chain.forward_ref',
          reference,
          `\`${ref.text}\` in steps[${stepIndex}] refers to the later step \`${id}\` (steps[${target}]); steps run in order, so it has no output yet`,
          'move the referenced step before this one, or refer to an earlier step',
        );
      }
    }
  }
}

function checkOutputNames(outputs: Record<string, unknown>, report: Reporter): void {
  // The outputs are a JSON object that scripts read with JavaScript, where `__proto__` is no
  // ordinary key; every other name, `constructor` included, is one like any other.
  if (Object.hasOwn(outputs, '__proto__'))
    report.at(
      'chain.reserved_name',
      ['outputs', '__proto__'],
      '`__proto__` cannot name an output: in the JavaScript that reads the chain result it is not an ordinary key',
      'choose another name',
      true,
    );
}

/** An input's default must be what its type promises: `--input` values are checked, so defaults are too. */
function checkInputDefaults(inputs: unknown, report: Reporter): void {
  for (const [name, spec] of Object.entries(isRecord(inputs) ? inputs : {})) {
    if (!isRecord(spec) || spec.default === undefined) continue;
    if (spec.required === true)
      report.warn(
        'chain.required_with_default',
        ['inputs', name, 'required'],
        `the input \`${name}\` is \`required: true\` and has a default, so it can never be missing: \`required\` does nothing`,
        'remove `required: true` (the default makes the input optional), or remove the default to make every run set it',
        true,
      );
    const type = typeof spec.type === 'string' ? spec.type : 'string';
    const expected = DEFAULT_FITS.get(type);
    if (expected && !expected.fits(spec.default))
      report.at(
        'chain.bad_default',
        ['inputs', name, 'default'],
        `the default of the input \`${name}\` is ${JSON.stringify(spec.default)}, but its type is \`${type}\``,
        `give ${expected.what}, or change \`type\``,
      );
  }
}

// A Map, not an object: `type: constructor` (refused by the schema) must find nothing here.
const DEFAULT_FITS = new Map<string, { fits: (v: unknown) => boolean; what: string }>([
  // A string input takes any scalar as text, as `--input` does.
  ['string', { fits: (v) => v === null || ['string', 'number', 'boolean'].includes(typeof v), what: 'a text' }],
  ['number', { fits: (v) => typeof v === 'number' && Number.isFinite(v), what: 'a number' }],
  ['integer', { fits: (v) => typeof v === 'number' && Number.isSafeInteger(v), what: 'a whole number' }],
  ['boolean', { fits: (v) => typeof v === 'boolean', what: '`true` or `false`' }],
]);

/** A backoff whose ceiling is below its floor would wait longer than `max_delay_ms` promises. */
function checkRetryBounds(doc: Record<string, unknown>, steps: readonly unknown[], report: Reporter): void {
  const retries: [DocPath, unknown][] = [
    [['defaults', 'retry'], isRecord(doc.defaults) ? doc.defaults.retry : undefined],
    ...steps.map((step, i): [DocPath, unknown] => [['steps', i, 'retry'], isRecord(step) ? step.retry : undefined]),
  ];
  for (const [path, retry] of retries) {
    if (
      isRecord(retry) &&
      typeof retry.initial_delay_ms === 'number' &&
      typeof retry.max_delay_ms === 'number' &&
      retry.max_delay_ms < retry.initial_delay_ms
    )
      report.at(
        'chain.retry_bounds',
        [...path, 'max_delay_ms'],
        `\`max_delay_ms\` (${retry.max_delay_ms}) is below \`initial_delay_ms\` (${retry.initial_delay_ms})`,
        'the wait between attempts lies between the two: make `max_delay_ms` at least `initial_delay_ms`',
      );
  }
}
