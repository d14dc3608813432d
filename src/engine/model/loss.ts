/**
 * Softmax and cross-entropy, fused and numerically stable.
 *
 * The tutorial computes mean(-Σ y·log(softmax(z))). With W ~ N(0, 1) the logits spread over ~80
 * units, exp underflows, log(0) = -Infinity, and about 1 seed in 20 ends in NaN. Here the loss is
 * log-sum-exp(z) − z_label with the maximum subtracted first, so nothing overflows or underflows
 * into an infinity; where the tutorial's value is finite, this one is the same. The gradient
 * of the fused pair is simply softmax(z) − onehot(label).
 */
import { ShapeError } from '../errors.js';

function rowMax(z: Float32Array, off: number, n: number): number {
  let max = -Infinity;
  for (let j = 0; j < n; j++) if (z[off + j] > max) max = z[off + j];
  return max;
}

/** Σ exp(z − max): every term is at most 1, so nothing overflows, and the largest is exactly 1. */
function sumExp(z: Float32Array, off: number, n: number, max: number): number {
  let sum = 0;
  for (let j = 0; j < n; j++) sum += Math.exp(z[off + j] - max);
  return sum;
}

/** One row's exp(z − max), kept (in float64) for the gradient, so each is computed once. */
let rowExps = new Float64Array(16);

/**
 * Loss summed over the batch (divide by `batch` for the mean). When `grad` is given, writes
 * d(loss)/d(logits) = scale·(softmax − onehot) into it; `scale` defaults to 1/batch (the gradient
 * of the mean). A thread computing one range of a larger batch passes 1/(whole batch), so that
 * the ranges' gradients add up to the gradient of the batch mean.
 */
export function softmaxCrossEntropy(logits: Float32Array, labels: ArrayLike<number>, batch: number, classes: number, grad?: Float32Array, scale = 1 / batch): number {
  if (logits.length !== batch * classes) throw new ShapeError(`softmaxCrossEntropy: logits have ${logits.length} values, expected [${batch}, ${classes}]`);
  if (labels.length < batch) throw new ShapeError(`softmaxCrossEntropy: ${labels.length} labels, expected ${batch}`);
  let total = 0;
  for (let r = 0; r < batch; r++) {
    const off = r * classes;
    const max = rowMax(logits, off, classes);
    if (rowExps.length < classes) rowExps = new Float64Array(classes);
    let sum = 0;
    for (let j = 0; j < classes; j++) sum += rowExps[j] = Math.exp(logits[off + j] - max);
    const label = labels[r];
    if (!(label >= 0 && label < classes)) throw new ShapeError(`softmaxCrossEntropy: label ${label} at row ${r}, expected 0..${classes - 1}`);
    const logSum = Math.log(sum);
    total += logSum - (logits[off + label] - max);
    if (grad) {
      const inv = 1 / sum;
      for (let j = 0; j < classes; j++) grad[off + j] = scale * (rowExps[j] * inv - (j === label ? 1 : 0));
    }
  }
  return total;
}

/** Row-wise softmax probabilities (max subtracted first). */
export function softmax(logits: Float32Array, batch: number, classes: number, out = new Float32Array(batch * classes)): Float32Array {
  for (let r = 0; r < batch; r++) {
    const off = r * classes;
    const max = rowMax(logits, off, classes);
    const sum = sumExp(logits, off, classes, max);
    for (let j = 0; j < classes; j++) out[off + j] = Math.exp(logits[off + j] - max) / sum;
  }
  return out;
}
