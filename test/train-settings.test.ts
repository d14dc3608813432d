/** How `train` turns its flags, a recipe and a checkpoint into one run's settings, before any data is loaded. */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { availableParallelism } from 'node:os';
import { resolveTrainSettings } from '../src/cli/training/settings.js';
import type { Checkpoint } from '../src/train/checkpoint.js';
import { OptionError } from '../src/engine/errors.js';

/** A checkpoint of 3 epochs done out of the 3 asked for: lr 0.01, batch 100, seed 7. */
const resumed = {
  meta: {
    training: { model: 'softmax', optimizer: 'sgd', lr: 0.01, momentum: 0.9, batchSize: 100, init: 'normal', initStd: 1, validationSize: 5000, epochs: 3, schedule: { kind: 'constant' } },
    epochsCompleted: 3,
    seed: 7,
  },
} as unknown as Checkpoint;

function notesOf(fn: (note: (l: string) => void) => void): string[] {
  const notes: string[] = [];
  fn((l) => notes.push(l));
  return notes;
}

test('--resume: the checkpoint\'s settings win, and each flag they replace is named once', () => {
  let settings;
  const notes = notesOf((note) => {
    settings = resolveTrainSettings({ resume: 'm.safetensors', epochs: 5, lr: 0.5, batchSize: 10, seed: 1, threads: 1 }, resumed, note);
  });
  assert.equal(notes, ["--resume continues with the checkpoint's own settings; ignored: --seed 1, --lr 0.5, --batch-size 10"]);
  assert.is(settings!.config.lr, 0.01);
  assert.is(settings!.config.batchSize, 100);
  assert.is(settings!.seed, 7);
  assert.is(settings!.epochs, 5);
  assert.is(settings!.config.epochs, 5, 'the recorded total is the new one');
  assert.equal(notesOf((note) => resolveTrainSettings({ resume: 'm.safetensors', epochs: 4, threads: 1 }, resumed, note)), [], 'nothing to say when nothing is ignored');
});

test('--resume with nothing left to train is refused: --epochs must pass the epochs done', () => {
  for (const epochs of [3, 2, undefined]) {
    assert.throws(
      () => resolveTrainSettings({ resume: 'm.safetensors', epochs, threads: 1 }, resumed, () => {}),
      (e: Error) => e instanceof OptionError && /has done 3 epochs already; give the new total, more than 3/.test(e.message),
    );
  }
});

test('more threads than cores: one note, and the run goes on', () => {
  const cores = availableParallelism();
  const notes = notesOf((note) => resolveTrainSettings({ threads: cores + 2 }, undefined, note));
  assert.is(notes.length, 1);
  assert.match(notes[0], `--threads ${cores + 2} on a machine with ${cores} core`);
  assert.equal(notesOf((note) => resolveTrainSettings({ threads: 1 }, undefined, note)), []);
});

test('--no-save saves nothing; the last of repeated flags wins', () => {
  assert.is(resolveTrainSettings({ save: false, threads: 1 }, undefined, () => {}).savePath, undefined);
  assert.is(resolveTrainSettings({ save: ['a.safetensors', 'b.safetensors'] as unknown as string, threads: 1 }, undefined, () => {}).savePath, 'b.safetensors');
  assert.is(resolveTrainSettings({ epochs: [3, 4] as unknown as number, threads: 1 }, undefined, () => {}).epochs, 4);
});

test.run();
