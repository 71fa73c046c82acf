// Day two through the command line on the lab's hosts: 3 servers + 2 agents installed at v1.32,
// upgraded to v1.33 (stable) with the arm64 agent's new build dying at start (a bad release on
// the mirror): the rollout stops there naming it with its journal, the next run (the build
// fixed) continues with it alone; then a second run to v1.34 (latest). A jump of two minors is
// refused. Then an agent is removed: a bare pod blocks its drain first (named, nothing done),
// then it goes: node gone from the real kubectl, host clean, the servers' firewalls no longer
// mention it, the cluster file without it. A machine that is off is removed anyway. Removing the
// last server, or one whose loss breaks etcd quorum (the first one too), is refused.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exec, fault, mirror, mirrorFault, type LabHost } from '../../e2e/lab/index';
import { listNodesFromHere } from '../kubeconfig/check';
import { apply, asNodes, clusterFile, k3sWizard, type ClusterFile } from '../../test-support/engine/lab';
import { labHosts, realKubectl as kubectlHere } from '../../test-support/lab-setup';

const SPECS = [
  { name: 'u2s1', arch: 'amd64' as const, firewall: 'firewalld' as const },
  { name: 'u2s2', arch: 'amd64' as const, firewall: 'ufw' as const },
  { name: 'u2s3', arch: 'amd64' as const, firewall: 'none' as const },
  { name: 'u2a1', arch: 'amd64' as const, firewall: 'none' as const },
  { name: 'u2a2', arch: 'arm64' as const, firewall: 'none' as const },
];
const [OLD, STABLE, LATEST] = ['v1.32.9+k3s1', 'v1.33.5+k3s1', 'v1.34.1+k3s1'];
let cluster: ClusterFile;
// The arm64 agent's address: the bad build is served to it alone.
let pi = '';

const cli = (args: string[]) => k3sWizard(cluster.env, [...args, '--accept-new-host-keys', '--plain']);

const versions = async () => {
  const nodes = await listNodesFromHere({ path: cluster.env.KUBECONFIG as string, contextName: 'u2' });
  return Object.fromEntries(nodes.map((n) => [n.name, `${n.version}${n.ready ? '' : ' NotReady'}`]));
};

/** `kubectl` with the real kubectl of this machine and the kubeconfig the app wrote. */
const realKubectl = (args: string[]) => kubectlHere(cluster, 'u2', args);

const onServer = (cmd: string) => exec('u2s1', ['sh', '-c', cmd]);

const { names, hosts } = labHosts({ beforeAll, afterAll }, SPECS, {
  timeoutMs: 1_800_000,
  setUp: async (up) => {
    pi = (up[4] as LabHost).address;
    await mirrorFault.fix(STABLE, 'arm64', pi);
    cluster = clusterFile('u2', asNodes(up, 3), { k3s: { version: OLD }, firewall: { policy: 'configure' } });
    const first = await apply(cluster);
    expect(first.code, `${first.stdout}\n${first.stderr}`).toBe(0);
  },
  tearDown: () => mirrorFault.fix(STABLE, 'arm64', pi),
});

describe('upgrading K3s one node at a time', { timeout: 1_200_000 }, () => {
  it('refuses a jump of two minor versions, naming the one to go through', async () => {
    expect(mirror().versions).toEqual(expect.arrayContaining([OLD, STABLE, LATEST]));
    const r = await cli(['upgrade', cluster.file, '--to', LATEST, '--yes']);
    expect(r.code, r.all).toBe(1);
    expect(r.stderr).toContain('one minor version at a time');
    expect(r.stderr).toContain(`--channel v1.33`);
    expect(Object.values(await versions())).toEqual(Array(5).fill(OLD));
  });

  it('stops at the agent whose new build dies, naming it with its journal; the next run continues there', async () => {
    await mirrorFault.break(STABLE, 'arm64', pi);
    const r = await cli(['upgrade', cluster.file, '--channel', 'stable', '--yes']);
    expect(r.code, r.all).toBe(1);
    expect(r.stderr).toContain(`Channel stable is ${STABLE}`);
    // the plan, per node from which version to which
    expect(r.stdout).toMatch(
      new RegExp(`u2s1\\s+server\\s+${OLD.replace(/[.+]/g, '\\$&')} → ${STABLE.replace(/[.+]/g, '\\$&')}`),
    );
    // servers one at a time, before the agents
    const order = ['u2s1', 'u2s2', 'u2s3', 'u2a1'].map((n) => r.stdout.indexOf(`[${n}] ✓ Upgrade K3s`));
    expect(
      order.every((i) => i > 0),
      r.stdout,
    ).toBe(true);
    expect([...order].sort((a, b) => a - b)).toEqual(order);
    expect(r.stderr).toMatch(/u2a2: Upgrade K3s .*INSTALL_FAILED/);
    expect(r.stdout).toContain('journalctl -u k3s-agent');
    expect(r.stdout).toContain('SIGILL: illegal instruction');
    const after = await versions();
    expect(after).toMatchObject({ u2s1: STABLE, u2s2: STABLE, u2s3: STABLE, u2a1: STABLE });
    expect(after.u2a2).toContain(OLD);
    // the file asks for the new version now: a later apply does not take the servers back
    expect((parse(readFileSync(cluster.file, 'utf8')) as { k3s: { version: string } }).k3s.version).toBe(
      STABLE,
    );
    // left cordoned, for the next run
    expect(await realKubectl(['get', 'nodes'])).toMatch(/u2a2\s+\S*SchedulingDisabled/);

    await mirrorFault.fix(STABLE, 'arm64', pi);
    const again = await cli(['upgrade', cluster.file, '--channel', 'stable', '--yes']);
    expect(again.code, again.all).toBe(0);
    for (const n of ['u2s1', 'u2s2', 'u2s3', 'u2a1'])
      expect(again.stdout).toContain(`[${n}] ✓ K3s ${STABLE}: already at the target: already done`);
    expect(again.stdout).toMatch(/\[u2a2\] ✓ Upgrade K3s/);
    expect(Object.values(await versions())).toEqual(Array(5).fill(STABLE));
    expect(await realKubectl(['get', 'nodes'])).not.toContain('SchedulingDisabled');
    // the binary on the machine is the new one
    expect((await exec('u2a2', ['/usr/local/bin/k3s', '--version'])).stdout).toContain(STABLE);
  });

  it('goes on to the next minor version (channel latest), with --json', async () => {
    const r = await cli([
      'upgrade',
      cluster.file,
      '--channel',
      'latest',
      '--yes',
      '--json',
      '--concurrency',
      '2',
    ]);
    expect(r.code, r.all).toBe(0);
    const result = JSON.parse(r.stdout) as {
      target: string;
      outcome: string;
      nodes: { name: string; from: string; to: string }[];
    };
    expect(result).toMatchObject({ target: LATEST, outcome: 'succeeded' });
    expect(result.nodes.map((n) => `${n.name} ${n.from} ${n.to}`)).toEqual(
      names.map((n) => `${n} ${STABLE} ${LATEST}`),
    );
    expect(Object.values(await versions())).toEqual(Array(5).fill(LATEST));
    const again = await cli(['upgrade', cluster.file, '--to', LATEST, '--yes']);
    expect(again.code, again.all).toBe(0);
    expect(again.stdout).toContain(`Nothing to do: every node runs ${LATEST}`);
    const down = await cli(['upgrade', cluster.file, '--to', STABLE, '--yes']);
    expect(down.code, down.all).toBe(1);
    expect(down.stderr).toMatch(/downgrade is not supported.*--force/);
  });
});

describe('removing a machine', { timeout: 600_000 }, () => {
  it('names the pods that block the drain (a bare pod, a disruption budget) and changes nothing', async () => {
    const made = await onServer(
      `k3s kubectl run bare --image=nginx --overrides='{"spec":{"nodeName":"u2a1"}}'`,
    );
    expect(made.stdout).toContain('pod/bare created');
    const r = await cli(['remove', cluster.file, 'u2a1', '--yes', '--drain-timeout', '20']);
    expect(r.code, r.all).toBe(1);
    expect(r.stderr).toContain('u2a1 could not be drained: the pods that block it: default/bare');
    expect(await realKubectl(['get', 'nodes'])).toMatch(/u2a1\s+Ready\s/);
    expect(readFileSync(cluster.file, 'utf8')).toContain('u2a1');
    expect((await onServer('k3s kubectl delete pod bare')).stdout).toContain('pod "bare" deleted');

    // a PodDisruptionBudget that forbids evicting the only replica: the drain runs out of time
    const others = 'u2s1 u2s2 u2s3 u2a2';
    await onServer(`for n in ${others}; do k3s kubectl cordon $n; done`);
    await onServer(
      'k3s kubectl create deployment web --image=nginx --replicas=1 && k3s kubectl create pdb web --selector=app=web --min-available=1',
    );
    await onServer(`for n in ${others}; do k3s kubectl uncordon $n; done`);
    const web = (await onServer('k3s kubectl get pods -o wide')).stdout;
    expect(web).toMatch(/web-\S+\s.*u2a1/);
    const timed = await cli(['remove', cluster.file, 'u2a1', '--yes', '--drain-timeout', '10']);
    expect(timed.code, timed.all).toBe(1);
    expect(timed.stderr).toMatch(
      /u2a1 could not be drained: the pods that block it: default\/web-\S+ \(still there after 10 s: a PodDisruptionBudget forbids evicting them\)/,
    );
    expect(await realKubectl(['get', 'nodes'])).toMatch(/u2a1\s+Ready\s/);
    expect((await onServer('k3s kubectl delete pdb web')).stdout).toContain('deleted');
  });

  it('removes an agent: node and secret gone, host clean, the others’ firewalls without it, the file without it', async () => {
    const a1 = hosts[3] as LabHost;
    const mentions = async (host: string, cmd: string) => (await exec(host, ['sh', '-c', cmd])).stdout;
    expect(await mentions('u2s1', 'firewall-cmd --list-all-zones')).toContain(a1.address);
    expect(await mentions('u2s2', 'ufw status')).toContain(a1.address);
    const secrets = await onServer('k3s kubectl -n kube-system get secrets -o name');
    expect(secrets.stdout).toContain('secret/u2a1.node-password.k3s');

    const r = await cli(['remove', cluster.file, 'u2a1', '--yes']);
    expect(r.code, r.all).toBe(0);
    expect(r.stdout).toContain('u2a1 was removed from u2');
    expect(await realKubectl(['get', 'nodes'])).not.toContain('u2a1');
    expect((await onServer('k3s kubectl -n kube-system get secrets -o name')).stdout).not.toContain('u2a1');
    expect(
      (
        await exec('u2a1', [
          'sh',
          '-c',
          'ls /usr/local/bin/k3s /etc/systemd/system/k3s-agent.service /var/lib/k3s-wizard 2>&1; systemctl is-active k3s-agent',
        ])
      ).stdout,
    ).not.toMatch(/^\/usr|^\/etc|^\/var|^active/m);
    expect(
      await mentions('u2s1', 'firewall-cmd --list-all-zones; firewall-cmd --permanent --list-all-zones'),
    ).not.toContain(a1.address);
    expect(await mentions('u2s2', 'ufw status')).not.toContain(a1.address);
    expect(await mentions('u2s1', 'cat /var/lib/k3s-wizard/firewall.undo')).not.toContain(a1.address);
    const file = parse(readFileSync(cluster.file, 'utf8')) as { nodes: { nodeName: string }[] };
    expect(file.nodes.map((n) => n.nodeName)).toEqual(['u2s1', 'u2s2', 'u2s3', 'u2a2']);
    // the pods it ran were started elsewhere
    expect((await onServer('k3s kubectl get pods -A -o wide')).stdout).not.toContain('u2a1');
  });

  it('removes a machine that cannot be reached from the cluster anyway, and says so', async () => {
    await fault.stop('u2a2');
    const r = await cli(['remove', cluster.file, 'u2a2', '--yes']);
    expect(r.code, r.all).toBe(0);
    expect(r.stdout).toContain('u2a2 could not be reached: it is removed from the cluster anyway');
    expect(await realKubectl(['get', 'nodes'])).not.toContain('u2a2');
    const file = parse(readFileSync(cluster.file, 'utf8')) as { nodes: { nodeName: string }[] };
    expect(file.nodes.map((n) => n.nodeName)).toEqual(['u2s1', 'u2s2', 'u2s3']);
  });

  it('refuses to remove the last server, and one whose loss breaks etcd quorum (the first one too); removes the one that is down', async () => {
    // the same cluster seen through a file with one server
    const spec = parse(readFileSync(cluster.file, 'utf8')) as { nodes: { nodeName: string }[] };
    const small = join(cluster.dir, 'small.yaml');
    writeFileSync(small, stringify({ ...spec, nodes: spec.nodes.filter((n) => n.nodeName === 'u2s1') }));
    const last = await cli(['remove', small, 'u2s1', '--yes']);
    expect(last.code, last.all).toBe(1);
    expect(last.stderr).toContain("u2s1 is the cluster's only server");
    // a server down: removing another would leave etcd without quorum
    await fault.stop('u2s3');
    await expect
      .poll(async () => (await versions()).u2s3, { timeout: 120_000, interval: 3_000 })
      .toContain('NotReady');
    const first = await cli(['remove', cluster.file, 'u2s1', '--yes']);
    expect(first.code, first.all).toBe(1);
    expect(first.stderr).toContain(
      "Removing u2s1 breaks etcd's quorum: 1 of the 2 servers left would be running (u2s3 is NotReady)",
    );
    const quorum = await cli(['remove', cluster.file, 'u2s2', '--yes']);
    expect(quorum.code, quorum.all).toBe(1);
    expect(quorum.stderr).toContain(
      "Removing u2s2 breaks etcd's quorum: 1 of the 2 servers left would be running (u2s3 is NotReady)",
    );
    expect(await realKubectl(['get', 'nodes'])).toMatch(/u2s2\s+Ready/);
    // the server that is down may go: the two left keep quorum (and are told they tolerate no failure)
    const dead = await cli(['remove', cluster.file, 'u2s3', '--yes', '--json']);
    expect(dead.code, dead.all).toBe(0);
    const result = JSON.parse(dead.stdout) as {
      outcome: string;
      reachable: boolean;
      notes: string[];
      clusterFileUpdated: boolean;
    };
    expect(result).toMatchObject({ outcome: 'succeeded', reachable: false, clusterFileUpdated: true });
    expect(result.notes.join(' ')).toContain(
      'u2s3 could not be reached: it is removed from the cluster anyway',
    );
    expect(dead.stderr).toContain('2 servers are left: etcd then tolerates no server failure');
    expect(await realKubectl(['get', 'nodes'])).not.toContain('u2s3');
  });
});
