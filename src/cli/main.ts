import { Command, CommanderError, Option } from 'commander';
import { createContext, type CommandContext } from './context.js';
import { EXIT, UsageError } from './exit-codes.js';
import { packageVersion } from './package-root.js';
import type { ValidateOptions } from './commands/validate.js';
import type { ListOptions } from './commands/list.js';
import type { RunOptions } from './commands/run.js';
import type { SimOptions } from './commands/sim.js';
import type { PlanOptions } from './commands/plan.js';
import { parseShard } from './shard.js';
import type { WatchOptions } from './commands/watch.js';
import type { GraphOptions } from './commands/graph.js';

// Commands load on use: `validate` must not pay for the HTTP client, listr2 or the simulator.
const commands = {
  validate: () => import('./commands/validate.js'),
  list: () => import('./commands/list.js'),
  schema: () => import('./commands/schema.js'),
  run: () => import('./commands/run.js'),
  plan: () => import('./commands/plan.js'),
  sim: () => import('./commands/sim.js'),
  watch: () => import('./commands/watch.js'),
  graph: () => import('./commands/graph.js'),
  init: () => import('./commands/init.js'),
};

const collect = (value: string, previous: string[]) => [...previous, value];

function positiveInt(name: string) {
  return (value: string) => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < 1)
      throw new UsageError(`${name} must be a whole number of at least 1, got ${JSON.stringify(value)}`);
    return n;
  };
}

/** Connection flags of SPEC 4, shared by run and watch. The client secret is never a flag. */
export function addConnectionOptions(command: Command): Command {
  return command
    .option('--sim', 'start the built-in simulator on a free loopback port and run against it', false)
    .option('--tenant <name>', 'CXone tenant, derives https://{tenant}.api.nicecxone.com (env CXONE_TENANT)')
    .option('--base-url <url>', 'API base URL (env CXONE_BASE_URL)')
    .option('--token-url <url>', 'OAuth2 token URL (env CXONE_TOKEN_URL)')
    .option('--issuer <url>', 'discover the token URL and API base from this issuer (env CXONE_ISSUER)')
    .option('--scope <scopes>', 'OAuth2 scope (env CXONE_SCOPE)')
    .option('--execute-path <path>', 'execute path with {actionId} (env CXONE_EXECUTE_PATH)')
    .addOption(
      new Option('--auth-method <method>', 'how client credentials are sent to the token URL').choices([
        'body',
        'basic',
      ]),
    )
    .option('--input <name=value>', 'set an input of the chains (repeatable; YAML scalar)', collect, [])
    .option('--rate-limit <rate>', "the tenant's request limit shared by all chains, e.g. 100/m or 50/s (default none)")
    .addHelpText(
      'after',
      '\nCredentials come from the environment only: CXONE_CLIENT_ID, CXONE_CLIENT_SECRET\n(or CXONE_GRANT=password with CXONE_ACCESS_KEY_ID and CXONE_ACCESS_KEY_SECRET).',
    );
}

const SHARD_HELP = 'only shard I of N (1-based): files split by a hash of their path, for a CI matrix';

// Shared by validate, list and run: which chain files a command works on.
const shardOption = () => new Option('--shard <I/N>', SHARD_HELP).argParser(parseShard);
const followSymlinksOption = () =>
  new Option('--follow-symlinks', 'follow symbolic links that lead outside the given paths (default: refused)');

/** Builds the command tree; each action stores its exit code instead of exiting, so main decides. */
export function createProgram(ctx: CommandContext, setExit: (code: number) => void): Command {
  const program = new Command('cxchain')
    .description('Run chains of NICE CXone Data Actions declared as YAML files')
    .version(packageVersion(), '-v, --version')
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride()
    .configureOutput({ writeOut: (s) => ctx.stdout.write(s), writeErr: (s) => ctx.stderr.write(s) });

  program
    .command('validate')
    .description('check chain files: YAML, JSON Schema and semantics; every problem with file:line:col')
    .argument('[paths...]', 'chain files or directories', ['chains'])
    .addOption(new Option('--format <format>', 'output format').choices(['text', 'json', 'github']).default('text'))
    .addOption(shardOption())
    .addOption(followSymlinksOption())
    .action(async (paths: string[], opts: ValidateOptions) =>
      setExit(await (await commands.validate()).validateCommand(paths, opts, ctx)),
    );

  program
    .command('list')
    .description('list the chains found (file, chain_id, revision, steps)')
    .argument('[paths...]', 'chain files or directories', ['chains'])
    .option('--json', 'print JSON on one line (for CI matrices)', false)
    .addOption(shardOption())
    .addOption(followSymlinksOption())
    .action(async (paths: string[], opts: ListOptions) =>
      setExit(await (await commands.list()).listCommand(paths, opts, ctx)),
    );

  program
    .command('graph')
    .description('draw chains as a flowchart: steps, failure paths, conditions, data and child chains')
    .argument('[paths...]', 'chain files or directories', ['chains'])
    .addOption(
      new Option('--format <format>', 'mermaid (Markdown, GitHub), dot (Graphviz) or svg')
        .choices(['mermaid', 'dot', 'svg'])
        .default('mermaid'),
    )
    .addOption(followSymlinksOption())
    .action(async (paths: string[], opts: GraphOptions) =>
      setExit(await (await commands.graph()).graphCommand(paths, opts, ctx)),
    );

  addConnectionOptions(
    program
      .command('run')
      .description('validate, then run each chain over the CXone REST API with live per-step progress')
      .argument('[paths...]', 'chain files or directories', ['chains']),
  )
    .option('--concurrency <n>', 'chains at once', positiveInt('--concurrency'), 4)
    .option('--report <kind=file>', 'write a report: json=FILE, junit=FILE or html=FILE (repeatable)', collect, [])
    .option('--audit <file>', 'append every event as a JSON line to this file')
    .option('--audit-payloads', 'include request payloads and responses in the audit and JSON events', false)
    .option('--show-responses', "print each step's answer under its line (redacted, cut when long)", false)
    .addOption(
      new Option('--renderer <name>', 'progress display; json prints one event per line on stdout')
        .choices(['default', 'simple', 'json'])
        .default('default'),
    )
    .addOption(shardOption())
    .addOption(
      new Option(
        '--rate-limit-scope <scope>',
        "with --shard I/N: run (default) divides --rate-limit among the N shards; shard takes it as this shard's own",
      )
        .choices(['run', 'shard'])
        .default('run'),
    )
    .addOption(followSymlinksOption())
    .action(async (paths: string[], opts: RunOptions) =>
      setExit(await (await commands.run()).runCommand(paths, opts, ctx)),
    );

  addConnectionOptions(
    program
      .command('watch')
      .description('validate, then re-run a chain each time its file changes (q or Ctrl-C to quit)')
      .argument('[paths...]', 'chain files or directories', ['chains']),
  )
    .option('--run-on-start', 'run every valid chain once at start', false)
    .option('--audit <file>', 'append every event as a JSON line to this file')
    .option('--audit-payloads', 'include request payloads and responses in the audit', false)
    .option('--no-show-responses', "do not print each step's answer (shown by default: it is the edit loop)")
    .addOption(new Option('--renderer <name>', 'progress display').choices(['default', 'simple']).default('default'))
    .action(async (paths: string[], opts: WatchOptions) =>
      setExit(await (await commands.watch()).watchCommand(paths, opts, ctx)),
    );

  program
    .command('plan')
    .description(
      'compare the chains with a git ref: added, changed and removed chains, step by step, validated, revision bumps checked',
    )
    .argument('[paths...]', 'chain files or directories', ['chains'])
    .option(
      '--base <ref>',
      'git ref to compare with, e.g. origin/main (default in a pull request: origin/$GITHUB_BASE_REF)',
    )
    .addOption(new Option('--format <format>', 'output format').choices(['text', 'markdown', 'json']).default('text'))
    .option('--no-revision-check', 'do not fail when a changed chain keeps its revision')
    .action(async (paths: string[], opts: PlanOptions) =>
      setExit(await (await commands.plan()).planCommand(paths, opts, ctx)),
    );

  program
    .command('sim')
    .description('run the built-in CXone simulator as a server and print its URL')
    .option('--port <port>', 'port to listen on (0 picks a free one)', (v) => Number(v), 0)
    .option('--actions <file>', 'YAML file of scripted actions (merged over the built-in ones)')
    .option('--rate-limit <rate>', 'tenant rate limit, e.g. 100/m or 50/s')
    .action(async (opts: SimOptions) => setExit(await (await commands.sim()).simCommand(opts, ctx)));

  program
    .command('init')
    .description(
      'write a starter chains repository: an example chain, pull-request and deploy workflows, .gitignore, README.cxchain.md',
    )
    .argument('[dir]', 'folder to write into (created when missing)', '.')
    .addHelpText(
      'after',
      '\nNothing is overwritten: if any of the files exists, init names each one and writes nothing (exit 2).',
    )
    .action(async (dir: string) => setExit(await (await commands.init()).initCommand(dir, ctx)));

  program
    .command('schema')
    .description('print the JSON Schema of chain format v1')
    .action(async () => setExit(await (await commands.schema()).schemaCommand(ctx)));

  return program;
}

export async function main(argv: readonly string[], ctx: CommandContext = createContext()): Promise<number> {
  let code: number = EXIT.ok;
  const program = createProgram(ctx, (c) => {
    code = c;
  });
  try {
    // `-V` was the version flag before `-v` (issue 15); both stay, as for npm and node.
    await program.parseAsync(argv.map((arg, i) => (i === 2 && arg === '-V' ? '-v' : arg)));
    return code;
  } catch (error) {
    if (error instanceof CommanderError) {
      // Help and version exit 0; every other parse problem is a usage error (SPEC 4: exit 2).
      return error.exitCode === 0 || error.code === 'commander.helpDisplayed' || error.code === 'commander.version'
        ? EXIT.ok
        : EXIT.invalid;
    }
    if (error instanceof UsageError || (error instanceof Error && error.name === 'UsageError')) {
      ctx.stderr.write(`${ctx.errStyle.red('error:')} ${error.message}\n`);
      return EXIT.invalid;
    }
    throw error;
  }
}
