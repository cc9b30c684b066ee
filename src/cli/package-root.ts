import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The installed package's folder (dist/cli/… or src/cli/… → two levels up). */
export const PACKAGE_ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const SCHEMA_FILE = join(PACKAGE_ROOT, 'schemas', 'chain.schema.json');
