/**
 * PyTorch weights in and out. The fixture is the CNN preset's nn.Sequential trained 2 epochs in
 * PyTorch (scripts/peers/torch_state.py train; test/fixtures/torch/README.md), its state_dict
 * saved as safetensors, with PyTorch's logits on the 10000 test images and its test accuracy.
 * `mnist-ts import` reads it; evaluate gives PyTorch's accuracy, the logits agree within 1e-4,
 * and `export --format torch` writes back the very tensors. A batch-normalised model goes to
 * PyTorch and back bit for bit, and PyTorch itself (when a python3 here imports torch; CI
 * installs Debian's) loads the export strictly and computes mnist-ts's logits.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeSafetensors, encodeSafetensors, fromLayers, MnistTsError } from '../src/engine/index.js';
import { loadMnist, bundledDataDir } from '../src/node/mnist-files.js';
import { loadCheckpointFile } from '../src/node/checkpoint-file.js';
import { logitsData } from '../src/train/evaluate-data.js';
import { csrFromSplit } from '../src/train/training-data.js';
import { CNN_LAYERS } from '../src/engine/model/models.js';
import { loadTorchStateDict, toTorchStateDict, torchModules, torchSequentialText } from '../src/interop/index.js';
import { runImport } from '../src/cli/commands/import.js';
import { cliMessage } from '../src/cli/fail.js';
import { ROOT, runMain } from './helpers/cli.js';
import { assertSameBits } from './helpers/bits.js';
import { LAYERS_TEXTS, correct, maxAbsDiff, trainedModel } from './helpers/interop-models.js';

const FIXTURE = join(ROOT, 'test', 'fixtures', 'torch', 'cnn.safetensors');
const TORCH_LOGITS = decodeSafetensors(readFileSync(join(ROOT, 'test', 'fixtures', 'torch', 'cnn-logits.safetensors')), 'cnn-logits');
const mnist = loadMnist();
const dir = mkdtempSync(join(tmpdir(), 'torch-interop-'));
const PYTHON = ['python3', '/usr/bin/python3'].find((p) => spawnSync(p, ['-c', 'import torch'], { encoding: 'utf8' }).status === 0);

test('a CNN trained in PyTorch, imported: evaluate gives its test accuracy to 4 decimals, the logits within 1e-4, and export --format torch gives back its tensors', async () => {
  assert.is(TORCH_LOGITS.metadata.layers, CNN_LAYERS, 'the fixture is the CNN preset');
  const imported = join(dir, 'cnn.safetensors');
  const r = await runMain(['import', '--layers', CNN_LAYERS, '--from-torch', FIXTURE, '--out', imported]);
  assert.is(r.code, 0, r.stderr);
  assert.match(r.stdout, '22,226 parameters from the 11 modules of');
  assert.ok(r.stdout.endsWith(`\nevaluate it: npx mnist-ts evaluate --checkpoint ${imported}\n`), "a command the README's way, which runs in a checkout as in an install");
  // Its headline says it holds no training run of mnist-ts's, rather than "0 epochs of none".
  const ev = await runMain(['evaluate', '--checkpoint', imported]);
  assert.match(ev.stdout, `${imported}: CNN ${CNN_LAYERS}, no training run recorded; 10000 test images\n`);
  assert.match(ev.stdout, `\nAccuracy: ${Number(TORCH_LOGITS.metadata.test_accuracy).toFixed(4)}\n`);
  const theirs = TORCH_LOGITS.tensors.get('logits')!.data;
  const ours = logitsData(loadCheckpointFile(imported).model, csrFromSplit(mnist.test, 10));
  assert.ok(maxAbsDiff(ours, theirs) <= 1e-4, `logits differ by ${maxAbsDiff(ours, theirs)}`);
  assert.is(correct(ours, mnist.test.labels), correct(theirs, mnist.test.labels));

  const back = join(dir, 'cnn.pt.safetensors');
  assert.is((await runMain(['export', '--checkpoint', imported, '--format', 'torch', '--out', back])).code, 0);
  const [a, b] = [FIXTURE, back].map((f) => decodeSafetensors(readFileSync(f), f, { int64: true }));
  assert.equal([...b.tensors.keys()].sort(), [...a.tensors.keys()].sort());
  for (const [key, t] of a.tensors) {
    assert.equal(b.tensors.get(key)!.shape, t.shape, key);
    assertSameBits(b.tensors.get(key)!.data, t.data, key);
  }
});

test('batch normalisation, global average pooling and same padding: to a state_dict and back bit for bit, under the names and shapes of PyTorch\'s nn.Sequential (the next test has PyTorch load one)', () => {
  for (const layers of [LAYERS_TEXTS[0], 'conv:16:5,pool:2,relu,bn,conv:32:5,pool:2,relu,bn,flatten,dense:128,relu,dropout:0.25,dense:10']) {
    const model = trainedModel({ model: 'layers', layers }, mnist, 5);
    const copy = fromLayers(layers);
    loadTorchStateDict(copy, toTorchStateDict(model), 'state_dict');
    assertSameBits(copy.params, model.params, `${layers}: parameters`);
    assertSameBits(copy.runningStats, model.runningStats, `${layers}: running statistics`);
  }
  const best = decodeSafetensors(toTorchStateDict(fromLayers(LAYERS_TEXTS[0])), 'gap', { int64: true });
  // Sequential(0 Conv2d, 1 ReLU, 2 BatchNorm2d, 3 MaxPool2d, 4 Conv2d, 5 ReLU, 6 AdaptiveAvgPool2d, 7 Flatten, 8 BatchNorm1d, 9 Linear)
  assert.equal(torchModules(fromLayers(LAYERS_TEXTS[0]).spec()).map((m) => m.module.replace(/\(.*/, '')), ['Conv2d', 'ReLU', 'BatchNorm2d', 'MaxPool2d', 'Conv2d', 'ReLU', 'AdaptiveAvgPool2d', 'Flatten', 'BatchNorm1d', 'Linear']);
  assert.equal([...best.tensors.keys()], ['0.weight', '0.bias', '2.weight', '2.bias', '2.running_mean', '2.running_var', '4.weight', '4.bias', '8.weight', '8.bias', '8.running_mean', '8.running_var', '9.weight', '9.bias']);
  assert.equal([...best.int64.keys()], ['2.num_batches_tracked', '8.num_batches_tracked']);
  assert.equal(best.tensors.get('9.weight')!.shape, [10, 16], 'a Linear weight is [outputs, inputs]');
  // As PyTorch prints the CNN preset's (torch_state.py show), less the arguments left at their defaults.
  assert.is(torchSequentialText(fromLayers(CNN_LAYERS).spec()), [
    'Sequential(', '  (0): Conv2d(1, 12, kernel_size=(5, 5))', '  (1): MaxPool2d(kernel_size=2)', '  (2): ReLU()', '  (3): Conv2d(12, 16, kernel_size=(5, 5))',
    '  (4): MaxPool2d(kernel_size=2)', '  (5): ReLU()', '  (6): Flatten()', '  (7): Linear(in_features=256, out_features=64)', '  (8): ReLU()',
    '  (9): Dropout(p=0.25)', '  (10): Linear(in_features=64, out_features=10)', ')',
  ].join('\n'));
});

test('PyTorch loads an export with load_state_dict (strict) and computes mnist-ts\'s logits within 1e-4', () => {
  if (!PYTHON) {
    if (process.env.CI) assert.unreachable('no python3 here imports torch (CI installs python3-torch: .ci/run)');
    console.log('PyTorch check skipped: no python3 imports torch (apt-get install python3-torch)');
    return;
  }
  const model = trainedModel({ model: 'layers', layers: LAYERS_TEXTS[0] }, mnist, 10);
  const state = join(dir, 'gap.pt.safetensors');
  writeFileSync(state, toTorchStateDict(model));
  const logitsFile = join(dir, 'gap-logits.safetensors');
  const py = spawnSync(PYTHON, [join(ROOT, 'scripts', 'peers', 'torch_state.py'), 'check', LAYERS_TEXTS[0], state, bundledDataDir(), logitsFile], { encoding: 'utf8' });
  assert.is(py.status, 0, py.stderr);
  const theirs = decodeSafetensors(readFileSync(logitsFile), logitsFile).tensors.get('logits')!.data;
  const ours = logitsData(model, csrFromSplit(mnist.test, 10));
  assert.ok(maxAbsDiff(ours, theirs) <= 1e-4, `logits differ by ${maxAbsDiff(ours, theirs)}`);
  assert.is(correct(theirs, mnist.test.labels), correct(ours, mnist.test.labels));
});

test('bad input: one line naming the flag or file (exit 2 for flags, 1 for files), and nothing written', async () => {
  const fixture = decodeSafetensors(readFileSync(FIXTURE), FIXTURE);
  const write = (name: string, tensors: { name: string; shape: number[]; data: Float32Array }[]) => {
    writeFileSync(join(dir, name), encodeSafetensors(tensors));
    return join(dir, name);
  };
  const all = [...fixture.tensors.values()];
  const f64 = Buffer.from(readFileSync(FIXTURE).toString('latin1').replace('"F32"', '"F64"'), 'latin1');
  writeFileSync(join(dir, 'f64.safetensors'), f64);
  writeFileSync(join(dir, 'text.safetensors'), 'not a state_dict');
  const args = (over: Record<string, unknown>) => ({ layers: CNN_LAYERS, fromTorch: FIXTURE, out: join(dir, 'never.safetensors'), ...over });
  const cases: [Record<string, unknown>, RegExp][] = [
    [{ layers: 'conv:12:5,lstm:4,dense:10' }, /^--layers: item 2 'lstm:4' is not a layer/],
    [{ layers: 'conv:8:5,pool:2,relu,flatten,dense:10' }, /cnn\.safetensors: tensor 0\.weight has shape \[12, 1, 5, 5\], the architecture's nn\.Sequential needs \[8, 1, 5, 5\]$/],
    [{ fromTorch: write('missing.safetensors', all.filter((t) => t.name !== '7.bias')) }, /missing\.safetensors: tensor 7\.bias is missing; the architecture's nn\.Sequential has 0\.weight \[12, 1, 5, 5\], .*7\.bias \[64\].*; the file holds 0\.weight \[12, 1, 5, 5\], (?!.*7\.bias)/],
    [{ fromTorch: write('extra.safetensors', [...all, { name: '11.weight', shape: [1], data: new Float32Array(1) }]) }, /extra\.safetensors: unexpected tensor 11\.weight; /],
    [{ fromTorch: join(dir, 'f64.safetensors') }, /f64\.safetensors: tensor \S+ has dtype "F64", expected "F32" \(float32 weights; "I64" only for counts such as num_batches_tracked\)$/],
    [{ fromTorch: join(dir, 'text.safetensors') }, /text\.safetensors: not a safetensors file/],
    [{ fromTorch: join(dir, 'absent.safetensors') }, /absent\.safetensors: cannot read the state_dict \(no such file/],
    [{ out: undefined }, /^--out: missing; give the checkpoint file to write$/],
    [{ out: FIXTURE }, /^--out: .*cnn\.safetensors exists; give another --out FILE, or --force to replace it$/],
    [{ out: dir, force: true }, /^--out: .* is a folder; name a file$/],
  ];
  for (const [over, pattern] of cases) {
    const error = await runImport(args(over) as never, () => {}).then(() => undefined, (e: Error) => e);
    assert.instance(error, MnistTsError, `${JSON.stringify(over)}: ${error}`);
    assert.match(cliMessage(error as MnistTsError), pattern);
  }
  assert.not.ok(existsSync(join(dir, 'never.safetensors')));
  const flag = await runMain(['import', '--layers', 'conv:12:5,lstm:4', '--from-torch', FIXTURE, '--out', join(dir, 'never.safetensors')]);
  assert.is(flag.code, 2);
  assert.is(flag.stderr.trim().split('\n').length, 1, flag.stderr);
  const file = await runMain(['import', '--layers', 'conv:8:5,pool:2,relu,flatten,dense:10', '--from-torch', FIXTURE, '--out', join(dir, 'never.safetensors')]);
  assert.is(file.code, 1);
  assert.is(file.stderr.trim().split('\n').length, 1, file.stderr);
  assert.not.ok(existsSync(join(dir, 'never.safetensors')));
});

test.run();
