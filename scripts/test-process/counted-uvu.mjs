// uvu with its tests counted. uvu's own Total cannot see the tests of a suite that is never run,
// and its exit code hides an error thrown in a `before` hook (its try/finally drops it). So this
// wrapper counts test(), test.only() and test.skip() as they are registered, prints the error a
// `before` hook throws, and prints `uvu-planned: <tests> <only>` at exit for the runner to check.
import * as real from 'uvu';

let planned = 0;
let only = 0;

// MNIST_TS_TEST_TIMES=1 prints each test's seconds to stderr, to find where a file's time goes.
const timed = (name, fn) =>
  !process.env.MNIST_TS_TEST_TIMES || !fn
    ? fn
    : async (...a) => {
        const t0 = performance.now();
        try {
          return await fn(...a);
        } finally {
          process.stderr.write(`test-seconds ${((performance.now() - t0) / 1000).toFixed(1)} ${name}\n`);
        }
      };

/** uvu's `test` (or a suite) with its registrations counted. */
function counted(t) {
  const c = (name, fn) => (planned++, t(name, timed(name, fn)));
  c.only = (name, fn) => (planned++, only++, t.only(name, timed(name, fn)));
  c.skip = (...a) => (planned++, t.skip(...a));
  c.before = (fn) =>
    t.before(async (state) => {
      try {
        await fn(state);
      } catch (err) {
        const stack = String(err?.stack ?? err).split('\n').filter((l) => !/node_modules|test-process/.test(l));
        process.stderr.write(`before hook threw: ${stack.join('\n')}\n`);
        throw err;
      }
    });
  c.before.each = t.before.each;
  c.after = t.after;
  c.run = t.run;
  return c;
}

export const test = counted(real.test);
export const suite = (...a) => counted(real.suite(...a));
export const exec = real.exec;
process.on('exit', () => process.stdout.write(`\nuvu-planned: ${planned} ${only}\n`));
