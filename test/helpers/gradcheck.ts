/** Central differences against a model's analytic gradients, shared by the gradient-check tests. */
import * as assert from 'uvu/assert';
import { Rng, Sequential, accumulateGradients, softmaxCrossEntropy, type ForwardContext, type Layer } from '../../src/engine/index.js';

export const H = 1e-2;

export function relError(a: number, b: number): number {
  return Math.abs(a - b) / Math.max(1e-3, Math.abs(a) + Math.abs(b));
}

/** `training`: the loss as training computes it (batch normalisation by the batch's statistics). */
export function checkModel(model: Sequential, x: Float32Array, labels: number[], batch: number, label: string, h = H, training = false) {
  const loss = () => softmaxCrossEntropy(model.forward(x, batch, training), labels, batch, model.outputSize) / batch;
  model.zeroGrad();
  accumulateGradients(model, x, labels, batch);
  const analytic = Float32Array.from(model.grads);
  let worst = 0;
  for (let i = 0; i < model.params.length; i++) {
    const saved = model.params[i];
    model.params[i] = saved + h;
    const up = loss();
    model.params[i] = saved - h;
    const down = loss();
    model.params[i] = saved;
    const numeric = (up - down) / (2 * h);
    worst = Math.max(worst, relError(numeric, analytic[i]));
  }
  assert.ok(worst < 2e-2, `${label}: worst relative error ${worst}`);
}

export function input(batch: number, features: number, rng: Rng, zeros = 0): Float32Array {
  return Float32Array.from({ length: batch * features }, () => (rng.uniform() < zeros ? 0 : rng.normal()));
}


/** d(sum(y·w))/dx of one layer (in training) at a seeded x and w: by backward, and by central differences. */
export function inputGradients(layer: Layer, batch: number, seed: number, context?: ForwardContext): { analytic: Float32Array; numeric: Float64Array } {
  const rng = new Rng(seed);
  const x = input(batch, layer.inputSize, rng);
  const w = input(batch, layer.outputSize, rng);
  const f = () => layer.forward(x, batch, true, context).reduce((s, v, i) => s + v * w[i], 0);
  layer.forward(x, batch, true, context);
  const analytic = Float32Array.from(layer.backward(w, batch, true)!);
  const numeric = new Float64Array(x.length);
  for (let i = 0; i < x.length; i++) {
    const saved = x[i];
    x[i] = saved + H;
    const up = f();
    x[i] = saved - H;
    const down = f();
    x[i] = saved;
    numeric[i] = (up - down) / (2 * H);
  }
  return { analytic, numeric };
}

/** d(sum(y·w))/dx of one layer, analytic against central differences, entry by entry. */
export function checkInputGradient(layer: Layer, batch: number, seed: number, context?: ForwardContext) {
  const { analytic, numeric } = inputGradients(layer, batch, seed, context);
  for (let i = 0; i < numeric.length; i++) assert.ok(relError(numeric[i], analytic[i]) < 2e-2, `${layer.type} dx[${i}]: ${numeric[i]} vs ${analytic[i]}`);
}

