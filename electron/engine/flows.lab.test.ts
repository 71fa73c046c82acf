// #12.7: the safety net after a firewall change tests every flow of the one flow table, etcd
// 2379-2380 between servers included. Blocked outside the hosts (the lab's block-port), etcd is
// named and nothing is made permanent (three servers); unblocked, the log lists each etcd port as answering.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { down, ensureMirror, exec, fault, up } from '../../e2e/lab/index';
import type { HostFacts } from '../../shared/facts';
import { clusterFile, labFacts, labRun, type ClusterFile } from './lab-helpers';

const names = ['c7e1', 'c7e2', 'c7e3'];
let cluster: ClusterFile;
let facts: Record<string, HostFacts>;

beforeAll(async () => {
  await ensureMirror();
  await down(names);
  const hosts = await up(names.map((name) => ({ name, firewall: 'firewalld' as const })));
  cluster = clusterFile(
    'c7etcd',
    hosts.map((host) => ({ host, role: 'server' as const })),
    { firewall: { policy: 'configure', clients: 'anywhere' } },
  );
  facts = await labFacts(cluster);
}, 900_000);

afterAll(async () => {
  await fault.unblockPort('c7e2', 2379).catch(() => undefined);
  await down(names);
});

const permanentPorts = async (name: string) =>
  (await exec(name, ['firewall-cmd', '--permanent', '--list-all-zones'])).stdout;

describe('the firewall safety net tests etcd between servers', () => {
  it('etcd blocked between the servers: the firewall step names 2379/tcp and makes nothing permanent', async () => {
    const before = await permanentPorts('c7e2');
    await fault.blockPort('c7e2', 2379);
    const { started, pool } = await labRun(cluster, { facts });
    const snapshot = await started.done.finally(() => pool.closeAll());
    const error = snapshot.steps['prepare:c7e2:firewall']?.error;
    expect(error?.code, JSON.stringify(snapshot.steps['prepare:c7e2:firewall'])).toBe(
      'FIREWALL_BLOCKS_CLUSTER',
    );
    expect(error?.message).toContain('c7e1 → c7e2 on 2379/tcp');
    expect(error?.message).toContain('c7e3 → c7e2 on 2379/tcp');
    expect(error?.message).not.toMatch(/on (6443|10250|2380)\//);
    expect(await permanentPorts('c7e2')).toBe(before);
    const output = snapshot.steps['prepare:c7e1:firewall']?.output.join('\n') ?? '';
    const answered = /the cluster ports answer from the other nodes: (.*)/.exec(output)?.[1] ?? '';
    for (const from of ['c7e2', 'c7e3'])
      for (const port of ['6443/tcp', '8472/udp', '10250/tcp', '2379/tcp', '2380/tcp'])
        expect(answered, output).toContain(`${port} from ${from}`);
    expect(snapshot.status).not.toBe('succeeded');
  });

  it('unblocked: the retry applies the rules, every etcd port answers, the log says so flow by flow', async () => {
    await fault.unblockPort('c7e2', 2379);
    const { started, pool } = await labRun(cluster, { facts });
    const snapshot = await started.done.finally(() => pool.closeAll());
    expect(
      Object.values(snapshot.steps)
        .filter((s) => s.status === 'failed')
        .map((s) => s.error),
    ).toEqual([]);
    const output = snapshot.steps['prepare:c7e2:firewall']?.output.join('\n') ?? '';
    const answered = /the cluster ports answer from the other nodes: (.*)/.exec(output)?.[1] ?? '';
    for (const from of ['c7e1', 'c7e3'])
      for (const port of ['6443/tcp', '8472/udp', '10250/tcp', '2379/tcp', '2380/tcp'])
        expect(answered, output).toContain(`${port} from ${from}`);
    expect(output).not.toContain('unknown (not tested)');
    expect(snapshot.status).toBe('succeeded');
  });
});
