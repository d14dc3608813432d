/**
 * MNIST for training in the page: the four IDX files fetched from `mnist-ts serve` (raw or
 * gzipped, as they lie on its disk; gunzipped here by the browser's own DecompressionStream), then
 * parsed and split by the same code as in Node.
 */
import { makeMnistData, MNIST_FILES, type MnistData } from '../data/dataset.js';
import { isGzip, parseIdx, type IdxKind } from '../data/idx.js';
import { fetchFailure } from './server-gone.js';

async function gunzip(bytes: Uint8Array): Promise<Uint8Array> {
  const stream = new Blob([bytes as Uint8Array<ArrayBuffer>]).stream().pipeThrough(new DecompressionStream('gzip'));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

async function fetchIdx(name: string, kind: IdxKind) {
  const url = `/mnist/${name}`;
  const response = await fetch(url).catch((e: unknown) => {
    throw new Error(`${url}: ${fetchFailure(e)}`);
  });
  if (!response.ok) throw new Error(`${url}: HTTP ${response.status}, expected the MNIST file mnist-ts serve hands out`);
  let bytes: Uint8Array = new Uint8Array(await response.arrayBuffer());
  if (isGzip(bytes)) bytes = await gunzip(bytes);
  return parseIdx(bytes, name, kind);
}

/** The four files, fetched at once; `onFile` hears each one arrive. */
export async function fetchMnist(validationSize: number, onFile: (name: string) => void = () => {}): Promise<MnistData> {
  const one = async (name: string, kind: IdxKind) => {
    const idx = await fetchIdx(name, kind);
    onFile(name);
    return idx;
  };
  const [trainImages, trainLabels, testImages, testLabels] = await Promise.all([
    one(MNIST_FILES.trainImages, 'images'),
    one(MNIST_FILES.trainLabels, 'labels'),
    one(MNIST_FILES.testImages, 'images'),
    one(MNIST_FILES.testLabels, 'labels'),
  ]);
  return makeMnistData(
    { images: trainImages, labels: trainLabels, source: MNIST_FILES.trainImages, labelSource: MNIST_FILES.trainLabels },
    { images: testImages, labels: testLabels, source: MNIST_FILES.testImages, labelSource: MNIST_FILES.testLabels },
    validationSize,
  );
}
