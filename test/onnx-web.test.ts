/**
 * The exported ONNX file in a browser: onnxruntime-web's WebAssembly build, in Chromium, runs the
 * CNN preset's file on the first 2000 test images (on one thread; onnx-export.test.ts runs all
 * 10000 through onnxruntime-node) and gives mnist-ts's logits within 1e-4 and the same predictions. The page, ONNX Runtime's files, the model and the images are served by page.route on
 * a name that never leaves the process.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadMnist } from '../src/node/mnist-files.js';
import { logitsData } from '../src/train/evaluate-data.js';
import { csrFromSplit } from '../src/train/training-data.js';
import { toOnnx } from '../src/interop/onnx.js';
import { ROOT } from './helpers/cli.js';
import { launchChromium, withChromium } from './helpers/page-session.js';
import { CASES, correct, maxAbsDiff, predictions, trainedModel } from './helpers/interop-models.js';

const ORIGIN = 'http://onnx.test';
const ORT_DIST = join(ROOT, 'node_modules', 'onnxruntime-web', 'dist');
const TYPES: Record<string, string> = { mjs: 'text/javascript', wasm: 'application/wasm', html: 'text/html' };

await withChromium(async () => {
  test('onnxruntime-web in Chromium runs the exported CNN on 2000 test images: the logits within 1e-4, the same predictions', async () => {
    const mnist = loadMnist();
    const count = 2000;
    const model = trainedModel(CASES.find((c) => c.name === 'cnn')!, mnist);
    const files: Record<string, Buffer | string> = {
      '/': '<!doctype html><title>ONNX Runtime Web</title>',
      '/model.onnx': Buffer.from(toOnnx(model)),
      '/images.bin': Buffer.from(mnist.test.pixels.subarray(0, count * 784)),
    };
    const browser = await launchChromium();
    try {
      const page = await browser.newPage();
      const errors: string[] = [];
      page.on('pageerror', (e) => errors.push(String(e)));
      await page.route(`${ORIGIN}/**`, (route) => {
        const path = new URL(route.request().url()).pathname;
        const body = path.startsWith('/ort/') ? readFileSync(join(ORT_DIST, path.slice(5))) : files[path];
        return body === undefined ? route.fulfill({ status: 404 }) : route.fulfill({ status: 200, body, contentType: TYPES[path.split('.').at(-1)!] ?? 'text/html' });
      });
      await page.goto(`${ORIGIN}/`);
      const logits: number[] = await page.evaluate(async () => {
        const ort = await import('/ort/ort.wasm.min.mjs' as string);
        ort.env.wasm.wasmPaths = '/ort/';
        ort.env.wasm.numThreads = 1;
        const session = await ort.InferenceSession.create(new Uint8Array(await (await fetch('/model.onnx')).arrayBuffer()), { executionProviders: ['wasm'] });
        const pixels = new Uint8Array(await (await fetch('/images.bin')).arrayBuffer());
        const out: number[] = [];
        for (let i = 0; i < pixels.length / 784; i += 1000) {
          const x = Float32Array.from(pixels.subarray(i * 784, (i + 1000) * 784), (p) => p / 255);
          const r = await session.run({ pixels: new ort.Tensor('float32', x, [1000, 1, 28, 28]) });
          out.push(...(r.logits.data as Float32Array));
        }
        return out;
      });
      assert.equal(errors, []);
      const ours = logitsData(model, csrFromSplit(mnist.test, 10)).subarray(0, count * 10);
      const labels = mnist.test.labels.subarray(0, count);
      assert.is(logits.length, ours.length);
      assert.ok(maxAbsDiff(ours, logits) <= 1e-4, `logits differ by ${maxAbsDiff(ours, logits)}`);
      const expected = predictions(ours);
      assert.ok(predictions(logits).every((p, i) => p === expected[i]), 'the same digit for every image');
      assert.ok(correct(ours, labels) > count / 2, 'a model trained past chance');
    } finally {
      await browser.close();
    }
  });
  test.run();
});
