import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { existsSync, mkdirSync, mkdtempSync, writeFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encodeSafetensors, decodeSafetensors, mlp, Momentum, FormatError, DataError } from '../src/engine/index.js';
import { encodeCheckpoint, decodeCheckpoint } from '../src/train/checkpoint.js';
import { loadCheckpointFile, saveCheckpointFile } from '../src/node/checkpoint-file.js';
import { runCli, runMain } from './helpers/cli.js';
import { writeMnistSubset } from './helpers/synthetic-mnist.js';
import { assertSameBits } from './helpers/bits.js';

const dir = mkdtempSync(join(tmpdir(), 'ckpt-'));
/** 5000 training, 1000 validation and 1000 test images of the real MNIST: 50 steps an epoch of batch 100. */
let subset: Promise<string> | undefined;
const small = async () => ['--data-dir', await (subset ??= writeMnistSubset(6000, 1000)), '--validation-size', '1000'];
const meta = {
  training: { model: 'mlp', optimizer: 'momentum', lr: 0.1, momentum: 0.9, batchSize: 10, init: 'he', initStd: 1, validationSize: 0, epochs: 3 },
  epochsCompleted: 2,
  seed: 7,
  sampler: { epoch: 1, position: 40 },
  metrics: { epochs: [{ epoch: 1, cost: 2.5, validationAccuracy: 0.5 }], testAccuracy: null },
  optimizer: 'momentum',
};

function trainedModel() {
  const model = mlp({ inputs: 12, hidden: [5], classes: 3 }).initialize(3);
  const opt = new Momentum(0.1);
  model.grads.fill(0.25);
  opt.step(model.params, model.grads);
  return { model, opt };
}

/** An independent reader, written from the spec alone: u64 LE header length, JSON, offsets. */
function readBySpec(bytes: Uint8Array) {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const n = Number(view.getBigUint64(0, true));
  const header = JSON.parse(Buffer.from(bytes.subarray(8, 8 + n)).toString('utf8'));
  const base = 8 + n;
  const tensors: Record<string, number[]> = {};
  for (const [name, info] of Object.entries<any>(header)) {
    if (name === '__metadata__') continue;
    const [a, b] = info.data_offsets;
    const vals: number[] = [];
    for (let o = base + a; o < base + b; o += 4) vals.push(view.getFloat32(o, true));
    tensors[name] = vals;
  }
  return { n, header, tensors };
}

test('save then load is bit-exact, optimiser state included', () => {
  const { model, opt } = trainedModel();
  const bytes = encodeCheckpoint(model, opt.state(), meta);
  const back = decodeCheckpoint(bytes, 'x');
  assertSameBits(back.model.params, model.params, 'parameters');
  assertSameBits(back.optimizerState.velocity, opt.state().velocity, 'velocity');
  assert.equal(back.model.spec(), model.spec());
  assert.equal(back.meta.sampler, meta.sampler);
  assert.equal(back.meta.training, meta.training);
  assert.is(back.meta.epochsCompleted, 2);
});

test('an independent reader parses the file by the spec', () => {
  const { model, opt } = trainedModel();
  const bytes = encodeCheckpoint(model, opt.state(), meta);
  const { n, header, tensors } = readBySpec(bytes);
  assert.is(n % 8, 0, 'header padded to a multiple of 8');
  assert.is(header['dense0.weight'].dtype, 'F32');
  assert.equal(header['dense0.weight'].shape, [12, 5]);
  assert.equal(tensors['dense0.weight'], Array.from(model.param('dense0.weight')));
  assert.equal(tensors['dense1.bias'], Array.from(model.param('dense1.bias')));
  assert.ok('optimizer.velocity.dense0.weight' in tensors);
  assert.is(typeof header.__metadata__.architecture, 'string');
  assert.match(header.__metadata__.weight_layout, 'inputs, outputs');
  // contiguous offsets covering the data exactly
  const spans = Object.entries<any>(header).filter(([k]) => k !== '__metadata__').map(([, v]) => v.data_offsets).sort((a, b) => a[0] - b[0]);
  let at = 0;
  for (const [a, b] of spans) {
    assert.is(a, at);
    at = b;
  }
  assert.is(8 + n + at, bytes.length);
});

function decodeError(bytes: Uint8Array): Error {
  try {
    decodeCheckpoint(bytes, 'm.safetensors');
  } catch (e) {
    return e as Error;
  }
  throw new Error('expected an error');
}

test('bad files: each gets one clear error', () => {
  const { model, opt } = trainedModel();
  const good = encodeCheckpoint(model, opt.state(), meta);
  const header = Number(new DataView(good.buffer).getBigUint64(0, true));
  const withLength = (len: bigint) => {
    const b = good.slice();
    new DataView(b.buffer).setBigUint64(0, len, true);
    return b;
  };
  const cases: [Uint8Array, RegExp][] = [
    [new Uint8Array(0), /: not a safetensors file \(it is empty\)$/],
    [good.subarray(0, 5), /: not a safetensors file \(5 bytes, too short for the 8-byte header length; truncated\?\)$/],
    [good.subarray(0, good.length - 10), /ends at byte .* only .*truncated/],
    [good.subarray(0, 8 + header - 3), /: not a safetensors file \(header length \d+ bytes, but only \d+ follow; truncated\?\)$/],
    [withLength(1n << 40n), /: not a safetensors file \(its first 8 bytes give a header length of 1099511627776 bytes, at most 100000000 expected\)$/],
    [new TextEncoder().encode('PK\u0003\u0004 this is a zip file, not a model'), /^m\.safetensors: not a safetensors file \(/],
    [encodeSafetensors([{ name: 'w', shape: [2], data: new Float32Array(2) }], {}), /metadata format null, expected "mnist-ts\/1"/],
  ];
  for (const [bytes, pattern] of cases) {
    const e = decodeError(bytes);
    assert.instance(e, FormatError);
    assert.match(e.message, pattern);
    assert.match(e.message, /^m\.safetensors: |^m\.safetensors/);
  }
});

test('offsets out of range and gaps are refused', () => {
  const enc = (header: object, data: number) => {
    const json = new TextEncoder().encode(JSON.stringify(header).padEnd(64));
    const out = new Uint8Array(8 + json.length + data);
    new DataView(out.buffer).setBigUint64(0, BigInt(json.length), true);
    out.set(json, 8);
    return out;
  };
  assert.throws(() => decodeSafetensors(enc({ w: { dtype: 'F32', shape: [4], data_offsets: [0, 16] } }, 8), 'f'), /ends at byte 16 of the data, which has only 8/);
  assert.throws(() => decodeSafetensors(enc({ w: { dtype: 'F32', shape: [1], data_offsets: [4, 8] } }, 8), 'f'), /starts at byte 4, expected 0/);
  assert.throws(() => decodeSafetensors(enc({ w: { dtype: 'F16', shape: [1], data_offsets: [0, 2] } }, 2), 'f'), /dtype "F16", expected "F32"/);
  assert.throws(() => decodeSafetensors(enc({ w: { dtype: 'F32', shape: [3], data_offsets: [0, 8] } }, 8), 'f'), /expected 12 bytes for shape \[3\]/);
});

test('unknown tensor names and wrong shapes are refused', () => {
  const { model, opt } = trainedModel();
  const good = decodeSafetensors(encodeCheckpoint(model, opt.state(), meta), 'x');
  const extra = [...good.tensors.values(), { name: 'conv0.weight', shape: [1], data: new Float32Array(1) }];
  const e1 = decodeError(encodeSafetensors(extra, good.metadata));
  assert.match(e1.message, /unknown tensor conv0\.weight/);
  const wrong = [...good.tensors.values()].map((t) => (t.name === 'dense0.bias' ? { ...t, shape: [1, 5] } : t));
  const e2 = decodeError(encodeSafetensors(wrong, good.metadata));
  assert.instance(e2, FormatError);
  assert.match(e2.message, /tensor dense0\.bias has shape \[1, 5\], the architecture needs \[5\]/);
});

test('files: atomic save leaves no temporary behind; a missing file is one line', () => {
  const { model, opt } = trainedModel();
  const path = join(dir, 'a.safetensors');
  saveCheckpointFile(path, encodeCheckpoint(model, opt.state(), meta));
  saveCheckpointFile(path, encodeCheckpoint(model, opt.state(), meta));
  assert.equal(readdirSync(dir).filter((f) => f.startsWith('.')), []);
  assert.is(loadCheckpointFile(path).model.paramCount, model.paramCount);
  assert.throws(() => loadCheckpointFile(join(dir, 'nope.safetensors')), /nope\.safetensors: cannot read the model \(no such file\)/);
  // A folder in the way: one DataError naming it, and no temporary left beside it.
  mkdirSync(join(dir, 'folder.safetensors'));
  assert.throws(() => saveCheckpointFile(join(dir, 'folder.safetensors'), encodeCheckpoint(model, opt.state(), meta)), (e: Error) => e instanceof DataError && /folder\.safetensors: cannot write \(a folder is in the way\)$/.test(e.message));
  assert.equal(readdirSync(dir).filter((f) => f.startsWith('.')), []);
});

test('resume equals an uninterrupted run, bit for bit, on either kernel path; evaluate in a fresh process prints the same accuracy', async () => {
  const data = ['--data-dir', await (subset ??= writeMnistSubset(6000, 1000))];
  let finalLine = '';
  for (const kernels of ['js', 'simd']) {
    const common = [...data, '--validation-size', '1000', '--optimizer', 'momentum', '--lr', '0.005', '--threads', '2', '--json', '--kernels', kernels];
    const full = await runMain(['train', '--epochs', '2', '--save', join(dir, `full-${kernels}.safetensors`), ...common]);
    assert.is(full.code, 0, full.stderr);
    const half = await runMain(['train', '--epochs', '1', '--save', join(dir, `half-${kernels}.safetensors`), ...common]);
    assert.is(half.code, 0, half.stderr);
    const resumed = await runMain(['train', ...data, '--epochs', '2', '--resume', join(dir, `half-${kernels}.safetensors`), '--save', join(dir, `resumed-${kernels}.safetensors`), '--threads', '2', '--json', '--kernels', kernels]);
    assert.is(resumed.code, 0, resumed.stderr);
    assert.is(resumed.stderr, '', 'same path, nothing to note');
    const a = loadCheckpointFile(join(dir, `full-${kernels}.safetensors`));
    const b = loadCheckpointFile(join(dir, `resumed-${kernels}.safetensors`));
    assertSameBits(b.model.params, a.model.params, `${kernels}: parameters`);
    assertSameBits(b.optimizerState.velocity, a.optimizerState.velocity, `${kernels}: velocity`);
    assert.is(b.meta.metrics.epochs.length, 2);
    assert.is(a.meta.training.kernels, kernels, 'the checkpoint records its kernel path');
    finalLine = full.stdout.trim().split('\n').at(-1)!;
  }
  const other = await runMain(['train', ...data, '--epochs', '3', '--resume', join(dir, 'half-js.safetensors'), '--no-save', '--threads', '1', '--kernels', 'simd', '--json']);
  assert.is(other.code, 0, other.stderr);
  assert.match(other.stderr, /^mnist-ts: note: .*half-js\.safetensors was trained on the js kernels and continues on the simd ones: the result agrees with an uninterrupted run within rounding, not bit for bit\n$/);
  const trainAccuracy = JSON.parse(finalLine).test_accuracy;
  const ev = runCli(['evaluate', '--checkpoint', join(dir, 'full-simd.safetensors'), ...data, '--json']);
  assert.is(ev.code, 0, ev.stderr);
  assert.is(JSON.parse(ev.stdout).accuracy, trainAccuracy);
  const text = await runMain(['evaluate', '--checkpoint', join(dir, 'full-simd.safetensors'), ...data]);
  assert.match(text.stdout, `Accuracy: ${trainAccuracy.toFixed(4)}`);
  assert.match(text.stdout, /confusion matrix/);
});

test('Ctrl-C keeps the last complete epoch and says where', async () => {
  const path = join(dir, 'interrupted.safetensors');
  const r = await runMain(['train', '--epochs', '3', '--save', path, '--interrupt-after', '70', '--threads', '1', ...(await small())]);
  assert.is(r.code, 130);
  assert.is(r.stderr, `mnist-ts: interrupted: saved the checkpoint of epoch 1 in ${path}\n`);
  assert.is(loadCheckpointFile(path).meta.epochsCompleted, 1);
});

test('--checkpoint-every keeps the last saved epoch through a crash; evaluate --split validation', async () => {
  const path = join(dir, 'every.safetensors');
  const data = await small();
  const r = runCli(['train', '--epochs', '3', '--threads', '2', '--checkpoint-every', '1', '--save', path, '--inject-fault', '1:70:throw', ...data]);
  assert.is(r.code, 1);
  assert.match(r.stderr, /worker 1 failed at step 71/);
  const saved = loadCheckpointFile(path);
  assert.is(saved.meta.epochsCompleted, 1, 'epoch 1 was saved before the crash in epoch 2');
  assert.equal(readdirSync(dir).filter((f) => f.startsWith('.every')), [], 'no temporary file left');
  const v = await runMain(['evaluate', '--checkpoint', path, '--split', 'validation', '--json', '--data-dir', data[1]]);
  assert.is(v.code, 0, v.stderr);
  const ev = JSON.parse(v.stdout);
  assert.is(ev.split, 'validation');
  assert.is(ev.examples, 1000, "the checkpoint's validation size");
  assert.is(ev.accuracy, saved.meta.metrics.epochs[0].validationAccuracy, 'the validation accuracy train recorded');
});

test('a bad model file on the command line: one line, non-zero exit', async () => {
  const bad = join(dir, 'bad.safetensors');
  writeFileSync(bad, 'not a model at all');
  const r = await runMain(['evaluate', '--checkpoint', bad]);
  assert.is(r.code, 1);
  assert.match(r.stderr, /^mnist-ts: .*bad\.safetensors: not a safetensors file \(its first 8 bytes give a header length of \d+ bytes, at most 100000000 expected\)\n$/);
  const unsaved = await runMain(['train', '--epochs', '1', '--threads', '1', '--json', '--no-save', ...(await small())], { cwd: dir });
  assert.is(unsaved.code, 0, unsaved.stderr);
  assert.is(JSON.parse(unsaved.stdout.trim().split('\n').at(-1)!).saved, null);
  assert.not.ok(existsSync(join(dir, 'log')), '--no-save writes nothing');
});

test.run();
