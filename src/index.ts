/**
 * mnist-ts: the portable library. The engine plus the data helpers (IDX parsing, splits,
 * batches), all without Node-only imports. File reading and PNG output live in `mnist-ts/node`.
 */
export * from './engine/index.js';
export * from './data/index.js';
