// The fault suite: each fault injected during a real run on lab hosts, the error a person sees,
// nothing half-applied, then a second run that finishes the cluster; no secret (join token,
// sudo password, even a wrong one) in any event, log or command line. Covered elsewhere: a wrong
// join token and sshd killed in the middle of an install (electron/engine/engine-faults), a
// firewall plan that would cut SSH (electron/engine/firewall.lab.test.ts).
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runChecks } from '../../shared/checks';
import type { HostFacts } from '../../shared/facts';
import type { RunEvent, RunSnapshot } from '../../shared/run';
import {
  clusterFile,
  labFacts,
  labPool,
  labRun,
  readRemote,
  sampleCommandLines,
  type ClusterFile,
} from '../../test-support/engine/lab';
import { exec, fault, type LabHost } from '../lab/index';
import { labHosts } from '../../test-support/lab-setup';

const SPECS = [
  { name: 'k7s', firewall: 'firewalld' as const },
  { name: 'k7a', firewall: 'none' as const, sudo: 'password' as const },
  // A cloned machine: same host name as k7a.
  { name: 'k7b', firewall: 'none' as const, hostname: 'k7a' },
];
const WRONG_PASSWORD = 'wrong-Passw0rd-k7';
let hosts: Record<string, LabHost>;
let cluster: ClusterFile;
let facts: Record<string, HostFacts>;
/** Everything the runs showed or wrote, checked for secrets at the end. */
const seen: string[] = [];

const { names } = labHosts({ beforeAll, afterAll }, SPECS, {
  setUp: async (up3) => {
    hosts = Object.fromEntries(up3.map((h) => [h.name, h]));
    const nodes = [
      { host: hosts.k7s as LabHost, role: 'server' as const },
      { host: hosts.k7a as LabHost, role: 'agent' as const },
      { host: hosts.k7b as LabHost, role: 'agent' as const },
    ];
    // The server's firewall is left alone first (it blocks the API port).
    cluster = clusterFile('k7faults', nodes, { firewall: { policy: 'leave', clients: 'anywhere' } });
    facts = await labFacts(cluster);
  },
});

async function run(
  file: ClusterFile,
  options: { onEvent?: (e: RunEvent) => void; joinGraceMs?: number } = {},
): Promise<RunSnapshot> {
  const { started, pool, events } = await labRun(file, { facts, joinGraceMs: 8_000, ...options });
  const snapshot = await started.done;
  pool.closeAll();
  seen.push(JSON.stringify(events), JSON.stringify(snapshot), readFileSync(started.logPath, 'utf8'));
  return snapshot;
}

function complete(snapshot: RunSnapshot): void {
  const broken = Object.values(snapshot.steps).filter((s) => s.status !== 'done' && s.status !== 'skipped');
  expect(broken.map((s) => `${s.id}: ${s.error?.code ?? s.status} ${s.error?.message ?? ''}`)).toEqual([]);
  expect((snapshot.nodes ?? []).map((n) => n.name).sort()).toEqual(names.slice().sort());
  expect((snapshot.nodes ?? []).every((n) => n.ready)).toBe(true);
}

/** K3s off an agent, as on a re-flashed machine (its node object stays in the cluster). */
async function wipeAgent(name: string): Promise<void> {
  await exec(
    name,
    ['sh', '-c', '/usr/local/bin/k3s-agent-uninstall.sh >/dev/null 2>&1; rm -rf /etc/rancher/node'],
    {
      timeoutMs: 120_000,
    },
  );
}

const onInstall = (host: string, act: () => Promise<void>) => {
  const fired: { done: Promise<void> | null } = { done: null };
  return {
    fired,
    onEvent: (e: RunEvent) => {
      if (!fired.done && e.type === 'progress' && e.host === host && e.what.startsWith('install K3s'))
        fired.done = act();
    },
  };
};

describe('faults during a run, then a run that finishes', () => {
  it('a duplicate host name is caught by the checks; node names keep the nodes apart', () => {
    const checks = runChecks({
      hosts: names.map((n) => ({ id: n, role: n === 'k7s' ? 'server' : 'agent', facts: facts[n] ?? null })),
    });
    const dup = checks.find((c) => c.id === 'duplicate-hostname');
    expect(dup?.status).toBe('fail');
    expect(dup?.hostIds).toEqual(['k7a', 'k7b']);
    expect(dup?.reason).toContain('"k7a"');
  });

  it('API port blocked by the server’s own firewall: the joins fail naming port and server', async () => {
    const first = await run(cluster);
    const server = facts.k7s?.defaultAddress ?? '';
    for (const host of ['k7a', 'k7b']) {
      const error = first.steps[`install:${host}`]?.error;
      expect(error?.code, JSON.stringify(error)).toBe('JOIN_UNREACHABLE');
      expect(error?.message).toContain(`${server}:6443`);
      expect(error?.message).toContain('TCP 6443');
      expect(error?.message).toContain(host);
    }
    // The firewall configured: the same machines finish.
    const configured = {
      ...cluster,
      ...clusterFile(
        'k7faults',
        [
          { host: hosts.k7s as LabHost, role: 'server' },
          { host: hosts.k7a as LabHost, role: 'agent' },
          { host: hosts.k7b as LabHost, role: 'agent' },
        ],
        { firewall: { policy: 'configure', clients: 'anywhere' } },
      ),
    };
    cluster = configured;
    complete(await run(cluster));
  });

  it('a wrong sudo password: a clear error at once, one attempt, no hang', async () => {
    await exec('k7a', ['journalctl', '--rotate']);
    const wrong: ClusterFile = {
      ...cluster,
      sudoPasswords: { [(hosts.k7a as LabHost).address]: WRONG_PASSWORD },
    };
    const sampler = sampleCommandLines(names);
    const started = Date.now();
    const snapshot = await run(wrong);
    seen.push((await sampler.stop()).join('\n'));
    expect(Date.now() - started).toBeLessThan(60_000);
    const failed = Object.values(snapshot.steps).filter((s) => s.status === 'failed');
    expect(failed.map((s) => s.host)).toEqual(['k7a']);
    expect(failed[0]?.error?.code).toBe('SUDO_PASSWORD_WRONG');
    expect(failed[0]?.error?.message).toContain('not retried');
    const log = await exec('k7a', [
      'sh',
      '-c',
      'journalctl --no-pager -o cat _COMM=sudo | grep -c "incorrect password attempt"; true',
    ]);
    expect(Number(log.stdout.trim())).toBeLessThanOrEqual(1);
    complete(await run(cluster));
  });

  it('disk full on /var/lib: DISK_FULL naming the place, nothing written; freed, the run finishes', async () => {
    await wipeAgent('k7b');
    const mount = await exec('k7b', [
      'sh',
      '-c',
      'mkdir -p /var/lib/rancher && mount -t tmpfs -o size=1m tmpfs /var/lib/rancher && dd if=/dev/zero of=/var/lib/rancher/fill bs=64k 2>/dev/null; df -k /var/lib/rancher | tail -1',
    ]);
    expect(mount.code, mount.stderr).toBe(0);
    const snapshot = await run(cluster);
    const error = snapshot.steps['install:k7b']?.error;
    expect(error?.code, JSON.stringify(error)).toBe('DISK_FULL');
    expect(error?.message).toContain('k7b is out of disk space');
    expect(error?.message).toContain('/var/lib/rancher/k3s');
    const written = await exec('k7b', [
      'sh',
      '-c',
      'ls /etc/rancher/k3s/config.yaml /usr/local/bin/k3s 2>/dev/null; true',
    ]);
    expect(written.stdout.trim()).toBe('');
    await exec('k7b', ['umount', '/var/lib/rancher']);
    complete(await run(cluster));
  });

  it('the host rebooted in the middle of its install: a clear error, then the run finishes', async () => {
    await wipeAgent('k7a');
    const trigger = onInstall('k7a', () => fault.reboot('k7a'));
    const snapshot = await run(cluster, { onEvent: trigger.onEvent });
    await trigger.fired.done;
    const error = snapshot.steps['install:k7a']?.error;
    expect(
      ['CONNECTION_LOST', 'HOST_UNREACHABLE', 'TIMEOUT', 'SERVICE_TIMEOUT'],
      JSON.stringify(error),
    ).toContain(error?.code);
    expect(error?.message).toContain('k7a');
    complete(await run(cluster));
  });

  it('the network cut for 30 s in the middle of an install: a clear error or ridden out, then the run finishes', async () => {
    await wipeAgent('k7b');
    // Cut as the install step starts, so the cut lands while it downloads and runs the script.
    const fired: { done: Promise<void> | null } = { done: null };
    const trigger = {
      fired,
      onEvent: (e: RunEvent) => {
        if (!fired.done && e.type === 'step-started' && e.stepId === 'install:k7b')
          fired.done = fault.cutNetwork('k7b', 30);
      },
    };
    const cutAt = Date.now();
    const snapshot = await run(cluster, { onEvent: trigger.onEvent });
    await trigger.fired.done;
    // Either a clear transport error naming the host, or the step rode the cut out: then the
    // cut was inside it (it lasted as long), and it finished.
    const step = snapshot.steps['install:k7b'];
    if (step?.error) {
      expect(
        ['CONNECTION_LOST', 'TIMEOUT', 'HOST_UNREACHABLE', 'DOWNLOAD_FAILED'],
        JSON.stringify(step),
      ).toContain(step.error.code);
      expect(step.error.message).toContain('k7b');
    } else {
      expect(step?.status, JSON.stringify(step)).toBe('done');
      expect(step?.durationMs ?? 0).toBeGreaterThan(20_000);
    }
    // Back once the network is: a fresh login works again.
    await expect
      .poll(
        async () => {
          const { pool } = await labPool(cluster).catch(() => ({ pool: null }));
          pool?.closeAll();
          return pool !== null;
        },
        { timeout: 90_000, interval: 3_000 },
      )
      .toBe(true);
    expect(Date.now() - cutAt).toBeGreaterThan(25_000);
    complete(await run(cluster));
  });

  it('sshd killed in the middle of a step: CONNECTION_LOST, then the run finishes', async () => {
    await wipeAgent('k7a');
    const trigger = onInstall('k7a', () => fault.killSshd('k7a'));
    const snapshot = await run(cluster, { onEvent: trigger.onEvent });
    await trigger.fired.done;
    expect(snapshot.steps['install:k7a']?.error?.code).toBe('CONNECTION_LOST');
    await fault.startSshd('k7a');
    complete(await run(cluster));
  });

  it('no secret appeared in any event, snapshot, log or command line', async () => {
    const token = await readRemote('k7s', '/var/lib/rancher/k3s/server/token');
    const password = (hosts.k7a as LabHost).password;
    expect(token.length).toBeGreaterThan(20);
    const all = seen.join('\n');
    expect(all.length).toBeGreaterThan(10_000);
    for (const secret of [token, token.split('::server:')[1] ?? token, password, WRONG_PASSWORD])
      expect(all.includes(secret), 'a secret was shown or written').toBe(false);
  });
});
