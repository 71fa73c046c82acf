import { spawn } from 'node:child_process';
import { accessSync, constants, mkdtempSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

describe('build-main --watch', () => {
  it('builds main, preload and cli, then keeps watching until stopped', async () => {
    const out = mkdtempSync(join(tmpdir(), 'build-main-'));
    const child = spawn(process.execPath, ['scripts/build-main.mjs', '--watch', '--outdir', out], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    try {
      const deadline = Date.now() + 60_000;
      while (!/watching/.test(output) || !/built cli/.test(output)) {
        if (child.exitCode !== null) throw new Error(`build-main exited: ${output}`);
        if (Date.now() > deadline) throw new Error(`no build in time: ${output}`);
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      for (const file of ['main/index.js', 'preload/index.cjs', 'cli/index.js'])
        expect(statSync(join(out, file)).size, file).toBeGreaterThan(0);
      accessSync(join(out, 'cli', 'index.js'), constants.X_OK);
      // Still running: a watch that ends after one build is not a watch.
      await new Promise((resolve) => setTimeout(resolve, 1000));
      expect(child.exitCode).toBeNull();
    } finally {
      child.kill('SIGTERM');
    }
    expect(await exited).toBe(0);
  }, 90_000);
});
