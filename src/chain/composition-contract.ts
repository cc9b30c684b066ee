/**
 * The contract between a chain step and its child (SPEC 3.3): `with:` against the child's
 * `inputs:`, and what the parent reads of the child's `outputs:`.
 */
import { diagnostic, type DiagnosticCode } from './diagnostics.js';
import type { ChildEdge, LoadedFile, Report } from './loaded-file.js';
import { isRecord, type ChainStepOf, type InputSpec } from './normalize.js';
import { referencePosition, type OutputUse, type StepReference } from './semantics.js';
import { positionOf, type DocPath } from './source.js';
import type { Template } from './expression.js';
import { closest, listOf } from './suggest.js';

/** A diagnostic at a node of `entry`'s document; without a parsed document, at the file. */
export function at(
  entry: LoadedFile,
  code: DiagnosticCode,
  path: DocPath,
  message: string,
  hint?: string,
  key = false,
) {
  const source = entry.parsed.source;
  return diagnostic(code, entry.file, source ? positionOf(source, path, key) : undefined, message, hint);
}

const INPUT_FITS: Readonly<Record<InputSpec['type'], (v: unknown) => boolean>> = {
  string: (v) => typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean',
  number: (v) => typeof v === 'number' && Number.isFinite(v),
  integer: (v) => typeof v === 'number' && Number.isSafeInteger(v),
  boolean: (v) => typeof v === 'boolean',
};

/** `with:` names exactly the child's inputs, and a literal has the input's type (SPEC 3.3). */
export function checkWith(parent: LoadedFile, step: ChainStepOf<Template>, child: LoadedFile, report: Report): void {
  // A child with errors of its own may have misread inputs; its own problems are said first.
  const inputs = child.compiled?.chain.inputs;
  if (!inputs) return;
  const rawStep =
    isRecord(parent.parsed.data) && Array.isArray(parent.parsed.data.steps)
      ? parent.parsed.data.steps[step.index]
      : undefined;
  const hasWith = isRecord(rawStep) && isRecord(rawStep.with);
  const given = hasWith ? (rawStep.with as Record<string, unknown>) : {};
  const names = inputs.map((i) => i.name);
  const base: DocPath = ['steps', step.index, 'with'];
  for (const [name, value] of Object.entries(given)) {
    const input = inputs.find((i) => i.name === name);
    if (!input) {
      const guess = closest(name, names);
      report(
        parent,
        at(
          parent,
          'chain.unknown_with',
          [...base, name],
          `\`with: ${name}\`: ${child.file} has no input \`${name}\`${guess ? `; did you mean \`${guess}\`?` : ''}`,
          names.length ? `its inputs: ${listOf(names)}` : `${child.file} declares no inputs: remove \`with:\``,
          true,
        ),
      );
      continue;
    }
    const literal = typeof value !== 'string' || !value.includes('${{');
    if (literal && value !== null && !INPUT_FITS[input.type](value))
      report(
        parent,
        at(
          parent,
          'chain.with_type',
          [...base, name],
          `\`with: ${name}\` is ${JSON.stringify(value)}, but the input \`${name}\` of ${child.file} is of type \`${input.type}\``,
          `give ${input.type === 'boolean' ? '`true` or `false`' : `a ${input.type === 'integer' ? 'whole number' : input.type}`}`,
        ),
      );
  }
  const missing = inputs.filter((i) => i.required && i.default === undefined && !Object.hasOwn(given, i.name));
  if (missing.length > 0)
    report(
      parent,
      at(
        parent,
        'chain.missing_with',
        hasWith ? base : ['steps', step.index, 'uses'],
        `${child.file} requires the input${missing.length === 1 ? '' : 's'} ${listOf(missing.map((i) => i.name))}, which \`with:\` does not give`,
        `add ${missing.map((i) => `\`${i.name}: …\``).join(', ')} under \`with:\``,
        hasWith,
      ),
    );
}

/**
 * `steps.<chain step>.output.<name>`, and `output.<name>` in a chain step's own `expect:`, name
 * one of the child's declared outputs (SPEC 3.3, 3.5).
 */
export function checkChildOutputs(parent: LoadedFile, edges: readonly ChildEdge[], report: Report): void {
  const semantic = parent.semantic;
  const source = parent.parsed.source;
  if (!semantic || !source || edges.length === 0) return;
  const byId = new Map<string, ChildEdge>();
  const byIndex = new Map<number, ChildEdge>();
  for (const edge of edges) {
    const step = semantic.chain.steps[edge.stepIndex];
    if (step) byId.set(step.id, edge);
    byIndex.set(edge.stepIndex, edge);
  }
  const uses: [StepReference | OutputUse, ChildEdge | undefined, string | number | undefined][] = [
    ...semantic.references
      .filter(({ ref }) => ref.root === 'steps' && ref.path[1] === 'output')
      .map((r): [StepReference, ChildEdge | undefined, string | number | undefined] => [
        r,
        byId.get(String(r.ref.path[0])),
        r.ref.path[2],
      ]),
    ...semantic.outputUses.map((r): [OutputUse, ChildEdge | undefined, string | number | undefined] => [
      r,
      byIndex.get(r.stepIndex),
      r.ref.path[0],
    ]),
  ];
  for (const [use, edge, name] of uses) {
    if (!edge || name === undefined || !edge.child.compiled) continue;
    const outputs = edge.child.compiled.chain.outputs;
    const declared =
      outputs?.kind === 'object'
        ? outputs.entries.map(([k]) => k)
        : outputs?.kind === 'literal' && isRecord(outputs.value)
          ? Object.keys(outputs.value)
          : [];
    if (declared.includes(String(name))) continue;
    const guess = closest(String(name), declared);
    report(
      parent,
      diagnostic(
        'chain.unknown_output',
        parent.file,
        referencePosition(source, use),
        `\`${use.ref.text}\`: ${edge.child.file} declares no output \`${String(name)}\` (only a child's \`outputs:\` are visible)${guess ? `; did you mean \`${guess}\`?` : ''}`,
        declared.length ? `its outputs: ${listOf(declared)}` : `declare it under \`outputs:\` in ${edge.child.file}`,
      ),
    );
  }
}
