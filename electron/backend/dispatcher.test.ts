import { describe, expect, it } from 'vitest';
import type { LogEntry } from '../../shared/contract';
import { AppError } from '../../shared/errors';
import { createDispatcher, type Handlers } from './dispatcher';
import { EventHub } from './events';
import { Logger } from './logger';

function setup(overrides: Partial<Handlers> = {}) {
  const hub = new EventHub();
  const logger = new Logger(hub);
  const logs: LogEntry[] = [];
  hub.subscribe((channel, payload) => {
    if (channel === 'app:log') logs.push(payload);
  });
  // Only the app channels are exercised here; other channels have their own tests.
  const handlers = {
    'app:info': () =>
      Promise.resolve({
        name: 'k3s-wizard',
        version: '1.2.3',
        front: 'cli',
        platform: 'linux-x64',
        dataDir: '/d',
      }),
    'app:recentLogs': ({ limit }) => Promise.resolve(logger.tail(limit)),
    ...overrides,
  } as Handlers;
  return { dispatcher: createDispatcher({ handlers, logger }), logger, logs };
}

describe('dispatcher', () => {
  it('runs a known channel and returns its validated result', async () => {
    const { dispatcher } = setup();
    const response = await dispatcher.dispatch('app:info', {}, { front: 'cli' });
    expect(response).toEqual({
      ok: true,
      // The desktop-only abilities default to false when a front does not say.
      result: {
        name: 'k3s-wizard',
        version: '1.2.3',
        front: 'cli',
        platform: 'linux-x64',
        dataDir: '/d',
        nativeDialogs: false,
        rememberCredentials: false,
        sshAgent: false,
      },
    });
  });

  it('refuses an unknown channel with UNKNOWN_CHANNEL', async () => {
    const { dispatcher } = setup();
    const response = await dispatcher.dispatch('fs:readAnything', {}, { front: 'browser' });
    expect(response).toMatchObject({ ok: false, error: { code: 'UNKNOWN_CHANNEL' } });
  });

  it('refuses a payload that does not match the schema, naming the field', async () => {
    const { dispatcher } = setup();
    const response = await dispatcher.dispatch('app:recentLogs', { limit: 'lots' }, { front: 'browser' });
    expect(response).toMatchObject({ ok: false, error: { code: 'INVALID_INPUT' } });
    expect(!response.ok && response.error.message).toContain('limit');
    const extra = await dispatcher.dispatch('app:info', { sneaky: 1 }, { front: 'browser' });
    expect(extra).toMatchObject({ ok: false, error: { code: 'INVALID_INPUT' } });
  });

  it('applies schema defaults before the handler runs', async () => {
    const { dispatcher, logger } = setup();
    for (let i = 0; i < 250; i++) logger.info('t', `line ${i}`);
    const response = await dispatcher.dispatch('app:recentLogs', {}, { front: 'cli' });
    expect(response.ok && (response.result as unknown[]).length).toBe(200);
  });

  it('keeps the stable code of an AppError', async () => {
    const { dispatcher } = setup({
      'app:info': () => Promise.reject(new AppError('HOST_KEY_MISMATCH', 'key changed on pi1')),
    });
    const response = await dispatcher.dispatch('app:info', {}, { front: 'desktop' });
    expect(response).toEqual({
      ok: false,
      error: { code: 'HOST_KEY_MISMATCH', message: 'key changed on pi1' },
    });
  });

  it('turns a crash into INTERNAL without leaking a registered secret', async () => {
    const { dispatcher, logger, logs } = setup({
      'app:info': () => Promise.reject(new Error('boom while using hunter2-secret')),
    });
    logger.addSecret('hunter2-secret');
    const response = await dispatcher.dispatch('app:info', {}, { front: 'desktop' });
    expect(response).toMatchObject({ ok: false, error: { code: 'INTERNAL' } });
    expect(JSON.stringify(response)).not.toContain('hunter2-secret');
    expect(JSON.stringify(logs)).not.toContain('hunter2-secret');
    expect(logs.some((entry) => entry.level === 'error' && entry.message.includes('app:info'))).toBe(true);
  });

  it('logs each call with its arguments redacted', async () => {
    const { dispatcher, logs } = setup();
    await dispatcher.dispatch('app:recentLogs', { limit: 5 }, { front: 'desktop' });
    expect(logs.at(-1)?.message).toMatch(/^app:recentLogs \{"limit":5\} ok in \d+ ms$/);
  });
});
