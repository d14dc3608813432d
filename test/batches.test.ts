import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { BatchSampler, epochOrder } from '../src/data/batches.js';

test('every example exactly once per epoch', () => {
  const s = new BatchSampler(1000, 7, 100);
  for (let epoch = 0; epoch < 3; epoch++) {
    const seen = new Uint8Array(1000);
    for (let b = 0; b < 10; b++) for (const i of s.next(100)) seen[i]++;
    assert.ok(seen.every((c) => c === 1), `epoch ${epoch}`);
  }
});

test('the first epoch is shuffled too, and each epoch differently', () => {
  const e0 = epochOrder(100, 1, 0);
  const e1 = epochOrder(100, 1, 1);
  assert.not.equal(Array.from(e0), Array.from({ length: 100 }, (_, i) => i));
  assert.not.equal(Array.from(e0), Array.from(e1));
});

test('the same seed gives the same order; another seed another', () => {
  const take = (seed: number) => {
    const s = new BatchSampler(500, seed, 64);
    return Array.from({ length: 20 }, () => Array.from(s.next(64))).flat();
  };
  assert.equal(take(3), take(3));
  assert.not.equal(take(3), take(4));
});

test('a batch that runs past the epoch is filled from the next one (next_batch)', () => {
  const s = new BatchSampler(10, 5, 4);
  const batches = [0, 1, 2].map(() => Array.from(s.next(4)));
  const e0 = Array.from(epochOrder(10, 5, 0));
  const e1 = Array.from(epochOrder(10, 5, 1));
  assert.equal(batches[0], e0.slice(0, 4));
  assert.equal(batches[1], e0.slice(4, 8));
  assert.equal(batches[2], [...e0.slice(8, 10), ...e1.slice(0, 2)]);
  assert.equal(s.getState(), { epoch: 1, position: 2 });
});

test('restoring the state continues the same stream', () => {
  const a = new BatchSampler(37, 9, 8);
  for (let i = 0; i < 11; i++) a.next(8);
  const b = new BatchSampler(37, 9, 8, a.getState());
  for (let i = 0; i < 9; i++) assert.equal(Array.from(b.next(8)), Array.from(a.next(8)));
});

test('batch size is checked', () => {
  const s = new BatchSampler(10, 1, 4);
  assert.throws(() => s.next(5), /batch size 5, expected an integer from 1 to 4/);
  assert.throws(() => s.next(0), /batch size 0/);
});

test.run();
