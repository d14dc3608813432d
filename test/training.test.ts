import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Rng, Sequential, Dense, ReLU, SGD, Momentum, trainStep, evaluate, predictProbabilities, mlp, softmaxRegression, makeOptimizer, zeros, OptionError } from '../src/engine/index.js';

/** Two Gaussian blobs per class in 2-D, plus 8 zero features (a sparse-ish input). */
function problem(n: number, seed: number) {
  const rng = new Rng(seed);
  const x = new Float32Array(n * 10);
  const y = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const c = rng.int(3);
    y[i] = c;
    x[i * 10] = Math.cos((2 * Math.PI * c) / 3) * 2 + rng.normal(0, 0.5);
    x[i * 10 + 1] = Math.sin((2 * Math.PI * c) / 3) * 2 + rng.normal(0, 0.5);
  }
  return { x, y };
}

function train(model: Sequential, opt: SGD | Momentum, steps: number) {
  const { x, y } = problem(200, 1);
  const losses: number[] = [];
  for (let s = 0; s < steps; s++) losses.push(trainStep(model, opt, x, y, 200));
  return { losses, acc: evaluate(model, x, y).accuracy };
}

test('SGD drives the loss down on a small problem (softmax regression)', () => {
  const model = softmaxRegression({ inputs: 10, classes: 3, init: zeros() }).initialize(1);
  const { losses, acc } = train(model, new SGD(0.5), 100);
  assert.ok(losses[99] < losses[0] / 4, `${losses[0]} → ${losses[99]}`);
  assert.ok(acc > 0.95, `accuracy ${acc}`);
});

test('momentum trains an MLP, and keeps its velocity as state', () => {
  const model = mlp({ inputs: 10, hidden: [16], classes: 3 }).initialize(2);
  const opt = new Momentum(0.1, 0.9);
  const { losses, acc } = train(model, opt, 100);
  assert.ok(losses[99] < losses[0] / 4, `${losses[0]} → ${losses[99]}`);
  assert.ok(acc > 0.95);
  assert.is(opt.state().velocity.length, model.paramCount);
});

test('sparse and dense input paths train to the same weights (within float rounding)', () => {
  const a = softmaxRegression({ inputs: 10, classes: 3 }).initialize(3);
  const b = softmaxRegression({ inputs: 10, classes: 3 }).initialize(3);
  b.sparseInput = false;
  train(a, new SGD(0.1), 30);
  train(b, new SGD(0.1), 30);
  for (let i = 0; i < a.params.length; i++) assert.ok(Math.abs(a.params[i] - b.params[i]) < 1e-5);
});

test('probabilities and evaluation', () => {
  const model = new Sequential([new Dense(10, 8), new ReLU(8), new Dense(8, 3)]).initialize(1);
  const { x, y } = problem(30, 2);
  const p = predictProbabilities(model, x, 30, 7);
  for (let r = 0; r < 30; r++) assert.ok(Math.abs(p[r * 3] + p[r * 3 + 1] + p[r * 3 + 2] - 1) < 1e-5);
  const ev = evaluate(model, x, y, 30, 7);
  assert.ok(ev.loss > 0 && Number.isFinite(ev.loss));
  assert.is(ev.predictions.length, 30);
});

test('layer sizes must chain, and optimiser settings are checked', () => {
  assert.throws(() => new Sequential([new Dense(4, 5), new ReLU(6)]), /layer 1 \(relu\) takes 6 inputs, but layer 0 \(dense\) gives 5/);
  assert.throws(() => makeOptimizer('adagrad', 0.1), (e: Error) => e instanceof OptionError && /^optimizer: 'adagrad', expected one of sgd, momentum/.test(e.message));
  assert.throws(() => new SGD(0), /^lr: 0, expected a positive number/);
  assert.throws(() => new Momentum(0.1, 1), /^momentum: 1/);
  assert.throws(() => mlp({ hidden: [0] }), /^hidden: 0/);
});

test('the spec round-trips', () => {
  const m = mlp({ hidden: [16, 8] });
  const again = Sequential.fromSpec(m.spec());
  assert.equal(again.spec(), m.spec());
  assert.equal(again.entries.map((e) => e.name), ['dense0.weight', 'dense0.bias', 'dense1.weight', 'dense1.bias', 'dense2.weight', 'dense2.bias']);
});

test.run();
