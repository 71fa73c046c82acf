// #19.4 on the lab's hosts, through `apply`: a rootless server is checked before anything runs.
// On a pure cgroup v2 host the checks find what the login user lacks (Debian delegates only
// cpu, memory and pids) and name the fixes; once the fixes are applied the same checks pass.
// On a hybrid cgroup host the run is refused, saying why and what to change.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { readFileSync, writeFileSync } from 'node:fs';
import { down, ensureMirror, exec, up, type LabHost } from '../../e2e/lab/index';
import { apply, clusterFile } from '../../test-support/engine/lab';

const SPECS = [
  { name: 'rlv2', arch: 'amd64' as const, firewall: 'none' as const },
  { name: 'rlhyb', arch: 'amd64' as const, firewall: 'none' as const, cgroup: 'hybrid' as const },
];
const names = SPECS.map((s) => s.name);
let hosts: LabHost[] = [];

function rootlessCluster(name: string, host: LabHost) {
  const cluster = clusterFile(name, [{ host, role: 'server' }]);
  const spec = parse(readFileSync(cluster.file, 'utf8')) as { nodes: Record<string, unknown>[] };
  spec.nodes[0]!.rootless = true;
  writeFileSync(cluster.file, stringify(spec));
  return cluster;
}

beforeAll(async () => {
  await ensureMirror();
  await down(names);
  hosts = await up(SPECS);
}, 900_000);

afterAll(async () => {
  await down(names);
});

describe('rootless servers', () => {
  it('pure cgroup v2: the checks name what is missing, and pass once the fixes are applied', async () => {
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

    // the fixes, as the user runs them
    for (const command of [
      "mkdir -p /etc/systemd/system/user@.service.d && printf '[Service]\\nDelegate=cpu cpuset io memory pids\\n' > /etc/systemd/system/user@.service.d/delegate.conf && systemctl daemon-reload",
      'loginctl enable-linger lab',
      'apt-get install -y uidmap >/dev/null 2>&1 || test -x /usr/bin/newuidmap',
    ])
      await exec('rlv2', ['sh', '-c', command]);
    const uidmap =
      (await exec('rlv2', ['sh', '-c', 'command -v newuidmap && command -v newgidmap'])).code === 0;

    const second = await apply(cluster);
    const after = second.stdout + second.stderr;
    expect(after).not.toContain('systemd delegates');
    expect(after).not.toContain('Lingering is off');
    if (uidmap) {
      expect(after).toContain('rlv2 meets every requirement of rootless K3s');
      expect(after).toContain('k3s-wizard does not install rootless servers yet');
    } else {
      // no package mirror reachable from the host: the one check left is newuidmap's
      expect(after).toContain('newuidmap and newgidmap are missing');
    }
    expect(second.code).not.toBe(0);
  }, 600_000);

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
  }, 600_000);

  it('a rootless server with agents is refused: they could not join it', async () => {
    const cluster = clusterFile('rlmulti', [
      { host: hosts[0]!, role: 'server' },
      { host: hosts[1]!, role: 'agent' },
    ]);
    const spec = parse(readFileSync(cluster.file, 'utf8')) as { nodes: Record<string, unknown>[] };
    spec.nodes[0]!.rootless = true;
    writeFileSync(cluster.file, stringify(spec));
    const run = await apply(cluster);
    expect(run.code).not.toBe(0);
    expect(run.stdout + run.stderr).toContain('agents and further servers on other machines cannot join it');
  }, 600_000);
});
