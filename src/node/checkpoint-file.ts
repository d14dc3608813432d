/** Reading and writing checkpoint files; the bytes themselves are the portable code's job. */
import { readFileSync } from 'node:fs';
import { DataError } from '../engine/errors.js';
import { decodeCheckpoint, type Checkpoint } from '../train/checkpoint.js';
import { writeFileAtomic } from './atomic-write.js';

/** Atomic: a temporary file, fsync, rename. The previous checkpoint survives any crash. */
export function saveCheckpointFile(path: string, bytes: Uint8Array): void {
  writeFileAtomic(path, bytes);
}

export function loadCheckpointFile(path: string): Checkpoint {
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(path);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new DataError(`${path}: cannot read the model (${code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'a folder, expected a .safetensors file' : code ?? (e as Error).message})`);
  }
  return decodeCheckpoint(bytes, path);
}
