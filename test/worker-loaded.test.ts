/**
 * A pool destroyed before it ran anything first waits until each worker has loaded its module
 * (src/node/worker-loaded.ts): each answers a no-op task once its module's require() has returned.
 * A worker that cannot start fails the pool's tasks, not the process (src/node/worker-pool.ts).
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Piscina } from 'piscina';
import { destroyWhenLoaded, NO_OP_TASK, workersLoaded } from '../src/node/worker-loaded.js';
import { WorkerPool } from '../src/node/worker-pool.js';
import { GradientWorkers } from '../src/node/gradient-workers.js';
import { InferencePool } from '../src/node/inference-pool.js';
import { workerModule } from '../src/node/worker-files.js';

test('every worker of both pools answers the no-op task once its module has loaded', async () => {
  for (const name of ['gradient-worker', 'inference-worker'] as const) {
    const pool = new Piscina({ ...workerModule(name), minThreads: 2, maxThreads: 2 });
    try {
      assert.ok(await workersLoaded(pool, 2, 20_000), `${name}: both workers answered`);
      assert.is(pool.completed, 2, `${name}: one task each`);
    } finally {
      await destroyWhenLoaded(pool, 2);
    }
  }
});

test('the wait is bounded: false when the workers have not answered in time', async () => {
  const pool = new Piscina({ ...workerModule('gradient-worker'), minThreads: 1, maxThreads: 1 });
  try {
    assert.is(await workersLoaded(pool, 1, 0), false, 'a worker cannot start and load within a timer tick');
    assert.is(await workersLoaded(pool, 1, 20_000), true);
  } finally {
    await pool.destroy();
  }
});

test('a worker whose module cannot load fails the task in flight and every later one with its error; the process goes on', async () => {
  const pool = new WorkerPool({ filename: 'file:///nowhere/mnist-ts-worker.js', minThreads: 1, maxThreads: 1 });
  // A hang guard whose timer is cleared, so it keeps no process alive once the task has settled.
  const outcome = async (task: Promise<unknown>) => {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const hang = new Promise<string>((r) => (timer = setTimeout(() => r('still waiting after 60 s'), 60_000)));
    try {
      return await Promise.race([task.then(() => 'answered', (e: Error) => e.message), hang]);
    } finally {
      clearTimeout(timer);
    }
  };
  try {
    assert.match(await outcome(pool.run(NO_OP_TASK)), /Cannot find module '\/nowhere\/mnist-ts-worker\.js'/);
    // Piscina starts another worker, which fails holding no task: its 'error' event, unheard, would
    // end this process. Then no worker is left, and a task fails at once rather than waiting forever.
    for (let tries = 0; !pool.failure && tries < 1200; tries++) await new Promise((r) => setTimeout(r, 50));
    assert.instance(pool.failure, Error, 'the failure reported as an event is kept');
    assert.match(await outcome(pool.run(NO_OP_TASK)), /Cannot find module/);
  } finally {
    await pool.destroy();
  }
});

test('workers of a pool load the build, without tsx, when the test runner says it is fresh; else those beside the pool code', () => {
  const saved = process.env.MNIST_TS_TEST_BUILT;
  try {
    process.env.MNIST_TS_TEST_BUILT = '1';
    const built = workerModule('gradient-worker');
    assert.ok(built.filename.endsWith('/dist/workers/gradient-worker.js'), built.filename);
    assert.equal(built.execArgv, []);
    delete process.env.MNIST_TS_TEST_BUILT;
    // Under the runner the pool code itself may be the build (scripts/test-process/hooks.mjs).
    const beside = workerModule('inference-worker');
    assert.match(beside.filename, /\/workers\/inference-worker\.(ts|js)$/);
    assert.is(beside.filename.endsWith('.ts'), !beside.filename.includes('/dist/'), `sources beside sources, the build beside the build: ${beside.filename}`);
    assert.is(beside.execArgv, undefined, 'they inherit this process\'s options');
  } finally {
    if (saved === undefined) delete process.env.MNIST_TS_TEST_BUILT;
    else process.env.MNIST_TS_TEST_BUILT = saved;
  }
});

test('pools released unused, right after they start, close without a crash, their workers gone', async () => {
  for (let i = 0; i < 3; i++) {
    const training = new GradientWorkers(3);
    await training.releaseUnused();
    assert.is(training.pool.threads.length, 0, 'the training pool has no thread left');
    const inference = new InferencePool(3);
    await inference.close();
    assert.is((inference as unknown as { pool: Piscina }).pool.threads.length, 0, 'the inference pool has no thread left');
  }
});

test.run();
