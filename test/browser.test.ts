/**
 * The draw-a-digit page in headless Chromium (Debian's, driven by playwright-core; no browser is
 * downloaded): strokes traced from MNIST digits read as `mnist-ts predict` reads the same pixels,
 * dropped images give predict's probabilities for softmax, MLP and CNN checkpoints, training in
 * the page matches training in Node, Stop keeps the last whole epoch, and no request leaves
 * loopback. How the page serves a person (drawings, messages, the picker, keyboard, phone) is
 * page-people.test.ts's.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdirSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { decodeCheckpoint } from '../src/train/checkpoint.js';
import { BatchSampler } from '../src/data/batches.js';
import { stepsPerEpoch } from '../src/train/trainer.js';
import { loadMnist } from '../src/node/mnist-files.js';
import { readDigitImage } from '../src/node/digit-images.js';
import { startPageServer, type PageServer } from '../src/node/page-server.js';
import { ROOT, runMain } from './helpers/cli.js';
import { writeMnistSubset } from './helpers/synthetic-mnist.js';
import { drawOnPad, launchChromium, PageWatch, reading as readingOf, smallCheckpoints, useModel, withChromium, type PageReading } from './helpers/page-session.js';

const SCREENSHOTS = join(ROOT, 'log', 'screenshots');

await withChromium(browserTests);

async function browserTests() {
  const dir = mkdtempSync(join(tmpdir(), 'browser-'));
  process.chdir(ROOT);
  const mnist = loadMnist();
  const digit = (i: number) => mnist.test.pixels.slice(i * 784, (i + 1) * 784);
  const models = smallCheckpoints(mnist, join('log', 'browser-test'), ['softmax', 'mlp', 'cnn']);

  let server: PageServer;
  let dataDir: string;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  const watch = new PageWatch();

  /** `mnist-ts predict FILE --json` with a checkpoint: the CLI's reading, to compare with the page's. */
  async function cliPredict(file: string, checkpointPath: string): Promise<{ predicted: number; probabilities: number[] }> {
    const r = await runMain(['predict', file, '--checkpoint', checkpointPath, '--json']);
    assert.is(r.code, 0, r.stderr);
    return JSON.parse(r.stdout)[0];
  }

  const reading = (p: Page = page) => readingOf(p);


  /** Draws the ink of an MNIST digit (pixels >= 128) as strokes: one stroke per run of ink in each row. */
  async function traceDigit(pixels: Uint8Array, mouse: boolean) {
    if (mouse) await page.click('#clear');
    const runs: { x: number; y: number }[][] = [];
    for (let y = 0; y < 28; y++) {
      for (let x = 0; x < 28; x++) {
        if (pixels[y * 28 + x] < 128) continue;
        let end = x;
        while (end + 1 < 28 && pixels[y * 28 + end + 1] >= 128) end++;
        runs.push([{ x: (x + 0.5) / 28, y: (y + 0.5) / 28 }, { x: (end + 0.5) / 28, y: (y + 0.5) / 28 }]);
        x = end;
      }
    }
    // The mouse as a person moves it (Chromium's own pointer events), or the same strokes dispatched at once.
    if (!mouse) return drawOnPad(page, runs, { size: 1, left: 0, top: 0, fresh: true });
    const box = (await page.locator('#pad').boundingBox())!;
    for (const [a, b] of runs) {
      await page.mouse.move(box.x + a.x * box.width, box.y + a.y * box.height);
      await page.mouse.down();
      await page.mouse.move(box.x + b.x * box.width, box.y + b.y * box.height, { steps: 2 });
      await page.mouse.up();
    }
  }

  test.before(async () => {
    // The page trains on a tenth of MNIST (5000 images after its 5000 held out), so that an epoch is quick.
    dataDir = await writeMnistSubset(10_000, 1000);
    server = await startPageServer({ host: '127.0.0.1', port: 0, checkpoints: [models.softmax, models.mlp, models.cnn], dataDir });
    browser = await launchChromium();
    context = await browser.newContext({ viewport: { width: 1100, height: 1000 }, acceptDownloads: true });
    watch.context(context);
    page = await context.newPage();
    await watch.page(page);
    // Without fused multiply-adds, as Node 20 computes: training in the page gives Node's bits.
    await page.goto(`${server.url}?fused=off`);
    await page.waitForFunction(() => document.body.dataset.state === 'ready');
  });

  test.after(async () => {
    await browser?.close();
    await server?.close();
  });

  test('the page is cross-origin isolated and computes on the SIMD kernels', async () => {
    assert.ok(await page.evaluate(() => crossOriginIsolated));
    assert.is(await page.evaluate(() => (window as unknown as { mnistPage: { kernels: string } }).mnistPage.kernels), 'simd');
    assert.match((await page.textContent('#kernels'))!, /^WebAssembly SIMD kernels/);
    assert.equal(await page.locator('#model-select option').allTextContents(), ['softmax.safetensors', 'mlp.safetensors', 'cnn.safetensors']);
  });

  test('three MNIST digits drawn as strokes: the page reads what predict reads in the drawing as rendered for reading', async () => {
    mkdirSync(SCREENSHOTS, { recursive: true });
    const seen: { png: string; got: PageReading }[] = [];
    for (const i of [0, 1, 2]) {
      await traceDigit(digit(i), i === 0);
      const got = (await reading())!;
      assert.ok(got, `digit ${i}: read`);
      // What the page reads is the strokes rendered again (src/data/strokes.ts); predict reads that picture.
      const drawn = (await page.evaluate(() => (window as unknown as { mnistPage: { drawn: { width: number; height: number; pixels: number[] } } }).mnistPage.drawn))!;
      const png = join(dir, `drawn-${i}.png`);
      await sharp(Buffer.from(drawn.pixels), { raw: { width: drawn.width, height: drawn.height, channels: 1 } }).png().toFile(png);
      const node = await readDigitImage(png);
      assert.equal(got.input, Array.from(node.image.pixels), `digit ${i}: the page's 28×28 input is Node's, pixel for pixel`);
      seen.push({ png, got });
      if (i === 0) await page.screenshot({ path: join(SCREENSHOTS, 'draw-a-digit.png') });
    }
    // One predict for the three pictures, as a user gives it several files.
    const r = await runMain(['predict', ...seen.map((s) => s.png), '--checkpoint', models.softmax, '--json']);
    assert.is(r.code, 0, r.stderr);
    const rows = JSON.parse(r.stdout) as { predicted: number; probabilities: number[] }[];
    seen.forEach(({ got }, i) => {
      assert.is(got.predicted, rows[i].predicted, `digit ${i}: the same prediction`);
      got.probabilities.forEach((p, d) => assert.ok(Math.abs(p - rows[i].probabilities[d]) <= 1e-5, `digit ${i}, p${d}: page ${p} vs CLI ${rows[i].probabilities[d]}`));
    });
  });

  test('a dropped PNG: the ten probabilities of predict --json within 1e-5, for softmax, MLP and CNN checkpoints', async () => {
    const px = Buffer.from(digit(3).map((v) => 255 - v)); // dark ink on light paper, as a scan
    const big = await sharp(px, { raw: { width: 28, height: 28, channels: 1 } }).resize(84, 84, { kernel: 'cubic' }).png().toBuffer();
    const file = join(dir, 'dropped.png');
    await sharp({ create: { width: 160, height: 120, channels: 3, background: '#f4f1ea' } }).composite([{ input: big, left: 50, top: 20 }]).png().toFile(file);
    const base64 = (await import('node:fs')).readFileSync(file).toString('base64');
    for (const [index, kind] of (['softmax', 'mlp', 'cnn'] as const).entries()) {
      await useModel(page, index, `${kind}.safetensors`);
      const transfer = await page.evaluateHandle((b64) => {
        const bytes = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
        const dt = new DataTransfer();
        dt.items.add(new File([bytes], 'dropped.png', { type: 'image/png' }));
        return dt;
      }, base64);
      await page.dispatchEvent('#drop-zone', 'drop', { dataTransfer: transfer });
      await page.waitForFunction(() => document.getElementById('source')!.textContent === 'dropped.png');
      const got = (await reading())!;
      const cli = await cliPredict(file, models[kind]);
      assert.is(got.predicted, cli.predicted, `${kind}: the same prediction`);
      got.probabilities.forEach((p, d) => assert.ok(Math.abs(p - cli.probabilities[d]) <= 1e-5, `${kind}, p${d}: page ${p} vs CLI ${cli.probabilities[d]}`));
      await page.click('#clear');
    }
  });

  type Reader = { name: string; testAccuracy: number | null };
  const readerNow = () => page.evaluate(() => (window as unknown as { mnistPage: { model: Reader } }).mnistPage.model);

  /** A model just trained joined the picker as `name`; it reads only if its test accuracy beats the recorded one of `before`, the model that read. */
  async function assertAdopted(before: Reader, name: string, testAccuracy: number): Promise<'reads' | 'joins'> {
    const status = (await page.textContent('#train-status'))!;
    assert.ok((await page.locator('#model-select option').allTextContents()).includes(name), `${name} is in the picker`);
    if (testAccuracy > before.testAccuracy!) {
      assert.ok(status.endsWith(`; it reads your drawings now, as ${name}`), status);
      await page.waitForFunction((n) => (window as unknown as { mnistPage: { model: Reader } }).mnistPage.model?.name === n, name);
      return 'reads';
    }
    assert.ok(status.endsWith(`; it joins the model list as ${name}; ${before.name} reads on, with its test accuracy ${before.testAccuracy!.toFixed(4)}`), status);
    assert.is(await page.locator('#model-select option:checked').textContent(), before.name);
    return 'joins';
  }

  /** Trains `model` in the page for one epoch on `threads` threads, and the same with `mnist-ts train`: both checkpoints' paths, and the page's shown validation accuracy. */
  async function trainBoth(model: string, threads: number, start: 'click' | 'dblclick' = 'click') {
    await page.selectOption('#train-model', model);
    await page.fill('#train-epochs', '1');
    await page.selectOption('#train-threads', String(threads));
    const before = await readerNow();
    const models = await page.locator('#model-select option').count();
    await page[start]('#train-button');
    // Done when the model joins the picker, or failed.
    await page.waitForFunction((n) => document.querySelectorAll('#model-select option').length > n || /^training failed/.test(document.getElementById('train-status')!.textContent!), models, { timeout: 90_000 });
    assert.match((await page.textContent('#train-status'))!, /^done: 1 epoch, test accuracy 0\.\d{4}; /);
    const [download] = await Promise.all([page.waitForEvent('download'), page.click('#train-download')]);
    const inPage = join(dir, `${model}-page.safetensors`);
    await download.saveAs(inPage);
    const inNode = join(dir, `${model}-node.safetensors`);
    const nodeRun = await runMain(['train', '--model', model, '--epochs', '1', '--threads', String(threads), '--kernels', 'simd', '--json', '--data-dir', dataDir, '--save', inNode]);
    assert.is(nodeRun.code, 0, nodeRun.stderr);
    const shown = Number(await page.getAttribute('#train-accuracy', 'data-validation-accuracy'));
    return { inPage, inNode, shown, before, node: JSON.parse(nodeRun.stdout.split('\n').find((l) => l.includes('validation_accuracy'))!) };
  }

  /** The page (?fused=off) and Node 20 compute alike: the same seed, recipe and thread count give the same bits. */
  function assertSameModel(inPage: string, inNode: string) {
    const page = decodeCheckpoint(readFileSync(inPage), inPage);
    const node = decodeCheckpoint(readFileSync(inNode), inNode);
    assert.equal(page.meta.training, node.meta.training, 'the recipe train records');
    assert.ok(Buffer.from(page.model.params.buffer, page.model.params.byteOffset, page.model.params.byteLength).equals(Buffer.from(node.model.params.buffer, node.model.params.byteOffset, node.model.params.byteLength)), 'the same weights, bit for bit');
    assert.is(page.meta.metrics.testAccuracy, node.meta.metrics.testAccuracy, 'the same test accuracy');
  }

  test('one epoch of the tutorial trained in the page on 1 thread, started by a double click: the bits of mnist-ts train, and evaluate reads the download', async () => {
    // A double click starts one run, as a click does: its second click does not stop it.
    const run = await trainBoth('softmax', 1, 'dblclick');
    assertSameModel(run.inPage, run.inNode);
    assert.is(run.shown, run.node.validation_accuracy, 'the validation accuracy shown is train\'s');
    const evaluated = await runMain(['evaluate', '--checkpoint', run.inPage, '--split', 'validation', '--data-dir', dataDir, '--json']);
    assert.is(evaluated.code, 0, evaluated.stderr);
    assert.is(JSON.parse(evaluated.stdout).accuracy, run.shown, 'mnist-ts evaluate reads the downloaded model with the accuracy the page showed');
    // One epoch of the tutorial on a tenth of MNIST is no match for the CNN reading: it joins the list.
    const accuracy = decodeCheckpoint(readFileSync(run.inPage), run.inPage).meta.metrics.testAccuracy!;
    assert.is(await assertAdopted(run.before, 'softmax regression trained here (1 epoch)', accuracy), 'joins');
  });

  // best: a CNN preset with shifts, label smoothing, one cycle and batch normalisation, all of which the pool's threads must share.
  test('the best preset on 2 Web Workers sharing one memory: the bits of mnist-ts train --threads 2', async () => {
    const run = await trainBoth('best', 2);
    assertSameModel(run.inPage, run.inNode);
    assert.is(run.shown, run.node.validation_accuracy);
    // Better than the CNN trained 40 steps: it reads now.
    const accuracy = decodeCheckpoint(readFileSync(run.inPage), run.inPage).meta.metrics.testAccuracy!;
    assert.is(await assertAdopted(run.before, 'best CNN trained here (1 epoch)', accuracy), 'reads');
  });

  test('Stop keeps the bar where the run was and the last whole epoch, which joins the list', async () => {
    await page.selectOption('#train-model', 'best');
    assert.match((await page.textContent('#train-status'))!, /^The best CNN's recipe: Adam 0\.003, batch 64, onecycle schedule, shifts of up to 2 pixels, label smoothing 0\.1, seed 0, on the 55,000 training digits/, 'the recipe of the model picked');
    await page.fill('#train-epochs', '3');
    await page.selectOption('#train-threads', '2');
    const before = await readerNow();
    // Train, then Stop the moment epoch 1 shows, both clicked inside the page: with the test's round
    // trips between, a loaded machine could finish epoch 2 before Stop arrived.
    const downloadDuringRun = await page.evaluate(() => new Promise<boolean>((resolve, reject) => {
      const shown = document.getElementById('train-accuracy')!;
      const button = document.getElementById('train-button')!;
      const timer = setTimeout(() => reject(new Error('epoch 1 not shown within 90 s')), 90_000);
      new MutationObserver((_, observer) => {
        if (!/^epoch 1:/.test(shown.textContent!)) return;
        observer.disconnect();
        clearTimeout(timer);
        button.click();
        resolve((document.getElementById('train-download') as HTMLButtonElement).disabled);
      }).observe(shown, { childList: true, characterData: true, subtree: true });
      button.click();
    }));
    assert.ok(downloadDuringRun, "Download waits for this run's model, not the last run's");
    await page.waitForFunction(() => /^stopped; kept/.test(document.getElementById('train-status')!.textContent!), null, { timeout: 90_000 });
    const bar = Number(await page.getAttribute('#train-progress', 'value'));
    assert.ok(bar >= 1 / 3 && bar < 1, `the bar stays at ${bar} of 3 epochs`);
    assert.match((await page.textContent('#train-status'))!, /^stopped; kept 1 epoch, test accuracy 0\.\d{4}; /);
    const shown = Number(await page.getAttribute('#train-accuracy', 'data-validation-accuracy'));
    const [download] = await Promise.all([page.waitForEvent('download'), page.click('#train-download')]);
    const stopped = join(dir, 'stopped.safetensors');
    await download.saveAs(stopped);
    const kept = decodeCheckpoint(readFileSync(stopped), 'stopped').meta;
    // A second run of the same preset and epochs: a name of its own.
    await assertAdopted(before, 'best CNN trained here (1 epoch) #2', kept.metrics.testAccuracy!);
    assert.is(kept.epochsCompleted, 1);
    // The weights are the first epoch's: they score what the page showed for it.
    const evaluated = await runMain(['evaluate', '--checkpoint', stopped, '--split', 'validation', '--data-dir', dataDir, '--json']);
    assert.is(evaluated.code, 0, evaluated.stderr);
    assert.is(JSON.parse(evaluated.stdout).accuracy, shown, "the kept weights score the first epoch's validation accuracy");
    const order = new BatchSampler(5000, 0, 64);
    for (let i = 0; i < stepsPerEpoch(5000, 64); i++) order.next(64);
    assert.equal(kept.sampler, order.getState(), "the batch order where the first epoch ended: the second's steps are dropped");
  });

  test('no error in the console, and no request left loopback', () => {
    assert.ok(watch.requests.some((u) => u.includes('/mnist/')), 'the workers\' requests are recorded too');
    watch.assertQuietAndLocal(server.url);
  });

  test.run();
}
