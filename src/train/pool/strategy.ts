/**
 * A strategy is one way of splitting a training step across the pool's threads. Its file holds
 * all of it: which models it fits and the buffers the threads share (`plan`, on the main thread),
 * and one thread's part (`part`, made on the main thread and in each worker from the same
 * buffers): the main thread's `step`, which starts the step's phases, and a worker's `run`, its
 * work in each phase. The pool (src/node/pool-backend.ts) and the worker loop
 * (workers/gradient-worker.ts) know nothing else of it.
 */
import type { Sequential } from '../../engine/model/sequential.js';
import type { KernelSet } from '../../engine/kernels/kernel-set.js';
import type { Optimizer, OptimizerConfig } from '../../engine/optim/optimizers.js';
import type { TrainingData } from '../training-data.js';
import type { StepSettings } from '../batch-gradient.js';

/** What the main thread knows when it picks a strategy. */
export interface PoolPlan {
  model: Sequential;
  data: TrainingData;
  threads: number;
  /** The most examples a batch holds. */
  maxBatch: number;
  stepSettings: StepSettings;
  /** Pieces a thread's range of a batch is cut into, when a test or benchmark chooses (data-parallel). */
  piecesPerThread?: number;
  /** New zeroed floats that every thread can see: in the kernel memory with SIMD kernels, else in a SharedArrayBuffer. */
  floats(length: number): Float32Array;
}

/** A strategy's buffers for a pool, and how many control words of its own it needs. */
export interface Plan<B> {
  buffers: B;
  wordCount: number;
}

/** What a thread's part is made from, on the main thread (thread 0) and in each worker. */
export interface ThreadSetup {
  thread: number;
  threads: number;
  ctrl: Int32Array;
  /** The index of the first of the strategy's control words. */
  firstWord: number;
  /** The batch's example indices, written by the main thread before each step. */
  indices: Int32Array;
  data: TrainingData;
  stepSettings: StepSettings;
  kernels: KernelSet;
  /** This thread's optimiser, over the state every thread shares (`state`). */
  optimizer: Optimizer;
  optimizerConfig: OptimizerConfig;
  state: Record<string, Float32Array>;
  /** This thread's model over these parameters and gradients (its own when none are given); the main thread's is the model itself. */
  model(params: Float32Array, grads?: Float32Array): Sequential;
}

/** Starting phases and waiting for the workers, for a main thread's part. */
export interface Phases {
  /** Starts phase `phase` on every worker; returns its SEQ. */
  start(phase: number): number;
  /** Waits until every worker w has written `seq` into word `firstWord + w` (by default its DONE word). */
  wait(seq: number, firstWord?: number): Promise<void>;
}

/** One thread's part of a strategy. */
export interface Part {
  /** This thread's model (a worker evaluates its range of a data set on it). */
  readonly model: Sequential;
  /** Main thread: one step on the batch in `indices`; returns the batch's summed loss. */
  step(phases: Phases, batch: number, t: number): Promise<number>;
  /** Worker: its work in phase `phase` of a step (or of a sync), started as `seq`. */
  run(phase: number, seq: number, batch: number, t: number): void;
  /** Main thread, while the workers wait: every gradient buffer zeroed, every copy of the parameters set from the model. */
  reset(): void;
  /** Main thread: writes what the threads keep of the model and its optimiser state back into them. */
  sync(phases: Phases): Promise<void>;
  /** Work this thread took over from a slower one, over the run (data-parallel pieces; else 0). */
  readonly takenOver: number;
}

export interface Strategy<B = unknown> {
  readonly name: string;
  /** The buffers every thread shares, or undefined when this strategy does not fit the model and data. */
  plan(pool: PoolPlan): Plan<B> | undefined;
  part(thread: ThreadSetup, buffers: B): Part;
}
