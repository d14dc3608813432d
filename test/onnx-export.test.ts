/**
 * ONNX export, checked by ONNX Runtime (onnxruntime-node, a devDependency with its native binary
 * in the npm package): for every preset and two --layers texts, the exported file run on the
 * 10000 test images gives mnist-ts's logits within 1e-4 and the same accuracy; `mnist-ts export`
 * writes that file with the checkpoint's metadata, and refuses bad input in one line.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import ort from 'onnxruntime-node';
import { loadMnist } from '../src/node/mnist-files.js';
import { saveModel } from '../src/node/model-file.js';
import { logitsData } from '../src/train/evaluate-data.js';
import { csrFromSplit } from '../src/train/training-data.js';
import { encodeCheckpoint } from '../src/train/checkpoint.js';
import { toOnnx, ONNX_OPSET } from '../src/interop/onnx.js';
import { onnxType } from '../src/interop/onnx-schema.js';
import { runExport } from '../src/cli/commands/export.js';
import { cliMessage } from '../src/cli/fail.js';
import { MnistTsError } from '../src/engine/errors.js';
import { softmaxRegression, type Sequential } from '../src/engine/index.js';
import { checkpointMetadata } from '../src/interop/metadata.js';
import { loadCheckpointFile } from '../src/node/checkpoint-file.js';
import { runMain } from './helpers/cli.js';
import { CASES, correct, maxAbsDiff, testPixels, trainedModel } from './helpers/interop-models.js';

const mnist = loadMnist();
const pixels = testPixels(mnist);
const labels = mnist.test.labels;
const dir = mkdtempSync(join(tmpdir(), 'onnx-export-'));
/** Each case's model, trained once, on first use. */
const trained = new Map<string, Sequential>();
const model = (name: string) => trained.get(name) ?? trained.set(name, trainedModel(CASES.find((c) => c.name === name)!, mnist)).get(name)!;

/** ONNX Runtime's logits and probabilities for `bytes` on the test images, run in batches of 1000 (one batch of all is slower). */
async function runOnnx(bytes: Uint8Array, inputShape: readonly number[]): Promise<{ logits: Float32Array; probabilities: Float32Array }> {
  const session = await ort.InferenceSession.create(bytes);
  assert.equal([session.inputNames, session.outputNames], [['pixels'], ['logits', 'probabilities']]);
  const logits = new Float32Array(mnist.test.count * 10);
  const probabilities = new Float32Array(mnist.test.count * 10);
  for (let i = 0; i < mnist.test.count; i += 1000) {
    const out = await session.run({ pixels: new ort.Tensor('float32', pixels.subarray(i * 784, (i + 1000) * 784), [1000, ...inputShape]) });
    logits.set(out.logits.data as Float32Array, i * 10);
    probabilities.set(out.probabilities.data as Float32Array, i * 10);
  }
  return { logits, probabilities };
}

test('every preset and two --layers texts: ONNX Runtime gives the logits within 1e-4 on the 10000 test images, the same accuracy, and their softmax', async () => {
  const testData = csrFromSplit(mnist.test, 10);
  for (const c of CASES) {
    const ours = logitsData(model(c.name), testData);
    const theirs = await runOnnx(toOnnx(model(c.name)), model(c.name).layers[0].inputShape);
    assert.ok(maxAbsDiff(ours, theirs.logits) <= 1e-4, `${c.name}: logits differ by ${maxAbsDiff(ours, theirs.logits)}`);
    const accuracy = correct(ours, labels);
    assert.is(correct(theirs.logits, labels), accuracy, c.name);
    assert.ok(accuracy > 3000, `${c.name}: trained past chance (${accuracy} of 10000 right)`);
    for (let i = 0; i < 10; i++) assert.ok(Math.abs(theirs.probabilities.slice(i * 10, i * 10 + 10).reduce((a, b) => a + b) - 1) < 1e-5);
    assert.is(theirs.probabilities.indexOf(Math.max(...theirs.probabilities.slice(0, 10))), theirs.logits.indexOf(Math.max(...theirs.logits.slice(0, 10))));
  }
});

test('mnist-ts export: the file the library writes, with the checkpoint\'s architecture, test accuracy and training in its metadata', async () => {
  const checkpoint = join(dir, 'best.safetensors');
  await saveModel(model('best'), checkpoint, { testAccuracy: 0.5 });
  const r = await runMain(['export', '--checkpoint', checkpoint, '--out', join(dir, 'best.onnx')]);
  assert.is(r.code, 0, r.stderr);
  assert.match(r.stdout, `best.onnx: ONNX opset ${ONNX_OPSET}, `);
  assert.match(r.stdout, 'input pixels [N, 1, 28, 28] float in [0, 1], outputs logits and probabilities [N, 10]');
  const bytes = readFileSync(join(dir, 'best.onnx'));
  // What ONNX Runtime ran above, with the checkpoint's metadata.
  const library = toOnnx(model('best'), { metadata: checkpointMetadata(loadCheckpointFile(checkpoint).meta) });
  assert.ok(Buffer.compare(bytes, library) === 0, 'the bytes of toOnnx');
  const ModelProto = onnxType('ModelProto');
  const decoded = ModelProto.toObject(ModelProto.decode(bytes), { longs: Number }) as { producer_name: string; opset_import: { version: number }[]; metadata_props: { key: string; value: string }[] };
  assert.is(decoded.producer_name, 'mnist-ts');
  assert.equal(decoded.opset_import.map((o) => o.version), [ONNX_OPSET]);
  const meta = Object.fromEntries(decoded.metadata_props.map((p) => [p.key, p.value]));
  assert.is(meta.test_accuracy, '0.5');
  assert.is(meta.architecture, 'conv:16:5,pool:2,relu,bn,conv:32:5,pool:2,relu,bn,flatten,dense:128,relu,dropout:0.25,dense:10');
  assert.is(JSON.parse(meta.training).optimizer, 'none');
  // A dense model's input is [N, 784], and the default --out is the checkpoint's name with .onnx.
  const softmax = join(dir, 'softmax.safetensors');
  await saveModel(softmaxRegression().initialize(0), softmax);
  assert.is((await runMain(['export', '--checkpoint', softmax])).code, 0);
  const session = await ort.InferenceSession.create(readFileSync(join(dir, 'softmax.onnx')));
  const out = await session.run({ pixels: new ort.Tensor('float32', pixels.subarray(0, 784 * 3), [3, 784]) });
  assert.equal(out.logits.dims, [3, 10]);
});

test('bad input: one line naming the flag or file; exit 2 for flags, 1 for files; nothing written', async () => {
  const good = join(dir, 'good.safetensors');
  await saveModel(softmaxRegression().initialize(0), good);
  const foreign = join(dir, 'foreign.safetensors');
  // A checkpoint whose architecture names a layer mnist-ts does not have: refused before anything is written.
  const bytes = Buffer.from(encodeCheckpoint(softmaxRegression(), {}, { training: { model: 'x', optimizer: 'none', lr: 0, momentum: 0, batchSize: 1, init: 'he', initStd: 1, validationSize: 0, epochs: 0 }, epochsCompleted: 0, seed: 0, sampler: { epoch: 0, position: 0 }, metrics: { epochs: [], testAccuracy: null }, optimizer: 'none' }));
  writeFileSync(foreign, bytes.toString('latin1').replace('\\"type\\":\\"dense\\"', '\\"type\\":\\"lstm \\"'), 'latin1');
  const cases: [Record<string, unknown>, RegExp][] = [
    [{ checkpoint: good, format: 'tflite' }, /^--format: 'tflite', expected one of onnx, torch$/],
    [{ checkpoint: join(dir, 'none.safetensors') }, /none\.safetensors: no such file; train a model first/],
    [{ checkpoint: good, out: good }, /^--out: .*good\.safetensors is the checkpoint being exported; name another file$/],
    [{ checkpoint: good, out: dir }, /^--out: .* is a folder; name a file$/],
    [{ checkpoint: foreign, out: join(dir, 'foreign.onnx') }, /foreign\.safetensors: architecture cannot be built: unknown layer type 'lstm '/],
  ];
  for (const [args, pattern] of cases) {
    const error = await runExport(args, () => {}, () => {}).then(() => undefined, (e: Error) => e);
    assert.instance(error, MnistTsError, `${JSON.stringify(args)}: ${error}`);
    assert.match(cliMessage(error as MnistTsError), pattern);
  }
  assert.not.ok(existsSync(join(dir, 'foreign.onnx')));
  // --out naming another checkpoint is refused unless --force; through the CLI: one line, exit 2.
  const other = join(dir, 'other.safetensors');
  await saveModel(softmaxRegression().initialize(1), other);
  const before = readFileSync(other);
  const r = await runMain(['export', '--checkpoint', good, '--format', 'torch', '--out', other]);
  assert.is(r.code, 2);
  assert.match(r.stderr, /^mnist-ts: --out: .*other\.safetensors holds an mnist-ts checkpoint; give another --out FILE, or --force to replace it\n$/);
  assert.equal(readFileSync(other), before);
  // An older ONNX file is replaced (out-paths.test refuses files of other kinds), and so is a checkpoint with --force.
  writeFileSync(join(dir, 'old.onnx'), Uint8Array.of(0x08, 0x07, 0x12, 0x00));
  await runExport({ checkpoint: good, out: join(dir, 'old.onnx') }, () => {}, () => {});
  assert.ok(readFileSync(join(dir, 'old.onnx')).length > 1000);
  await runExport({ checkpoint: good, format: 'torch', out: other, force: true }, () => {}, () => {});
  assert.not.equal(readFileSync(other), before);
  const missing = await runMain(['export', '--checkpoint', join(dir, 'none.safetensors')]);
  assert.is(missing.code, 1);
  assert.is(missing.stderr.trim().split('\n').length, 1, missing.stderr);
});

test.run();
