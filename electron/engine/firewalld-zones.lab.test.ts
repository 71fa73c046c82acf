// #12.4: "open exactly what K3s needs" on firewalld changes nothing else. A port the user opened
// in the zone the other nodes arrive in (2222/tcp in public) stays reachable from them, no node
// address moves to another zone, and no zone's services change; only the K3s flows are added.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { down, ensureMirror, exec, up, type LabHost } from '../../e2e/lab/index';
import { clusterFile, labFacts, labRun, type ClusterFile } from '../../test-support/engine/lab';

const names = ['c4zs', 'c4za'];
let cluster: ClusterFile;
let server: LabHost;
let agent: LabHost;

/** Whether `from` can open a TCP connection to the server's port. */
async function reaches(from: string, port: number): Promise<boolean> {
  const probe = `import socket,sys\ntry:\n socket.create_connection((sys.argv[1], int(sys.argv[2])), 3).close(); print('open')\nexcept OSError as e: print('closed', e)`;
  const r = await exec(from, ['python3', '-c', probe, server.address, String(port)]);
  return r.stdout.trim() === 'open';
}

const zoneSetup = async () =>
  (
    await exec('c4zs', [
      'sh',
      '-c',
      'for z in $(firewall-cmd --get-zones); do echo "$z: $(firewall-cmd --zone=$z --list-services) | $(firewall-cmd --zone=$z --list-sources) | $(firewall-cmd --zone=$z --list-interfaces)"; done',
    ])
  ).stdout;

beforeAll(async () => {
  await ensureMirror();
  await down(names);
  [server, agent] = (await up([
    { name: 'c4zs', firewall: 'firewalld' },
    { name: 'c4za', firewall: 'none' },
  ])) as [LabHost, LabHost];
  // The user's own service on 2222/tcp, opened in the zone the other machines arrive in.
  await exec('c4zs', [
    'sh',
    '-c',
    'firewall-cmd --zone=public --add-port=2222/tcp && firewall-cmd --permanent --zone=public --add-port=2222/tcp && systemd-run --unit=own-service python3 -m http.server 2222',
  ]);
  cluster = clusterFile(
    'c4zones',
    [
      { host: server, role: 'server' },
      { host: agent, role: 'agent' },
    ],
    { firewall: { policy: 'configure', clients: 'anywhere' } },
  );
}, 900_000);

afterAll(async () => {
  await down(names);
});

describe('opening the K3s ports on firewalld changes nothing else', () => {
  it('the user’s own port stays reachable from the other node; no zone gains sources or services', async () => {
    for (let i = 0; i < 50 && !(await reaches('c4za', 2222)); i++)
      await new Promise((r) => setTimeout(r, 200));
    expect(await reaches('c4za', 2222)).toBe(true);
    const before = await zoneSetup();
    const facts = await labFacts(cluster);
    const { started, pool } = await labRun(cluster, { facts });
    const snapshot = await started.done.finally(() => pool.closeAll());
    expect(snapshot.status, JSON.stringify(Object.values(snapshot.steps).map((s) => s.error))).toBe(
      'succeeded',
    );
    expect(await reaches('c4za', 2222)).toBe(true);
    // Only the pod and service networks are new sources (of trusted); nothing else moved.
    const after = await zoneSetup();
    const expected = before.replace(
      /^trusted: (.*) \| (.*) \| (.*)$/m,
      (_l, services: string, sources: string, ifaces: string) =>
        `trusted: ${services} | ${[sources, '10.42.0.0/16 10.43.0.0/16'].filter(Boolean).join(' ')} | ${ifaces}`,
    );
    expect(after).toBe(expected);
    expect(
      (await exec('c4zs', ['firewall-cmd', '--get-zone-of-source', agent.address])).stdout.trim(),
    ).not.toBe('internal');
  });
});
