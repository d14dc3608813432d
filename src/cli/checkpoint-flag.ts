/**
 * `--checkpoint FILE`: the saved model that evaluate, predict and report read. `--model` names an
 * architecture in `train`; it used to name the file here too, and still does, with a warning.
 */
import { existsSync } from 'node:fs';
import type { Argv } from 'yargs';
import { DataError, OptionError } from '../engine/errors.js';
import { loadCheckpointFile } from '../node/checkpoint-file.js';
import type { Checkpoint } from '../train/checkpoint.js';
import { DEFAULT_SAVE_PATH } from './defaults.js';
import type { Print } from './output.js';
import { kernelsOption, lastGiven, textFlag } from './options.js';
import { kernelsFor, resolveKernelPath } from '../engine/kernels/kernel-select.js';

export interface CheckpointArgs {
  checkpoint?: string;
  /** Deprecated spelling of --checkpoint. */
  model?: string;
  kernels?: string;
}

export function checkpointOption<T>(y: Argv<T>) {
  return y
    .option('checkpoint', { type: 'string', requiresArg: true, describe: `checkpoint file (safetensors) written by train (default: ${DEFAULT_SAVE_PATH}, what npm start saves)` })
    .option('model', { type: 'string', requiresArg: true, hidden: true, describe: 'deprecated: use --checkpoint' })
    .option('kernels', kernelsOption());
}

/** The checkpoint file to read; a `--model FILE` still works, with one line saying so. */
export function checkpointPath(args: CheckpointArgs, note: Print): string {
  const checkpoint = textFlag(args.checkpoint);
  const model = textFlag(args.model);
  if (model !== undefined) {
    if (checkpoint !== undefined) throw new OptionError(`--model: '${model}' and --checkpoint '${checkpoint}': give the file once, as --checkpoint`);
    note(`--model FILE is deprecated here (in train, --model names an architecture): use --checkpoint ${model}`);
    return model;
  }
  return checkpoint ?? DEFAULT_SAVE_PATH;
}

/**
 * Reads the checkpoint named by the flags, its model on the kernels --kernels names; a missing
 * file says how to make one.
 */
export function readCheckpoint(args: CheckpointArgs, note: Print): { path: string; checkpoint: Checkpoint } {
  const kernels = kernelsFor(resolveKernelPath(String(lastGiven(args.kernels ?? 'auto'))));
  const path = checkpointPath(args, note);
  if (!existsSync(path)) {
    throw new DataError(`${path}: no such file; train a model first (mnist-ts train saves ${DEFAULT_SAVE_PATH}) or name one with --checkpoint FILE`);
  }
  const checkpoint = loadCheckpointFile(path);
  return { path, checkpoint: { ...checkpoint, model: checkpoint.model.withKernels(kernels) } };
}
