import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ProgressBar } from '../src/cli/progress.js';

function fakeStream(isTTY: boolean) {
  const chunks: string[] = [];
  return { chunks, stream: { isTTY, write: (s: string) => chunks.push(s) } as unknown as NodeJS.WriteStream };
}

test('on a terminal: a bar with counts and ETA, redrawn in place, cleared at the end', () => {
  const { chunks, stream } = fakeStream(true);
  const bar = new ProgressBar(stream);
  bar.begin();
  bar.update(275, 550, 'Epoch 1/25');
  bar.update(550, 550, 'Epoch 1/25');
  bar.clear();
  assert.match(chunks[0], /^\rEpoch 1\/25 \[#{15}\.{15}\] 275\/550 ETA \d+\.\ds $/);
  assert.match(chunks[1], /\[#{30}\] 550\/550 ETA 0\.0s/);
  assert.is(chunks.at(-1), '\r\x1b[K');
});

test('not a terminal: nothing at all', () => {
  const { chunks, stream } = fakeStream(false);
  const bar = new ProgressBar(stream);
  bar.begin();
  bar.update(1, 2, 'x');
  bar.clear();
  assert.equal(chunks, []);
});

test.run();
