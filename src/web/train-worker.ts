/**
 * Trains the tutorial's softmax regression (or the MLP, or the cnn, fast or best CNN) in a Web Worker,
 * with the engine's own training loop and the recipe of `mnist-ts train --model
 * softmax|mlp|cnn|fast|best --threads N`: on more than one thread, on the same pool as in Node
 * (src/train/pool) with Web Workers as its host. The same seed and thread count give the same
 * model as in Node on the same kernels. Reports each step and epoch, and sends the trained model as
 * checkpoint bytes that `mnist-ts evaluate` reads. (No preset keeps an average of the weights, so
 * neither does this.)
 */
import { kernelsFor, resolveKernelPath, type KernelSet } from '../engine/kernels/kernel-select.js';
import { makeOptimizer } from '../engine/optim/optimizers.js';
import { DEFAULT_VALIDATION_SIZE } from '../data/dataset.js';
import { encodeCheckpoint, type EpochRecord, type TrainingConfig } from '../train/checkpoint.js';
import { evaluateData } from '../train/evaluate-data.js';
import { buildModel, defaultInit, recipeFor, scheduleInSteps, SHARED_DEFAULTS } from '../train/recipes.js';
import { csrFromSplit } from '../train/training-data.js';
import { stepsPerEpoch, train, type TrainState } from '../train/trainer.js';
import type { PoolHost } from '../train/pool/pool-backend.js';
import { chooseBackend } from '../train/choose-backend.js';
import { fetchMnist } from './mnist-fetch.js';
import { webWorkerHost } from './web-pool-host.js';
import { kernelsLabel } from './kernels-label.js';
import type { FromWorker, ToWorker, TrainRequest } from './train-protocol.js';

const scope = self as unknown as { postMessage(message: FromWorker, transfer?: Transferable[]): void; onmessage: ((e: MessageEvent<ToWorker>) => void) | null };
const post = (message: FromWorker, transfer: Transferable[] = []) => scope.postMessage(message, transfer);

interface WholeEpoch {
  params: Float32Array;
  running: Float32Array;
  state: Record<string, Float32Array>;
  sampler: TrainState['sampler'];
}

let stopRequested = false;
let running = false;

async function run(request: TrainRequest): Promise<void> {
  const kernels = kernelsFor(resolveKernelPath(request.kernels), undefined, { fused: request.fused });
  // The pool's workers start now, and load the engine while MNIST arrives.
  const host = request.threads > 1 ? webWorkerHost(request.threads) : null;
  try {
    await trainModel(request, kernels, host);
  } finally {
    await host?.destroy();
  }
}

/** What `mnist-ts train --model X --epochs N` records: the recipe, its schedule fixed in steps. */
function trainingConfig(request: TrainRequest, examples: number, kernels: KernelSet['path']): TrainingConfig {
  const recipe = recipeFor(request.model);
  return {
    model: request.model, optimizer: recipe.optimizer, lr: recipe.lr, momentum: SHARED_DEFAULTS.momentum, batchSize: recipe.batchSize,
    init: defaultInit(request.model), initStd: SHARED_DEFAULTS.initStd, validationSize: DEFAULT_VALIDATION_SIZE, epochs: request.epochs, augmentShift: recipe.augmentShift,
    schedule: scheduleInSteps({ name: recipe.schedule, warmup: recipe.warmup }, request.epochs, stepsPerEpoch(examples, recipe.batchSize)), kernels,
    ...(recipe.labelSmoothing ? { labelSmoothing: recipe.labelSmoothing } : {}),
    ...(recipe.betas ? { beta1: recipe.betas[0], beta2: recipe.betas[1] } : {}),
  };
}

async function trainModel(request: TrainRequest, kernels: KernelSet, host: PoolHost | null): Promise<void> {
  post({ type: 'status', text: 'fetching MNIST…' });
  const mnist = await fetchMnist(DEFAULT_VALIDATION_SIZE);
  const data = csrFromSplit(mnist.train, mnist.classes, kernels.allocator);
  const validation = csrFromSplit(mnist.validation, mnist.classes, kernels.allocator);
  const config = trainingConfig(request, data.count, kernels.path);
  const steps = stepsPerEpoch(data.count, config.batchSize);
  const { model, description } = buildModel({ model: request.model, hidden: SHARED_DEFAULTS.hidden, init: config.init, initStd: config.initStd }, mnist.train.rows, mnist.train.cols, mnist.classes, kernels);
  model.initialize(request.seed);
  const optimizer = makeOptimizer(config.optimizer, config.lr, config.momentum, { schedule: config.schedule, beta1: config.beta1, beta2: config.beta2 });
  const shift = config.augmentShift ?? 0;
  const augment = shift > 0 ? { shift, channels: 1, height: mnist.train.rows, width: mnist.train.cols } : undefined;
  // As createBackend in Node: a pool is given the validation set, and splits its evaluation.
  const backend = chooseBackend(model, data, optimizer, {
    threads: request.threads, maxBatch: config.batchSize, seed: request.seed, augment, labelSmoothing: config.labelSmoothing, evaluation: [validation], host: () => host!, // started in run() for more than 1 thread
  });
  post({ type: 'started', kernels: kernelsLabel(kernels), description, stepsPerEpoch: steps, threads: request.threads });
  const history: EpochRecord[] = [];
  // The model as its last whole epoch left it: what Stop keeps (the unfinished epoch is dropped).
  const last: { whole: WholeEpoch | null } = { whole: null };
  let lastStepPost = 0;
  const result = await train(model, data, {
    epochs: request.epochs, batchSize: config.batchSize, seed: request.seed, optimizer, validation, backend,
    shouldStop: () => stopRequested,
    onStep: (s) => {
      const now = performance.now();
      if (now - lastStepPost < 50 && s.step !== s.stepsPerEpoch) return;
      lastStepPost = now;
      post({ type: 'step', epoch: s.epoch, step: s.step, stepsPerEpoch: s.stepsPerEpoch, loss: s.loss });
    },
    onEpoch: (e, state) => {
      const copies = Object.entries(optimizer.state()).map(([k, v]) => [k, v.slice()]);
      last.whole = { params: model.params.slice(), running: model.runningStats.slice(), state: Object.fromEntries(copies), sampler: state.sampler };
      history.push({ epoch: e.epoch, cost: e.cost, validationAccuracy: e.validationAccuracy ?? null });
      post({ type: 'epoch', epoch: e.epoch, cost: e.cost, validationAccuracy: e.validationAccuracy ?? null, seconds: e.seconds });
    },
  });
  await backend.close();
  const epochs = result.state.epochsDone;
  const kept = last.whole;
  if (epochs === 0 || !kept) {
    post({ type: 'status', text: 'stopped before the first epoch ended: nothing to keep' });
    return;
  }
  model.params.set(kept.params);
  model.runningStats.set(kept.running);
  const testAccuracy = evaluateData(model, csrFromSplit(mnist.test, mnist.classes, kernels.allocator)).accuracy;
  const checkpoint = encodeCheckpoint(model, kept.state, {
    training: { ...config, epochs }, epochsCompleted: epochs, seed: request.seed, sampler: kept.sampler,
    metrics: { epochs: history, testAccuracy }, optimizer: optimizer.name,
  });
  post({ type: 'done', checkpoint, epochs, validationAccuracy: history.at(-1)?.validationAccuracy ?? null, testAccuracy, stopped: result.stopped }, [checkpoint.buffer]);
}

scope.onmessage = (e) => {
  const message = e.data;
  if (message.type === 'stop') {
    stopRequested = true;
    return;
  }
  if (running) return;
  running = true;
  stopRequested = false;
  run(message)
    .catch((error: unknown) => post({ type: 'error', message: error instanceof Error ? error.message : String(error) }))
    .finally(() => { running = false; });
};
