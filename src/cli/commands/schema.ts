import { readFile } from 'node:fs/promises';
import { EXIT } from '../exit-codes.js';
import type { CommandContext } from '../context.js';
import { SCHEMA_FILE } from '../package-root.js';

export async function schemaCommand(ctx: CommandContext): Promise<number> {
  ctx.stdout.write(await readFile(SCHEMA_FILE, 'utf8'));
  return EXIT.ok;
}
