// Build step (npm run build, after tsc): bundles the CLI into one minified file,
// dist/cli-bundle.cjs, so a start reads one file instead of resolving some 90 (issue 14), and
// writes dist/cli.cjs, the command itself (src/cli/launch.cjs), which starts the bundle from V8's
// code cache. The bundle is a script, not an ES module, because only a script can take V8's cached
// data on Node 20. What only some commands need (a command's own code, chokidar, listr2, the
// simulator, the reports) is reached through `import()`: esbuild keeps each such module behind an
// initialiser that runs when it is first used. tsc still builds dist/index.js and its types for
// library users. Last, the build runs a few typical commands to fill the dist/cli-bundle.*.v8cache files.
import { createHash } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { chmodSync, cpSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const dist = join(root, 'dist');
// Resolves the dependencies the plugins below replace or reach into, as the project sees them.
const require = createRequire(join(root, 'package.json'));
// The layout before the code cache: ES module chunks, which would otherwise stay behind.
rmSync(join(dist, 'chunks'), { recursive: true, force: true });
for (const old of readdirSync(dist).filter(
  (f) => f.endsWith('.v8cache') || ['cli.js', 'cli.js.map', 'cli.d.ts', 'meta.json'].includes(f),
))
  rmSync(join(dist, old), { force: true });

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

/**
 * yaml's Node entry is CommonJS: esbuild must keep all of it, behind a wrapper, and every start
 * pays to compile it. Its ES module build (the same code, the `default` condition of its exports)
 * lets the bundle keep only what cxchain uses.
 */
const yamlEsm = {
  name: 'yaml-esm',
  setup(b) {
    const dir = dirname(require.resolve('yaml/package.json'));
    const exports = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')).exports['.'];
    b.onResolve({ filter: /^yaml$/ }, () => ({ path: join(dir, exports.default) }));
  },
};

/**
 * wrap-ansi and cli-truncate, as listr2 and log-update import them: functions that answer at once
 * for a line that fits and load the real module the first time one might not
 * (src/cli/render/fits.ts says why). `require` keeps the real one bundled, behind an initialiser.
 */
const lazyMeasure = {
  name: 'lazy-measure',
  setup(b) {
    const fits = JSON.stringify(join(root, 'src', 'cli', 'render', 'fits.ts'));
    const shims = {
      'wrap-ansi': (real) =>
        `import { lazyWrapAnsi } from ${fits};\nexport default lazyWrapAnsi(() => require(${real}).default);`,
      'cli-truncate': (real) =>
        `import { onFirstCall } from ${fits};\nexport default onFirstCall(() => require(${real}).default);`,
    };
    b.onResolve({ filter: /^(wrap-ansi|cli-truncate)$/ }, (args) => ({ path: args.path, namespace: 'lazy-measure' }));
    b.onLoad({ filter: /.*/, namespace: 'lazy-measure' }, (args) => ({
      contents: shims[args.path](JSON.stringify(require.resolve(args.path))),
      resolveDir: root,
    }));
  },
};

const profile = process.env.CXCHAIN_BUILD_PROFILE === '1';
const minify = {
  // CXCHAIN_BUILD_PROFILE=1 keeps function names (for --cpu-prof) and writes dist/meta.json.
  minifyWhitespace: true,
  minifySyntax: true,
  minifyIdentifiers: !profile,
};
const bundle = join(dist, 'cli-bundle.cjs');
const result = await build({
  plugins: [ofetchCore, yamlEsm, lazyMeasure],
  absWorkingDir: root,
  entryPoints: ['src/cli.ts'],
  outfile: bundle,
  bundle: true,
  format: 'cjs',
  platform: 'node',
  target: 'node20.19',
  ...minify,
  // `import()` becomes a call of the module's initialiser; nothing is left to load from disk.
  supported: { 'dynamic-import': false },
  // Graphviz's WebAssembly (a megabyte of base64) would be scanned at every start: it stays a
  // runtime dependency, required from node_modules by `graph --format svg` alone.
  external: ['@viz-js/viz'],
  // A script has no import.meta; the code's one use of it (package-root.ts) wants this file's URL.
  define: { 'import.meta.url': '__cxchainUrl' },
  banner: { js: 'var __cxchainUrl=require("node:url").pathToFileURL(__filename).href;' },
  // The map is read only under CXCHAIN_DEBUG=1 (src/cli/launch.cjs); names stay in it, not in the code.
  sourcemap: 'linked',
  sourcesContent: false,
  legalComments: 'none',
  logLevel: 'warning',
  metafile: profile,
});
if (result.metafile) writeFileSync(join(dist, 'meta.json'), JSON.stringify(result.metafile));

const buildId = createHash('sha256').update(readFileSync(bundle)).digest('hex').slice(0, 16);
await build({
  absWorkingDir: root,
  entryPoints: ['src/cli/launch.cjs'],
  outfile: join(dist, 'cli.cjs'),
  bundle: false,
  format: 'cjs',
  platform: 'node',
  target: 'node20.19',
  ...minify,
  define: {
    __CXCHAIN_BUILD__: JSON.stringify(buildId),
    __CXCHAIN_VERSION__: JSON.stringify(JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).version),
  },
  legalComments: 'none',
  logLevel: 'warning',
});
chmodSync(join(dist, 'cli.cjs'), 0o755);

// `cxchain init` reads its templates from here (src/cli/init/init-files.ts). Files rather than
// strings in the bundle: workflow YAML is full of `${{ }}`, which a template literal would make
// into an escape on every line, and as files they read, diff and format as what they become.
rmSync(join(dist, 'init-templates'), { recursive: true, force: true });
cpSync(join(root, 'src', 'cli', 'init', 'templates'), join(dist, 'init-templates'), { recursive: true });

/**
 * Typical commands of each cache (CACHE_OF in src/cli/launch.cjs). Within one, each command starts
 * from what the one before wrote and adds the functions it compiled. One run draws live progress
 * as on a terminal (stdout claims to be one), so that path is cached too; what they print is
 * thrown away. A failure costs speed, not the build.
 */
const asTerminal = 'data:text/javascript,process.stdout.isTTY=true;process.stdout.columns=100;';
const warmUps = [
  ['validate', 'chains/'],
  ['list', 'chains/'],
  ['run', 'chains/', '--sim'],
  ['--import', asTerminal, 'run', 'chains/', '--sim'],
  ['--help'],
];
for (const args of warmUps) {
  const node = args[0] === '--import' ? args.slice(0, 2) : [];
  const cli = args.slice(node.length);
  const ran = spawnSync(process.execPath, [...node, join(dist, 'cli.cjs'), ...cli], {
    cwd: root,
    env: { ...process.env, CXCHAIN_V8CACHE_BUILD: '1', CXCHAIN_DEBUG: '', NO_COLOR: '1', GITHUB_ACTIONS: '' },
    encoding: 'utf8',
    timeout: 60_000,
  });
  if (ran.status !== 0)
    process.stderr.write(
      `build-cli: warning: warming the code cache with \`cxchain ${cli.join(' ')}\` ended with ${ran.error?.message ?? `exit ${ran.status}`}; starts will be slower\n${ran.stderr.slice(-500)}\n`,
    );
}
