// Fixture for test/runner.test.ts: leaves something behind in its process, which order-b trips on.
import { test } from 'uvu';
import * as assert from 'uvu/assert';

test('leaves a mark', () => {
  (globalThis as { leftBehind?: boolean }).leftBehind = true;
  assert.ok(true);
});

test.run();
