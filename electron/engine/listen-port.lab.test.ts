// #19.1 on the lab's hosts, through `apply` as a user runs it: the API listen port of one server
// (listener.httpsListenPort), the cluster's port left at 6443. The server listens on 46443 and
// is reached on a second address of the machine (a SAN for it, the API endpoint); two agents join
// through it; firewalld on the server and ufw on an agent open exactly what each needs (46443 on
// the server only, no API port on the agents); the real kubectl on this computer lists the nodes
// through the written kubeconfig; a second run changes nothing. Two servers the cluster would
// reach at different ports are refused before anything is installed, saying why; three servers
// with embedded etcd all on their own 46443 (firewalld on one, ufw on the other) open exactly it,
// the second joins the first there, and the kubernetes service is checked on each.
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { exec, type LabHost } from '../../e2e/lab/index';
import { apply, clusterFile, editCluster, type ClusterFile } from '../../test-support/engine/lab';
import { addSecondAddress, labHosts, realKubectl, tableRows } from '../../test-support/lab-setup';

const PORT = 46443;
let second = '';
const { hosts } = labHosts(
  { beforeAll, afterAll },
  [
    { name: 'lpsrv', arch: 'amd64', firewall: 'firewalld' },
    { name: 'lpa1', arch: 'amd64', firewall: 'ufw' },
    { name: 'lpa2', arch: 'amd64', firewall: 'none' },
    { name: 'lphs1', arch: 'amd64', firewall: 'firewalld' },
    { name: 'lphs2', arch: 'amd64', firewall: 'ufw' },
    { name: 'lphs3', arch: 'amd64', firewall: 'none' },
  ],
  { setUp: async ([srv]) => void (second = await addSecondAddress(srv!, 251)) },
);

/** The nodes and their status, through the real kubectl and the kubeconfig apply wrote. */
async function nodesFromHere(cluster: ClusterFile, context: string): Promise<string[]> {
  const table = await realKubectl(cluster, context, ['get', 'nodes']);
  return tableRows(table)
    .map((r) => r.slice(0, 2).join(' '))
    .sort();
}

describe('one server listening on a port of its own', () => {
  it('two servers reached at different ports are refused before install, saying why', async () => {
    const [srv, a1] = hosts as [LabHost, LabHost];
    const refused = clusterFile('lpmixed', [
      { host: srv, role: 'server' },
      { host: a1, role: 'server' },
    ]);
    editCluster(refused, (spec) => {
      spec.nodes[0]!.listener = { httpsListenPort: PORT };
    });
    const r = await apply(refused);
    expect(r.code).not.toBe(0);
    const text = r.stdout + r.stderr;
    expect(text).toContain(
      `lpa1 would be reached at port 6443, lpsrv at ${PORT}: the in-cluster kubernetes service (and every agent’s load balancer) reaches all servers at one port`,
    );
    expect(text).toContain(`set its advertise port to ${PORT}`);
    for (const name of ['lpsrv', 'lpa1'])
      expect((await exec(name, ['test', '-e', '/usr/local/bin/k3s'])).code).not.toBe(0);
  }, 300_000);

  let cluster: ClusterFile;
  it('listens there: agents join through its second address, each firewall opens exactly its ports, kubectl lists the nodes', async () => {
    const [srv, a1, a2] = hosts as [LabHost, LabHost, LabHost];
    cluster = clusterFile(
      'lpport',
      [
        { host: srv, role: 'server' },
        { host: a1, role: 'agent' },
        { host: a2, role: 'agent' },
      ],
      { firewall: { policy: 'configure' } },
    );
    editCluster(cluster, (spec) => {
      spec.networking = { endpoint: { address: second } };
      spec.nodes[0]!.listener = { httpsListenPort: PORT, tlsSans: [second] };
    });
    const plan = parse(readFileSync(cluster.file, 'utf8')) as { networking: { apiPort?: number } };
    expect(plan.networking.apiPort).toBeUndefined(); // the cluster's port stays 6443

    const done = await apply(cluster);
    expect(done.code, `${done.stdout}\n${done.stderr}`).toBe(0);
    expect(done.stdout).toContain('Cluster lpport is ready');
    expect(done.stdout).toContain(
      `✓ Check that every node is Ready, CoreDNS is rolled out, the in-cluster kubernetes service reaches the API on port ${PORT} and the nodes reach each other`,
    );
    // the flow test after install tried the agents → server API at its own port
    expect(done.stdout).toMatch(new RegExp(`lpa1 → lpsrv ${PORT}/tcp \\(the Kubernetes API\\): passed`));
    expect(done.stdout).toMatch(new RegExp(`lpa2 → lpsrv ${PORT}/tcp \\(the Kubernetes API\\): passed`));

    const conf = (await exec('lpsrv', ['cat', '/etc/rancher/k3s/config.yaml'])).stdout;
    expect(conf).toContain(`https-listen-port: ${PORT}\n`);
    expect(conf).toContain(`tls-san:\n  - ${second}\n`);
    for (const agent of ['lpa1', 'lpa2']) {
      const c = (await exec(agent, ['cat', '/etc/rancher/k3s/config.yaml'])).stdout;
      expect(c).toContain(`server: https://${second}:${PORT}\n`);
      expect(c).not.toContain('https-listen-port');
    }
    // the API listens on 46443 on the server, nothing on 6443
    const ss = (await exec('lpsrv', ['ss', '-Hltn'])).stdout;
    expect(ss).toMatch(new RegExp(`:${PORT}\\s`));
    expect(ss).not.toMatch(/:6443\s/);

    // firewalld on the server: 46443 open, 6443 not
    const fw = (await exec('lpsrv', ['firewall-cmd', '--list-all-zones'])).stdout;
    expect(fw).toContain(`${PORT}/tcp`);
    expect(fw).not.toMatch(/(^|[^0-9])6443\/tcp/);
    // ufw on an agent: its peer ports, no API port at all
    const ufw = (await exec('lpa1', ['ufw', 'status'])).stdout;
    expect(ufw).toMatch(/8472\/udp/);
    expect(ufw).toMatch(/10250\/tcp/);
    expect(ufw).not.toMatch(/(^|[^0-9])6443\b/);
    expect(ufw).not.toContain(String(PORT));

    // the real kubectl on this computer, through the kubeconfig apply wrote
    const kubeconfig = cluster.env.KUBECONFIG as string;
    expect(readFileSync(kubeconfig, 'utf8')).toContain(`server: https://${second}:${PORT}`);
    expect(await nodesFromHere(cluster, 'lpport')).toEqual(['lpa1 Ready', 'lpa2 Ready', 'lpsrv Ready']);
  }, 1_200_000);

  it('a second run changes nothing', async () => {
    const again = await apply(cluster);
    expect(again.code, `${again.stdout}\n${again.stderr}`).toBe(0);
    expect(again.stdout).toContain('Nothing changed: cluster lpport already matches the spec');
    const fw = (await exec('lpsrv', ['firewall-cmd', '--list-all-zones'])).stdout;
    expect(fw).not.toMatch(/(^|[^0-9])6443\/tcp/);
  }, 900_000);
});

describe('three servers, each listening on its own port 46443', () => {
  let cluster: ClusterFile;
  it('the others join the first there, each firewall opens exactly it, the service is checked on each', async () => {
    const [, , , s1, s2, s3] = hosts as [LabHost, LabHost, LabHost, LabHost, LabHost, LabHost];
    cluster = clusterFile(
      'lpha',
      [
        { host: s1, role: 'server' },
        { host: s2, role: 'server' },
        { host: s3, role: 'server' },
      ],
      { firewall: { policy: 'configure' } },
    );
    editCluster(cluster, (spec) => {
      for (const n of spec.nodes) n.listener = { httpsListenPort: PORT };
    });
    const done = await apply(cluster);
    expect(done.code, `${done.stdout}\n${done.stderr}`).toBe(0);
    expect(done.stdout).toContain('Cluster lpha is ready');
    for (const name of ['lphs2', 'lphs3'])
      expect(done.stdout).toContain(
        `✓ Check that the in-cluster kubernetes service reaches ${name}’s API on port ${PORT}`,
      );
    expect(done.stdout).toContain(
      `✓ Check that every node is Ready, CoreDNS is rolled out, the in-cluster kubernetes service reaches the API on port ${PORT} and the nodes reach each other`,
    );
    expect(done.stdout).toMatch(new RegExp(`lphs2 → lphs1 ${PORT}/tcp \\(the Kubernetes API\\): passed`));
    expect(done.stdout).toMatch(new RegExp(`lphs1 → lphs2 ${PORT}/tcp \\(the Kubernetes API\\): passed`));

    for (const name of ['lphs2', 'lphs3']) {
      const c = (await exec(name, ['cat', '/etc/rancher/k3s/config.yaml'])).stdout;
      expect(c).toContain(`server: https://${s1.address}:${PORT}\n`);
      expect(c).toContain(`https-listen-port: ${PORT}\n`);
    }
    const fw = (await exec('lphs1', ['firewall-cmd', '--list-all-zones'])).stdout;
    expect(fw).toContain(`${PORT}/tcp`);
    expect(fw).not.toMatch(/(^|[^0-9])6443\/tcp/);
    const ufw = (await exec('lphs2', ['ufw', 'status'])).stdout;
    expect(ufw).toContain(`${PORT}/tcp`);
    expect(ufw).toContain('2379:2380/tcp');
    expect(ufw).not.toMatch(/(^|[^0-9])6443\b/);

    const kubeconfig = cluster.env.KUBECONFIG as string;
    expect(readFileSync(kubeconfig, 'utf8')).toContain(`server: https://${s1.address}:${PORT}`);
    expect(await nodesFromHere(cluster, 'lpha')).toEqual(['lphs1 Ready', 'lphs2 Ready', 'lphs3 Ready']);

    const again = await apply(cluster);
    expect(again.code, `${again.stdout}\n${again.stderr}`).toBe(0);
    expect(again.stdout).toContain('Nothing changed: cluster lpha already matches the spec');
  }, 1_500_000);
});
