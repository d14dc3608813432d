/**
 * Learning-rate schedules: the rate of step t (1-based) as a function of t alone, so every thread
 * that updates a range of the parameters computes the same rate, and a resumed run continues the
 * schedule where it stood.
 */
import { optionError } from '../errors.js';

export type Schedule =
  | { kind: 'constant' }
  /** lr · gamma^⌊(t−1) / every⌋: multiplied by gamma every `every` steps. */
  | { kind: 'step'; every: number; gamma: number }
  /** Half a cosine from lr down to lr·floor over `total` steps, then lr·floor. */
  | { kind: 'cosine'; total: number; floor: number }
  /**
   * One cycle over `total` steps, as PyTorch's OneCycleLR (cosine, no momentum cycling): half a
   * cosine up from lr/div to lr over the first `warmup` fraction of the steps, then half a cosine
   * down to lr/(div·finalDiv).
   */
  | { kind: 'onecycle'; total: number; warmup: number; div: number; finalDiv: number };

export const SCHEDULE_NAMES = ['constant', 'step', 'cosine', 'onecycle'] as const;

/** From `from` to `to` along half a cosine, `pct` of the way. */
function cosineBetween(from: number, to: number, pct: number): number {
  return to + ((from - to) / 2) * (1 + Math.cos(Math.PI * pct));
}

/** OneCycleLR's rate at step index i = t − 1 (its phases end at steps warmup·total − 1 and total − 1). */
function oneCycleAt(lr: number, s: Extract<Schedule, { kind: 'onecycle' }>, t: number): number {
  const i = Math.min(t - 1, s.total - 1);
  const start = lr / s.div;
  const warmEnd = s.warmup * s.total - 1;
  if (i <= warmEnd) return cosineBetween(start, lr, warmEnd > 0 ? i / warmEnd : 1);
  return cosineBetween(lr, start / s.finalDiv, (i - warmEnd) / (s.total - 1 - warmEnd));
}

export function learningRateAt(lr: number, schedule: Schedule | undefined, t: number): number {
  if (!schedule || schedule.kind === 'constant') return lr;
  if (schedule.kind === 'step') return lr * Math.pow(schedule.gamma, Math.floor((t - 1) / schedule.every));
  if (schedule.kind === 'onecycle') return oneCycleAt(lr, schedule, t);
  const progress = Math.min(1, (t - 1) / schedule.total);
  const floor = lr * schedule.floor;
  return floor + (lr - floor) * 0.5 * (1 + Math.cos(Math.PI * progress));
}

export function checkSchedule(s: Schedule): Schedule {
  if (s.kind === 'step' && !(Number.isInteger(s.every) && s.every > 0 && Number.isFinite(s.gamma) && s.gamma > 0)) {
    throw optionError('schedule', `step: every ${s.every} steps, gamma ${s.gamma}; expected a whole number of steps > 0 and gamma > 0`);
  }
  if (s.kind === 'cosine' && !(Number.isInteger(s.total) && s.total > 0 && s.floor >= 0 && s.floor <= 1)) {
    throw optionError('schedule', `cosine: over ${s.total} steps down to ${s.floor} of the rate; expected a whole number of steps > 0 and a floor in [0, 1]`);
  }
  if (s.kind === 'onecycle' && !(Number.isInteger(s.total) && s.total > 1 && s.warmup > 0 && s.warmup < 1 && s.div >= 1 && s.finalDiv >= 1)) {
    throw optionError('schedule', `onecycle: over ${s.total} steps, warm-up ${s.warmup} of them, div ${s.div}, final div ${s.finalDiv}; expected a whole number of steps > 1, a warm-up in (0, 1) and divisors >= 1`);
  }
  return s;
}
