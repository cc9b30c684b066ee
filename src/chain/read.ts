import { closeSync, constants, fstatSync, openSync, readFileSync, statSync } from 'node:fs';
import type { HostBytes } from '../host.js';
import type { Diagnostic } from './diagnostics.js';
import { notRegularFile, pathProblem } from './discover.js';
import { readChainFile, type ParsedFile } from './source.js';

/**
 * Opens `path` only if it is a regular file. stat comes first, so a FIFO, socket or device is
 * never opened (a FIFO would block the process until a writer came; a device may act on open);
 * the open is non-blocking and checked again with fstat, in case the path changed in between.
 */
function openRegularFile(path: string, file: string): { fd: number } | { problem: Diagnostic } {
  try {
    const before = statSync(path);
    if (!before.isFile()) return { problem: notRegularFile(file, before, 'found') };
    const fd = openSync(path, constants.O_RDONLY | (constants.O_NONBLOCK ?? 0) | (constants.O_NOCTTY ?? 0));
    const info = fstatSync(fd);
    if (info.isFile()) return { fd };
    closeSync(fd);
    return { problem: notRegularFile(file, info, 'found') };
  } catch (error) {
    return { problem: pathProblem(file, error as NodeJS.ErrnoException) };
  }
}

/**
 * `readChainFile` for a path that may be anything: a FIFO, socket or device is `path.not_regular`,
 * a file that cannot be opened is `path.not_found` or `path.unreadable`. Never blocks, never throws.
 */
export function readChainPath(path: string, file: string = path): ParsedFile {
  const opened = openRegularFile(path, file);
  if ('problem' in opened) return { diagnostics: [opened.problem] };
  try {
    return readChainFile(opened.fd, file);
  } finally {
    closeSync(opened.fd);
  }
}

/** The bytes of a regular file, read the way `readChainPath` reads. */
export function readRegularFile(path: string, file: string = path): { bytes: HostBytes } | { problem: Diagnostic } {
  const opened = openRegularFile(path, file);
  if ('problem' in opened) return opened;
  try {
    return { bytes: readFileSync(opened.fd) };
  } catch (error) {
    return { problem: pathProblem(file, error as NodeJS.ErrnoException) };
  } finally {
    closeSync(opened.fd);
  }
}
