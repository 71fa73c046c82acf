import { describe, expect, it } from 'vitest';
import type { UpgradePlanView } from '../../../shared/day-two/actions-schema';
import type { ClusterStatus } from '../../../shared/day-two/status';
import { reduceRun, type RunEvent, type RunSnapshot } from '../../../shared/run';
import type { AppBridge } from '../bridge';
import { createAppStore } from '.';

const status: ClusterStatus = {
  cluster: 'home',
  server: 's1',
  version: 'v1.32.9+k3s1',
  nodes: [],
  notJoined: [],
  flows: null,
  blocked: null,
  flowsError: null,
  tokens: [],
};

const plan: UpgradePlanView = {
  cluster: 'home',
  target: 'v1.33.5+k3s1',
  nodes: [
    {
      name: 's1',
      role: 'server',
      from: 'v1.32.9+k3s1',
      to: 'v1.33.5+k3s1',
      kind: 'upgrade',
      uncordon: true,
      note: null,
    },
    {
      name: 'a1',
      role: 'agent',
      from: 'v1.32.9+k3s1',
      to: 'v1.33.5+k3s1',
      kind: 'upgrade',
      uncordon: true,
      note: null,
    },
  ],
  downgrade: false,
  warnings: [],
};

/** A back end that answers the day-two channels and sends run events as the hub would. */
type Emit = (runId: string, body: Record<string, unknown>) => void;

function fakeBackend(
  answers: Partial<Record<string, (input: Record<string, unknown>, emit: Emit) => unknown>>,
) {
  const calls: { channel: string; input: Record<string, unknown> }[] = [];
  const listeners = new Set<(event: RunEvent) => void>();
  const snapshots = new Map<string, RunSnapshot | null>();
  const seqs = new Map<string, number>();
  const bridge: AppBridge = {
    invoke: ((channel: string, input: Record<string, unknown>) => {
      calls.push({ channel, input });
      if (channel === 'run:snapshot') return Promise.resolve(snapshots.get(input.runId as string));
      if (channel === 'cluster:status') return Promise.resolve(status);
      if (channel === 'clusters:save') return Promise.resolve({ slug: 'home' });
      const answer = answers[channel];
      if (!answer) return Promise.resolve({});
      return new Promise((resolve) => resolve(answer(input, emit) as never));
    }) as AppBridge['invoke'],
    on: ((_: string, listener: (event: RunEvent) => void) => {
      listeners.add(listener);
      return () => listeners.delete(listener);
    }) as AppBridge['on'],
    state: () => 'open',
    onState: () => () => undefined,
  };
  const emit: Emit = (runId, body) => {
    const seq = seqs.get(runId) ?? 0;
    seqs.set(runId, seq + 1);
    const event = { ...body, runId, seq, time: new Date().toISOString() } as RunEvent;
    snapshots.set(runId, reduceRun(snapshots.get(runId) ?? null, event));
    for (const l of listeners) l(event);
  };
  return { bridge, calls, emit };
}

function storeWith(backend: ReturnType<typeof fakeBackend>) {
  const store = createAppStore(backend.bridge);
  const s = () => store.getState();
  s().addHost({ address: '10.0.0.1', port: 22, user: 'pi', auth: 'agent', keyPath: '' });
  s().addHost({ address: '10.0.0.3', port: 22, user: 'pi', auth: 'agent', keyPath: '' });
  store.setState((state) => ({
    savedSlug: 'home',
    page: 'cluster',
    cluster: { ...state.cluster, name: 'home' },
    hosts: state.hosts.map((h, i) => ({
      ...h,
      nodeName: i === 0 ? 's1' : 'a1',
      role: i === 0 ? 'server' : 'agent',
    })),
  }));
  return { store, s };
}

const step = (id: string, host: string) => ({
  id,
  host,
  phase: 'upgrade',
  title: `Upgrade ${host}`,
  dependsOn: [],
});

describe('upgrade from the cluster page', () => {
  it('asks the planner for a channel and shows its plan, or its refusal word for word', async () => {
    const backend = fakeBackend({
      'cluster:planUpgrade': (input) =>
        (input.to as { channel?: string }).channel === 'v1.34'
          ? { ok: false, reason: 'v1.32.9+k3s1 → v1.34.1+k3s1 skips a minor version: go to v1.33 first.' }
          : { ok: true, plan },
    });
    const { s } = storeWith(backend);
    s().setUpgradeTarget({ kind: 'channel', channel: 'v1.33' });
    await s().planUpgrade();
    expect(backend.calls.find((c) => c.channel === 'cluster:planUpgrade')?.input).toMatchObject({
      to: { kind: 'channel', channel: 'v1.33' },
      force: false,
    });
    expect(s().upgradePlan?.nodes.map((n) => `${n.name} ${n.from} → ${n.to}`)).toEqual([
      's1 v1.32.9+k3s1 → v1.33.5+k3s1',
      'a1 v1.32.9+k3s1 → v1.33.5+k3s1',
    ]);
    s().setUpgradeTarget({ kind: 'channel', channel: 'v1.34' });
    expect(s().upgradePlan).toBeNull();
    await s().planUpgrade();
    expect(s().upgradeRefusal).toBe('v1.32.9+k3s1 → v1.34.1+k3s1 skips a minor version: go to v1.33 first.');
  });

  it('runs the plan live; a failure names the node and Continue runs the same upgrade; success is saved', async () => {
    let runs = 0;
    const steps = [step('upgrade:s1', 's1'), step('upgrade:a1', 'a1')];
    const backend = fakeBackend({
      'cluster:planUpgrade': () => ({ ok: true, plan }),
      // as the back end does: the run has begun when its id is answered
      'cluster:upgrade': (_, emit) => {
        const runId = `r${++runs}`;
        emit(runId, { type: 'run-started', cluster: 'home', steps, dryRun: false, concurrency: 1 });
        return { runId };
      },
    });
    const { s } = storeWith(backend);
    const off = s().followDayTwo();
    await s().planUpgrade();
    await s().startUpgrade();
    expect(backend.calls.find((c) => c.channel === 'cluster:upgrade')?.input).toMatchObject({
      version: 'v1.33.5+k3s1',
      drain: true,
    });
    backend.emit('other', { type: 'run-started', cluster: 'x', steps: [], dryRun: false, concurrency: 1 });
    backend.emit('r1', { type: 'step-started', host: 's1', stepId: 'upgrade:s1' });
    backend.emit('r1', {
      type: 'output',
      host: 's1',
      stepId: 'upgrade:s1',
      stream: 'stdout',
      lines: ['node/s1 cordoned'],
    });
    expect(s().dayTwoError).toBeNull();
    expect(s().dayTwoRun?.snapshot?.steps['upgrade:s1']?.status).toBe('running');
    expect(s().dayTwoRun?.logs.s1).toEqual(['node/s1 cordoned']);
    backend.emit('r1', {
      type: 'step-finished',
      host: 's1',
      stepId: 'upgrade:s1',
      durationMs: 5,
      changed: true,
    });
    backend.emit('r1', { type: 'step-started', host: 'a1', stepId: 'upgrade:a1' });
    backend.emit('r1', {
      type: 'step-failed',
      host: 'a1',
      stepId: 'upgrade:a1',
      durationMs: 5,
      error: { code: 'INSTALL_FAILED', message: 'a1: the install script failed', lastOutput: [] },
    });
    backend.emit('r1', { type: 'run-finished', outcome: 'failed', changed: true, durationMs: 10 });
    await new Promise((r) => setTimeout(r, 0));
    expect(s().dayTwoRun?.snapshot?.status).toBe('failed');
    // s1 runs the new release: the saved cluster asks for it (as the command line's file does)
    expect(s().cluster.version).toEqual({ kind: 'version', version: 'v1.33.5+k3s1' });
    expect(backend.calls.filter((c) => c.channel === 'clusters:save')).toHaveLength(1);

    // Continue: the same release again (the plan was closed when the run began)
    expect(s().upgradePlan).toBeNull();
    await s().startUpgrade();
    expect(backend.calls.filter((c) => c.channel === 'cluster:upgrade').map((c) => c.input.version)).toEqual([
      'v1.33.5+k3s1',
      'v1.33.5+k3s1',
    ]);
    backend.emit('r2', { type: 'step-skipped', host: 's1', stepId: 'upgrade:s1', reason: 'done' });
    backend.emit('r2', { type: 'step-started', host: 'a1', stepId: 'upgrade:a1' });
    backend.emit('r2', {
      type: 'step-finished',
      host: 'a1',
      stepId: 'upgrade:a1',
      durationMs: 5,
      changed: true,
    });
    backend.emit('r2', { type: 'run-finished', outcome: 'succeeded', changed: true, durationMs: 10 });
    await new Promise((r) => setTimeout(r, 0));
    expect(s().dayTwoRun?.snapshot?.status).toBe('succeeded');
    expect(s().cluster.version).toEqual({ kind: 'version', version: 'v1.33.5+k3s1' });
    expect(backend.calls.filter((c) => c.channel === 'clusters:save')).toHaveLength(2);
    off();
  });
});

describe('remove from the cluster page', () => {
  it('shows a refusal with its reason, and a removal takes the node out of the saved cluster', async () => {
    const backend = fakeBackend({
      'cluster:planRemove': (input) =>
        input.node === 's1'
          ? { ok: false, reason: 's1 is the last server: the cluster would be gone.' }
          : {
              ok: true,
              node: 'a1',
              role: 'agent',
              address: '10.0.0.3',
              inCluster: true,
              ready: true,
              reachable: true,
              firewallPeers: ['s1'],
              warnings: [],
            },
      'cluster:remove': (_, emit) => {
        emit('rm1', {
          type: 'run-started',
          cluster: 'home',
          steps: [step('remove:a1:drain', 'a1')],
          dryRun: false,
          concurrency: 1,
        });
        return { runId: 'rm1' };
      },
    });
    const { s } = storeWith(backend);
    const off = s().followDayTwo();
    await s().planRemove('s1');
    expect(s().removal).toEqual({
      node: 's1',
      preview: null,
      refusal: 's1 is the last server: the cluster would be gone.',
    });
    await s().startRemove();
    expect(backend.calls.some((c) => c.channel === 'cluster:remove')).toBe(false);

    await s().planRemove('a1');
    expect(s().removal?.preview?.firewallPeers).toEqual(['s1']);
    await s().startRemove();
    expect(backend.calls.find((c) => c.channel === 'cluster:remove')?.input).toMatchObject({
      node: 'a1',
      drain: true,
    });
    backend.emit('rm1', { type: 'step-started', host: 'a1', stepId: 'remove:a1:drain' });
    backend.emit('rm1', {
      type: 'step-finished',
      host: 'a1',
      stepId: 'remove:a1:drain',
      durationMs: 1,
      changed: true,
    });
    backend.emit('rm1', { type: 'run-finished', outcome: 'succeeded', changed: true, durationMs: 2 });
    await new Promise((r) => setTimeout(r, 0));
    expect(s().dayTwoError).toBeNull();
    expect(s().hosts.map((h) => h.nodeName)).toEqual(['s1']);
    expect(backend.calls.some((c) => c.channel === 'clusters:save')).toBe(true);
    off();
  });

  it('a removal that ends after another cluster was opened leaves that cluster alone', async () => {
    const backend = fakeBackend({
      'cluster:planRemove': () => ({
        ok: true,
        node: 'a1',
        role: 'agent',
        address: '10.0.0.3',
        inCluster: true,
        ready: true,
        reachable: true,
        firewallPeers: [],
        warnings: [],
      }),
      'cluster:remove': (_, emit) => {
        emit('rm2', { type: 'run-started', cluster: 'home', steps: [], dryRun: false, concurrency: 1 });
        return { runId: 'rm2' };
      },
    });
    const { store, s } = storeWith(backend);
    const off = s().followDayTwo();
    await s().planRemove('a1');
    await s().startRemove();
    store.setState({ savedSlug: 'other' });
    backend.emit('rm2', { type: 'run-finished', outcome: 'succeeded', changed: true, durationMs: 2 });
    await new Promise((r) => setTimeout(r, 0));
    expect(s().hosts.map((h) => h.nodeName)).toEqual(['s1', 'a1']);
    expect(backend.calls.some((c) => c.channel === 'clusters:save')).toBe(false);
    off();
  });
});
