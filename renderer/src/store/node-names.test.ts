import { describe, expect, it } from 'vitest';
import { makeFacts } from '../../../test-support/shared/spec';
import type { AppBridge } from '../bridge';
import { createAppStore } from '.';
import { nodeNameFrom } from './hosts-slice';

const bridge: AppBridge = {
  invoke: () => Promise.reject(new Error('not used')),
  on: () => () => undefined,
  state: () => 'open',
  onState: () => () => undefined,
};

function storeWith(addresses: string[]) {
  const store = createAppStore(bridge);
  for (const address of addresses) {
    expect(store.getState().addHost({ address, port: 22, user: 'pi', auth: 'agent', keyPath: '' })).toEqual(
      {},
    );
  }
  return store;
}

const names = (store: ReturnType<typeof storeWith>) => store.getState().hosts.map((h) => h.nodeName);

describe('node names', () => {
  it('follow each machine’s probed hostname, not its place in the list', () => {
    const store = storeWith(['10.0.0.1', '10.0.0.2', '10.0.0.3']);
    expect(names(store)).toEqual(['node-1', 'node-2', 'node-3']);
    const [a, b, c] = store.getState().hosts;
    store.getState().setFacts(c!.id, makeFacts('10.0.0.3', { hostname: 'node2' }));
    store.getState().setFacts(a!.id, makeFacts('10.0.0.1', { hostname: 'Control_Plane' }));
    store.getState().setFacts(b!.id, makeFacts('10.0.0.2', { hostname: 'worker.lan' }));
    expect(names(store)).toEqual(['control-plane', 'worker.lan', 'node2']);
  });

  it('are numbered only where hostnames clash: ten raspberrypi become raspberrypi-1…10', () => {
    const addresses = Array.from({ length: 10 }, (_, i) => `10.0.1.${i + 1}`);
    const store = storeWith([...addresses, 'pi-odd.local']);
    store.getState().hosts.forEach((host, i) => {
      if (i < 10) store.getState().setFacts(host.id, makeFacts(host.address, { hostname: 'raspberrypi' }));
    });
    expect(names(store)).toEqual([...Array.from({ length: 10 }, (_, i) => `raspberrypi-${i + 1}`), 'pi-odd']);
  });

  it('keep what the user typed, and avoid it when naming the others', () => {
    const store = storeWith(['10.0.0.1', '10.0.0.2']);
    const [a, b] = store.getState().hosts;
    store.getState().updateHost(a!.id, { nodeName: 'pi' });
    store.getState().setFacts(a!.id, makeFacts('10.0.0.1', { hostname: 'something-else' }));
    store.getState().setFacts(b!.id, makeFacts('10.0.0.2', { hostname: 'pi' }));
    expect(names(store)).toEqual(['pi', 'pi-1']);
  });

  it('are made valid for Kubernetes', () => {
    expect(nodeNameFrom('My Pi 1')).toBe('my-pi-1');
    expect(nodeNameFrom('-x-')).toBe('x');
    expect(nodeNameFrom('a'.repeat(80))).toHaveLength(63);
    expect(nodeNameFrom('__')).toBe('');
  });
});
