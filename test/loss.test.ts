import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { softmaxCrossEntropy, softmax, Rng, argmax, accuracy, confusionMatrix } from '../src/engine/index.js';

/** The tutorial's cost, literally: mean(-Σ y·log(softmax(z))), in float32 like TensorFlow. */
function tutorialCost(logits: Float32Array, labels: number[], batch: number, classes: number): number {
  const p = new Float32Array(logits.length);
  for (let r = 0; r < batch; r++) {
    let max = -Infinity;
    for (let j = 0; j < classes; j++) max = Math.max(max, logits[r * classes + j]);
    let sum = 0;
    for (let j = 0; j < classes; j++) sum += Math.fround(Math.exp(logits[r * classes + j] - max));
    for (let j = 0; j < classes; j++) p[r * classes + j] = Math.fround(Math.exp(logits[r * classes + j] - max)) / sum;
  }
  let cost = 0;
  for (let r = 0; r < batch; r++) {
    let row = 0;
    for (let j = 0; j < classes; j++) row += -(j === labels[r] ? 1 : 0) * Math.log(p[r * classes + j]);
    cost += row;
  }
  return cost / batch;
}

test('equals the tutorial cost wherever that is finite', () => {
  const rng = new Rng(11);
  for (const spread of [0.1, 1, 5, 20]) {
    const batch = 50;
    const logits = Float32Array.from({ length: batch * 10 }, () => rng.normal(0, spread));
    const labels = Array.from({ length: batch }, () => rng.int(10));
    const naive = tutorialCost(logits, labels, batch, 10);
    const ours = softmaxCrossEntropy(logits, labels, batch, 10) / batch;
    assert.ok(Number.isFinite(naive), `spread ${spread}: naive is finite`);
    assert.ok(Math.abs(naive - ours) <= 1e-5 * Math.max(1, naive), `spread ${spread}: ${naive} vs ${ours}`);
  }
});

test('stays finite where the tutorial form gives Infinity or NaN', () => {
  const logits = Float32Array.from([200, 0, -200, 1e4, -1e4, 0]);
  const labels = [2, 1];
  assert.not.ok(Number.isFinite(tutorialCost(logits, labels, 2, 3)), 'the naive form overflows here');
  const grad = new Float32Array(6);
  const loss = softmaxCrossEntropy(logits, labels, 2, 3, grad);
  assert.ok(Number.isFinite(loss));
  assert.ok(Math.abs(loss - (400 + 2e4)) < 1e-3, `loss ${loss}`);
  assert.ok(grad.every(Number.isFinite));
});

test('gradient rows sum to zero and the scale is applied', () => {
  const logits = Float32Array.from([1, 2, 3, 0, 0, 0]);
  const g1 = new Float32Array(6);
  const g2 = new Float32Array(6);
  softmaxCrossEntropy(logits, [0, 1], 2, 3, g1);
  softmaxCrossEntropy(logits, [0, 1], 2, 3, g2, 1);
  for (let r = 0; r < 2; r++) assert.ok(Math.abs(g1[r * 3] + g1[r * 3 + 1] + g1[r * 3 + 2]) < 1e-7);
  for (let i = 0; i < 6; i++) assert.ok(Math.abs(g2[i] - 2 * g1[i]) < 1e-7);
});

test('bad labels are refused', () => {
  assert.throws(() => softmaxCrossEntropy(new Float32Array(3), [3], 1, 3), /label 3 at row 0, expected 0..2/);
});

test('softmax rows sum to one; argmax, accuracy and confusion matrix', () => {
  const p = softmax(Float32Array.from([1, 3, 2, 9, 0, 0]), 2, 3);
  assert.ok(Math.abs(p[0] + p[1] + p[2] - 1) < 1e-6);
  const pred = argmax(p, 2, 3);
  assert.equal(Array.from(pred), [1, 0]);
  assert.equal(Array.from(argmax(Float32Array.from([5, 5, 1]), 1, 3)), [0], 'first on ties');
  assert.is(accuracy(pred, [1, 2]), 0.5);
  assert.equal(confusionMatrix(pred, [1, 2], 3), [[0, 0, 0], [0, 1, 0], [1, 0, 0]]);
});

test.run();
