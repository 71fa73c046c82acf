/**
 * A spec file's own lab hosts, through the one set-up the lab tests use
 * (test-support/lab-setup.ts): left-overs removed, booted before the file's tests (with the
 * release mirror unless told not), removed after them.
 */
import { test } from './fixtures';
import type { LabHostSpec } from './lab/index';
import { labHosts as fileLabHosts, type LabHosts, type LabHostsOptions } from '../test-support/lab-setup';

export function labHosts(specs: LabHostSpec[], options: LabHostsOptions = {}): LabHosts {
  return fileLabHosts(
    {
      beforeAll: (fn, timeoutMs) =>
        test.beforeAll(async () => {
          test.setTimeout(timeoutMs ?? 900_000);
          await fn();
        }),
      afterAll: (fn) => test.afterAll(fn),
    },
    specs,
    options,
  );
}
