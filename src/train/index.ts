/** Training: the loop, training data, the gradient function, checkpoints and recipes. Portable. */
export * from './training-data.js';
export * from './batch-gradient.js';
export * from './gradient-backend.js';
export * from './trainer.js';
export * from './evaluate-data.js';
export * from './checkpoint.js';
export * from './augment.js';
export * from './recipes.js';
