/**
 * Training speed: the tutorial's softmax model, the MLP 784-256-10 (batch 100) and the CNN preset
 * (batch 64), with 1 and 2 threads, on each kernel path. Each configuration runs in a fresh
 * process; the first epoch (JIT warm-up, pool start) is dropped and the median of the rest is
 * reported. The kernel paths of one model and thread count run back to back, so that they see
 * the same load on a shared machine.
 *
 *   npm run bench                          a table
 *   npm run bench -- --json                {"runs": [{"model", "threads", "kernels", "epoch_s", "epoch_range_s", "epoch_rounds_s", "samples_per_s", "peak_rss_mb"}, ...]}
 *   npm run bench -- --models softmax,mlp  some models only (softmax, mlp, mlp-dense, cnn; mlp-dense is the
 *                                          MLP on MNIST with a background level added: no zero pixels)
 *   npm run bench -- --kernels simd        some kernel paths only (js, simd; default both)
 *   npm run bench -- --peers               also the same jobs in numpy and PyTorch (softmax, mlp; the
 *                                          CNN preset in PyTorch), interleaved with ours, and the ratios
 *   npm run bench -- --rounds 3            the whole sequence three times over: each figure is then the
 *                                          median of its rounds, with their range (on a shared machine
 *                                          the load changes from one round to the next)
 *   npm run bench -- --to-accuracy         each preset's whole run against PyTorch's (bench-to-accuracy.ts)
 *   npm run bench -- --page                a preset trained in the page (Chromium, Web Workers) against
 *                                          the CLI on the same threads (bench-page.ts)
 *   npm run bench -- --no-scaling          without the in-process comparison of 1 and 2 threads that
 *                                          each round runs for each model (bench-scaling.ts), which
 *                                          --json gives as "scaling"
 * The peers run scripts/peers/peer_epochs.py with the first python3 that has the library
 * (python3 on the PATH, then /usr/bin/python3); a missing one is said in one line and skipped.
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

// Time to accuracy (bench-to-accuracy.ts, whole runs rather than epochs) and the page against the
// CLI (bench-page.ts) are benchmarks of their own.
for (const [flag, script] of [['--to-accuracy', './bench-to-accuracy.ts'], ['--page', './bench-page.ts']]) {
  if (!process.argv.includes(flag)) continue;
  const r = spawnSync(process.execPath, [...process.execArgv, fileURLToPath(new URL(script, import.meta.url)), ...process.argv.slice(2)], { stdio: 'inherit' });
  process.exit(r.status ?? 1);
}
import { bundledDataDir } from '../src/node/mnist-files.js';
import { CNN_LAYERS } from '../src/engine/model/models.js';
import { BENCH_KERNELS, BENCH_MODELS } from './bench-job.js';
import { checkChoices, listFlag, wholeNumberFlag } from './bench-args.js';
import { median } from './timing.js';

const json = process.argv.includes('--json');
const RUN = fileURLToPath(new URL('./bench-train-run.ts', import.meta.url));
const SCALING = fileURLToPath(new URL('./bench-scaling.ts', import.meta.url));
const withScaling = !process.argv.includes('--no-scaling');
/**
 * Epochs per run (the peers run the same). A run's epochs get faster until V8 has compiled the
 * step's code (README, "Why a 2-thread run's first epochs are slow"), so each model runs enough
 * epochs that the median of those after the first lies past the slow ones: the tutorial's 25 for
 * softmax, more for the MLP than for the CNN, whose epochs are fewer but each much longer.
 */
const EPOCHS: Record<string, number> = { softmax: 25, mlp: 12, 'mlp-dense': 3, cnn: 4 };
const MODELS = listFlag('--models', BENCH_MODELS);
const KERNELS = listFlag('--kernels', BENCH_KERNELS);
checkChoices('--models', MODELS, BENCH_MODELS);
checkChoices('--kernels', KERNELS, BENCH_KERNELS);
const ROUNDS = wholeNumberFlag('--rounds', 1, 1);
const SAMPLES_PER_EPOCH = 55000;
const PEER_SCRIPT = fileURLToPath(new URL('./peers/peer_epochs.py', import.meta.url));
/** The peer script's job for each model: which peers run it, and its arguments after the data folder. */
const PEER_JOBS: Record<string, { peers: string[]; job: string; extra: string[] }> = {
  softmax: { peers: ['numpy', 'torch'], job: 'softmax', extra: [] },
  mlp: { peers: ['numpy', 'torch'], job: 'mlp', extra: [] },
  cnn: { peers: ['torch'], job: 'layers', extra: [CNN_LAYERS] },
};

/** The first python that imports `library`, or undefined. */
function pythonWith(library: string): string | undefined {
  for (const python of ['python3', '/usr/bin/python3']) {
    const r = spawnSync(python, ['-c', `import ${library}`], { encoding: 'utf8' });
    if (r.status === 0) return python;
  }
  return undefined;
}

const peers: { name: string; python: string }[] = [];
if (process.argv.includes('--peers')) {
  for (const [name, library, install] of [['numpy', 'numpy', 'python3-numpy'], ['torch', 'torch', 'python3-torch']]) {
    const python = pythonWith(library);
    if (python) peers.push({ name, python });
    else process.stderr.write(`peer ${name}: no python3 here imports ${library}; skipped (Debian: apt-get install ${install})\n`);
  }
}

/**
 * One configuration: `kernels` is js or simd for mnist-ts, or the peer's name (numpy, torch);
 * epoch_rounds_s is each round's median epoch, epoch_s their median, epoch_range_s their least and
 * greatest.
 */
interface Run { model: string; threads: number; kernels: string; epoch_s: number; epoch_range_s: [number, number]; epoch_rounds_s: number[]; samples_per_s: number; peak_rss_mb: number | null; library?: string }
const runs: Run[] = [];
/**
 * 1 against 2 threads in one process (bench-scaling.ts), a round each: the median over a round's
 * window triples of the 1-thread window's time a step over the 2-thread one's (ratio), of how much
 * longer one thread's steps took with the other core busy on work of its own (contention), of the
 * other core's steps meanwhile against the idle-core ones (other_core), and of the 2 threads'
 * ceiling that leaves; `ratio` is the rounds' median.
 */
interface Scaling { model: string; kernels: string; ratio: number; ratio_rounds: number[]; ceiling_rounds: number[]; contention_rounds: number[]; other_core_rounds: number[]; step_us_rounds: Record<string, number>[] }
const scalings: Scaling[] = [];

/** Adds one round's median epoch of a configuration to its run. */
function record(model: string, threads: number, kernels: string, epochS: number, rss: number | null, library?: string): void {
  let run = runs.find((r) => r.model === model && r.threads === threads && r.kernels === kernels);
  if (!run) runs.push((run = { model, threads, kernels, epoch_s: 0, epoch_range_s: [epochS, epochS], epoch_rounds_s: [], samples_per_s: 0, peak_rss_mb: rss, library }));
  run.epoch_rounds_s.push(+epochS.toFixed(4));
  const xs = run.epoch_rounds_s;
  run.epoch_s = +median(xs).toFixed(4);
  run.epoch_range_s = [+Math.min(...xs).toFixed(4), +Math.max(...xs).toFixed(4)];
  run.samples_per_s = Math.round(SAMPLES_PER_EPOCH / run.epoch_s);
  if (rss !== null) run.peak_rss_mb = Math.max(run.peak_rss_mb ?? 0, rss);
}

for (let round = 1; round <= ROUNDS; round++) {
for (const model of MODELS) {
  for (const threads of [1, 2]) {
    for (const kernels of KERNELS) {
      const r = spawnSync(process.execPath, [...process.execArgv, RUN, model, String(threads), String(EPOCHS[model]), kernels], { encoding: 'utf8' });
      if (r.status !== 0) throw new Error(`bench run ${model} ${threads} ${kernels} failed: ${r.stderr}`);
      const out = JSON.parse(r.stdout.trim().split('\n').at(-1)!);
      record(model, threads, out.kernels, median(out.epoch_seconds.slice(1)), Math.round(out.peak_rss_mb));
      // A pool that stopped spinning found other processes on the cores: say so, it explains slow epochs.
      const crowded = out.spin_switches > 0 ? ` (other processes took the cores: the pool stopped spinning ${out.spin_switches} times)` : '';
      if (!json) process.stderr.write(`  ${ROUNDS > 1 ? `round ${round}: ` : ''}${model} threads=${threads} ${out.kernels}: epochs ${out.epoch_seconds.map((s: number) => s.toFixed(3)).join(' ')} s${crowded}\n`);
    }
    if (threads === 2 && withScaling) {
      for (const kernels of KERNELS) {
        const r = spawnSync(process.execPath, [...process.execArgv, SCALING, model, kernels], { encoding: 'utf8' });
        if (r.status !== 0) throw new Error(`bench scaling ${model} ${kernels} failed: ${r.stderr}`);
        const out = JSON.parse(r.stdout.trim().split('\n').at(-1)!);
        let sc = scalings.find((x) => x.model === model && x.kernels === out.kernels);
        if (!sc) scalings.push((sc = { model, kernels: out.kernels, ratio: 0, ratio_rounds: [], ceiling_rounds: [], contention_rounds: [], other_core_rounds: [], step_us_rounds: [] }));
        sc.ratio_rounds.push(out.ratio);
        sc.ceiling_rounds.push(out.ceiling);
        sc.contention_rounds.push(out.contention);
        sc.other_core_rounds.push(out.other_core);
        sc.step_us_rounds.push(out.step_us);
        sc.ratio = +median(sc.ratio_rounds).toFixed(3);
        if (!json) {
          const us = Object.values(out.step_us as Record<string, number>).map((x) => x.toFixed(0));
          process.stderr.write(`  ${ROUNDS > 1 ? `round ${round}: ` : ''}${model} ${out.kernels} in one process: a step ${us[0]} µs on 1 thread, ${us[1]} µs with the other core busy, ${us[2]} µs on 2 threads: 2 threads ${out.ratio.toFixed(2)}x as fast as 1 (window triples ${out.ratio_p10_p90.map((x: number) => x.toFixed(2)).join('–')}, 10th–90th percentile), the host's ceiling ${out.ceiling.toFixed(2)}x (the other core's steps ${out.other_core.toFixed(2)}x this one's)${out.pool_spin_switches > 0 ? ` (other processes took the cores: the pool stopped spinning ${out.pool_spin_switches} times)` : ''}\n`);
        }
      }
    }
    const peerJob = PEER_JOBS[model];
    for (const peer of peers) {
      if (!peerJob?.peers.includes(peer.name)) continue;
      const r = spawnSync(peer.python, [PEER_SCRIPT, peer.name, peerJob.job, String(threads), String(EPOCHS[model]), bundledDataDir(), ...peerJob.extra], { encoding: 'utf8' });
      if (r.status !== 0) throw new Error(`peer ${peer.name} ${model} ${threads} failed: ${r.stderr}`);
      const out = JSON.parse(r.stdout.trim().split('\n').at(-1)!);
      record(model, threads, peer.name, median(out.epoch_seconds.slice(1)), null, out.library);
      if (!json) process.stderr.write(`  ${ROUNDS > 1 ? `round ${round}: ` : ''}${model} threads=${threads} ${out.library}: epochs ${out.epoch_seconds.map((s: number) => s.toFixed(3)).join(' ')} s\n`);
    }
  }
}
}

/** With several rounds, a ratio round by round (each round's own medians): ` (rounds: a, b, c)`. */
function byRound(ratio: (round: number) => number): string {
  return ROUNDS > 1 ? ` (rounds: ${Array.from({ length: ROUNDS }, (_, i) => ratio(i).toFixed(2)).join(', ')})` : '';
}

if (json) {
  console.log(JSON.stringify({ runs, scaling: scalings }));
} else {
  console.log(`model     threads  kernels  epoch (median)${ROUNDS > 1 ? `  range over ${ROUNDS} rounds` : ''}   samples/s   peak RSS`);
  for (const r of runs) {
    const rss = r.peak_rss_mb === null ? '      -' : `${String(r.peak_rss_mb).padStart(6)} MB`;
    const range = ROUNDS > 1 ? `  ${r.epoch_range_s.map((x) => x.toFixed(3)).join('–').padStart(19)}` : '';
    console.log(`${r.model.padEnd(10)}${String(r.threads).padStart(7)}  ${r.kernels.padEnd(7)}  ${r.epoch_s.toFixed(3).padStart(12)} s${range}  ${String(r.samples_per_s).padStart(10)}  ${rss}`);
  }
  for (const model of MODELS) {
    for (const kernels of new Set(runs.map((r) => r.kernels))) {
      const [one, two] = [1, 2].map((t) => runs.find((r) => r.model === model && r.threads === t && r.kernels === kernels));
      if (one && two) console.log(`${model} (${kernels}): 2 threads are ${(one.epoch_s / two.epoch_s).toFixed(2)}x as fast as 1${byRound((i) => one.epoch_rounds_s[i] / two.epoch_rounds_s[i])}`);
      const sc = scalings.find((x) => x.model === model && x.kernels === kernels);
      if (sc) console.log(`${model} (${kernels}): in one process, window by window, 2 threads' steps are ${sc.ratio.toFixed(2)}x as fast as 1${byRound((i) => sc.ratio_rounds[i])}; the host's ceiling ${median(sc.ceiling_rounds).toFixed(2)}x${byRound((i) => sc.ceiling_rounds[i])}`);
    }
    const js = runs.find((r) => r.model === model && r.threads === 2 && r.kernels === 'js');
    const simd = runs.find((r) => r.model === model && r.threads === 2 && r.kernels === 'simd');
    if (js && simd) console.log(`${model}: SIMD kernels ${(js.epoch_s / simd.epoch_s).toFixed(2)}x as fast as JS on 2 threads`);
    const ours = runs.filter((r) => r.model === model && r.kernels === 'simd');
    for (const peer of peers) {
      const theirs = runs.filter((r) => r.model === model && r.kernels === peer.name);
      if (ours.length === 0 || theirs.length === 0) continue;
      const best = (rs: Run[]) => rs.reduce((a, b) => (b.epoch_s < a.epoch_s ? b : a));
      const [o, t] = [best(ours), best(theirs)];
      const bestIn = (rs: Run[], i: number) => Math.min(...rs.map((r) => r.epoch_rounds_s[i]));
      console.log(`${model}: mnist-ts SIMD's best epoch (${o.threads} thread${o.threads > 1 ? 's' : ''}, ${o.epoch_s.toFixed(3)} s) against ${t.library}'s best (${t.threads} thread${t.threads > 1 ? 's' : ''}, ${t.epoch_s.toFixed(3)} s): ${(t.epoch_s / o.epoch_s).toFixed(2)}x as fast${byRound((i) => bestIn(theirs, i) / bestIn(ours, i))}`);
    }
  }
}
