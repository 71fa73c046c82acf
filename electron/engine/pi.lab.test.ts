// The Raspberry Pi memory cgroup fix on two lab Pis (arm64, and amd64 with the Pi profile),
// rebooting in parallel: cmdline.txt backed up and fixed without duplicate flags, SSH back from
// a new boot with the host key checked, memory in cgroup.controllers; a re-run skips it. A Pi
// that does not come back is named with the backup's path; a host key changed across a reboot
// is refused (HOST_KEY_MISMATCH), never accepted.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { down, exec, fault, up, type LabHost } from '../../e2e/lab/index';
import { AppError } from '../../shared/errors';
import type { HostFacts } from '../../shared/facts';
import type { Plan } from '../../shared/plan';
import {
  clusterFile,
  labFacts,
  labPool,
  labRun,
  readRemote,
  type ClusterFile,
} from '../../test-support/engine/lab';
import { SshHostRunner } from './ssh-runner';

const SPECS = [
  { name: 'p7b', pi: true, arch: 'amd64' as const },
  { name: 'p7a', pi: true, arch: 'arm64' as const },
];
const names = SPECS.map((s) => s.name);
const CMDLINE = '/boot/firmware/cmdline.txt';
let cluster: ClusterFile;
let facts: Record<string, HostFacts>;

beforeAll(async () => {
  await down(names);
  const [b, a] = (await up(SPECS)) as [LabHost, LabHost];
  cluster = clusterFile('p7pi', [
    { host: b, role: 'server' },
    { host: a, role: 'agent' },
  ]);
  facts = await labFacts(cluster);
}, 900_000);

afterAll(async () => {
  await down(names);
});

const prepareOnly = (plan: Plan): Plan => ({
  ...plan,
  steps: plan.steps.filter((s) => s.phase === 'prepare'),
});

describe('Raspberry Pi memory cgroup fix', () => {
  it('fixes both Pis in parallel: backup, flags once, reboot, memory on; a re-run skips it', async () => {
    for (const name of names) {
      expect(facts[name]?.raspberryPi?.cmdlinePath).toBe(CMDLINE);
      expect(facts[name]?.cgroup.memory).toBe(false);
    }
    // One of the flags already there: it must not be added twice.
    await exec('p7a', ['sh', '-c', `sed -i '1 s/$/ cgroup_memory=1/' ${CMDLINE}`]);
    const before = { p7a: await readRemote('p7a', CMDLINE), p7b: await readRemote('p7b', CMDLINE) };
    const { started, pool, events } = await labRun(cluster, { facts, edit: prepareOnly });
    const snapshot = await started.done;
    pool.closeAll();
    expect(snapshot.status, JSON.stringify(Object.values(snapshot.steps).map((s) => s.error))).toBe(
      'succeeded',
    );
    const away = events.filter((e) => e.type === 'progress' && /away for \d+ s/.test(e.what));
    expect(new Set(away.map((e) => ('host' in e ? e.host : '')))).toEqual(new Set(names));
    // In parallel: each reboot started before the other finished.
    const at = (type: string, host: string) =>
      Date.parse(
        events.find(
          (e) =>
            e.type === type &&
            'host' in e &&
            e.host === host &&
            'stepId' in e &&
            e.stepId.endsWith(':cgroup'),
        )?.time ?? '',
      );
    expect(at('step-started', 'p7a')).toBeLessThan(at('step-finished', 'p7b'));
    expect(at('step-started', 'p7b')).toBeLessThan(at('step-finished', 'p7a'));
    for (const name of names) {
      const line = await readRemote(name, CMDLINE);
      expect(line.match(/cgroup_memory=1/g)).toHaveLength(1);
      expect(line.match(/cgroup_enable=memory/g)).toHaveLength(1);
      expect(line.split('\n')).toHaveLength(1);
      expect(await readRemote(name, `${CMDLINE}.k3s-wizard.bak`)).toBe(before[name as 'p7a' | 'p7b']);
      expect((await readRemote(name, '/sys/fs/cgroup/cgroup.controllers')).split(/\s+/)).toContain('memory');
    }
    const again = await labRun(cluster, { facts, edit: prepareOnly });
    const second = await again.started.done;
    again.pool.closeAll();
    for (const name of names)
      expect(second.steps[`prepare:${name}:cgroup`]).toMatchObject({ status: 'skipped', skipReason: 'done' });
  });

  it('a Pi that does not come back is named, with the backup of its cmdline.txt', async () => {
    const once = (plan: Plan): Plan => ({
      ...plan,
      steps: plan.steps
        .filter((s) => s.id === 'prepare:p7b:cgroup')
        .map((s) => ({
          ...s,
          alreadyDone: null,
          actions: s.actions.map((a) => (a.kind === 'reboot-and-wait' ? { ...a, timeoutMs: 20_000 } : a)),
        })),
    });
    const stop: { done: Promise<void> | null } = { done: null };
    const { started, pool } = await labRun(cluster, {
      facts,
      edit: once,
      onEvent: (e) => {
        if (!stop.done && e.type === 'progress' && e.what.includes('away for')) stop.done = fault.stop('p7b');
      },
    });
    const snapshot = await started.done;
    pool.closeAll();
    await stop.done;
    const error = snapshot.steps['prepare:p7b:cgroup']?.error;
    expect(error?.code, JSON.stringify(error)).toBe('HOST_DID_NOT_RETURN');
    expect(error?.message).toContain('p7b');
    expect(error?.message).toContain(`${CMDLINE}.k3s-wizard.bak`);
    await fault.start('p7b');
  });

  it('a host key that changed across a reboot is refused, not accepted', async () => {
    const { pool, spec } = await labPool(cluster);
    const node = spec.nodes.find((n) => n.nodeName === 'p7b');
    if (!node) throw new Error('no p7b');
    await exec('p7b', ['sh', '-c', 'rm -f /etc/ssh/ssh_host_*; ssh-keygen -A >/dev/null']);
    const runner = new SshHostRunner(pool, { host: node.address, port: node.port, user: node.user }, 'p7b');
    const error = await runner
      .rebootAndWait({ timeoutMs: 120_000, signal: AbortSignal.timeout(180_000) })
      .catch((e: unknown) => e);
    pool.closeAll();
    expect(error).toBeInstanceOf(AppError);
    expect((error as AppError).code).toBe('HOST_KEY_MISMATCH');
  });
});
