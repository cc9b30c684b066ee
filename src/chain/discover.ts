import { constants, type Dirent, type Stats } from 'node:fs';
import { access, readdir, realpath, stat } from 'node:fs/promises';
import { isAbsolute, join, relative, resolve, sep } from 'node:path';
import type { SystemError } from '../host.js';
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
  /**
   * The given paths, as given, that cannot be used at all: not there, neither a regular file nor
   * a folder, or not readable. A folder that holds something unreadable is still usable.
   */
  unusable: string[];
}

const CHAIN_FILE = /\.ya?ml$/i;

/** Expands files and directories into chain files (SPEC 4): `*.yaml`/`*.yml`, hidden folders and node_modules skipped. */
export async function discoverChainFiles(paths: readonly string[], options: DiscoverOptions = {}): Promise<Discovered> {
  const cwd = options.cwd ?? process.cwd();
  const files: string[] = [];
  const seen = new Set<string>();
  const diagnostics: Diagnostic[] = [];
  const unusable: string[] = [];
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
  const refuse = (given: string, problem: Diagnostic) => {
    diagnostics.push(problem);
    unusable.push(given);
  };

  for (const given of paths.length ? paths : ['chains']) {
    const abs = resolve(cwd, given);
    // stat, never open: opening a FIFO blocks until a writer comes, and a device may act on open.
    const info = await stat(abs).catch((error: NodeJS.ErrnoException) => error);
    if (info instanceof Error) {
      refuse(given, pathProblem(given, info, { given: true }));
      continue;
    }
    if (info.isFile()) {
      // Reading needs permission where finding does not; a given file is checked here so that
      // watch can refuse it at start like a path that does not exist.
      const denied = await access(abs, constants.R_OK).catch((error: NodeJS.ErrnoException) => error);
      if (denied) refuse(given, pathProblem(given, denied, { given: true }));
      else add(abs);
      continue;
    }
    if (!info.isDirectory()) {
      // A process substitution (`<(…)`, /dev/fd/63) is a pipe with no name: its link does not resolve.
      const anonymous = info.isFIFO() && (await realpath(abs).catch(() => undefined)) === undefined;
      refuse(given, notRegularFile(given, info, anonymous ? 'pipe' : 'given'));
      continue;
    }
    const root = await realpath(abs).catch(() => abs);
    const found: string[] = [];
    const before = diagnostics.length;
    const readable = await walk(abs, {
      root,
      found,
      diagnostics,
      display,
      followOutside: options.followOutside ?? false,
      visited: new Set(),
    });
    if (!readable) unusable.push(given);
    // The problems found while walking already say why nothing was found.
    if (found.length === 0 && diagnostics.length === before) {
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
  return { files, diagnostics, unusable };
}

/**
 * The kind tests `Stats` and `Dirent` share, written out rather than picked from node:fs so the
 * published types need no @types/node (src/host.ts).
 */
interface FileKind {
  isDirectory(): boolean;
  isFIFO(): boolean;
  isSocket(): boolean;
  isCharacterDevice(): boolean;
  isBlockDevice(): boolean;
}

/** Where a path came from, which decides what a person can do about it. */
type Origin =
  /** Named on the command line. */
  | 'given'
  /** Found in a folder that was searched, or met again when it was to be read. */
  | 'found'
  /** Given, and a pipe with no name: a process substitution or a redirected descriptor. */
  | 'pipe';

function kindOf(info: FileKind): string {
  // A folder reaches here only where a file was named: a chain step's `uses:`.
  if (info.isDirectory()) return 'a folder';
  if (info.isFIFO()) return 'a named pipe (FIFO)';
  if (info.isSocket()) return 'a socket';
  if (info.isCharacterDevice()) return 'a character device';
  if (info.isBlockDevice()) return 'a block device';
  return 'neither a regular file nor a folder';
}

/** `path.not_regular`: a FIFO, socket, device or pipe where a chain file or a folder was expected. */
export function notRegularFile(file: string, info: FileKind, origin: Origin): Diagnostic {
  if (origin === 'pipe')
    return diagnostic(
      'path.not_regular',
      file,
      undefined,
      `\`${file}\` is an unnamed pipe (what a process substitution \`<(…)\` passes), not a file; it was not read`,
      // Files are read by path, and read again to show an error's source line: a pipe can be read
      // once and may never end.
      'write it to a file first (`… > chain.yaml`) and pass that file',
    );
  return diagnostic(
    'path.not_regular',
    file,
    undefined,
    `\`${file}\` is ${kindOf(info)}, not a regular file; it was not read`,
    origin === 'given'
      ? 'pass a chain file or a directory of chain files'
      : 'chain files must be regular files: remove it, or rename it so its name does not end in .yaml or .yml',
  );
}

export interface PathProblemOptions {
  /** Named on the command line (rather than found in a folder). Default false. */
  given?: boolean;
  /** The path is a folder: what it holds was not looked at. Default false. */
  folder?: boolean;
}

/** `path.not_found` or `path.unreadable` for an error of stat, open, readdir or watch. */
export function pathProblem(
  file: string,
  error: SystemError,
  { given = false, folder = false }: PathProblemOptions = {},
): Diagnostic {
  if (error.code === 'ENOENT' || error.code === 'ENOTDIR')
    return diagnostic(
      'path.not_found',
      file,
      undefined,
      `\`${file}\` no such file or directory`,
      given ? 'pass a chain file or a directory of chain files' : undefined,
    );
  const denied = error.code === 'EACCES' || error.code === 'EPERM';
  const why = denied
    ? 'permission denied'
    : error.code === 'ELOOP'
      ? 'too many symbolic links (a loop?)'
      : (error.code ?? error.message);
  const what = folder ? 'is a folder that cannot be read' : 'cannot be read';
  const lost = folder ? '; the chain files in it were not looked at' : '';
  return diagnostic(
    'path.unreadable',
    file,
    undefined,
    `\`${file}\` ${what} (${why})${lost}`,
    denied
      ? `let the user running cxchain ${folder ? 'list and enter it (chmod a+rx)' : 'read it (chmod a+r)'}, or run cxchain as a user who can`
      : error.code === 'ELOOP'
        ? 'the symbolic link leads back to itself: point it at a chain file, or remove it'
        : undefined,
  );
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

/** Collects the chain files under `dir`; false when `dir` itself cannot be read. */
async function walk(dir: string, w: Walk): Promise<boolean> {
  const real = await realpath(dir).catch(() => dir);
  if (w.visited.has(real)) return true;
  w.visited.add(real);
  const listed = await readdir(dir, { withFileTypes: true }).catch((error: NodeJS.ErrnoException) => error);
  if (listed instanceof Error) {
    // Gone while walking (a concurrent delete) is not a problem of the tree.
    if (listed.code !== 'ENOENT' && listed.code !== 'ENOTDIR')
      w.diagnostics.push(pathProblem(w.display(dir), listed, { folder: true }));
    return false;
  }
  // Real entries before links, so a file reached both ways is named by its real path.
  const entries = listed.sort((a, b) => Number(a.isSymbolicLink()) - Number(b.isSymbolicLink()));
  for (const entry of entries) {
    if (entry.name.startsWith('.') || entry.name === 'node_modules') continue;
    const full = join(dir, entry.name);
    let info: Pick<Stats | Dirent, 'isDirectory' | 'isFile'> & FileKind = entry;
    let target = join(real, entry.name);
    if (entry.isSymbolicLink()) {
      const resolved = await realpath(full).catch((error: NodeJS.ErrnoException) => error);
      if (resolved instanceof Error) {
        // Only a link whose target is missing is "a link to a missing file"; a loop (ELOOP) or a
        // target behind a folder that cannot be entered (EACCES) is said as what it is.
        const missing = resolved.code === 'ENOENT' || resolved.code === 'ENOTDIR';
        if (CHAIN_FILE.test(entry.name))
          w.diagnostics.push(
            missing
              ? diagnostic(
                  'file.read_error',
                  w.display(full),
                  undefined,
                  `\`${w.display(full)}\` is a symbolic link to a file that does not exist`,
                  'fix or remove the link',
                )
              : pathProblem(w.display(full), resolved),
          );
        continue;
      }
      const linked = await stat(resolved).catch(() => undefined);
      if (!linked) continue; // gone since realpath
      if (!w.followOutside && resolved !== w.root && !resolved.startsWith(w.root + sep)) {
        if (CHAIN_FILE.test(entry.name) || linked.isDirectory()) {
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
      info = linked;
      target = resolved;
    }
    if (info.isDirectory()) await walk(full, w);
    else if (!CHAIN_FILE.test(entry.name)) continue;
    else if (!info.isFile()) w.diagnostics.push(notRegularFile(w.display(full), info, 'found'));
    else if (!w.visited.has(target)) {
      w.visited.add(target);
      w.found.push(full);
    }
  }
  return true;
}
