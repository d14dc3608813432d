/**
 * Where a training step's time goes: every kernel call (the dense products by shape), each
 * layer's forward and backward, the optimiser and, with threads, the main thread's pieces and its
 * waits for the workers. Each is timed by wrapping it, over an epoch of steps after an epoch of
 * warm-up; the wrappers' own cost is small beside the calls they time. The workers are not
 * wrapped: with 2 threads, the main thread's pieces and its waiting time show the balance.
 *   npm run bench:profile -- softmax|mlp|cnn [--layers TEXT] [--kernels simd|js] [--threads N] [--steps N] [--batch N]
 * (--layers: another architecture with the CNN's recipe, e.g. an earlier preset; --batch: the
 * examples a step, the recipe's by default.)
 */
import { loadMnist } from '../src/node/mnist-files.js';
import { csrFromSplit } from '../src/train/training-data.js';
import { Adam, cnn, CNN_LAYERS, mlp, SGD, softmaxRegression } from '../src/engine/index.js';
import { kernelsFor, resolveKernelPath, type KernelSet } from '../src/engine/kernels/kernel-select.js';
import { jsKernels } from '../src/engine/kernels/js-kernels.js';
import type { MatmulOptions } from '../src/engine/kernels/matmul.js';
import { InProcessBackend } from '../src/train/gradient-backend.js';
import { PoolBackend } from '../src/node/pool-backend.js';
import { BatchSampler } from '../src/data/batches.js';
import { stepsPerEpoch } from '../src/train/trainer.js';

const model = process.argv[2] ?? 'mlp';
if (!['softmax', 'mlp', 'cnn'].includes(model)) throw new Error(`model: '${model}', expected softmax, mlp or cnn`);
const flag = (name: string, fallback: string) => {
  const at = process.argv.indexOf(`--${name}`);
  return at > 0 ? process.argv[at + 1] : fallback;
};
const kernels = kernelsFor(resolveKernelPath(flag('kernels', 'simd')));
const threads = Number(flag('threads', '1'));
const mnist = loadMnist();
const data = csrFromSplit(mnist.train, 10, kernels.allocator);
const net = model === 'cnn' ? cnn({ layers: flag('layers', CNN_LAYERS) }, { kernels }) : model === 'mlp' ? mlp({ hidden: [256] }, { kernels }) : softmaxRegression({}, { kernels });
net.initialize(0);
const optimizer = model === 'cnn' ? new Adam(0.002) : new SGD(model === 'mlp' ? 0.1 : 0.01);
const batch = Number(flag('batch', model === 'cnn' ? '64' : '100'));
const steps = Number(flag('steps', String(stepsPerEpoch(data.count, batch))));

const totals = new Map<string, { ms: number; calls: number }>();
function count(label: string, ms: number): void {
  const t = totals.get(label) ?? { ms: 0, calls: 0 };
  t.ms += ms;
  t.calls++;
  totals.set(label, t);
}
/** Replaces obj[name] by a timed call of the same function. */
function wrap(obj: object, name: string, label: string): void {
  const o = obj as Record<string, (...a: unknown[]) => unknown>;
  const f = o[name];
  o[name] = function (this: unknown, ...a: unknown[]) {
    const t0 = performance.now();
    const r = f.apply(this, a);
    count(label, performance.now() - t0);
    return r;
  };
}

// Every kernel of the KernelSet interface (the JS set names them all); matmul by shape.
for (const name of Object.keys(jsKernels)) {
  const value = (kernels as unknown as Record<string, unknown>)[name];
  if (name === 'constructor' || name === 'matmul' || typeof value !== 'function') continue;
  wrap(kernels, name, `kernel ${name}`);
}
const matmul = kernels.matmul.bind(kernels);
(kernels as { matmul: KernelSet['matmul'] }).matmul = (a, b, c, m, n, k, o: MatmulOptions = {}) => {
  const t0 = performance.now();
  matmul(a, b, c, m, n, k, o);
  count(`kernel matmul ${m}x${n}x${k}${o.transA ? ' Aᵀ' : ''}${o.transB ? ' Bᵀ' : ''}`, performance.now() - t0);
};
wrap(net, 'forward', 'model forward (all layers)');
wrap(net, 'backward', 'model backward (all layers)');
net.layers.forEach((layer, i) => {
  const name = `layer ${i + 1} ${layer.type} ${layer.outputShape.join('×')}`;
  wrap(layer, 'forward', `${name} forward`);
  wrap(layer, 'backward', `${name} backward`);
});
wrap(optimizer, 'stepRange', 'optimiser update (stepRange)');
const backend = threads === 1
  ? new InProcessBackend(net, data, optimizer, { seed: 0 })
  : new PoolBackend(net, data, optimizer, { threads, maxBatch: batch, stepSettings: { seed: 0 } });
if (threads > 1) {
  // The main thread's own pieces, in a data-parallel step (the other strategies compute no pieces).
  const gradient = (backend as unknown as { part: { gradient?: object } }).part.gradient;
  if ((backend as PoolBackend).strategy === 'data-parallel' && !gradient) throw new Error('bench-profile: the data-parallel part has no `gradient` to time any more');
  if (gradient) wrap(gradient, 'compute', 'main thread: its pieces');
  wrap(backend, 'waitFor', 'main thread: waiting for workers');
}
const sampler = new BatchSampler(data.count, 0, batch);
try {
  let t = 0;
  for (let s = 0; s < steps; s++) await backend.step(sampler.next(batch), batch, ++t); // warm-up
  totals.clear();
  const t0 = performance.now();
  for (let s = 0; s < steps; s++) await backend.step(sampler.next(batch), batch, ++t);
  const wall = performance.now() - t0;
  console.log(`${model}, ${kernels.path} kernels, ${threads} thread${threads > 1 ? 's' : ''}: ${((wall / steps) * 1000).toFixed(0)} µs a step over ${steps} steps (an epoch: ${((wall / steps) * stepsPerEpoch(data.count, batch) / 1000).toFixed(3)} s)`);
  for (const [label, { ms, calls }] of [...totals].sort((a, b) => b[1].ms - a[1].ms)) {
    console.log(`  ${label.padEnd(44)} ${((ms / steps) * 1000).toFixed(1).padStart(8)} µs a step  ${(calls / steps).toFixed(1).padStart(4)} calls`);
  }
} finally {
  await backend.close();
}
