/** The mistakes on a data set, the most confident first. */
import { argmax } from '../engine/metrics.js';

export interface Mistake {
  index: number;
  label: number;
  predicted: number;
  confidence: number;
}

/** Every misclassified example, sorted by the confidence of its wrong prediction (highest first, then index). */
export function rankMistakes(probabilities: Float32Array, labels: ArrayLike<number>, classes: number): Mistake[] {
  const predicted = argmax(probabilities, labels.length, classes);
  const out: Mistake[] = [];
  for (let i = 0; i < labels.length; i++) {
    const p = predicted[i];
    if (p !== labels[i]) out.push({ index: i, label: labels[i], predicted: p, confidence: probabilities[i * classes + p] });
  }
  return out.sort((a, b) => b.confidence - a.confidence || a.index - b.index);
}
