/**
 * One benchmark run in its own process (so peak RSS is this run's alone): trains for a few epochs
 * and prints one JSON line with the per-epoch times and the process's peak RSS.
 *   tsx scripts/bench-train-run.ts softmax|mlp|mlp-dense|cnn THREADS EPOCHS [js|simd] [fixed-spin]
 * softmax: the tutorial's (SGD 0.01, batch 100); mlp: 784-256-10 (SGD 0.1, batch 100); cnn: the
 * `--model cnn` preset with its recipe (Adam 0.002, batch 64, dropout); mlp-dense: the MLP on
 * MNIST with a background level added (every input nonzero). fixed-spin: the pool's threads keep
 * spinning when other processes take the cores (as before SpinPolicy), for bench-contention.
 */
import { loadMnist } from '../src/node/mnist-files.js';
import { createBackend } from '../src/node/create-backend.js';
import { PoolBackend } from '../src/node/pool-backend.js';
import { csrFromSplit, denseData } from '../src/train/training-data.js';
import { pixelScale } from '../src/data/dataset.js';
import { train } from '../src/train/trainer.js';
import { Adam, cnn, mlp, sharedArray, softmaxRegression, SGD } from '../src/engine/index.js';
import { kernelsFor, resolveKernelPath } from '../src/engine/kernels/kernel-set.js';

const [model = 'softmax', threadsArg = '1', epochsArg = '5', path = 'js', spin = 'adapt'] = process.argv.slice(2);
const threads = Number(threadsArg);
const epochs = Number(epochsArg);
const mnist = loadMnist();
const kernels = kernelsFor(resolveKernelPath(path));
/**
 * MNIST's training images with a background level of 0.1 added to every pixel: data of MNIST's
 * shape that is not sparse at all, kept as float rows (the dense path end to end).
 */
function denseMnist() {
  const t = mnist.train;
  const x = sharedArray(Float32Array, t.count * t.features);
  const scale = pixelScale();
  for (let i = 0; i < x.length; i++) x[i] = scale[t.pixels[i]] + 0.1;
  return denseData(x, t.labels, t.features, 10);
}

// As the CLI does: on the SIMD kernels the data set's nonzeros live in the kernel memory.
const data = model === 'mlp-dense' ? denseMnist() : csrFromSplit(mnist.train, 10, kernels.allocator);
const net = model === 'cnn' ? cnn({}, { kernels }) : model.startsWith('mlp') ? mlp({ hidden: [256] }, { kernels }) : softmaxRegression({}, { kernels });
net.initialize(0);
const optimizer = model === 'cnn' ? new Adam(0.002) : new SGD(model.startsWith('mlp') ? 0.1 : 0.01);
const batchSize = model === 'cnn' ? 64 : 100;
const backend = createBackend(net, data, optimizer, threads, batchSize, { seed: 0, adaptSpin: spin !== 'fixed-spin' });
try {
  const r = await train(net, data, { epochs, batchSize, seed: 0, optimizer, backend });
  const epochSeconds = r.history.map((e) => e.seconds);
  const spinSwitches = backend instanceof PoolBackend ? backend.spin.switches : 0;
  console.log(JSON.stringify({ model, threads, kernels: kernels.path, epoch_seconds: epochSeconds, peak_rss_mb: process.resourceUsage().maxRSS / 1024, spin_switches: spinSwitches }));
} finally {
  await backend.close();
}
