import { diagnostic, type Diagnostic, type DiagnosticCode } from './diagnostics.js';
import { compileTemplate, type LocatedReference, type Template } from './expression.js';
import type { CompiledTemplates } from './model.js';
import { BUILTIN_DEFAULTS } from './model.js';
import { positionOf, positionOfText, type ChainSource, type DocPath } from './source.js';
import { describePath } from './schema-errors.js';
import { closest, listOf } from './suggest.js';

type Raw = Record<string, unknown>;

export interface SemanticResult {
  diagnostics: Diagnostic[];
  templates: CompiledTemplates;
}

/**
 * The semantic layer of SPEC 3.1. Works on the raw document so that it still reports its
 * problems when the schema layer found others: every problem at once.
 */
export function checkSemantics(data: unknown, source: ChainSource): SemanticResult {
  const out: Diagnostic[] = [];
  const report = (code: DiagnosticCode, path: DocPath, message: string, hint?: string, key = false) =>
    out.push(diagnostic(code, source.file, positionOf(source, path, key), message, hint));
  const reportRef = (code: DiagnosticCode, path: DocPath, text: string, message: string, hint?: string, key = false) =>
    out.push(diagnostic(code, source.file, positionOfText(source, path, text, key), message, hint));
  const chain = isRecord(data) ? data : {};
  const steps = Array.isArray(chain.steps) ? chain.steps.map((s) => (isRecord(s) ? s : {})) : [];
  const defaults = isRecord(chain.defaults) ? chain.defaults : {};
  const inputNames = isRecord(chain.inputs) ? Object.keys(chain.inputs) : [];
  const templates: CompiledTemplates = { payloads: [], fallbacks: [] };

  const maxDepth = isIntegerIn(chain.max_depth, 1, 25) ? chain.max_depth : BUILTIN_DEFAULTS.maxDepth;
  if (steps.length > maxDepth && steps.length <= 25) {
    report(
      'chain.too_many_steps',
      ['steps', maxDepth],
      `the chain has ${steps.length} steps but \`max_depth\` is ${maxDepth}`,
      `raise \`max_depth\` (at most 25) or split the chain into parent and child chains`,
    );
  }

  const ids = steps.map((step) => stepId(step));
  const firstIndex = new Map<string, number>();
  ids.forEach((id, index) => {
    if (id === undefined) return;
    const earlier = firstIndex.get(id);
    if (earlier === undefined) {
      firstIndex.set(id, index);
      return;
    }
    const step = steps[index] ?? {};
    const explicit = typeof step.id === 'string';
    report(
      'chain.duplicate_step',
      ['steps', index, explicit ? 'id' : 'action_id'],
      explicit
        ? `step id \`${id}\` is used by steps[${earlier}] and steps[${index}]; step ids must be unique`
        : `circular dependency: steps[${earlier}] and steps[${index}] both call \`${id}\` and neither has a distinct \`id\``,
      explicit ? 'rename one of the steps' : 'give each step that calls the same action its own `id:`',
    );
  });

  const checkRefs = (refs: readonly LocatedReference[], stepIndex: number | undefined) => {
    for (const { ref, docPath } of refs) {
      if (ref.root === 'inputs') {
        const name = String(ref.path[0]);
        if (!inputNames.includes(name)) {
          const guess = closest(name, inputNames);
          reportRef(
            'chain.unknown_input',
            docPath,
            ref.text,
            `\`${ref.text}\` refers to the input \`${name}\`, which the chain does not declare${guess ? `; did you mean \`${guess}\`?` : ''}`,
            inputNames.length
              ? `declared inputs: ${listOf(inputNames)}; or declare it under \`inputs:\``
              : `declare it under \`inputs:\`, e.g. \`inputs: { ${name}: { type: string, required: true } }\``,
          );
        }
      } else if (ref.root === 'steps') {
        const id = String(ref.path[0]);
        const target = firstIndex.get(id);
        if (target === undefined) {
          // Without a list of steps (the schema layer says so) every reference would be "unknown".
          if (steps.length === 0) continue;
          const known = [...firstIndex.keys()];
          const guess = closest(id, known);
          reportRef(
            'chain.unknown_step',
            docPath,
            ref.text,
            `\`${ref.text}\` refers to the step \`${id}\`, which does not exist${guess ? `; did you mean \`${guess}\`?` : ''}`,
            known.length ? `step ids: ${listOf(known)}` : undefined,
          );
        } else if (stepIndex !== undefined && target === stepIndex) {
          reportRef(
            'chain.self_ref',
            docPath,
            ref.text,
            `\`${ref.text}\` refers to its own step \`${id}\`; a step can only read the steps before it`,
            'use an input or an earlier step instead',
          );
        } else if (stepIndex !== undefined && target > stepIndex) {
          reportRef(
            'chain.forward_ref',
            docPath,
            ref.text,
            `\`${ref.text}\` in steps[${stepIndex}] refers to the later step \`${id}\` (steps[${target}]); steps run in order, so it has no output yet`,
            'move the referenced step before this one, or refer to an earlier step',
          );
        }
      }
    }
  };
  const compile = (value: unknown, docPath: DocPath, stepIndex: number | undefined): Template => {
    const compiled = compileTemplate(value, docPath);
    for (const error of compiled.errors) {
      if (error.expression !== undefined)
        reportRef(error.code, error.docPath, error.expression, error.message, error.hint, error.key);
      else report(error.code, error.docPath, error.message, error.hint, error.key);
    }
    checkRefs(compiled.references, stepIndex);
    return compiled.template;
  };

  steps.forEach((step, index) => {
    templates.payloads[index] = compile(step.payload ?? {}, ['steps', index, 'payload'], index);
    const fallback = isRecord(step.fallback) ? step.fallback : undefined;
    for (const [path, actionId] of [
      [['steps', index, 'action_id'], step.action_id],
      [['steps', index, 'fallback', 'action_id'], fallback?.action_id],
    ] as const) {
      if (typeof actionId !== 'string' || !actionId.includes('${{')) continue;
      report(
        'chain.expression_in_action_id',
        path,
        `\`${describePath(path)}\` is ${JSON.stringify(actionId)}; an action id is literal, so the expression would be sent as written`,
        "write the Data Action's id itself; to call different actions, give each its own step",
      );
    }
    templates.fallbacks[index] = fallback
      ? 'output' in fallback
        ? compile(fallback.output, ['steps', index, 'fallback', 'output'], index)
        : compile(fallback.payload ?? {}, ['steps', index, 'fallback', 'payload'], index)
      : undefined;
    const onFailure = step.on_failure ?? defaults.on_failure ?? BUILTIN_DEFAULTS.onFailure;
    if (onFailure === 'fallback' && !fallback) {
      const where = step.on_failure !== undefined ? ['steps', index, 'on_failure'] : ['steps', index];
      report(
        'chain.missing_fallback',
        where,
        `steps[${index}] (\`${ids[index] ?? '?'}\`) has \`on_failure: fallback\` but no \`fallback:\``,
        'add `fallback:` with an `action_id` (another Data Action) or an `output` (a static output), or choose `on_failure: abort` or `continue`',
      );
    } else if (fallback && onFailure !== 'fallback' && typeof onFailure === 'string') {
      report(
        'chain.unused_fallback',
        ['steps', index, 'fallback'],
        `steps[${index}] (\`${ids[index] ?? '?'}\`) has a \`fallback:\` that never runs, because its \`on_failure\` is \`${onFailure}\``,
        'set `on_failure: fallback` or remove the `fallback:` block',
        true,
      );
    }
  });
  if (isRecord(chain.outputs)) {
    templates.outputs = compile(chain.outputs, ['outputs'], undefined);
    // The outputs are a JSON object that scripts read with JavaScript, where `__proto__` is no
    // ordinary key; every other name, `constructor` included, is one like any other.
    if (Object.hasOwn(chain.outputs, '__proto__'))
      report(
        'chain.reserved_name',
        ['outputs', '__proto__'],
        '`__proto__` cannot name an output: in the JavaScript that reads the chain result it is not an ordinary key',
        'choose another name',
        true,
      );
  }

  // An input's default must be what its type promises: `--input` values are checked, so defaults are too.
  for (const [name, spec] of Object.entries(isRecord(chain.inputs) ? chain.inputs : {})) {
    if (!isRecord(spec) || spec.default === undefined) continue;
    if (spec.required === true)
      out.push({
        ...diagnostic(
          'chain.required_with_default',
          source.file,
          positionOf(source, ['inputs', name, 'required'], true),
          `the input \`${name}\` is \`required: true\` and has a default, so it can never be missing: \`required\` does nothing`,
          'remove `required: true` (the default makes the input optional), or remove the default to make every run set it',
        ),
        severity: 'warning',
      });
    const type = typeof spec.type === 'string' ? spec.type : 'string';
    const expected = DEFAULT_FITS.get(type);
    if (expected && !expected.fits(spec.default)) {
      report(
        'chain.bad_default',
        ['inputs', name, 'default'],
        `the default of the input \`${name}\` is ${JSON.stringify(spec.default)}, but its type is \`${type}\``,
        `give ${expected.what}, or change \`type\``,
      );
    }
  }

  // A backoff whose ceiling is below its floor would wait longer than `max_delay_ms` promises.
  const retries: [DocPath, unknown][] = [
    [['defaults', 'retry'], defaults.retry],
    ...steps.map((step, i): [DocPath, unknown] => [['steps', i, 'retry'], step.retry]),
  ];
  for (const [path, retry] of retries) {
    if (
      isRecord(retry) &&
      typeof retry.initial_delay_ms === 'number' &&
      typeof retry.max_delay_ms === 'number' &&
      retry.max_delay_ms < retry.initial_delay_ms
    ) {
      report(
        'chain.retry_bounds',
        [...path, 'max_delay_ms'],
        `\`max_delay_ms\` (${retry.max_delay_ms}) is below \`initial_delay_ms\` (${retry.initial_delay_ms})`,
        'the wait between attempts lies between the two: make `max_delay_ms` at least `initial_delay_ms`',
      );
    }
  }
  return { diagnostics: out, templates };
}

// A Map, not an object: `type: constructor` (refused by the schema) must find nothing here.
const DEFAULT_FITS = new Map<string, { fits: (v: unknown) => boolean; what: string }>([
  // A string input takes any scalar as text, as `--input` does.
  ['string', { fits: (v) => v === null || ['string', 'number', 'boolean'].includes(typeof v), what: 'a text' }],
  ['number', { fits: (v) => typeof v === 'number' && Number.isFinite(v), what: 'a number' }],
  ['integer', { fits: (v) => typeof v === 'number' && Number.isSafeInteger(v), what: 'a whole number' }],
  ['boolean', { fits: (v) => typeof v === 'boolean', what: '`true` or `false`' }],
]);

function stepId(step: Raw): string | undefined {
  if (typeof step.id === 'string') return step.id;
  return typeof step.action_id === 'string' ? step.action_id : undefined;
}

function isRecord(value: unknown): value is Raw {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isIntegerIn(value: unknown, min: number, max: number): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value >= min && value <= max;
}
