/**
 * What the model reads in an image: MNIST's preprocessing (src/data, the very code `mnist-ts
 * predict` runs after decoding) and the engine's inference, for one image at a time.
 */
import type { Sequential } from '../engine/model/sequential.js';
import { predictProbabilities } from '../engine/model/evaluate.js';
import { pixelScale } from '../data/dataset.js';
import { prepareDigit, type Gray } from '../data/preprocess.js';

export interface Reading {
  /** The 28×28 input as the model sees it: bytes, white ink on black. */
  input: Gray;
  probabilities: Float32Array;
  predicted: number;
  /** Whether the image was dark ink on light paper (then inverted, as MNIST's digits are light on dark). */
  inverted: boolean;
}

const scale = pixelScale();

/** Prepares `image` and predicts it. Throws a DataError naming `source` when it holds no digit. */
export async function readDigit(model: Sequential, image: Gray, source: string): Promise<Reading> {
  const prepared = await prepareDigit(image, source);
  return predictInput(model, prepared.image, prepared.inverted);
}

/** Predicts a prepared 28×28 input. */
function predictInput(model: Sequential, input: Gray, inverted = false): Reading {
  const x = new Float32Array(model.inputSize);
  for (let i = 0; i < x.length; i++) x[i] = scale[input.pixels[i]];
  const probabilities = predictProbabilities(model, x, 1);
  let predicted = 0;
  for (let d = 1; d < probabilities.length; d++) if (probabilities[d] > probabilities[predicted]) predicted = d;
  return { input, probabilities, predicted, inverted };
}
