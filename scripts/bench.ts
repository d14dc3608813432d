/**
 * Training speed: the tutorial's softmax model, the MLP 784-256-10 (batch 100) and the CNN preset
 * (batch 64), with 1 and 2 threads, on each kernel path. Each configuration runs in a fresh
 * process; the first epoch (JIT warm-up, pool start) is dropped and the median of the rest is
 * reported. The kernel paths of one model and thread count run back to back, so that they see
 * the same load on a shared machine.
 *
 *   npm run bench                          a table
 *   npm run bench -- --json                {"runs": [{"model", "threads", "kernels", "epoch_s", "samples_per_s", "peak_rss_mb"}, ...]}
 *   npm run bench -- --models softmax,mlp  some models only (softmax, mlp, mlp-dense, cnn; mlp-dense is the
 *                                          MLP on MNIST with a background level added: no zero pixels)
 *   npm run bench -- --kernels simd        some kernel paths only (js, simd; default both)
 *   npm run bench -- --peers               also the same jobs in numpy and PyTorch (softmax, mlp),
 *                                          interleaved with ours, and the ratios
 * The peers run scripts/peers/peer_epochs.py with the first python3 that has the library
 * (python3 on the PATH, then /usr/bin/python3); a missing one is said in one line and skipped.
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { bundledDataDir } from '../src/node/mnist-files.js';

const json = process.argv.includes('--json');
const RUN = fileURLToPath(new URL('./bench-train-run.ts', import.meta.url));
const EPOCHS: Record<string, number> = { softmax: 6, mlp: 4, 'mlp-dense': 3, cnn: 3 };
const listArg = (flag: string, all: string[]) => {
  const at = process.argv.indexOf(flag);
  return at > 0 ? process.argv[at + 1].split(',') : all;
};
const MODELS = listArg('--models', ['softmax', 'mlp', 'mlp-dense', 'cnn']);
const KERNELS = listArg('--kernels', ['js', 'simd']);
const SAMPLES_PER_EPOCH = 55000;
const PEER_SCRIPT = fileURLToPath(new URL('./peers/peer_epochs.py', import.meta.url));
const PEER_MODELS = ['softmax', 'mlp'];

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

/** One configuration's epochs; `kernels` is js or simd for mnist-ts, or the peer's name (numpy, torch). */
interface Run { model: string; threads: number; kernels: string; epoch_s: number; samples_per_s: number; peak_rss_mb: number | null; library?: string }
const runs: Run[] = [];

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

for (const model of MODELS) {
  for (const threads of [1, 2]) {
    for (const kernels of KERNELS) {
      const r = spawnSync(process.execPath, [...process.execArgv, RUN, model, String(threads), String(EPOCHS[model]), kernels], { encoding: 'utf8' });
      if (r.status !== 0) throw new Error(`bench run ${model} ${threads} ${kernels} failed: ${r.stderr}`);
      const out = JSON.parse(r.stdout.trim().split('\n').at(-1)!);
      const epochS = median(out.epoch_seconds.slice(1));
      runs.push({ model, threads, kernels: out.kernels, epoch_s: +epochS.toFixed(4), samples_per_s: Math.round(SAMPLES_PER_EPOCH / epochS), peak_rss_mb: Math.round(out.peak_rss_mb) });
      if (!json) process.stderr.write(`  ${model} threads=${threads} ${out.kernels}: epochs ${out.epoch_seconds.map((s: number) => s.toFixed(3)).join(' ')} s\n`);
    }
    if (!PEER_MODELS.includes(model)) continue;
    for (const peer of peers) {
      const r = spawnSync(peer.python, [PEER_SCRIPT, peer.name, model, String(threads), String(EPOCHS[model]), bundledDataDir()], { encoding: 'utf8' });
      if (r.status !== 0) throw new Error(`peer ${peer.name} ${model} ${threads} failed: ${r.stderr}`);
      const out = JSON.parse(r.stdout.trim().split('\n').at(-1)!);
      const epochS = median(out.epoch_seconds.slice(1));
      runs.push({ model, threads, kernels: peer.name, epoch_s: +epochS.toFixed(4), samples_per_s: Math.round(SAMPLES_PER_EPOCH / epochS), peak_rss_mb: null, library: out.library });
      if (!json) process.stderr.write(`  ${model} threads=${threads} ${out.library}: epochs ${out.epoch_seconds.map((s: number) => s.toFixed(3)).join(' ')} s\n`);
    }
  }
}

if (json) {
  console.log(JSON.stringify({ runs }));
} else {
  console.log('model     threads  kernels  epoch (median)   samples/s   peak RSS');
  for (const r of runs) {
    const rss = r.peak_rss_mb === null ? '      -' : `${String(r.peak_rss_mb).padStart(6)} MB`;
    console.log(`${r.model.padEnd(10)}${String(r.threads).padStart(7)}  ${r.kernels.padEnd(7)}  ${r.epoch_s.toFixed(3).padStart(12)} s  ${String(r.samples_per_s).padStart(10)}  ${rss}`);
  }
  for (const model of MODELS) {
    for (const kernels of new Set(runs.map((r) => r.kernels))) {
      const [one, two] = [1, 2].map((t) => runs.find((r) => r.model === model && r.threads === t && r.kernels === kernels));
      if (one && two) console.log(`${model} (${kernels}): 2 threads are ${(one.epoch_s / two.epoch_s).toFixed(2)}x as fast as 1`);
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
      console.log(`${model}: mnist-ts SIMD's best epoch (${o.threads} thread${o.threads > 1 ? 's' : ''}, ${o.epoch_s.toFixed(3)} s) against ${t.library}'s best (${t.threads} thread${t.threads > 1 ? 's' : ''}, ${t.epoch_s.toFixed(3)} s): ${(t.epoch_s / o.epoch_s).toFixed(2)}x as fast`);
    }
  }
}
