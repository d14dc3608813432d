/** The mistakes on a data set, the most confident first. */

export interface Mistake {
  index: number;
  label: number;
  predicted: number;
  confidence: number;
}

/** Every misclassified example, sorted by the confidence of its wrong prediction (highest first, then index). */
export function rankMistakes(probabilities: Float32Array, labels: ArrayLike<number>, classes: number): Mistake[] {
  const out: Mistake[] = [];
  for (let i = 0; i < labels.length; i++) {
    let best = 0;
    for (let j = 1; j < classes; j++) if (probabilities[i * classes + j] > probabilities[i * classes + best]) best = j;
    if (best !== labels[i]) out.push({ index: i, label: labels[i], predicted: best, confidence: probabilities[i * classes + best] });
  }
  return out.sort((a, b) => b.confidence - a.confidence || a.index - b.index);
}
