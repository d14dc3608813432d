import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli, runMain } from './helpers/cli.js';
import { writeMnistSubset } from './helpers/synthetic-mnist.js';
import { runTrain, type TrainArgs } from '../src/cli/commands/train.js';
import { MnistTsError } from '../src/engine/errors.js';
import { cliMessage } from '../src/cli/fail.js';

test('--json prints one object per epoch and a final one; --display-step thins the text', async () => {
  // 2000 training images (after the 5000 held out) and 1000 test images: the lines are the point.
  const data = ['--data-dir', await writeMnistSubset(7000, 1000)];
  const r = await runMain(['train', '--epochs', '1', '--json', '--threads', '1', '--seed', '3', '--init', 'zeros', '--lr', '0.5', '--no-save', ...data]);
  assert.is(r.code, 0, r.stderr);
  const objects = r.stdout.trim().split('\n').map((l) => JSON.parse(l));
  assert.is(objects.length, 2);
  assert.equal(Object.keys(objects[0]), ['epoch', 'cost', 'validation_accuracy', 'seconds', 'samples_per_s']);
  assert.is(objects[1].finished, true);
  assert.ok(objects[1].test_accuracy > 0.5, 'it learned');
  const t = await runMain(['train', '--epochs', '2', '--display-step', '2', '--threads', '1', '--no-save', ...data]);
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
  const base: TrainArgs = { save: false, epochs: 1, threads: 1, json: true };
  const cases: [Partial<TrainArgs>, RegExp][] = [
    [{ epochs: -1 }, /^--epochs: -1, expected a whole number >= 1$/],
    [{ epochs: 0 }, /^--epochs: 0, expected a whole number >= 1$/],
    [{ epochs: 'abc' as unknown as number }, /^--epochs: abc, expected a whole number >= 1$/],
    [{ batchSize: 0 }, /^--batch-size: 0, expected a whole number >= 1$/],
    [{ batchSize: 60000 }, /^--batch-size: 60000, expected at most the 55000 training images$/],
    // More held out than left to train on: the hold-out is what to change.
    [{ validationSize: 60000 }, /^--validation-size: 60000 leaves 0 training images, fewer than one batch of 100; expected at most 59900$/],
    [{ validationSize: 59950 }, /^--validation-size: 59950 leaves 50 training images, fewer than one batch of 100; expected at most 59900$/],
    [{ lr: NaN }, /^--lr: NaN, expected a positive number$/],
    [{ lr: -0.1 }, /^--lr: -0.1, expected a positive number$/],
    [{ model: 'cnn9' }, /^--model: 'cnn9', expected one of softmax, mlp, cnn, fast, best$/],
    [{ optimizer: 'adagrad' }, /^--optimizer: 'adagrad', expected one of sgd, momentum, adam, adamw$/],
    [{ lrSchedule: 'linear' }, /^--lr-schedule: 'linear', expected one of constant, step, cosine, onecycle$/],
    [{ lrSchedule: 'step', lrStepEpochs: 0 }, /^--lr-step-epochs: 0, expected a whole number >= 1$/],
    [{ lrSchedule: 'cosine', lrFloor: 1.5 }, /^--lr-floor: 1.5, expected a number from 0 to 1$/],
    [{ lrSchedule: 'onecycle', lrWarmup: 1 }, /^--lr-warmup: 1, expected a number in \(0, 1\): above 0 and below 1$/],
    [{ optimizer: 'adam', betas: '0.9' }, /^--betas: '0.9', expected two numbers in \[0, 1\) separated by a comma, for example 0.9,0.999$/],
    [{ optimizer: 'adam', betas: '0.9,1' }, /^--betas: '0.9,1', expected two numbers in \[0, 1\)/],
    [{ labelSmoothing: 1 }, /^--label-smoothing: 1, expected a number in \[0, 1\)$/],
    [{ labelSmoothing: -0.1 }, /^--label-smoothing: -0.1, expected a number in \[0, 1\)$/],
    [{ weightDecay: -0.1 }, /^--weight-decay: -0.1, expected a number >= 0$/],
    [{ augmentShift: 30 }, /^--augment-shift: 30, expected a whole number of pixels from 0 to 27$/],
    [{ augmentShift: 1.5 }, /^--augment-shift: 1.5, expected a whole number >= 0$/],
    [{ model: 'cnn', init: 'zeros' }, /^--init: 'zeros' applies to softmax and mlp/],
    [{ init: 'uniform' }, /^--init: 'uniform', expected one of normal, zeros, glorot, he$/],
    [{ model: 'mlp', hidden: '256,x' }, /^--hidden: '256,x', expected whole numbers > 0/],
    [{ threads: 0 }, /^--threads: 0, expected a whole number from 1 to 256$/],
    [{ optimizer: 'momentum', momentum: 1.5 }, /^--momentum: 1.5, expected a number in \[0, 1\)$/],
    [{ validationSize: 70000 }, /^--validation-size: 70000, expected an integer from 0 to 60000/],
    // flags that would have no effect are refused, not ignored
    [{ hidden: '128' }, /^--hidden: sets the hidden layers of --model mlp; this is --model softmax$/],
    [{ momentum: 0.5 }, /^--momentum: applies to --optimizer momentum; this run's optimiser is sgd$/],
    [{ lrGamma: 0.5 }, /^--lr-gamma: applies to --lr-schedule step; this run's schedule is constant$/],
    [{ lrFloor: 0.1 }, /^--lr-floor: applies to --lr-schedule cosine; this run's schedule is constant$/],
    [{ lrWarmup: 0.2 }, /^--lr-warmup: applies to --lr-schedule onecycle; this run's schedule is constant$/],
    [{ betas: '0.7,0.9' }, /^--betas: applies to --optimizer adam and adamw; this run's optimiser is sgd$/],
    [{ model: 'mlp', initStd: 0.1 }, /^--init-std: sets the spread of --init normal; this run's initialiser is he$/],
    [{ model: 'cnn', layers: 'dense:10' }, /^--layers: replaces --model; give one of them/],
  ];
  for (const [bad, pattern] of cases) {
    await runTrain({ ...base, ...bad }, () => {}).then(
      () => assert.unreachable(JSON.stringify(bad)),
      (e: Error) => {
        assert.instance(e, MnistTsError);
        assert.match(cliMessage(e as MnistTsError), pattern);
      },
    );
  }
});

test('a bad flag on the command line: one line, exit code 2, no stack trace', async () => {
  // The first two through the bin, in a process of its own: the value the library refuses, and
  // the flag yargs does not know, each set the process's exit code.
  const r = runCli(['train', '--lr', 'abc']);
  assert.is(r.code, 2);
  assert.is(r.stderr, 'mnist-ts: --lr: abc, expected a positive number\n', 'what was typed, not NaN');
  const slip = runCli(['train', '--epoch', '3']);
  assert.is(slip.code, 2);
  assert.is(slip.stderr, 'mnist-ts: unknown flag --epoch (did you mean --epochs?); see mnist-ts train --help\n');
  // Two letters swapped are one slip.
  const swapped = await runMain(['train', '--modle', 'cnn']);
  assert.is(swapped.code, 2);
  assert.is(swapped.stderr, 'mnist-ts: unknown flag --modle (did you mean --model?); see mnist-ts train --help\n');
  assert.is((await runMain(['predict', '--form', 'test'])).stderr, 'mnist-ts: unknown flag --form (did you mean --from?); see mnist-ts predict --help\n');
  // A misspelt flag with a dash is named once (yargs adds a camelCase copy of it).
  assert.is((await runMain(['train', '--lables-smoothing', '0.1'])).stderr, 'mnist-ts: unknown flag --lables-smoothing (did you mean --label-smoothing?); see mnist-ts train --help\n');
  assert.is((await runMain(['evalute'])).stderr, 'mnist-ts: did you mean evaluate? (see mnist-ts --help)\n');
  const far = await runMain(['evaluate', '--colour', 'red']);
  assert.is(far.stderr, 'mnist-ts: unknown flag --colour; see mnist-ts evaluate --help\n');
  const validation = await runMain(['inspect', '--validation-size', '70000']);
  assert.is(validation.code, 2, 'an out-of-range flag is a flag error');
  assert.match(validation.stderr, /^mnist-ts: --validation-size: 70000, expected an integer from 0 to 60000/);
});

test('a failing worker: one line, non-zero exit, no hang, no thread left behind', async () => {
  const data = ['--data-dir', await writeMnistSubset(7000, 1000)];
  for (const mode of ['throw', 'exit']) {
    const r = runCli(['train', '--epochs', '1', '--threads', '2', '--no-save', '--inject-fault', `1:5:${mode}`, ...data], { timeout: 60_000 });
    assert.is(r.code, 1, `${mode}: ${r.stderr}`);
    assert.match(r.stderr, /^mnist-ts: training stopped: worker 1 failed at step 6: /);
    assert.is(r.stderr.trim().split('\n').length, 1, r.stderr);
  }
});

test('an error after the pool\'s workers have started (they start before the data is read): one line, exit 1, no hang', () => {
  const r = runCli(['train', '--epochs', '1', '--threads', '2', '--no-save', '--data-dir', join(tmpdir(), 'no-such-mnist')], { timeout: 30_000 });
  assert.is(r.code, 1, r.stderr);
  assert.match(r.stderr, /^mnist-ts: --data-dir .*no-such-mnist: missing train-images-idx3-ubyte/);
  assert.is(r.stderr.trim().split('\n').length, 1, r.stderr);
});

test('tutorial: flags it cannot honour are refused; its chapter is titled after the model asked for', async () => {
  for (const [flag, pattern] of [
    ['--no-save', /^mnist-ts: --no-save: the tutorial restores the model from its file in a fresh process; give --save PATH/],
    ['--json', /^mnist-ts: --json: the tutorial prints its chapters as text; for JSON lines use mnist-ts train --json\n$/],
  ] as const) {
    const r = await runMain(['tutorial', flag]);
    assert.is(r.code, 2, flag);
    assert.match(r.stderr, pattern);
    assert.is(r.stdout, '', 'refused before anything runs');
  }
  const save = join(mkdtempSync(join(tmpdir(), 'tutorial-mlp-')), 'model.safetensors');
  const mlp = await runMain(['tutorial', '--model', 'mlp', '--hidden', '16', '--epochs', '1', '--save', save, '--data-dir', await writeMnistSubset(7000, 1000)]);
  assert.is(mlp.code, 0, mlp.stderr);
  assert.match(mlp.stdout, '== 2. A multi-layer perceptron, trained with plain SGD\nTraining MLP 784-16-10 ');
  assert.match(mlp.stdout, `  ${save}: MLP 784-16-10, 1 epoch of sgd; 1000 test images`);
});

test.run();
