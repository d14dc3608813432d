// Fixture for test/runner.test.ts: one test passes and one is skipped, which only CI refuses.
import { test } from 'uvu';
import * as assert from 'uvu/assert';

test('runs', () => assert.ok(true));
test.skip('skipped', () => assert.ok(true));

test.run();
