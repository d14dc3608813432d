// Fixture for test/runner.test.ts: a test that outlasts a small per-file time limit.
import { test } from 'uvu';

test('waits a minute', () => new Promise((resolve) => setTimeout(resolve, 60_000)));

test.run();
