/**
 * The benchmarks' training jobs, defined once: softmax is the tutorial's (SGD 0.01, batch 100);
 * mlp 784-256-10 (SGD 0.1, batch 100); cnn the `--model cnn` preset with its recipe's optimiser
 * and batch (Adam 0.002, batch 64, dropout; no shifts); mlp-dense the MLP on MNIST with a
 * background level added (every input nonzero).
 */
import type { Split } from '../src/data/dataset.js';
import { csrFromSplit, denseData, type TrainingData } from '../src/train/training-data.js';
import { pixelScale } from '../src/data/dataset.js';
import { Adam, cnn, mlp, sharedArray, softmaxRegression, SGD, type KernelSet, type Optimizer, type Sequential } from '../src/engine/index.js';

export const BENCH_MODELS = ['softmax', 'mlp', 'mlp-dense', 'cnn'];
export const BENCH_KERNELS = ['js', 'simd'];

export interface BenchJob {
  data: TrainingData;
  net: Sequential;
  optimizer: Optimizer;
  batchSize: number;
}

/**
 * MNIST's training images with a background level of 0.1 added to every pixel: data of MNIST's
 * shape that is not sparse at all, kept as float rows (the dense path end to end).
 */
function denseMnist(train: Split): TrainingData {
  const x = sharedArray(Float32Array, train.count * train.features);
  const scale = pixelScale();
  for (let i = 0; i < x.length; i++) x[i] = scale[train.pixels[i]] + 0.1;
  return denseData(x, train.labels, train.features, 10);
}

/** The job `model` on `kernels`, its model initialised with seed 0. As the CLI does, on the SIMD kernels the data set's nonzeros live in the kernel memory. */
export function benchJob(model: string, train: Split, kernels: KernelSet): BenchJob {
  if (!BENCH_MODELS.includes(model)) throw new Error(`bench: model ${model}, expected one of ${BENCH_MODELS.join(', ')}`);
  const data = model === 'mlp-dense' ? denseMnist(train) : csrFromSplit(train, 10, kernels.allocator);
  const net = model === 'cnn' ? cnn({}, { kernels }) : model.startsWith('mlp') ? mlp({ hidden: [256] }, { kernels }) : softmaxRegression({}, { kernels });
  net.initialize(0);
  const optimizer = model === 'cnn' ? new Adam(0.002) : new SGD(model.startsWith('mlp') ? 0.1 : 0.01);
  return { data, net, optimizer, batchSize: model === 'cnn' ? 64 : 100 };
}
