// #12.3: after the install the run tests every flow of the flow table between the nodes, on
// every node whatever its firewall. Flannel's 8472/udp blocked outside the hosts (the lab's
// block-port; the hosts have no firewall of their own) is not "ready": the run names the flow,
// both hosts and what most likely blocks it. Unblocked, the run is ready and lists each flow.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { down, ensureMirror, fault, up, type LabHost } from '../../e2e/lab/index';
import { apply, clusterFile, type ClusterFile } from '../../test-support/engine/lab';

const names = ['c3fs', 'c3fa'];
let cluster: ClusterFile;

beforeAll(async () => {
  await ensureMirror();
  await down(names);
  const [s, a] = (await up(names.map((name) => ({ name, firewall: 'none' as const })))) as [LabHost, LabHost];
  cluster = clusterFile('c3flow', [
    { host: s, role: 'server' },
    { host: a, role: 'agent' },
  ]);
}, 900_000);

afterAll(async () => {
  await fault.unblockPort('c3fa', 8472, 'udp').catch(() => undefined);
  await down(names);
});

describe('ready means every flow between the nodes works', () => {
  it('8472/udp blocked between the machines: installed, but not ready, and says why', async () => {
    await fault.blockPort('c3fa', 8472, 'udp');
    const r = await apply(cluster);
    expect(r.code, r.stdout + r.stderr).toBe(1);
    expect(r.stdout).not.toContain('is ready');
    expect(r.stderr).toContain('CLUSTER_FLOWS_BLOCKED');
    expect(r.stderr).toMatch(
      /Cluster c3flow is installed, but pods on c3fs cannot reach pods on c3fa \(8472\/udp, datagrams sent, none arrived\): c3fa has no host firewall, so most likely something outside the machines blocks it/,
    );
    expect(r.stdout).toMatch(/c3fs → c3fa 8472\/udp \(pod networking \(flannel VXLAN\)\): BLOCKED/);
    expect(r.stdout).toMatch(/c3fa → c3fs 8472\/udp \(pod networking \(flannel VXLAN\)\): passed/);
  });

  it('unblocked: ready, every flow listed as passed; a re-run changes nothing', async () => {
    await fault.unblockPort('c3fa', 8472, 'udp');
    const r = await apply(cluster);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    // The first run did the install: this one changes nothing, and now every flow passes.
    expect(r.stdout).toMatch(
      /Cluster c3flow is ready|Nothing changed: cluster c3flow already matches the spec/,
    );
    expect(r.stdout).toContain(
      'Flows between the nodes, tested after the install: 5 passed, 0 blocked, 0 unknown',
    );
    for (const flow of [
      'c3fa → c3fs 6443/tcp',
      'c3fa → c3fs 10250/tcp',
      'c3fs → c3fa 10250/tcp',
      'c3fa → c3fs 8472/udp',
      'c3fs → c3fa 8472/udp',
    ])
      expect(r.stdout).toContain(`${flow} `);
    const again = await apply(cluster);
    expect(again.code, again.stdout + again.stderr).toBe(0);
    expect(again.stdout).toContain('Nothing changed: cluster c3flow already matches the spec');
    expect(again.stdout).toContain('5 passed, 0 blocked, 0 unknown');
  });
});
