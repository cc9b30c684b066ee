export { chainGraph, type ChainGraph, type GraphEdge, type GraphNode, type GraphOptions } from './chain-graph.js';
export { toMermaid } from './mermaid.js';
export { toDot } from './dot.js';
export { dotToSvg } from './svg.js';
