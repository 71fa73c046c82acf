import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FIREWALL_UNDO_FILE } from '../../shared/firewall';
import type { RunEvent } from '../../shared/run';
import { EventHub } from '../backend/events';
import { Logger } from '../backend/logger';
import { FakeHostRunner, type Recorded } from '../../test-support/engine/fake-runner';
import { makeSpec, node } from '../../test-support/shared/spec';
import { DayTwoRuns } from './day-two-runs';
import type { SessionPool } from '../ssh/pool';

const spec = makeSpec(
  [node('s1', '10.0.0.1', 'server'), node('a1', '10.0.0.3', 'agent'), node('a2', '10.0.0.4', 'agent')],
  { install: { source: 'online', scriptUrl: 'http://mirror/install.sh', githubUrl: 'http://mirror/gh' } },
);

/** Fake machines sharing one cluster: versions, cordons, node objects; install.sh sets the version. */
function fakeCluster(options: { failing?: Set<string>; blockingPods?: boolean; down?: Set<string> } = {}) {
  const failing = options.failing ?? new Set<string>();
  const state = new Map(spec.nodes.map((n) => [n.nodeName, { version: 'v1.32.9+k3s1', cordoned: false }]));
  const log: Recorded[] = [];
  const list = () =>
    JSON.stringify({
      items: spec.nodes
        .filter((n) => state.has(n.nodeName))
        .map((n) => ({
          metadata: {
            name: n.nodeName,
            labels: n.role === 'server' ? { 'node-role.kubernetes.io/control-plane': 'true' } : {},
          },
          spec: { unschedulable: state.get(n.nodeName)?.cordoned },
          status: {
            conditions: [{ type: 'Ready', status: 'True' }],
            nodeInfo: { kubeletVersion: state.get(n.nodeName)?.version, architecture: 'amd64' },
            addresses: [{ type: 'InternalIP', address: n.address }],
          },
        })),
    });
  const runners = new Map(
    spec.nodes.map((n) => [
      n.nodeName,
      new FakeHostRunner(
        n.nodeName,
        [
          ...(options.down?.has(n.nodeName)
            ? [{ match: /.*/, reply: { code: 255, stderr: 'connection refused\n' } }]
            : []),
          { match: /kubectl get nodes -o json/, reply: () => ({ code: 0, stdout: list() }) },
          {
            match: /kubectl (cordon|uncordon) /,
            reply: (req) => {
              const [, verb, name] = /kubectl (cordon|uncordon) (\S+)/.exec(req.command) ?? [];
              const s = state.get(name ?? '');
              if (s) s.cordoned = verb === 'cordon';
              return { code: 0, stdout: `node/${name} ${verb}ed\n` };
            },
          },
          {
            match: /kubectl drain/,
            reply: options.blockingPods
              ? {
                  code: 1,
                  stderr:
                    'error when evicting pods/"web-1" -n "default" (will retry after 5s): Cannot evict pod as it would violate the pod\'s disruption budget.\nerror: timed out waiting for the condition\n',
                }
              : { code: 0, stdout: 'node drained\n' },
          },
          {
            match: /k3s-wizard-delete-node (\S+)$/,
            reply: (req) => {
              const name = /k3s-wizard-delete-node (\S+)$/.exec(req.command)?.[1] ?? '';
              state.delete(name);
              return { code: 0, stdout: `node "${name}" deleted\n` };
            },
          },
          { match: /fetch/, reply: { code: 0 } },
          {
            match: /install\.sh$/,
            reply: (req, host) => {
              if (failing.has(host)) return { code: 1, stderr: 'Job for k3s-agent.service failed\n' };
              const version = /INSTALL_K3S_VERSION=(\S+)/.exec(req.command)?.[1];
              const s = state.get(host);
              if (s && version) s.version = version;
              return { code: 0, stdout: '[INFO]  systemd: Starting k3s\n' };
            },
          },
          { match: /journalctl/, reply: { code: 0, stdout: 'k3s-agent[1]: SIGILL: illegal instruction\n' } },
          {
            match: (c) => c.includes(FIREWALL_UNDO_FILE) && c.includes('k3s-wizard-read'),
            reply: {
              code: 0,
              stdout:
                n.nodeName === 's1' ? 'ufw delete allow from 10.0.0.3 to any port 10250 proto tcp\n' : '',
            },
          },
          { match: /.*/, reply: { code: 0 } },
        ],
        log,
      ),
    ]),
  );
  return { state, log, runners };
}

function service(cluster: ReturnType<typeof fakeCluster>) {
  const events: RunEvent[] = [];
  const finished = new Map<string, () => void>();
  const runs = new DayTwoRuns({
    dataDir: mkdtempSync(join(tmpdir(), 'k3sw-day2-')),
    logger: new Logger(new EventHub()),
    pool: () => ({}) as SessionPool,
    onEvent: (e) => {
      events.push(e);
      if (e.type === 'run-finished') finished.get(e.runId)?.();
    },
    runners: () => (name) => cluster.runners.get(name) as FakeHostRunner,
  });
  /** Starts a run and waits for its end: its final snapshot, as run:snapshot answers it. */
  const until = async (started: Promise<{ runId: string }>) => {
    const { runId } = await started;
    if (!events.some((e) => e.runId === runId && e.type === 'run-finished'))
      await new Promise<void>((resolve) => finished.set(runId, resolve));
    return runs.snapshot(runId);
  };
  return { runs, events, until };
}

describe('upgrade from the cluster page', () => {
  it('shows the plan per node, refuses what the skew rules refuse, runs and resumes after a failure', async () => {
    const failing = new Set(['a1']);
    const cluster = fakeCluster({ failing });
    const { runs, events, until } = service(cluster);

    const plan = await runs.planUpgrade(spec, { version: 'v1.33.5+k3s1', force: false });
    expect(plan).toMatchObject({
      ok: true,
      plan: {
        target: 'v1.33.5+k3s1',
        nodes: [
          { name: 's1', from: 'v1.32.9+k3s1', to: 'v1.33.5+k3s1', kind: 'upgrade' },
          { name: 'a1', kind: 'upgrade' },
          { name: 'a2', kind: 'upgrade' },
        ],
      },
    });
    const skip = await runs.planUpgrade(spec, { version: 'v1.34.1+k3s1', force: false });
    expect(skip.ok).toBe(false);
    expect(!skip.ok && skip.reason).toMatch(/minor/);
    const down = await runs.planUpgrade(spec, { version: 'v1.31.4+k3s1', force: false });
    expect(!down.ok && down.reason).toMatch(/downgrade/i);
    await expect(
      runs.upgrade(spec, {
        version: 'v1.34.1+k3s1',
        force: false,
        concurrency: 1,
        readyTimeoutSeconds: 5,
        drain: true,
        drainTimeoutSeconds: 30,
      }),
    ).rejects.toMatchObject({ code: 'PLAN_FAILED' });

    const request = {
      version: 'v1.33.5+k3s1',
      force: false,
      concurrency: 1,
      readyTimeoutSeconds: 5,
      drain: true,
      drainTimeoutSeconds: 30,
    };
    const first = await until(runs.upgrade(spec, request));
    expect(first?.status).toBe('failed');
    expect(first?.steps['upgrade:a1']?.error?.message).toContain('a1');
    expect(first?.steps['upgrade:a2']?.status).toBe('blocked');
    // the run's events went out as an install's do
    expect(events.filter((e) => e.runId === first?.runId).map((e) => e.type)).toContain('step-failed');

    failing.clear();
    cluster.log.length = 0;
    const second = await until(runs.upgrade(spec, request));
    expect(second?.status).toBe('succeeded');
    expect(second?.steps['upgrade:s1']?.status).toBe('skipped');
    expect(second?.nodes?.map((n) => n.version)).toEqual(Array(3).fill('v1.33.5+k3s1'));
    expect(cluster.log.filter((r) => r.command.includes('INSTALL_K3S_EXEC')).map((r) => r.host)).toEqual([
      'a1',
      'a2',
    ]);
  });
});

describe('remove from the cluster page', () => {
  it('says what will happen, refuses the first server, and removes an agent', async () => {
    const cluster = fakeCluster();
    const { runs, until } = service(cluster);
    const refused = await runs.planRemove(spec, 's1');
    expect(refused.ok).toBe(false);
    const preview = await runs.planRemove(spec, 'a1');
    expect(preview).toMatchObject({
      ok: true,
      node: 'a1',
      role: 'agent',
      inCluster: true,
      ready: true,
      reachable: true,
      firewallPeers: ['s1'],
    });
    const done = await until(runs.remove(spec, 'a1', { drain: true, drainTimeoutSeconds: 30 }));
    expect(done?.status).toBe('succeeded');
    expect(cluster.state.has('a1')).toBe(false);
    expect(
      cluster.log.some((r) => r.host === 's1' && r.command.includes('ufw delete allow from 10.0.0.3')),
    ).toBe(true);
  });

  it('names the pods that block the drain, and changes nothing else', async () => {
    const cluster = fakeCluster({ blockingPods: true });
    const { runs, until } = service(cluster);
    const done = await until(runs.remove(spec, 'a2', { drain: true, drainTimeoutSeconds: 30 }));
    expect(done?.status).toBe('failed');
    expect(done?.steps['remove:a2:drain']?.error?.message).toContain('web-1');
    expect(cluster.state.get('a2')).toEqual({ version: 'v1.32.9+k3s1', cordoned: false });
  });

  it('removes a machine that cannot be reached from the cluster anyway', async () => {
    const cluster = fakeCluster({ down: new Set(['a2']) });
    const { runs, until } = service(cluster);
    const preview = await runs.planRemove(spec, 'a2');
    expect(preview).toMatchObject({ ok: true, reachable: false });
    const done = await until(runs.remove(spec, 'a2', { drain: true, drainTimeoutSeconds: 30 }));
    expect(done?.steps['remove:a2:uninstall']?.status).toBe('skipped');
    expect(cluster.state.has('a2')).toBe(false);
  });
});
