/**
 * The SIMD set's image kernels: the valid convolution and its backward pass (conv-simd.ts,
 * conv-backward-simd.ts), 2×2 max-pooling (maxpool-simd.ts), batch normalisation
 * (batchnorm-simd.ts) and softmax cross-entropy (softmax-simd.ts). These check shapes,
 * instantiate and stage; each file named holds its kernels' emitter and says how they work.
 */
import { convForwardModule } from './conv-simd.js';
import { convBackwardModule } from './conv-backward-simd.js';
import { convValidJs } from './conv-js.js';
import { maxPool2Module } from './maxpool-simd.js';
import { softmaxModule } from './softmax-simd.js';
import { batchNormModule } from './batchnorm-simd.js';
import type { BnShape } from './batchnorm-js.js';
import type { ConvShape } from './kernel-set.js';
import { SimdCore, first, type Span } from './simd-core.js';
import { ShapeError } from '../errors.js';

type ConvKernel = (x: number, batch: number, weights: number, bias: number, y: number) => void;
type ConvBackwardKernel = (x: number, batch: number, dy: number, w: number, dw: number, db: number, dx: number, values: number, positions: number) => void;
type PoolKernels = { max_pool2: (x: number, planes: number, y: number, arg: number) => void; max_pool2_backward: (dy: number, arg: number, planes: number, dx: number) => void };
type SoftmaxKernel = (logits: number, labels: number, rows: number, grad: number, scale: number, stats: number) => void;
interface BatchNormKernels {
  bn_moments(x: number, rows: number, channels: number, size: number, mean: number, variance: number): void;
  bn_normalise(x: number, rows: number, channels: number, size: number, mean: number, invStd: number, gamma: number, beta: number, xhat: number, y: number): void;
  bn_backward(dy: number, xhat: number, rows: number, channels: number, size: number, gamma: number, invStd: number, dGamma: number, dBeta: number, dx: number): void;
  bn_affine(x: number, rows: number, channels: number, size: number, scale: number, shift: number, y: number): void;
}

/** The image kernels of the SIMD set over one kernel memory. */
export class SimdImageKernels extends SimdCore {
  /** convBackward's list of nonzeros: values, and positions as byte offsets. */
  private listValues: Float32Array = new Float32Array(0);
  private listPositions: Int32Array = new Int32Array(0);
  private softmaxStats: Float32Array = new Float32Array(0);

  private get batchNorm(): BatchNormKernels {
    return this.instantiate('batchnorm', batchNormModule) as unknown as BatchNormKernels;
  }

  bnMoments(x: Float32Array, s: BnShape, mean: Float32Array, variance: Float32Array): void {
    const n = s.rows * s.channels * s.size;
    const { addresses: [xa, ma, va], restore } = this.resident([first(x, n), first(mean, s.channels), first(variance, s.channels)]);
    this.batchNorm.bn_moments(xa, s.rows, s.channels, s.size, ma, va);
    restore();
  }

  bnNormalise(x: Float32Array, s: BnShape, mean: Float32Array, invStd: Float32Array, gamma: Float32Array, beta: Float32Array, xhat: Float32Array, y: Float32Array): void {
    const n = s.rows * s.channels * s.size;
    const c = s.channels;
    const { addresses: [xa, ma, ia, ga, ba, ha, ya], restore } = this.resident([first(x, n), first(mean, c), first(invStd, c), first(gamma, c), first(beta, c), first(xhat, n), first(y, n)]);
    this.batchNorm.bn_normalise(xa, s.rows, c, s.size, ma, ia, ga, ba, ha, ya);
    restore();
  }

  bnBackward(dy: Float32Array, xhat: Float32Array, s: BnShape, gamma: Float32Array, invStd: Float32Array, dGamma: Float32Array, dBeta: Float32Array, dx: Float32Array | null): void {
    const n = s.rows * s.channels * s.size;
    const c = s.channels;
    const spans: Span[] = [first(dy, n), first(xhat, n), first(gamma, c), first(invStd, c), first(dGamma, c), first(dBeta, c)];
    if (dx) spans.push(first(dx, n));
    const { addresses: [da, ha, ga, ia, dga, dba, dxa = 0], restore } = this.resident(spans);
    this.batchNorm.bn_backward(da, ha, s.rows, c, s.size, ga, ia, dga, dba, dxa);
    restore();
  }

  bnAffine(x: Float32Array, s: BnShape, scale: Float32Array, shift: Float32Array, y: Float32Array): void {
    const n = s.rows * s.channels * s.size;
    const { addresses: [xa, sa, ta, ya], restore } = this.resident([first(x, n), first(scale, s.channels), first(shift, s.channels), first(y, n)]);
    this.batchNorm.bn_affine(xa, s.rows, s.channels, s.size, sa, ta, ya);
    restore();
  }

  /** Outputs narrower than 4 (less than a vector) go to the JS kernel. */
  convValid(x: Float32Array, batch: number, s: ConvShape, weights: Float32Array, bias: Float32Array, y: Float32Array): void {
    const { channels: c, height: h, width: w, kernel: K, filters: F } = s;
    const ow = w - K + 1;
    const oh = h - K + 1;
    if (ow < 4 || oh < 1) {
      convValidJs(x, batch, s, weights, bias, y);
      return;
    }
    const key = `${c}x${h}x${w}k${K}f${F}`;
    // Single-channel inputs are images (mostly empty rows on MNIST): skip all-zero row segments.
    const kernel = this.instantiate(`conv:${key}`, (fused) => convForwardModule(s, fused, c === 1)).conv_valid as ConvKernel;
    const { addresses: [xa, wa, ba, ya], restore } = this.resident([first(x, batch * c * h * w), first(weights, F * c * K * K), first(bias, F), first(y, batch * F * oh * ow)]);
    kernel(xa, batch, wa, ba, ya);
    restore();
  }

  softmaxCrossEntropy(logits: Float32Array, labels: Int32Array, batch: number, classes: number, grad: Float32Array, scale: number): number {
    if (logits.length !== batch * classes) throw new ShapeError(`softmaxCrossEntropy: logits have ${logits.length} values, expected [${batch}, ${classes}]`);
    if (labels.length < batch) throw new ShapeError(`softmaxCrossEntropy: ${labels.length} labels, expected ${batch}`);
    if (grad.length < batch * classes) throw new ShapeError(`softmaxCrossEntropy: the gradient has ${grad.length} values, expected [${batch}, ${classes}]`);
    for (let r = 0; r < batch; r++) {
      if (!(labels[r] >= 0 && labels[r] < classes)) throw new ShapeError(`softmaxCrossEntropy: label ${labels[r]} at row ${r}, expected 0..${classes - 1}`);
    }
    const kernel = this.instantiate(`softmax:${classes}`, () => softmaxModule(classes)).softmax_xent as SoftmaxKernel;
    if (this.softmaxStats.length < 2 * batch) this.softmaxStats = this.allocator.f32(2 * batch);
    const stats = this.softmaxStats;
    const { addresses: [z, y, g], restore } = this.resident([first(logits, batch * classes), first(labels, batch), first(grad, batch * classes)]);
    kernel(z, y, batch, g, scale, stats.byteOffset);
    restore();
    // The loss of each row is log(Σ exp(z − max)) − (z_label − max): one log per row, here.
    let total = 0;
    for (let r = 0; r < batch; r++) total += Math.log(stats[2 * r + 1]) - (logits[r * classes + labels[r]] - stats[2 * r]);
    return total;
  }

  convBackward(x: Float32Array, batch: number, s: ConvShape, dy: Float32Array, weights: Float32Array, dw: Float32Array, db: Float32Array, dx: Float32Array | null): void {
    const { channels: c, height: h, width: w, kernel: K, filters: F } = s;
    const outputs = (h - K + 1) * (w - K + 1);
    if (x.length < batch * c * h * w || dy.length < batch * F * outputs || weights.length < F * c * K * K || dw.length < F * c * K * K || db.length < F || (dx && dx.length < batch * c * h * w)) {
      throw new ShapeError(`convBackward: arrays too small for a batch of ${batch} [${c}, ${h}, ${w}] through ${F} ${K}×${K} filters`);
    }
    const key = `${c}x${h}x${w}k${K}f${F}`;
    const kernel = this.instantiate(`conv-backward:${key}`, () => convBackwardModule(s)).conv_backward as ConvBackwardKernel;
    const entries = batch * outputs + 1;
    if (this.listValues.length < entries) {
      this.listValues = this.allocator.f32(entries);
      this.listPositions = this.allocator.i32(entries);
    }
    const spans: Span[] = [first(x, batch * c * h * w), first(dy, batch * F * outputs), first(weights, F * c * K * K), first(dw, F * c * K * K), first(db, F)];
    if (dx) spans.push(first(dx, batch * c * h * w));
    // dx = 0 tells the kernel there is none: address 0 is the arena header, never a tensor.
    const { addresses: [xa, dya, wa, dwa, dba, dxa = 0], restore } = this.resident(spans);
    kernel(xa, batch, dya, wa, dwa, dba, dxa, this.listValues.byteOffset, this.listPositions.byteOffset);
    restore();
  }

  maxPool2(x: Float32Array, planes: number, h: number, w: number, y: Float32Array, arg: Int32Array): void {
    const outputs = planes * Math.floor(h / 2) * Math.floor(w / 2);
    if (x.length < planes * h * w || y.length < outputs || arg.length < outputs) throw new ShapeError(`maxPool2: ${x.length} inputs, ${y.length} outputs and ${arg.length} indices for ${planes} planes of ${h}×${w}`);
    const { addresses: [xa, ya, aa], restore } = this.resident([first(x, planes * h * w), first(y, outputs), first(arg, outputs)]);
    this.pool2(h, w).max_pool2(xa, planes, ya, aa);
    restore();
  }

  maxPool2Backward(dy: Float32Array, arg: Int32Array, planes: number, h: number, w: number, dx: Float32Array): void {
    const outputs = planes * Math.floor(h / 2) * Math.floor(w / 2);
    if (dx.length < planes * h * w || dy.length < outputs || arg.length < outputs) throw new ShapeError(`maxPool2Backward: ${dx.length} input gradients, ${dy.length} output gradients and ${arg.length} indices for ${planes} planes of ${h}×${w}`);
    const { addresses: [da, aa, xa], restore } = this.resident([first(dy, outputs), first(arg, outputs), first(dx, planes * h * w)]);
    this.pool2(h, w).max_pool2_backward(da, aa, planes, xa);
    restore();
  }

  private pool2(h: number, w: number): PoolKernels {
    return this.instantiate(`pool2:${h}x${w}`, () => maxPool2Module(h, w)) as never;
  }
}
