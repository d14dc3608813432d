/** argmax, accuracy and the confusion matrix. */

/** Index of the largest value in each row (the first one on ties, as numpy and TensorFlow do). */
export function argmax(values: Float32Array, rows: number, cols: number, out = new Int32Array(rows)): Int32Array {
  for (let r = 0; r < rows; r++) {
    const off = r * cols;
    let best = 0;
    for (let j = 1; j < cols; j++) if (values[off + j] > values[off + best]) best = j;
    out[r] = best;
  }
  return out;
}

/** Fraction of predictions equal to the labels. */
export function accuracy(predicted: ArrayLike<number>, labels: ArrayLike<number>): number {
  if (predicted.length === 0) return 0;
  let hit = 0;
  for (let i = 0; i < predicted.length; i++) if (predicted[i] === labels[i]) hit++;
  return hit / predicted.length;
}

/** counts[true][predicted], as a classes × classes table. */
export function confusionMatrix(predicted: ArrayLike<number>, labels: ArrayLike<number>, classes: number): number[][] {
  const m = Array.from({ length: classes }, () => new Array<number>(classes).fill(0));
  for (let i = 0; i < predicted.length; i++) m[labels[i]][predicted[i]]++;
  return m;
}
