/**
 * SpinPolicy's decisions, driven by made-up readings (wall and CPU milliseconds), and a pool that
 * stops spinning while another process takes the cores.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawn } from 'node:child_process';
import { SpinPolicy, WINDOW_MS, GAP_MS, CROWDED_BELOW } from '../src/train/pool/spin-policy.js';

/** A policy for 2 threads and a clock: `steps(n, share)` runs n steps of 1 ms getting `share` of 2 cores. */
function rig(spinMs = 5) {
  const policy = new SpinPolicy(2, spinMs);
  let now = 1000;
  let cpu = 0;
  return {
    policy,
    steps(n: number, share: number, gapMs = 0) {
      for (let i = 0; i < n; i++) {
        now += gapMs;
        policy.stepStarts(now, () => cpu);
        now += 1;
        cpu += 2 * share;
        policy.stepEnds(now, () => cpu);
      }
    },
    idle(ms: number) {
      now += ms;
    },
  };
}

test('threads that get their cores keep spinning', () => {
  const r = rig();
  r.steps(10 * WINDOW_MS, 0.97);
  assert.is(r.policy.waitMode, 'spin');
  assert.is(r.policy.budgetMs, 5);
  assert.is(r.policy.switches, 0);
});

test('two crowded windows in a row stop the spinning; one alone does not', () => {
  const r = rig();
  r.steps(WINDOW_MS, 0.5);
  r.steps(WINDOW_MS, 1);
  r.steps(WINDOW_MS, 0.5);
  assert.is(r.policy.waitMode, 'spin', 'crowded windows not in a row');
  r.steps(WINDOW_MS, CROWDED_BELOW - 0.01);
  assert.is(r.policy.waitMode, 'sleep');
  assert.is(r.policy.budgetMs, 0);
  assert.is(r.policy.switches, 1);
});

test('asleep, it probes: spinning again when the cores are back, probing less often while they are not', () => {
  const r = rig();
  r.steps(2 * WINDOW_MS, 0.5);
  assert.is(r.policy.waitMode, 'sleep');
  // Before the first probe (500 ms), no reading wakes it, however good.
  r.steps(4 * WINDOW_MS, 0.7);
  assert.is(r.policy.waitMode, 'sleep');
  // The window that ends past the probe time starts a probe: one window of spinning.
  r.steps(WINDOW_MS, 0.7);
  assert.is(r.policy.waitMode, 'spin');
  r.steps(WINDOW_MS, 0.5); // still crowded: back to sleep, the next probe 1 s away
  assert.is(r.policy.waitMode, 'sleep');
  assert.is(r.policy.switches, 2);
  r.steps(9 * WINDOW_MS, 0.5);
  assert.is(r.policy.waitMode, 'sleep', 'no probe before 1 s');
  r.steps(WINDOW_MS, 0.5);
  assert.is(r.policy.waitMode, 'spin', 'the second probe');
  r.steps(WINDOW_MS, 0.99); // the cores are back
  assert.is(r.policy.waitMode, 'spin');
  r.steps(20 * WINDOW_MS, 0.99);
  assert.is(r.policy.waitMode, 'spin');
  assert.is(r.policy.switches, 2);
});

test('other work between steps is not read as crowding: a long gap starts a new window', () => {
  const r = rig();
  // Steps of 1 ms with the CPU busy, each followed by a 3 ms pause in which the threads sleep:
  // never a window of consecutive steps, so never judged.
  for (let i = 0; i < 500; i++) {
    r.steps(1, 1);
    r.idle(GAP_MS + 1);
  }
  assert.is(r.policy.waitMode, 'spin');
  assert.is(r.policy.switches, 0);
});

test('a budget of 0 (more threads than cores) never spins and never probes', () => {
  const r = rig(0);
  r.steps(20 * WINDOW_MS, 1);
  assert.is(r.policy.budgetMs, 0);
  assert.is(r.policy.switches, 0);
});

test('a pool whose cores another process takes stops spinning, and trains on', async () => {
  const { loadMnist, bundledDataDir } = await import('../src/node/mnist-files.js');
  const { csrFromSplit } = await import('../src/train/training-data.js');
  const { PoolBackend } = await import('../src/node/pool-backend.js');
  const { softmaxRegression, SGD } = await import('../src/engine/index.js');
  const { BatchSampler } = await import('../src/data/batches.js');
  const data = csrFromSplit(loadMnist({ dataDir: bundledDataDir() }).train, 10);
  const model = softmaxRegression({}).initialize(0);
  const backend = new PoolBackend(model, data, new SGD(0.01), { threads: 2, maxBatch: 100, spinMs: 5 });
  // A process that keeps one core busy until it is killed: with the pool's threads on every core,
  // enough to crowd them, without taking all of a machine other tests share.
  const busy = spawn(process.execPath, ['-e', 'for (;;);'], { stdio: 'ignore' });
  try {
    const sampler = new BatchSampler(data.count, 0, 100);
    const end = performance.now() + 10_000;
    let t = 0;
    while (backend.spin.switches === 0 && performance.now() < end) await backend.step(sampler.next(100), 100, ++t);
    assert.is(backend.spin.waitMode, 'sleep', `after ${t} steps`);
    // Sleeping, the pool trains on: each step's loss is a number, and the steps move the weights.
    await backend.sync();
    const before = model.params.slice();
    for (let i = 0; i < 20; i++) {
      const loss = await backend.step(sampler.next(100), 100, ++t);
      assert.ok(Number.isFinite(loss) && loss > 0, `step ${t}: loss ${loss}`);
    }
    await backend.sync();
    assert.ok(model.params.some((p, i) => p !== before[i]), 'the 20 steps moved the weights');
  } finally {
    busy.kill();
    await backend.close();
  }
});

test.run();
