/**
 * Time to accuracy: each preset's whole run, start to exit, as a user runs it (`mnist-ts train
 * --model X --seed S --no-save`, the built CLI), and the same recipe in PyTorch
 * (peers/peer_recipe.py: the same architecture, epochs, batch, optimiser, schedule, smoothing and
 * shifts, on the same threads), interleaved seed by seed so both see the same load.
 *
 *   npm run bench -- --to-accuracy                       fast, cnn and best, seeds 0, 1, 2
 *   npm run bench -- --to-accuracy --models fast --seeds 0,1,2,3,4 [--threads 2] [--no-peer] [--json]
 */
import { spawnSync } from 'node:child_process';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { bundledDataDir } from '../src/node/mnist-files.js';
import { resolveTrainSettings } from '../src/cli/training/settings.js';
import { presetLayers, scheduleInSteps } from '../src/train/recipes.js';
import { stepsPerEpoch } from '../src/train/trainer.js';
import { checkChoices, listFlag, refuse, wholeNumberFlag } from './bench-args.js';

const PRESETS = ['fast', 'cnn', 'best'];
const CLI = fileURLToPath(new URL('../dist/src/cli/main.js', import.meta.url));
const PEER = fileURLToPath(new URL('./peers/peer_recipe.py', import.meta.url));
const TRAIN_IMAGES = 55000;

const models = listFlag('--models', PRESETS);
checkChoices('--models', models, PRESETS);
const seeds = listFlag('--seeds', ['0', '1', '2']).map(Number);
if (seeds.some((s) => !(Number.isInteger(s) && s >= 0))) refuse(`--seeds: ${listFlag('--seeds', [])}, expected whole numbers >= 0`);
const threads = wholeNumberFlag('--threads', availableParallelism(), 1, 256);
// The runs time the built CLI, as a user runs it: build it first if a source is newer.
if (spawnSync(process.execPath, [fileURLToPath(new URL('./build-if-stale.mjs', import.meta.url))], { stdio: 'inherit' }).status !== 0) refuse('bench: the build failed');
const json = process.argv.includes('--json');
const withPeer = !process.argv.includes('--no-peer');

/** The recipe `train --model X` runs, as the checkpoint records it, with the schedule in steps. */
function recipeOf(model: string): Record<string, unknown> {
  const s = resolveTrainSettings({ model }, undefined, () => {});
  const schedule = scheduleInSteps(s.schedule, s.epochs, stepsPerEpoch(TRAIN_IMAGES, s.config.batchSize));
  return { ...s.config, schedule, layers: presetLayers(model) };
}

/** Runs a command and times it, start to exit; its last stdout line is JSON. */
function timed(command: string, args: string[]): { seconds: number; out: Record<string, unknown> } {
  const t0 = performance.now();
  const r = spawnSync(command, args, { encoding: 'utf8', maxBuffer: 1 << 26 });
  const seconds = (performance.now() - t0) / 1000;
  if (r.status !== 0) throw new Error(`${command} ${args.slice(0, 3).join(' ')}...: exit ${r.status}: ${r.stderr}`);
  return { seconds, out: JSON.parse(r.stdout.trim().split('\n').at(-1)!) };
}

const python = ['python3', '/usr/bin/python3'].find((p) => spawnSync(p, ['-c', 'import torch'], { encoding: 'utf8' }).status === 0);
if (withPeer && !python) process.stderr.write('peer torch: no python3 here imports torch; skipped (Debian: apt-get install python3-torch)\n');

interface Row { model: string; runner: string; seed: number; seconds: number; test_accuracy: number }
const rows: Row[] = [];
for (const model of models) {
  const recipe = JSON.stringify(recipeOf(model));
  for (const seed of seeds) {
    const ours = timed(process.execPath, [CLI, 'train', '--model', model, '--seed', String(seed), '--threads', String(threads), '--no-save', '--json']);
    rows.push({ model, runner: 'mnist-ts', seed, seconds: ours.seconds, test_accuracy: ours.out.test_accuracy as number });
    if (!json) process.stderr.write(`  ${model} seed ${seed}: mnist-ts ${ours.seconds.toFixed(2)} s, ${(ours.out.test_accuracy as number).toFixed(4)}\n`);
    if (!withPeer || !python) continue;
    const theirs = timed(python, [PEER, String(threads), String(seed), bundledDataDir(), recipe]);
    rows.push({ model, runner: String(theirs.out.library), seed, seconds: theirs.seconds, test_accuracy: theirs.out.test_accuracy as number });
    if (!json) process.stderr.write(`  ${model} seed ${seed}: ${theirs.out.library} ${theirs.seconds.toFixed(2)} s, ${(theirs.out.test_accuracy as number).toFixed(4)}\n`);
  }
}

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
if (json) {
  console.log(JSON.stringify({ threads, rows }));
} else {
  console.log(`preset  runner         seeds  wall, start to exit (least–most)  test accuracy (mean; least–most)`);
  for (const model of models) {
    const runners = [...new Set(rows.filter((r) => r.model === model).map((r) => r.runner))];
    for (const runner of runners) {
      const rs = rows.filter((r) => r.model === model && r.runner === runner);
      const secs = rs.map((r) => r.seconds), accs = rs.map((r) => r.test_accuracy);
      console.log(`${model.padEnd(8)}${runner.padEnd(15)}${String(rs.length).padStart(5)}  ${mean(secs).toFixed(2).padStart(7)} s (${Math.min(...secs).toFixed(2)}–${Math.max(...secs).toFixed(2)})${''.padEnd(12)}${mean(accs).toFixed(4)} (${Math.min(...accs).toFixed(4)}–${Math.max(...accs).toFixed(4)})`);
    }
    const [a, b] = runners.map((runner) => mean(rows.filter((r) => r.model === model && r.runner === runner).map((r) => r.seconds)));
    if (b !== undefined) console.log(`${model}: ${runners[1]} takes ${(b / a).toFixed(2)}x mnist-ts's time to its accuracy`);
  }
}
