import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const entry = join(import.meta.dirname, 'index.ts');

describe('the k3s-wizard executable', () => {
  it('ends quietly when a pipe closes its output early (k3s-wizard --help | head -1)', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', entry, '--help'], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, K3S_WIZARD_DATA_DIR: join(import.meta.dirname, 'no-such-dir-used') },
    });
    // The reader goes away before anything is read, as `head` does after its lines.
    child.stdout.destroy();
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    expect(stderr).not.toMatch(/EPIPE|Unhandled/);
    expect(code).toBe(0);
  }, 30_000);
});
