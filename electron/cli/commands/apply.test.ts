import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../program';

function cli() {
  const dir = mkdtempSync(join(tmpdir(), 'k3sw-apply-'));
  const err: string[] = [];
  const io = {
    stdout: () => undefined,
    stderr: (t: string) => err.push(t),
    env: { K3S_WIZARD_DATA_DIR: join(dir, 'data'), HOME: dir },
    untilInterrupted: () => new Promise<void>(() => undefined),
  };
  const file = join(dir, 'cluster.yaml');
  writeFileSync(
    file,
    [
      'apiVersion: k3s-wizard/v1',
      'kind: Cluster',
      'name: lab',
      'nodes:',
      '  - { address: 192.0.2.10, user: pi, role: server, nodeName: s1, auth: { method: password } }',
    ].join('\n'),
  );
  return { io, file, err: () => err.join('') };
}

describe('k3s-wizard apply', () => {
  it('refuses a bad --concurrency as a usage error', async () => {
    const c = cli();
    expect(await runCli(['apply', c.file, '--concurrency', '0'], c.io)).toBe(2);
    expect(c.err()).toContain('--concurrency must be a whole number from 1 to 64');
  });

  it('asks for --yes when it cannot ask a person', async () => {
    const c = cli();
    expect(await runCli(['apply', c.file], c.io)).toBe(2);
    expect(c.err()).toContain('Add --yes');
  });

  it('names the missing secret before logging in anywhere', async () => {
    const c = cli();
    expect(await runCli(['apply', c.file, '--yes'], c.io)).toBe(2);
    expect(c.err()).toContain('s1 needs an SSH password and there is no terminal to ask on');
    expect(c.err()).toContain('--secrets-file');
  });

  it('an invalid cluster file is a usage error that lists the problems', async () => {
    const c = cli();
    writeFileSync(c.file, 'apiVersion: k3s-wizard/v1\nkind: Cluster\nname: x\nnodes: []\n');
    expect(await runCli(['apply', c.file, '--yes'], c.io)).toBe(2);
    expect(c.err()).toContain('Add at least one machine');
  });
});
