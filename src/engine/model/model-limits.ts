/** What a model may ask of memory, checked before anything is allocated (Sequential's constructor). */
import { ShapeError } from '../errors.js';
import type { Layer } from '../layers/layer.js';

/**
 * The most parameters a model may have: 100 million (400 MB of weights, and as much again for
 * their gradients and each optimiser moment). An architecture asking for more (a mistyped
 * `dense:100000000`, or a checkpoint's header) is refused before anything is allocated.
 */
export const MAX_PARAMETERS = 100_000_000;

/**
 * The most values a model's layers may give for one example, all outputs together: 2²⁴, 64 MiB
 * (the CNN preset's give 12 thousand). Each thread holds them for each example of a pass, so an
 * architecture past it (`conv:400000:3`) is refused before it fills the machine's memory.
 */
export const MAX_EXAMPLE_VALUES = 2 ** 24;

/** Refuses a model of `paramCount` parameters made of `layers` past either limit, in one line. */
export function checkModelSize(layers: readonly Layer[], paramCount: number): void {
  if (paramCount > MAX_PARAMETERS) {
    throw new ShapeError(`Sequential: ${paramCount.toLocaleString('en')} parameters, more than the ${MAX_PARAMETERS.toLocaleString('en')} a model may have (MAX_PARAMETERS)`);
  }
  const exampleValues = layers.reduce((n, l) => n + l.outputSize, 0);
  if (exampleValues > MAX_EXAMPLE_VALUES) {
    throw new ShapeError(`Sequential: its layers give ${exampleValues.toLocaleString('en')} values for one example, more than the ${MAX_EXAMPLE_VALUES.toLocaleString('en')} a model may (MAX_EXAMPLE_VALUES)`);
  }
}
