export * from './idx.js';
export * from './dataset.js';
export * from './batches.js';
export { prepareDigit, grayFromRgba, MNIST_SIDE, type Gray, type PreparedDigit } from './preprocess.js';
