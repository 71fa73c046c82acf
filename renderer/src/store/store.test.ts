import { describe, expect, it } from 'vitest';
import type { InvokeChannel } from '../../../shared/contract';
import { AppError } from '../../../shared/errors';
import type { AppBridge } from '../bridge';
import { createAppStore } from '.';

function fakeBridge(answer: (channel: InvokeChannel) => unknown): AppBridge {
  return {
    invoke: (channel) => Promise.resolve(answer(channel)) as never,
    on: () => () => undefined,
    state: () => 'open',
    onState: () => () => undefined,
  };
}

const info = {
  name: 'k3s-wizard',
  version: '1.0.0',
  front: 'browser',
  platform: 'linux-x64',
  dataDir: '/d',
} as const;

describe('renderer store', () => {
  it('loads the app info from the back end', async () => {
    const store = createAppStore(fakeBridge(() => info));
    await store.getState().loadInfo();
    expect(store.getState().info).toEqual(info);
  });

  it('keeps a back-end error as text for the status bar', async () => {
    const store = createAppStore(
      fakeBridge(() => {
        throw new AppError('INTERNAL', 'back end broke');
      }),
    );
    await store.getState().loadInfo();
    expect(store.getState().backendError).toBe('back end broke');
  });

  it('walks the steps forward and back, and only jumps to reached steps', () => {
    const store = createAppStore(fakeBridge(() => info));
    const s = () => store.getState();
    expect(s().step).toBe('hosts');
    s().goTo('review');
    expect(s().step).toBe('hosts');
    s().next();
    s().next();
    expect(s().step).toBe('cluster');
    s().back();
    expect(s().step).toBe('checks');
    s().goTo('cluster');
    expect(s().step).toBe('cluster');
    expect(s().reached).toEqual(['hosts', 'checks', 'cluster']);
  });

  it('adds a valid host and refuses an invalid or duplicate one, adding nothing', () => {
    const store = createAppStore(fakeBridge(() => info));
    const draft = { address: '10.0.0.5', port: 22, user: 'pi', auth: 'agent' as const, keyPath: '' };
    expect(store.getState().addHost(draft)).toEqual({});
    expect(store.getState().addHost(draft).address).toMatch(/already in the list/);
    const bad = store.getState().addHost({ ...draft, address: 'not an address', auth: 'key' });
    expect(Object.keys(bad).sort()).toEqual(['address', 'keyPath']);
    expect(store.getState().hosts).toHaveLength(1);
    store.getState().removeHost(store.getState().hosts[0]!.id);
    expect(store.getState().hosts).toHaveLength(0);
  });
});

describe('probe facts', () => {
  it('stay with the machine when its node name is edited', async () => {
    const { makeFacts } = await import('../../../test-support/shared/spec');
    const { factsByNode } = await import('./facts-slice');
    const store = createAppStore(fakeBridge(() => info));
    store.getState().addHost({ address: '10.0.0.5', port: 22, user: 'pi', auth: 'agent', keyPath: '' });
    const host = store.getState().hosts[0]!;
    store.getState().setFacts(host.id, makeFacts('10.0.0.5'));
    store.getState().updateHost(host.id, { nodeName: 'control' });
    const { hosts, facts } = store.getState();
    expect(Object.keys(factsByNode(hosts, facts))).toEqual(['control']);
  });
});
