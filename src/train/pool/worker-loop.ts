/**
 * What a training pool's worker runs: one task a training run. It waits for the main thread to
 * start a phase, hands the phase to its strategy's part (or evaluates its range of a data set),
 * and says it is done in its DONE word. It returns only when told to stop. The same in Node
 * (workers/gradient-worker.ts, under Piscina) and in a page (src/web/pool-worker.ts).
 */
import { Sequential } from '../../engine/model/sequential.js';
import { kernelsFor } from '../../engine/kernels/kernel-select.js';
import { KernelMemory } from '../../engine/wasm/kernel-memory.js';
import { optimizerFromConfig } from '../../engine/optim/optimizers.js';
import { evaluateRange } from '../evaluate-data.js';
import { evenRange } from '../even-range.js';
import type { TrainingData } from '../training-data.js';
import { COMMAND_STOP, CTRL, POOL_PHASE, strategyWords } from './control.js';
import { fromTask, type WorkerResult, type WorkerTask } from './task.js';
import { strategyNamed } from './strategies.js';
import type { Part } from './strategy.js';
import { waitUntil } from './wait.js';

/** This thread's part of the task's strategy, over the buffers the main thread shares. */
function setUp(task: WorkerTask): { part: Part; evaluation: TrainingData[] } {
  // With SIMD kernels the worker runs the same kernels over the same kernel memory, and its own
  // scratch (activations, batches) comes from the same arena.
  const memory = task.kernelMemory ? new KernelMemory(task.kernelMemory) : undefined;
  const kernels = kernelsFor(memory ? 'simd' : 'js', memory, { fused: task.fused });
  const state = fromTask<Record<string, Float32Array>>(task.optimizerState, memory);
  const optimizer = optimizerFromConfig(task.optimizer);
  optimizer.useKernels(kernels);
  optimizer.attachState(state);
  const strategy = strategyNamed(task.strategy);
  const statistics = fromTask<{ running: Float32Array; batch: Float32Array }>(task.statistics, memory);
  const part = strategy.part({
    thread: task.thread,
    threads: task.threads,
    ctrl: new Int32Array(task.control),
    firstWord: strategyWords(task.threads),
    indices: new Int32Array(task.indices),
    data: fromTask<TrainingData>(task.data, memory),
    stepSettings: task.stepSettings,
    kernels,
    optimizer,
    optimizerConfig: task.optimizer,
    state,
    model: (params, grads) => Sequential.fromSpec(task.layers, { params, grads, runningStats: statistics.running, batchStats: statistics.batch, kernels }),
  }, fromTask(task.buffers, memory));
  return { part, evaluation: task.evaluation.map((d) => fromTask<TrainingData>(d, memory)) };
}

/** For tests: throw, end the thread (`exit`, the host's way), or stall at the step the task names. */
function injectFault(task: WorkerTask, steps: number, exit: () => void): void {
  const fault = task.fault;
  if (!fault || fault.thread !== task.thread || fault.step !== steps) return;
  if (fault.mode === 'stall') return void Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 50);
  if (fault.mode === 'exit') exit();
  throw new Error(`injected fault at step ${steps}`);
}

/** Runs `task` until the main thread says stop; `exit` ends the thread at once (an injected fault's). */
export function runWorker(task: WorkerTask, exit: () => void): WorkerResult {
  const ctrl = new Int32Array(task.control);
  const results = new Float64Array(task.results);
  // SEQ starts at 0 and the main thread may have started the first phase while this thread was
  // starting up, so begin from 0 rather than from the current value.
  let seen = 0;
  let steps = 0;
  try {
    const { part, evaluation } = setUp(task);
    for (;;) {
      waitUntil(ctrl, () => (Atomics.load(ctrl, CTRL.SEQ) === seen ? CTRL.SEQ : -1), { sleepMs: 100 });
      seen = Atomics.load(ctrl, CTRL.SEQ);
      if (Atomics.load(ctrl, CTRL.COMMAND) === COMMAND_STOP) return { steps };
      const phase = Atomics.load(ctrl, CTRL.PHASE);
      if (phase === POOL_PHASE.EVALUATE) {
        const set = evaluation[Atomics.load(ctrl, CTRL.EVAL_SET)];
        const [start, end] = evenRange(set.count, task.threads, task.thread);
        const r = evaluateRange(part.model, set, start, end);
        results[2 * task.thread] = r.correct;
        results[2 * task.thread + 1] = r.lossSum;
      } else {
        // A strategy's phase 0 starts a step.
        if (phase === 0) injectFault(task, steps, exit);
        part.run(phase, seen, Atomics.load(ctrl, CTRL.BATCH), Atomics.load(ctrl, CTRL.STEP));
        if (phase === 0) steps++;
      }
      Atomics.store(ctrl, CTRL.DONE + task.thread, seen);
      Atomics.notify(ctrl, CTRL.DONE + task.thread);
    }
  } catch (e) {
    Atomics.store(ctrl, CTRL.FAILED, task.thread + 1);
    throw e;
  }
}
