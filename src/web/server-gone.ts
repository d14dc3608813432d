/**
 * What the page says when the server that handed it out does not answer: fetch's own TypeError
 * says only "Failed to fetch", and a worker whose script cannot be fetched fails with no message.
 */
export const SERVER_GONE = 'the server did not answer (is mnist-ts serve still running?)';

/** Why a worker failed with no message: the browser says nothing more of a script that did not load. */
export const SCRIPT_MISSING = 'its script did not load (is mnist-ts serve still running?)';

/** A failed fetch's reason in words: SERVER_GONE for fetch's own TypeError, else the error's message. */
export function fetchFailure(e: unknown): string {
  if (e instanceof TypeError && /fetch/i.test(e.message)) return SERVER_GONE;
  return e instanceof Error ? e.message : String(e);
}
