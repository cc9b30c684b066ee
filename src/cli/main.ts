import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Command, CommanderError, Option } from 'commander';
import { createContext, type CommandContext } from './context.js';
import { EXIT, UsageError } from './exit-codes.js';
import { PACKAGE_ROOT } from './package-root.js';
import { listCommand } from './commands/list.js';
import { schemaCommand } from './commands/schema.js';
import { validateCommand, type ValidateFormat } from './commands/validate.js';

function version(): string {
  return (JSON.parse(readFileSync(join(PACKAGE_ROOT, 'package.json'), 'utf8')) as { version: string }).version;
}

/** Builds the command tree; each action stores its exit code instead of exiting, so main decides. */
export function createProgram(ctx: CommandContext, setExit: (code: number) => void): Command {
  const program = new Command('cxchain')
    .description('Run chains of NICE CXone Data Actions declared as YAML files')
    .version(version(), '-V, --version')
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride()
    .configureOutput({ writeOut: (s) => ctx.stdout.write(s), writeErr: (s) => ctx.stderr.write(s) });

  program
    .command('validate')
    .description('check chain files: YAML, JSON Schema and semantics; every problem with file:line:col')
    .argument('[paths...]', 'chain files or directories', ['chains'])
    .addOption(new Option('--format <format>', 'output format').choices(['text', 'json', 'github']).default('text'))
    .action(async (paths: string[], opts: { format: ValidateFormat }) => setExit(await validateCommand(paths, opts, ctx)));

  program
    .command('list')
    .description('list the chains found (file, chain_id, revision, steps)')
    .argument('[paths...]', 'chain files or directories', ['chains'])
    .option('--json', 'print JSON (for CI matrices)', false)
    .action(async (paths: string[], opts: { json: boolean }) => setExit(await listCommand(paths, opts, ctx)));

  program
    .command('schema')
    .description('print the JSON Schema of chain format v1')
    .action(async () => setExit(await schemaCommand(ctx)));

  return program;
}

export async function main(argv: readonly string[], ctx: CommandContext = createContext()): Promise<number> {
  let code: number = EXIT.ok;
  const program = createProgram(ctx, (c) => {
    code = c;
  });
  try {
    await program.parseAsync(argv as string[]);
    return code;
  } catch (error) {
    if (error instanceof CommanderError) {
      // Help and version exit 0; every other parse problem is a usage error (SPEC 4: exit 2).
      return error.exitCode === 0 || error.code === 'commander.helpDisplayed' || error.code === 'commander.version' ? EXIT.ok : EXIT.invalid;
    }
    if (error instanceof UsageError) {
      ctx.stderr.write(`${ctx.errStyle.red('error:')} ${error.message}\n`);
      return EXIT.invalid;
    }
    throw error;
  }
}
