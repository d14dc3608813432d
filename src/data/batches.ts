/**
 * Mini-batch order, following TensorFlow's DataSet.next_batch: the examples are shuffled at the
 * start of every epoch (the first included), each is visited exactly once per epoch, and a batch
 * that runs past the end of an epoch is filled from the start of the next one.
 *
 * Each epoch's permutation is derived from (seed, epoch) alone, so the whole state is two numbers
 * and a resumed run picks up exactly where it stopped.
 */
import { OptionError } from '../engine/errors.js';
import { Rng, mixSeed } from '../engine/rng.js';

export interface SamplerState {
  epoch: number;
  position: number;
}

/** The shuffled order of `count` examples in epoch `epoch` for `seed`. */
export function epochOrder(count: number, seed: number, epoch: number, out: Int32Array = new Int32Array(count)): Int32Array {
  for (let i = 0; i < count; i++) out[i] = i;
  new Rng(mixSeed(seed, epoch, 0x6f726472 /* "ordr" */)).shuffle(out);
  return out;
}

export class BatchSampler {
  readonly count: number;
  readonly seed: number;
  /** The current epoch's order. */
  readonly order: Int32Array;
  private _epoch = 0;
  private _position = 0;
  private readonly batch: Int32Array;

  constructor(count: number, seed: number, maxBatch: number, state: SamplerState = { epoch: 0, position: 0 }) {
    if (!(count > 0)) throw new OptionError(`batch sampler: ${count} examples, expected at least 1`);
    this.count = count;
    this.seed = seed;
    this.order = new Int32Array(count);
    this.batch = new Int32Array(maxBatch);
    this._epoch = state.epoch;
    this._position = state.position;
    epochOrder(count, seed, this._epoch, this.order);
  }

  get epoch(): number {
    return this._epoch;
  }

  get position(): number {
    return this._position;
  }

  getState(): SamplerState {
    return { epoch: this._epoch, position: this._position };
  }

  /**
   * Indices of the next `size` examples. The returned view is reused by the next call.
   * When the epoch ends mid-batch, the rest comes from the next epoch's shuffled order.
   */
  next(size: number): Int32Array {
    if (!(Number.isInteger(size) && size > 0 && size <= this.batch.length)) {
      throw new OptionError(`batch size ${size}, expected an integer from 1 to ${this.batch.length}`);
    }
    const out = this.batch.subarray(0, size);
    let filled = 0;
    while (filled < size) {
      if (this._position === this.count) {
        this._epoch++;
        this._position = 0;
        epochOrder(this.count, this.seed, this._epoch, this.order);
      }
      const take = Math.min(size - filled, this.count - this._position);
      out.set(this.order.subarray(this._position, this._position + take), filled);
      filled += take;
      this._position += take;
    }
    return out;
  }
}
