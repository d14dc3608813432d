export * from './idx.js';
export * from './dataset.js';
export * from './batches.js';
export * from './preprocess.js';
