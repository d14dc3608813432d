import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { runCli } from './helpers/cli.js';
import { runTrain, type TrainArgs } from '../src/cli/commands/train.js';
import { MnistTsError } from '../src/engine/errors.js';

test('train keeps the tutorial\'s lines', () => {
  const r = runCli(['train', '--epochs', '2', '--threads', '2']);
  assert.is(r.code, 0, r.stderr);
  const lines = r.stdout.trim().split('\n');
  assert.match(lines[1], /^Epoch: 0001 cost= \d+\.\d{9}  validation accuracy: 0\.\d{4}  \(\d+ samples\/s, [\d.]+ s\)$/);
  assert.match(lines[2], /^Epoch: 0002 cost= /);
  assert.is(lines[3], 'Finished!');
  assert.match(lines[4], /^Accuracy: 0\.\d{4}$/);
  assert.is(r.stderr, '', 'no progress bar when stderr is not a terminal');
});

test('--json prints one object per epoch and a final one; --display-step thins the text', () => {
  const r = runCli(['train', '--epochs', '2', '--json', '--threads', '1', '--seed', '3']);
  assert.is(r.code, 0, r.stderr);
  const objects = r.stdout.trim().split('\n').map((l) => JSON.parse(l));
  assert.is(objects.length, 3);
  assert.equal(Object.keys(objects[0]), ['epoch', 'cost', 'validation_accuracy', 'seconds', 'samples_per_s']);
  assert.is(objects[2].finished, true);
  assert.ok(objects[2].test_accuracy > 0.3);
  const t = runCli(['train', '--epochs', '2', '--display-step', '2', '--threads', '1']);
  assert.not.match(t.stdout, 'Epoch: 0001');
  assert.match(t.stdout, 'Epoch: 0002');
});

test('the tutorial\'s defaults land in the range numpy gives over 20 seeds', () => {
  const r = runCli(['train', '--json']);
  assert.is(r.code, 0, r.stderr);
  const final = JSON.parse(r.stdout.trim().split('\n').at(-1)!);
  assert.is(final.epochs, 25);
  assert.ok(final.test_accuracy >= 0.822 && final.test_accuracy <= 0.837, `accuracy ${final.test_accuracy}`);
  assert.ok(final.final_cost >= 0.81 && final.final_cost <= 0.91, `cost ${final.final_cost}`);
});

test('--init zeros --lr 0.5 reaches at least 0.919', () => {
  const r = runCli(['train', '--json', '--init', 'zeros', '--lr', '0.5']);
  assert.is(r.code, 0, r.stderr);
  const final = JSON.parse(r.stdout.trim().split('\n').at(-1)!);
  assert.ok(final.test_accuracy >= 0.919, `accuracy ${final.test_accuracy}`);
});

test('flags are validated: each names the flag, what was expected and what was found', async () => {
  const base: TrainArgs = { epochs: 1, batchSize: 100, lr: 0.01, optimizer: 'sgd', momentum: 0.9, initStd: 1, model: 'softmax', hidden: '256', seed: 0, threads: 1, validationSize: 5000, displayStep: 1, json: true };
  const cases: [Partial<TrainArgs>, RegExp][] = [
    [{ epochs: -1 }, /^--epochs: -1, expected a whole number >= 0$/],
    [{ batchSize: 0 }, /^--batch-size: 0, expected a whole number >= 1$/],
    [{ batchSize: 60000 }, /^--batch-size: 60000, expected at most the 55000 training images$/],
    [{ lr: NaN }, /^--lr: NaN, expected a positive number$/],
    [{ lr: -0.1 }, /^--lr: -0.1, expected a positive number$/],
    [{ model: 'cnn9' }, /^--model: 'cnn9', expected one of softmax, mlp$/],
    [{ optimizer: 'adagrad' }, /^--optimizer: 'adagrad', expected one of sgd, momentum$/],
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
    const r = runCli(['train', '--epochs', '1', '--threads', '2', '--inject-fault', `1:5:${mode}`], { timeout: 60_000 });
    assert.is(r.code, 1, `${mode}: ${r.stderr}`);
    assert.match(r.stderr, /^mnist-ts: training stopped: worker 1 failed at step 6: /);
    assert.is(r.stderr.trim().split('\n').length, 1, r.stderr);
  }
});

test('tutorial (npm start) shows the data, trains, reports test accuracy', () => {
  const r = runCli(['tutorial', '--epochs', '1']);
  assert.is(r.code, 0, r.stderr);
  assert.match(r.stdout, 'train:      images [55000, 784]  labels [55000, 10]');
  assert.match(r.stdout, /Epoch: 0001 cost= /);
  assert.match(r.stdout, /Finished!\nAccuracy: 0\.\d{4}/);
});

test.run();
