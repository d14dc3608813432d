/**
 * Atomic file writes: a temporary file beside the target, fsync, then rename. A crash or Ctrl-C
 * leaves either the old file or the new one, never half of one. A write that fails (a folder in
 * the way, no permission, a full disk) leaves no temporary and is one DataError naming the file.
 */
import { closeSync, fsyncSync, mkdirSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';
import { dirname, basename, join } from 'node:path';
import { DataError } from '../engine/errors.js';

function tempPathFor(path: string): string {
  return join(dirname(path), `.${basename(path)}.${process.pid}.tmp`);
}

function cannotWrite(path: string, e: unknown): DataError {
  const code = (e as NodeJS.ErrnoException).code;
  const why = code === 'EISDIR' ? 'a folder is in the way' : code === 'ENOTDIR' || code === 'EEXIST' ? 'a file is in the way of a folder it needs' : code === 'EACCES' || code === 'EPERM' ? 'no permission' : code === 'ENOSPC' ? 'the disk is full' : code ?? (e as Error).message;
  return new DataError(`${path}: cannot write (${why})`);
}

/** Removes what a failed write left; where no temporary could be made (a file in the way of its folder), there is nothing to remove. */
function removeTemporary(tmp: string): void {
  try {
    rmSync(tmp, { force: true });
  } catch {
    // The write's own error is the one to report.
  }
}

export function writeFileAtomic(path: string, bytes: Uint8Array | string): void {
  const tmp = tempPathFor(path);
  try {
    mkdirSync(dirname(path), { recursive: true });
    const fd = openSync(tmp, 'w');
    try {
      const data = typeof bytes === 'string' ? Buffer.from(bytes) : bytes;
      let off = 0;
      while (off < data.length) off += writeSync(fd, data, off, data.length - off);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, path);
  } catch (e) {
    removeTemporary(tmp);
    throw cannotWrite(path, e);
  }
}
