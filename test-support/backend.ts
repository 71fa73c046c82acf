import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Front } from '../shared/contract';
import { createBackend, type Backend } from '../electron/backend';

/** A back end with its own empty data folder, as each front creates it. */
export function testBackend(front: Front = 'desktop'): Backend {
  return createBackend({ version: '9.8.7', dataDir: mkdtempSync(join(tmpdir(), 'k3sw-test-')), front });
}
