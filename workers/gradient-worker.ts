/**
 * A pool worker: one task per training run. It waits for the main thread to start a phase, does
 * its part (the gradients of the pieces of the batch it claims, each into its slab, and a
 * thread's pieces summed when it computed the last of them; the sum of the groups and the
 * optimiser's update over the chunks of the parameters it claims; or its share
 * of an evaluation; or, when the threads split the first layer by columns, one of that step's
 * three phases or a sync of its block into the model; or, when they split the model by hidden
 * units or by input rows, a whole step), and says it is done.
 * It returns only when told to stop.
 */
import { Sequential } from '../src/engine/model/sequential.js';
import { ShardGradient, shardRange } from '../src/train/shard.js';
import { claimOrder, computePieces } from '../src/train/pieces.js';
import { chunkWork, updateChunks } from '../src/train/slab-update.js';
import { awaitShares, COMMAND_STOP, CTRL, PHASE, shareWord, spreadRange, updateByChunks, type ResidentCsr, type SharedFloats, type WorkerResult, type WorkerTask } from '../src/train/protocol.js';
import { evaluateRange } from '../src/train/evaluate-data.js';
import { SimdKernels } from '../src/engine/kernels/kernel-select.js';
import { KernelMemory } from '../src/engine/wasm/kernel-memory.js';
import type { TrainingData } from '../src/train/training-data.js';
import { optimizerFromConfig } from '../src/engine/optim/optimizers.js';
import { FirstLayerColumns } from '../src/train/first-layer-columns.js';
import { HiddenUnitBlock } from '../src/train/hidden-unit-blocks.js';
import { InputRowBlock } from '../src/train/input-row-blocks.js';

export default function gradientWorker(task: WorkerTask | null): WorkerResult {
  // The no-op task: the pool only asks whether this module has loaded (src/node/worker-loaded.ts).
  if (task === null) return { steps: 0 };
  const ctrl = new Int32Array(task.control);
  const indices = new Int32Array(task.indices);
  const losses = new Float64Array(task.losses);
  // With SIMD kernels the worker runs the same kernels over the same kernel memory, and its own
  // scratch (activations, batches) comes from the same arena.
  const memory = task.kernelMemory ? new KernelMemory(task.kernelMemory) : undefined;
  const floats = (f: SharedFloats) => (f instanceof SharedArrayBuffer ? new Float32Array(f) : memory!.at(Float32Array, f.byteOffset, f.length));
  // In the data-parallel step this thread reads its own copy of the parameters (protocol.ts, spreadRange).
  const paramCopies = task.paramCopies?.map(floats) ?? [];
  const params = paramCopies.length > 0 ? paramCopies[task.shard] : floats(task.params);
  const slabs = task.slabs.map(floats);
  // Its own gradient buffer is the slab of its first piece (its shard's, when the threads split a layer).
  const order = claimOrder(task.threads, task.piecesPerThread, task.shard);
  const model = Sequential.fromSpec(task.layers, { params, grads: slabs[order[0]], kernels: memory ? new SimdKernels(memory) : undefined });
  // A data set whose nonzeros live in the kernel memory is viewed there, where the SIMD gather reads it.
  const view = (d: TrainingData, at?: ResidentCsr): TrainingData => memory && at && d.kind === 'bytes-csr'
    ? { ...d, rowPtr: memory.at(Int32Array, at.rowPtr.byteOffset, at.rowPtr.length), colIdx: memory.at(Uint16Array, at.colIdx.byteOffset, at.colIdx.length), values: memory.at(Uint8Array, at.values.byteOffset, at.values.length) }
    : d;
  const data = view(task.data, task.residentData);
  const evaluation = task.evaluation.map((e) => view(e.data, e.resident));
  const results = new Float64Array(task.results);
  const shard = new ShardGradient(model, data, task.randomness);
  const addInto = model.kernels.addInto.bind(model.kernels);
  const pieces = { ctrl, threads: task.threads, order, slabs, losses, add: addInto };
  // Its part in an update phase: its own chunks of the parameters first, summed into its group's slab.
  const chunks = chunkWork(ctrl, task.threads, slabs, task.shard, addInto);
  const optimizer = optimizerFromConfig(task.optimizer);
  optimizer.useKernels(model.kernels);
  const sharedState = Object.fromEntries(Object.entries(task.optimizerState).map(([k, b]) => [k, floats(b)]));
  optimizer.attachState(sharedState);
  // When the threads split the first layer by columns, this thread's block of it.
  const columns = task.columns
    ? new FirstLayerColumns(model, data, task.randomness, task.threads, task.shard, { H: task.columns.H.map(floats), dH: task.columns.dH.map(floats) }, task.optimizer, sharedState)
    : undefined;
  // When the threads split the model by hidden units or by input rows, this thread's part.
  const shares = task.logitShares?.shares.map((turns) => turns.map(floats));
  const byShares = !shares ? undefined : task.logitShares!.split === 'input-rows'
    ? new InputRowBlock(model, data, task.randomness, task.threads, task.shard, shares, task.logitShares!.cuts!, slabs[task.shard], optimizer)
    : new HiddenUnitBlock(model, data, task.randomness, task.threads, task.shard, shares, task.optimizer, sharedState);
  const injectFault = () => {
    if (task.fault && task.fault.shard === task.shard && task.fault.step === steps) {
      if (task.fault.mode === 'stall') return void Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 50);
      if (task.fault.mode === 'exit') process.exit(3);
      throw new Error(`injected fault at step ${steps}`);
    }
  };
  // SEQ starts at 0 and the main thread may already have started step 1 while this thread was
  // starting up, so begin from 0 rather than from the current value.
  let seen = 0;
  let steps = 0;
  try {
    for (;;) {
      // Spin first: the next step usually starts within microseconds, and waking from
      // Atomics.wait costs tens of them. Sleep once a wait has run past the budget the main
      // thread sets (between epochs, say, while it evaluates; at once when the cores are shared).
      let spins = 0;
      let since = 0;
      while (Atomics.load(ctrl, CTRL.SEQ) === seen) {
        if ((++spins & 1023) !== 0) continue;
        if (since === 0) since = performance.now();
        if (performance.now() - since >= Atomics.load(ctrl, CTRL.SPIN_US) / 1000) Atomics.wait(ctrl, CTRL.SEQ, seen, 100);
      }
      seen = Atomics.load(ctrl, CTRL.SEQ);
      if (Atomics.load(ctrl, CTRL.COMMAND) === COMMAND_STOP) return { steps };
      const phase = Atomics.load(ctrl, CTRL.PHASE);
      if (phase === PHASE.GRADIENTS) {
        // The gradients of the pieces this thread claims: its own, then any left.
        injectFault();
        computePieces(shard, pieces, indices, Atomics.load(ctrl, CTRL.BATCH), Atomics.load(ctrl, CTRL.STEP), seen);
        steps++;
      } else if (phase === PHASE.FIRST_FORWARD) {
        // This thread's block of the first layer's outputs, for the whole batch.
        injectFault();
        columns!.forward(indices, Atomics.load(ctrl, CTRL.BATCH), Atomics.load(ctrl, CTRL.STEP));
        steps++;
      } else if (phase === PHASE.UPPER) {
        // This shard through the layers above.
        const batch = Atomics.load(ctrl, CTRL.BATCH);
        const [start, end] = shardRange(batch, task.threads, task.shard);
        losses[task.shard] = columns!.upper(start, end, batch, Atomics.load(ctrl, CTRL.STEP));
      } else if (phase === PHASE.FIRST_BACKWARD) {
        // This block's gradient and update, then chunks of the layers above.
        const t = Atomics.load(ctrl, CTRL.STEP);
        columns!.backwardAndUpdate(Atomics.load(ctrl, CTRL.BATCH), t);
        updateByChunks(ctrl, params.length, slabs, addInto, (a, b) => optimizer.stepRange(params, slabs[0], a, b, t, true), columns!.upperStart);
      } else if (phase === PHASE.LOGIT_SHARES) {
        // This thread's share of the logits; once every thread's is in, its part's gradient and update.
        injectFault();
        const batch = Atomics.load(ctrl, CTRL.BATCH);
        const t = Atomics.load(ctrl, CTRL.STEP);
        byShares!.forward(indices, batch, t, seen & 1);
        const word = shareWord(task.threads, task.shard);
        Atomics.store(ctrl, word, seen);
        Atomics.notify(ctrl, word);
        if (awaitShares(ctrl, task.threads, seen)) byShares!.backwardAndUpdate(batch, t, seen & 1);
        steps++;
      } else if (phase === PHASE.SYNC) {
        (columns ?? byShares)!.store();
      } else if (phase === PHASE.UPDATE) {
        // Sum the groups and update the parameters, a chunk at a time: this thread's own, then any left.
        const t = Atomics.load(ctrl, CTRL.STEP);
        updateChunks(chunks, seen, (sum, a, b) => {
          optimizer.stepRange(params, sum, a, b, t, true);
          spreadRange(params, paramCopies, a, b);
        });
      } else {
        // This thread's share of a data set's evaluation.
        const set = evaluation[Atomics.load(ctrl, CTRL.EVAL_SET)];
        const [start, end] = shardRange(set.count, task.threads, task.shard);
        const r = evaluateRange(model, set, start, end);
        results[2 * task.shard] = r.correct;
        results[2 * task.shard + 1] = r.lossSum;
      }
      Atomics.store(ctrl, CTRL.DONE + task.shard, seen);
      Atomics.notify(ctrl, CTRL.DONE + task.shard); // wakes the main thread if it sleeps on this word
    }
  } catch (e) {
    Atomics.store(ctrl, CTRL.FAILED, task.shard + 1);
    throw e;
  }
}
