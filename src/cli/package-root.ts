import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The installed package's folder: the nearest one above this file that holds a package.json.
 * This code runs from src/cli/ (tests) or dist/cli-bundle.cjs (the CLI bundle,
 * src/cli/build-cli.mjs), so its depth below the root is not fixed.
 */
function packageRoot(): string {
  const here = dirname(fileURLToPath(import.meta.url));
  for (let dir = here; ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'package.json'))) return dir;
    if (dirname(dir) === dir) return join(here, '..', '..');
  }
}

export const PACKAGE_ROOT = packageRoot();
export const SCHEMA_FILE = join(PACKAGE_ROOT, 'schemas', 'chain.schema.json');

/** The package's version, as `--version` prints it and the JSON report's `tool` names it. */
export function packageVersion(): string {
  return (JSON.parse(readFileSync(join(PACKAGE_ROOT, 'package.json'), 'utf8')) as { version: string }).version;
}
