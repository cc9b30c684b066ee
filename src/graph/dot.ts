import { neutralize } from '../report/neutralize.js';
import type { ChainGraph, EdgeKind, GraphNode, NodeKind } from './chain-graph.js';

const NODE_STYLES: Record<NodeKind, string> = {
  start: 'shape=oval',
  action: 'shape=box, style="rounded"',
  chain: 'shape=box, peripheries=2',
  fallback: 'shape=hexagon, style=filled, fillcolor="#fef7e0", color="#f9ab00"',
  end: 'shape=oval, style=filled, fillcolor="#e6f4ea", color="#1e8e3e"',
  abort: 'shape=oval, style=filled, fillcolor="#fce8e6", color="#d93025"',
};

const EDGE_STYLES: Record<EdgeKind, string> = {
  next: '',
  skip: '',
  continue: '',
  abort: 'color="#d93025"',
  fallback: 'color="#f9ab00"',
  data: 'style=dashed, color="#5f6368", fontcolor="#5f6368"',
  // A child is laid out beside its step, not under it: the edge does not rank it.
  uses: 'style=dotted, constraint=false',
};

/** Graphviz DOT of chains, one cluster per chain with its children nested; Graphviz lays it out. */
export function toDot(graphs: readonly ChainGraph[]): string {
  const lines = [
    'digraph cxchain {',
    '  rankdir=TB;',
    '  compound=true;',
    '  node [fontname="Helvetica", fontsize=11];',
    '  edge [fontname="Helvetica", fontsize=9];',
  ];
  const write = (graph: ChainGraph, indent: string) => {
    lines.push(`${indent}subgraph cluster_${graph.id} {`);
    lines.push(`${indent}  label=${quote(`${graph.chainId} · ${graph.file}`)};`);
    for (const node of graph.nodes) lines.push(`${indent}  ${nodeText(node)}`);
    for (const child of graph.children) write(child, `${indent}  `);
    lines.push(`${indent}}`);
  };
  for (const graph of graphs) write(graph, '  ');
  const edges = (graph: ChainGraph) => {
    for (const edge of graph.edges) {
      const attributes = [EDGE_STYLES[edge.kind], edge.label ? `label=${quote(wrap(edge.label))}` : '']
        .filter(Boolean)
        .join(', ');
      lines.push(`  ${edge.from} -> ${edge.to}${attributes ? ` [${attributes}]` : ''};`);
    }
    graph.children.forEach(edges);
  };
  graphs.forEach(edges);
  lines.push('}');
  return `${lines.join('\n')}\n`;
}

function nodeText(node: GraphNode): string {
  const highlight = node.highlighted
    ? ', penwidth=3, color="#b06000", style="rounded,filled", fillcolor="#fff3b0"'
    : '';
  return `${node.id} [${NODE_STYLES[node.kind]}, label=${quote(node.lines.join('\n'))}${highlight}];`;
}

/** Graphviz does not wrap labels: a long `if:` would stretch the layout sideways. */
const LABEL_WIDTH = 40;

function wrap(text: string): string {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(' ')) {
    if (line && line.length + 1 + word.length > LABEL_WIDTH) {
      lines.push(line);
      line = word;
    } else line = line ? `${line} ${word}` : word;
  }
  return [...lines, line].join('\n');
}

/** A DOT string: quotes and backslashes escaped, lines as `\n`, controls made visible first. */
function quote(text: string): string {
  const lines = text.split('\n').map((line) => neutralize(line).replace(/[\\"]/g, (c) => `\\${c}`));
  return `"${lines.join('\\n')}"`;
}
