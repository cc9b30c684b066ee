/**
 * SVG laid out by Graphviz (compiled to WebAssembly, `@viz-js/viz`): the layout is a graph
 * library's job, not coordinates placed by hand. Loaded only for `--format svg`; the build leaves
 * it outside the CLI bundle, so its megabyte of WebAssembly costs no other command a thing.
 */
export async function dotToSvg(dot: string): Promise<string> {
  const { instance } = await import('@viz-js/viz');
  const viz = await instance();
  return viz.renderString(dot, { format: 'svg', engine: 'dot' });
}
