/**
 * A pool destroyed before it ran anything first waits until each worker has loaded its module
 * (src/node/worker-loaded.ts): each answers a no-op task once its module's require() has returned.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Piscina } from 'piscina';
import { destroyWhenLoaded, workersLoaded } from '../src/node/worker-loaded.js';
import { GradientWorkers, workerFileUrl as gradientWorkerUrl } from '../src/node/pool-backend.js';
import { InferencePool, inferenceWorkerUrl } from '../src/node/inference-pool.js';

test('every worker of both pools answers the no-op task once its module has loaded', async () => {
  for (const url of [gradientWorkerUrl(), inferenceWorkerUrl()]) {
    const pool = new Piscina({ filename: url.href, minThreads: 2, maxThreads: 2 });
    try {
      assert.ok(await workersLoaded(pool, 2, 20_000), `${url.pathname}: both workers answered`);
      assert.is(pool.completed, 2, `${url.pathname}: one task each`);
    } finally {
      await destroyWhenLoaded(pool, 2);
    }
  }
});

test('the wait is bounded: false when the workers have not answered in time', async () => {
  const pool = new Piscina({ filename: gradientWorkerUrl().href, minThreads: 1, maxThreads: 1 });
  try {
    assert.is(await workersLoaded(pool, 1, 0), false, 'a worker cannot start and load within a timer tick');
    assert.is(await workersLoaded(pool, 1, 20_000), true);
  } finally {
    await pool.destroy();
  }
});

test('pools released unused, right after they start, close without a crash', async () => {
  for (let i = 0; i < 3; i++) {
    await new GradientWorkers(3).releaseUnused();
    await new InferencePool(3).close();
  }
});

test.run();
