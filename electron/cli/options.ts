import { AppError } from '../../shared/errors';

/** `--concurrency N`: how many machines are worked on at once, 1 to 64. */
export function parseConcurrency(text: string): number {
  const value = Number(text);
  if (!Number.isInteger(value) || value < 1 || value > 64) {
    throw new AppError('INVALID_INPUT', `--concurrency must be a whole number from 1 to 64, not "${text}".`);
  }
  return value;
}
