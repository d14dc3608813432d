/**
 * One benchmark run in its own process (so peak RSS is this run's alone): trains for a few epochs
 * and prints one JSON line with the per-epoch times and the process's peak RSS.
 *   tsx scripts/bench-train-run.ts softmax|mlp|mlp-dense|cnn THREADS EPOCHS [js|simd] [fixed-spin]
 * The jobs are bench-job.ts's. fixed-spin: the pool's threads keep spinning when other processes
 * take the cores (as before SpinPolicy), for bench-contention.
 */
import { loadMnist } from '../src/node/mnist-files.js';
import { createBackend } from '../src/node/create-backend.js';
import { PoolBackend } from '../src/node/pool-backend.js';
import { train } from '../src/train/trainer.js';
import { kernelsFor, resolveKernelPath } from '../src/engine/kernels/kernel-select.js';
import { BENCH_KERNELS, BENCH_MODELS, benchJob } from './bench-job.js';
import { checkChoices } from './bench-args.js';

const [model = 'softmax', threadsArg = '1', epochsArg = '5', path = 'js', spin = 'adapt'] = process.argv.slice(2);
checkChoices('bench-train-run: model', [model], BENCH_MODELS);
checkChoices('bench-train-run: kernels', [path], BENCH_KERNELS);
const threads = Number(threadsArg);
const epochs = Number(epochsArg);
const kernels = kernelsFor(resolveKernelPath(path));
const { data, net, optimizer, batchSize } = benchJob(model, loadMnist().train, kernels);
const backend = createBackend(net, data, optimizer, threads, batchSize, { seed: 0, adaptSpin: spin !== 'fixed-spin' });
try {
  const r = await train(net, data, { epochs, batchSize, seed: 0, optimizer, backend });
  const epochSeconds = r.history.map((e) => e.seconds);
  const spinSwitches = backend instanceof PoolBackend ? backend.spin.switches : 0;
  console.log(JSON.stringify({ model, threads, kernels: kernels.path, epoch_seconds: epochSeconds, peak_rss_mb: process.resourceUsage().maxRSS / 1024, spin_switches: spinSwitches }));
} finally {
  await backend.close();
}
