/**
 * An exponential moving average of a model's parameters (`--ema`): after every step
 * a ← d·a + (1 − d)·p, from a = 0, read bias-corrected as a/(1 − dᵗ) as Adam reads its moments,
 * so that no starting copy of the weights is needed. With it on, the average is the model that is
 * evaluated and saved; the weights being trained and the accumulator travel beside the
 * optimiser's own state in the checkpoint (`optimizer.trained.*`, `optimizer.average.*`), so that a
 * resume continues exactly. Batch normalisation's
 * running statistics are the trained model's: they are not averaged.
 */
import { OptionError } from '../engine/errors.js';
import type { Sequential } from '../engine/model/sequential.js';

/** The optimiser-state keys under which a checkpoint keeps the trained weights and the accumulator. */
export const TRAINED_KEY = 'trained';
export const AVERAGE_KEY = 'average';

export class WeightAverage {
  /** `steps`: the steps averaged so far (a resumed run's). */
  constructor(readonly decay: number, readonly accumulator: Float32Array, public steps = 0) {
    if (!(decay > 0 && decay < 1)) throw new OptionError(`ema: ${decay}, expected a decay above 0 and below 1`);
  }

  static of(model: Sequential, decay: number): WeightAverage {
    return new WeightAverage(decay, new Float32Array(model.paramCount));
  }

  /** One step's parameters into the average. */
  update(params: Float32Array): void {
    const a = this.accumulator;
    const d = this.decay;
    for (let i = 0; i < a.length; i++) a[i] = d * a[i] + (1 - d) * params[i];
    this.steps++;
  }

  /** The averaged weights, into `out`. Before any step, there is no average: `out` is left alone. */
  averageInto(out: Float32Array): void {
    if (this.steps === 0) return;
    const correction = 1 - this.decay ** this.steps;
    for (let i = 0; i < out.length; i++) out[i] = this.accumulator[i] / correction;
  }

  /**
   * Runs `read` with the average in the model's parameters (given the trained weights), then puts
   * the trained weights back. `written` is called after each write, for a pool to refresh its
   * threads' copies (GradientBackend.paramsWritten).
   */
  async withAverage<T>(model: Sequential, read: (trained: Float32Array) => Promise<T>, written?: () => void): Promise<T> {
    const trained = model.params.slice();
    this.averageInto(model.params);
    written?.();
    try {
      return await read(trained);
    } finally {
      model.params.set(trained);
      written?.();
    }
  }

  /** What to save beside the optimiser's state when the average is the saved model: the trained weights and the accumulator. */
  checkpointState(trained: Float32Array): Record<string, Float32Array> {
    return { [TRAINED_KEY]: trained, [AVERAGE_KEY]: this.accumulator };
  }
}

/**
 * A checkpoint's optimiser state split into the optimiser's own and, for a run with an average,
 * the trained weights and the accumulator.
 */
export function splitAverageState(state: Record<string, Float32Array>): { optimizer: Record<string, Float32Array>; trained?: Float32Array; accumulator?: Float32Array } {
  const { [TRAINED_KEY]: trained, [AVERAGE_KEY]: accumulator, ...optimizer } = state;
  return { optimizer, trained, accumulator };
}
