// #12.2 and #12.6, the command line as a person runs it (a real process): a changed host key
// stops `apply` at once with its code, closing every session (no hang on the other hosts'
// connections) and saying how to re-trust from the command line; Ctrl-C (SIGINT) during an
// install exits 130, says which steps were left, and the next run completes them.
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { down, ensureMirror, exec, up, type LabHost } from '../../e2e/lab/index';
import { apply, clusterFile, type ClusterFile } from '../../test-support/engine/lab';

const names = ['c2ks', 'c2ka'];
let cluster: ClusterFile;

beforeAll(async () => {
  await ensureMirror();
  await down(names);
  const [s, a] = (await up([
    { name: 'c2ks', firewall: 'none' },
    // Slow to log in to: its connection is still opening when the other host's key is refused.
    { name: 'c2ka', firewall: 'none', delayMs: 400 },
  ])) as [LabHost, LabHost];
  cluster = clusterFile('c2exit', [
    { host: s, role: 'server' },
    { host: a, role: 'agent' },
  ]);
}, 900_000);

afterAll(async () => {
  await down(names);
});

/** `k3s-wizard apply` as its own process (group); resolves with its exit code and output. */
function cli(
  args: string[],
  options: { onStdout?: (text: string, kill: (s: NodeJS.Signals) => void) => void } = {},
) {
  const child = spawn(
    join(process.cwd(), 'node_modules', '.bin', 'tsx'),
    [join(process.cwd(), 'electron', 'cli', 'index.ts'), 'apply', cluster.file, '--yes', '--plain', ...args],
    { env: cluster.env, stdio: ['ignore', 'pipe', 'pipe'], detached: true },
  );
  let stdout = '';
  let stderr = '';
  // tsx forwards signals to the command line it runs; a kill goes to the whole group.
  const kill = (signal: NodeJS.Signals) => process.kill(-(child.pid ?? 0), signal);
  child.stdout.on('data', (chunk: Buffer) => {
    stdout += chunk.toString();
    options.onStdout?.(stdout, kill);
  });
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const started = Date.now();
  const timer = setTimeout(() => kill('SIGKILL'), 120_000);
  return new Promise<{ code: number | null; stdout: string; stderr: string; ms: number }>((resolve) =>
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr, ms: Date.now() - started });
    }),
  );
}

describe('apply from the command line ends with its code', () => {
  it('Ctrl-C during the install exits 130 and names the steps left; the next run completes them', async () => {
    let sent = false;
    const stopped = await cli(['--accept-new-host-keys'], {
      onStdout: (text, kill) => {
        if (!sent && /\[c2ks\].*Install K3s/.test(text)) {
          sent = true;
          kill('SIGINT');
        }
      },
    });
    expect(sent, stopped.stdout + stopped.stderr).toBe(true);
    expect(stopped.code, stopped.stdout + stopped.stderr).toBe(130);
    expect(stopped.stderr + stopped.stdout).toMatch(/not finished: .*install:c2ka/s);
    const next = await apply(cluster);
    expect(next.code, next.stdout + next.stderr).toBe(0);
    expect(next.stdout).toContain('Cluster c2exit is ready');
  });

  it('a changed host key: exits 1 at once with both fingerprints and how to re-trust', async () => {
    await exec('c2ks', [
      'sh',
      '-c',
      'rm -f /etc/ssh/ssh_host_*; ssh-keygen -A >/dev/null; systemctl restart ssh.service',
    ]);
    const r = await cli([]);
    expect(r.code, r.stdout + r.stderr).toBe(1);
    expect(r.ms).toBeLessThan(60_000);
    expect(r.stderr).toMatch(/host key of .* has changed: it was \S+ SHA256:\S+, it is now \S+ SHA256:\S+/);
    expect(r.stderr).toMatch(/ssh-keygen -R '?10\.\d+\.\d+\.\d+'? -f \S+known_hosts/);
    expect(r.stderr).toContain('--accept-new-host-keys');
  });
});
