import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { captureIo } from '../../test-support/cli-io';
import { runCli } from './program';

const io = () => captureIo();

describe('command line', () => {
  it('info --json answers through the contract', async () => {
    const cli = io();
    expect(await runCli(['info', '--json'], cli.value)).toBe(0);
    const info = JSON.parse(cli.out()) as { name: string; front: string; dataDir: string };
    expect(info).toMatchObject({
      name: 'k3s-wizard',
      front: 'cli',
      dataDir: cli.value.env.K3S_WIZARD_DATA_DIR,
    });
  });

  it('--help lists the commands and the exit codes, and exits 0', async () => {
    const cli = io();
    expect(await runCli(['--help'], cli.value)).toBe(0);
    expect(cli.out()).toContain('serve');
    expect(cli.out()).toContain('Exit codes');
  });

  it('an unknown command or option is a usage error (exit 2)', async () => {
    const cli = io();
    expect(await runCli(['frobnicate'], cli.value)).toBe(2);
    expect(cli.err()).toContain("unknown command 'frobnicate'");
    expect(await runCli(['info', '--nope'], io().value)).toBe(2);
  });

  it('an invalid port is a usage error with a clear message', async () => {
    const cli = io();
    expect(await runCli(['serve', '--port', '99999'], cli.value)).toBe(2);
    expect(cli.err()).toContain('--port must be a whole number from 0 to 65535');
  });

  it('serve starts, prints the address, and stops when interrupted', async () => {
    const cli = io();
    const dir = mkdtempSync(join(tmpdir(), 'k3sw-r-'));
    expect(await runCli(['serve', '--renderer', dir], cli.value)).toBe(0);
    expect(cli.out()).toMatch(/http:\/\/127\.0\.0\.1:\d+\/\?token=[\w-]{20,}/);
  });
});
