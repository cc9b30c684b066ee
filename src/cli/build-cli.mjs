// Build step (npm run build, after tsc): bundles the CLI into one minified ESM file, dist/cli.js,
// so a start resolves and compiles one file instead of some 90 (issue 14). What only some commands
// need (a command's own code, chokidar, listr2, the simulator, the GitHub and JUnit reports) is
// reached through `import()` and lands in dist/chunks/, loaded when it is used. tsc still builds
// dist/index.js and its types for library users; dist/cli.js is only ever this bundle.
import { chmodSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const dist = join(root, 'dist');
// Chunk names carry a hash: without this, every build would leave the last one's chunks behind.
rmSync(join(dist, 'chunks'), { recursive: true, force: true });

/**
 * ofetch's Node entry imports node-fetch-native (110 KB to compile) and reads `globalThis.fetch`,
 * which makes Node load its built-in undici (about 30 ms) — all for defaults cxchain replaces with
 * its own transport (src/cxone/http.ts passes fetch, Headers and AbortController). The bundle
 * takes `createFetch` from ofetch's core module instead, the one both of its entries re-export.
 * Its file name carries a hash, so it is read from the entry rather than written here.
 */
const ofetchCore = {
  name: 'ofetch-core',
  setup(b) {
    const require = createRequire(join(root, 'package.json'));
    const entry = join(dirname(require.resolve('ofetch/package.json')), 'dist', 'node.mjs');
    const found = /import \{ (\w+) as createFetch \} from '(\.\/shared\/[\w.-]+\.mjs)'/.exec(
      readFileSync(entry, 'utf8'),
    );
    if (!found) throw new Error(`build-cli: ${entry} no longer imports createFetch from a core module; see ofetchCore`);
    const [, name, core] = found;
    b.onResolve({ filter: /^ofetch$/ }, () => ({ path: 'ofetch', namespace: 'ofetch-core' }));
    b.onLoad({ filter: /.*/, namespace: 'ofetch-core' }, () => ({
      contents: `export { ${name} as createFetch } from ${JSON.stringify(join(dirname(entry), core))};`,
      resolveDir: dirname(entry),
    }));
  },
};

await build({
  plugins: [ofetchCore],
  absWorkingDir: root,
  entryPoints: { cli: 'src/cli.ts' },
  outdir: dist,
  chunkNames: 'chunks/[name]-[hash]',
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20.19',
  minify: true,
  // The map is read only under CXCHAIN_DEBUG=1 (src/cli.ts); names stay in it, not in the code.
  sourcemap: 'linked',
  sourcesContent: false,
  legalComments: 'none',
  logLevel: 'warning',
  // Dependencies written as CommonJS (commander, ajv's runtime) call require() for Node's own
  // modules; an ESM file has no require of its own.
  banner: {
    js: "import{createRequire as __cxchainRequire}from'node:module';const require=__cxchainRequire(import.meta.url);",
  },
});
chmodSync(join(dist, 'cli.js'), 0o755);
