import { expect } from 'vitest';
import { DeliveryError } from '../../src/deliver/errors.js';

/** Awaits a send that must fail and returns its DeliveryError (failing the test if it resolved or threw another kind). */
export async function sendError(promise: Promise<unknown>): Promise<DeliveryError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(DeliveryError);
  return error as DeliveryError;
}
