/**
 * Multiply-adds per second of the sparse first-layer kernels on real MNIST batches of 100, for
 * the naive loop (dense, zeros included), the JS kernels and the SIMD kernels (and SIMD with fused
 * multiply-add where the platform has relaxed SIMD). Widths 10 (softmax regression) and 256 (the
 * MLP's hidden layer). Only the nonzero pixels' multiply-adds are counted, for every row alike.
 * The "dense" rows run the dense products on the same batch with a background level of 0.1 added
 * (every pixel nonzero): data that is not MNIST-sparse.
 *
 *   npm run bench:kernels            a table
 *   npm run bench:kernels -- --json  {"rows": [{"kernel", "n", "path", "gmacs"}, ...]}
 */
import { loadMnist } from '../src/node/mnist-files.js';
import { csrFromSplit, gatherBatch, BatchBuffers } from '../src/train/training-data.js';
import { CsrMatrix, csrMatmul, csrTransposeMatmul, matmulNaive, matmulRaw, Rng } from '../src/engine/index.js';
import { SimdKernels } from '../src/engine/kernels/kernel-select.js';
import { KernelMemory } from '../src/engine/wasm/kernel-memory.js';
import { relaxedSimdSupported } from '../src/engine/wasm/features.js';
import { time } from './timing.js';

const json = process.argv.includes('--json');

const mnist = loadMnist();
const data = csrFromSplit(mnist.train, 10);
const memory = new KernelMemory();
const simd = new SimdKernels(memory, { fused: false });
// With relaxed SIMD (Node 22+, Chrome 114+) the same kernels again with fused multiply-add.
const fma = relaxedSimdSupported() ? new SimdKernels(memory) : undefined;
// A batch of 100 spread-out training images, gathered into the kernel memory as a trainer does.
const batch = gatherBatch(data, Int32Array.from({ length: 100 }, (_, i) => i * 97), 0, 100, new BatchBuffers(simd)) as CsrMatrix;
const dense = batch.toDense();
const rng = new Rng(1);
const normals = (a: Float32Array) => {
  for (let i = 0; i < a.length; i++) a[i] = rng.normal();
  return a;
};
const rows: { kernel: string; n: number; path: string; gmacs: number }[] = [];

for (const n of [10, 256]) {
  // Filled in place: TypedArray.map would return a copy outside the kernel memory, which the SIMD
  // kernels would then stage through it on every call, timing a copy of W with the product.
  const w = normals(memory.f32(784 * n));
  const y = memory.f32(100 * n);
  const dy = normals(memory.f32(100 * n));
  const dw = memory.f32(784 * n);
  const macs = batch.nnz * n;
  const cases: [string, string, () => void][] = [
    ['x·W', 'naive', () => matmulNaive(dense, w, y, 100, n, 784)],
    ['x·W', 'js', () => csrMatmul(batch, w, y, n)],
    ['x·W', 'simd', () => simd.csrMatmul(batch, w, y, n)],
    ...(fma ? ([['x·W', 'simd+fma', () => fma.csrMatmul(batch, w, y, n)], ['xᵀ·dy', 'simd+fma', () => fma.csrTransposeMatmul(batch, dy, dw, n)]] as [string, string, () => void][]) : []),
    ['xᵀ·dy', 'naive', () => matmulNaive(dense, dy, dw, 784, n, 100, { transA: true, accumulate: true })],
    ['xᵀ·dy', 'js', () => csrTransposeMatmul(batch, dy, dw, n)],
    ['xᵀ·dy', 'simd', () => simd.csrTransposeMatmul(batch, dy, dw, n)],
  ];
  for (const [kernel, path, fn] of cases) rows.push({ kernel, n, path, gmacs: +(macs / time(fn) / 1e9).toFixed(2) });
  // The same batch with a background level added, so every pixel is nonzero: the dense products.
  const full = memory.f32(100 * 784);
  for (let i = 0; i < full.length; i++) full[i] = dense[i] + 0.1;
  const denseMacs = 100 * 784 * n;
  const denseCases: [string, string, () => void][] = [
    ['x·W dense', 'naive', () => matmulNaive(full, w, y, 100, n, 784)],
    ['x·W dense', 'js', () => matmulRaw(full, w, y, 100, n, 784)],
    ['x·W dense', 'simd', () => simd.matmul(full, w, y, 100, n, 784)],
    ['xᵀ·dy dense', 'naive', () => matmulNaive(full, dy, dw, 784, n, 100, { transA: true, accumulate: true })],
    ['xᵀ·dy dense', 'js', () => matmulRaw(full, dy, dw, 784, n, 100, { transA: true, accumulate: true })],
    ['xᵀ·dy dense', 'simd', () => simd.matmul(full, dy, dw, 784, n, 100, { transA: true, accumulate: true })],
  ];
  for (const [kernel, path, fn] of denseCases) rows.push({ kernel, n, path, gmacs: +(denseMacs / time(fn) / 1e9).toFixed(2) });
}

if (json) {
  console.log(JSON.stringify({ nnz: batch.nnz, fused: relaxedSimdSupported(), rows }));
} else {
  console.log(`MNIST batch of 100 (${batch.nnz} nonzero pixels); G multiply-adds/s of the nonzeros' work${relaxedSimdSupported() ? '' : '; no relaxed SIMD here, so no fused row'}`);
  console.log('kernel         n     naive      js    simd   simd/js');
  for (const kernel of ['x·W', 'xᵀ·dy', 'x·W dense', 'xᵀ·dy dense']) for (const n of [10, 256]) {
    const g = (path: string) => rows.find((r) => r.kernel === kernel && r.n === n && r.path === path)?.gmacs;
    const fused = g('simd+fma');
    console.log(`${kernel.padEnd(13)}${String(n).padStart(4)}${g('naive')!.toFixed(2).padStart(10)}${g('js')!.toFixed(2).padStart(8)}${g('simd')!.toFixed(2).padStart(8)}${(g('simd')! / g('js')!).toFixed(1).padStart(9)}x${fused === undefined ? '' : `   simd+fma ${fused.toFixed(2)}`}`);
  }
}
