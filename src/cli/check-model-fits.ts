/** A loaded model must fit the data it is given: one clear line when it does not. */
import { ShapeError } from '../engine/errors.js';
import type { Sequential } from '../engine/model/sequential.js';

export function checkModelFits(model: Sequential, features: number, classes: number, source: string): void {
  if (model.inputSize !== features) {
    throw new ShapeError(`${source}: the model takes ${model.inputSize} inputs, but the images have ${features} pixels`);
  }
  if (model.outputSize !== classes) {
    throw new ShapeError(`${source}: the model predicts ${model.outputSize} classes, but the data has ${classes}`);
  }
}
