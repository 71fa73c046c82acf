import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { LogEntry } from '../../shared/contract';
import type { Backend } from '../backend';
import { createLocalBridge } from '../local-bridge';
import { startTestServer, type TestServer } from '../../test-support/ssh/ssh-server';
import { testBackend } from '../../test-support/backend';
import { rejection } from '../../test-support/errors';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function setup(): Promise<{ backend: Backend; server: TestServer; logs: LogEntry[] }> {
  const server = await startTestServer({ password: 'Sekr1t-login-pw' });
  const backend = testBackend('desktop');
  const logs: LogEntry[] = [];
  backend.hub.subscribe((channel, payload) => {
    if (channel === 'app:log') logs.push(LogEntry.parse(payload));
  });
  cleanups.push(
    () => server.close(),
    () => backend.close(),
  );
  return { backend, server, logs };
}

describe('hosts channels', () => {
  it('first contact: HOST_KEY_UNKNOWN with the fingerprint, trust by fingerprint, then facts', async () => {
    const { backend, server, logs } = await setup();
    const bridge = createLocalBridge(backend);
    const ref = { host: '127.0.0.1', port: server.port, user: 'lab' };
    await bridge.invoke('hosts:setCredentials', {
      ...ref,
      password: 'Sekr1t-login-pw',
      sudoPassword: 'Sekr1t-sudo-pw',
    });
    const unknown = await rejection(bridge.invoke('hosts:probe', ref));
    expect(unknown.code).toBe('HOST_KEY_UNKNOWN');
    const fingerprint = String(unknown.details?.fingerprint);
    expect(fingerprint).toMatch(/^SHA256:/);
    // Only a key the host really offered can be trusted.
    const bogus = await rejection(
      bridge.invoke('hosts:trustHostKey', {
        host: '127.0.0.1',
        port: server.port,
        fingerprint: `SHA256:${'A'.repeat(43)}`,
      }),
    );
    expect(bogus.code).toBe('NOT_FOUND');
    expect(
      await bridge.invoke('hosts:trustHostKey', { host: '127.0.0.1', port: server.port, fingerprint }),
    ).toEqual({ keyType: 'ssh-ed25519', fingerprint });
    // The in-process server runs the script on this machine: the facts are this machine's.
    const { facts } = await bridge.invoke('hosts:probe', ref);
    // The hosts service keeps the last facts of each host, for what comes later (a bundle).
    expect(
      backend.hosts.factsByNode([
        { nodeName: 'a1', address: '127.0.0.1', port: server.port, user: 'lab' },
        { nodeName: 'never-probed', address: '127.0.0.2', port: 22, user: 'lab' },
      ]),
    ).toEqual({ a1: facts });
    expect(facts.kernelArch).toBe(process.arch === 'x64' ? 'x86_64' : facts.kernelArch);
    expect(facts.cpus).toBeGreaterThan(0);
    expect(facts.sudo).not.toBeNull();
    expect(server.commands.join('\n')).not.toContain('Sekr1t');
    const everything = JSON.stringify(logs) + JSON.stringify(backend.logger.tail(1000));
    expect(everything).toContain('hosts:setCredentials');
    expect(everything).not.toMatch(/Sekr1t/);
  });

  it('a changed key blocks probing until it is re-trusted with replace', async () => {
    const { backend, server } = await setup();
    const bridge = createLocalBridge(backend);
    const ref = { host: '127.0.0.1', port: server.port, user: 'lab' };
    await bridge.invoke('hosts:setCredentials', { ...ref, password: 'Sekr1t-login-pw' });
    // An old key on record for this host and port, as if the machine had been re-flashed since.
    const other = await startTestServer({ password: 'x-secret' });
    cleanups.push(() => other.close());
    backend.hosts.knownHosts.trust('127.0.0.1', server.port, other.hostKeyBlob);
    const changed = await rejection(bridge.invoke('hosts:probe', ref));
    expect(changed.code).toBe('HOST_KEY_MISMATCH');
    const fingerprint = String(changed.details?.fingerprint);
    const refused = await rejection(
      bridge.invoke('hosts:trustHostKey', { host: '127.0.0.1', port: server.port, fingerprint }),
    );
    expect(refused.code).toBe('HOST_KEY_MISMATCH');
    expect((await rejection(bridge.invoke('hosts:probe', ref))).code).toBe('HOST_KEY_MISMATCH');
    await bridge.invoke('hosts:trustHostKey', {
      host: '127.0.0.1',
      port: server.port,
      fingerprint,
      replace: true,
    });
    const { facts } = await bridge.invoke('hosts:probe', ref);
    expect(facts.hostname).not.toBeNull();
  });

  it('imports hosts from an ssh config file', async () => {
    const { backend } = await setup();
    const dir = mkdtempSync(join(tmpdir(), 'k3sw-cfg-'));
    writeFileSync(
      join(dir, 'config'),
      'Host pi1\n  HostName 10.0.0.21\n  User pi\n  Port 2222\n  ProxyJump bastion\nHost *\n  User admin\n',
    );
    const hosts = await createLocalBridge(backend).invoke('hosts:importSshConfig', {
      path: join(dir, 'config'),
    });
    expect(hosts).toEqual([
      { alias: 'pi1', host: '10.0.0.21', port: 2222, user: 'pi', identityFile: null, proxyJump: 'bastion' },
    ]);
  });
});
