/**
 * What the page's browser tests share: Chromium (Debian's, driven by playwright-core; without it
 * the tests are skipped with one line, except under CI, where that is a failure), checkpoints
 * trained for a few steps, the page's reading, and strokes drawn on its pad.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { cnn, mlp, softmaxRegression, SGD, Adam, kernelsFor, trainStep, type Sequential } from '../../src/engine/index.js';
import { fillBatch, type MnistData } from '../../src/data/dataset.js';
import { BatchSampler } from '../../src/data/batches.js';
import { encodeCheckpoint } from '../../src/train/checkpoint.js';
import { saveCheckpointFile } from '../../src/node/checkpoint-file.js';
import { evaluateData } from '../../src/train/evaluate-data.js';
import { csrFromSplit } from '../../src/train/training-data.js';
import type { Stroke } from '../../src/data/strokes.js';
import { ROOT } from './cli.js';

const CHROMIUM = process.env.MNIST_TS_CHROMIUM ?? '/usr/bin/chromium';

/** Runs `tests` when Chromium is here; otherwise one skipped test (a failing one under CI). */
export async function withChromium(tests: () => Promise<void>): Promise<void> {
  if (existsSync(CHROMIUM)) return tests();
  const missing = `no Chromium at ${CHROMIUM} (apt-get install -y chromium, or set MNIST_TS_CHROMIUM to a Chromium binary)`;
  if (process.env.CI) {
    test('Chromium is installed (CI never skips the browser tests)', () => assert.unreachable(missing));
  } else {
    console.log(`browser tests skipped: ${missing}`);
    test.skip('the draw-a-digit page in Chromium', () => {});
  }
  test.run();
}

export async function launchChromium(): Promise<Browser> {
  const { chromium } = await import('playwright-core');
  return chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--disable-background-networking', '--no-first-run'] });
}

/**
 * Softmax, MLP or CNN models trained for a few steps in-process, saved as checkpoints `train`
 * could have written in `folder` (under the repository, named relative to it as a user would name
 * them: the page shows the name).
 */
export function smallCheckpoints<K extends 'softmax' | 'mlp' | 'cnn'>(mnist: MnistData, folder: string, kinds: K[]): Record<K, string> {
  mkdirSync(join(ROOT, folder), { recursive: true });
  function checkpoint(name: string, model: Sequential, steps: number, batch: number, optimizer: SGD | Adam): string {
    const s = new BatchSampler(mnist.train.count, 0, batch);
    const x = new Float32Array(batch * 784);
    const y = new Int32Array(batch);
    for (let i = 0; i < steps; i++) {
      fillBatch(mnist.train, s.next(batch), 0, batch, x, y);
      trainStep(model, optimizer, x, y, batch);
    }
    const path = join(folder, `${name}.safetensors`);
    // Its test accuracy recorded, as train records it: the page compares a model it trains with it.
    const testAccuracy = evaluateData(model, csrFromSplit(mnist.test, 10)).accuracy;
    saveCheckpointFile(join(ROOT, path), encodeCheckpoint(model, {}, {
      training: { model: name, optimizer: optimizer.name, lr: optimizer.lr, momentum: 0.9, batchSize: batch, init: 'normal', initStd: 1, validationSize: 5000, epochs: 1 },
      epochsCompleted: 1, seed: 0, sampler: { epoch: 0, position: steps * batch }, metrics: { epochs: [], testAccuracy }, optimizer: optimizer.name,
    }));
    return path;
  }
  // On the SIMD kernels, which train the CNN far faster than the JS ones: these are fixtures, not a kernel test.
  const kernels = kernelsFor('simd');
  const make: Record<'softmax' | 'mlp' | 'cnn', () => string> = {
    softmax: () => checkpoint('softmax', softmaxRegression({}, { kernels }).initialize(0), 200, 100, new SGD(0.5)),
    mlp: () => checkpoint('mlp', mlp({ hidden: [64] }, { kernels }).initialize(0), 150, 100, new SGD(0.1)),
    cnn: () => checkpoint('cnn', cnn({}, { kernels }).initialize(0), 40, 64, new Adam(0.002)),
  };
  return Object.fromEntries(kinds.map((k) => [k, make[k]()])) as Record<K, string>;
}

export interface PageReading {
  predicted: number;
  probabilities: number[];
  input: number[];
}

/** What the page read last, once it has settled. */
export async function reading(page: Page): Promise<PageReading | null> {
  await page.evaluate(() => (window as unknown as { mnistPage: { settled(): Promise<void> } }).mnistPage.settled());
  return page.evaluate(() => (window as unknown as { mnistPage: { reading: PageReading | null } }).mnistPage.reading);
}

export interface Placement {
  /** Side of the drawing's unit square, as a share of the pad's width. */
  size: number;
  left: number;
  top: number;
  pointerType?: 'mouse' | 'pen' | 'touch';
  pressure?: number;
  /** Leave the last stroke unfinished (no pointerup). */
  unfinished?: boolean;
  /** Press Clear first. */
  fresh?: boolean;
}

/**
 * Draws `strokes` (a unit square) on the pad as pointer events, placed in shares of the pad. As
 * text: a function passed to evaluate would be compiled with tsx's name helpers, which the page lacks.
 */
export async function drawOnPad(page: Page, strokes: readonly Stroke[], at: Placement): Promise<void> {
  const { size, left, top, pointerType = 'mouse', pressure = 0.5, unfinished = false, fresh = false } = at;
  const lines = strokes.map((s) => s.map((p) => [left + p.x * size, top + p.y * size]));
  await page.evaluate(`(() => {
    if (${fresh}) document.getElementById('clear').click();
    const pad = document.getElementById('pad');
    const r = pad.getBoundingClientRect();
    const send = (type, [x, y]) => pad.dispatchEvent(new PointerEvent(type, {
      pointerId: 3, pointerType: ${JSON.stringify(pointerType)}, pressure: ${pressure}, isPrimary: true, bubbles: true, button: 0,
      clientX: r.left + x * r.width, clientY: r.top + y * r.height,
    }));
    const lines = ${JSON.stringify(lines)};
    lines.forEach((line, i) => {
      send('pointerdown', line[0]);
      for (const p of line.slice(1)) send('pointermove', p);
      if (i < lines.length - 1 || !${unfinished}) send('pointerup', line[line.length - 1]);
    });
  })()`);
}

/** Picks entry `index` in the model picker and waits until the model named `name` reads. */
export async function useModel(page: Page, index: number, name: string): Promise<void> {
  await page.selectOption('#model-select', String(index));
  await page.waitForFunction((n) => (window as unknown as { mnistPage: { model: { name: string } | null } }).mnistPage.model?.name === n, name);
}

/**
 * What a test file's pages did: every request (the context's, workers' included) and every error
 * in a console or thrown, except Chromium's lines about loads the file makes fail on purpose
 * (`aborted`: parts of their URLs).
 */
export class PageWatch {
  readonly requests: string[] = [];
  readonly errors: string[] = [];

  constructor(readonly aborted: string[] = []) {}

  context(context: BrowserContext): void {
    context.on('request', (r) => this.requests.push(r.url()));
  }

  /** Watches `page`; awaited before the page loads, so that its first load is watched too. */
  async page(page: Page): Promise<void> {
    page.on('pageerror', (e) => this.errors.push(`page error: ${e.message}`));
    page.on('console', (m) => m.type() === 'error' && !this.aborted.some((part) => m.location().url.includes(part)) && this.errors.push(m.text()));
    // Chromium logs what the Content-Security-Policy refuses; the event says it even when a log line would not.
    await page.exposeFunction('reportViolation', (what: string) => this.errors.push(`Content-Security-Policy refused ${what}`));
    await page.addInitScript(`document.addEventListener('securitypolicyviolation', (e) => reportViolation(e.effectiveDirective + ': ' + e.blockedURI))`);
  }

  /** No error, and every request went to `serverUrl` (or was a blob: or data: URL). */
  assertQuietAndLocal(serverUrl: string): void {
    assert.equal(this.errors, []);
    const origin = serverUrl.replace(/\/$/, '');
    assert.equal(this.requests.filter((u) => !(u.startsWith(`${origin}/`) || u.startsWith('blob:') || u.startsWith('data:'))), []);
  }
}
