/** Node-side helpers: reading MNIST files, writing PNGs, atomic writes. */
export * from './mnist-files.js';
export * from './images.js';
export * from './atomic-write.js';
export * from './create-backend.js';
export * from './pool-backend.js';
export * from './checkpoint-file.js';
export * from './digit-images.js';
export * from './prediction-output.js';
export * from './report-writer.js';
export * from './inference-pool.js';
