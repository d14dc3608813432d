/**
 * GFLOP/s of the naive triple loop and of the engine on the shapes that matter for MNIST, on dense
 * random data and on real MNIST batches. FLOPs are counted as 2·m·n·k for both, so on MNIST the
 * engine's figure includes the work it skips (zero pixels).
 *
 *   npm run bench:matmul            a table
 *   npm run bench:matmul -- --json  {"rows": [{"shape", "data", "naive_gflops", "engine_gflops"}, ...]}
 */
import { loadMnist } from '../src/node/mnist-files.js';
import { fillBatch } from '../src/data/dataset.js';
import { Dense, Rng, matmulNaive, matmulRaw, type MatmulOptions } from '../src/engine/index.js';
import { MIN_SAMPLE_S, SAMPLES, time } from './timing.js';

const json = process.argv.includes('--json');

const rng = new Rng(1);
const randn = (n: number) => Float32Array.from({ length: n }, () => rng.normal());
const mnist = loadMnist();
const B = 100;
const order = Int32Array.from({ length: B }, (_, i) => i * 97); // a spread of training images
const mnistBatch = new Float32Array(B * 784);
fillBatch(mnist.train, order, 0, B, mnistBatch, new Uint8Array(B));

interface Row { shape: string; data: 'dense' | 'mnist'; naive_gflops: number; engine_gflops: number }
const rows: Row[] = [];

function bench(shape: string, data: Row['data'], a: Float32Array, m: number, n: number, k: number, opts: MatmulOptions = {}) {
  const b = randn(k * n);
  const c = new Float32Array(m * n);
  const flops = 2 * m * n * k;
  const naive = time(() => matmulNaive(a, b, c, m, n, k, opts));
  const engine = time(() => matmulRaw(a, b, c, m, n, k, opts));
  rows.push({ shape, data, naive_gflops: flops / naive / 1e9, engine_gflops: flops / engine / 1e9 });
}

for (const n of [10, 256]) {
  bench(`100x784x${n}`, 'dense', randn(B * 784), B, n, 784);
  bench(`100x784x${n}`, 'mnist', mnistBatch, B, n, 784);
  // weight gradient: (784×100)ᵀ-style, xᵀ·dy with x stored 100×784
  bench(`784x100ᵀx${n} (xᵀ·dy)`, 'dense', randn(B * 784), 784, n, B, { transA: true });
  bench(`784x100ᵀx${n} (xᵀ·dy)`, 'mnist', mnistBatch, 784, n, B, { transA: true });
}
bench('256x256x256', 'dense', randn(256 * 256), 256, 256, 256);

// The softmax layer as training runs it: forward y = xW + b, then dW += xᵀ·dy (no input gradient).
{
  const layer = new Dense(784, 10);
  const w = randn(7840);
  layer.bind([w, new Float32Array(10)], [new Float32Array(7840), new Float32Array(10)]);
  const dy = randn(B * 10);
  const y = new Float32Array(B * 10);
  const dw = new Float32Array(7840);
  const naive = time(() => {
    matmulNaive(mnistBatch, w, y, B, 10, 784);
    matmulNaive(mnistBatch, dy, dw, 784, 10, B, { transA: true, accumulate: true });
  });
  // The model converts a sparse input to CSR once per step; include that here.
  const { Sequential } = await import('../src/engine/model/sequential.js');
  const model = new Sequential([layer]);
  model.params.set(w);
  const engine = time(() => {
    model.forward(mnistBatch, B, true);
    model.backward(dy, B);
  });
  const flops = 2 * 2 * B * 784 * 10;
  rows.push({ shape: 'softmax layer fwd+dW 100x784x10', data: 'mnist', naive_gflops: flops / naive / 1e9, engine_gflops: flops / engine / 1e9 });
}

if (json) {
  console.log(JSON.stringify({ rows: rows.map((r) => ({ ...r, naive_gflops: +r.naive_gflops.toFixed(3), engine_gflops: +r.engine_gflops.toFixed(3) })) }));
} else {
  console.log('shape'.padEnd(34) + 'data'.padEnd(8) + 'naive GFLOP/s'.padStart(15) + 'engine GFLOP/s'.padStart(16) + 'speedup'.padStart(9));
  for (const r of rows) {
    console.log(r.shape.padEnd(34) + r.data.padEnd(8) + r.naive_gflops.toFixed(2).padStart(15) + r.engine_gflops.toFixed(2).padStart(16) + `${(r.engine_gflops / r.naive_gflops).toFixed(1)}x`.padStart(9));
  }
  console.log(`\n(median of ${SAMPLES} samples of >= ${MIN_SAMPLE_S} s; FLOPs = 2mnk, counting skipped zeros on MNIST)`);
}
