/**
 * How the fuzz tests run: fast-check with a fixed seed, `MNIST_TS_FUZZ_RUNS` runs per property
 * (200 in npm test; `npm run fuzz -- --runs N` for a longer search, scripts/fuzz.mjs), and the one
 * property every parser keeps: on any input it returns or throws its documented error type with a
 * one-line message.
 */
import * as assert from 'uvu/assert';
import fc from 'fast-check';

export const RUNS = Number(process.env.MNIST_TS_FUZZ_RUNS ?? 200);
export const SEED = Number(process.env.MNIST_TS_FUZZ_SEED ?? 20261207);

/** fast-check's options for a property whose runs cost `cost` times a parser's (file or network work). */
export function runs(cost = 1): fc.Parameters<unknown> {
  return { numRuns: Math.max(10, Math.round(RUNS / cost)), seed: SEED, endOnFailure: true };
}

/** Runs `parse`; a throw must be an instance of `type` with a one-line message. */
export function returnsOrRefuses<T>(parse: () => T, type: new (...args: never[]) => Error): T | undefined {
  try {
    return parse();
  } catch (e) {
    assert.instance(e, type, `threw ${(e as Error)?.constructor?.name}: ${(e as Error)?.message}`);
    const message = (e as Error).message;
    assert.ok(message.length > 0 && !message.includes('\n'), `one line: ${JSON.stringify(message)}`);
    return undefined;
  }
}

/** The same for an async parser. */
export async function resolvesOrRefuses<T>(parse: () => Promise<T>, types: (new (...args: never[]) => Error)[]): Promise<T | undefined> {
  try {
    return await parse();
  } catch (e) {
    assert.ok(types.some((t) => e instanceof t), `threw ${(e as Error)?.constructor?.name}: ${(e as Error)?.message}`);
    const message = (e as Error).message;
    assert.ok(message.length > 0 && !message.includes('\n'), `one line: ${JSON.stringify(message)}`);
    return undefined;
  }
}
