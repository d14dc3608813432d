import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { runCli } from './helpers/cli.js';
import { runTrain, type TrainArgs } from '../src/cli/commands/train.js';
import { MnistTsError } from '../src/engine/errors.js';

test('--json prints one object per epoch and a final one; --display-step thins the text', () => {
  const r = runCli(['train', '--epochs', '1', '--json', '--threads', '1', '--seed', '3', '--no-save']);
  assert.is(r.code, 0, r.stderr);
  const objects = r.stdout.trim().split('\n').map((l) => JSON.parse(l));
  assert.is(objects.length, 2);
  assert.equal(Object.keys(objects[0]), ['epoch', 'cost', 'validation_accuracy', 'seconds', 'samples_per_s']);
  assert.is(objects[1].finished, true);
  assert.ok(objects[1].test_accuracy > 0.2);
  const t = runCli(['train', '--epochs', '2', '--display-step', '2', '--threads', '1', '--no-save']);
  assert.not.match(t.stdout, 'Epoch: 0001');
  assert.match(t.stdout, 'Epoch: 0002');
});

test('--init zeros --lr 0.5 reaches at least 0.919', () => {
  const r = runCli(['train', '--json', '--init', 'zeros', '--lr', '0.5', '--no-save']);
  assert.is(r.code, 0, r.stderr);
  const final = JSON.parse(r.stdout.trim().split('\n').at(-1)!);
  assert.ok(final.test_accuracy >= 0.919, `accuracy ${final.test_accuracy}`);
});

test('flags are validated: each names the flag, what was expected and what was found', async () => {
  const base: TrainArgs = { save: false, epochs: 1, batchSize: 100, lr: 0.01, optimizer: 'sgd', momentum: 0.9, initStd: 1, model: 'softmax', hidden: '256', seed: 0, threads: 1, validationSize: 5000, displayStep: 1, json: true, lrStepEpochs: 10, lrGamma: 0.1, lrFloor: 0 };
  const cases: [Partial<TrainArgs>, RegExp][] = [
    [{ epochs: -1 }, /^--epochs: -1, expected a whole number >= 0$/],
    [{ batchSize: 0 }, /^--batch-size: 0, expected a whole number >= 1$/],
    [{ batchSize: 60000 }, /^--batch-size: 60000, expected at most the 55000 training images$/],
    [{ lr: NaN }, /^--lr: NaN, expected a positive number$/],
    [{ lr: -0.1 }, /^--lr: -0.1, expected a positive number$/],
    [{ model: 'cnn9' }, /^--model: 'cnn9', expected one of softmax, mlp, cnn$/],
    [{ optimizer: 'adagrad' }, /^--optimizer: 'adagrad', expected one of sgd, momentum, adam, adamw$/],
    [{ lrSchedule: 'linear' }, /^--lr-schedule: 'linear', expected one of constant, step, cosine$/],
    [{ lrSchedule: 'step', lrStepEpochs: 0 }, /^--lr-step-epochs: 0, expected a whole number >= 1$/],
    [{ lrSchedule: 'cosine', lrFloor: 1.5 }, /^--lr-floor: 1.5, expected a fraction of --lr in \[0, 1\]$/],
    [{ weightDecay: -0.1 }, /^--weight-decay: -0.1, expected a number >= 0$/],
    [{ augmentShift: 30 }, /^--augment-shift: 30, expected a whole number of pixels from 0 to 27$/],
    [{ augmentShift: 1.5 }, /^--augment-shift: 1.5, expected a whole number >= 0$/],
    [{ model: 'cnn', init: 'zeros' }, /^--init: 'zeros' applies to softmax and mlp/],
    [{ init: 'uniform' }, /^--init: 'uniform', expected one of normal, zeros, glorot, he$/],
    [{ model: 'mlp', hidden: '256,x' }, /^--hidden: '256,x', expected whole numbers > 0/],
    [{ threads: 0 }, /^--threads: 0, expected a whole number from 1 to 256$/],
    [{ optimizer: 'momentum', momentum: 1.5 }, /^--momentum: 1.5, expected a number in \[0, 1\)$/],
    [{ validationSize: 70000 }, /^--validation-size: 70000, expected an integer from 0 to 60000/],
  ];
  for (const [bad, pattern] of cases) {
    await runTrain({ ...base, ...bad }, () => {}).then(
      () => assert.unreachable(JSON.stringify(bad)),
      (e: Error) => {
        assert.instance(e, MnistTsError);
        assert.match(e.message, pattern);
      },
    );
  }
});

test('a bad flag on the command line: one line, exit code 2, no stack trace', () => {
  const r = runCli(['train', '--lr', 'abc']);
  assert.is(r.code, 2);
  assert.is(r.stderr, 'mnist-ts: --lr: NaN, expected a positive number\n');
});

test('a failing worker: one line, non-zero exit, no hang, no thread left behind', () => {
  for (const mode of ['throw', 'exit']) {
    const r = runCli(['train', '--epochs', '1', '--threads', '2', '--no-save', '--inject-fault', `1:5:${mode}`], { timeout: 60_000 });
    assert.is(r.code, 1, `${mode}: ${r.stderr}`);
    assert.match(r.stderr, /^mnist-ts: training stopped: worker 1 failed at step 6: /);
    assert.is(r.stderr.trim().split('\n').length, 1, r.stderr);
  }
});

test('tutorial (npm start): the data, the tutorial\'s lines and accuracy range, save, restore in a fresh process, predict', () => {
  const save = join(mkdtempSync(join(tmpdir(), 'tutorial-')), 'model.safetensors');
  const r = runCli(['tutorial', '--save', save]);
  assert.is(r.code, 0, r.stderr);
  assert.is(r.stderr, '', 'no progress bar when stderr is not a terminal');
  assert.match(r.stdout, 'train:      images [55000, 784]  labels [55000, 10]');
  assert.match(r.stdout, /\nEpoch: 0001 cost= \d+\.\d{9}  validation accuracy: 0\.\d{4}  \(\d+ samples\/s, [\d.]+ s\)\n/);
  const last = /Epoch: 0025 cost= ([\d.]+)/.exec(r.stdout);
  assert.ok(last, 'all 25 epochs printed');
  // The range an independent numpy run of the exact recipe gives over 20 seeds.
  const cost = Number(last![1]);
  assert.ok(cost >= 0.81 && cost <= 0.91, `final cost ${cost}`);
  const accuracy = /Finished!\nAccuracy: (0\.\d{4})\n/.exec(r.stdout)?.[1];
  assert.ok(accuracy, 'test accuracy printed after Finished!');
  assert.ok(Number(accuracy) >= 0.822 && Number(accuracy) <= 0.837, `accuracy ${accuracy}`);
  assert.match(r.stdout, `Model saved in file: ${save}`);
  assert.match(r.stdout, `== 3. Restored from ${save} in a fresh process`);
  assert.match(r.stdout, `  Accuracy: ${accuracy}`, 'the restored model scores the same');
  assert.match(r.stdout, /train\[0\]\s+\d\s+[\d.]+\s+7\s+\[0,0,0,0,0,0,0,1,0,0\]/);
  assert.ok(existsSync(join(dirname(save), 'predictions', 'contact-sheet.png')));
});

test.run();
