/**
 * Training on a pool of threads: the pool's lifecycle (start, step, evaluate, fail, close). How a
 * step is split across the threads is its strategy's (strategies.ts): the first in the list that
 * fits the model and data. Each worker runs one long task for the whole run (worker-loop.ts) and
 * is driven through shared memory (control.ts), since a message a step would cost more than a
 * fast step itself. Who starts the workers is the host's: Piscina in Node (src/node), Web Workers
 * in a page (src/web); this file is the same for both.
 */
import { MnistTsError } from '../../engine/errors.js';
import type { Optimizer } from '../../engine/optim/optimizers.js';
import type { Sequential } from '../../engine/model/sequential.js';
import { fromPartial, type GradientBackend } from '../gradient-backend.js';
import type { TrainingData } from '../training-data.js';
import { evaluateRange } from '../evaluate-data.js';
import { evenRange } from '../even-range.js';
import type { StepSettings } from '../batch-gradient.js';
import { COMMAND_STOP, CTRL, POOL_PHASE, controlWords, strategyWords } from './control.js';
import { SpinPolicy } from './spin-policy.js';
import { pickStrategy } from './strategies.js';
import type { Part, Phases } from './strategy.js';
import { toTask, type InjectedFault, type WorkerResult, type WorkerTask } from './task.js';
import { waitUntil } from './wait.js';
import { mainModel, sharedState } from './pool-setup.js';

/** Where the workers come from: Piscina in Node, Web Workers in a page. */
export interface PoolHost {
  /** Runs `task` on a worker of its own (worker-loop.ts's runWorker there); settles when it returns or fails. */
  run(task: WorkerTask): Promise<WorkerResult>;
  /** Ends the workers, whether or not their tasks have settled. */
  destroy(): Promise<void>;
  /** The cores the host sees (a pool with more threads than cores does not spin). */
  readonly cores: number;
  /** The process's CPU time so far, all threads, in milliseconds, where the host can tell (SpinPolicy's reading). */
  cpuMs?: () => number;
  /** Lets the host's event loop run once, so that it can report a worker that died. */
  yieldToEvents(): Promise<void>;
}

/** A worker failed; training stopped and the pool was shut down. */
export class WorkerError extends MnistTsError {
  override name = 'WorkerError';
}

export interface PoolOptions {
  threads: number;
  host: PoolHost;
  maxBatch: number;
  /** Milliseconds a waiting thread spins before it sleeps (default: 5, or 0 with more threads than cores); SpinPolicy drops it to 0 while the cores are shared. */
  spinMs?: number;
  /** false: keep spinning whatever else takes the cores (for benchmarks). Default true where the host can read CPU time. */
  adaptSpin?: boolean;
  /** For tests only: make a worker throw, exit or stall at a step. */
  testFault?: InjectedFault;
  /** Pieces a thread's range of a batch is cut into, for the data-parallel strategy (default: its choice for the model). */
  piecesPerThread?: number;
  /** Seed (and augmentation) of dropout masks and shifts. */
  stepSettings?: StepSettings;
  /** Data sets `evaluate` may be asked for, which the threads then split; any other set is evaluated on this thread. */
  evaluation?: TrainingData[];
}

/** How often a long wait lets the event loop run (to hear of a dead worker). */
const YIELD_MS = 20;

/**
 * The longest a failed run waits for its workers' tasks to end, so that the worker's own error is
 * what is reported; only a worker that stopped answering reaches it.
 */
const FAILED_TASKS_WAIT_MS = 10_000;

/** Waits until every task has settled, or `ms` at most; the timer is cleared, so it keeps no process alive. */
async function settledWithin(tasks: Promise<unknown>[], ms: number): Promise<void> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    await Promise.race([Promise.allSettled(tasks), new Promise((r) => (timer = setTimeout(r, ms)))]);
  } finally {
    clearTimeout(timer);
  }
}

export class PoolBackend implements GradientBackend {
  readonly threads: number;
  /** The strategy that splits this model's steps (its name in strategies.ts). */
  readonly strategy: string;
  /** How long waits spin: adapted to whether the threads get their cores. */
  readonly spin: SpinPolicy;
  private readonly host: PoolHost;
  /** The host's CPU clock, which the spin adapts by; none: the spin stays as set (no clock, or adaptSpin false). */
  private readonly adaptCpuMs: (() => number) | undefined;
  private readonly ctrl: Int32Array;
  private readonly indices: Int32Array;
  private readonly results: Float64Array;
  private readonly evaluation: TrainingData[];
  private readonly part: Part;
  private readonly tasks: Promise<WorkerResult | void>[];
  private failure: { thread: number; error: Error } | null = null;
  private closed = false;
  private steps = 0;
  /** Whether the last step ran whole, leaving the buffers as the next needs them: not before the first, nor after a failure. */
  private clean = false;

  constructor(private readonly model: Sequential, data: TrainingData, readonly optimizer: Optimizer, o: PoolOptions) {
    if (!(o.threads >= 2)) throw new MnistTsError(`PoolBackend: ${o.threads} threads, expected 2 or more (1 runs in-process)`);
    const state = sharedState(model, optimizer, o.maxBatch);
    this.threads = o.threads;
    this.host = o.host;
    this.spin = new SpinPolicy(o.threads, o.spinMs ?? (o.threads <= o.host.cores ? 5 : 0));
    this.adaptCpuMs = (o.adaptSpin ?? true) ? o.host.cpuMs : undefined;
    this.evaluation = o.evaluation ?? [];
    // With SIMD kernels, everything the workers' kernels touch lives in the model's kernel memory.
    const memory = model.kernels.memory ?? undefined;
    const stepSettings = o.stepSettings ?? { seed: 0 };
    const floats = (length: number) => (memory ? memory.f32(length) : new Float32Array(new SharedArrayBuffer(length * 4)));
    const { strategy, plan } = pickStrategy({ model, data, threads: o.threads, maxBatch: o.maxBatch, stepSettings, piecesPerThread: o.piecesPerThread, floats });
    this.strategy = strategy.name;
    const control = new SharedArrayBuffer(controlWords(o.threads, plan.wordCount) * 4);
    const indices = new SharedArrayBuffer(o.maxBatch * 4);
    const results = new SharedArrayBuffer(o.threads * 16);
    this.ctrl = new Int32Array(control);
    this.indices = new Int32Array(indices);
    this.results = new Float64Array(results);
    this.publishSpin();
    this.part = strategy.part({
      thread: 0, threads: o.threads, ctrl: this.ctrl, firstWord: strategyWords(o.threads), indices: this.indices, data, stepSettings,
      kernels: model.kernels, optimizer, optimizerConfig: optimizer.config(), state, model: (p, g) => mainModel(model, p, g),
    }, plan.buffers);
    // Made before the workers are taken: a buffer that cannot travel is refused with no worker started.
    const common = {
      threads: o.threads, layers: model.spec(), kernelMemory: memory?.memory, fused: model.kernels.fused, strategy: strategy.name, buffers: toTask(plan.buffers, memory),
      data: toTask(data, memory), evaluation: this.evaluation.map((d) => toTask(d, memory)), control, indices, results,
      optimizer: optimizer.config(), optimizerState: toTask(state, memory), stepSettings, fault: o.testFault, statistics: toTask({ running: model.runningStats, batch: model.batchStats.values }, memory),
    };
    this.tasks = Array.from({ length: o.threads - 1 }, (_, w) => this.start({ ...common, thread: w + 1 }));
  }

  private start(task: WorkerTask): Promise<WorkerResult | void> {
    return this.host.run(task).catch((error: Error) => {
      this.failure ??= { thread: task.thread, error };
    });
  }

  /** Tells the workers the policy's current budget. */
  private publishSpin(): void {
    Atomics.store(this.ctrl, CTRL.SPIN_US, Math.round(this.spin.budgetMs * 1000));
  }

  /** Refuses to go on after a failure, or once closed: the workers are gone, or may be mid-phase. */
  private check(): void {
    if (this.closed) throw new MnistTsError('PoolBackend: closed');
    if (this.failure || Atomics.load(this.ctrl, CTRL.FAILED) !== 0) this.fail();
  }

  private fail(): never {
    const f = this.failure;
    const thread = f?.thread ?? Atomics.load(this.ctrl, CTRL.FAILED) - 1;
    const why = f ? f.error.message.split('\n')[0] : 'it stopped answering';
    throw new WorkerError(`training stopped: worker ${thread} failed at step ${this.steps + 1}: ${why}`);
  }

  /** What the strategy's main-thread part drives the workers with. */
  private readonly phases: Phases = {
    start: (phase) => {
      Atomics.store(this.ctrl, CTRL.PHASE, phase);
      const seq = Atomics.add(this.ctrl, CTRL.SEQ, 1) + 1;
      Atomics.notify(this.ctrl, CTRL.SEQ);
      return seq;
    },
    wait: (seq, firstWord) => this.waitFor(seq, firstWord),
  };

  /**
   * Waits until every worker w has written `seq` into word `firstWord + w`, letting the event loop
   * run now and then so that the host can report a worker that died (a dead thread never writes).
   */
  private async waitFor(seq: number, firstWord: number = CTRL.DONE): Promise<void> {
    const ctrl = this.ctrl;
    const pending = () => {
      if (Atomics.load(ctrl, CTRL.FAILED) !== 0) return -1;
      for (let w = 1; w < this.threads; w++) if (Atomics.load(ctrl, firstWord + w) !== seq) return firstWord + w;
      return -1;
    };
    const startedAt = performance.now();
    while (!waitUntil(ctrl, pending, { sleepMs: 1, startedAt, giveUpAt: performance.now() + YIELD_MS })) {
      await this.host.yieldToEvents();
      if (this.failure) this.fail();
    }
    if (Atomics.load(ctrl, CTRL.FAILED) !== 0) {
      await settledWithin(this.tasks, FAILED_TASKS_WAIT_MS);
      this.fail();
    }
  }

  async step(indices: Int32Array, batch: number, t: number): Promise<number> {
    this.check();
    // The first step waits for the workers to start: no reading of how the cores are shared.
    if (this.steps > 0 && this.adaptCpuMs) this.spin.stepStarts(performance.now(), this.adaptCpuMs);
    // Between steps every worker waits, so the main thread may reset their buffers.
    if (!this.clean) this.part.reset();
    this.clean = false;
    this.indices.set(indices.subarray(0, batch));
    Atomics.store(this.ctrl, CTRL.BATCH, batch);
    Atomics.store(this.ctrl, CTRL.STEP, t);
    const loss = await this.part.step(this.phases, batch, t);
    this.model.batchStats.fold(batch);
    this.clean = true;
    if (this.steps > 0 && this.adaptCpuMs) {
      const mode = this.spin.waitMode;
      this.spin.stepEnds(performance.now(), this.adaptCpuMs);
      if (this.spin.waitMode !== mode) this.publishSpin();
    }
    this.steps++;
    return loss;
  }

  /** Brings model.params and the optimiser's state up to date where the threads keep parts of them. */
  async sync(): Promise<void> {
    this.check();
    await this.part.sync(this.phases);
  }

  /** The threads' copies are set from the model before the next step or evaluation. */
  paramsWritten(): void { this.clean = false; }

  /** Pieces the main thread computed that were a worker's own, over the run (data-parallel). */
  get piecesTakenOver(): number {
    return this.part.takenOver;
  }

  async evaluate(data: TrainingData): Promise<{ accuracy: number; loss: number }> {
    await this.sync();
    const set = this.evaluation.indexOf(data);
    if (set < 0) return fromPartial(evaluateRange(this.model, data, 0, data.count), data.count);
    // Before the first step the model's parameters may have been written since the workers' copies were set.
    if (!this.clean) this.part.reset();
    this.clean = true;
    Atomics.store(this.ctrl, CTRL.EVAL_SET, set);
    const seq = this.phases.start(POOL_PHASE.EVALUATE);
    const [start, end] = evenRange(data.count, this.threads, 0);
    const mine = evaluateRange(this.model, data, start, end);
    await this.waitFor(seq);
    // Added in thread order, so a thread count gives the same loss every time.
    const total = { correct: mine.correct, lossSum: mine.lossSum };
    for (let w = 1; w < this.threads; w++) {
      total.correct += this.results[2 * w];
      total.lossSum += this.results[2 * w + 1];
    }
    return fromPartial(total, data.count);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    // The model as the last step left it, for whoever reads it after training.
    if (!this.failure && Atomics.load(this.ctrl, CTRL.FAILED) === 0) await this.sync().catch(() => {});
    this.closed = true;
    Atomics.store(this.ctrl, CTRL.COMMAND, COMMAND_STOP);
    Atomics.add(this.ctrl, CTRL.SEQ, 1);
    Atomics.notify(this.ctrl, CTRL.SEQ);
    await settledWithin(this.tasks, 2000);
    await this.host.destroy();
  }
}
