import { dirname, resolve, sep } from 'node:path';
import { diagnostic, isWarning, type Diagnostic, type DiagnosticCode } from './diagnostics.js';
import type { LoadedFile } from './loader.js';
import { isRecord, type ChainStepOf, type InputSpec } from './normalize.js';
import { positionOf, positionOfText, type DocPath } from './source.js';
import type { Template } from './expression.js';
import { closest, listOf } from './suggest.js';

/** At most this many chains nest, the top-level one included (SPEC 3.3). */
export const MAX_NESTING = 5;

/** One `uses:` that leads to a file. */
export interface ChildEdge {
  parent: LoadedFile;
  stepIndex: number;
  child: LoadedFile;
}

export interface CompositionPorts {
  get(file: string): LoadedFile;
  display(path: string): string;
  /** The folder a file's `uses:` must stay inside. */
  rootOf(path: string): string;
  realpath: ((path: string) => string | undefined) | undefined;
}

export interface Composition {
  /** Every file, each once: the given ones in order, then their children as first met. */
  order: LoadedFile[];
  edges: ChildEdge[];
  /** The child of each chain step, by `path \0 stepIndex`. */
  childOf: Map<string, LoadedFile>;
  /** Files that cannot run: an error of their own, of a `uses:`, or of a chain they use. */
  invalid: Set<LoadedFile>;
  /** The problems found across files, by the file that holds the mistake. */
  diagnostics: Map<LoadedFile, Diagnostic[]>;
}

/**
 * The checks of SPEC 3.3 across files, in one pass over the graph of `uses:`: each file is
 * visited once, however many chains use it.
 */
export function checkComposition(top: readonly LoadedFile[], ports: CompositionPorts): Composition {
  const order: LoadedFile[] = [];
  const seen = new Set<LoadedFile>();
  const edges: ChildEdge[] = [];
  const childOf = new Map<string, LoadedFile>();
  const diagnostics = new Map<LoadedFile, Diagnostic[]>();
  const invalid = new Set<LoadedFile>();
  const said = new Set<string>();
  const report = (entry: LoadedFile, d: Diagnostic) => {
    const key = `${d.code}@${d.file}:${d.line}:${d.column}:${d.message}`;
    if (said.has(key)) return;
    said.add(key);
    const list = diagnostics.get(entry) ?? [];
    list.push(d);
    diagnostics.set(entry, list);
    if (!isWarning(d)) invalid.add(entry);
  };
  const add = (entry: LoadedFile) => {
    if (seen.has(entry)) return;
    seen.add(entry);
    order.push(entry);
    if (entry.own.some((d) => !isWarning(d))) invalid.add(entry);
  };
  for (const entry of top) add(entry);

  // Edges of every file reachable, breadth first, each file's `uses:` resolved once.
  const queue = [...order];
  const childrenOf = new Map<LoadedFile, ChildEdge[]>();
  while (queue.length > 0) {
    const parent = queue.shift() as LoadedFile;
    const own: ChildEdge[] = [];
    for (const step of parent.compiled?.chain.steps ?? []) {
      if (step.kind !== 'chain') continue;
      const child = resolveChild(parent, step, ports, report);
      if (!child) continue;
      const edge = { parent, stepIndex: step.index, child };
      own.push(edge);
      edges.push(edge);
      childOf.set(`${parent.path}\u0000${step.index}`, child);
      if (!seen.has(child)) {
        add(child);
        queue.push(child);
      }
      checkWith(parent, step, child, report);
    }
    childrenOf.set(parent, own);
    checkChildOutputs(parent, own, report);
  }

  checkCycles(order, childrenOf, ports, report, invalid);
  checkNesting(order, childrenOf, report);
  // A chain that uses an invalid chain cannot run either; say so at its `uses:`, up every level.
  let changed = true;
  while (changed) {
    changed = false;
    for (const edge of edges) {
      if (!invalid.has(edge.child) || invalid.has(edge.parent)) continue;
      const source = edge.parent.parsed.source;
      const problems = edge.child.own.filter((d) => !isWarning(d)).length + (diagnostics.get(edge.child)?.length ?? 0);
      if (!source) continue;
      report(
        edge.parent,
        diagnostic(
          'chain.child_invalid',
          edge.parent.file,
          positionOf(source, ['steps', edge.stepIndex, 'uses']),
          `\`${usesOf(edge)}\` (${edge.child.file}) is not a valid chain${problems > 0 ? ` (${problems} problem${problems === 1 ? '' : 's'}, each at its own line there)` : ''}, so this chain cannot run`,
          `fix ${edge.child.file} first`,
        ),
      );
      changed = true;
    }
  }
  return { order, edges, childOf, invalid, diagnostics };
}

type Report = (entry: LoadedFile, d: Diagnostic) => void;

function usesOf(edge: ChildEdge): string {
  const step = edge.parent.compiled?.chain.steps[edge.stepIndex];
  return step?.kind === 'chain' ? step.uses : '';
}

function at(entry: LoadedFile, code: DiagnosticCode, path: DocPath, message: string, hint?: string, key = false) {
  const source = entry.parsed.source;
  return diagnostic(code, entry.file, source ? positionOf(source, path, key) : undefined, message, hint);
}

/** The child file of a chain step, or the reason there is none (reported at the `uses:`). */
function resolveChild(
  parent: LoadedFile,
  step: ChainStepOf<Template>,
  ports: CompositionPorts,
  report: Report,
): LoadedFile | undefined {
  const where: DocPath = ['steps', step.index, 'uses'];
  const path = resolve(dirname(parent.path), step.uses);
  const root = ports.rootOf(parent.path);
  const outside = (p: string, r: string) => p !== r && !p.startsWith(r + sep);
  if (outside(path, root)) {
    report(
      parent,
      at(
        parent,
        'chain.uses_outside_root',
        where,
        `\`uses: ${step.uses}\` leads to ${path}, outside the repository root ${root}`,
        'a chain may only use chain files of its own repository: copy the child into it',
      ),
    );
    return undefined;
  }
  if (ports.realpath) {
    const real = ports.realpath(path);
    const realRoot = ports.realpath(root) ?? root;
    if (real === undefined) {
      report(
        parent,
        at(
          parent,
          'chain.uses_not_found',
          where,
          `\`uses: ${step.uses}\`: there is no file ${ports.display(path)}`,
          `the path is relative to this file's folder (${ports.display(dirname(parent.path)) || '.'}), and starts with ./ or ../`,
        ),
      );
      return undefined;
    }
    if (outside(real, realRoot)) {
      report(
        parent,
        at(
          parent,
          'chain.uses_outside_root',
          where,
          `\`uses: ${step.uses}\` is a symbolic link to ${real}, outside the repository root ${realRoot}`,
          'a chain may only use chain files of its own repository: copy the child into it',
        ),
      );
      return undefined;
    }
  }
  const child = ports.get(ports.display(path));
  if (!ports.realpath && child.own.some((d) => d.code === 'path.not_found')) {
    report(parent, at(parent, 'chain.uses_not_found', where, `\`uses: ${step.uses}\`: there is no file ${child.file}`));
    return undefined;
  }
  return child;
}

const INPUT_FITS: Readonly<Record<InputSpec['type'], (v: unknown) => boolean>> = {
  string: (v) => typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean',
  number: (v) => typeof v === 'number' && Number.isFinite(v),
  integer: (v) => typeof v === 'number' && Number.isSafeInteger(v),
  boolean: (v) => typeof v === 'boolean',
};

/** `with:` names exactly the child's inputs, and a literal has the input's type (SPEC 3.3). */
function checkWith(parent: LoadedFile, step: ChainStepOf<Template>, child: LoadedFile, report: Report): void {
  const inputs = child.compiled?.chain.inputs;
  if (!inputs) return;
  const rawStep =
    isRecord(parent.parsed.data) && Array.isArray(parent.parsed.data.steps)
      ? parent.parsed.data.steps[step.index]
      : undefined;
  const given = isRecord(rawStep) && isRecord(rawStep.with) ? rawStep.with : {};
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
        isRecord(rawStep) && isRecord(rawStep.with) ? base : ['steps', step.index, 'uses'],
        `${child.file} requires the input${missing.length === 1 ? '' : 's'} ${listOf(missing.map((i) => i.name))}, which \`with:\` does not give`,
        `add ${missing.map((i) => `\`${i.name}: …\``).join(', ')} under \`with:\``,
        isRecord(rawStep) && isRecord(rawStep.with),
      ),
    );
}

/** `steps.<chain step>.output.<name>` names one of the child's declared outputs (SPEC 3.3). */
function checkChildOutputs(parent: LoadedFile, edges: readonly ChildEdge[], report: Report): void {
  const compiled = parent.compiled;
  const source = parent.parsed.source;
  if (!compiled || !source || edges.length === 0) return;
  const byId = new Map<string, ChildEdge>();
  for (const edge of edges) {
    const step = compiled.chain.steps[edge.stepIndex];
    if (step) byId.set(step.id, edge);
  }
  for (const { ref, docPath } of compiled.references) {
    if (ref.root !== 'steps' || ref.path[1] !== 'output') continue;
    const edge = byId.get(String(ref.path[0]));
    const name = ref.path[2];
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
        positionOfText(source, docPath, ref.text),
        `\`${ref.text}\`: ${edge.child.file} declares no output \`${String(name)}\`${guess ? `; did you mean \`${guess}\`?` : ''}; only a child's \`outputs:\` are visible`,
        declared.length ? `its outputs: ${listOf(declared)}` : `declare it under \`outputs:\` in ${edge.child.file}`,
      ),
    );
  }
}

/** Each cycle once, with the whole path, at the `uses:` that leaves its first file by name. */
function checkCycles(
  order: readonly LoadedFile[],
  childrenOf: ReadonlyMap<LoadedFile, readonly ChildEdge[]>,
  ports: CompositionPorts,
  report: Report,
  invalid: Set<LoadedFile>,
): void {
  const state = new Map<LoadedFile, 'open' | 'done'>();
  const stack: ChildEdge[] = [];
  const visit = (entry: LoadedFile) => {
    state.set(entry, 'open');
    for (const edge of childrenOf.get(entry) ?? []) {
      const mark = state.get(edge.child);
      if (mark === 'open') {
        const start = stack.findIndex((e) => e.parent === edge.child);
        const cycle = [...stack.slice(start === -1 ? stack.length : start), edge];
        reportCycle(cycle, ports, report, invalid);
      } else if (mark === undefined) {
        stack.push(edge);
        visit(edge.child);
        stack.pop();
      }
    }
    state.set(entry, 'done');
  };
  for (const entry of order) if (!state.has(entry)) visit(entry);
}

function reportCycle(
  cycle: readonly ChildEdge[],
  ports: CompositionPorts,
  report: Report,
  invalid: Set<LoadedFile>,
): void {
  // The same cycle met from any of its files is reported from the one whose name sorts first.
  let first = 0;
  cycle.forEach((edge, i) => {
    if (edge.parent.file < (cycle[first] as ChildEdge).parent.file) first = i;
  });
  const rotated = [...cycle.slice(first), ...cycle.slice(0, first)];
  const head = rotated[0] as ChildEdge;
  const names = [...rotated.map((e) => e.parent.file), head.parent.file];
  // Every file on the cycle cannot run; the first one says why.
  for (const edge of rotated) invalid.add(edge.parent);
  report(
    head.parent,
    at(
      head.parent,
      'chain.uses_cycle',
      ['steps', head.stepIndex, 'uses'],
      `chains use each other in a cycle: ${names.map((n) => ports.display(resolve(n))).join(' → ')}`,
      'a chain cannot run itself, directly or through others: remove one of these `uses:`',
    ),
  );
}

/** Nesting deeper than `MAX_NESTING` chains, said at the `uses:` that crosses the limit. */
function checkNesting(
  order: readonly LoadedFile[],
  childrenOf: ReadonlyMap<LoadedFile, readonly ChildEdge[]>,
  report: Report,
): void {
  const height = new Map<LoadedFile, { n: number; path: string[] }>();
  const heightOf = (entry: LoadedFile, depth: number): { n: number; path: string[] } => {
    const known = height.get(entry);
    if (known) return known;
    height.set(entry, { n: 1, path: [entry.file] }); // on a cycle: counted once, the cycle is said
    let best = { n: 1, path: [entry.file] };
    // Past the limit the answer is known; going on would only follow a hostile tree down.
    if (depth <= MAX_NESTING + 1)
      for (const edge of childrenOf.get(entry) ?? []) {
        const below = heightOf(edge.child, depth + 1);
        if (below.n === MAX_NESTING)
          report(
            edge.parent,
            at(
              edge.parent,
              'chain.nesting_too_deep',
              ['steps', edge.stepIndex, 'uses'],
              `\`uses: ${usesOf(edge)}\` nests ${MAX_NESTING + 1} chains: ${[entry.file, ...below.path].join(' → ')}; at most ${MAX_NESTING} chains nest`,
              'flatten a level: move the steps of the innermost child into its parent',
            ),
          );
        if (below.n + 1 > best.n)
          best = { n: Math.min(below.n + 1, MAX_NESTING + 1), path: [entry.file, ...below.path] };
      }
    height.set(entry, best);
    return best;
  };
  for (const entry of order) heightOf(entry, 1);
}
