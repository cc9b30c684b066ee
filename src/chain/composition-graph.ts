import type { ChildEdge, LoadedFile } from './loaded-file.js';

/** At most this many chains nest, the top-level one included (SPEC 3.3). */
export const MAX_NESTING = 5;

/** The graph of `uses:`: each file's edges to the files its chain steps use, in step order. */
export type ChildrenOf = ReadonlyMap<LoadedFile, readonly ChildEdge[]>;

/**
 * The strongly connected components of the graph (Tarjan), children before the files that use
 * them. A component of more than one file, or of one file that uses itself, is a cycle. Iterative,
 * so a hostile chain of thousands of files cannot overflow the stack.
 */
export function componentsOf(nodes: readonly LoadedFile[], childrenOf: ChildrenOf): LoadedFile[][] {
  const index = new Map<LoadedFile, number>();
  const low = new Map<LoadedFile, number>();
  const open = new Set<LoadedFile>();
  const stack: LoadedFile[] = [];
  const found: LoadedFile[][] = [];
  const enter = (node: LoadedFile) => {
    index.set(node, index.size);
    low.set(node, index.size - 1);
    stack.push(node);
    open.add(node);
  };
  const lowOf = (node: LoadedFile) => low.get(node) ?? 0;
  for (const start of nodes) {
    if (index.has(start)) continue;
    enter(start);
    const work = [{ node: start, next: 0 }];
    while (work.length > 0) {
      const frame = work[work.length - 1] as { node: LoadedFile; next: number };
      const edge = childrenOf.get(frame.node)?.[frame.next];
      if (edge) {
        frame.next += 1;
        const child = edge.child;
        if (!index.has(child)) {
          enter(child);
          work.push({ node: child, next: 0 });
        } else if (open.has(child)) low.set(frame.node, Math.min(lowOf(frame.node), index.get(child) ?? 0));
        continue;
      }
      work.pop();
      const parent = work[work.length - 1];
      if (parent) low.set(parent.node, Math.min(lowOf(parent.node), lowOf(frame.node)));
      if (lowOf(frame.node) !== index.get(frame.node)) continue;
      const component: LoadedFile[] = [];
      for (;;) {
        const member = stack.pop() as LoadedFile;
        open.delete(member);
        component.push(member);
        if (member === frame.node) break;
      }
      found.push(component);
    }
  }
  return found;
}

/** Whether a component is a cycle: more than one file, or one file that uses itself. */
export function isCycle(component: readonly LoadedFile[], childrenOf: ChildrenOf): boolean {
  const [only] = component;
  return component.length > 1 || (only !== undefined && (childrenOf.get(only) ?? []).some((e) => e.child === only));
}

/**
 * One cycle of a component, as the edges followed: the shortest one from and back to the file whose
 * name sorts first, so the same cycle is said the same way whichever file it was met from.
 */
export function cycleOf(component: readonly LoadedFile[], childrenOf: ChildrenOf): ChildEdge[] {
  const members = new Set(component);
  const head = [...component].sort((a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : 0))[0] as LoadedFile;
  const via = new Map<LoadedFile, ChildEdge>();
  const queue = [head];
  for (let i = 0; i < queue.length; i++) {
    const at = queue[i] as LoadedFile;
    for (const edge of childrenOf.get(at) ?? []) {
      if (!members.has(edge.child)) continue;
      if (edge.child === head) {
        const path = [edge];
        for (let back = via.get(at); back; back = via.get(back.parent)) path.unshift(back);
        return path;
      }
      if (via.has(edge.child)) continue;
      via.set(edge.child, edge);
      queue.push(edge.child);
    }
  }
  return [];
}

/** A chain of `uses:` that nests more than `MAX_NESTING` chains, and the edge where it starts. */
export interface TooDeep {
  edge: ChildEdge;
  /** The files, outermost first: `MAX_NESTING + 1` of them. */
  files: LoadedFile[];
}

/**
 * Every edge whose parent tops a chain of exactly `MAX_NESTING + 1` nested files. Heights are
 * counted once per file, children first (the order of `componentsOf`) and capped past the limit,
 * so the answer for a file does not depend on which files were given; edges inside a cycle do not
 * count (the cycle is said on its own).
 */
export function tooDeep(components: readonly (readonly LoadedFile[])[], childrenOf: ChildrenOf): TooDeep[] {
  const componentOf = new Map<LoadedFile, number>();
  components.forEach((component, i) => component.forEach((file) => componentOf.set(file, i)));
  const height = new Map<LoadedFile, number>();
  const deepest = new Map<LoadedFile, LoadedFile>();
  const found: TooDeep[] = [];
  for (const component of components)
    for (const file of component) {
      let best = 1;
      for (const edge of childrenOf.get(file) ?? []) {
        if (componentOf.get(edge.child) === componentOf.get(file)) continue;
        const below = height.get(edge.child) ?? 1;
        if (below === MAX_NESTING) found.push({ edge, files: [file, ...chainBelow(edge.child, deepest)] });
        if (below + 1 > best) {
          best = Math.min(below + 1, MAX_NESTING + 1);
          deepest.set(file, edge.child);
        }
      }
      height.set(file, best);
    }
  return found;
}

function chainBelow(start: LoadedFile, deepest: ReadonlyMap<LoadedFile, LoadedFile>): LoadedFile[] {
  const files = [start];
  for (let at = deepest.get(start); at && files.length < MAX_NESTING; at = deepest.get(at)) files.push(at);
  return files;
}

/**
 * The files that cannot run: those with a problem of their own (`direct`, with it), and every file
 * that uses one of them, directly or not, with the problem that stops it. Breadth first up the
 * reversed edges, so each edge is followed once.
 */
export function invalidFiles<Cause>(
  direct: ReadonlyMap<LoadedFile, Cause>,
  edges: readonly ChildEdge[],
): Map<LoadedFile, Cause> {
  const callers = new Map<LoadedFile, LoadedFile[]>();
  for (const edge of edges) {
    const list = callers.get(edge.child) ?? [];
    list.push(edge.parent);
    callers.set(edge.child, list);
  }
  const invalid = new Map(direct);
  const queue = [...direct.keys()];
  for (let i = 0; i < queue.length; i++) {
    const file = queue[i] as LoadedFile;
    const cause = invalid.get(file) as Cause;
    for (const parent of callers.get(file) ?? []) {
      if (invalid.has(parent)) continue;
      invalid.set(parent, cause);
      queue.push(parent);
    }
  }
  return invalid;
}
