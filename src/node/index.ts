/**
 * mnist-ts/node: what needs Node. MNIST files, checkpoint files, atomic writes, training on a
 * pool of threads, the inference pool, images (sharp) and reports. The list is the API:
 * test/public-api.txt holds it, and a test compares the two.
 */
export { loadMnist, loadMnistTest, readIdxFile, resolveDataDir, bundledDataDir, MNIST_FILES, type LoadOptions, type LoadedMnist } from './mnist-files.js';
export { saveCheckpointFile, loadCheckpointFile } from './checkpoint-file.js';
export { writeFileAtomic } from './atomic-write.js';
export { createBackend, startGradientWorkers, defaultThreads, type BackendOptions } from './create-backend.js';
export { PoolBackend, WorkerError, type PoolOptions } from './pool-backend.js';
export { GradientWorkers } from './gradient-workers.js';
export { InferencePool } from './inference-pool.js';
export { loadSharp, encodeGrayPng, type GrayImage } from './images.js';
export { readDigitImage } from './digit-images.js';
export { writePredictionOutputs, type Prediction } from './prediction-output.js';
export { writeReport, type ReportInput, type ReportResult } from './report-writer.js';
