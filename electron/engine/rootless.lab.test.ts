// #19.4 on the lab's hosts, through `apply`: a rootless server is checked before anything runs.
// On a pure cgroup v2 host the checks find what the login user lacks (Debian delegates only
// cpu, memory and pids) and name the fixes; once the fixes are applied the same `apply` installs
// K3s rootless (the user unit k3s-rootless as the login user), the real kubectl on this computer
// sees the node Ready through the kubeconfig apply wrote (at the API's own port 6443, which the port controller binds unchanged), a re-run
// changes nothing, and uninstall takes the user unit away. On a hybrid cgroup host the run is
// refused, saying why and what to change.
import { existsSync, readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { journalCommand } from './k3s';
import { exec, mirror, type LabHost } from '../../e2e/lab/index';
import { columns, labHosts, realKubectl, tableRows } from '../../test-support/lab-setup';
import { fixRootless } from '../../e2e/lab/uidmap';
import { apply, clusterFile, editCluster, k3sWizard, type ClusterFile } from '../../test-support/engine/lab';

const SPECS = [
  { name: 'rlv2', arch: 'amd64' as const, firewall: 'none' as const },
  { name: 'rlhyb', arch: 'amd64' as const, firewall: 'none' as const, cgroup: 'hybrid' as const },
];

const uninstall = (cluster: ClusterFile) =>
  k3sWizard(cluster.env, ['uninstall', cluster.file, '--yes', '--accept-new-host-keys', '--plain']);

function rootlessCluster(name: string, host: LabHost) {
  const cluster = clusterFile(name, [{ host, role: 'server' }]);
  editCluster(cluster, (spec) => {
    spec.nodes[0]!.rootless = true;
  });
  return cluster;
}

const { hosts } = labHosts({ beforeAll, afterAll }, SPECS);

describe('rootless servers', () => {
  it('pure cgroup v2: the checks name what is missing; once fixed, apply installs K3s rootless as the user', async () => {
    const cluster = rootlessCluster('rlok', hosts[0]!);
    const first = await apply(cluster);
    expect(first.code).not.toBe(0);
    const text = first.stdout + first.stderr;
    expect(text).not.toContain('cgroup v1');
    expect(text).toContain(
      'systemd delegates cpu, memory, pids to lab; rootless K3s needs cpu, cpuset, io, memory, pids (missing: cpuset, io).',
    );
    expect(text).toContain('Lingering is off for lab');
    expect(text).toContain('Fix: sudo loginctl enable-linger lab');
    expect(text).toContain('Delegate=cpu cpuset io memory pids');
    // nothing ran on the host
    expect((await exec('rlv2', ['test', '-e', '/usr/local/bin/k3s'])).code).not.toBe(0);

    // the fixes, as the user runs them (the delegation, lingering and newuidmap the checks named)
    await fixRootless('rlv2');

    const second = await apply(cluster);
    const after = second.stdout + second.stderr;
    expect(after).not.toContain('systemd delegates');
    expect(after).not.toContain('Lingering is off');
    expect(after).not.toContain('newuidmap and newgidmap are missing');
    expect(second.code, after).toBe(0);

    // K3s runs as lab, from the user unit, with its files in lab's home
    const unit = await exec('rlv2', ['cat', '/home/lab/.config/systemd/user/k3s-rootless.service']);
    expect(unit.stdout).toContain(
      'ExecStart=/usr/local/bin/k3s server --rootless --snapshotter=native --config=%h/.config/k3s/config.yaml',
    );
    const files = await exec('rlv2', [
      'stat',
      '-c',
      '%U %a %n',
      '/home/lab/.config/k3s/config.yaml',
      '/home/lab/.kube/k3s.yaml',
      '/home/lab/.rancher/k3s/server/token',
    ]);
    expect(files.stdout.trim().split('\n')).toEqual([
      'lab 600 /home/lab/.config/k3s/config.yaml',
      'lab 600 /home/lab/.kube/k3s.yaml',
      'lab 600 /home/lab/.rancher/k3s/server/token',
    ]);
    const ps = await exec('rlv2', ['sh', '-c', "ps -eo user:16,args | grep '[k]3s server'"]);
    expect(columns(ps.stdout).map((r) => r[0])).toEqual(['lab']);
    // the root service the install script wrote is not enabled; nothing of K3s in /var/lib/rancher
    expect((await exec('rlv2', ['systemctl', 'is-enabled', 'k3s'])).stdout.trim()).not.toBe('enabled');
    expect((await exec('rlv2', ['test', '-e', '/var/lib/rancher/k3s/server'])).code).not.toBe(0);
    // the host binds the API at its own port (K3s's rootlessports controller), not 10000 higher
    const ports = (await exec('rlv2', ['ss', '-Htln'])).stdout;
    expect(ports).toMatch(/:6443\s/);
    expect(ports).not.toMatch(/:16443\s/);
    // the journal a failure would show: the user unit's, as the engine reads it (as root)
    const journal = await exec('rlv2', ['sh', '-c', journalCommand('k3s-rootless', { lines: 40 })]);
    expect(journal.stdout).toContain('k3s is up and running');
    // a root run of the same binary is refused, as K3s refuses it
    const asRoot = await exec('rlv2', ['/usr/local/bin/k3s', 'server', '--rootless']);
    expect(asRoot.code).not.toBe(0);
    expect(asRoot.stderr).toContain('rootless mode is not supported when running as root');

    // the real kubectl on this computer, through the kubeconfig apply wrote
    const kubeconfig = cluster.env.KUBECONFIG as string;
    expect(readFileSync(kubeconfig, 'utf8')).toContain(`server: https://${hosts[0]!.address}:6443`);
    const table = await realKubectl(cluster, 'rlok', ['get', 'nodes']);
    expect(tableRows(table).map((r) => r.slice(0, 2).join(' '))).toEqual(['rlv2 Ready']);

    // a re-run changes nothing
    const again = await apply(cluster);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).toContain('Nothing changed: cluster rlok already matches the spec');
    expect(again.stdout).toMatch(/\[rlv2\] ✓ Install K3s server rootless.*: already done/);

    // uninstall takes the user unit and K3s's files away
    const gone = await uninstall(cluster);
    expect(gone.code, gone.stdout + gone.stderr).toBe(0);
    const left = await exec('rlv2', [
      'sh',
      '-c',
      'ls -d /home/lab/.config/systemd/user/k3s-rootless.service /home/lab/.rancher/k3s /home/lab/.kube/k3s.yaml /usr/local/bin/k3s 2>/dev/null; pgrep -f "[k]3s server" || true',
    ]);
    expect(left.stdout.trim()).toBe('');
    expect(existsSync(kubeconfig) ? readFileSync(kubeconfig, 'utf8') : '').not.toContain('rlok');
  }, 900_000);

  it('hybrid cgroups: refused before install, saying why and what to change', async () => {
    const cluster = rootlessCluster('rlno', hosts[1]!);
    const run = await apply(cluster);
    expect(run.code).not.toBe(0);
    const text = run.stdout + run.stderr;
    expect(text).toContain(
      'rlhyb: The machine runs cgroup v1 and v2 side by side (hybrid): rootless K3s needs pure cgroup v2',
    );
    expect(text).toContain('systemd.unified_cgroup_hierarchy=1');
    expect((await exec('rlhyb', ['test', '-e', '/usr/local/bin/k3s'])).code).not.toBe(0);

    // and K3s itself (the stand-in) refuses there as the docs say, run by hand as the user
    const m = mirror();
    const url = `${m.githubUrl}/download/${m.versions[0]}/k3s`;
    const got = await exec('rlhyb', [
      'sh',
      '-c',
      'if command -v curl >/dev/null; then curl -sfL "$1" -o /tmp/k3s; else wget -qO /tmp/k3s "$1"; fi && chmod 755 /tmp/k3s',
      'fetch',
      url,
    ]);
    expect(got.code, got.stderr).toBe(0);
    const byHand = await exec('rlhyb', ['su', '-', 'lab', '-c', '/tmp/k3s server --rootless']);
    expect(byHand.code).not.toBe(0);
    expect(byHand.stderr).toContain('failed to setup cgroup2');
  }, 600_000);

  it('a rootless server with agents is refused: they could not join it', async () => {
    const cluster = clusterFile('rlmulti', [
      { host: hosts[0]!, role: 'server' },
      { host: hosts[1]!, role: 'agent' },
    ]);
    editCluster(cluster, (spec) => {
      spec.nodes[0]!.rootless = true;
    });
    const run = await apply(cluster);
    expect(run.code).not.toBe(0);
    expect(run.stdout + run.stderr).toContain('agents and further servers on other machines cannot join it');
  }, 600_000);
});
