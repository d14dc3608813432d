/**
 * How much faster 2 threads train than 1, measured in one process, and how much faster the machine
 * lets them be. Three models of the same job (bench-job.ts), from the same seed on the same
 * batches, step in turn in windows of the same number of steps (so all get equally far into
 * training, whose sparsity changes a step's cost):
 *  - one thread, the other core idle;
 *  - one thread while a worker thread trains a model of its own on the other core
 *    (bench-neighbour.ts: nothing shared between the two threads);
 *  - a 2-thread pool.
 * A window triple gives the 2 threads' ratio (the idle-core window's time a step over the pool's),
 * the machine's contention (the busy-core window's over the idle-core one's: the work of one thread
 * takes that much longer when both cores compute) and the other core's speed meanwhile (the
 * neighbour's steps' time over the idle-core window's; the two cores of a virtual machine need
 * not run alike). Together they bound the 2 threads: with each core doing work at its own
 * speed and no time lost to the hand-offs at all, a step would take 1 / (1 / this core's step +
 * 1 / the other's), so the ceiling is the idle-core step times (1 / busy step + 1 / neighbour's
 * step): 2 / contention when both cores run alike. The neighbour's model is of the same job on
 * other batches, so its steps may cost a little more or less than the main thread's. The bench's
 * own epochs (bench.ts) are separate processes seconds to minutes apart, and the load on a shared
 * machine can change in between; here it changes within a triple at most. Prints one JSON line.
 *   npm run bench:scaling -- softmax|mlp|mlp-dense|cnn [js|simd] [TRIPLES]   (default: cnn simd 24)
 * bench.ts runs it once a round for each model and prints the figures beside the epochs'.
 */
import { Piscina } from 'piscina';
import { loadMnist } from '../src/node/mnist-files.js';
import { createBackend } from '../src/node/create-backend.js';
import { PoolBackend } from '../src/node/pool-backend.js';
import { BatchSampler } from '../src/data/batches.js';
import { kernelsFor, resolveKernelPath } from '../src/engine/kernels/kernel-select.js';
import type { GradientBackend } from '../src/train/gradient-backend.js';
import { BENCH_KERNELS, BENCH_MODELS, benchJob } from './bench-job.js';
import { checkChoices, refuse } from './bench-args.js';
import { BUSY, IDLE, NEIGHBOUR, STOP, TIMING, WARMING, type NeighbourTask } from './bench-neighbour.js';

const [model = 'cnn', path = 'simd', triplesArg = '24'] = process.argv.slice(2);
checkChoices('bench-scaling: model', [model], BENCH_MODELS);
checkChoices('bench-scaling: kernels', [path], BENCH_KERNELS);
const TRIPLES = Number(triplesArg);
if (!(Number.isInteger(TRIPLES) && TRIPLES >= 1)) refuse(`bench-scaling: ${triplesArg} window triples, expected a whole number >= 1`);
/**
 * Steps each model takes before the windows: one epoch, and at least the steps V8 takes to compile
 * a 2-thread run's step (README, "Why a 2-thread run's first epochs are slow").
 */
const WARM_UP_STEPS = 1700;
/**
 * A 1-thread window's length, about, in milliseconds: long against the timer and the hand-offs,
 * short against changes in the machine's load.
 */
const WINDOW_MS = 200;

const train = loadMnist().train;
interface Side {
  name: string;
  backend: GradientBackend;
  sampler: BatchSampler;
  batch: number;
  t: number;
  /** Whether the neighbour computes during this side's windows. */
  neighbourBusy: boolean;
  /** Each window's time a step, µs. */
  windows: number[];
  /** For a side whose windows the neighbour computes in: its time a step in each window, µs. */
  neighbourWindows: number[];
}
const side = (name: string, threads: number, neighbourBusy: boolean): Side => {
  const { data, net, optimizer, batchSize } = benchJob(model, train, kernelsFor(resolveKernelPath(path)));
  const backend = createBackend(net, data, optimizer, threads, batchSize, { seed: 0 });
  return { name, backend, sampler: new BatchSampler(data.count, 0, batchSize), batch: batchSize, t: 0, neighbourBusy, windows: [], neighbourWindows: [] };
};
const [alone, crowded, pool] = [side('1 thread', 1, false), side('1 thread, other core busy', 1, true), side('2 threads', 2, false)];
const sides = [alone, crowded, pool];
const warmUp = Math.max(WARM_UP_STEPS, Math.ceil(train.count / alone.batch));

const control = new Int32Array(new SharedArrayBuffer(8));
const timing = new Float64Array(new SharedArrayBuffer(16));
control[NEIGHBOUR.STATE] = WARMING;
// The neighbour is a Piscina task, as the engine's pools are: Piscina loads the .ts through tsx.
const neighbourPool = new Piscina({ filename: new URL('./bench-neighbour.ts', import.meta.url).href, minThreads: 1, maxThreads: 1 });
const neighbourTask: NeighbourTask = { control: control.buffer as SharedArrayBuffer, timing: timing.buffer as SharedArrayBuffer, model, kernels: path, warmUpSteps: warmUp };
const neighbourDone = neighbourPool.run(neighbourTask).catch((e: Error) => {
  process.stderr.write(`bench-scaling: the neighbour thread failed: ${e.message}\n`);
  process.exit(1);
});

/** Asks the neighbour to compute or to sleep, and waits until it does. */
async function neighbourTo(state: number): Promise<void> {
  Atomics.store(control, NEIGHBOUR.RUN, state);
  Atomics.notify(control, NEIGHBOUR.RUN);
  while (Atomics.load(control, NEIGHBOUR.STATE) !== state) {
    Atomics.wait(control, NEIGHBOUR.STATE, Atomics.load(control, NEIGHBOUR.STATE), 20);
    await new Promise((r) => setImmediate(r)); // so that a failed neighbour is heard
  }
}

async function steps(s: Side, n: number): Promise<number> {
  const t0 = performance.now();
  for (let i = 0; i < n; i++) await s.backend.step(s.sampler.next(s.batch), s.batch, ++s.t);
  return ((performance.now() - t0) / n) * 1000;
}

try {
  // The models warm up one after the other, the neighbour on its own core meanwhile; the pool's
  // last, once the neighbour sleeps (a pool sharing its cores would stop spinning: spin-policy.ts).
  await steps(alone, warmUp);
  await steps(crowded, warmUp);
  await neighbourTo(IDLE);
  await steps(pool, warmUp);
  // Steps a window: what one thread does in about WINDOW_MS, from a window of its own.
  const perWindow = Math.max(10, Math.round((WINDOW_MS * 1000) / (await steps(alone, 50))));
  await steps(crowded, 50);
  await steps(pool, 50);
  for (let i = 0; i < TRIPLES; i++) {
    // Each side first, second and last in turn, so that none always follows another.
    for (let k = 0; k < sides.length; k++) {
      const s = sides[(i + k) % sides.length];
      await neighbourTo(s.neighbourBusy ? BUSY : IDLE);
      const [steps0, ms0] = [timing[TIMING.STEPS], timing[TIMING.MS]];
      s.windows.push(await steps(s, perWindow));
      if (s.neighbourBusy) {
        await neighbourTo(IDLE); // its last step counted, before the words are read
        s.neighbourWindows.push(((timing[TIMING.MS] - ms0) / (timing[TIMING.STEPS] - steps0)) * 1000);
      }
    }
  }
  await neighbourTo(IDLE);
  const ratios = alone.windows.map((one, i) => one / pool.windows[i]);
  const contention = alone.windows.map((one, i) => crowded.windows[i] / one);
  const otherCore = alone.windows.map((one, i) => crowded.neighbourWindows[i] / one);
  const ceilings = alone.windows.map((one, i) => one * (1 / crowded.windows[i] + 1 / crowded.neighbourWindows[i]));
  const r3 = (x: number) => +x.toFixed(3);
  const spread = (xs: number[]) => [r3(quantile(xs, 0.1)), r3(quantile(xs, 0.9))];
  console.log(JSON.stringify({
    model,
    kernels: path,
    triples: TRIPLES,
    steps_per_window: perWindow,
    step_us: Object.fromEntries(sides.map((s) => [s.name, +quantile(s.windows, 0.5).toFixed(1)])),
    ratio: r3(quantile(ratios, 0.5)),
    ratio_p10_p90: spread(ratios),
    contention: r3(quantile(contention, 0.5)),
    contention_p10_p90: spread(contention),
    other_core: r3(quantile(otherCore, 0.5)),
    other_core_p10_p90: spread(otherCore),
    ceiling: r3(quantile(ceilings, 0.5)),
    ceiling_p10_p90: spread(ceilings),
    // A pool that stopped spinning found the cores taken by other processes (spin-policy.ts).
    pool_spin_switches: pool.backend instanceof PoolBackend ? pool.backend.spin.switches : 0,
  }));
} finally {
  Atomics.store(control, NEIGHBOUR.RUN, STOP);
  Atomics.notify(control, NEIGHBOUR.RUN);
  await neighbourDone;
  await neighbourPool.destroy();
  for (const s of sides) await s.backend.close();
}

/** The q-quantile of xs, interpolated between neighbours. */
function quantile(xs: number[], q: number): number {
  const s = [...xs].sort((a, b) => a - b);
  const at = q * (s.length - 1);
  const lo = Math.floor(at);
  return lo + 1 < s.length ? s[lo] + (s[lo + 1] - s[lo]) * (at - lo) : s[lo];
}
