// Fixture for test/runner.test.ts: another light file that passes and says which process ran it.
import { test } from 'uvu';
import * as assert from 'uvu/assert';

test('the process', () => {
  console.log(`process ${process.pid}`);
  assert.ok(process.pid > 0);
});

test.run();
