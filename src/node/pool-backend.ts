/**
 * Data-parallel training on a Piscina pool. With T threads the batch is cut into contiguous
 * pieces, one or a few per thread (pieces.ts), each with its gradient slab (piece 0's is the
 * model's own gradient buffer): every thread computes its own pieces, then takes over any that a
 * slower thread has not started, and a thread's pieces are summed into its group's slab. Then the
 * threads claim chunks of the parameters, their own first (slab-update.ts, protocol.ts's
 * updateChunk), and for each add the groups' slabs in group order (so a seed and a thread count
 * give bit-identical weights, whoever takes the chunk) and apply the optimiser there: the update
 * is parallel too. A model under SHARED_UPDATE_FROM parameters is updated by the main
 * thread alone, saving a hand-off. Each thread reads its own copy of the parameters (the main
 * thread the model's), and a thread that updates a range writes it into every copy
 * (spreadRange). A model with a wide dense first layer on sparse data splits that layer by
 * columns instead (first-layer-columns.ts), or, when it has just one hidden layer, splits the
 * whole model by hidden units (hidden-unit-blocks.ts): each thread keeps its block, and `sync`
 * writes the blocks back into the model before anything reads it. A model of one dense layer on
 * sparse data (the tutorial's) splits by input rows (input-row-blocks.ts): each thread updates its
 * rows in the model itself, and `sync` only waits for the last updates.
 *
 * Piscina owns the workers (start-up, errors, teardown); each worker runs one long task for the
 * whole run and is driven through shared memory (src/train/protocol.ts): a Piscina round trip
 * per step would add ~40 µs (measured here) to every step, against ~0.5 µs for a spin on shared
 * memory, and the faster the kernels get, the larger that share of a step becomes.
 */
import { availableParallelism } from 'node:os';
import { Piscina } from 'piscina';
import { MnistTsError } from '../engine/errors.js';
import type { Optimizer } from '../engine/optim/optimizers.js';
import type { Sequential } from '../engine/model/sequential.js';
import { fromPartial, type GradientBackend } from '../train/gradient-backend.js';
import type { TrainingData } from '../train/training-data.js';
import { evaluateRange } from '../train/evaluate-data.js';
import { SpinPolicy } from '../train/spin-policy.js';
import { COMMAND_STOP, CTRL, PHASE, controlWords, shareWord, sharesUpdate, spreadRange, updateByChunks, type InjectedFault, type MemoryRegion, type ResidentCsr, type SharedFloats, type WorkerResult, type WorkerTask } from '../train/protocol.js';
import type { KernelMemory } from '../engine/wasm/kernel-memory.js';
import { SimdKernels, type KernelSet } from '../engine/kernels/kernel-select.js';
import { ShardGradient, shardRange, type StepRandomness } from '../train/shard.js';
import { claimOrder, computePieces, piecesPerThread, type PieceWork } from '../train/pieces.js';
import { chunkCount, chunkWork, groupSlabs, resetGroups, sumGroupsInto, updateChunks, type ChunkWork } from '../train/slab-update.js';
import { FirstLayerColumns, columnBlock, splitFirstLayer } from '../train/first-layer-columns.js';
import { HiddenUnitBlock, splitHiddenUnits } from '../train/hidden-unit-blocks.js';
import { columnCuts, InputRowBlock, splitInputRows } from '../train/input-row-blocks.js';
import type { LogitShareSplit } from '../train/logit-shares.js';
import { destroyWhenLoaded } from './worker-loaded.js';
import { workerModule } from './worker-files.js';

/** A worker failed; training stopped and the pool was shut down. */
export class WorkerError extends MnistTsError {
  override name = 'WorkerError';
}

export interface PoolOptions {
  threads: number;
  maxBatch: number;
  /**
   * Milliseconds a waiting thread spins before it sleeps while the threads have the cores to
   * themselves (default: 5, or 0 with more threads than cores); SpinPolicy drops it to 0 while
   * they share them.
   */
  spinMs?: number;
  /** false: keep spinning whatever else takes the cores (as before SpinPolicy; for benchmarks). Default true. */
  adaptSpin?: boolean;
  /** For tests only: make a worker throw, exit or stall at a step. */
  testFault?: InjectedFault;
  /** Pieces a thread's share of a batch is cut into (default: piecesPerThread's choice for the model); 1 when the threads split a layer. */
  piecesPerThread?: number;
  /** Seed (and augmentation) of dropout masks and shifts. */
  randomness?: StepRandomness;
  /**
   * Data sets `evaluate` may be asked for (validation, test), handed to the workers at the start
   * so that an evaluation is split across the threads; any other set is evaluated on this thread.
   */
  evaluation?: TrainingData[];
  /** Workers started earlier for this backend (GradientWorkers), which it takes over; else it starts its own. */
  workers?: GradientWorkers;
}

/**
 * A pool's workers started ahead of the backend that will drive them: they start and load the
 * engine (about 80 ms here) while the caller reads and prepares the data, instead of during the
 * first step. Hand them to the backend (PoolBackend's `workers` option), which then owns them;
 * `releaseUnused` destroys them when no backend took them (an error on the way, say), since live
 * workers would keep the process running.
 */
export class GradientWorkers {
  readonly pool: Piscina;
  private taken = false;

  constructor(readonly threads: number) {
    const workers = threads - 1;
    this.pool = new Piscina({ ...workerModule('gradient-worker'), minThreads: workers, maxThreads: workers, idleTimeout: 60_000 });
  }

  /** Destroys the pool, once its workers have loaded their module (worker-loaded.ts says why), or after LOAD_WAIT_MS. */
  async destroy(): Promise<void> {
    await destroyWhenLoaded(this.pool, this.threads - 1);
  }

  /** The pool, for the one backend that drives it. */
  take(threads: number): Piscina {
    if (this.taken) throw new MnistTsError('GradientWorkers: already taken by a backend');
    if (threads !== this.threads) throw new MnistTsError(`GradientWorkers: started for ${this.threads} threads, asked for ${threads}`);
    this.taken = true;
    return this.pool;
  }

  async releaseUnused(): Promise<void> {
    if (this.taken) return;
    this.taken = true;
    await this.destroy();
  }
}

/** How often a long wait lets the event loop run (to hear of a dead worker). */
const YIELD_MS = 20;
/**
 * Milliseconds a waiting thread spins before it sleeps. Spinning answers in under a microsecond
 * but only pays when every thread has a core: with more threads than cores a spinning thread
 * takes the core from one that is computing (measured: 4 threads on 2 cores ran 5x slower).
 * Other processes can take the cores too; SpinPolicy notices, and stops the spinning meanwhile.
 */
function spinBudget(threads: number): number {
  return threads <= availableParallelism() ? 5 : 0;
}

/**
 * Waits until every task has settled, or `ms` at most. The timer is cleared when the tasks win:
 * a pending timer would keep the process alive (it cost every 2-thread run 1.5 s at exit).
 */
async function settledWithin(tasks: Promise<unknown>[], ms: number): Promise<void> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    await Promise.race([Promise.allSettled(tasks), new Promise((r) => (timer = setTimeout(r, ms)))]);
  } finally {
    clearTimeout(timer);
  }
}

function region(a: ArrayBufferView & { length: number }): MemoryRegion {
  return { byteOffset: a.byteOffset, length: a.length };
}

/** Where a data set's nonzeros lie in the kernel memory, when all of them do. */
function residentRegions(memory: KernelMemory | undefined, data: TrainingData): ResidentCsr | undefined {
  if (!memory || data.kind !== 'bytes-csr' || !(memory.holds(data.rowPtr) && memory.holds(data.colIdx) && memory.holds(data.values))) return undefined;
  return { rowPtr: region(data.rowPtr), colIdx: region(data.colIdx), values: region(data.values) };
}

/** The process's CPU time so far, all threads, in milliseconds. */
function processCpuMs(): number {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1000;
}

function sharedBuffer(bytes: number): SharedArrayBuffer {
  return new SharedArrayBuffer(bytes);
}

export class PoolBackend implements GradientBackend {
  readonly threads: number;
  private readonly workers: GradientWorkers;
  private readonly pool: Piscina;
  private readonly ctrl: Int32Array;
  private readonly indices: Int32Array;
  private readonly losses: Float64Array;
  private readonly results: Float64Array;
  private readonly model: Sequential;
  private readonly evaluation: TrainingData[];
  /** Every piece's gradient slab; slabs[0] is the model's own gradient buffer. */
  private readonly slabs: Float32Array[];
  /** The main thread's part in a gradients phase: its claim order over the pieces, their slabs and losses. */
  private readonly pieces: PieceWork;
  /** The main thread's part in an update phase (slab-update.ts), when the threads share the update. */
  private readonly chunks?: ChunkWork;
  /** Each thread's group slab, where its pieces' gradients are summed (slab-update.ts). */
  private readonly groups: Float32Array[];
  /** Pieces the main thread has computed that were a worker's own, over the run. */
  piecesTakenOver = 0;
  private readonly tasks: Promise<WorkerResult | void>[];
  private readonly main: ShardGradient;
  private readonly params: Float32Array;
  /**
   * In the data-parallel step, every thread's copy of the parameters (protocol.ts, spreadRange):
   * the model's own first, then each worker's. Empty when the threads split the model otherwise.
   */
  private readonly paramCopies: Float32Array[] = [];
  private failure: { shard: number; error: Error } | null = null;
  private closed = false;
  private steps = 0;
  /** Whether every slab is known to be zero: after a whole step (the update clears them), not before the first. */
  private slabsClear = false;
  /** How long waits spin: adapted to whether the threads get their cores (process CPU time against wall time). */
  readonly spin: SpinPolicy;
  private readonly adaptSpin: boolean;
  /** The kernels' addInto, bound once rather than every step. */
  private readonly addInto: KernelSet['addInto'];
  /** When the threads split the first layer by columns: this thread's block (first-layer-columns.ts). */
  private readonly columns?: FirstLayerColumns;
  /** When the threads split the model by hidden units or by input rows: this thread's part (logit-shares.ts). */
  private readonly byShares?: LogitShareSplit;
  /** Whether the threads' parts (columns, hidden units, input rows) have changed since the model last had them all. */
  private blocksAhead = false;

  constructor(model: Sequential, data: TrainingData, readonly optimizer: Optimizer, o: PoolOptions) {
    if (!(o.threads >= 2)) throw new MnistTsError(`PoolBackend: ${o.threads} threads, expected 2 or more (1 runs in-process)`);
    if (!(model.params.buffer instanceof SharedArrayBuffer) || !(model.grads.buffer instanceof SharedArrayBuffer)) {
      throw new MnistTsError('PoolBackend: the model parameters must live in a SharedArrayBuffer');
    }
    optimizer.useKernels(model.kernels);
    const state = optimizer.ensureState(model.paramCount);
    for (const [key, buf] of Object.entries(state)) {
      if (!(buf.buffer instanceof SharedArrayBuffer)) throw new MnistTsError(`PoolBackend: optimizer state '${key}' must live in a SharedArrayBuffer`);
    }
    this.threads = o.threads;
    // A model whose threads split a layer between them has one piece (shard) a thread.
    const randomness = o.randomness ?? { seed: 0 };
    const rows = splitInputRows(model, data, o.threads, randomness);
    const units = rows ? undefined : splitHiddenUnits(model, data, o.threads);
    const split = rows || units ? undefined : splitFirstLayer(model, data, o.threads);
    const perThread = rows || units || split ? 1 : (o.piecesPerThread ?? piecesPerThread(model, o.threads, o.maxBatch));
    if (!(Number.isInteger(perThread) && perThread >= 1)) throw new MnistTsError(`PoolBackend: ${perThread} pieces a thread, expected a whole number from 1`);
    const pieces = o.threads * perThread;
    const shared = sharesUpdate(model.paramCount, o.threads);
    const chunks = shared ? chunkCount(model.paramCount, o.threads) : 0;
    this.addInto = model.kernels.addInto.bind(model.kernels);
    this.spin = new SpinPolicy(o.threads, o.spinMs ?? spinBudget(o.threads));
    this.adaptSpin = o.adaptSpin ?? true;
    const control = sharedBuffer(controlWords(o.threads, pieces, chunks) * 4);
    const indices = sharedBuffer(o.maxBatch * 4);
    const losses = sharedBuffer(pieces * 8);
    const results = sharedBuffer(o.threads * 16);
    this.results = new Float64Array(results);
    this.model = model;
    this.evaluation = o.evaluation ?? [];
    this.ctrl = new Int32Array(control);
    this.publishSpin();
    this.indices = new Int32Array(indices);
    this.losses = new Float64Array(losses);
    this.params = model.params;
    this.main = new ShardGradient(model, data, randomness);
    const workers = o.threads - 1;
    // With SIMD kernels, everything the workers' kernels touch lives in the model's kernel memory.
    const memory = model.kernels instanceof SimdKernels ? model.kernels.allocator : undefined;
    const newSlab = () => (memory ? memory.f32(model.paramCount) : new Float32Array(sharedBuffer(model.paramCount * 4)));
    this.slabs = [model.grads, ...Array.from({ length: pieces - 1 }, newSlab)];
    this.pieces = { ctrl: this.ctrl, threads: o.threads, order: claimOrder(o.threads, perThread, 0), slabs: this.slabs, losses: this.losses, add: this.addInto };
    this.groups = groupSlabs(this.slabs, o.threads);
    if (shared) this.chunks = chunkWork(this.ctrl, o.threads, this.slabs, 0, this.addInto);
    const shareable = (a: Float32Array): SharedFloats => (memory ? { byteOffset: a.byteOffset, length: a.length } : (a.buffer as SharedArrayBuffer));
    this.workers = o.workers ?? new GradientWorkers(o.threads);
    this.pool = this.workers.take(o.threads);
    const layers = model.spec();
    const slabBuffers = this.slabs.map(shareable);
    const newFloats = (length: number) => (memory ? memory.f32(length) : new Float32Array(sharedBuffer(length * 4)));
    let columnBuffers: WorkerTask['columns'];
    let shareBuffers: WorkerTask['logitShares'];
    if (rows || units) {
      // Two buffers a thread of its shares of the logits, used by turns.
      const classes = model.outputSize;
      const shares = Array.from({ length: o.threads }, () => [0, 1].map(() => newFloats(o.maxBatch * classes)));
      const cuts = rows && data.kind === 'bytes-csr' ? columnCuts(data, o.threads) : undefined;
      this.byShares = cuts ? new InputRowBlock(model, data, randomness, o.threads, 0, shares, cuts, this.slabs[0], optimizer) : new HiddenUnitBlock(model, data, randomness, o.threads, 0, shares, optimizer.config(), state);
      shareBuffers = { split: cuts ? 'input-rows' : 'hidden-units', shares: shares.map((turns) => turns.map(shareable)), cuts };
    } else if (split) {
      const block = (j: number) => { const [c0, c1] = columnBlock(split.outputs, o.threads, j); return o.maxBatch * (c1 - c0); };
      const newBlock = (j: number) => newFloats(block(j));
      const io = { H: Array.from({ length: o.threads }, (_, j) => newBlock(j)), dH: Array.from({ length: o.threads }, (_, j) => newBlock(j)) };
      this.columns = new FirstLayerColumns(model, data, randomness, o.threads, 0, io, optimizer.config(), state);
      columnBuffers = { H: io.H.map(shareable), dH: io.dH.map(shareable) };
    }
    if (!rows && !units && !split) {
      this.paramCopies = [model.params, ...Array.from({ length: workers }, () => newFloats(model.paramCount))];
      this.refreshCopies();
    }
    const paramCopies = this.paramCopies.length > 0 ? this.paramCopies.map(shareable) : undefined;
    const optimizerState = Object.fromEntries(Object.entries(state).map(([k, v]) => [k, shareable(v)]));
    this.tasks = Array.from({ length: workers }, (_, w) => {
      const task: WorkerTask = {
        shard: w + 1,
        threads: o.threads,
        layers,
        data,
        control,
        indices,
        losses,
        piecesPerThread: perThread,
        params: shareable(model.params),
        paramCopies,
        slabs: slabBuffers,
        kernelMemory: memory?.memory,
        residentData: residentRegions(memory, data),
        evaluation: this.evaluation.map((d) => ({ data: d, resident: residentRegions(memory, d) })),
        columns: columnBuffers,
        logitShares: shareBuffers,
        results,
        optimizer: optimizer.config(),
        randomness,
        optimizerState,
        fault: o.testFault,
      };
      return (this.pool.run(task) as Promise<WorkerResult>).catch((error: Error) => {
        this.failure ??= { shard: w + 1, error };
      });
    });
  }

  /** The workers' copies of the parameters set to the model's (while they wait). */
  private refreshCopies(): void {
    for (const copy of this.paramCopies) if (copy !== this.params) copy.set(this.params);
  }

  /** Tells the workers the policy's current budget. */
  private publishSpin(): void {
    Atomics.store(this.ctrl, CTRL.SPIN_US, Math.round(this.spin.budgetMs * 1000));
  }

  /** The first worker whose word (at `words` + its shard) is not `seq` yet. */
  private firstBusy(seq: number, words: number): number {
    for (let w = 1; w < this.threads; w++) if (Atomics.load(this.ctrl, words + w) !== seq) return w;
    return 1;
  }

  private allDone(seq: number, words: number): boolean {
    for (let w = 1; w < this.threads; w++) if (Atomics.load(this.ctrl, words + w) !== seq) return false;
    return true;
  }

  private fail(): never {
    const f = this.failure;
    const shard = f?.shard ?? Atomics.load(this.ctrl, CTRL.FAILED) - 1;
    const why = f ? f.error.message.split('\n')[0] : 'it stopped answering';
    throw new WorkerError(`training stopped: worker ${shard} failed at step ${this.steps + 1}: ${why}`);
  }

  /** Starts a phase (one of PHASE) on every worker and returns its SEQ. */
  private startPhase(phase: number): number {
    Atomics.store(this.ctrl, CTRL.PHASE, phase);
    const seq = Atomics.add(this.ctrl, CTRL.SEQ, 1) + 1;
    Atomics.notify(this.ctrl, CTRL.SEQ);
    return seq;
  }

  /**
   * Waits until every worker has finished phase `seq` (or, with `words` their SHARE words, has
   * written its share of the logits in it): spin briefly (when every thread has a core of its
   * own), then sleep on the word of a worker still busy (it notifies), letting the event loop run
   * now and then so that Piscina can report a worker that died (a dead thread never writes).
   */
  private async waitFor(seq: number, words: number = CTRL.DONE): Promise<void> {
    const t0 = performance.now();
    let lastYield = t0;
    while (!this.allDone(seq, words)) {
      if (Atomics.load(this.ctrl, CTRL.FAILED) !== 0) {
        await settledWithin(this.tasks, 1000);
        this.fail();
      }
      const now = performance.now();
      if (now - t0 < this.spin.budgetMs) continue;
      const busy = words + this.firstBusy(seq, words);
      Atomics.wait(this.ctrl, busy, Atomics.load(this.ctrl, busy), 1);
      if (now - lastYield > YIELD_MS) {
        await new Promise((r) => setImmediate(r));
        lastYield = performance.now();
        if (this.failure) this.fail();
      }
    }
  }

  async step(indices: Int32Array, batch: number, t: number): Promise<number> {
    if (this.failure) this.fail();
    // The first step waits for the workers to start: no reading of how the cores are shared.
    if (this.steps > 0 && this.adaptSpin) this.spin.stepStarts(performance.now(), processCpuMs);
    // Between steps every worker waits, so the main thread may clear their slabs and, before the
    // first step or after a failed one, set their copies of the parameters to the model's.
    if (!this.slabsClear) {
      for (const slab of this.slabs) slab.fill(0);
      this.refreshCopies();
    }
    this.slabsClear = false;
    this.indices.set(indices.subarray(0, batch));
    Atomics.store(this.ctrl, CTRL.BATCH, batch);
    Atomics.store(this.ctrl, CTRL.STEP, t);
    const loss = this.byShares ? await this.stepByShares(this.byShares, batch, t) : this.columns ? await this.stepByColumns(this.columns, batch, t) : await this.stepByShards(batch, t);
    this.slabsClear = true;
    if (this.steps > 0 && this.adaptSpin) {
      const mode = this.spin.waitMode;
      this.spin.stepEnds(performance.now(), processCpuMs);
      if (this.spin.waitMode !== mode) this.publishSpin();
    }
    this.steps++;
    return loss;
  }

  /**
   * A step of hidden-unit-blocks.ts or input-row-blocks.ts: every thread its part of the model
   * for the whole batch, one hand-off of the logits' shares inside. The workers' gradients and
   * updates are theirs alone, so this returns without waiting for them: the next phase started waits.
   */
  private async stepByShares(part: LogitShareSplit, batch: number, t: number): Promise<number> {
    this.blocksAhead = true;
    const seq = this.startPhase(PHASE.LOGIT_SHARES);
    part.forward(this.indices, batch, t, seq & 1);
    const mine = shareWord(this.threads, 0);
    Atomics.store(this.ctrl, mine, seq);
    Atomics.notify(this.ctrl, mine);
    await this.waitFor(seq, mine);
    return part.backwardAndUpdate(batch, t, seq & 1);
  }

  /** A step of first-layer-columns.ts: the first layer by columns, the layers above by shards. */
  private async stepByColumns(columns: FirstLayerColumns, batch: number, t: number): Promise<number> {
    this.blocksAhead = true;
    const first = this.startPhase(PHASE.FIRST_FORWARD);
    columns.forward(this.indices, batch, t);
    await this.waitFor(first);
    const upper = this.startPhase(PHASE.UPPER);
    const [start, end] = shardRange(batch, this.threads, 0);
    let loss = columns.upper(start, end, batch, t);
    await this.waitFor(upper);
    for (let w = 1; w < this.threads; w++) loss += this.losses[w];
    Atomics.store(this.ctrl, CTRL.NEXT_CHUNK, 0);
    const update = this.startPhase(PHASE.FIRST_BACKWARD);
    columns.backwardAndUpdate(batch, t);
    updateByChunks(this.ctrl, this.params.length, this.slabs, this.addInto, (a, b) => this.optimizer.stepRange(this.params, this.slabs[0], a, b, t, true), columns.upperStart);
    await this.waitFor(update);
    return loss;
  }

  /**
   * Writes the first layer's blocks, and their optimiser state, back into the model, when the
   * threads split it by columns and have stepped since: before anything reads the model. The
   * trainer calls it at the end of every epoch; `evaluate` and `close` call it themselves.
   */
  async sync(): Promise<void> {
    const blocks = this.columns ?? this.byShares;
    if (!blocks || !this.blocksAhead) return;
    if (this.failure) this.fail();
    const seq = this.startPhase(PHASE.SYNC);
    blocks.store();
    await this.waitFor(seq);
    this.blocksAhead = false;
  }

  /** A data-parallel step: gradients by pieces, then the update by chunks (or by the main thread alone). */
  private async stepByShards(batch: number, t: number): Promise<number> {
    // Phase 1: gradients, the pieces claimed by the threads (the main thread's own first), each
    // thread's summed into its group's slab.
    resetGroups(this.ctrl, this.threads, this.slabs.length);
    const gradients = this.startPhase(PHASE.GRADIENTS);
    this.piecesTakenOver += computePieces(this.main, this.pieces, this.indices, batch, t, gradients);
    await this.waitFor(gradients);
    // Added in piece order, whoever computed them.
    let loss = 0;
    for (let p = 0; p < this.slabs.length; p++) loss += this.losses[p];
    // Phase 2: the threads sum the groups and update the parameters chunk by chunk, each its own
    // chunks first (slab-update.ts); a small model's update is the main thread's alone, with no phase.
    const update = (sum: Float32Array, a: number, b: number) => {
      this.optimizer.stepRange(this.params, sum, a, b, t, true);
      spreadRange(this.params, this.paramCopies, a, b);
    };
    if (this.chunks) {
      const seq = this.startPhase(PHASE.UPDATE);
      updateChunks(this.chunks, seq, update);
      await this.waitFor(seq);
    } else {
      update(sumGroupsInto(this.groups, 0, 0, this.params.length, this.addInto), 0, this.params.length);
    }
    return loss;
  }

  async evaluate(data: TrainingData): Promise<{ accuracy: number; loss: number }> {
    if (this.failure) this.fail();
    await this.sync();
    const set = this.evaluation.indexOf(data);
    if (set < 0) return fromPartial(evaluateRange(this.model, data, 0, data.count), data.count);
    // Before the first step the model's parameters may have been written since the workers'
    // copies were set (the library allows it), as step() knows.
    if (!this.slabsClear) this.refreshCopies();
    Atomics.store(this.ctrl, CTRL.EVAL_SET, set);
    const seq = this.startPhase(PHASE.EVALUATE);
    const [start, end] = shardRange(data.count, this.threads, 0);
    const mine = evaluateRange(this.model, data, start, end);
    await this.waitFor(seq);
    // Added in shard order, so a thread count gives the same loss every time.
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
    await this.workers.destroy();
  }
}
