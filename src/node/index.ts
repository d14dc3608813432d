/**
 * mnist-ts/node: what needs Node. First the high-level calls, each taking the model first and an
 * options object last: fit, evaluateModel, predictImages, saveModel and loadModel. Then the pieces
 * under them: MNIST files, checkpoint files, atomic writes, training on a pool of threads, the
 * inference pool, images and reports. The list is the API: test/public-api.txt holds it, and a
 * test compares the two.
 */
export { fit, type FitOptions, type FitResult, type FitRecord } from './fit.js';
export { evaluateModel, type EvaluateModelOptions } from './evaluate-model.js';
export { predictImages, predictPixels, POOL_MIN_IMAGES, type PredictImagesOptions, type DecodedImage, type DigitInput } from './predict-images.js';
export { saveModel, loadModel, type SaveModelOptions, type LoadModelOptions } from './model-file.js';
export { loadMnist, loadMnistTest, readIdxFile, resolveDataDir, bundledDataDir, MNIST_FILES, type LoadOptions, type LoadedMnist } from './mnist-files.js';
export { saveCheckpointFile, loadCheckpointFile } from './checkpoint-file.js';
export { writeFileAtomic } from './atomic-write.js';
export { createBackend, startGradientWorkers, type BackendOptions } from './create-backend.js';
export { defaultThreads } from './threads.js';
export { PoolBackend, WorkerError, type PoolOptions } from './pool-backend.js';
export { GradientWorkers } from './gradient-workers.js';
export { InferencePool } from './inference-pool.js';
export { loadSharp, encodeGrayPng, type GrayImage } from './images.js';
export { readDigitImage, readGrayImage } from './digit-images.js';
export { decodePng, MAX_IMAGE_PIXELS } from './png.js';
export { writePredictionOutputs, type Prediction } from './prediction-output.js';
export { writeReport, type ReportInput, type ReportResult } from './report-writer.js';
