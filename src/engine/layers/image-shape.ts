/** The [channels, height, width] of one example, as the image layers take it. */
import { ShapeError } from '../errors.js';

export function checkImageShape(layer: string, shape: readonly number[]): [number, number, number] {
  if (shape.length !== 3 || !shape.every((d) => Number.isInteger(d) && d > 0)) {
    throw new ShapeError(`${layer}: input shape [${shape.join(', ')}], expected [channels, height, width] of whole numbers > 0`);
  }
  return [shape[0], shape[1], shape[2]];
}
