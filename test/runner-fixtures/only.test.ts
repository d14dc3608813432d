// Fixture for test/runner.test.ts: `.only` leaves the other test out, which only CI refuses.
import { test } from 'uvu';
import * as assert from 'uvu/assert';

test.only('the only one that runs', () => assert.ok(true));
test('left out by .only', () => assert.ok(true));

test.run();
