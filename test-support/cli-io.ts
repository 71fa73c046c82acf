import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CliIo } from '../electron/cli/program';

/** The command line's I/O captured for a test, with its own empty data folder. */
export function captureIo(env: NodeJS.ProcessEnv = {}) {
  const out: string[] = [];
  const err: string[] = [];
  const value: CliIo = {
    stdout: (t) => out.push(t),
    stderr: (t) => err.push(t),
    env: { K3S_WIZARD_DATA_DIR: mkdtempSync(join(tmpdir(), 'k3sw-cli-')), ...env },
    untilInterrupted: () => Promise.resolve(),
  };
  return { value, out: () => out.join(''), err: () => err.join('') };
}
