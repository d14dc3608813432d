/** The messages between the page and its training worker. */

export type TrainableModel = 'softmax' | 'mlp' | 'cnn' | 'fast' | 'best';

export interface TrainRequest {
  type: 'train';
  model: TrainableModel;
  epochs: number;
  seed: number;
  /** auto (SIMD where the browser has it), simd or js. */
  kernels: string;
  /** false: SIMD without fused multiply-adds (the bits of Node 20, which has none). */
  fused: boolean;
  /** Threads: 1 trains in the training worker itself; more start a pool of Web Workers, as `--threads`. */
  threads: number;
}

interface StopRequest {
  type: 'stop';
}

export type ToWorker = TrainRequest | StopRequest;

export type FromWorker =
  | { type: 'status'; text: string }
  | { type: 'started'; kernels: string; description: string; stepsPerEpoch: number; threads: number }
  | { type: 'step'; epoch: number; step: number; stepsPerEpoch: number; loss: number }
  | { type: 'epoch'; epoch: number; cost: number; validationAccuracy: number | null; seconds: number }
  /** A trained model: its checkpoint bytes (what the download button saves) and its test accuracy. */
  | { type: 'done'; checkpoint: Uint8Array; epochs: number; validationAccuracy: number | null; testAccuracy: number; stopped: boolean }
  | { type: 'error'; message: string };
