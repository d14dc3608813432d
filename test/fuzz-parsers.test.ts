/**
 * The parsers of what comes from outside, fuzzed with fast-check (seeded; test/helpers/fuzz.ts):
 * the IDX reader, the safetensors reader, checkpoint loading and the --layers text. On any input
 * each returns a valid value or throws its one documented error type with a one-line message,
 * and what it returns is bounded by its input (or by MAX_PARAMETERS and MAX_EXAMPLE_VALUES).
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fc from 'fast-check';
import { FormatError, OptionError, ShapeError } from '../src/engine/errors.js';
import { parseIdx } from '../src/data/idx.js';
import { decodeSafetensors, encodeSafetensors } from '../src/engine/io/safetensors.js';
import { decodeCheckpoint, encodeCheckpoint } from '../src/train/checkpoint.js';
import { parseLayers } from '../src/engine/layers/layers-text.js';
import { MAX_EXAMPLE_VALUES, MAX_PARAMETERS } from '../src/engine/model/sequential.js';
import { fromLayers, softmaxRegression } from '../src/engine/index.js';
import { returnsOrRefuses, runs } from './helpers/fuzz.js';

const product = (xs: readonly number[]) => xs.reduce((a, b) => a * b, 1);

test('IDX: any bytes, and any header over any amount of data', () => {
  const checked = (bytes: Uint8Array, kind?: 'images' | 'labels') => {
    const idx = returnsOrRefuses(() => parseIdx(bytes, 'file.idx', kind), FormatError);
    if (!idx) return;
    assert.is(idx.data.length, product(idx.dims), 'as many bytes as the dimensions say');
    assert.is(idx.data.buffer, bytes.buffer, 'a view of the input, not a copy');
  };
  fc.assert(fc.property(fc.uint8Array({ maxLength: 64 }), (bytes) => checked(bytes)), runs());
  const dim = fc.oneof(fc.integer({ min: 0, max: 12 }), fc.constant(0xffffffff), fc.nat());
  const header = fc.record({
    type: fc.oneof(fc.constant(8), fc.integer({ min: 0, max: 255 })),
    dims: fc.array(dim, { maxLength: 5 }),
    ndim: fc.option(fc.integer({ min: 0, max: 255 })),
    skew: fc.integer({ min: -3, max: 3 }),
    kind: fc.constantFrom(undefined, 'images' as const, 'labels' as const),
  });
  fc.assert(fc.property(header, (h) => {
    const head = [0, 0, h.type, h.ndim ?? h.dims.length, ...h.dims.flatMap((d) => [d >>> 24, (d >>> 16) & 255, (d >>> 8) & 255, d & 255])];
    const size = Math.max(0, Math.min(4096, product(h.dims)) + h.skew);
    checked(Uint8Array.from([...head, ...new Uint8Array(size)]), h.kind);
  }), runs());
});

/** A safetensors file from a header (any JSON) and a length field that may lie. */
function safetensorsBytes(header: string | Uint8Array, data: number, skew: number): Uint8Array {
  const json = typeof header === 'string' ? new TextEncoder().encode(header) : header;
  const out = new Uint8Array(8 + json.length + data);
  new DataView(out.buffer).setBigUint64(0, BigInt(Math.max(0, json.length + skew)), true);
  out.set(json, 8);
  return out;
}

test('safetensors: any bytes, any header (JSON or not, any shapes and offsets) over any data', () => {
  const checked = (bytes: Uint8Array) => {
    const file = returnsOrRefuses(() => decodeSafetensors(bytes, 'model.safetensors'), FormatError);
    for (const t of file?.tensors.values() ?? []) assert.is(t.data.length, product(t.shape), `${t.name}: its shape's values`);
  };
  fc.assert(fc.property(fc.uint8Array({ maxLength: 80 }), checked), runs());
  const shape = fc.oneof(fc.array(fc.integer({ min: -2, max: 4 }), { maxLength: 3 }), fc.array(fc.double(), { maxLength: 2 }), fc.jsonValue());
  const offsets = fc.oneof(fc.tuple(fc.integer({ min: -4, max: 70 }), fc.integer({ min: -4, max: 70 })), fc.jsonValue());
  const entry = fc.record({ dtype: fc.oneof(fc.constant('F32'), fc.constant('F16'), fc.string()), shape, data_offsets: offsets }, { requiredKeys: [] });
  const metadata = fc.oneof(fc.dictionary(fc.string(), fc.string()), fc.jsonValue());
  const header = fc.dictionary(fc.constantFrom('__metadata__', 'w', 'b', 'dense0.weight'), fc.oneof(entry, metadata));
  fc.assert(fc.property(fc.oneof(header.map((h) => JSON.stringify(h)), fc.jsonValue().map((v) => JSON.stringify(v) ?? ''), fc.uint8Array({ maxLength: 24 })), fc.integer({ min: 0, max: 80 }), fc.integer({ min: -3, max: 3 }), (h, data, skew) => checked(safetensorsBytes(h, data, skew))), runs());
});

test('checkpoints: any metadata value, a tensor missing or added, an architecture of any size: one FormatError, nothing allocated beyond the file', () => {
  const model = softmaxRegression({ inputs: 4, classes: 3 }).initialize(0);
  const good = decodeSafetensors(encodeCheckpoint(model, {}, {
    training: { model: 'softmax', optimizer: 'sgd', lr: 0.1, momentum: 0.9, batchSize: 2, init: 'normal', initStd: 1, validationSize: 0, epochs: 1 },
    epochsCompleted: 1, seed: 0, sampler: { epoch: 1, position: 0 }, metrics: { epochs: [], testAccuracy: 0.5 }, optimizer: 'sgd',
  }), 'good');
  assert.ok(decodeCheckpoint(encodeSafetensors([...good.tensors.values()], good.metadata), 'good'), 'the unchanged file loads');
  const huge = (outputs: number) => JSON.stringify([{ type: 'dense', inputs: 784, outputs, init: { kind: 'zeros' }, biasInit: { kind: 'zeros' } }]);
  const value = fc.oneof(fc.string(), fc.jsonValue().map((v) => JSON.stringify(v) ?? ''), fc.constantFrom('NaN', '-1', '1e400', '2.5', 'null', '{}', '[]', huge(1000), huge(10_000_000), huge(2 ** 40)));
  const change = fc.record({
    key: fc.constantFrom('format', 'architecture', 'training', 'epochs_completed', 'seed', 'data_order', 'metrics', 'optimizer', 'weight_layout'),
    value: fc.option(value),
    drop: fc.option(fc.constantFrom(...good.tensors.keys())),
    add: fc.option(fc.constantFrom('dense0.extra', 'optimizer.m.dense0.weight', 'optimizer.x')),
  });
  fc.assert(fc.property(change, (c) => {
    const metadata = { ...good.metadata };
    if (c.value === null) delete metadata[c.key];
    else metadata[c.key] = c.value;
    const tensors = [...good.tensors.values()].filter((t) => t.name !== c.drop);
    if (c.add) tensors.push({ name: c.add, shape: [4, 3], data: new Float32Array(12) });
    const loaded = returnsOrRefuses(() => decodeCheckpoint(encodeSafetensors(tensors, metadata), 'model.safetensors'), FormatError);
    if (!loaded) return;
    assert.ok(loaded.model.paramCount <= tensors.reduce((n, t) => n + t.data.length, 0), 'no more parameters than the file holds values');
    // What loads is what the program relies on.
    const { meta } = loaded;
    const count = (v: unknown) => Number.isSafeInteger(v) && (v as number) >= 0;
    assert.ok(count(meta.epochsCompleted) && count(meta.seed) && count(meta.sampler.epoch) && count(meta.sampler.position), JSON.stringify(meta));
    assert.ok(Array.isArray(meta.metrics.epochs) && (meta.metrics.testAccuracy === null || (meta.metrics.testAccuracy >= 0 && meta.metrics.testAccuracy <= 1)), JSON.stringify(meta.metrics));
    assert.ok(typeof meta.training === 'object' && meta.training !== null && typeof meta.optimizer === 'string');
  }), runs(4));
});

test('--layers text: any string, and any list of items with any arguments: layers or one OptionError', () => {
  const checked = (text: string) => {
    const specs = returnsOrRefuses(() => parseLayers(text), OptionError);
    if (specs) assert.ok(specs.length > 0, text);
  };
  fc.assert(fc.property(fc.string({ maxLength: 40 }), checked), runs());
  const name = fc.constantFrom('conv', 'pool', 'relu', 'dense', 'flatten', 'bn', 'dropout', 'gap', 'same', '', 'Dense', 'conv2d');
  const arg = fc.oneof(fc.integer({ min: -2, max: 40 }).map(String), fc.constantFrom('0.5', '1e9', '-0', 'NaN', 'same', '', '99999999999', '0x10', ' 3 '));
  const item = fc.tuple(name, fc.array(arg, { maxLength: 3 })).map(([n, args]) => [n, ...args].join(':'));
  fc.assert(fc.property(fc.array(item, { minLength: 1, maxLength: 6 }), (items) => checked(items.join(','))), runs());
});

test('an architecture over MAX_PARAMETERS is refused before anything is allocated', () => {
  const text = `dense:${Math.ceil(MAX_PARAMETERS / 784) + 1},dense:10`;
  assert.ok(parseLayers(text), 'the text itself is well formed');
  const arch = JSON.stringify(parseLayers(text));
  const model = softmaxRegression({ inputs: 4, classes: 3 }).initialize(0);
  const file = decodeSafetensors(encodeCheckpoint(model, {}, { training: {} as never, epochsCompleted: 0, seed: 0, sampler: { epoch: 0, position: 0 }, metrics: { epochs: [], testAccuracy: null }, optimizer: 'sgd' }), 'x');
  const e = returnsOrRefuses(() => decodeCheckpoint(encodeSafetensors([...file.tensors.values()], { ...file.metadata, architecture: arch }), 'big.safetensors'), FormatError);
  assert.is(e, undefined);
});

test('an architecture whose layer outputs for one example pass MAX_EXAMPLE_VALUES is refused, though its parameters are few', () => {
  // 20000 filters of 3×3 give 13.5 million values an example, twice (conv and relu): 200,000 parameters.
  const text = 'conv:20000:3,relu,pool:26,flatten,dense:10';
  try {
    fromLayers(text, [1, 28, 28]);
    assert.unreachable('built');
  } catch (e) {
    assert.instance(e, ShapeError);
    assert.is((e as Error).message, `Sequential: its layers give 27,080,010 values for one example, more than the ${MAX_EXAMPLE_VALUES.toLocaleString('en')} a model may (MAX_EXAMPLE_VALUES)`);
  }
  assert.ok(fromLayers('conv:2000:3,relu,pool:26,flatten,dense:10', [1, 28, 28]), 'a tenth of it is built');
});

test.run();
