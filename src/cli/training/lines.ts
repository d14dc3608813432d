/** What `train` prints: a headline, a line (or a JSON object) per epoch, and the result. */
import type { EpochInfo } from '../../train/trainer.js';
import { plural } from '../options.js';
import type { Print } from '../output.js';
import type { PreparedRun } from './prepare.js';
import type { TrainSettings } from './settings.js';

export function headline(run: PreparedRun, settings: TrainSettings, resumedAfter?: number): string {
  const { config, model, optimizer } = run;
  const extras = [
    config.schedule && config.schedule.kind !== 'constant' ? `${config.schedule.kind} schedule${config.schedule.kind === 'onecycle' ? ` (warm-up ${config.schedule.warmup})` : ''}` : '',
    config.beta1 !== undefined ? `betas ${config.beta1},${config.beta2}` : '',
    config.weightDecay ? `weight decay ${config.weightDecay}` : '',
    config.labelSmoothing ? `label smoothing ${config.labelSmoothing}` : '',
    config.ema ? `average of the weights (decay ${config.ema})` : '',
    run.augment ? `shifts of up to ±${run.augment.shift} px` : '',
  ].filter(Boolean);
  const from = resumedAfter !== undefined ? `, resuming after epoch ${resumedAfter}` : '';
  return `Training ${run.description} (${model.paramCount} parameters) on ${run.train.count} images: ${optimizer.name} lr ${config.lr}${extras.map((e) => `, ${e}`).join('')}, batch ${config.batchSize}, ${plural(settings.epochs, 'epoch')} of ${plural(run.stepsPerEpoch, 'step')}, ${plural(settings.threads, 'thread')}, ${settings.kernels === 'simd' ? 'SIMD' : 'JS'} kernels, seed ${settings.seed}${from}`;
}

function epochLine(e: EpochInfo): string {
  const val = e.validationAccuracy === undefined ? '' : `  validation accuracy: ${e.validationAccuracy.toFixed(4)}`;
  return `Epoch: ${String(e.epoch).padStart(4, '0')} cost= ${e.cost.toFixed(9)}${val}  (${Math.round(e.samplesPerSecond)} samples/s, ${e.seconds.toFixed(2)} s)`;
}

function epochJson(e: EpochInfo): string {
  return JSON.stringify({ epoch: e.epoch, cost: e.cost, validation_accuracy: e.validationAccuracy ?? null, seconds: e.seconds, samples_per_s: e.samplesPerSecond });
}

/** Prints the epoch as text every `displayStep` epochs, or as JSON every epoch. */
export function epochPrinter(settings: TrainSettings, print: Print): (e: EpochInfo) => void {
  return (e) => {
    if (settings.json) print(epochJson(e));
    else if (e.epoch % settings.displayStep === 0) print(epochLine(e));
  };
}
