import { describe, expect, it } from 'vitest';
import type { InvokeChannel } from '../../../shared/contract';
import type { RunSnapshot } from '../../../shared/run';
import type { AppBridge } from '../bridge';
import { createAppStore } from '.';

const snapshot = (runId: string): RunSnapshot => ({
  runId,
  cluster: 'homelab',
  status: 'succeeded',
  dryRun: false,
  concurrency: 4,
  startedAt: '2026-01-01T00:00:00.000Z',
  durationMs: 15_000,
  lastSeq: 5,
  order: ['prepare:pi:cgroup'],
  steps: {},
  hosts: ['pi'],
});

describe('a fix started from the Checks step', () => {
  it('is kept apart from the install: Install still shows that nothing was installed', async () => {
    const started: unknown[] = [];
    const bridge: AppBridge = {
      invoke: ((channel: InvokeChannel, input: unknown) => {
        if (channel === 'run:start') {
          started.push(input);
          return Promise.resolve({ runId: 'fix-1' });
        }
        if (channel === 'run:snapshot') return Promise.resolve(snapshot('fix-1'));
        return Promise.reject(new Error(`unexpected ${channel}`));
      }) as AppBridge['invoke'],
      on: () => () => undefined,
      state: () => 'open',
      onState: () => () => undefined,
    };
    const store = createAppStore(bridge);
    store.getState().addHost({ address: '10.0.0.9', port: 22, user: 'pi', auth: 'agent', keyPath: '' });
    await store.getState().startFix(['prepare:pi:cgroup']);
    expect(started).toEqual([expect.objectContaining({ steps: ['prepare:pi:cgroup'] })]);
    expect(store.getState().fixRun?.status).toBe('succeeded');
    expect(store.getState().run).toBeNull();
    expect(store.getState().runId).toBeNull();
  });
});
