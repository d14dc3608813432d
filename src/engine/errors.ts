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

/**
 * An option or argument outside its allowed range. The library names its own parameter (`lr`,
 * `batchSize`) at the start of the message and in `option`; the CLI puts its flag there instead.
 */
export class OptionError extends MnistTsError {
  override name = 'OptionError';
  constructor(message: string, readonly option?: string) {
    super(message);
  }
}

/** `option: found, expected ...`, naming the library parameter. */
export function optionError(option: string, text: string): OptionError {
  return new OptionError(`${option}: ${text}`, option);
}

/** Training was stopped on request (Ctrl-C) before it finished. */
export class Interrupted extends MnistTsError {
  override name = 'Interrupted';
}

/** Some of several inputs failed (each was reported); the others were processed. */
export class PartialFailure extends MnistTsError {
  override name = 'PartialFailure';
}

/** Formats a shape the way numpy and TensorFlow print it: `[100, 784]`. */
export function formatShape(shape: readonly number[]): string {
  return `[${shape.join(', ')}]`;
}
