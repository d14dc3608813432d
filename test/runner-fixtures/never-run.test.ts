// Fixture for test/runner.test.ts: a suite whose tests are registered but never run; uvu's Total
// does not count them, the runner's count of registrations does.
import { suite, test } from 'uvu';
import * as assert from 'uvu/assert';

test('runs', () => assert.ok(true));
test.run();

const forgotten = suite('forgotten');
forgotten('registered, never run', () => assert.ok(true));
