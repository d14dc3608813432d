/**
 * Training in the page against training in Node: a preset trained for a few epochs on all of
 * MNIST by `mnist-ts train --threads N` (the built CLI) and in the draw-a-digit page in headless
 * Chromium on N Web Workers, both with and without fused multiply-adds (`?fused=off` computes as
 * Node 20 does: the same bits), interleaved round by round so that all see the same load. Reports
 * the first epoch (start-up included) and the median of the later ones, each as the median of the
 * rounds with their range, and the page's ratio to the CLI.
 *
 *   npm run bench -- --page                                     cnn, 3 epochs, 2 threads, 3 rounds
 *   npm run bench -- --page --models cnn,fast --epochs 3 --threads 2 --rounds 3 [--json]
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser } from 'playwright-core';
import { startPageServer, type PageServer } from '../src/node/page-server.js';
import { checkChoices, flagValue, refuse, wholeNumberFlag } from './bench-args.js';
import { median } from './timing.js';

const PRESETS = ['cnn', 'fast', 'best', 'softmax', 'mlp'];
const CLI = fileURLToPath(new URL('../dist/src/cli/main.js', import.meta.url));
const CHROMIUM = process.env.MNIST_TS_CHROMIUM ?? '/usr/bin/chromium';

const models = flagValue('--models', 'cnn').split(',');
checkChoices('--models', models, PRESETS);
const epochs = wholeNumberFlag('--epochs', 3, 2);
const threads = wholeNumberFlag('--threads', 2, 1);
const rounds = wholeNumberFlag('--rounds', 3, 1);
const json = process.argv.includes('--json');
if (!existsSync(CHROMIUM)) refuse(`bench --page: no Chromium at ${CHROMIUM} (apt-get install -y chromium, or set MNIST_TS_CHROMIUM)`);
if (spawnSync(process.execPath, [fileURLToPath(new URL('./build-if-stale.mjs', import.meta.url))], { stdio: 'inherit' }).status !== 0) refuse('bench: the build failed');

type Where = 'CLI' | 'page, unfused' | 'page, fused';
const WHERE: Where[] = ['CLI', 'page, unfused', 'page, fused'];

/** Each epoch's seconds, as `mnist-ts train --json` reports them. */
function cliEpochs(model: string): number[] {
  const r = spawnSync(process.execPath, [CLI, 'train', '--model', model, '--epochs', String(epochs), '--threads', String(threads), '--no-save', '--json'], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`mnist-ts train --model ${model} failed: ${r.stderr}`);
  return r.stdout.split('\n').filter((l) => l.startsWith('{"epoch"')).map((l) => JSON.parse(l).seconds as number);
}

/** Each epoch's seconds in a fresh page, as its training panel shows them. */
async function pageEpochs(browser: Browser, server: PageServer, model: string, fused: boolean): Promise<number[]> {
  const page = await browser.newPage();
  try {
    await page.goto(`${server.url}${fused ? '' : '?fused=off'}`);
    await page.waitForFunction(() => document.body.dataset.state === 'ready');
    await page.selectOption('#train-model', model);
    await page.fill('#train-epochs', String(epochs));
    await page.selectOption('#train-threads', String(threads));
    await page.click('#train-button');
    await page.waitForFunction(() => /^(done|training failed)/.test(document.getElementById('train-status')!.textContent!), null, { timeout: 3_600_000 });
    const status = (await page.textContent('#train-status'))!;
    if (!status.startsWith('done')) throw new Error(`the page, ${model}: ${status}`);
    return (await page.getAttribute('#train-accuracy', 'data-epoch-seconds'))!.split(',').map(Number);
  } finally {
    await page.close();
  }
}

/** Per model and place: each round's first epoch and the median of its later epochs. */
const seen = new Map<string, { first: number[]; later: number[] }>();
const server = await startPageServer({ host: '127.0.0.1', port: 0, checkpoints: [] });
const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'] });
try {
  for (let round = 1; round <= rounds; round++) {
    for (const model of models) {
      for (const where of WHERE) {
        const s = where === 'CLI' ? cliEpochs(model) : await pageEpochs(browser, server, model, where === 'page, fused');
        const key = `${model}\t${where}`;
        if (!seen.has(key)) seen.set(key, { first: [], later: [] });
        seen.get(key)!.first.push(s[0]);
        seen.get(key)!.later.push(median(s.slice(1)));
        if (!json) process.stderr.write(`  round ${round}: ${model} ${where}: epochs ${s.map((x) => x.toFixed(3)).join(' ')} s\n`);
      }
    }
  }
} finally {
  await browser.close();
  await server.close();
}

const summary = (xs: number[]) => ({ s: +median(xs).toFixed(3), range_s: [+Math.min(...xs).toFixed(3), +Math.max(...xs).toFixed(3)] });
const results = [...seen].map(([key, v]) => {
  const [model, where] = key.split('\t');
  const cli = seen.get(`${model}\tCLI`)!;
  return { model, where, threads, first_epoch: summary(v.first), later_epochs: summary(v.later), ratio_to_cli: +(median(v.later) / median(cli.later)).toFixed(3), first_ratio_to_cli: +(median(v.first) / median(cli.first)).toFixed(3) };
});
if (json) {
  process.stdout.write(`${JSON.stringify({ epochs, threads, rounds, results })}\n`);
} else {
  const range = (r: { s: number; range_s: number[] }) => `${r.s.toFixed(2)} s (${r.range_s.map((x) => x.toFixed(2)).join('–')})`;
  process.stdout.write(`| preset | where (${threads} threads) | first epoch (least–most) | later epochs (least–most) | ÷ CLI, later epochs | ÷ CLI, first epoch |\n|---|---|---|---|---|---|\n`);
  for (const r of results) process.stdout.write(`| ${r.model} | ${r.where} | ${range(r.first_epoch)} | ${range(r.later_epochs)} | ${r.ratio_to_cli.toFixed(2)} | ${r.first_ratio_to_cli.toFixed(2)} |\n`);
}
