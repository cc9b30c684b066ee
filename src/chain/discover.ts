import { readdir, realpath, stat } from 'node:fs/promises';
import { isAbsolute, join, relative, resolve, sep } from 'node:path';
import { diagnostic, type Diagnostic } from './diagnostics.js';

export interface DiscoverOptions {
  /** Base for relative paths and for how files are named in output. Default: `process.cwd()`. */
  cwd?: string;
  /** Follow symbolic links that lead outside the given roots. Default false (SPEC: paths stay confined). */
  followOutside?: boolean;
}

export interface Discovered {
  /** Chain files in order: arguments in the order given, each directory's files sorted. */
  files: string[];
  diagnostics: Diagnostic[];
}

const CHAIN_FILE = /\.ya?ml$/i;

/** Expands files and directories into chain files (SPEC 4): `*.yaml`/`*.yml`, hidden folders and node_modules skipped. */
export async function discoverChainFiles(paths: readonly string[], options: DiscoverOptions = {}): Promise<Discovered> {
  const cwd = options.cwd ?? process.cwd();
  const files: string[] = [];
  const seen = new Set<string>();
  const diagnostics: Diagnostic[] = [];
  const display = (abs: string) => {
    const rel = relative(cwd, abs);
    return rel && !rel.startsWith('..') && !isAbsolute(rel) ? rel : abs;
  };
  // Symbolic links are resolved while walking, so the path itself identifies a file here.
  const add = (abs: string) => {
    if (seen.has(abs)) return;
    seen.add(abs);
    files.push(display(abs));
  };

  for (const given of paths.length ? paths : ['chains']) {
    const abs = resolve(cwd, given);
    const info = await stat(abs).catch((error: NodeJS.ErrnoException) => error);
    if (info instanceof Error) {
      const reason =
        info.code === 'ENOENT' ? 'no such file or directory' : `cannot be read (${info.code ?? info.message})`;
      diagnostics.push(
        diagnostic(
          'path.not_found',
          given,
          undefined,
          `\`${given}\` ${reason}`,
          'pass a chain file or a directory of chain files',
        ),
      );
      continue;
    }
    if (info.isFile()) {
      add(abs);
      continue;
    }
    const root = await realpath(abs);
    const found: string[] = [];
    await walk(abs, {
      root,
      found,
      diagnostics,
      display,
      followOutside: options.followOutside ?? false,
      visited: new Set(),
    });
    if (found.length === 0) {
      diagnostics.push(
        diagnostic(
          'path.no_chains',
          display(abs),
          undefined,
          `no chain files (*.yaml, *.yml) in \`${given}\``,
          'add a chain file or pass another directory',
        ),
      );
    }
    found.sort();
    for (const file of found) add(file);
  }
  return { files, diagnostics };
}

interface Walk {
  root: string;
  found: string[];
  diagnostics: Diagnostic[];
  display: (p: string) => string;
  followOutside: boolean;
  /** Real paths of the directories and files already taken: a link back up (`sub/up -> ..`) or a second link to one file must not repeat them. */
  visited: Set<string>;
}

async function walk(dir: string, w: Walk): Promise<void> {
  const real = await realpath(dir).catch(() => dir);
  if (w.visited.has(real)) return;
  w.visited.add(real);
  // Real entries before links, so a file reached both ways is named by its real path.
  const entries = (await readdir(dir, { withFileTypes: true })).sort(
    (a, b) => Number(a.isSymbolicLink()) - Number(b.isSymbolicLink()),
  );
  for (const entry of entries) {
    if (entry.name.startsWith('.') || entry.name === 'node_modules') continue;
    const full = join(dir, entry.name);
    let isDir = entry.isDirectory();
    let isFile = entry.isFile();
    let target = join(real, entry.name);
    if (entry.isSymbolicLink()) {
      const resolved = await realpath(full).catch(() => undefined);
      if (!resolved) {
        if (CHAIN_FILE.test(entry.name))
          w.diagnostics.push(
            diagnostic(
              'file.read_error',
              w.display(full),
              undefined,
              `\`${w.display(full)}\` is a symbolic link to a file that does not exist`,
              'fix or remove the link',
            ),
          );
        continue;
      }
      if (!w.followOutside && resolved !== w.root && !resolved.startsWith(w.root + sep)) {
        if (CHAIN_FILE.test(entry.name) || (await stat(resolved)).isDirectory()) {
          w.diagnostics.push(
            diagnostic(
              'path.outside_root',
              w.display(full),
              undefined,
              `\`${w.display(full)}\` is a symbolic link to \`${resolved}\`, outside \`${w.display(w.root)}\`; it was not followed`,
              'pass the target path itself, copy the chain into the repository, or allow it with --follow-symlinks',
            ),
          );
        }
        continue;
      }
      const info = await stat(resolved);
      isDir = info.isDirectory();
      isFile = info.isFile();
      target = resolved;
    }
    if (isDir) await walk(full, w);
    else if (isFile && CHAIN_FILE.test(entry.name) && !w.visited.has(target)) {
      w.visited.add(target);
      w.found.push(full);
    }
  }
}
