import { dirname, resolve, sep } from 'node:path';
import { compareDiagnostics, isWarning, type Diagnostic, type DiagnosticCode } from './diagnostics.js';
import { componentsOf, cycleOf, invalidFiles, isCycle, tooDeep, MAX_NESTING } from './composition-graph.js';
import type { ChildEdge, LoadedFile, Report } from './loaded-file.js';
import { at, checkChildOutputs, checkWith } from './composition-contract.js';
import type { ChainStepOf } from './normalize.js';
import { positionOf, type DocPath } from './source.js';
import type { Template } from './expression.js';

export { MAX_NESTING } from './composition-graph.js';

export type { ChildEdge, Report } from './loaded-file.js';

export interface CompositionPorts {
  get(file: string): LoadedFile;
  display(path: string): string;
  /** The folder a file's `uses:` must stay inside (SPEC 3.3). */
  rootOf(path: string): UsesRoot;
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

/** The folder `uses:` must stay inside, with links resolved. */
export interface UsesRoot {
  dir: string;
  /** The git work tree holding the file; else the folder given on the command line. */
  git: boolean;
}

/** Records a problem found across files, held by the file with the mistake. */
/**
 * The checks of SPEC 3.3 across files, in one pass over the graph of `uses:`: each file is
 * visited once, however many chains use it. A file with errors of its own is still followed, so
 * its children's problems are said at once too.
 */
export function checkComposition(top: readonly LoadedFile[], ports: CompositionPorts): Composition {
  const order: LoadedFile[] = [];
  const seen = new Set<LoadedFile>();
  const edges: ChildEdge[] = [];
  const childOf = new Map<string, LoadedFile>();
  const diagnostics = new Map<LoadedFile, Diagnostic[]>();
  const said = new Set<string>();
  const report: Report = (entry, d) => {
    const key = `${d.code}@${d.file}:${d.line}:${d.column}:${d.message}`;
    if (said.has(key)) return;
    said.add(key);
    const list = diagnostics.get(entry) ?? [];
    list.push(d);
    diagnostics.set(entry, list);
  };
  const add = (entry: LoadedFile) => {
    if (seen.has(entry)) return;
    seen.add(entry);
    order.push(entry);
  };
  for (const entry of top) add(entry);

  // Edges of every file reachable, breadth first, each file's `uses:` resolved once.
  const childrenOf = new Map<LoadedFile, ChildEdge[]>();
  for (let i = 0; i < order.length; i++) {
    const parent = order[i] as LoadedFile;
    const own: ChildEdge[] = [];
    for (const step of followedSteps(parent)) {
      const child = resolveChild(parent, step, ports, report);
      if (!child) continue;
      const edge = { parent, stepIndex: step.index, child };
      own.push(edge);
      edges.push(edge);
      childOf.set(`${parent.path}\u0000${step.index}`, child);
      add(child);
      checkWith(parent, step, child, report);
    }
    childrenOf.set(parent, own);
    checkChildOutputs(parent, own, report);
  }

  const components = componentsOf(order, childrenOf);
  const componentOf = new Map<LoadedFile, readonly LoadedFile[]>();
  const direct = new Map<LoadedFile, Diagnostic>();
  for (const component of components) {
    for (const file of component) componentOf.set(file, component);
    if (!isCycle(component, childrenOf)) continue;
    const cycle = reportCycle(cycleOf(component, childrenOf), report);
    // Every file on the cycle cannot run; the first one says why.
    if (cycle) for (const file of component) direct.set(file, cycle);
  }
  for (const { edge, files } of tooDeep(components, childrenOf))
    report(
      edge.parent,
      at(
        edge.parent,
        'chain.nesting_too_deep',
        ['steps', edge.stepIndex, 'uses'],
        `\`uses: ${usesOf(edge)}\` nests ${MAX_NESTING + 1} chains: ${files.map((f) => f.file).join(' → ')}; at most ${MAX_NESTING} chains nest`,
        'flatten a level: move the steps of the innermost child into its parent',
      ),
    );

  // A chain that uses an invalid chain cannot run either; say so at each such `uses:`, up every
  // level, with the first problem that stops it (edges inside a cycle: the cycle is said).
  for (const file of order) {
    const [first] = errorsOf(file, diagnostics);
    if (first) direct.set(file, first);
  }
  const invalid = invalidFiles(direct, edges);
  for (const edge of edges) {
    const cause = invalid.get(edge.child);
    if (!cause || componentOf.get(edge.child) === componentOf.get(edge.parent)) continue;
    report(edge.parent, childInvalid(edge, errorsOf(edge.child, diagnostics), cause));
  }
  return { order, edges, childOf, invalid: new Set(invalid.keys()), diagnostics };
}

/** A file's errors, its own and those found across files, in file order; `chain.child_invalid` last. */
function errorsOf(file: LoadedFile, found: ReadonlyMap<LoadedFile, readonly Diagnostic[]>): Diagnostic[] {
  const errors = [...file.own, ...(found.get(file) ?? [])].filter((d) => !isWarning(d)).sort(compareDiagnostics);
  return [
    ...errors.filter((d) => d.code !== 'chain.child_invalid'),
    ...errors.filter((d) => d.code === 'chain.child_invalid'),
  ];
}

function childInvalid(edge: ChildEdge, childErrors: readonly Diagnostic[], cause: Diagnostic): Diagnostic {
  const { parent, child } = edge;
  const own = childErrors.filter((d) => d.code !== 'chain.child_invalid');
  const where = `${cause.file}${cause.line === undefined ? '' : `:${cause.line}:${cause.column}`}`;
  const [message, hint] =
    own.length > 0
      ? [
          `\`uses: ${usesOf(edge)}\`: ${child.file} is not a valid chain (${own.length} problem${own.length === 1 ? '' : 's'}, the first at ${where}), so this chain cannot run`,
          `fix ${child.file} first: each of its problems is reported at its own line`,
        ]
      : [
          `\`uses: ${usesOf(edge)}\`: ${child.file} cannot run because of a problem at ${where} (${cause.code}), so this chain cannot run either`,
          `fix that problem first: it is reported at its own line in ${cause.file}`,
        ];
  return at(parent, 'chain.child_invalid', ['steps', edge.stepIndex, 'uses'], message, hint);
}

function usesOf(edge: ChildEdge): string {
  const step = edge.parent.semantic?.chain.steps[edge.stepIndex];
  return step?.kind === 'chain' ? clip(step.uses) : '';
}

/**
 * The chain steps whose `uses:` is followed: all of them, but for a `uses:` the file's own layers
 * refused (not a path of the right shape), which would only be said again as missing.
 */
function followedSteps(file: LoadedFile): ChainStepOf<Template>[] {
  const source = file.parsed.source;
  const refused = new Set(file.own.filter((d) => !isWarning(d)).map((d) => `${d.line}:${d.column}`));
  return (file.semantic?.chain.steps ?? []).flatMap((step) => {
    if (step.kind !== 'chain' || step.uses === '') return [];
    if (refused.size === 0 || !source) return [step];
    const { line, column } = positionOf(source, ['steps', step.index, 'uses']);
    return refused.has(`${line}:${column}`) ? [] : [step];
  });
}

/** Past this many characters, a path in a message is cut. */
const MAX_PATH_SHOWN = 200;

function clip(path: string): string {
  return path.length > MAX_PATH_SHOWN ? `${path.slice(0, MAX_PATH_SHOWN)}…` : path;
}

/** A character no file name holds: a NUL ends a path for the system, the others hide in output. */
function controlCharacter(path: string): number | undefined {
  for (const c of path) {
    const code = c.codePointAt(0) ?? 0;
    if (code < 0x20 || code === 0x7f) return code;
  }
  return undefined;
}

/** The child file of a chain step, or the reason there is none (reported at the `uses:`). */
function resolveChild(
  parent: LoadedFile,
  step: ChainStepOf<Template>,
  ports: CompositionPorts,
  report: Report,
): LoadedFile | undefined {
  const where: DocPath = ['steps', step.index, 'uses'];
  // A hostile path may be kilobytes long: messages quote its start.
  const uses = clip(step.uses);
  const refuse = (code: DiagnosticCode, message: string, hint?: string) => {
    report(parent, at(parent, code, where, message, hint));
    return undefined;
  };
  const folder = ports.display(dirname(parent.path));
  const relativeHint = `the path is relative to this file's folder (${folder}), and starts with ./ or ../`;
  const control = controlCharacter(step.uses);
  if (control !== undefined)
    return refuse(
      'chain.uses_not_found',
      `\`uses: ${JSON.stringify(uses)}\` holds the control character U+${control.toString(16).toUpperCase().padStart(4, '0')}, which no chain file's name can hold`,
      `write the path of a chain file; ${relativeHint}`,
    );
  const path = resolve(dirname(parent.path), step.uses);
  const { dir: root, git } = ports.rootOf(parent.path);
  const outside = (p: string) => p !== root && !p.startsWith(root + sep);
  const rootName = git
    ? `the repository root ${root}`
    : `${root}, the folder given on the command line (no git work tree holds this file)`;
  const confined = git
    ? 'a chain may only use chain files of its own repository: copy the child into it'
    : 'a chain may only use chain files inside the folder given: copy the child into it, or validate a folder that holds both';
  if (outside(path))
    return refuse('chain.uses_outside_root', `\`uses: ${uses}\` leads to ${clip(path)}, outside ${rootName}`, confined);
  if (ports.realpath) {
    const real = ports.realpath(path);
    if (real === undefined)
      return refuse(
        'chain.uses_not_found',
        `\`uses: ${uses}\`: there is no file ${clip(ports.display(path))}`,
        relativeHint,
      );
    if (outside(real))
      return refuse(
        'chain.uses_outside_root',
        `\`uses: ${uses}\` leads, through a symbolic link, to ${real}, outside ${rootName}`,
        confined,
      );
  }
  const child = ports.get(ports.display(path));
  // Nothing could be read there (the disk: a folder, a pipe, no permission); the problem is the
  // `uses:`, so it is said there, with a position, rather than as a file of its own.
  const unread = child.parsed.source ? undefined : child.own.find((d) => /^path\.|^file\.read_error$/.test(d.code));
  if (!unread) return child;
  if (unread.code === 'path.not_found')
    return refuse('chain.uses_not_found', `\`uses: ${uses}\`: there is no file ${clip(child.file)}`, relativeHint);
  return refuse(
    'chain.child_invalid',
    `\`uses: ${uses}\`: ${unread.message}`,
    unread.code === 'path.not_regular'
      ? 'point `uses:` at a chain file: a regular file whose name ends in .yaml or .yml'
      : unread.hint,
  );
}

/** Past this many files, a cycle is said by its first and last files. */
const MAX_CYCLE_SHOWN = 20;

/** The cycle once, with the whole path, at the `uses:` that leaves its first file by name. */
function reportCycle(cycle: readonly ChildEdge[], report: Report): Diagnostic | undefined {
  const head = cycle[0];
  if (!head) return undefined;
  const files = cycle.map((e) => e.parent.file);
  // A hostile repository could make a cycle of thousands of files: its middle is left out.
  const shown =
    files.length <= MAX_CYCLE_SHOWN
      ? files
      : [...files.slice(0, 10), `… ${files.length - 15} more …`, ...files.slice(-5)];
  const names = [...shown, head.parent.file];
  const d = at(
    head.parent,
    'chain.uses_cycle',
    ['steps', head.stepIndex, 'uses'],
    cycle.length === 1
      ? `${head.parent.file} uses itself: ${names.join(' → ')}`
      : `chains use each other in a cycle: ${names.join(' → ')}`,
    'a chain cannot run itself, directly or through others: remove one of these `uses:`',
  );
  report(head.parent, d);
  return d;
}
