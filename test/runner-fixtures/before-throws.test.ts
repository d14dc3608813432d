// Fixture for test/runner.test.ts: a `before` hook that throws, so neither test below runs.
import { test } from 'uvu';
import * as assert from 'uvu/assert';

test.before(() => {
  throw new Error('the server did not start');
});

test('first test that never runs', () => assert.ok(true));
test('second test that never runs', () => assert.ok(true));

test.run();
