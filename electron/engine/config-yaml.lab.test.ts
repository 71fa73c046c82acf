// #12.8: the join token reaches config.yaml through the YAML library. A server that keeps a token
// with a double quote and a backslash (set by hand earlier, kept by K3s across reinstalls) must
// still let its agent join with exactly that token; a re-run changes nothing.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { down, ensureMirror, exec, up, type LabHost } from '../../e2e/lab/index';
import { apply, clusterFile, readRemote, type ClusterFile } from '../../test-support/engine/lab';

const names = ['c8ys', 'c8ya'];
const PASSWORD = 'pa"ss\\word\'#: x';
let cluster: ClusterFile;

beforeAll(async () => {
  await ensureMirror();
  await down(names);
  const [server, agent] = (await up(
    names.map((name) => ({ name, arch: 'amd64' as const, firewall: 'none' as const })),
  )) as [LabHost, LabHost];
  cluster = clusterFile('c8yaml', [
    { host: server, role: 'server' },
    { host: agent, role: 'agent' },
  ]);
  // K3s keeps the password of an existing token file when it starts again.
  await exec('c8ys', [
    'sh',
    '-c',
    'umask 077; mkdir -p /var/lib/rancher/k3s/server && printf "%s\\n" "$1" > /var/lib/rancher/k3s/server/token',
    'sh',
    `K10${'0'.repeat(64)}::server:${PASSWORD}`,
  ]);
}, 900_000);

afterAll(async () => {
  await down(names);
});

describe('config.yaml holds any token value intact', () => {
  it('an agent joins with a token holding a quote and a backslash; a re-run changes nothing', async () => {
    const first = await apply(cluster);
    expect(first.code, first.stdout + first.stderr).toBe(0);
    expect(first.stdout).toContain('Cluster c8yaml is ready');
    const token = await readRemote('c8ys', '/var/lib/rancher/k3s/server/token');
    expect(token.endsWith(`::server:${PASSWORD}`)).toBe(true);
    const nodes = (await exec('c8ys', ['/usr/local/bin/k3s', 'kubectl', 'get', 'nodes', '-o', 'name']))
      .stdout;
    expect(nodes).toContain('node/c8ya');
    for (const text of [first.stdout, first.stderr]) expect(text).not.toContain(PASSWORD);

    const again = await apply(cluster);
    expect(again.code, again.stdout + again.stderr).toBe(0);
    expect(again.stdout).toContain('Nothing changed: cluster c8yaml already matches the spec');
  });
});
