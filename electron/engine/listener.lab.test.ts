// #19.1-3 on the lab's hosts, through `apply` as a user runs it: a server whose API listens on
// 46443 and is reached on a second address of the machine (a SAN for it), two agents cloned
// with one host name joining through that address with with-node-id, the real kubectl on this
// computer listing the nodes through the written kubeconfig. Without the SAN the run is refused
// before anything is installed, with Go's x509 reason. The in-cluster kubernetes service is
// checked after install; with its mapping made wrong (a lab fault) the run fails naming the fix.
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exec, type LabHost } from '../../e2e/lab/index';
import { apply, clusterFile, editCluster, type ClusterFile } from '../../test-support/engine/lab';
import { addSecondAddress, labHosts, realKubectl, tableRows } from '../../test-support/lab-setup';

const PORT = 46443;
let cluster: ClusterFile;
let second = '';
const { hosts } = labHosts(
  { beforeAll, afterAll },
  [
    { name: 'lnsrv', arch: 'amd64', firewall: 'firewalld' },
    { name: 'lna1', arch: 'amd64', firewall: 'none', hostname: 'pi' },
    { name: 'lna2', arch: 'amd64', firewall: 'none', hostname: 'pi' },
  ],
  { setUp: async ([srv]) => void (second = await addSecondAddress(srv!, 250)) },
);

describe('a server on port 46443 reached on a second address', () => {
  it('is refused before install while the address is not in the certificate', async () => {
    const [srv, a1, a2] = hosts as [LabHost, LabHost, LabHost];
    cluster = clusterFile(
      'lnport',
      [
        { host: srv, role: 'server' },
        { host: a1, role: 'agent' },
        { host: a2, role: 'agent' },
      ],
      { firewall: { policy: 'configure' } },
    );
    editCluster(cluster, (spec) => {
      spec.networking = { apiPort: PORT, endpoint: { address: second } };
      for (const n of spec.nodes.slice(1)) n.withNodeId = true;
    });
    const refused = await apply(cluster);
    expect(refused.code).not.toBe(0);
    const text = refused.stdout + refused.stderr;
    expect(text).toContain(`would dial ${second}, which is not in lnsrv’s certificate`);
    expect(text).toMatch(
      new RegExp(
        `x509: certificate is valid for 127\\.0\\.0\\.1, ::1, 10\\.43\\.0\\.1, ${srv.address.replace(/\./g, '\\.')}, not ${second.replace(/\./g, '\\.')}`,
      ),
    );
    // nothing was installed
    expect((await exec('lnsrv', ['test', '-e', '/usr/local/bin/k3s'])).code).not.toBe(0);
  });

  it('with the SAN: agents join through it, the firewall opens 46443, kubectl lists the nodes', async () => {
    editCluster(cluster, (spec) => {
      spec.nodes[0]!.listener = { tlsSans: [second] };
    });
    const done = await apply(cluster);
    expect(done.code, `${done.stdout}\n${done.stderr}`).toBe(0);
    expect(done.stdout).toContain('Cluster lnport is ready');
    expect(done.stdout).toMatch(
      new RegExp(
        `✓ Check that every node is Ready, CoreDNS is rolled out, the in-cluster kubernetes service reaches the API on port ${PORT} and the nodes reach each other`,
      ),
    );

    const conf = (await exec('lnsrv', ['cat', '/etc/rancher/k3s/config.yaml'])).stdout;
    expect(conf).toContain(`https-listen-port: ${PORT}\n`);
    expect(conf).toContain(`tls-san:\n  - ${second}\n`);
    for (const agent of ['lna1', 'lna2']) {
      const c = (await exec(agent, ['cat', '/etc/rancher/k3s/config.yaml'])).stdout;
      expect(c).toContain(`server: https://${second}:${PORT}\n`);
      expect(c).toContain('with-node-id: true\n');
    }
    // the firewall plan followed the port: 46443 open on the server, 6443 not
    const fw = (await exec('lnsrv', ['firewall-cmd', '--list-all-zones'])).stdout;
    expect(fw).toContain(`${PORT}/tcp`);
    expect(fw).not.toMatch(/(^|[^0-9])6443\/tcp/);

    // the real kubectl on this computer, through the kubeconfig apply wrote
    const kubeconfig = cluster.env.KUBECONFIG as string;
    expect(readFileSync(kubeconfig, 'utf8')).toContain(`server: https://${second}:${PORT}`);
    const rows = tableRows(await realKubectl(cluster, 'lnport', ['get', 'nodes', '-o', 'wide']));
    expect(rows.map((r) => `${r[0]?.replace(/-[0-9a-f]{8}$/, '-<id>')} ${r[1]}`).sort()).toEqual([
      'lnsrv Ready',
      'pi-<id> Ready',
      'pi-<id> Ready',
    ]);
    const ids = rows.map((r) => r[0]).filter((n) => n?.startsWith('pi-'));
    expect(new Set(ids).size).toBe(2);
    expect(rows.map((r) => r[5]).sort()).toEqual(
      [hosts[0]!.address, hosts[1]!.address, hosts[2]!.address].sort(),
    );
  }, 1_200_000);

  it('a wrong kubernetes-service mapping fails the check after install, naming the fix', async () => {
    // lab fault: the kubernetes endpoint advertises 6443 whatever the listener does
    await exec('lnsrv', [
      'sh',
      '-c',
      'mkdir -p /etc/systemd/system/k3s.service.d && printf "[Service]\\nEnvironment=K3S_LAB_SERVICE_PORT=6443\\n" > /etc/systemd/system/k3s.service.d/lab-fault.conf && systemctl daemon-reload && systemctl restart k3s',
    ]);
    const failed = await apply(cluster);
    expect(failed.code).not.toBe(0);
    const text = failed.stdout + failed.stderr;
    expect(text).toContain('The connection to the server 10.43.0.1:443 was refused');
    expect(text).toContain(
      `The in-cluster kubernetes service (10.43.0.1:443) does not reach the API on port ${PORT}`,
    );
    expect(text).toContain(`set advertise-port: ${PORT} on every server`);
    const ep = (await exec('lnsrv', ['/usr/local/bin/k3s', 'kubectl', 'get', 'endpoints', 'kubernetes']))
      .stdout;
    expect(ep).toContain(`${hosts[0]!.address}:6443`);
  }, 900_000);
});
