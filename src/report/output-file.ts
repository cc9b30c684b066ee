import {
  closeSync,
  fsyncSync,
  mkdirSync,
  openSync,
  readdirSync,
  renameSync,
  rmSync,
  statSync,
  writeSync,
} from 'node:fs';
import { basename, dirname, join } from 'node:path';
import type { Stats } from 'node:fs';

/** A file cxchain writes that could not be written: one line for a person, exit 74 (SPEC 4, 6). */
export class OutputError extends Error {
  override name = 'OutputError';
  constructor(
    /** The file as the user named it, or `stdout`. */
    readonly target: string,
    cause: unknown,
  ) {
    super(`cannot write ${target}: ${describeCause(cause)}`, { cause });
  }
}

const CAUSES: Record<string, string> = {
  ENOSPC: 'no space left on the device',
  EDQUOT: 'disk quota exceeded',
  EIO: 'input/output error',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  EROFS: 'read-only file system',
  ENOENT: 'no such directory',
  ENOTDIR: 'a part of the path is not a directory',
  EISDIR: 'it is a directory',
  EFBIG: 'file too large',
  EINVAL: 'the file system does not allow it',
  EBADF: 'the file is not open for writing',
  ENOTREG: 'it is not a regular file (a device, a FIFO or a socket)',
};

/** The cause of a failed write in words, with the error code for a search. */
export function describeCause(cause: unknown): string {
  const code = (cause as NodeJS.ErrnoException | undefined)?.code;
  if (code && CAUSES[code]) return `${CAUSES[code]} (${code})`;
  if (code) return code;
  return cause instanceof Error ? cause.message : String(cause);
}

/**
 * Creates the missing directories of `dir` one level at a time. `mkdirSync(…, { recursive: true })`
 * spins for ever below `/proc` (issue 11), so it is not used.
 */
export function ensureDir(dir: string): void {
  const missing: string[] = [];
  for (let d = dir; ; d = dirname(d)) {
    try {
      if (!statSync(d).isDirectory()) throw Object.assign(new Error(`${d} is not a directory`), { code: 'ENOTDIR' });
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT' || dirname(d) === d) throw error;
      missing.push(d);
    }
  }
  for (const d of missing.reverse()) mkdirSync(d);
}

function statIfAny(path: string): Stats | undefined {
  try {
    return statSync(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

/** Writes all of `data`: `writeSync` may write less than asked and say so only in its return value. */
export function writeAll(fd: number, data: string | Uint8Array): void {
  const bytes = typeof data === 'string' ? Buffer.from(data) : data;
  for (let offset = 0; offset < bytes.length;) offset += writeSync(fd, bytes, offset, bytes.length - offset);
}

/** A file written through a temporary file beside it and renamed when whole (SPEC 6). */
export interface AtomicFile {
  readonly target: string;
  write(data: string | Uint8Array): void;
  /** Flushes the temporary file and renames it over the target. */
  commit(): void;
  /** Removes the temporary file; the target keeps what it had. */
  abandon(): void;
}

/**
 * Opens `<dir>/.<name>.<pid>.tmp`. The target is always either the previous file or a complete new
 * one, whatever happens to the process. Errors are `OutputError`s naming the target.
 */
export function openAtomicFile(target: string): AtomicFile {
  const temp = tempPathOf(target, 'tmp');
  let fd: number | undefined;
  try {
    ensureDir(dirname(target));
    // Renaming over a device or a FIFO would replace it (as root, /dev/full itself).
    const existing = statIfAny(target);
    if (existing && !existing.isFile())
      throw Object.assign(new Error('not a regular file'), { code: existing.isDirectory() ? 'EISDIR' : 'ENOTREG' });
    fd = openSync(temp, 'w');
  } catch (error) {
    throw new OutputError(target, error);
  }
  removeStaleTemps(target);
  const close = () => {
    if (fd === undefined) return;
    const open = fd;
    fd = undefined;
    closeSync(open);
  };
  return {
    target,
    write(data) {
      if (fd === undefined) throw new OutputError(target, new Error('already closed'));
      try {
        writeAll(fd, data);
      } catch (error) {
        throw new OutputError(target, error);
      }
    },
    commit() {
      try {
        if (fd !== undefined) fsyncSync(fd);
        close();
        renameSync(temp, target);
      } catch (error) {
        throw new OutputError(target, error);
      }
    },
    abandon() {
      // Cleaning up after a failure must not hide that failure.
      try {
        close();
      } catch {
        /* the descriptor is gone either way */
      }
      rmSync(temp, { force: true });
    },
  };
}

/** `<dir>/.<name>.<pid>.<kind>`: hidden beside the target, named by the process that writes it. */
export function tempPathOf(target: string, kind: 'tmp' | 'part'): string {
  return join(dirname(target), `.${basename(target)}.${process.pid}.${kind}`);
}

/**
 * Removes the temporary files of a target left by runs that were killed before they could rename
 * or remove them (`kill -9`): those of processes that no longer exist.
 */
function removeStaleTemps(target: string): void {
  const dir = dirname(target);
  const prefix = `.${basename(target)}.`;
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return;
  }
  for (const name of names) {
    if (!name.startsWith(prefix)) continue;
    const match = /^(\d+)\.(tmp|part)$/.exec(name.slice(prefix.length));
    const pid = Number(match?.[1]);
    if (!match || pid === process.pid || isAlive(pid)) continue;
    rmSync(join(dir, name), { force: true });
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists, as another user's process.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
