/**
 * The rule that keeps a model from being lost: a save never replaces a
 * checkpoint of another architecture (or a file that is no checkpoint) unless --force says so.
 * The check runs before training, so a refusal costs no training time.
 */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { OptionError } from '../../engine/errors.js';
import type { Sequential } from '../../engine/model/sequential.js';
import { loadCheckpointFile } from '../../node/checkpoint-file.js';
import { describeCheckpoint } from '../../train/checkpoint.js';

/** The layers' shapes, without how they were initialised: what makes two checkpoints the same model. */
function shapeOf(model: Sequential): string {
  return JSON.stringify(model.entries.map((e) => [e.name, e.shape]));
}

/**
 * Refuses (one line naming --save and --force) to train into `savePath` when it holds something
 * other than a model of `model`'s architecture, unless it is the checkpoint being resumed or
 * `force` is set.
 */
export function checkSaveTarget(savePath: string | undefined, model: Sequential, resumePath: string | undefined, force: boolean): void {
  if (!savePath || force || !existsSync(savePath)) return;
  if (resumePath !== undefined && resolve(resumePath) === resolve(savePath)) return;
  let existing: string;
  try {
    const checkpoint = loadCheckpointFile(savePath);
    if (shapeOf(checkpoint.model) === shapeOf(model)) return;
    existing = `another model (${describeCheckpoint(checkpoint.meta)})`;
  } catch {
    existing = 'a file that is no mnist-ts checkpoint';
  }
  throw new OptionError(`--save: ${savePath} holds ${existing}; give another --save FILE, or --force to replace it`, 'save');
}
