/**
 * A table of malformed checkpoints and data sets, each given to the CLI as a user would: one line
 * naming the file, exit code 1, no stack trace, and nothing written (predict's --out folder, or
 * train's --save file, does not appear).
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { encodeIdx } from '../src/data/idx.js';
import { decodeSafetensors, encodeSafetensors } from '../src/engine/io/safetensors.js';
import { softmaxRegression } from '../src/engine/index.js';
import { encodeCheckpoint } from '../src/train/checkpoint.js';
import { runMain } from './helpers/cli.js';
import { writeSyntheticMnist } from './helpers/synthetic-mnist.js';

const dir = mkdtempSync(join(tmpdir(), 'malformed-'));
const data = writeSyntheticMnist({ rows: 28, cols: 28 });

const good = decodeSafetensors(encodeCheckpoint(softmaxRegression().initialize(0), {}, {
  training: { model: 'softmax', optimizer: 'sgd', lr: 0.01, momentum: 0.9, batchSize: 100, init: 'normal', initStd: 1, validationSize: 0, epochs: 1 },
  epochsCompleted: 1, seed: 0, sampler: { epoch: 1, position: 0 }, metrics: { epochs: [], testAccuracy: 0.9 }, optimizer: 'sgd',
}), 'good');
const tensors = [...good.tensors.values()];
const withMeta = (key: string, value: string) => encodeSafetensors(tensors, { ...good.metadata, [key]: value });

/** safetensors bytes with `header` as its JSON header text (or bytes), over `data` bytes. */
function rawSafetensors(header: string | Uint8Array, data = 0): Uint8Array {
  const json = typeof header === 'string' ? new TextEncoder().encode(header) : header;
  const out = new Uint8Array(8 + json.length + data);
  new DataView(out.buffer).setBigUint64(0, BigInt(json.length), true);
  out.set(json, 8);
  return out;
}

const CHECKPOINTS: [string, Uint8Array, RegExp][] = [
  ['header not JSON', rawSafetensors('{"w": '), /its header is not valid JSON/],
  ['header not UTF-8', rawSafetensors(Uint8Array.from([0x7b, 0xff, 0xfe, 0x7d])), /its header is not valid JSON/],
  ['header not an object', rawSafetensors('[1, 2]'), /header is not a JSON object/],
  ['negative shape', rawSafetensors('{"w": {"dtype": "F32", "shape": [-1, 2], "data_offsets": [0, 8]}}', 8), /shape \[-1,2\], expected a list of whole numbers/],
  ['fractional shape', rawSafetensors('{"w": {"dtype": "F32", "shape": [1.5], "data_offsets": [0, 4]}}', 4), /expected a list of whole numbers/],
  ['overlapping offsets', rawSafetensors('{"a": {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]}, "b": {"dtype": "F32", "shape": [2], "data_offsets": [4, 12]}}', 12), /gap or overlap/],
  ['trailing bytes', new Uint8Array([...encodeSafetensors(tensors, good.metadata), 1, 2, 3, 4]), /but the file holds/],
  ['a missing tensor', encodeSafetensors(tensors.slice(1), good.metadata), /is missing|parameters, but the file holds/],
  ['epochs_completed NaN', withMeta('epochs_completed', 'NaN'), /metadata 'epochs_completed' is "NaN", expected a whole number >= 0/],
  ['metrics not an object', withMeta('metrics', '7'), /metadata 'metrics'/],
  ['an architecture of a billion parameters', withMeta('architecture', JSON.stringify([{ type: 'dense', inputs: 784, outputs: 2 ** 30, init: { kind: 'zeros' }, biasInit: { kind: 'zeros' } }])), /architecture cannot be built: .*parameters/],
  // 4 parameters, but 33.5 million values of output for each example.
  ['an architecture of huge layer outputs', withMeta('architecture', JSON.stringify([{ type: 'conv2d', input: [1, 4096, 4096], filters: 2, kernel: 1, padding: 'valid', init: { kind: 'he' }, biasInit: { kind: 'zeros' } }])), /architecture cannot be built: .*33,554,432 values for one example, more than the 16,777,216 a model may \(MAX_EXAMPLE_VALUES\)/],
];

for (const [what, bytes, why] of CHECKPOINTS) {
  test(`checkpoint with ${what}: one line, exit 1, nothing written`, async () => {
    const file = join(dir, `${what.replace(/\W+/g, '-')}.safetensors`);
    writeFileSync(file, bytes);
    const out = join(dir, `out-${what.replace(/\W+/g, '-')}`);
    const r = await runMain(['predict', '--checkpoint', file, '--data-dir', data, '--from', 'test', '--count', '2', '--out', out]);
    assert.is(r.code, 1, r.stderr);
    assert.is(r.stdout, '');
    assert.match(r.stderr, /^mnist-ts: [^\n]*\n$/, 'one line');
    assert.ok(r.stderr.includes(file), `names the file: ${r.stderr}`);
    assert.match(r.stderr, why);
    assert.not.ok(existsSync(out), 'no --out folder');
  });
}

const idx = (dims: number[], bytes: number) => Uint8Array.from([0, 0, 8, dims.length, ...dims.flatMap((d) => [d >>> 24, (d >>> 16) & 255, (d >>> 8) & 255, d & 255]), ...new Uint8Array(bytes)]);
const DATA_SETS: [string, string, Uint8Array, RegExp][] = [
  ['images with two dimensions', 'train-images-idx3-ubyte', idx([50, 784], 50 * 784), /magic 2050, expected 2051 \(images\)/],
  ['no images at all', 'train-images-idx3-ubyte', encodeIdx([0, 28, 28], new Uint8Array(0)), /train-labels-idx1-ubyte: 50 labels, expected 0 to match .*train-images-idx3-ubyte/],
  ['a header declaring 4 billion images', 'train-images-idx3-ubyte', idx([0xffffffff, 28, 28], 100), /truncated: header \[4294967295, 28, 28\] needs 3367254359280 data bytes, found 100/],
  ['labels gzipped into a bomb', 'train-labels-idx1-ubyte.gz', gzipSync(new Uint8Array(129 << 20), { level: 1 }), /gzip data expands beyond 134217728 bytes \(MAX_IDX_BYTES\)/],
];

for (const [what, name, bytes, why] of DATA_SETS) {
  test(`a data set with ${what}: one line, exit 1, nothing written`, async () => {
    const bad = writeSyntheticMnist({ rows: 28, cols: 28 });
    writeFileSync(join(bad, name), bytes);
    if (name.endsWith('.gz')) rmSync(join(bad, name.slice(0, -3)));
    const save = join(dir, `never-${what.replace(/\W+/g, '-')}.safetensors`);
    const r = await runMain(['train', '--data-dir', bad, '--epochs', '1', '--save', save]);
    assert.is(r.code, 1, r.stderr);
    assert.match(r.stderr, /^mnist-ts: [^\n]*\n$/, `one line: ${r.stderr}`);
    assert.match(r.stderr, why);
    assert.not.ok(existsSync(save), 'no checkpoint saved');
  });
}

test.run();
