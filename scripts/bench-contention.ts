/**
 * Two trainings at once on the same cores, as when two runs share a machine: each on 2 threads,
 * with the pool's waits adapting to the crowding (SpinPolicy, the default) and with them spinning
 * regardless (as before it), against one training alone. Each run is its own process
 * (bench-train-run.ts); the pair starts together and every figure is the median epoch after the
 * first. Rounds interleave the three settings, so that a change in the machine's load falls on
 * all three.
 *   npm run bench:contention -- [--models softmax,mlp] [--rounds 2] [--json]
 */
import { spawn } from 'node:child_process';
import { median } from './timing.js';

const flag = (name: string, fallback: string) => {
  const at = process.argv.indexOf(`--${name}`);
  return at > 0 ? process.argv[at + 1] : fallback;
};
const MODELS = flag('models', 'softmax,mlp').split(',');
const ROUNDS = Number(flag('rounds', '2'));
const JSON_OUT = process.argv.includes('--json');
/** Epochs per run: enough for a median past the first, few for the slow models. */
const EPOCHS: Record<string, number> = { softmax: 8, mlp: 3, cnn: 2 };

interface Run {
  epoch_seconds: number[];
  spin_switches: number;
}

function runOne(model: string, spin: 'adapt' | 'fixed-spin'): Promise<Run> {
  const args = ['--import', 'tsx', 'scripts/bench-train-run.ts', model, '2', String(EPOCHS[model] ?? 3), 'simd', spin];
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (c) => (out += c));
    child.on('close', (code) => (code === 0 ? resolve(JSON.parse(out.trim().split('\n').at(-1)!)) : reject(new Error(`${model} ${spin}: exit ${code}`))));
  });
}

const epoch = (r: Run) => median(r.epoch_seconds.slice(1));

const SETTINGS = ['alone', 'pair, adaptive waits', 'pair, always spinning'] as const;
const results: { model: string; setting: string; round: number; epoch_s: number[]; spin_switches: number[] }[] = [];
for (let round = 1; round <= ROUNDS; round++) {
  for (const model of MODELS) {
    for (const setting of SETTINGS) {
      const runs = setting === 'alone'
        ? [await runOne(model, 'adapt')]
        : await Promise.all([0, 1].map(() => runOne(model, setting === 'pair, adaptive waits' ? 'adapt' : 'fixed-spin')));
      const row = { model, setting, round, epoch_s: runs.map((r) => +epoch(r).toFixed(4)), spin_switches: runs.map((r) => r.spin_switches) };
      results.push(row);
      if (!JSON_OUT) console.log(`  round ${round}: ${model} ${setting}: epoch ${row.epoch_s.map((s) => `${s.toFixed(3)} s`).join(' and ')} (spinning stopped ${row.spin_switches.join(' and ')} times)`);
    }
  }
}
if (JSON_OUT) {
  console.log(JSON.stringify({ rounds: ROUNDS, results }, null, 1));
} else {
  console.log(`\nmodel     setting                  epoch (median of runs and rounds)  range`);
  for (const model of MODELS) {
    for (const setting of SETTINGS) {
      const xs = results.filter((r) => r.model === model && r.setting === setting).flatMap((r) => r.epoch_s);
      console.log(`${model.padEnd(9)} ${setting.padEnd(24)} ${`${median(xs).toFixed(3)} s`.padEnd(34)} ${Math.min(...xs).toFixed(3)}–${Math.max(...xs).toFixed(3)} s`);
    }
  }
}
