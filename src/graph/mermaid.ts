import { neutralize } from '../report/neutralize.js';
import type { ChainGraph, EdgeKind, GraphNode, NodeKind } from './chain-graph.js';

/** Node shapes by kind: a stadium for the ends, a subroutine for a chain step, a hexagon for a fallback. */
const SHAPES: Record<NodeKind, readonly [string, string]> = {
  start: ['([', '])'],
  action: ['[', ']'],
  chain: ['[[', ']]'],
  fallback: ['{{', '}}'],
  end: ['([', '])'],
  abort: ['([', '])'],
};

/** Solid arrows are the flow; dotted ones carry data or lead into a child chain. */
const ARROWS: Record<EdgeKind, string> = {
  next: '-->',
  skip: '-->',
  continue: '-->',
  abort: '-->',
  fallback: '-->',
  data: '-.->',
  uses: '-.->',
};

// Prefixed: `end` is a keyword of Mermaid's, and a class of that name ends the chart.
const CLASSES: Readonly<Record<string, string>> = {
  end: 'cx_end fill:#e6f4ea,stroke:#1e8e3e',
  abort: 'cx_abort fill:#fce8e6,stroke:#d93025',
  fallback: 'cx_fallback fill:#fef7e0,stroke:#f9ab00',
  changed: 'cx_changed fill:#fff3b0,stroke:#b06000,stroke-width:3px',
};

/**
 * A Mermaid flowchart of chains, one box (subgraph) per chain with its children nested, for
 * GitHub's Markdown, `plan --format markdown` and `graph --format mermaid`. Every label is text
 * from a file: escaped with Mermaid's entity codes, so no label can end its quotes or a line.
 */
export function toMermaid(graphs: readonly ChainGraph[]): string {
  const lines = ['flowchart TD'];
  const classes = new Map<string, string[]>();
  const write = (graph: ChainGraph, indent: string) => {
    lines.push(`${indent}subgraph ${graph.id}["${label(`${graph.chainId} · ${graph.file}`)}"]`);
    lines.push(`${indent}  direction TB`);
    for (const node of graph.nodes) {
      lines.push(`${indent}  ${nodeText(node)}`);
      const name = node.highlighted ? 'changed' : node.kind;
      if (CLASSES[name]) classes.set(name, [...(classes.get(name) ?? []), node.id]);
    }
    for (const child of graph.children) write(child, `${indent}  `);
    lines.push(`${indent}end`);
  };
  for (const graph of graphs) write(graph, '  ');
  for (const graph of graphs) edgesOf(graph, lines);
  for (const [name, ids] of classes) lines.push(`  class ${ids.join(',')} cx_${name}`);
  for (const name of classes.keys()) lines.push(`  classDef ${CLASSES[name]}`);
  return `${lines.join('\n')}\n`;
}

function edgesOf(graph: ChainGraph, lines: string[]): void {
  for (const edge of graph.edges) {
    const text = edge.label ? `|"${label(edge.label)}"|` : '';
    lines.push(`  ${edge.from} ${ARROWS[edge.kind]}${text} ${edge.to}`);
  }
  for (const child of graph.children) edgesOf(child, lines);
}

function nodeText(node: GraphNode): string {
  const [open, close] = SHAPES[node.kind];
  return `${node.id}${open}"${node.lines.map(label).join('<br/>')}"${close}`;
}

/**
 * Mermaid reads `#name;` and `#NN;` as entities inside quoted labels; a quote, `<`, `>`, `&`, a
 * backtick (a Markdown string) or `#` itself would otherwise change what the label means.
 */
function label(text: string): string {
  return neutralize(text).replace(/[#"<>&`|]/g, (c) => `#${c.charCodeAt(0)};`);
}
