import { closest } from '../chain/index.js';
import { spawn } from 'node:child_process';

/** A git failure told for a person: what cxchain needed, and what to do about it. */
export class GitError extends Error {
  override name = 'GitError';
}

/** A blob at a path of a commit's tree. */
export interface TreeFile {
  /** Path from the repository root, with `/`. */
  path: string;
  oid: string;
}

/** The few read-only git questions `plan` asks, answered by the `git` on PATH. */
export interface GitRepo {
  /** Absolute path of the working tree's top. */
  root: string;
  /** The commit a ref names; a GitError that says so when there is none. */
  resolveCommit(ref: string): Promise<string>;
  /** The regular files of `commit` under the pathspecs (root-relative), symbolic links and submodules left out. */
  listFiles(commit: string, pathspecs: readonly string[]): Promise<TreeFile[]>;
  /** The contents of blobs, by id, read through one `git cat-file --batch`. */
  readBlobs(oids: readonly string[]): Promise<Map<string, Buffer>>;
}

interface GitOutput {
  code: number;
  stdout: Buffer;
  stderr: string;
}

/**
 * Runs git without a shell, so refs and paths are never interpreted. `--literal-pathspecs` keeps
 * `*` or `:` in a file name from being read as pathspec magic; prompts are off so CI never hangs.
 */
function runGit(args: readonly string[], cwd: string, input?: string): Promise<GitOutput> {
  return new Promise((resolve, reject) => {
    const child = spawn('git', ['--literal-pathspecs', ...args], {
      cwd,
      env: { ...process.env, GIT_TERMINAL_PROMPT: '0', GIT_OPTIONAL_LOCKS: '0' },
      stdio: 'pipe',
    });
    const out: Buffer[] = [];
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => out.push(chunk));
    child.stderr.setEncoding('utf8').on('data', (text: string) => (stderr += text));
    child.on('error', (error: NodeJS.ErrnoException) => {
      reject(error.code === 'ENOENT' ? new GitError('plan needs git, and no `git` was found on PATH') : error);
    });
    child.on('close', (code) => resolve({ code: code ?? 1, stdout: Buffer.concat(out), stderr: stderr.trim() }));
    // git may exit before reading its input (a bad repository); its exit code tells, not EPIPE.
    child.stdin.on('error', () => undefined);
    child.stdin.end(input ?? '');
  });
}

/** Branches, remote branches (`origin/HEAD` among them) and tags, as a person would type them. */
async function listRefs(root: string): Promise<string[]> {
  const result = await runGit(
    ['for-each-ref', '--format=%(refname:short)', 'refs/heads', 'refs/remotes', 'refs/tags'],
    root,
  );
  return result.code === 0 ? result.stdout.toString('utf8').split('\n').filter(Boolean) : [];
}

const SHOWN_REFS = 6;

/**
 * What to pass instead, from the refs that exist (issue 16): the near miss, or the same branch
 * without its remote (`origin/main` in a clone that only has `main`), then the default branches.
 */
export function refSuggestion(ref: string, refs: readonly string[]): string {
  if (refs.length === 0)
    return 'The repository has no branches or tags yet: commit first, then plan against that commit';
  const branch = ref.split('/').pop() ?? ref;
  const meant = refs.includes(branch) ? branch : closest(ref, refs);
  const usual = ['origin/HEAD', 'main', 'master', 'origin/main', 'origin/master'].filter((r) => refs.includes(r));
  const shown = [...new Set([...(meant ? [meant] : []), ...usual, ...refs])].slice(0, SHOWN_REFS);
  const more = refs.length - shown.length;
  const list = `${shown.map((r) => `\`${r}\``).join(', ')}${more > 0 ? ` and ${more} more (\`git branch -a\`)` : ''}`;
  return `${meant ? `Did you mean \`--base ${meant}\`? ` : ''}Refs here: ${list}`;
}

function firstLine(text: string): string {
  return text.split('\n')[0] ?? '';
}

/** Opens the repository that holds `cwd`; a GitError when there is none. */
export async function openGitRepo(cwd: string): Promise<GitRepo> {
  const top = await runGit(['rev-parse', '--show-toplevel'], cwd);
  if (top.code !== 0) {
    if (/not a git repository/i.test(top.stderr))
      throw new GitError(
        `plan compares chains with a git ref, but ${cwd} is not inside a git repository (run it in a clone, or \`git init\` one)`,
      );
    throw new GitError(`git cannot read the repository at ${cwd}: ${firstLine(top.stderr)}`);
  }
  const root = top.stdout.toString('utf8').trim();

  return {
    root,
    async resolveCommit(ref) {
      // `--end-of-options` so a ref such as `--all` is a name, not an option.
      const result = ref.startsWith('-')
        ? undefined
        : await runGit(['rev-parse', '--verify', '--quiet', '--end-of-options', `${ref}^{commit}`], root);
      if (!result || result.code !== 0) {
        const refs = await listRefs(root);
        throw new GitError(
          `unknown git ref \`${ref}\`: no commit by that name in ${root}. ${refSuggestion(ref, refs)}; in GitHub Actions check out with \`fetch-depth: 0\` so the base branch is there`,
        );
      }
      return result.stdout.toString('utf8').trim();
    },
    async listFiles(commit, pathspecs) {
      const result = await runGit(['ls-tree', '-r', '-z', '--full-tree', commit, '--', ...pathspecs], root);
      if (result.code !== 0) throw new GitError(`git ls-tree ${commit} failed: ${firstLine(result.stderr)}`);
      const files: TreeFile[] = [];
      // `<mode> SP <type> SP <oid> TAB <path> NUL`; -z keeps unusual names unquoted.
      for (const record of result.stdout.toString('utf8').split('\0')) {
        const match = /^(\d{6}) (\w+) ([0-9a-f]+)\t(.+)$/s.exec(record);
        if (match && match[2] === 'blob' && match[1] !== '120000')
          files.push({ path: match[4] as string, oid: match[3] as string });
      }
      return files;
    },
    async readBlobs(oids) {
      const blobs = new Map<string, Buffer>();
      const wanted = [...new Set(oids)];
      if (wanted.length === 0) return blobs;
      const result = await runGit(['cat-file', '--batch'], root, `${wanted.join('\n')}\n`);
      if (result.code !== 0) throw new GitError(`git cat-file failed: ${firstLine(result.stderr)}`);
      // Each answer is `<oid> <type> <size> LF <content> LF`, or `<oid> missing LF`.
      const out = result.stdout;
      let at = 0;
      while (at < out.length) {
        const eol = out.indexOf(0x0a, at);
        if (eol === -1) break;
        const header = out.subarray(at, eol).toString('utf8').split(' ');
        at = eol + 1;
        if (header.length !== 3) continue;
        const size = Number(header[2]);
        blobs.set(header[0] as string, out.subarray(at, at + size));
        at += size + 1;
      }
      return blobs;
    },
  };
}
