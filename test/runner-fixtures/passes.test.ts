// Fixture for test/runner.test.ts: two tests that pass.
import { test } from 'uvu';
import * as assert from 'uvu/assert';

test('one plus one', () => assert.is(1 + 1, 2));
test('an empty string is falsy', () => assert.not.ok(''));

test.run();
