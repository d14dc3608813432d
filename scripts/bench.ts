/**
 * Training speed: the tutorial's softmax model, the MLP 784-256-10 (batch 100) and the CNN preset
 * (batch 64), with 1 and 2 threads. Each configuration runs in a fresh process; the first epoch
 * (JIT warm-up, pool start) is dropped and the median of the rest is reported.
 *
 *   npm run bench                    a table
 *   npm run bench -- --json          {"runs": [{"model", "threads", "epoch_s", "samples_per_s", "peak_rss_mb"}, ...]}
 *   npm run bench -- --models cnn    some models only (softmax, mlp, cnn)
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const json = process.argv.includes('--json');
const RUN = fileURLToPath(new URL('./bench-train-run.ts', import.meta.url));
const EPOCHS: Record<string, number> = { softmax: 6, mlp: 4, cnn: 3 };
const modelsArg = process.argv.indexOf('--models');
const MODELS = modelsArg > 0 ? process.argv[modelsArg + 1].split(',') : ['softmax', 'mlp', 'cnn'];
const SAMPLES_PER_EPOCH = 55000;

interface Run { model: string; threads: number; epoch_s: number; samples_per_s: number; peak_rss_mb: number }
const runs: Run[] = [];

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

for (const model of MODELS) {
  for (const threads of [1, 2]) {
    const r = spawnSync(process.execPath, [...process.execArgv, RUN, model, String(threads), String(EPOCHS[model])], { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`bench run ${model} ${threads} failed: ${r.stderr}`);
    const out = JSON.parse(r.stdout.trim().split('\n').at(-1)!);
    const epochS = median(out.epoch_seconds.slice(1));
    runs.push({ model, threads, epoch_s: +epochS.toFixed(4), samples_per_s: Math.round(SAMPLES_PER_EPOCH / epochS), peak_rss_mb: Math.round(out.peak_rss_mb) });
    if (!json) process.stderr.write(`  ${model} threads=${threads}: epochs ${out.epoch_seconds.map((s: number) => s.toFixed(3)).join(' ')} s\n`);
  }
}

if (json) {
  console.log(JSON.stringify({ runs }));
} else {
  console.log('model     threads  epoch (median)   samples/s   peak RSS');
  for (const r of runs) {
    console.log(`${r.model.padEnd(10)}${String(r.threads).padStart(7)}  ${r.epoch_s.toFixed(3).padStart(12)} s  ${String(r.samples_per_s).padStart(10)}  ${String(r.peak_rss_mb).padStart(6)} MB`);
  }
  for (const model of MODELS) {
    const [one, two] = [1, 2].map((t) => runs.find((r) => r.model === model && r.threads === t)!);
    console.log(`${model}: 2 threads are ${(one.epoch_s / two.epoch_s).toFixed(2)}x as fast as 1`);
  }
}
