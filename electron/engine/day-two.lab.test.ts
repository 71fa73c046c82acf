// Day two on the lab's hosts: a running cluster gains a machine through `apply` with a longer
// machine list. The new one (armhf, behind ufw) joins; the nodes that did not change are not
// restarted (their units keep their systemd invocation); the server's firewall lets the newcomer
// in; a further apply changes nothing.
import { readFileSync, writeFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exec, type LabHost } from '../../e2e/lab/index';
import { labHosts } from '../../test-support/lab-setup';
import { listNodesFromHere } from '../kubeconfig/check';
import { apply, clusterFile, type ClusterFile } from '../../test-support/engine/lab';

const SPECS = [
  { name: 'd2srv', arch: 'amd64' as const, firewall: 'firewalld' as const },
  { name: 'd2a1', arch: 'amd64' as const, firewall: 'none' as const },
  { name: 'd2arm', arch: 'armhf' as const, firewall: 'ufw' as const },
];
let cluster: ClusterFile;

const invocation = async (host: string, unit: string) =>
  (await exec(host, ['systemctl', 'show', '-p', 'InvocationID', '--value', unit])).stdout.trim();

const { hosts } = labHosts({ beforeAll, afterAll }, SPECS);

describe('adding a machine to a running cluster', () => {
  it('joins the new machine and restarts none of the others', async () => {
    const [srv, a1, arm] = hosts as [LabHost, LabHost, LabHost];
    const open = { firewall: { policy: 'configure' } };
    cluster = clusterFile(
      'd2grow',
      [
        { host: srv, role: 'server' },
        { host: a1, role: 'agent' },
      ],
      open,
    );
    const first = await apply(cluster);
    expect(first.code, `${first.stdout}\n${first.stderr}`).toBe(0);
    expect(first.stdout).toContain('Cluster d2grow is ready');
    const before = { srv: await invocation('d2srv', 'k3s'), a1: await invocation('d2a1', 'k3s-agent') };
    expect(before.srv).toMatch(/^[0-9a-f]{32}$/);
    expect(before.a1).toMatch(/^[0-9a-f]{32}$/);

    // the same cluster file with one more machine, as a user edits it (or the wizard writes it)
    const bigger = clusterFile(
      'd2grow',
      [
        { host: srv, role: 'server' },
        { host: a1, role: 'agent' },
        { host: arm, role: 'agent' },
      ],
      open,
    );
    writeFileSync(cluster.file, readFileSync(bigger.file));
    const second = await apply(cluster);
    expect(second.code, `${second.stdout}\n${second.stderr}`).toBe(0);
    expect(second.stdout).toContain('Cluster d2grow is ready');
    expect(second.stdout).toMatch(/\[d2a1\] ✓ Install K3s \w+.*: already done/);

    const nodes = await listNodesFromHere({ path: cluster.env.KUBECONFIG as string, contextName: 'd2grow' });
    expect(nodes.map((n) => `${n.name} ${n.ready ? 'Ready' : 'NotReady'}`).sort()).toEqual([
      'd2a1 Ready',
      'd2arm Ready',
      'd2srv Ready',
    ]);
    // nothing that did not change was restarted
    expect(await invocation('d2srv', 'k3s')).toBe(before.srv);
    expect(await invocation('d2a1', 'k3s-agent')).toBe(before.a1);
    // the server's firewall lets the newcomer reach the API
    const reach = await exec('d2arm', [
      'bash',
      '-c',
      `timeout 5 bash -c 'exec 3<>/dev/tcp/${srv.address}/6443' && echo open`,
    ]);
    expect(reach.stdout).toContain('open');
  });

  it('a further apply changes nothing', async () => {
    const again = await apply(cluster);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).toContain('Nothing changed: cluster d2grow already matches the spec');
  });
});
