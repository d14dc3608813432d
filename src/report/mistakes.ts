/** The mistakes on a data set, the most confident first. */
import { argmax } from '../engine/model/metrics.js';

export interface Mistake {
  index: number;
  label: number;
  predicted: number;
  /** The probability of the wrong prediction. */
  confidence: number;
  /**
   * How far the wrong digit's score is ahead of the true digit's: logit[predicted] − logit[label]
   * (the log of their probability ratio). Tells mistakes apart where float32 confidences all
   * round to 1.
   */
  margin: number;
}

/**
 * Every misclassified example, the most confidently wrong first: by margin (then index). The
 * margin keeps ordering where float32 confidences have all rounded to 1. With `logits` the margin
 * is exact; from probabilities alone it is log(p_pred / p_label).
 */
export function rankMistakes(probabilities: Float32Array, labels: ArrayLike<number>, classes: number, logits?: Float32Array): Mistake[] {
  const predicted = argmax(probabilities, labels.length, classes);
  const out: Mistake[] = [];
  for (let i = 0; i < labels.length; i++) {
    const p = predicted[i];
    const t = labels[i];
    if (p === t) continue;
    const margin = logits ? logits[i * classes + p] - logits[i * classes + t] : Math.log(probabilities[i * classes + p] / probabilities[i * classes + t]);
    out.push({ index: i, label: t, predicted: p, confidence: probabilities[i * classes + p], margin });
  }
  return out.sort((a, b) => b.margin - a.margin || a.index - b.index);
}
