import { expect } from 'vitest';
import { DeployError } from '../../src/errors.js';

/** The DeployError an operation failed with (the test fails if it did not fail so). */
export async function failure(p: Promise<unknown>): Promise<DeployError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err, 'the operation should have failed').toBeInstanceOf(DeployError);
  return err as DeployError;
}
