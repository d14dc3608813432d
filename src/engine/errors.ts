/**
 * Typed errors. The library throws them; the CLI prints `message` as one line and exits
 * non-zero without a stack trace. Every message says where (file, flag or op), what was
 * expected and what was found.
 */

/** Base class for errors caused by the caller's input rather than by a bug in mnist-ts. */
export class MnistTsError extends Error {
  override name = 'MnistTsError';
}

/** Tensor shapes that do not fit an operation: the message names both shapes. */
export class ShapeError extends MnistTsError {
  override name = 'ShapeError';
}

/** Bytes that do not follow a file format (IDX, safetensors): names the source. */
export class FormatError extends MnistTsError {
  override name = 'FormatError';
}

/** A data set that is readable but unusable (missing files, counts that disagree, ...). */
export class DataError extends MnistTsError {
  override name = 'DataError';
}

/** An option or argument outside its allowed range. */
export class OptionError extends MnistTsError {
  override name = 'OptionError';
}

/** Formats a shape the way numpy and TensorFlow print it: `[100, 784]`. */
export function formatShape(shape: readonly number[]): string {
  return `[${shape.join(', ')}]`;
}
