import { conditionReferences, type ChainModel, type StepModel } from '../chain/model.js';
import { referencesOf, type Reference } from '../chain/expression.js';

/**
 * A chain as a flowchart, before any notation: what `cxchain graph` draws and `plan` embeds
 * (issue 16). Mermaid and DOT are two writers of this one model, so the pictures cannot disagree
 * about what a chain does.
 */
export interface ChainGraph {
  /** Unique in the whole picture; prefixes every node id, so a child drawn twice stays apart. */
  id: string;
  chainId: string;
  file: string;
  nodes: GraphNode[];
  edges: GraphEdge[];
  /** The chains its `uses:` steps run, each drawn inside the parent's box. */
  children: ChainGraph[];
}

export type NodeKind = 'start' | 'action' | 'chain' | 'fallback' | 'end' | 'abort';

export interface GraphNode {
  id: string;
  kind: NodeKind;
  /** Lines of the label, as written in the file (writers escape them). */
  lines: string[];
  /** The step it draws, for highlighting what a pull request changed. */
  stepId?: string;
  highlighted?: boolean;
}

/**
 * `next`: success (or the only way on); `skip`: an `if:` that is false; `continue`: a failure that
 * goes on; `abort`: a failure that ends the chain; `fallback`: a failure that runs the fallback;
 * `data`: a value read from an earlier step; `uses`: a chain step to the child it runs.
 */
export type EdgeKind = 'next' | 'skip' | 'continue' | 'abort' | 'fallback' | 'data' | 'uses';

export interface GraphEdge {
  from: string;
  to: string;
  kind: EdgeKind;
  label?: string;
}

export interface GraphOptions {
  /** Steps to highlight (a pull request's changed steps), by step id. Default none. */
  highlight?: ReadonlySet<string>;
}

/** Where the flow arrives at the next position: from which node, how and with what words. */
interface Pending {
  from: string;
  kind: EdgeKind;
  label?: string;
}

/** The flowchart of a chain and, nested, of every chain it uses. */
export function chainGraph(chain: ChainModel, options: GraphOptions = {}, id = 'c0'): ChainGraph {
  const graph: ChainGraph = { id, chainId: chain.chainId, file: chain.file, nodes: [], edges: [], children: [] };
  const node = (suffix: string) => `${id}_${suffix}`;
  const start = node('start');
  const end = node('end');
  const abort = node('abort');
  graph.nodes.push({ id: start, kind: 'start', lines: [chain.chainId] });
  let aborts = false;
  let pending: Pending[] = [{ from: start, kind: 'next' }];
  // Ways on from one node to the same place are one edge: `ok / failed: continue`, not two arrows.
  const arrive = (to: string, condition?: string) => {
    const from = [...new Set(pending.map((p) => p.from))];
    for (const source of from) {
      const ways = pending.filter((p) => p.from === source);
      const words = ways.length > 1 ? ways.map((p) => p.label ?? 'ok').join(' / ') : ways[0]?.label;
      const label = [words, condition].filter(Boolean).join(' · ');
      graph.edges.push({ from: source, to, kind: ways[0]?.kind ?? 'next', ...(label ? { label } : {}) });
    }
  };
  chain.steps.forEach((step, index) => {
    const here = node(`s${index}`);
    graph.nodes.push({
      id: here,
      kind: step.kind,
      // A step named after its action says it once.
      lines:
        step.kind === 'chain'
          ? [step.id, `uses ${step.uses}`]
          : step.id === step.actionId
            ? [step.id]
            : [step.id, step.actionId],
      stepId: step.id,
      ...(options.highlight?.has(step.id) ? { highlighted: true } : {}),
    });
    const condition = step.condition ? `if ${bare(step.condition.source)}` : undefined;
    arrive(here, condition);
    const next: Pending[] = [{ from: here, kind: 'next' }];
    if (step.condition) next.push({ from: here, kind: 'skip', label: 'skipped' });
    if (step.onFailure === 'continue') next.push({ from: here, kind: 'continue', label: 'failed: continue' });
    if (step.onFailure === 'abort') {
      aborts = true;
      graph.edges.push({ from: here, to: abort, kind: 'abort', label: 'failed: abort' });
    }
    if (step.onFailure === 'fallback' && step.fallback) {
      const fallback = node(`f${index}`);
      const action = step.fallback.kind === 'action' ? step.fallback.actionId : undefined;
      graph.nodes.push({ id: fallback, kind: 'fallback', lines: ['fallback', action ?? 'static output'] });
      graph.edges.push({ from: here, to: fallback, kind: 'fallback', label: 'failed: fallback' });
      next.push({ from: fallback, kind: 'next' });
      // A fallback that fails acts as abort (SPEC 5); a static output cannot fail.
      if (action) {
        aborts = true;
        graph.edges.push({ from: fallback, to: abort, kind: 'abort', label: 'fallback failed' });
      }
    }
    if (step.kind === 'chain') {
      const child = chainGraph(step.child, {}, node(`c${index}`));
      graph.children.push(child);
      graph.edges.push({ from: here, to: `${child.id}_start`, kind: 'uses', label: 'runs' });
    }
    pending = next;
  });
  graph.nodes.push({ id: end, kind: 'end', lines: ['completed'] });
  arrive(end);
  if (aborts) graph.nodes.push({ id: abort, kind: 'abort', lines: ['terminated early'] });
  graph.edges.push(...dataEdges(chain, node, end));
  return graph;
}

/**
 * Dashed edges from the step a value comes from to the step (or the chain's outputs) that reads
 * it: one edge per pair, naming every field read, so a busy step does not fan out into a fringe.
 */
function dataEdges(chain: ChainModel, node: (suffix: string) => string, end: string): GraphEdge[] {
  const indexOf = new Map(chain.steps.map((step, index) => [step.id, index]));
  const fields = new Map<string, { from: string; to: string; fields: Set<string> }>();
  const add = (refs: readonly Reference[], to: string) => {
    for (const ref of refs) {
      if (ref.root !== 'steps') continue;
      const from = indexOf.get(String(ref.path[0]));
      if (from === undefined) continue;
      const key = `${from}\n${to}`;
      const edge = fields.get(key) ?? { from: node(`s${from}`), to, fields: new Set<string>() };
      edge.fields.add(fieldOf(ref));
      fields.set(key, edge);
    }
  };
  chain.steps.forEach((step, index) => add(readsOf(step), node(`s${index}`)));
  if (chain.outputs) add(referencesOf(chain.outputs), end);
  return [...fields.values()].map((e) => ({ from: e.from, to: e.to, kind: 'data', label: [...e.fields].join(', ') }));
}

/** Every reference a step reads before or after it runs: its call, its fallback's and its conditions. */
function readsOf(step: StepModel): Reference[] {
  const template = step.kind === 'chain' ? step.with : step.payload;
  const fallback = step.fallback
    ? referencesOf(step.fallback.kind === 'action' ? step.fallback.payload : step.fallback.output)
    : [];
  return [...referencesOf(template), ...fallback, ...conditionReferences(step)];
}

/** `steps.profile.output.tier` → `output.tier`: the producing step is the edge's tail. */
function fieldOf(ref: Reference): string {
  return ref.path
    .slice(1)
    .map((segment, i) => (typeof segment === 'number' ? `[${segment}]` : i === 0 ? segment : `.${segment}`))
    .join('');
}

/** `${{ a == b }}` → `a == b`: the wrapper says nothing in a picture. */
function bare(source: string): string {
  const match = /^\s*\$\{\{([\s\S]*)\}\}\s*$/.exec(source);
  return (match?.[1] ?? source).trim();
}
