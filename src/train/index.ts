/** Training: the loop, shared training data, the gradient function and the thread protocol. Portable. */
export * from './training-data.js';
export * from './shard.js';
export * from './gradient-backend.js';
export * from './trainer.js';
export * from './evaluate-data.js';
export * from './protocol.js';
export * from './spin-policy.js';
export * from './pieces.js';
export * from './logit-shares.js';
export * from './input-row-blocks.js';
export * from './first-layer-columns.js';
export * from './hidden-unit-blocks.js';
export * from './owned-block.js';
export * from './checkpoint.js';
export * from './augment.js';
export * from './recipes.js';
