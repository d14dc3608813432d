/**
 * One benchmark run in its own process (so peak RSS is this run's alone): trains for a few epochs
 * and prints one JSON line with the per-epoch times and the process's peak RSS.
 *   tsx scripts/bench-train-run.ts softmax|mlp|cnn THREADS EPOCHS [js|simd]
 * softmax: the tutorial's (SGD 0.01, batch 100); mlp: 784-256-10 (SGD 0.1, batch 100); cnn: the
 * `--model cnn` preset with its recipe (Adam 0.002, batch 64, dropout).
 */
import { loadMnist } from '../src/node/mnist-files.js';
import { createBackend } from '../src/node/create-backend.js';
import { csrFromSplit } from '../src/train/training-data.js';
import { train } from '../src/train/trainer.js';
import { Adam, cnn, mlp, softmaxRegression, SGD } from '../src/engine/index.js';
import { kernelsFor, resolveKernelPath } from '../src/engine/kernels/kernel-set.js';

const [model = 'softmax', threadsArg = '1', epochsArg = '5', path = 'js'] = process.argv.slice(2);
const threads = Number(threadsArg);
const epochs = Number(epochsArg);
const mnist = loadMnist();
const kernels = kernelsFor(resolveKernelPath(path));
// As the CLI does: on the SIMD kernels the data set's nonzeros live in the kernel memory.
const data = csrFromSplit(mnist.train, 10, kernels.path === 'js' ? undefined : kernels.allocator);
const net = model === 'cnn' ? cnn({}, { kernels }) : model === 'mlp' ? mlp({ hidden: [256] }, { kernels }) : softmaxRegression({}, { kernels });
net.initialize(0);
const optimizer = model === 'cnn' ? new Adam(0.002) : new SGD(model === 'mlp' ? 0.1 : 0.01);
const batchSize = model === 'cnn' ? 64 : 100;
const backend = createBackend(net, data, optimizer, threads, batchSize, { seed: 0 });
try {
  const r = await train(net, data, { epochs, batchSize, seed: 0, optimizer, backend });
  const epochSeconds = r.history.map((e) => e.seconds);
  console.log(JSON.stringify({ model, threads, kernels: kernels.path, epoch_seconds: epochSeconds, peak_rss_mb: process.resourceUsage().maxRSS / 1024 }));
} finally {
  await backend.close();
}
