/**
 * train never loses a model: each kind of model has its own default file, --resume saves back into
 * the file it resumed, and a save onto a checkpoint of another model (or onto a file that is no
 * checkpoint) is refused with one line, unless --force.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runMain } from './helpers/cli.js';
import { writeMnistSubset } from './helpers/synthetic-mnist.js';
import { defaultSavePath } from '../src/cli/defaults.js';
import { loadCheckpointFile } from '../src/node/checkpoint-file.js';

// The rule is about files, not learning: 2000 training images (after the 5000 held out) are enough.
const data = ['--data-dir', await writeMnistSubset(7000, 1000)];

/** A fresh folder for one test, and `mnist-ts train` (1 thread; 1 epoch unless told) run in it: no test reads another's files. */
function folder() {
  const home = mkdtempSync(join(tmpdir(), 'save-guard-'));
  return {
    train: (...args: string[]) => runMain(['train', ...(args.includes('--epochs') ? [] : ['--epochs', '1']), '--threads', '1', ...data, ...args], { cwd: home }),
    bytes: (file: string) => readFileSync(join(home, file)),
    kind: (file: string) => loadCheckpointFile(join(home, file)).meta,
    home,
  };
}

/** A folder holding the tutorial's softmax, trained (seed 1) into log/model.safetensors. */
async function withSoftmax() {
  const f = folder();
  const softmax = await f.train('--seed', '1');
  assert.is(softmax.code, 0, softmax.stderr);
  return f;
}

test('each kind of model has its own default file; the tutorial\'s softmax keeps log/model.safetensors', () => {
  assert.equal(['softmax', 'mlp', 'cnn', 'layers'].map(defaultSavePath), ['log/model.safetensors', 'log/mlp.safetensors', 'log/cnn.safetensors', 'log/layers.safetensors']);
});

test('an MLP trained after the tutorial\'s model leaves it as it was', async () => {
  const { train, bytes, kind } = await withSoftmax();
  const before = bytes('log/model.safetensors');
  const mlp = await train('--model', 'mlp', '--hidden', '16');
  assert.is(mlp.code, 0, mlp.stderr);
  assert.match(mlp.stdout, 'Model saved in file: log/mlp.safetensors');
  assert.is(kind('log/mlp.safetensors').training.model, 'mlp');
  assert.ok(bytes('log/model.safetensors').equals(before), 'the softmax, same bytes');
});

test('a save onto another model is refused with one line and exit 2, and nothing is written; --force replaces it', async () => {
  const { train, bytes, kind } = await withSoftmax();
  const before = bytes('log/model.safetensors');
  const refused = await train('--model', 'mlp', '--hidden', '16', '--save', 'log/model.safetensors');
  assert.is(refused.code, 2);
  assert.match(refused.stderr, /^mnist-ts: --save: log\/model\.safetensors holds another model \(softmax regression · 1 epoch · test accuracy 0\.\d{4}\); give another --save FILE, or --force to replace it\n$/);
  assert.ok(bytes('log/model.safetensors').equals(before));
  // The same architecture is the same model, retrained: no refusal.
  const again = await train('--seed', '2');
  assert.is(again.code, 0, again.stderr);
  assert.not.ok(bytes('log/model.safetensors').equals(before), 'retrained with another seed');
  const forced = await train('--model', 'mlp', '--hidden', '16', '--save', 'log/model.safetensors', '--force');
  assert.is(forced.code, 0, forced.stderr);
  assert.is(kind('log/model.safetensors').training.model, 'mlp');
});

test('a file that is no checkpoint is not replaced either', async () => {
  const { train, home } = folder();
  writeFileSync(join(home, 'notes.safetensors'), 'my notes');
  const r = await train('--save', 'notes.safetensors');
  assert.is(r.code, 2);
  assert.match(r.stderr, /^mnist-ts: --save: notes\.safetensors holds a file that is no mnist-ts checkpoint; give another --save FILE, or --force to replace it\n$/);
  assert.is(readFileSync(join(home, 'notes.safetensors'), 'utf8'), 'my notes');
});

test('--resume FILE saves back into FILE, unless --save says otherwise', async () => {
  const { train, kind } = folder();
  const mlp = await train('--model', 'mlp', '--hidden', '16');
  assert.is(mlp.code, 0, mlp.stderr);
  const r = await train('--resume', 'log/mlp.safetensors', '--epochs', '2');
  assert.is(r.code, 0, r.stderr);
  assert.is(kind('log/mlp.safetensors').epochsCompleted, 2);
  const elsewhere = await train('--resume', 'log/mlp.safetensors', '--epochs', '3', '--save', 'log/mlp-3.safetensors');
  assert.is(elsewhere.code, 0, elsewhere.stderr);
  assert.is(kind('log/mlp.safetensors').epochsCompleted, 2, 'the resumed file as it was');
  assert.is(kind('log/mlp-3.safetensors').epochsCompleted, 3);
});

test.run();
