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
  | { kind: 'cosine'; total: number; floor: number };

export const SCHEDULE_NAMES = ['constant', 'step', 'cosine'] as const;

export function learningRateAt(lr: number, schedule: Schedule | undefined, t: number): number {
  if (!schedule || schedule.kind === 'constant') return lr;
  if (schedule.kind === 'step') return lr * Math.pow(schedule.gamma, Math.floor((t - 1) / schedule.every));
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
  return s;
}
