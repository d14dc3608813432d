/**
 * Single-image latency: one 28×28 image through a trained-shape model, as the draw-a-digit page
 * and `predict` on one file do (prediction only, batch of 1), on each kernel path. Median of
 * many calls after a warm-up; real MNIST test digits, one after another.
 *
 *   npm run bench:latency            a table
 *   npm run bench:latency -- --json  {"rows": [{"model", "kernels", "ms"}, ...]}
 */
import { cnn, kernelsFor, mlp, predictProbabilities, softmaxRegression, type KernelPath } from '../src/engine/index.js';
import { pixelScale } from '../src/data/dataset.js';
import { loadMnist } from '../src/node/mnist-files.js';

const json = process.argv.includes('--json');
const test = loadMnist().test;
const scale = pixelScale();
const images = Array.from({ length: 64 }, (_, i) => Float32Array.from(test.pixels.subarray(i * 784, (i + 1) * 784), (p) => scale[p]));
const builders: Record<string, (kernels: ReturnType<typeof kernelsFor>) => ReturnType<typeof cnn>> = {
  softmax: (kernels) => softmaxRegression({}, { kernels }),
  'mlp 784-256-10': (kernels) => mlp({ hidden: [256] }, { kernels }),
  'cnn preset': (kernels) => cnn({}, { kernels }),
};
const rows: { model: string; kernels: KernelPath; ms: number }[] = [];
for (const [name, build] of Object.entries(builders)) {
  for (const path of ['js', 'simd'] as KernelPath[]) {
    const model = build(kernelsFor(path)).initialize(0);
    for (let i = 0; i < 200; i++) predictProbabilities(model, images[i % images.length], 1);
    const times: number[] = [];
    for (let i = 0; i < 2000; i++) {
      const t0 = performance.now();
      predictProbabilities(model, images[i % images.length], 1);
      times.push(performance.now() - t0);
    }
    times.sort((a, b) => a - b);
    rows.push({ model: name, kernels: path, ms: +times[times.length >> 1].toFixed(4) });
  }
}
if (json) console.log(JSON.stringify({ rows }));
else {
  console.log('model            kernels   median ms per image');
  for (const r of rows) console.log(`${r.model.padEnd(17)}${r.kernels.padEnd(10)}${r.ms.toFixed(4).padStart(10)}`);
}
