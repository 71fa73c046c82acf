import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseClusterNodes, planUpgrade } from '../../shared/day-two';
import { EventHub } from '../backend/events';
import { Logger } from '../backend/logger';
import { FakeHostRunner, type Recorded } from '../../test-support/engine/fake-runner';
import { makeSpec, node } from '../../test-support/shared/spec';
import { Activity } from './activity';
import { CordonLedger, statePath } from './state';
import { runUpgrade } from './upgrade';

const spec = makeSpec(
  [
    node('s1', '10.0.0.1', 'server'),
    node('s2', '10.0.0.2', 'server'),
    node('a1', '10.0.0.3', 'agent'),
    node('a2', '10.0.0.4', 'agent'),
  ],
  { install: { source: 'online', scriptUrl: 'http://mirror/install.sh', githubUrl: 'http://mirror/gh' } },
);

/** A cluster the fake hosts share: versions, cordons; the install script sets the version. */
function fakeCluster(failing: Set<string>) {
  const state = new Map(spec.nodes.map((n) => [n.nodeName, { version: 'v1.32.9+k3s1', cordoned: false }]));
  const log: Recorded[] = [];
  const list = () =>
    JSON.stringify({
      items: spec.nodes.map((n) => ({
        metadata: {
          name: n.nodeName,
          labels: n.role === 'server' ? { 'node-role.kubernetes.io/control-plane': 'true' } : {},
        },
        spec: { unschedulable: state.get(n.nodeName)?.cordoned },
        status: {
          conditions: [{ type: 'Ready', status: 'True' }],
          nodeInfo: { kubeletVersion: state.get(n.nodeName)?.version },
        },
      })),
    });
  const runners = new Map(
    spec.nodes.map((n) => [
      n.nodeName,
      new FakeHostRunner(
        n.nodeName,
        [
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
          { match: /kubectl drain/, reply: { code: 0, stdout: 'node drained\n' } },
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
        ],
        log,
      ),
    ]),
  );
  return { state, log, runners, list };
}

async function rollout(
  cluster: ReturnType<typeof fakeCluster>,
  dataDir: string,
  signal = new AbortController().signal,
) {
  const ledger = new CordonLedger(statePath(dataDir, 'lab'));
  const nodes = parseClusterNodes(cluster.list());
  const planned = planUpgrade({
    spec,
    cluster: nodes,
    target: 'v1.33.5+k3s1',
    force: false,
    cordonedByUs: ledger.nodes,
  });
  if (!planned.ok) throw new Error(planned.reason);
  const activity = new Activity({
    cluster: 'lab',
    dataDir,
    logger: new Logger(new EventHub()),
    signal,
  });
  const snapshot = await runUpgrade({
    spec,
    plan: planned.plan,
    runnerFor: (n) => cluster.runners.get(n) as FakeHostRunner,
    activity,
    ledger,
    drain: { enabled: true, timeoutSeconds: 30 },
    concurrency: 1,
    readyTimeoutMs: 5_000,
    installTimeoutMs: 5_000,
    airgap: null,
  });
  return { snapshot, ledger };
}

describe('the upgrade rollout', () => {
  it('goes one node at a time, servers first, stops at the first failure and continues there next time', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'k3sw-upgrade-'));
    const failing = new Set(['a1']);
    const cluster = fakeCluster(failing);
    const first = await rollout(cluster, dataDir);
    expect(first.snapshot.status).toBe('failed');
    const installs = () =>
      cluster.log.filter((r) => r.command.includes('INSTALL_K3S_EXEC')).map((r) => r.host);
    expect(installs()).toEqual(['s1', 's2', 'a1']);
    expect(first.snapshot.steps['upgrade:a1']?.error).toMatchObject({ code: 'INSTALL_FAILED' });
    expect(first.snapshot.steps['upgrade:a1']?.error?.lastOutput.join('\n')).toContain('SIGILL');
    expect(first.snapshot.steps['upgrade:a2']?.status).toBe('blocked');
    // kubectl for a server runs on another server
    const cordonS1 = cluster.log.find((r) => r.command.includes('cordon s1'));
    expect(cordonS1?.host).toBe('s2');
    // the install command carries the version and no forced restart, and never a secret
    const cmd = cluster.log.find((r) => r.command.includes('INSTALL_K3S_EXEC'))?.command ?? '';
    expect(cmd).toContain('INSTALL_K3S_VERSION=v1.33.5+k3s1');
    expect(cmd).not.toContain('FORCE_RESTART');
    expect(cluster.state.get('a1')).toEqual({ version: 'v1.32.9+k3s1', cordoned: true });
    expect(first.ledger.nodes).toEqual(['a1']);

    failing.clear();
    cluster.log.length = 0;
    const second = await rollout(cluster, dataDir);
    expect(second.snapshot.status).toBe('succeeded');
    expect(installs()).toEqual(['a1', 'a2']);
    expect(second.snapshot.steps['upgrade:s1']?.status).toBe('skipped');
    expect([...cluster.state.values()]).toEqual(Array(4).fill({ version: 'v1.33.5+k3s1', cordoned: false }));
    expect(second.ledger.nodes).toEqual([]);
  });

  it('stops when interrupted: the node at work is cancelled, the later ones never start', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'k3sw-upgrade-'));
    const cluster = fakeCluster(new Set());
    const abort = new AbortController();
    const s2 = cluster.runners.get('s2') as FakeHostRunner;
    const exec = s2.exec.bind(s2);
    s2.exec = (request) => {
      if (request.command.includes('INSTALL_K3S_EXEC')) abort.abort();
      return exec(request);
    };
    const { snapshot } = await rollout(cluster, dataDir, abort.signal);
    expect(snapshot.status).toBe('cancelled');
    expect(snapshot.steps['upgrade:s1']?.status).toBe('done');
    expect(snapshot.steps['upgrade:a1']?.status).toBe('pending');
    expect(cluster.log.some((r) => r.host === 'a1')).toBe(false);
  });
});
