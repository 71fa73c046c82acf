import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { captureIo } from '../../../test-support/cli-io';
import { runCli } from '../program';
import { withVersion } from './day-two';
import { withoutNode } from './remove';

const FILE = `# my cluster
apiVersion: k3s-wizard/v1
kind: Cluster
name: lab
nodes:
  - address: 10.0.0.1 # the first Pi
    user: pi
    role: server
    nodeName: s1
  - address: 10.0.0.2
    user: pi
    role: agent
    nodeName: a1
`;

function clusterFile(): string {
  const dir = mkdtempSync(join(tmpdir(), 'k3sw-d2-'));
  const file = join(dir, 'cluster.yaml');
  writeFileSync(file, FILE);
  return file;
}

describe('upgrade and remove on the command line', () => {
  it('upgrade wants exactly one of --to and --channel (a usage error, exit 2)', async () => {
    const file = clusterFile();
    const none = captureIo();
    expect(await runCli(['upgrade', file], none.value)).toBe(2);
    expect(none.err()).toContain('--to VERSION (like v1.34.1+k3s1) or --channel CHANNEL');
    const both = captureIo();
    expect(await runCli(['upgrade', file, '--to', 'v1.33.5+k3s1', '--channel', 'stable'], both.value)).toBe(
      2,
    );
    const bad = captureIo();
    expect(
      await runCli(['upgrade', file, '--to', 'v1.33.5+k3s1', '--drain-timeout', 'soon'], bad.value),
    ).toBe(2);
    expect(bad.err()).toContain('--drain-timeout must be a whole number of seconds');
  });

  it('remove names the nodes when the one asked for is not in the file (exit 2)', async () => {
    const io = captureIo();
    expect(await runCli(['remove', clusterFile(), 'zz'], io.value)).toBe(2);
    expect(io.err()).toContain('has no node zz; its nodes: s1, a1');
  });

  it('writes the cluster file without the node, keeping its comments', () => {
    const text = withoutNode(FILE, 'a1');
    expect(text).toContain('# my cluster');
    expect(text).toContain('# the first Pi');
    expect(text).not.toContain('a1');
    expect(text).toContain('nodeName: s1');
    const pinned = withVersion(FILE, 'v1.34.1+k3s1');
    expect(pinned).toContain('k3s:\n  version: v1.34.1+k3s1');
    expect(pinned).toContain('# the first Pi');
  });
});
