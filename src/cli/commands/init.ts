import { appendFile, lstat, readFile, writeFile } from 'node:fs/promises';
import { dirname, isAbsolute, join, relative, resolve } from 'node:path';
import type { CommandContext } from '../context.js';
import { EXIT, UsageError } from '../exit-codes.js';
import { describeCause, ensureDir } from '../../report/output-file.js';
import { renderInitFiles, type InitFile } from '../init/init-files.js';
import { packageVersion } from '../package-root.js';

/**
 * Writes a starter chains repository into `dir`. Nothing is overwritten: when any file is there
 * already, every such file is named and nothing at all is written (exit 2), so a second `init`, or
 * one in a repository with its own workflows, leaves it exactly as it was. The one exception is an
 * existing `.gitignore`, which gets the lines it lacks (most repositories have one). There is no `--force`:
 * the files are small and a person who wants them anew can delete them, which is safer than a
 * flag that replaces a tuned deploy workflow.
 */
export async function initCommand(dir: string, ctx: CommandContext): Promise<number> {
  const root = resolve(ctx.cwd, dir);
  const here = await lstat(root).catch(() => undefined);
  if (here && !here.isDirectory()) throw new UsageError(`${dir} is not a folder`);
  const files = await renderInitFiles(packageVersion());
  const taken = await conflicts(root, files);
  if (taken.length > 0) {
    const one = taken.length === 1;
    throw new UsageError(
      `init writes nothing: ${one ? 'this file exists' : `these ${taken.length} files exist`} already\n${taken.map((t) => `  ${show(ctx, root, t)}\n`).join('')}Move ${one ? 'it' : 'them'} away, or initialise another folder.`,
    );
  }
  for (const file of files) {
    const target = join(root, file.path);
    try {
      const said = await place(target, file);
      if (said) ctx.stdout.write(`${said} ${show(ctx, root, file.path)}\n`);
    } catch (error) {
      ctx.stderr.write(
        `${ctx.errStyle.red('error:')} cannot write ${show(ctx, root, file.path)}: ${describeCause(error)}\n`,
      );
      return EXIT.output;
    }
  }
  ctx.stdout.write(
    `\nNext: create the GitHub environment "cxone" with the secrets CXONE_CLIENT_ID and CXONE_CLIENT_SECRET, set the repository variable CXONE_TENANT, then commit and push. ${show(ctx, root, 'README.cxchain.md')} says more, and \`npx cxchain run chains/ --sim\` there runs the example.\n`,
  );
  return EXIT.ok;
}

/** Writes a new file, or adds the lines a mergeable one lacks; says what it did, or nothing when nothing was needed. */
async function place(target: string, file: InitFile): Promise<string | undefined> {
  const existing = file.merge ? await readFile(target, 'utf8').catch(() => undefined) : undefined;
  if (existing !== undefined) {
    const have = new Set(existing.split(/\r?\n/).map((line) => line.trim()));
    const missing = file.text
      .split('\n')
      .filter((line) => line.trim() && !line.startsWith('#') && !have.has(line.trim()));
    if (missing.length === 0) return undefined;
    await appendFile(target, `${existing.endsWith('\n') || existing === '' ? '' : '\n'}${missing.join('\n')}\n`);
    return `added ${missing.join(', ')} to`;
  }
  // One level at a time: a recursive mkdir never returns below /proc (issue 11).
  ensureDir(dirname(target));
  // `wx`: a file that appeared since the check above is still never overwritten.
  await writeFile(target, file.text, { flag: 'wx' });
  return 'wrote';
}

/**
 * The paths (relative to root) that stand in the way: a file to be written that exists in any form
 * (a dangling link too), or a folder on the way that is not a folder. All of them, not the first.
 */
async function conflicts(root: string, files: readonly InitFile[]): Promise<string[]> {
  const found = new Set<string>();
  for (const { path, merge } of files) {
    const parts = path.split('/');
    for (let i = 1; i <= parts.length; i++) {
      const sub = parts.slice(0, i).join('/');
      const stat = await lstat(join(root, sub)).catch(() => undefined);
      if (!stat) break;
      // A regular file to merge into is not in the way; anything else by its name is.
      if (i === parts.length && merge && stat.isFile()) break;
      if (i === parts.length || !stat.isDirectory()) {
        found.add(sub);
        break;
      }
    }
  }
  return [...found];
}

/** A path relative to where the person is, when it is below there; else in full. */
function show(ctx: CommandContext, root: string, path: string): string {
  const full = join(root, path);
  const rel = relative(ctx.cwd, full);
  return rel === '' || rel.startsWith('..') || isAbsolute(rel) ? full : rel;
}
