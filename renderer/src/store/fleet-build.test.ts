import { describe, expect, it } from 'vitest';
import type { EventChannel, InvokeChannel } from '../../../shared/contract';
import type { FleetDashboard } from '../../../shared/fleet/schema';
import type { RunEvent } from '../../../shared/run';
import type { AppBridge } from '../bridge';
import { canRetryCluster, dashboardSummary, retryableMachines } from '../classroom/dashboard-view';
import { createAppStore } from '.';

const dashboard = (over: Partial<FleetDashboard> = {}): FleetDashboard => ({
  name: 'class',
  concurrency: 4,
  running: false,
  rows: [
    {
      cluster: 'class-b',
      state: 'failed',
      machines: [
        { host: 'pi-b-2', state: 'failed', problem: 'Join: cannot reach 10.0.0.3:6443' },
        { host: 'pi-b-1', state: 'done' },
      ],
    },
    {
      cluster: 'class-a',
      state: 'done',
      machines: [
        { host: 'pi-a-1', state: 'done' },
        { host: 'pi-a-2', state: 'done' },
      ],
    },
  ],
  runs: { 'class-a': 'run-a', 'class-b': 'run-b' },
  nodes: {},
  ...over,
});

/** A fake back end: records every call, answers the fleet channels with `answer`. */
function fakeBridge(answer: () => FleetDashboard) {
  const calls: { channel: InvokeChannel; input: unknown }[] = [];
  const listeners = new Map<string, ((payload: unknown) => void)[]>();
  let pending: (() => void)[] = [];
  const bridge: AppBridge = {
    invoke: ((channel: InvokeChannel, input: unknown) => {
      calls.push({ channel, input });
      if (channel === 'hosts:setCredentials') return Promise.resolve({ remembered: false });
      if (channel === 'fleet:dashboard')
        // held until the test lets it go, to see events coalesce while one is in flight
        return new Promise((resolve) => pending.push(() => resolve(answer() as never)));
      if (channel.startsWith('fleet:')) return Promise.resolve(answer());
      return Promise.reject(new Error(`unexpected ${channel}`));
    }) as AppBridge['invoke'],
    on: ((channel: EventChannel, listener: (payload: unknown) => void) => {
      listeners.set(channel, [...(listeners.get(channel) ?? []), listener]);
      return () => undefined;
    }) as AppBridge['on'],
    state: () => 'open',
    onState: () => () => undefined,
  };
  const emit = (event: Partial<RunEvent>) => {
    for (const l of listeners.get('run:event') ?? []) l(event);
  };
  const release = async () => {
    const now = pending;
    pending = [];
    for (const r of now) r();
    await new Promise((r) => setTimeout(r, 0));
  };
  return { bridge, calls, emit, release, inFlight: () => pending.length };
}

function withRoster(store: ReturnType<typeof createAppStore>) {
  store.getState().setRosterText('address,group\n10.0.0.1,a\n10.0.0.2,a\n10.0.0.3,b\n10.0.0.4,b\n');
  store.getState().importRoster();
}

describe('the classroom build in the store', () => {
  it('hands the password to each machine, never to the build, and shows the dashboard', async () => {
    const fake = fakeBridge(() => dashboard());
    const store = createAppStore(fake.bridge);
    withRoster(store);
    store.getState().setFleetLogin({ user: 'teacher', port: 2222, auth: 'password', keyPath: '' });
    const built = store.getState().buildFleet({ password: 'hunter2-secret', sudoPassword: 's3cret-sudo' });
    await new Promise((r) => setTimeout(r, 0));
    await fake.release();
    await built;
    const creds = fake.calls.filter((c) => c.channel === 'hosts:setCredentials');
    expect(creds.map((c) => c.input)).toEqual(
      ['10.0.0.1', '10.0.0.2', '10.0.0.3', '10.0.0.4'].map((host) => ({
        host,
        port: 2222,
        user: 'teacher',
        password: 'hunter2-secret',
        sudoPassword: 's3cret-sudo',
      })),
    );
    const build = fake.calls.find((c) => c.channel === 'fleet:build');
    expect(JSON.stringify(build?.input)).not.toMatch(/hunter2|s3cret/);
    expect(build?.input).toMatchObject({
      login: { user: 'teacher', port: 2222, auth: { method: 'password' }, sudoPassword: true },
      clusters: [{ group: 'a' }, { group: 'b' }],
      acceptNewHostKeys: false,
    });
    expect(store.getState().fleetDashboard?.rows[0]?.cluster).toBe('class-b');
    expect(store.getState().fleetBusy).toBeNull();
    // nothing secret is kept in the store
    expect(JSON.stringify(store.getState())).not.toMatch(/hunter2|s3cret/);
  });

  it('refuses to build without a roster or a key file, and says what to do', async () => {
    const fake = fakeBridge(() => dashboard());
    const store = createAppStore(fake.bridge);
    await store.getState().buildFleet({});
    expect(store.getState().fleetError).toBe('Import the roster first.');
    withRoster(store);
    store.getState().setFleetLogin({ user: 'pi', port: 22, auth: 'key', keyPath: ' ' });
    await store.getState().buildFleet({});
    expect(store.getState().fleetError).toBe('Give the private key file to log in with.');
    expect(fake.calls).toEqual([]);
  });

  it("follows only the fleet's runs, one dashboard request at a time, none lost", async () => {
    const fake = fakeBridge(() => dashboard({ running: true }));
    const store = createAppStore(fake.bridge);
    store.setState({ fleetDashboard: dashboard({ running: true }) });
    store.getState().followFleet();
    fake.emit({ runId: 'someone-else', type: 'step-started' });
    expect(fake.inFlight()).toBe(0);
    fake.emit({ runId: 'run-b', type: 'step-started' });
    fake.emit({ runId: 'run-a', type: 'step-finished' });
    fake.emit({ runId: 'run-b', type: 'step-failed' });
    // one in flight; the events that came meanwhile ask for exactly one more after it
    expect(fake.inFlight()).toBe(1);
    await fake.release();
    expect(fake.inFlight()).toBe(1);
    await fake.release();
    expect(fake.inFlight()).toBe(0);
    expect(fake.calls.filter((c) => c.channel === 'fleet:dashboard')).toHaveLength(2);
  });

  it('retries a machine or a cluster by name', async () => {
    const fake = fakeBridge(() => dashboard());
    const store = createAppStore(fake.bridge);
    const retried = store.getState().retryFleet('class-b', 'pi-b-2');
    await new Promise((r) => setTimeout(r, 0));
    await fake.release();
    await retried;
    const cluster = store.getState().retryFleet('class-b');
    await new Promise((r) => setTimeout(r, 0));
    await fake.release();
    await cluster;
    expect(fake.calls.filter((c) => c.channel === 'fleet:retry').map((c) => c.input)).toEqual([
      { cluster: 'class-b', host: 'pi-b-2' },
      { cluster: 'class-b' },
    ]);
  });
});

describe('the dashboard view', () => {
  it('offers retries on failed machines of a cluster that has ended, and sums up', () => {
    const d = dashboard();
    const [b, a] = d.rows as [FleetDashboard['rows'][0], FleetDashboard['rows'][0]];
    expect(retryableMachines(b)).toEqual(['pi-b-2']);
    expect(canRetryCluster(b)).toBe(true);
    expect(canRetryCluster(a)).toBe(false);
    expect(retryableMachines({ ...b, state: 'running' })).toEqual([]);
    expect(dashboardSummary(d)).toBe(
      '1 of 2 clusters did not finish (class-b): 1 machine failed. Fix what they say, then retry them.',
    );
    expect(dashboardSummary({ ...d, running: true })).toBe(
      'Building 2 clusters, 4 machines at a time: 3 of 4 machines ready, 1 failed.',
    );
    expect(dashboardSummary({ ...d, rows: [{ ...a }, { ...a, cluster: 'class-c' }] })).toBe(
      'All 2 clusters are ready (4 machines).',
    );
  });
});

describe('opening a preset file', () => {
  it('takes its text, and its login into the login fields', () => {
    const store = createAppStore(fakeBridge(() => dashboard()).bridge);
    store.getState().setFleetConcurrency(12);
    store
      .getState()
      .openPreset(
        'apiVersion: k3s-wizard/v1\nkind: ClassroomPreset\nname: y7\nlogin:\n  user: student\n  port: 2222\n  auth: { method: key, keyPath: /keys/class }\n',
      );
    expect(store.getState().presetText).toContain('name: y7');
    expect(store.getState().fleetLogin).toEqual({
      user: 'student',
      port: 2222,
      auth: 'key',
      keyPath: '/keys/class',
    });
    expect(store.getState().fleetConcurrency).toBeNull();
    // a file that is not a preset: its text is shown (the build names its problems), the login kept
    store.getState().openPreset('kind: Nope\n');
    expect(store.getState().presetText).toBe('kind: Nope\n');
    expect(store.getState().fleetLogin.user).toBe('student');
  });
});

describe('fixes, hand-out and reset in the store', () => {
  function fakeOps() {
    const calls: { channel: InvokeChannel; input: unknown }[] = [];
    const listeners: ((e: unknown) => void)[] = [];
    let release!: (value: unknown) => void;
    const bridge: AppBridge = {
      invoke: ((channel: InvokeChannel, input: unknown) => {
        calls.push({ channel, input });
        if (channel === 'hosts:setCredentials') return Promise.resolve({ remembered: false });
        if (channel === 'fleet:fixes')
          return new Promise((resolve) => (release = resolve as (value: unknown) => void));
        if (channel === 'fleet:reset')
          return Promise.resolve({
            what: 'uninstall',
            results: [{ cluster: 'class-a', outcome: 'done', left: { 'pi-a-1': [] } }],
          });
        if (channel === 'fleet:dashboard') return Promise.resolve(dashboard());
        return Promise.reject(new Error(`unexpected ${channel}`));
      }) as AppBridge['invoke'],
      on: ((_channel: EventChannel, listener: (payload: unknown) => void) => {
        listeners.push(listener);
        return () => listeners.splice(listeners.indexOf(listener), 1);
      }) as AppBridge['on'],
      state: () => 'open',
      onState: () => () => undefined,
    };
    const emit = (event: Partial<RunEvent>) => {
      for (const l of [...listeners]) l(event);
    };
    return { bridge, calls, emit, release: (v: unknown) => release(v), listeners };
  }
  const change = (host: string) => ({
    host,
    address: '10.0.0.1',
    changes: ['reboot'],
    reboots: true,
    wave: 1,
  });

  it('the login is saved in the preset; the fixes are asked with it, and count machines as they end', async () => {
    const fake = fakeOps();
    const store = createAppStore(fake.bridge);
    withRoster(store);
    store.getState().setFleetLogin({ user: 'teacher', port: 2200, auth: 'key', keyPath: '/keys/class' });
    expect(store.getState().presetText).toMatch(
      /login:\n {2}user: teacher\n {2}port: 2200\n {2}auth:\n {4}method: key\n {4}keyPath: \/keys\/class/,
    );
    const planning = store.getState().fixFleet({ sudoPassword: 'sudo-secret' }, false);
    await new Promise((r) => setTimeout(r, 0));
    fake.release({
      status: 'planned',
      changes: [change('pi-a-1'), change('pi-a-2')],
      unfixed: [],
      problems: {},
      remaining: [],
      failed: [],
    });
    await planning;
    const asked = fake.calls.find((c) => c.channel === 'fleet:fixes');
    expect(asked?.input).toMatchObject({ apply: false, login: { user: 'teacher', sudoPassword: true } });
    expect(JSON.stringify(asked?.input)).not.toContain('sudo-secret');
    expect(fake.calls.filter((c) => c.channel === 'hosts:setCredentials')).toHaveLength(4);

    const fixing = store.getState().fixFleet({ sudoPassword: 'sudo-secret' }, true);
    await new Promise((r) => setTimeout(r, 0));
    expect(store.getState().fleetFixProgress).toEqual({ ended: [], total: 2 });
    fake.emit({ type: 'step-finished', host: 'pi-a-2', stepId: 'fleet-fix:pi-a-2' });
    fake.emit({ type: 'step-finished', host: 'pi-b-1', stepId: 'install:pi-b-1' });
    expect(store.getState().fleetFixProgress).toEqual({ ended: ['pi-a-2'], total: 2 });
    fake.release({
      status: 'fixed',
      changes: [change('pi-a-1'), change('pi-a-2')],
      unfixed: [],
      problems: {},
      remaining: [],
      failed: [],
    });
    await fixing;
    expect(store.getState().fleetFixProgress).toBeNull();
    expect(store.getState().fleetFixes?.status).toBe('fixed');
    expect(store.getState().fleetBusy).toBeNull();
  });

  it('an uninstall takes the dashboard away; the result says what was left', async () => {
    const fake = fakeOps();
    const store = createAppStore(fake.bridge);
    withRoster(store);
    store.setState({ fleetDashboard: dashboard() });
    await store.getState().resetFleet('uninstall');
    expect(fake.calls.find((c) => c.channel === 'fleet:reset')?.input).toMatchObject({
      what: 'uninstall',
      clusters: [{ group: 'a' }, { group: 'b' }],
    });
    expect(store.getState().fleetDashboard).toBeNull();
    expect(store.getState().fleetReset?.results[0]).toEqual({
      cluster: 'class-a',
      outcome: 'done',
      left: { 'pi-a-1': [] },
    });
  });
});
