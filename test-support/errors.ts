/** Expecting failures: the AppError a promise rejects with. */
import { expect } from 'vitest';
import { AppError } from '../shared/errors';

/** The AppError `promise` rejects with; the test fails when it resolves or rejects with anything else. */
export async function rejection(promise: Promise<unknown>): Promise<AppError> {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(AppError);
  return error as AppError;
}
