/** The desktop-integration channels through the real back end and dispatcher, per front. */
import { existsSync, mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { Front } from '../../shared/contract';
import { makeDraft } from '../../test-support/shared/draft';
import { createBackend, type Backend, type BackendOptions } from '../backend';
import { createLocalBridge } from '../local-bridge';
import { safeStoragePersistence } from '../ssh/safe-storage';
import { fakeSafeStorage } from '../../test-support/ssh/safe-storage';
import { startTestServer } from '../../test-support/ssh/ssh-server';
import type { Dialogs } from './files';
import { rejection } from '../../test-support/errors';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

const newDataDir = () => mkdtempSync(join(tmpdir(), 'k3sw-desktop-'));

function start(front: Front, extra: Partial<BackendOptions> & { dataDir?: string } = {}) {
  const backend: Backend = createBackend({ version: '9.8.7', dataDir: newDataDir(), front, ...extra });
  cleanups.push(() => backend.close());
  return { backend, bridge: createLocalBridge(backend) };
}

describe('saved clusters channels', () => {
  it('save, list, load and delete, in any front', async () => {
    for (const front of ['cli', 'browser'] as const) {
      const { bridge } = start(front);
      const { slug, savedAt } = await bridge.invoke('clusters:save', { draft: makeDraft() });
      expect(await bridge.invoke('clusters:list', {})).toEqual([
        { name: 'Home lab', slug, savedAt, hosts: 2, installed: false },
      ]);
      const { draft } = await bridge.invoke('clusters:load', { slug });
      expect(draft).toEqual({ ...makeDraft(), version: 1, savedAt });
      await bridge.invoke('clusters:save', { draft: { ...draft, step: 'done', reached: ['done'] }, slug });
      expect((await bridge.invoke('clusters:list', {}))[0]?.installed).toBe(true);
      await bridge.invoke('clusters:delete', { slug });
      expect(await bridge.invoke('clusters:list', {})).toEqual([]);
      expect((await rejection(bridge.invoke('clusters:load', { slug }))).code).toBe('NOT_FOUND');
    }
  });

  it('refuses a password in a draft, naming the field and never the value', async () => {
    const { backend, bridge } = start('desktop');
    const draft = makeDraft();
    const withSecret = { ...draft, hosts: [{ ...draft.hosts[0]!, password: 'Sekr1t-in-draft' }] };
    const error = await rejection(bridge.invoke('clusters:save', { draft: withSecret }));
    expect(error.code).toBe('INVALID_INPUT');
    expect(error.message).toContain('draft.hosts.0.password');
    expect(error.message + JSON.stringify(backend.logger.tail(1000))).not.toContain('Sekr1t');
    expect(existsSync(join(backend.options.dataDir, 'clusters'))).toBe(false);
  });

  it('refuses a slug that is a path', async () => {
    const { bridge } = start('cli');
    expect((await rejection(bridge.invoke('clusters:delete', { slug: '../known_hosts' }))).code).toBe(
      'INVALID_INPUT',
    );
  });
});

describe('file dialog channels', () => {
  it('are UNSUPPORTED without native dialogs, and app:info says so', async () => {
    for (const front of ['browser', 'cli'] as const) {
      const { bridge } = start(front);
      expect(await bridge.invoke('app:info', {})).toMatchObject({
        nativeDialogs: false,
        rememberCredentials: false,
      });
      const error = await rejection(bridge.invoke('dialog:openFile', { title: 'Private key' }));
      expect(error.code).toBe('UNSUPPORTED');
      expect(error.message).toContain('type the path');
      expect((await rejection(bridge.invoke('dialog:openFolder', { title: 'x' }))).code).toBe('UNSUPPORTED');
      const save = bridge.invoke('dialog:saveFile', { title: 'x', defaultPath: '/tmp/x', content: 'x' });
      expect((await rejection(save)).code).toBe('UNSUPPORTED');
    }
  });

  it('use the injected dialogs in the desktop front and write the chosen file', async () => {
    const target = join(newDataDir(), 'homelab.yaml');
    const dialogs: Dialogs = {
      openFile: () => Promise.resolve('/home/me/.ssh/id_ed25519'),
      openFolder: () => Promise.resolve(null),
      saveFile: () => Promise.resolve(target),
    };
    const { bridge } = start('desktop', { dialogs });
    expect(await bridge.invoke('app:info', {})).toMatchObject({ nativeDialogs: true });
    expect(await bridge.invoke('dialog:openFile', { title: 'Key' })).toEqual({
      path: '/home/me/.ssh/id_ed25519',
    });
    expect(await bridge.invoke('dialog:openFolder', { title: 'Bundle' })).toEqual({ path: null });
    const saved = await bridge.invoke('dialog:saveFile', {
      title: 'Save kubeconfig',
      defaultPath: '~/homelab.yaml',
      content: 'apiVersion: v1\n',
      secret: true,
    });
    expect(saved).toEqual({ path: target });
    expect(readFileSync(target, 'utf8')).toBe('apiVersion: v1\n');
    expect(statSync(target).mode & 0o777).toBe(0o600);
  });
});

describe('remembered passwords', () => {
  it('desktop: kept encrypted and used to log in after a restart', async () => {
    const server = await startTestServer({ password: 'Sekr1t-remembered' });
    cleanups.push(() => server.close());
    const dataDir = newDataDir();
    const safeStorage = fakeSafeStorage();
    const desktop = () =>
      start('desktop', { dataDir, secretPersistence: safeStoragePersistence({ dataDir, safeStorage }) });
    const ref = { host: '127.0.0.1', port: server.port, user: 'lab' };

    const first = desktop();
    expect(await first.bridge.invoke('app:info', {})).toMatchObject({ rememberCredentials: true });
    expect(
      await first.bridge.invoke('hosts:setCredentials', {
        ...ref,
        password: 'Sekr1t-remembered',
        remember: true,
      }),
    ).toEqual({ remembered: true });
    const unknown = await rejection(first.bridge.invoke('hosts:probe', ref));
    expect(unknown.code).toBe('HOST_KEY_UNKNOWN');
    await first.bridge.invoke('hosts:trustHostKey', {
      host: ref.host,
      port: ref.port,
      fingerprint: String(unknown.details?.fingerprint),
    });
    await first.backend.close();
    expect(readFileSync(join(dataDir, 'credentials.bin')).toString('latin1')).not.toContain('Sekr1t');

    // A new back end on the same data folder: no credentials sent, the remembered ones log in.
    const second = desktop();
    const { facts } = await second.bridge.invoke('hosts:probe', ref);
    expect(facts.cpus).toBeGreaterThan(0);
    // Loaded secrets are masked in the log like freshly typed ones.
    expect(second.backend.logger.redact('x Sekr1t-remembered y')).not.toContain('Sekr1t');
  });

  it('browser and command line: never remembered, even when a keychain is passed', async () => {
    for (const front of ['browser', 'cli'] as const) {
      const dataDir = newDataDir();
      const secretPersistence = safeStoragePersistence({ dataDir, safeStorage: fakeSafeStorage() });
      const { bridge } = start(front, { dataDir, secretPersistence });
      expect(await bridge.invoke('app:info', {})).toMatchObject({ rememberCredentials: false });
      expect(
        await bridge.invoke('hosts:setCredentials', {
          host: 'pi1',
          user: 'pi',
          password: 'pw-x',
          remember: true,
        }),
      ).toEqual({ remembered: false });
      expect(existsSync(join(dataDir, 'credentials.bin'))).toBe(false);
    }
  });

  it('desktop without an OS keychain: remember is answered with remembered: false', async () => {
    const dataDir = newDataDir();
    const safeStorage = fakeSafeStorage({ available: false });
    const { bridge } = start('desktop', {
      dataDir,
      secretPersistence: safeStoragePersistence({ dataDir, safeStorage }),
    });
    expect(
      await bridge.invoke('hosts:setCredentials', {
        host: 'pi1',
        user: 'pi',
        password: 'pw-x',
        remember: true,
      }),
    ).toEqual({ remembered: false });
    expect(existsSync(join(dataDir, 'credentials.bin'))).toBe(false);
  });
});

describe('menu events', () => {
  it('reach the window as app:menu, and only known commands', () => {
    const { backend } = start('desktop');
    const seen: unknown[] = [];
    backend.hub.subscribe((channel, payload) => {
      if (channel === 'app:menu') seen.push(payload);
    });
    backend.hub.emit('app:menu', { command: 'save-cluster' });
    expect(seen).toEqual([{ command: 'save-cluster' }]);
    expect(() => backend.hub.emit('app:menu', { command: 'format-disk' as 'about' })).toThrow();
  });
});
