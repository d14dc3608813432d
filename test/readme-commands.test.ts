/**
 * The package as a CLI user installs it (`npm install <tarball>` with npm's defaults, sharp
 * included), and every command of the README's shell blocks run there as written, in the
 * README's order: each later block reads what the earlier ones wrote (log/cnn.safetensors, out/);
 * then that CNN reads a PNG and a JPEG. The tutorial's output (npm start) is checked line by line.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { loadMnistTest } from '../src/node/mnist-files.js';
import { ROOT } from './helpers/cli.js';
import { appEnv, installedApp, readmeCommands, sh } from './helpers/installed-app.js';

let app = '';
/** The environment of the README's commands after the first: `npx` found first on PATH is a shim. */
let shimmed: NodeJS.ProcessEnv = {};

test.before(() => {
  app = installedApp({ omitOptional: false }).dir;
  // What npx does for a package installed in the app, without starting npm for each command
  // (npm's start-up is a large share of a short command): run node_modules/.bin's entry. The first
  // command goes through the real npx, which shows it finds the installed package.
  const shim = join(app, '.npx-shim');
  mkdirSync(shim);
  writeFileSync(join(shim, 'npx'), `#!/bin/sh\nbin="$PWD/node_modules/.bin/$1"\nif [ -x "$bin" ]; then shift; exec "$bin" "$@"; fi\nexec ${spawnSync('sh', ['-c', 'command -v npx'], { encoding: 'utf8' }).stdout.trim()} "$@"\n`, { mode: 0o755 });
  shimmed = { ...appEnv(), PATH: `${shim}:${process.env.PATH}` };
});

/**
 * Starts a `serve` command, reads the page from the URL it prints, then stops it as Ctrl-C would.
 * On a free port (`--port 0` in place of the README's), so a port another program holds cannot fail it.
 */
async function serveOnce(written: string): Promise<void> {
  const line = `${written.replace(/ --port \d+/, '')} --port 0`;
  // In a process group of its own, so that Ctrl-C can be sent as a terminal sends it: to the whole
  // group (npx and the server it starts), not to npx alone, which ignores it.
  const child = spawn('sh', ['-c', `exec ${line}`], { cwd: app, stdio: ['ignore', 'pipe', 'pipe'], detached: true, env: shimmed });
  let out = '';
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${line}: no URL within 30 s; printed: ${out}`)), 30_000);
    child.stdout.on('data', (d) => {
      out += d;
      const m = /http:\/\/[\d.]+:\d+\//.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(m[0]);
      }
    });
    child.on('exit', (code) => reject(new Error(`${line}: exited with ${code}: ${out}`)));
  });
  const page = await fetch(url);
  assert.is(page.status, 200, line);
  assert.match(await page.text(), '<canvas', line);
  const exited = new Promise<string>((resolve) => child.on('exit', (code, signal) => resolve(`${code ?? signal}`)));
  process.kill(-child.pid!, 'SIGINT');
  // npx itself dies of the signal, as at a terminal; the server under it must close its port.
  assert.ok(['0', 'SIGINT'].includes(await exited), `${line}: ended by Ctrl-C`);
  for (let tries = 0; await fetch(url).then(() => true, () => false); tries++) {
    if (tries === 50) assert.unreachable(`${line}: still answers 5 s after Ctrl-C`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** What the tutorial (npm start) prints: the data, its 25 epochs, the accuracy range, save, restore in a fresh process, predict. */
function assertTutorial(stdout: string, stderr: string): void {
  const save = 'log/model.safetensors';
  assert.is(stderr, '', 'no progress bar when stderr is not a terminal');
  assert.match(stdout, 'train:      images [55000, 784]  labels [55000, 10]');
  assert.match(stdout, '== 2. Softmax regression, trained with plain SGD\n');
  assert.match(stdout, /\nEpoch: 0001 cost= \d+\.\d{9}  validation accuracy: 0\.\d{4}  \(\d+ samples\/s, [\d.]+ s\)\n/);
  const last = /Epoch: 0025 cost= ([\d.]+)/.exec(stdout);
  assert.ok(last, 'all 25 epochs printed');
  // The range an independent numpy run of the exact recipe gives over 20 seeds.
  const cost = Number(last![1]);
  assert.ok(cost >= 0.81 && cost <= 0.91, `final cost ${cost}`);
  const accuracy = /Finished!\nAccuracy: (0\.\d{4})\n/.exec(stdout)?.[1];
  assert.ok(accuracy, 'test accuracy printed after Finished!');
  assert.ok(Number(accuracy) >= 0.822 && Number(accuracy) <= 0.837, `accuracy ${accuracy}`);
  assert.match(stdout, `Model saved in file: ${save}`);
  assert.match(stdout, `== 3. Restored from ${save} in a fresh process`);
  assert.match(stdout, `  Accuracy: ${accuracy}`, 'the restored model scores the same');
  assert.match(stdout, /train\[0\]\s+\d\s+[\d.]+\s+7\s+\[0,0,0,0,0,0,0,1,0,0\]/);
  assert.ok(existsSync(join(app, 'log', 'predictions', 'contact-sheet.png')));
}

/** What a README line runs here: `npm start` is `mnist-ts tutorial` (package.json says so, below). */
function asRun(line: string): string | null {
  if (line === 'npm install' || line === 'npm test') return null; // CI's own two steps, in the checkout
  return line === 'npm start' ? 'npx mnist-ts tutorial' : line;
}

test('npm start is mnist-ts tutorial, once the build is there', () => {
  const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
  assert.is(pkg.scripts.start, 'node scripts/build-if-stale.mjs && node dist/src/cli/main.js tutorial');
});

test("every command of the README's shell blocks runs as written, in order, and succeeds; predict reads PNG and JPEG", async () => {
  const blocks = readmeCommands();
  assert.ok(blocks.length >= 7, `${blocks.length} blocks`);
  const ran: string[] = [];
  let tutorialChecked = false;
  for (const line of blocks.flat()) {
    const command = asRun(line);
    // A command the README repeats (npm start, in the quickstart and before serve) is run once.
    if (command === null || ran.includes(command)) continue;
    assert.match(command, /^npx mnist-ts /, `a README command this test does not know how to run: ${line}`);
    if (/ serve\b/.test(command)) {
      await serveOnce(command);
    } else {
      const r = spawnSync('sh', ['-c', command], { cwd: app, encoding: 'utf8', timeout: 120_000, env: ran.length === 0 ? appEnv() : shimmed });
      assert.is(r.status, 0, `${line}: ${r.stderr}`);
      if (line === 'npm start') {
        assertTutorial(r.stdout, r.stderr);
        tutorialChecked = true;
      }
    }
    ran.push(command);
  }
  assert.ok(ran.some((c) => c.includes('--model cnn')) && ran.some((c) => c.includes('predict out/previews/')), ran.join('\n'));
  assert.ok(tutorialChecked, "the README's npm start ran, and its output was checked");

  // Then the install's predict reads a PNG and a JPEG (sharp reads that one) of test image 0, a 7
  // drawn dark on white paper, 4× larger, with a margin, through the model the commands trained.
  const ink = Buffer.from(loadMnistTest().test.pixels.subarray(0, 784).map((p) => 255 - p));
  const image = sharp(ink, { raw: { width: 28, height: 28, channels: 1 } }).resize(112, 112, { kernel: 'nearest' }).extend({ top: 20, bottom: 20, left: 30, right: 30, background: '#ffffff' });
  writeFileSync(join(app, 'seven.png'), await image.clone().png().toBuffer());
  writeFileSync(join(app, 'seven.jpg'), await image.clone().jpeg({ quality: 92 }).toBuffer());
  const rows = JSON.parse(sh(app, 'npx', ['mnist-ts', 'predict', '--checkpoint', 'log/cnn.safetensors', 'seven.png', 'seven.jpg', '--json']));
  assert.equal(rows.map((r: { source: string; predicted: number }) => [r.source, r.predicted]), [['seven.png', 7], ['seven.jpg', 7]]);
});

test.run();
