/**
 * The pools' workers say when their module has loaded (src/node/worker-loaded.ts), so that a pool
 * destroyed before it ran anything waits for that instead of cutting a module load short.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Piscina } from 'piscina';
import { workersLoaded } from '../src/node/worker-loaded.js';
import { workerFileUrl as gradientWorkerUrl } from '../src/node/pool-backend.js';
import { inferenceWorkerUrl } from '../src/node/inference-pool.js';

test('every worker of both pools says when it has loaded its module', async () => {
  for (const url of [gradientWorkerUrl(), inferenceWorkerUrl()]) {
    const pool = new Piscina({ filename: url.href, minThreads: 2, maxThreads: 2 });
    const loading = workersLoaded(pool, 2);
    try {
      assert.ok(await loading.whenLoaded(20_000), `${url.pathname}: both workers said so`);
    } finally {
      await pool.destroy();
    }
  }
});

test('the wait is bounded: false when the workers have not said so in time', async () => {
  const pool = new Piscina({ filename: gradientWorkerUrl().href, minThreads: 1, maxThreads: 1 });
  const loading = workersLoaded(pool, 1);
  try {
    assert.is(await loading.whenLoaded(0), false, 'a worker cannot start and load within a timer tick');
    assert.is(await loading.whenLoaded(60_000), true);
  } finally {
    await pool.destroy();
  }
});

test.run();
