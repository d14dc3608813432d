/** Adam, AdamW, weight decay and learning-rate schedules against their textbook definitions. */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Adam, AdamW, Momentum, OptionError, SGD, learningRateAt, optimizerFromConfig, makeOptimizer, mlp, trainStep, Rng, type Optimizer } from '../src/engine/index.js';

/** Adam step by step as the paper writes it, in float64: the reference. */
function adamReference(p: number[], grads: number[][], lr: number, wd: number, decoupled: boolean, b1 = 0.9, b2 = 0.999, eps = 1e-8): number[] {
  const m = p.map(() => 0);
  const v = p.map(() => 0);
  grads.forEach((g0, step) => {
    const t = step + 1;
    for (let i = 0; i < p.length; i++) {
      if (decoupled) p[i] -= lr * wd * p[i];
      const g = g0[i] + (decoupled ? 0 : wd * p[i]);
      m[i] = b1 * m[i] + (1 - b1) * g;
      v[i] = b2 * v[i] + (1 - b2) * g * g;
      const mh = m[i] / (1 - b1 ** t);
      const vh = v[i] / (1 - b2 ** t);
      p[i] -= (lr * mh) / (Math.sqrt(vh) + eps);
    }
  });
  return p;
}

function run(opt: Optimizer, p0: number[], grads: number[][]): Float32Array {
  const p = Float32Array.from(p0);
  for (const g of grads) opt.step(p, Float32Array.from(g));
  return p;
}

const rng = new Rng(5);
const p0 = Array.from({ length: 12 }, () => rng.normal());
const grads = Array.from({ length: 20 }, () => Array.from({ length: 12 }, () => rng.normal() * 0.1));

function near(a: ArrayLike<number>, b: ArrayLike<number>, tol: number, label: string) {
  for (let i = 0; i < a.length; i++) assert.ok(Math.abs(a[i] - b[i]) <= tol, `${label}[${i}]: ${a[i]} vs ${b[i]}`);
}

test('Adam follows the paper (bias correction included), with and without L2 weight decay', () => {
  near(run(new Adam(0.01), p0, grads), adamReference([...p0], grads, 0.01, 0, false), 2e-6, 'adam');
  near(run(new Adam(0.01, { weightDecay: 0.1 }), p0, grads), adamReference([...p0], grads, 0.01, 0.1, false), 2e-6, 'adam+l2');
});

test('AdamW decays the weights apart from the gradient', () => {
  near(run(new AdamW(0.01, { weightDecay: 0.1 }), p0, grads), adamReference([...p0], grads, 0.01, 0.1, true), 2e-6, 'adamw');
  // With zero gradients Adam moves nothing, AdamW still shrinks: p·(1 − lr·λ) per step.
  const zero = grads.map((g) => g.map(() => 0));
  const p = run(new AdamW(0.1, { weightDecay: 0.5 }), p0, zero.slice(0, 3));
  near(p, p0.map((x) => x * 0.95 ** 3), 1e-6, 'shrink');
  near(run(new Adam(0.1), p0, zero.slice(0, 3)), Float32Array.from(p0), 0, 'adam without gradient');
});

test('SGD and momentum with L2 weight decay', () => {
  const p = run(new SGD(0.1, { weightDecay: 0.2 }), [1, -2], [[0.5, 0.5]]);
  near(p, [1 - 0.1 * (0.5 + 0.2), -2 - 0.1 * (0.5 - 0.4)], 1e-7, 'sgd');
  const q = run(new Momentum(0.1, 0.9, { weightDecay: 0.2 }), [1], [[0.5], [0.5]]);
  const v1 = 0.5 + 0.2; // first step: v = g + λp
  const p1 = 1 - 0.1 * v1;
  const v2 = 0.9 * v1 + 0.5 + 0.2 * p1;
  near(q, [p1 - 0.1 * v2], 1e-7, 'momentum');
});

test('schedules: step multiplies by gamma every N steps; cosine falls from lr to its floor', () => {
  const step = { kind: 'step', every: 3, gamma: 0.5 } as const;
  assert.equal([1, 3, 4, 6, 7].map((t) => learningRateAt(0.8, step, t)), [0.8, 0.8, 0.4, 0.4, 0.2]);
  const cos = { kind: 'cosine', total: 10, floor: 0.1 } as const;
  assert.is(learningRateAt(1, cos, 1), 1);
  assert.ok(Math.abs(learningRateAt(1, cos, 6) - 0.55) < 1e-12, 'half way: the mean of lr and floor');
  assert.ok(Math.abs(learningRateAt(1, cos, 11) - 0.1) < 1e-12);
  assert.ok(Math.abs(learningRateAt(1, cos, 50) - 0.1) < 1e-12, 'stays at the floor');
  // The optimiser uses it: a scheduled SGD step at t moves p by learningRate(t)·g.
  const sgd = new SGD(1, { schedule: cos });
  const p = new Float32Array([0]);
  sgd.stepRange(p, new Float32Array([1]), 0, 1, 6);
  assert.ok(Math.abs(p[0] + 0.55) < 1e-7);
});

test("onecycle: PyTorch's OneCycleLR (cosine, no momentum cycling) step for step, and refused when out of range", () => {
  // torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=0.01, total_steps=20, pct_start=0.3,
  // cycle_momentum=False), the rate of each of the 20 steps, printed by PyTorch 1.13.
  const torch = [
    0.0003999999999999993, 0.0013167184270002508, 0.003716718427000252, 0.006683281572999748, 0.009083281572999747, 0.01,
    0.009874640062350875, 0.009504846320134737, 0.0089091617757105, 0.008117456539497631, 0.007169430017913008, 0.0061126202193628925,
    0.00500002, 0.003887419780637108, 0.0028306099820869924, 0.00188258346050237, 0.0010908782242895004, 0.0004951936798652628,
    0.00012539993764912555, 4e-8,
  ];
  const onecycle = { kind: 'onecycle', total: 20, warmup: 0.3, div: 25, finalDiv: 1e4 } as const;
  torch.forEach((expected, i) => assert.ok(Math.abs(learningRateAt(0.01, onecycle, i + 1) - expected) <= 1e-15, `step ${i + 1}: ${learningRateAt(0.01, onecycle, i + 1)} against ${expected}`));
  assert.is(learningRateAt(0.01, onecycle, 40), learningRateAt(0.01, onecycle, 20), 'stays at its end');
  for (const bad of [{ ...onecycle, warmup: 1 }, { ...onecycle, total: 1 }, { ...onecycle, div: 0.5 }]) {
    assert.throws(() => new Adam(0.01, { schedule: bad }), (e: Error) => e instanceof OptionError && /^schedule: onecycle: /.test(e.message));
  }
});

test('an update split into ranges equals the whole update; a config rebuilds the same optimiser', () => {
  for (const make of [() => new Adam(0.01, { weightDecay: 0.01, schedule: { kind: 'cosine', total: 20, floor: 0 } }), () => new AdamW(0.01, { weightDecay: 0 }), () => new Momentum(0.1, 0.8, { schedule: { kind: 'step', every: 5, gamma: 0.1 } })]) {
    const whole = make();
    const split = optimizerFromConfig(JSON.parse(JSON.stringify(make().config())));
    const a = Float32Array.from(p0);
    const b = Float32Array.from(p0);
    whole.ensureState(a.length);
    split.ensureState(b.length);
    grads.forEach((g, s) => {
      const gf = Float32Array.from(g);
      whole.stepRange(a, gf, 0, a.length, s + 1);
      split.stepRange(b, gf, 0, 5, s + 1);
      split.stepRange(b, gf, 5, b.length, s + 1);
    });
    assert.equal(Array.from(b), Array.from(a), whole.name);
    assert.equal(split.config(), whole.config());
  }
  assert.is(new AdamW(0.01, { weightDecay: 0 }).config().weightDecay, 0, 'an explicit 0 survives the round trip');
});

test('Adam trains: the loss of a small MLP falls', () => {
  const model = mlp({ inputs: 8, hidden: [16], classes: 3 }).initialize(1);
  const opt = new Adam(0.01);
  const r = new Rng(2);
  const x = Float32Array.from({ length: 30 * 8 }, () => r.normal());
  const labels = Array.from({ length: 30 }, (_, i) => (x[i * 8] > 0 ? 0 : x[i * 8 + 1] > 0 ? 1 : 2));
  const first = trainStep(model, opt, x, labels, 30);
  let last = first;
  for (let i = 0; i < 200; i++) last = trainStep(model, opt, x, labels, 30);
  assert.ok(last < first * 0.2, `loss ${first} → ${last}`);
});

test('bad settings name the library parameter (the CLI maps it to its flag)', () => {
  const cases: [() => unknown, RegExp][] = [
    [() => makeOptimizer('adagrad', 0.1), /^optimizer: 'adagrad', expected one of sgd, momentum, adam, adamw/],
    [() => new Adam(0.1, { beta1: 1 }), /^beta1: 1, expected a number in \[0, 1\)/],
    [() => new Adam(0.1, { weightDecay: -1 }), /^weightDecay: -1, expected a number >= 0/],
    [() => new SGD(0.1, { schedule: { kind: 'step', every: 0, gamma: 0.5 } }), /^schedule: step: every 0 steps/],
    [() => new SGD(0.1, { schedule: { kind: 'cosine', total: 10, floor: 2 } }), /floor in \[0, 1\]/],
  ];
  for (const [fn, pattern] of cases) assert.throws(fn, (e: Error) => e instanceof OptionError && pattern.test(e.message));
});

test.run();
