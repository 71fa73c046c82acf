import { describe, expect, it } from 'vitest';
import type { LogEntry } from '../shared/contract';
import { createLocalBridge } from './local-bridge';
import { testBackend } from '../test-support/backend';

describe('command-line front (in-process bridge)', () => {
  it('invokes through the dispatcher and receives events', async () => {
    const backend = testBackend('cli');
    const bridge = createLocalBridge(backend);
    const lines: LogEntry[] = [];
    const stop = bridge.on('app:log', (entry) => lines.push(entry));
    await expect(bridge.invoke('app:info', {})).resolves.toMatchObject({ front: 'cli', version: '9.8.7' });
    expect(lines.some((entry) => entry.message.startsWith('app:info'))).toBe(true);
    stop();
    await bridge.invoke('app:info', {});
    expect(lines.filter((entry) => entry.message.startsWith('app:info'))).toHaveLength(1);
  });

  it('rejects with the stable code of a refused call', async () => {
    const bridge = createLocalBridge(testBackend('cli'));
    await expect(bridge.invoke('app:recentLogs', { limit: 0 })).rejects.toMatchObject({
      code: 'INVALID_INPUT',
    });
  });
});
