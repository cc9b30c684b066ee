// Build step (npm run build, after tsc): bundles the CLI into one minified ESM file, dist/cli.js,
// so a start resolves and compiles one file instead of some 90 (issue 14). What only some commands
// need (a command's own code, chokidar, listr2, the simulator, the GitHub and JUnit reports) is
// reached through `import()` and lands in dist/chunks/, loaded when it is used. tsc still builds
// dist/index.js and its types for library users; dist/cli.js is only ever this bundle.
import { chmodSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const dist = join(root, 'dist');
// Chunk names carry a hash: without this, every build would leave the last one's chunks behind.
rmSync(join(dist, 'chunks'), { recursive: true, force: true });

await build({
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
