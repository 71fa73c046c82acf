import { describe, expect, it } from 'vitest';
import type { ClusterStatus } from '../../../shared/day-two/status';
import type { AppBridge } from '../bridge';
import { hostsBeingAdded } from './cluster-page-slice';
import { createAppStore } from '.';

const status = (version: string, flows: ClusterStatus['flows']): ClusterStatus => ({
  cluster: 'home',
  server: 's1',
  version,
  nodes: [],
  notJoined: [],
  flows,
  blocked: null,
  flowsError: null,
  tokens: [],
});

function fakeBridge(answer: (channel: string, input: { flows?: boolean; id?: string }) => Promise<unknown>) {
  const calls: { channel: string; input: unknown }[] = [];
  const bridge: AppBridge = {
    invoke: ((channel: string, input: { flows?: boolean }) => {
      calls.push({ channel, input });
      return answer(channel, input);
    }) as AppBridge['invoke'],
    on: () => () => undefined,
    state: () => 'open',
    onState: () => () => undefined,
  };
  return { bridge, calls };
}

const host = (address: string) => ({ address, port: 22, user: 'pi', auth: 'agent' as const, keyPath: '' });

describe('the cluster page', () => {
  it('keeps the flows tested last when the nodes are refreshed, and drops a late answer', async () => {
    let late: (value: ClusterStatus) => void = () => undefined;
    let n = 0;
    const { bridge, calls } = fakeBridge((channel, input) => {
      if (channel !== 'cluster:status') return Promise.resolve({});
      n += 1;
      if (n === 2) return new Promise((resolve) => (late = resolve));
      return Promise.resolve(status(`v${n}`, input.flows ? [] : null));
    });
    const store = createAppStore(bridge);
    const s = () => store.getState();
    s().addHost(host('10.0.0.5'));
    await s().refreshCluster({ flows: true });
    expect(s().clusterStatus?.flows).toEqual([]);
    const slow = s().refreshCluster();
    await s().refreshCluster();
    late(status('v-late', null));
    await slow;
    expect(s().clusterStatus?.version).toBe('v3');
    expect(s().clusterStatus?.flows).toEqual([]);
    expect(calls.filter((c) => c.channel === 'cluster:status').map((c) => c.input)).toMatchObject([
      { flows: true },
      { flows: false },
      { flows: false },
    ]);
  });

  it('revokes a token and reads the page again; a failure is shown', async () => {
    const { bridge, calls } = fakeBridge((channel) =>
      channel === 'cluster:revokeToken'
        ? Promise.reject(new Error('s1 has no join token abc123'))
        : Promise.resolve(status('v1', null)),
    );
    const store = createAppStore(bridge);
    store.getState().addHost(host('10.0.0.5'));
    await store.getState().revokeToken('abc123');
    expect(store.getState().clusterStatusError).toBe('s1 has no join token abc123');
    expect(calls.some((c) => c.channel === 'cluster:revokeToken')).toBe(true);
  });

  it('Add machines: the Hosts and Checks steps work on the new machines only', () => {
    const { bridge } = fakeBridge(() => Promise.resolve({}));
    const store = createAppStore(bridge);
    const s = () => store.getState();
    s().addHost(host('10.0.0.5'));
    store.setState({ savedSlug: 'home', page: 'cluster' });
    s().addMachines();
    expect(s().page).toBe('wizard');
    expect(s().step).toBe('hosts');
    s().addHost(host('10.0.0.9'));
    expect(hostsBeingAdded(s()).map((h) => h.address)).toEqual(['10.0.0.9']);
    // another cluster opened: all its machines again
    store.setState({ savedSlug: 'other' });
    expect(hostsBeingAdded(s()).map((h) => h.address)).toEqual(['10.0.0.5', '10.0.0.9']);
  });
});
