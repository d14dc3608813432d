/**
 * The draw-a-digit page as a person uses it, in headless Chromium: digits drawn small, off-centre
 * or pressed hard read as they do at full size; messages appear beside the reading and go with
 * the next success; the picker shows the model that reads, keeps what it loaded and says why a load
 * failed; every control works from the keyboard; a phone shows the pad, the reading, its bars and
 * the 28×28 view at once; axe-core finds no serious or critical violation; nothing is logged as
 * an error and no request leaves loopback.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import sharp from 'sharp';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { loadMnist } from '../src/node/mnist-files.js';
import { startPageServer, type PageServer } from '../src/node/page-server.js';
import { ROOT } from './helpers/cli.js';
import { DRAWINGS } from './helpers/drawings.js';
import { drawOnPad, launchChromium, PageWatch, reading, smallCheckpoints, useModel, withChromium } from './helpers/page-session.js';

await withChromium(peopleTests);

async function peopleTests() {
  process.chdir(ROOT);
  const mnist = loadMnist();
  const models = smallCheckpoints(mnist, join('log', 'page-people-test'), ['softmax', 'cnn']);
  // A second file of the same name (as --checkpoint FILE and log/FILE can be): the picker names both by path.
  const copy = join('log', 'page-people-test', 'copy', 'cnn.safetensors');
  mkdirSync(join(ROOT, dirname(copy)), { recursive: true });
  copyFileSync(join(ROOT, models.cnn), join(ROOT, copy));
  const CNN = models.cnn;
  const AXE = createRequire(import.meta.url).resolve('axe-core/axe.min.js');
  let server: PageServer;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let phone: Page;
  // What this file makes fail on purpose: Chromium logs those loads as errors.
  const watch = new PageWatch(['/checkpoints/1/', '/train-worker.js', '/pool-worker.js']);

  async function open(viewport: { width: number; height: number }, query = ''): Promise<Page> {
    const p = await context.newPage();
    // Playwright turns on file-chooser interception without waiting when the first listener is added,
    // so a listener added just before a key press can lose the race and the chooser is never seen;
    // one listener for the page's life keeps interception on from before the page loads.
    p.on('filechooser', () => {});
    await p.setViewportSize(viewport);
    await watch.page(p);
    await p.goto(server.url + query);
    await p.waitForFunction(() => document.body.dataset.state === 'ready');
    return p;
  }

  const modelName = (p: Page) => p.evaluate(() => (window as unknown as { mnistPage: { model: { name: string } | null } }).mnistPage.model?.name);


  /** Whether the element is wholly inside the window as it stands. */
  const inView = (p: Page, selector: string) => p.locator(selector).evaluate((el) => {
    const r = el.getBoundingClientRect();
    return r.height > 0 && r.top >= 0 && r.left >= 0 && r.bottom <= innerHeight && r.right <= innerWidth;
  });

  async function axeViolations(p: Page): Promise<string[]> {
    // Evaluated rather than added as a script element, which the page's Content-Security-Policy refuses.
    await p.evaluate(readFileSync(AXE, 'utf8'));
    const found = await p.evaluate(`axe.run(document, { resultTypes: ['violations'] }).then((r) => r.violations.map((v) => ({ id: v.id, impact: v.impact, nodes: v.nodes.length })))`) as { id: string; impact: string; nodes: number }[];
    return found.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => `${v.id} (${v.impact}, ${v.nodes} elements)`);
  }

  /** Opens a file with the keyboard alone: Tab to "Open image", then Space, as a person would. */
  async function openByKeyboard(p: Page, file: { name: string; mimeType: string; buffer: Buffer }) {
    await p.focus('#clear');
    await p.keyboard.press('Shift+Tab');
    assert.is(await p.evaluate(() => document.activeElement?.id), 'open-file', 'Shift+Tab from Clear reaches Open image');
    const [chooser] = await Promise.all([
      p.waitForEvent('filechooser', { timeout: 20_000 }).catch((): never => assert.unreachable(`Space on Open image opened no file chooser (for ${file.name})`) as never),
      p.keyboard.press('Space'),
    ]);
    await chooser.setFiles(file);
  }

  test.before(async () => {
    server = await startPageServer({ host: '127.0.0.1', port: 0, checkpoints: [models.softmax, models.cnn, copy] });
    browser = await launchChromium();
    context = await browser.newContext();
    watch.context(context);
    page = await open({ width: 1100, height: 1000 });
  });

  test.after(async () => {
    await browser?.close();
    await server?.close();
  });

  // Pressed hard: the pad widens a pen's line for the eye, but what is read ignores pressure; this guards that.
  test('22 drawings at full size, at a fifth of the pad in a corner, and pressed hard with a pen: the CNN reads each the same', async () => {
    assert.equal(await page.locator('#model-select option').allTextContents(), ['softmax.safetensors', CNN, copy], 'two files of one name are told apart by their paths');
    await useModel(page, 1, CNN);
    const right = { full: 0, small: 0 };
    for (const [i, d] of DRAWINGS.entries()) {
      const seen: { predicted: number; input: number[] }[] = [];
      for (const at of [{ size: 0.8, left: 0.1, top: 0.1 }, { size: 0.2, left: 0.02, top: 0.76 }, { size: 0.35, left: 0.6, top: 0.05, pointerType: 'pen' as const, pressure: 1 }]) {
        await drawOnPad(page, d.strokes, { ...at, fresh: true });
        seen.push((await reading(page))!);
      }
      right.full += Number(seen[0].predicted === d.digit);
      right.small += Number(seen[1].predicted === d.digit);
      for (const other of seen.slice(1)) {
        assert.is(other.predicted, seen[0].predicted, `drawing ${i} (a ${d.digit}): read the same`);
        const worst = Math.max(...other.input.map((v, k) => Math.abs(v - seen[0].input[k])));
        assert.ok(worst <= 2, `drawing ${i}: the 28×28 inputs differ by ${worst} of 255 in a pixel`);
      }
    }
    assert.is(right.small, right.full, 'as many read right at a fifth of the pad as at full size');
    assert.ok(right.full >= 17, `${right.full} of 22 drawings read right by a CNN trained 40 steps`);
  });

  test('a drawing likely to be misread gets a one-line hint; a clear one none', async () => {
    await page.click('#clear');
    await drawOnPad(page, DRAWINGS[15].strokes, { size: 0.8, left: 0.1, top: 0.1 });
    await reading(page);
    assert.is(await page.textContent('#hint'), '', 'a 7 read with confidence: no hint');
    await page.click('#clear');
    // A hash sign: no digit at all, which the CNN reads as one digit at under 50%.
    const hash = [[0.1, 0.35, 0.9, 0.35], [0.1, 0.65, 0.9, 0.65], [0.35, 0.1, 0.35, 0.9], [0.65, 0.1, 0.65, 0.9]].map(([x0, y0, x1, y1]) => [{ x: x0, y: y0 }, { x: x1, y: y1 }]);
    await drawOnPad(page, hash, { size: 0.8, left: 0.1, top: 0.1 });
    const r = (await reading(page))!;
    assert.ok(r.probabilities[r.predicted] < 0.5, `read as ${r.predicted} at ${r.probabilities[r.predicted]}`);
    assert.match((await page.textContent('#hint'))!, /^Not sure: it may be a \d\. /);
  });

  test('a tap is no digit: nothing is read', async () => {
    await drawOnPad(page, [[{ x: 0.5, y: 0.5 }]], { size: 1, left: 0, top: 0, fresh: true });
    assert.is(await reading(page), null);
    assert.is(await page.textContent('#confidence'), 'draw a digit');
  });

  test('a stroke that slips off the pad is read as the pad shows it, along the edge', async () => {
    const slip = async (to: number) => {
      await drawOnPad(page, [[{ x: 0.5, y: 0.1 }, { x: 0.5, y: 0.9 }, { x: to, y: to }]], { size: 1, left: 0, top: 0, fresh: true });
      return (await reading(page))!.input;
    };
    // Far off and just off the corner end at the same place on the pad, so they read the same.
    assert.equal(await slip(3), await slip(1.5));
  });

  test('the reading is announced once it settles, not while a stroke is drawn', async () => {
    await page.click('#clear');
    assert.is(await page.textContent('#said'), '');
    await drawOnPad(page, DRAWINGS[2].strokes, { size: 0.8, left: 0.1, top: 0.1, unfinished: true });
    assert.ok(await reading(page), 'read while drawing');
    assert.is(await page.textContent('#said'), '', 'nothing said mid-stroke');
    await page.evaluate(`document.getElementById('pad').dispatchEvent(new PointerEvent('pointerup', { pointerId: 3, bubbles: true }))`);
    const r = (await reading(page))!;
    assert.match((await page.textContent('#said'))!, new RegExp(`^read as ${r.predicted}, \\d+ percent sure$`));
  });

  test('by keyboard alone: every control is reached with Tab under a name of its own, and an image opens, again after Clear; a blank one is announced', async () => {
    await page.evaluate(() => (document.activeElement as HTMLElement | null)?.blur());
    const reached = new Map<string, string>();
    for (let i = 0; i < 12; i++) {
      await page.keyboard.press('Tab');
      const [id, name] = await page.evaluate(() => {
        const el = document.activeElement as HTMLInputElement;
        const label = el.labels?.[0]?.textContent ?? el.getAttribute('aria-label') ?? el.textContent ?? '';
        return [el.id, label.replace(/\s+/g, ' ').trim()];
      });
      if (id) reached.set(id, name);
    }
    for (const id of ['model-select', 'open-file', 'clear', 'train-model', 'train-epochs', 'train-threads', 'train-button']) assert.ok(reached.has(id), `Tab reaches #${id} (reached ${[...reached.keys()]})`);
    const names = [...reached.values()];
    assert.is(new Set(names).size, names.length, `unique names: ${names.join(' | ')}`);
    await openByKeyboard(page, { name: 'notes.txt', mimeType: 'text/plain', buffer: Buffer.from('not a picture') });
    await page.waitForFunction(() => document.getElementById('message')!.textContent !== '');
    assert.match((await page.textContent('#message'))!, /^notes\.txt: not an image this browser can read/);
    assert.ok(await inView(page, '#message'), 'the message is where the eye is');
    const png = await sharp(Buffer.from(mnist.test.pixels.slice(0, 784)), { raw: { width: 28, height: 28, channels: 1 } }).png().toBuffer();
    await openByKeyboard(page, { name: 'seven.png', mimeType: 'image/png', buffer: png });
    await page.waitForFunction(() => document.getElementById('source')!.textContent === 'seven.png');
    assert.ok(await reading(page), 'the image is read');
    assert.is(await page.textContent('#message'), '', 'a success clears the message');
    assert.match((await page.textContent('#said'))!, /^read as \d, \d+ percent sure$/);
    // A browser fires no change for the file already chosen; emptied, the same file chosen again is
    // one. (Playwright's chooser fires change either way, so the emptied input is what is checked.)
    assert.is(await page.inputValue('#open-file'), '', 'the file input is emptied once its file is read');
    await page.click('#clear');
    await openByKeyboard(page, { name: 'seven.png', mimeType: 'image/png', buffer: png });
    await page.waitForFunction(() => document.getElementById('source')!.textContent === 'seven.png');
    assert.ok(await reading(page), 'the same image is read again');
    const blank = await sharp({ create: { width: 28, height: 28, channels: 3, background: '#ffffff' } }).png().toBuffer();
    await openByKeyboard(page, { name: 'blank.png', mimeType: 'image/png', buffer: blank });
    await page.waitForFunction(() => document.getElementById('source')!.textContent === 'blank.png');
    assert.is(await reading(page), null);
    assert.match((await page.textContent('#said'))!, /^no digit found \(the image is blank/, 'a screen reader hears why nothing is read');
  });

  test('an image wider than a canvas can be (70,000 pixels) is scaled down and read as the 7 it shows, not called blank', async () => {
    const seven = await sharp(Buffer.from(mnist.test.pixels.slice(0, 784).map((p) => 255 - p)), { raw: { width: 28, height: 28, channels: 1 } }).resize(280, 280, { kernel: 'nearest' }).png().toBuffer();
    const wide = await sharp({ create: { width: 70_000, height: 300, channels: 3, background: '#ffffff' } }).composite([{ input: seven, left: 35_000, top: 10 }]).png().toBuffer();
    await page.setInputFiles('#open-file', { name: 'wide.png', mimeType: 'image/png', buffer: wide });
    await page.waitForFunction(() => document.getElementById('source')!.textContent === 'wide.png');
    const r = await reading(page);
    assert.ok(r, 'read');
    assert.is(r!.predicted, 7);
  });

  // (A worker's own requests escape page.route in Chromium: MNIST's fetch failing is not tried here.)
  test('training with the server gone says so in words', async () => {
    const failure = async (part: string) => {
      await page.route(`**${part}*`, (route) => route.abort());
      await page.selectOption('#train-model', 'softmax');
      const before = await page.textContent('#train-status');
      await page.click('#train-button');
      await page.waitForFunction((was) => document.getElementById('train-status')!.textContent !== was && /^training failed/.test(document.getElementById('train-status')!.textContent!), before);
      await page.unroute(`**${part}*`);
      return page.textContent('#train-status');
    };
    assert.is(await failure('/train-worker.js'), 'training failed: the training worker could not start: its script did not load (is mnist-ts serve still running?)');
    assert.is(await page.textContent('#train-button'), 'Train', 'ready to train again');
  });

  test('a pool worker that cannot load: training on 2 threads fails with one line, and does not hang', async () => {
    // The page's files without the pool worker's, on a server of their own.
    const pageDir = mkdtempSync(join(tmpdir(), 'page-without-pool-'));
    const built = join(ROOT, 'dist', 'web');
    for (const f of readdirSync(built)) if (!f.startsWith('pool-worker.js')) copyFileSync(join(built, f), join(pageDir, f));
    const broken = await startPageServer({ host: '127.0.0.1', port: 0, checkpoints: [], pageDir });
    const own = await browser.newContext();
    try {
      const p = await own.newPage();
      await watch.page(p);
      await p.goto(broken.url);
      await p.waitForFunction(() => document.body.dataset.state === 'ready');
      await p.selectOption('#train-model', 'softmax');
      await p.fill('#train-epochs', '1');
      await p.selectOption('#train-threads', '2');
      await p.click('#train-button');
      await p.waitForFunction(() => /^training failed/.test(document.getElementById('train-status')!.textContent!), null, { timeout: 60_000 });
      assert.is(await p.textContent('#train-status'), 'training failed: training stopped: worker 1 failed at step 1: a pool worker could not start: its script did not load (is mnist-ts serve still running?)');
      assert.is(await p.textContent('#train-button'), 'Train', 'ready to train again');
    } finally {
      await own.close();
      await broken.close();
    }
  });

  test('axe-core on the desktop page: no serious or critical violation', async () => {
    assert.equal(await axeViolations(page), []);
  });

  test('a phone: a notice for ?kernels=bogus, a failed load reverts the picker and says why, loaded models are kept', async () => {
    phone = await open({ width: 390, height: 844 }, '?kernels=bogus');
    assert.match((await phone.textContent('#notice'))!, /^\?kernels=bogus: .*; using auto$/);
    assert.ok(await inView(phone, '#notice'));
    // A drawing on the pad: the failed load's reading again does not wipe its message.
    await drawOnPad(phone, DRAWINGS[0].strokes, { size: 0.7, left: 0.15, top: 0.15 });
    await reading(phone);
    await phone.route('**/checkpoints/1/**', (route) => route.abort());
    await phone.selectOption('#model-select', '1');
    await phone.waitForFunction(() => document.getElementById('message')!.textContent !== '');
    assert.ok(await reading(phone), 'the drawing is read again by the model that reads');
    assert.is(await phone.textContent('#message'), `${CNN} could not be loaded: the server did not answer (is mnist-ts serve still running?); softmax.safetensors reads on`);
    assert.is(await phone.inputValue('#model-select'), '0', 'the picker is back on the model that reads');
    assert.is(await modelName(phone), 'softmax.safetensors');
    await phone.unroute('**/checkpoints/1/**');
    // A slow checkpoint: picked, left for another, picked again while it still loads.
    const fetched = (n: number) => watch.requests.filter((u) => u.includes(`/checkpoints/${n}/`)).length;
    const before = fetched(1);
    // Held until the second pick is made, however slow the machine.
    let release = () => {};
    const held = new Promise<void>((r) => (release = r));
    await phone.route('**/checkpoints/1/**', async (route) => {
      await held;
      await route.continue().catch(() => {}); // unrouted meanwhile: the request went on without it
    });
    await phone.selectOption('#model-select', '1');
    await useModel(phone, 0, 'softmax.safetensors');
    await phone.selectOption('#model-select', '1');
    release();
    await useModel(phone, 1, CNN);
    await phone.unroute('**/checkpoints/1/**');
    assert.is(fetched(1) - before, 1, 'a pick while the checkpoint loads waits for the same load');
    assert.is(await phone.textContent('#message'), '', 'the pick that succeeded cleared the message');
    // Training's epochs: a preset's own until the person types a number.
    await phone.selectOption('#train-model', 'fast');
    assert.is(await phone.inputValue('#train-epochs'), '2');
    await phone.fill('#train-epochs', '1');
    await phone.selectOption('#train-model', 'cnn');
    assert.is(await phone.inputValue('#train-epochs'), '1', 'what the person typed stays');
    await useModel(phone, 0, 'softmax.safetensors');
    assert.is(fetched(0), 2, 'softmax fetched once by each page, not again when picked again');
  });

  test('a phone, after drawing: the pad, the reading, the ten bars and the 28×28 view all in view, and no sideways scrolling', async () => {
    await drawOnPad(phone, DRAWINGS[7].strokes, { size: 0.7, left: 0.15, top: 0.15, pointerType: 'touch' });
    const r = (await reading(phone))!;
    assert.ok(r, 'a touch stroke is read');
    // Strokes whose last frame was still to be read when they ended: announced all the same.
    assert.match((await phone.textContent('#said'))!, new RegExp(`^read as ${r.predicted}, `));
    assert.ok(await phone.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth), 'fits the width');
    const padWidth = (await phone.locator('#pad').boundingBox())!.width;
    assert.ok(padWidth >= 300, `the pad is ${padWidth} px wide`);
    for (const part of ['#pad', '#top-digit', '#confidence', '#bars', '#input-28']) assert.ok(await inView(phone, part), `${part} is in view`);
    mkdirSync(join(ROOT, 'log', 'screenshots'), { recursive: true });
    await phone.screenshot({ path: join(ROOT, 'log', 'screenshots', 'draw-a-digit-phone.png') });
    assert.equal(await axeViolations(phone), [], 'axe-core on the phone: no serious or critical violation');
  });

  test('no error in the console, and no request left loopback', () => watch.assertQuietAndLocal(server.url));

  test.run();
}
