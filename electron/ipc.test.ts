import { describe, expect, it } from 'vitest';
import { INVOKE_CHANNELS } from '../shared/contract';
import { MAX_MESSAGE_BYTES } from '../shared/wire';
import { forwardEvents, registerIpc, type IpcInvokeEventLike, type IpcMainLike } from './ipc';
import { testBackend } from '../test-support/backend';

type Listener = (event: IpcInvokeEventLike, ...args: unknown[]) => Promise<unknown>;

/** Stands in for Electron's ipcMain: records handlers, lets the test invoke them like a renderer. */
class FakeIpcMain implements IpcMainLike {
  readonly handlers = new Map<string, Listener>();
  handle(channel: string, listener: Listener): void {
    if (this.handlers.has(channel)) throw new Error(`second handler for ${channel}`);
    this.handlers.set(channel, listener);
  }
  removeHandler(channel: string): void {
    this.handlers.delete(channel);
  }
  invoke(channel: string, url: string, input: unknown): Promise<unknown> {
    const handler = this.handlers.get(channel);
    if (!handler) return Promise.reject(new Error(`No handler registered for '${channel}'`));
    return handler({ senderFrame: { url } }, input);
  }
}

const trusted = (url: string) => url.startsWith('app://k3s-wizard/');

describe('desktop front (ipcMain adapter)', () => {
  it('registers exactly the contract channels and removes them again', () => {
    const ipcMain = new FakeIpcMain();
    const dispose = registerIpc({ ipcMain, backend: testBackend(), isTrustedUrl: trusted });
    expect([...ipcMain.handlers.keys()].sort()).toEqual([...INVOKE_CHANNELS].sort());
    dispose();
    expect(ipcMain.handlers.size).toBe(0);
  });

  it('answers an invoke from the app window through the contract', async () => {
    const ipcMain = new FakeIpcMain();
    registerIpc({ ipcMain, backend: testBackend(), isTrustedUrl: trusted });
    const response = await ipcMain.invoke('app:info', 'app://k3s-wizard/index.html', {});
    expect(response).toMatchObject({
      ok: true,
      result: { name: 'k3s-wizard', version: '9.8.7', front: 'desktop' },
    });
  });

  it('refuses a frame that is not the app', async () => {
    const ipcMain = new FakeIpcMain();
    registerIpc({ ipcMain, backend: testBackend(), isTrustedUrl: trusted });
    const response = await ipcMain.invoke('app:info', 'https://evil.example/', {});
    expect(response).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });
  });

  it('validates payloads like every other front', async () => {
    const ipcMain = new FakeIpcMain();
    registerIpc({ ipcMain, backend: testBackend(), isTrustedUrl: trusted });
    const response = await ipcMain.invoke('app:recentLogs', 'app://k3s-wizard/index.html', { limit: -1 });
    expect(response).toMatchObject({ ok: false, error: { code: 'INVALID_INPUT' } });
  });

  it('refuses a payload larger than the browser front would take, before it reaches the back end', async () => {
    const backend = testBackend();
    const ipcMain = new FakeIpcMain();
    registerIpc({ ipcMain, backend, isTrustedUrl: trusted });
    const huge = { path: 'x'.repeat(MAX_MESSAGE_BYTES + 1) };
    const response = await ipcMain.invoke('hosts:importSshConfig', 'app://k3s-wizard/index.html', huge);
    expect(response).toMatchObject({ ok: false, error: { code: 'INVALID_INPUT' } });
    expect(JSON.stringify(response)).toContain('4 MiB');
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    const refused = await ipcMain.invoke('app:info', 'app://k3s-wizard/index.html', cyclic);
    expect(refused).toMatchObject({ ok: false, error: { code: 'INVALID_INPUT' } });
    expect(backend.logger.tail(100).some((e) => e.message.includes('hosts:importSshConfig refused'))).toBe(
      true,
    );
  });

  it('forwards back-end events to the window until it is destroyed', async () => {
    const backend = testBackend();
    const ipcMain = new FakeIpcMain();
    registerIpc({ ipcMain, backend, isTrustedUrl: trusted });
    const sent: [string, unknown][] = [];
    let destroyed = false;
    forwardEvents({
      backend,
      webContents: {
        send: (channel, payload) => sent.push([channel, payload]),
        isDestroyed: () => destroyed,
      },
    });
    await ipcMain.invoke('app:info', 'app://k3s-wizard/index.html', {});
    expect(
      sent.some(
        ([channel, payload]) => channel === 'app:log' && JSON.stringify(payload).includes('app:info'),
      ),
    ).toBe(true);
    destroyed = true;
    const before = sent.length;
    backend.logger.info('test', 'after close');
    backend.logger.info('test', 'after close again');
    expect(sent.length).toBe(before);
  });
});
