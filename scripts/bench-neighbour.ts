/**
 * bench-scaling.ts's busy neighbour: a worker thread that trains its own copy of the job on one
 * thread (its own model, kernel memory and data: nothing shared with the main thread's) while
 * the main thread says so, and sleeps otherwise. It shows what the machine takes from one thread
 * when the other core is busy too, with no sharing between them at all; and, by its own steps'
 * times, how fast the other core is meanwhile (on a virtual machine the two cores need not run
 * alike).
 */
import { loadMnist } from '../src/node/mnist-files.js';
import { createBackend } from '../src/node/create-backend.js';
import { BatchSampler } from '../src/data/batches.js';
import { kernelsFor, resolveKernelPath } from '../src/engine/kernels/kernel-select.js';
import { benchJob } from './bench-job.js';

/** The words of the control array: the main thread writes RUN; this thread writes STATE. */
export const NEIGHBOUR = { RUN: 0, STATE: 1 } as const;
/** RUN: what the main thread asks for. STATE: what this thread does (WARMING until it is ready). */
export const IDLE = 0;
export const BUSY = 1;
export const STOP = 2;
export const WARMING = 3;

/** The words of the timing array (Float64Array): steps taken while busy, and the milliseconds they took. */
export const TIMING = { STEPS: 0, MS: 1 } as const;

export interface NeighbourTask {
  control: SharedArrayBuffer;
  /** Float64Array of TIMING's words, which this thread adds to. */
  timing: SharedArrayBuffer;
  model: string;
  kernels: string;
  warmUpSteps: number;
}

/** The one Piscina task: warms up, then computes or sleeps as RUN says until it says STOP. */
export default async function neighbour(task: NeighbourTask): Promise<void> {
  const ctrl = new Int32Array(task.control);
  const timing = new Float64Array(task.timing);
  const { data, net, optimizer, batchSize } = benchJob(task.model, loadMnist().train, kernelsFor(resolveKernelPath(task.kernels)));
  const backend = createBackend(net, data, optimizer, 1, batchSize, { seed: 1 });
  const sampler = new BatchSampler(data.count, 1, batchSize);
  let t = 0;
  const step = () => backend.step(sampler.next(batchSize), batchSize, ++t);
  for (let i = 0; i < task.warmUpSteps; i++) await step();
  for (;;) {
    const run = Atomics.load(ctrl, NEIGHBOUR.RUN);
    if (run === STOP) break;
    if (Atomics.load(ctrl, NEIGHBOUR.STATE) !== run) {
      Atomics.store(ctrl, NEIGHBOUR.STATE, run);
      Atomics.notify(ctrl, NEIGHBOUR.STATE);
    }
    if (run === BUSY) {
      const t0 = performance.now();
      await step();
      // The main thread reads both words between windows, while this thread sleeps.
      timing[TIMING.MS] += performance.now() - t0;
      timing[TIMING.STEPS]++;
    } else Atomics.wait(ctrl, NEIGHBOUR.RUN, IDLE);
  }
  await backend.close();
}
