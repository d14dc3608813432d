// Fixture for test/runner.test.ts: passes alone, fails in a process order-a ran in first.
import { test } from 'uvu';
import * as assert from 'uvu/assert';

test('finds no mark', () => assert.not.ok((globalThis as { leftBehind?: boolean }).leftBehind));

test.run();
