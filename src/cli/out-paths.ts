/**
 * Where a command will write, checked before it works. A path below a file, or a folder where a
 * file is named (or the reverse), is the flag's error (exit 2) before any training, not a write
 * that fails at the end. And a file is replaced only when it already holds what would be written
 * there, or with --force: a mistyped --out cannot turn a checkpoint or a README into a picture.
 */
import { closeSync, existsSync, openSync, readSync, statSync } from 'node:fs';
import { dirname, sep } from 'node:path';
import { OptionError } from '../engine/errors.js';
import { isPng } from '../node/png.js';

/** The nearest existing folder above `path`, if it is a file instead (then nothing can be made below it). */
function fileInTheWay(path: string): string | null {
  let dir = dirname(path);
  while (!existsSync(dir)) {
    const up = dirname(dir);
    if (up === dir) return null;
    dir = up;
  }
  return statSync(dir).isDirectory() ? null : dir;
}

function checkAbove(path: string, flag: string): void {
  const file = fileInTheWay(path);
  if (file !== null) throw new OptionError(`--${flag}: ${path}: ${file} is a file, not a folder`, flag);
}

const endsInSeparator = (path: string) => path.endsWith('/') || path.endsWith(sep);

/** `--flag` names a file to write: not a folder (nor a name ending in /), and not below a file. */
export function checkFileOut(path: string, flag: string): void {
  if (endsInSeparator(path) || (existsSync(path) && statSync(path).isDirectory())) throw new OptionError(`--${flag}: ${path} is a folder; name a file`, flag);
  checkAbove(path, flag);
}

/** `--flag` names a folder to write into: not a file, and not below one. */
export function checkFolderOut(path: string, flag: string): void {
  // 'notes.txt/' does not exist when notes.txt is a file: the name without its last / is what is there.
  let folder = path;
  while (folder.length > 1 && endsInSeparator(folder)) folder = folder.slice(0, -1);
  if (existsSync(folder) && !statSync(folder).isDirectory()) throw new OptionError(`--${flag}: ${path} is a file; name a folder`, flag);
  checkAbove(folder, flag);
}

/** A kind of file a command writes, told by its first bytes. */
export interface FileKind {
  /** "a PNG", "an ONNX model". */
  name: string;
  /** Whether a file that starts with `head` (up to 16 bytes, fewer if the file is shorter) is of this kind. */
  starts: (head: Uint8Array) => boolean;
}

export const PNG_FILE: FileKind = { name: 'a PNG', starts: isPng };

/** The first bytes of a file, or null if it cannot be read (then it cannot be told, and is not replaced without --force). */
function headOf(path: string): Uint8Array | null {
  try {
    const fd = openSync(path, 'r');
    try {
      const head = new Uint8Array(16);
      return head.subarray(0, readSync(fd, head, 0, head.length, 0));
    } finally {
      closeSync(fd);
    }
  } catch {
    return null;
  }
}

/**
 * Refuses (one line naming `--flag` and --force) to replace an existing file that is not `kind`, or
 * that is no regular file (a pipe would keep the read waiting, a device is no file to replace), unless `force`.
 */
export function checkReplace(path: string, flag: string, kind: FileKind, force: boolean): void {
  if (force || !existsSync(path)) return;
  const refuse = (what: string) => new OptionError(`--${flag}: ${path} ${what}; give another --${flag} FILE, or --force to replace it`, flag);
  if (!statSync(path).isFile()) throw refuse('is not a regular file');
  const head = headOf(path);
  if (head === null) throw refuse(`cannot be read to tell whether it is ${kind.name}`);
  // An empty file holds nothing to lose.
  if (head.length > 0 && !kind.starts(head)) throw refuse(`holds a file that is not ${kind.name}`);
}
