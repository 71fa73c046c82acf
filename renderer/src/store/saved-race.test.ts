import { describe, expect, it } from 'vitest';
import type { AppBridge } from '../bridge';
import { createAppStore } from '.';

describe('saved clusters', () => {
  it('a save still under way when New cluster is chosen does not make the new draft overwrite the old one', async () => {
    let finishSave: (value: { slug: string }) => void = () => undefined;
    const saves: { slug?: string }[] = [];
    const bridge: AppBridge = {
      invoke: ((channel: string, input: { slug?: string }) => {
        if (channel === 'clusters:save') {
          saves.push(input);
          // the first save answers late (a busy machine); later ones at once
          if (saves.length === 1) return new Promise<{ slug: string }>((resolve) => (finishSave = resolve));
          return Promise.resolve({ slug: 'second' });
        }
        if (channel === 'clusters:list') return Promise.resolve([]);
        if (channel === 'kubeconfig:contexts')
          return Promise.resolve({ contexts: [], path: '~/.kube/config' });
        return Promise.resolve({});
      }) as AppBridge['invoke'],
      on: () => () => undefined,
      state: () => 'open',
      onState: () => () => undefined,
    };
    const store = createAppStore(bridge);
    const s = () => store.getState();
    s().addHost({ address: '10.0.0.5', port: 22, user: 'pi', auth: 'agent', keyPath: '' });
    const first = s().saveDraft();
    s().newCluster();
    finishSave({ slug: 'school' });
    await first;
    // the new draft is not the saved "school": its first save makes a cluster of its own
    expect(s().savedSlug).toBeNull();
    s().addHost({ address: '10.0.0.6', port: 22, user: 'pi', auth: 'agent', keyPath: '' });
    await s().saveDraft();
    expect(saves[1]?.slug).toBeUndefined();
    expect(s().savedSlug).toBe('second');
  });
});
