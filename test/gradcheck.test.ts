/** Central-difference gradient checks: every analytic gradient against (f(x+h) - f(x-h)) / 2h. */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Dense, ReLU, Sequential, Rng, softmaxCrossEntropy, normal } from '../src/engine/index.js';
import { H, checkInputGradient, checkModel, input, relError } from './helpers/gradcheck.js';

test('Dense + fused softmax cross-entropy (weights and bias)', () => {
  const rng = new Rng(1);
  const model = new Sequential([new Dense(6, 4, { init: normal(0.5), bias: normal(0.5) })]).initialize(2);
  checkModel(model, input(5, 6, rng), [0, 3, 2, 1, 3], 5, 'dense');
});

test('Dense reading a sparse input through CSR', () => {
  const rng = new Rng(3);
  const model = new Sequential([new Dense(12, 3, { init: normal(0.5), bias: normal(0.5) })]).initialize(4);
  checkModel(model, input(6, 12, rng, 0.8), [0, 1, 2, 0, 1, 2], 6, 'dense, sparse input');
});

test('Dense, ReLU, Dense (input gradients flow through ReLU)', () => {
  const rng = new Rng(5);
  const model = new Sequential([new Dense(7, 9, { init: normal(0.7), bias: normal(0.3) }), new ReLU(9), new Dense(9, 3, { init: normal(0.7) })]).initialize(6);
  checkModel(model, input(4, 7, rng), [2, 0, 1, 1], 4, 'mlp');
});

test('input gradient of Dense and ReLU against central differences', () => {
  const dense = new Dense(5, 6, { init: normal(1), bias: normal(1) });
  new Sequential([dense]).initialize(8);
  checkInputGradient(dense, 3, 7);
  checkInputGradient(new ReLU(6), 3, 9);
});

test('fused loss gradient against central differences on the logits', () => {
  const rng = new Rng(9);
  const logits = input(4, 5, rng).map((v) => v * 3);
  const labels = [4, 0, 2, 2];
  const grad = new Float32Array(logits.length);
  softmaxCrossEntropy(logits, labels, 4, 5, grad);
  for (let i = 0; i < logits.length; i++) {
    const saved = logits[i];
    logits[i] = saved + H;
    const up = softmaxCrossEntropy(logits, labels, 4, 5) / 4;
    logits[i] = saved - H;
    const down = softmaxCrossEntropy(logits, labels, 4, 5) / 4;
    logits[i] = saved;
    assert.ok(relError((up - down) / (2 * H), grad[i]) < 1e-2, `logit ${i}`);
  }
});

test.run();
