// #18, a classroom as a teacher runs it from the command line: six cloned "Pis" (one SD image:
// the same host name and machine-id, memory cgroup off; arm64, armhf and amd64 userlands) in a
// roster of two groups become two clusters after the fleet fixes; a student's kubeconfig lists
// pods in its own namespace and is Forbidden the nodes and the other namespaces, through the real
// kubectl; resetting the namespaces cuts the students off; uninstalling leaves the machines clean.
// Lean: 2 arm hosts (qemu, slow) and 4 amd64 Pis.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exec, type LabHostSpec } from '../../e2e/lab/index';
import { k3sWizard } from '../../test-support/engine/lab';
import {
  expectStudentAccess,
  kubectlWith,
  labHosts,
  remote,
  scratchHome,
  writePreset,
  writeRoster,
} from '../../test-support/lab-setup';

const SPECS: LabHostSpec[] = [
  { name: 'fl1', pi: true, hostname: 'raspberrypi', firewall: 'none' },
  { name: 'fl2', pi: true, arch: 'arm64', hostname: 'raspberrypi', machineIdFrom: 'fl1', firewall: 'none' },
  { name: 'fl3', pi: true, hostname: 'raspberrypi', machineIdFrom: 'fl1', firewall: 'none' },
  { name: 'fl4', pi: true, hostname: 'raspberrypi', machineIdFrom: 'fl1', firewall: 'none' },
  { name: 'fl5', pi: true, arch: 'armhf', hostname: 'raspberrypi', machineIdFrom: 'fl1', firewall: 'none' },
  { name: 'fl6', pi: true, hostname: 'raspberrypi', machineIdFrom: 'fl1', firewall: 'none' },
];
let dir: string;
let env: NodeJS.ProcessEnv;
let roster: string;
let presetFile: string;

const { names } = labHosts({ beforeAll, afterAll }, SPECS, {
  booted: true,
  timeoutMs: 1_800_000,
  setUp: (up) => {
    ({ dir, env } = scratchHome('fleet'));
    roster = writeRoster(join(dir, 'roster.csv'), up, (i) => (i < 3 ? 'red' : 'blue'));
    presetFile = join(dir, 'class.yaml');
    writePreset(presetFile, 'c3b', up[0]!, {
      disable: ['traefik'],
      naming: 'pi-<group>-<n>',
      fixes: { rebootWave: 3 },
      build: { concurrency: 4 },
      handout: { studentsPerCluster: 2, ttl: '2h' },
    });
  },
});

const fleet = (args: string[]) =>
  k3sWizard(env, ['fleet', roster, '--preset', presetFile, '--accept-new-host-keys', ...args]);

const kubectl = (kubeconfig: string, args: string[]) =>
  kubectlWith(kubeconfig, args, join(dir, 'kubectl-home'));

describe('classroom fleet from the command line', () => {
  it('shows the clusters and what the fixes will change, and changes nothing on --dry-run', async () => {
    const r = await fleet(['--dry-run']);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toContain('c3b-red: pi-red-1');
    expect(r.stdout).toMatch(
      /pi-red-2 \(\S+\): host name raspberrypi → pi-red-2, new machine ID .*memory cgroup on.*reboot \[reboot wave 1\]/,
    );
    expect(r.stdout).toMatch(/pi-blue-3 .*\[reboot wave 2\]/);
    expect(await remote('fl2', 'hostname')).toBe('raspberrypi');
  });

  it('fixes the cloned Pis in waves, builds both clusters at once: a failed machine first, then its retry', async () => {
    // fl6 cannot download anything (a broken curl first on root's PATH): its install fails.
    await exec('fl6', [
      'sh',
      '-c',
      `printf '#!/bin/sh\\necho "curl: (7) Failed to connect" >&2\\nexit 7\\n' > /usr/local/bin/curl; chmod 755 /usr/local/bin/curl`,
    ]);
    const r = await fleet(['--yes', '--json']);
    expect(r.code, r.stdout + r.stderr).toBe(1);
    expect(r.stderr).toContain('1 of 2 clusters did not finish (c3b-blue). Retry with: --only c3b-blue');
    const result = JSON.parse(r.stdout) as {
      clusters: {
        cluster: string;
        state: string;
        machines: { host: string; state: string; problem?: string }[];
      }[];
      fixes: { host: string; wave: number | null }[];
    };
    // failures first: the blue cluster, and in it the machine that failed
    expect(result.clusters.map((c) => [c.cluster, c.state])).toEqual([
      ['c3b-blue', 'failed'],
      ['c3b-red', 'done'],
    ]);
    expect(result.clusters[0]?.machines.map((m) => [m.host, m.state])).toEqual([
      ['pi-blue-3', 'failed'],
      ['pi-blue-1', 'done'],
      ['pi-blue-2', 'done'],
    ]);
    expect(result.fixes.map((f) => f.wave)).toEqual([1, 1, 1, 2, 2, 2]);
    await exec('fl6', ['rm', '-f', '/usr/local/bin/curl']);
    const retry = await fleet(['--yes', '--only', 'pi-blue-3']);
    expect(retry.code, retry.stdout + retry.stderr).toBe(0);
    expect(retry.stdout).toContain('c3b: 1 clusters, 3 machines');
    expect(retry.stdout).toMatch(/c3b-blue: ok .*pi-blue-3 ok/);
    // Six machines rebooted in two waves (two of them arm under qemu), two clusters built, then a
    // retry: 166 s on a quiet machine, over the default 300 s beside the rest of the lab suite.
  }, 900_000);

  it('hands out access once every cluster is built (nothing else changes)', async () => {
    const handout = join(dir, 'handout');
    const r = await fleet(['--yes', '--json', '--handout', handout]);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    const result = JSON.parse(r.stdout) as {
      clusters: { cluster: string; state: string }[];
      fixes: unknown[];
      handout: { cluster: string; kubeconfigs: { namespace: string; path: string }[]; joinFile: string }[];
    };
    expect(result.clusters.map((c) => [c.cluster, c.state])).toEqual([
      ['c3b-red', 'done'],
      ['c3b-blue', 'done'],
    ]);
    expect(result.fixes).toEqual([]);
    expect(r.stderr).toContain('Nothing to fix');

    // every machine has its new name, its own machine-id and the memory cgroup
    const expected = ['pi-red-1', 'pi-red-2', 'pi-red-3', 'pi-blue-1', 'pi-blue-2', 'pi-blue-3'];
    expect(await Promise.all(names.map((n) => remote(n, 'hostname')))).toEqual(expected);
    const ids = await Promise.all(names.map((n) => remote(n, 'cat /etc/machine-id')));
    expect(new Set(ids).size).toBe(6);
    for (const n of names)
      expect(await remote(n, 'cat /sys/fs/cgroup/cgroup.controllers')).toMatch(/\bmemory\b/);
    // the boots: the fix rebooted each machine once, wave after wave
    const boots = await Promise.all(names.map((n) => remote(n, 'cat /boot/firmware/cmdline.txt')));
    for (const b of boots) expect(b).toMatch(/cgroup_memory=1 cgroup_enable=memory$/);

    // the two clusters, each with its three nodes, as the server sees them
    const red = await remote('fl1', 'k3s kubectl get nodes -o name');
    expect(red.split('\n').sort()).toEqual(['node/pi-red-1', 'node/pi-red-2', 'node/pi-red-3']);
    const blue = await remote('fl4', 'k3s kubectl get nodes -o name');
    expect(blue.split('\n').sort()).toEqual(['node/pi-blue-1', 'node/pi-blue-2', 'node/pi-blue-3']);

    // student access: own namespace yes, nodes and the neighbour's namespace no (real kubectl)
    const redHandout = result.handout.find((h) => h.cluster === 'c3b-red')!;
    expect(redHandout.kubeconfigs.map((k) => k.namespace)).toEqual(['student-1', 'student-2']);
    const mine = redHandout.kubeconfigs[0]!.path;
    expect(statSync(mine).mode & 0o777).toBe(0o600);
    expect(statSync(redHandout.joinFile).mode & 0o777).toBe(0o600);
    expectStudentAccess(expect, mine, join(dir, 'kubectl-home'), {
      own: 'student-1',
      neighbour: 'student-2',
    });
    // the join command: for the next machine of the group, with an expiring bootstrap token
    const joinLine = readFileSync(redHandout.joinFile, 'utf8');
    expect(joinLine).toMatch(
      /K3S_URL=https:\/\/\S+:6443 .*K3S_TOKEN=K10[0-9a-f]{64}::[0-9a-f]{6}\.[0-9a-f]{16} .*--node-name pi-red-4/,
    );
    expect(joinLine).toContain('expires in 2h');
    // no token in the output or the logs
    const token = /token: (\S+)/.exec(readFileSync(mine, 'utf8'))?.[1] ?? '';
    expect(token.length).toBeGreaterThan(20);
    expect(r.stdout + r.stderr).not.toContain(token);
    const logs = spawnSync('grep', ['-rl', token, join(dir, 'data')], { encoding: 'utf8' });
    expect(logs.stdout).toBe('');

    // one kubeconfig the whole group shares, in the group's namespace
    const group = await fleet(['--yes', '--json', '--handout', join(dir, 'group'), '--handout-per', 'group']);
    expect(group.code, group.stdout + group.stderr).toBe(0);
    const shared = (JSON.parse(group.stdout) as typeof result).handout.find((h) => h.cluster === 'c3b-blue')!;
    expect(shared.kubeconfigs.map((k) => k.namespace)).toEqual(['student-group-blue']);
    const theirs = kubectl(shared.kubeconfigs[0]!.path, ['get', 'pods']);
    expect(theirs.code, theirs.out).toBe(0);
    expect(theirs.out).toContain('No resources found in student-group-blue namespace.');
  });

  it('reset of the namespaces cuts the students off; uninstall leaves the machines clean', async () => {
    const mine = join(dir, 'handout', 'c3b-red', 'student-1.kubeconfig');
    const ns = await fleet(['--yes', '--reset', 'namespaces']);
    expect(ns.code, ns.stdout + ns.stderr).toBe(0);
    expect(ns.stdout).toMatch(/c3b-red: reset, nothing left/);
    expect(await remote('fl1', 'k3s kubectl get namespaces -o name')).not.toContain('student-');
    expect(await remote('fl4', 'k3s kubectl get namespaces -o name')).not.toContain('student-');
    const cut = kubectl(mine, ['get', 'pods']);
    expect(cut.code).toBe(1);
    expect(cut.out).toMatch(/Unauthorized|must be logged in/);

    const wiped = await fleet(['--yes', '--reset', 'uninstall', '--json']);
    expect(wiped.code, wiped.stdout + wiped.stderr).toBe(0);
    const result = JSON.parse(wiped.stdout) as {
      reset: { cluster: string; outcome: string; left: Record<string, string[]> }[];
    };
    expect(result.reset.map((x) => [x.cluster, x.outcome])).toEqual([
      ['c3b-red', 'done'],
      ['c3b-blue', 'done'],
    ]);
    for (const n of names) {
      const left = await remote(
        n,
        'for p in /usr/local/bin/k3s /etc/rancher/k3s /var/lib/rancher/k3s /etc/systemd/system/k3s.service /etc/systemd/system/k3s-agent.service; do [ -e $p ] && echo $p; done; systemctl is-active k3s k3s-agent || true',
      );
      expect(left, n).toBe('inactive\ninactive');
    }
    const kubeconfig = env.KUBECONFIG ?? '';
    if (existsSync(kubeconfig)) expect(readFileSync(kubeconfig, 'utf8')).not.toContain('c3b-red');
  });
});
