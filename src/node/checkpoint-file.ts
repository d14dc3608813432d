/** Reading and writing checkpoint files; the bytes themselves are the portable code's job. */
import { readFileSync } from 'node:fs';
import { DataError } from '../engine/errors.js';
import { decodeCheckpoint, type Checkpoint } from '../train/checkpoint.js';
import { writeFileAtomic } from './atomic-write.js';
import { whyUnreadable } from './unreadable.js';

/** Atomic: a temporary file, fsync, rename. The previous checkpoint survives any crash. */
export function saveCheckpointFile(path: string, bytes: Uint8Array): void {
  writeFileAtomic(path, bytes);
}

export function loadCheckpointFile(path: string): Checkpoint {
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(path);
  } catch (e) {
    throw new DataError(`${path}: cannot read the model (${whyUnreadable(e, 'a .safetensors file')})`);
  }
  return decodeCheckpoint(bytes, path);
}
