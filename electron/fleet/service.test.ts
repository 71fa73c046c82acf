import { describe, expect, it, vi } from 'vitest';
import { assign } from '../../shared/fleet/assign';
import { presetToYaml, starterPreset } from '../../shared/fleet/preset';
import { reduceRun, type RunEvent, type RunSnapshot } from '../../shared/run';
import type { ClusterSpec } from '../../shared/spec';
import { makeFacts } from '../../test-support/shared/spec';
import { EventHub } from '../backend/events';
import { Logger } from '../backend/logger';
import type { FleetContext } from './fleet';
import { FleetService } from './service';

/** A finished (or running) run of one install step per machine. */
function snapshot(spec: ClusterSpec, failed: string | null, running = false): RunSnapshot {
  let seq = 0;
  let s: RunSnapshot | null = null;
  const fold = (body: Record<string, unknown>) =>
    (s = reduceRun(s, {
      ...body,
      runId: `run-${spec.name}`,
      seq: seq++,
      time: '2026-01-01T00:00:00Z',
    } as RunEvent));
  const hosts = spec.nodes.map((n) => n.nodeName);
  fold({
    type: 'run-started',
    cluster: spec.name,
    dryRun: false,
    concurrency: 4,
    steps: hosts.map((h) => ({
      id: `install:${h}`,
      host: h,
      phase: 'agents',
      title: `Install ${h}`,
      dependsOn: [],
    })),
  });
  for (const h of hosts) {
    fold({ type: 'step-started', host: h, stepId: `install:${h}` });
    if (running) continue;
    if (h === failed)
      fold({
        type: 'step-failed',
        host: h,
        stepId: `install:${h}`,
        durationMs: 1,
        error: { code: 'COMMAND_FAILED', message: 'cannot reach the server on 6443', lastOutput: [] },
      });
    else fold({ type: 'step-finished', host: h, stepId: `install:${h}`, durationMs: 1, changed: true });
  }
  if (!running)
    fold({ type: 'run-finished', outcome: failed ? 'failed' : 'succeeded', changed: true, durationMs: 10 });
  return s as unknown as RunSnapshot;
}

const ROSTER = ['10.0.0.1', '10.0.0.2', '10.0.0.3', '10.0.0.4'].map((address, i) => ({
  address,
  group: i < 2 ? 'a' : 'b',
}));

function setup(
  options: { unreachable?: Set<string>; failing?: Record<string, string>; gate?: Promise<void> } = {},
) {
  const unreachable = options.unreachable ?? new Set<string>();
  const failing = options.failing ?? {};
  const probed: string[] = [];
  const started: { cluster: string; limit: unknown }[] = [];
  const retried: string[] = [];
  const cancelled: string[] = [];
  const runs: { spec: ClusterSpec; running: boolean }[] = [];
  const hosts = {
    probe: vi.fn(async (ref: { host: string }) => {
      probed.push(ref.host);
      await options.gate;
      return unreachable.has(ref.host)
        ? Promise.reject(new Error('connection refused'))
        : Promise.resolve(makeFacts(ref.host));
    }),
    connectAll: vi.fn(() => Promise.resolve()),
  };
  const service = {
    planFor: (spec: ClusterSpec) => ({ cluster: spec.name, steps: [] }),
    start: (request: { spec: ClusterSpec; sharedLimit?: unknown }) => {
      started.push({ cluster: request.spec.name, limit: request.sharedLimit });
      const entry = { spec: request.spec, running: true };
      runs.push(entry);
      const run = {
        runId: `run-${request.spec.name}-${runs.length}`,
        get running() {
          return entry.running;
        },
        get snapshot() {
          return snapshot(
            request.spec,
            entry.running ? null : (failing[request.spec.name] ?? null),
            entry.running,
          );
        },
        retryHost: (host: string) => {
          retried.push(host);
          return Promise.resolve(snapshot(request.spec, null));
        },
        cancel: () => cancelled.push(request.spec.name),
      };
      return { run, plan: { cluster: request.spec.name, steps: [] }, done: Promise.resolve(run.snapshot) };
    },
  };
  const logger = new Logger(new EventHub());
  const ctx = { hosts, pool: {}, service, logger } as unknown as FleetContext;
  const fleet = new FleetService(() => ctx);
  const finish = () => {
    for (const r of runs) r.running = false;
  };
  return { fleet, probed, started, retried, cancelled, hosts, finish };
}

const request = (over: Record<string, unknown> = {}) => ({
  preset: presetToYaml(starterPreset('class')),
  clusters: assign(ROSTER),
  login: { user: 'teacher', port: 22, auth: { method: 'agent' as const }, sudoPassword: false },
  acceptNewHostKeys: false,
  ...over,
});

describe('the classroom build on the back end', () => {
  it('builds every cluster under one limit; the failed cluster and machine come first', async () => {
    const t = setup({ failing: { 'class-b': 'pi-b-2' } });
    const first = await t.fleet.build(request({ concurrency: 3 }));
    expect(first.running).toBe(true);
    expect(first.concurrency).toBe(3);
    expect(Object.keys(first.runs).sort()).toEqual(['class-a', 'class-b']);
    expect(t.started.map((s) => s.cluster)).toEqual(['class-a', 'class-b']);
    expect(t.started[0]?.limit).toBeTypeOf('function');
    expect(t.started[0]?.limit).toBe(t.started[1]?.limit);
    expect(t.probed.sort()).toEqual(['10.0.0.1', '10.0.0.2', '10.0.0.3', '10.0.0.4']);
    expect(t.hosts.connectAll).not.toHaveBeenCalled();
    // a second build while the first goes on is refused
    await expect(t.fleet.build(request())).rejects.toThrow('still going');

    t.finish();
    const d = t.fleet.dashboard();
    expect(d.running).toBe(false);
    expect(d.rows.map((r) => [r.cluster, r.state])).toEqual([
      ['class-b', 'failed'],
      ['class-a', 'done'],
    ]);
    expect(d.rows[0]?.machines).toEqual([
      { host: 'pi-b-2', state: 'failed', problem: 'Install pi-b-2: cannot reach the server on 6443' },
      { host: 'pi-b-1', state: 'done' },
    ]);
    expect(d.nodes['pi-b-1']).toEqual({ address: '10.0.0.3', role: 'server' });
  });

  it('retries one machine in its run, and a cluster as a new run under the same limit', async () => {
    const t = setup({ failing: { 'class-b': 'pi-b-2' } });
    await t.fleet.build(request());
    await expect(t.fleet.retry({ cluster: 'class-b', host: 'pi-b-2' })).rejects.toThrow('still being built');
    t.finish();
    await t.fleet.retry({ cluster: 'class-b', host: 'pi-b-2' });
    expect(t.retried).toEqual(['pi-b-2']);
    expect(t.started).toHaveLength(2);

    t.probed.length = 0;
    const d = await t.fleet.retry({ cluster: 'class-b' });
    expect(t.probed.sort()).toEqual(['10.0.0.3', '10.0.0.4']);
    expect(t.started.map((s) => s.cluster)).toEqual(['class-a', 'class-b', 'class-b']);
    expect(t.started[2]?.limit).toBe(t.started[0]?.limit);
    expect(d.runs['class-b']).toBe('run-class-b-3');
    await expect(t.fleet.retry({ cluster: 'class-z' })).rejects.toThrow('no cluster class-z');
    await expect(t.fleet.retry({ cluster: 'class-a', host: 'pi-b-1' })).rejects.toThrow('no machine pi-b-1');
  });

  it('a machine that cannot be checked keeps its cluster from starting, and says why', async () => {
    const unreachable = new Set(['10.0.0.4']);
    const t = setup({ unreachable });
    const d = await t.fleet.build(request({ acceptNewHostKeys: true }));
    expect(t.hosts.connectAll).toHaveBeenCalledTimes(4);
    expect(t.started.map((s) => s.cluster)).toEqual(['class-a']);
    expect(d.rows[0]).toEqual({
      cluster: 'class-b',
      state: 'failed',
      machines: [
        { host: 'pi-b-2', state: 'failed', problem: 'could not be checked: 10.0.0.4: connection refused' },
        { host: 'pi-b-1', state: 'blocked', problem: 'not started: pi-b-2 could not be checked' },
      ],
    });
    // the machine is reachable again: retrying it checks its cluster again and builds it
    unreachable.clear();
    t.finish();
    const again = await t.fleet.retry({ cluster: 'class-b', host: 'pi-b-2' });
    expect(t.started.map((s) => s.cluster)).toEqual(['class-a', 'class-b']);
    expect(again.runs['class-b']).toBeDefined();
    expect(again.rows.find((r) => r.cluster === 'class-b')?.state).toBe('running');
  });

  it('while its machines are being checked, a cluster waits and cannot be retried or rebuilt', async () => {
    let open!: () => void;
    const gate = new Promise<void>((resolve) => (open = resolve));
    const t = setup({ gate, failing: { 'class-b': 'pi-b-2' } });
    const building = t.fleet.build(request());
    await new Promise((r) => setTimeout(r, 0));
    const during = t.fleet.dashboard();
    expect(during.running).toBe(true);
    expect(during.rows.map((r) => r.state)).toEqual(['pending', 'pending']);
    await expect(t.fleet.build(request())).rejects.toThrow('still going');
    await expect(t.fleet.retry({ cluster: 'class-a' })).rejects.toThrow('still being built');
    open();
    await building;
    t.finish();
    // a cluster retried shows waiting while checked, not its old failure
    let again!: () => void;
    const second = new Promise<void>((resolve) => (again = resolve));
    t.hosts.probe.mockImplementation(async (ref: { host: string }) => {
      await second;
      return makeFacts(ref.host);
    });
    const retrying = t.fleet.retry({ cluster: 'class-b' });
    await new Promise((r) => setTimeout(r, 0));
    expect(t.fleet.dashboard().rows.find((r) => r.cluster === 'class-b')?.state).toBe('pending');
    again();
    await retrying;
  });

  it('stops every running run of the fleet', async () => {
    const t = setup();
    await t.fleet.build(request());
    const d = t.fleet.cancel();
    expect(t.cancelled.sort()).toEqual(['class-a', 'class-b']);
    expect(d.name).toBe('class');
  });

  it('refuses a bad preset with its problems and the app login replaces the preset one', async () => {
    const t = setup();
    await expect(t.fleet.build(request({ preset: 'kind: Nope\n' }))).rejects.toThrow(
      /The preset has problems; nothing was done: .*apiVersion/,
    );
    expect(t.probed).toEqual([]);
    expect(() => t.fleet.dashboard()).toThrow('No classroom has been built');
    await t.fleet.build(
      request({
        login: { user: 'teacher', port: 2200, auth: { method: 'key', keyPath: '/k' }, sudoPassword: true },
      }),
    );
    expect(t.hosts.probe).toHaveBeenCalledWith({ host: '10.0.0.1', port: 2200, user: 'teacher' }, undefined);
  });
});

describe('fixes, hand-outs and resets on the back end', () => {
  const cloned = (host: string) =>
    makeFacts(host, { hostname: 'raspberrypi', machineId: '0123456789abcdef0123456789abcdef' });

  it('says what the fixes will change; applied, it fixes then checks every machine again', async () => {
    const t = setup();
    let fixed = false;
    t.hosts.probe.mockImplementation((ref: { host: string }) => {
      t.probed.push(ref.host);
      if (!fixed) return Promise.resolve(cloned(ref.host));
      const name = { '10.0.0.1': 'pi-a-1', '10.0.0.2': 'pi-a-2', '10.0.0.3': 'pi-b-1', '10.0.0.4': 'pi-b-2' }[
        ref.host
      ];
      return Promise.resolve(makeFacts(ref.host, { hostname: name, machineId: `${ref.host}-id` }));
    });
    const planned = await t.fleet.fixes({ ...request(), apply: false });
    expect(planned.status).toBe('planned');
    expect(planned.changes.map((c) => c.host)).toEqual(['pi-a-1', 'pi-a-2', 'pi-b-1', 'pi-b-2']);
    expect(planned.changes[1]?.changes[0]).toBe('host name raspberrypi → pi-a-2');
    expect(planned.changes[1]?.changes[1]).toMatch(/^new machine ID/);
    expect(planned.changes[0]?.changes.join()).not.toContain('machine ID');
    expect(t.started).toEqual([]);

    // The fix run ends well, and the machines then report their new names and ids.
    const service = (t.fleet as unknown as { ctx: () => FleetContext }).ctx().service as unknown as {
      start: (r: unknown) => { run: { snapshot: RunSnapshot }; done: Promise<RunSnapshot> };
    };
    const start = service.start.bind(service);
    service.start = (r) => {
      const started = start(r);
      t.finish();
      fixed = true;
      return { ...started, done: Promise.resolve(started.run.snapshot) };
    };
    const applied = await t.fleet.fixes({ ...request(), apply: true });
    expect(t.started.map((s) => s.cluster)).toEqual(['class']);
    expect(applied).toMatchObject({ status: 'fixed', remaining: [], failed: [], problems: {} });
    expect(applied.changes).toHaveLength(4);
  });

  it('changes nothing while a machine cannot be checked (it could be a clone of another)', async () => {
    const t = setup({ unreachable: new Set(['10.0.0.2']) });
    const r = await t.fleet.fixes({ ...request(), apply: true });
    expect(r.status).toBe('planned');
    expect(r.problems).toEqual({ 'pi-a-2': '10.0.0.2: connection refused' });
    expect(t.started).toEqual([]);
  });

  it('refuses fixes, a hand-out or a reset while the build goes on, and names unknown clusters', async () => {
    const t = setup({ failing: { 'class-b': 'pi-b-2' } });
    await t.fleet.build(request());
    await expect(t.fleet.fixes({ ...request(), apply: true })).rejects.toThrow(
      'A classroom build is still going: wait for it to end, or stop it first, then fix the machines.',
    );
    await expect(t.fleet.handout({ ...request(), per: 'student' })).rejects.toThrow('then hand out access');
    await expect(t.fleet.reset({ ...request(), what: 'uninstall' })).rejects.toThrow('then reset');
    t.finish();
    await expect(t.fleet.handout({ ...request(), per: 'student' })).rejects.toThrow(
      'class-b is not built yet: build or retry it first, then hand out access.',
    );
    await expect(t.fleet.reset({ ...request(), what: 'namespaces', only: ['class-z'] })).rejects.toThrow(
      'No cluster class-z; the clusters are class-a, class-b.',
    );
    expect(() => t.fleet.handoutFile({ cluster: 'class-a', file: 'student-1.kubeconfig' })).toThrow(
      'The last hand-out has no file student-1.kubeconfig for class-a: hand out access again.',
    );
  });

  it('hands out or resets nothing when a machine it needs cannot be checked', async () => {
    const t = setup({ unreachable: new Set(['10.0.0.3']) });
    await expect(t.fleet.handout({ ...request(), per: 'group' })).rejects.toThrow(
      '1 machines could not be checked, so nothing was done (hand out access): pi-b-1: 10.0.0.3: connection refused',
    );
    await expect(t.fleet.reset({ ...request(), what: 'uninstall' })).rejects.toThrow(
      'could not be checked, so nothing was done (reset)',
    );
    expect(t.started).toEqual([]);
  });
});
