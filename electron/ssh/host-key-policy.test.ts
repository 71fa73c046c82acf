import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import ssh2 from 'ssh2';
import { afterEach, describe, expect, it } from 'vitest';
import { AppError } from '../../shared/errors';
import { connectAll } from '../engine/connect';
import { HostKeyPolicy } from './host-key-policy';
import { fingerprintOf, KnownHosts } from './known-hosts';
import { SessionPool } from './pool';
import { SshSession } from './session';
import { newHostKey, startTestServer, type TestServer } from '../../test-support/ssh/ssh-server';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

function rsaHostKey(): { private: string; blob: Buffer } {
  const pair = ssh2.utils.generateKeyPairSync('rsa', { bits: 2048 });
  const parsed = ssh2.utils.parseKey(pair.public);
  if (parsed instanceof Error) throw parsed;
  return { private: pair.private, blob: parsed.getPublicSSH() };
}

/** A machine known by its ed25519 key that now offers only an RSA key: the man-in-the-middle shape. */
async function typeChanged(): Promise<{
  server: TestServer;
  policy: HostKeyPolicy;
  appFile: string;
  known: Buffer;
}> {
  const rsa = rsaHostKey();
  const server = await startTestServer({ password: 'pw-123456' }, rsa);
  cleanups.push(() => server.close());
  const appFile = join(mkdtempSync(join(tmpdir(), 'k3sw-hkp-')), 'known_hosts');
  const known = newHostKey().blob;
  const knownHosts = new KnownHosts({ appFile, userFiles: [] });
  knownHosts.trust('127.0.0.1', server.port, known);
  return { server, policy: new HostKeyPolicy({ knownHosts }), appFile, known };
}

async function rejection(promise: Promise<unknown>): Promise<AppError> {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(AppError);
  return error as AppError;
}

describe('host key policy', () => {
  it('a host known by one key type that offers another is a mismatch naming both types and fingerprints', async () => {
    const { server, policy, known } = await typeChanged();
    const session = new SshSession({
      target: { host: '127.0.0.1', port: server.port, user: 'lab' },
      credentials: { password: 'pw-123456' },
      hostKeys: policy,
      readyTimeoutMs: 5000,
    });
    cleanups.push(() => session.close());
    const error = await rejection(session.connect());
    expect(error.code).toBe('HOST_KEY_MISMATCH');
    expect(error.details).toMatchObject({
      keyType: 'ssh-rsa',
      fingerprint: fingerprintOf(server.hostKeyBlob),
      oldFingerprints: [fingerprintOf(known)],
      knownKeys: [{ keyType: 'ssh-ed25519', fingerprint: fingerprintOf(known) }],
    });
    expect(error.message).toContain('ssh-ed25519');
    expect(error.message).toContain('ssh-rsa');
    expect(error.message).toContain(fingerprintOf(known));
    expect(error.message).toContain(fingerprintOf(server.hostKeyBlob));
    expect(server.commands).toEqual([]);
  });

  it('accept-new never trusts a changed key type; only the explicit replace does', async () => {
    const { server, policy, appFile } = await typeChanged();
    const before = readFileSync(appFile, 'utf8');
    const pool = new SessionPool({ hostKeys: policy, credentialsFor: () => ({ password: 'pw-123456' }) });
    cleanups.push(() => pool.closeAll());
    const target = { host: '127.0.0.1', port: server.port, user: 'lab' };
    const error = await rejection(
      connectAll({ pool, hostKeys: policy, acceptNew: true, targets: [{ name: 'pi1', target }] }),
    );
    expect(error.code).toBe('HOST_KEY_MISMATCH');
    expect(policy.acceptNew(error)).toBeNull();
    const fingerprint = fingerprintOf(server.hostKeyBlob);
    expect(() => policy.trust({ host: '127.0.0.1', port: server.port, fingerprint })).toThrow(
      expect.objectContaining({ code: 'HOST_KEY_MISMATCH' }) as Error,
    );
    expect(readFileSync(appFile, 'utf8')).toBe(before);
    policy.trust({ host: '127.0.0.1', port: server.port, fingerprint, replace: true });
    pool.drop(target);
    await pool.session(target);
  });

  it('accept-new trusts a host seen for the first time, once, and says which key', async () => {
    const server = await startTestServer({ password: 'pw-123456' });
    cleanups.push(() => server.close());
    const appFile = join(mkdtempSync(join(tmpdir(), 'k3sw-hkp-')), 'known_hosts');
    const policy = new HostKeyPolicy({ knownHosts: new KnownHosts({ appFile, userFiles: [] }) });
    const pool = new SessionPool({ hostKeys: policy, credentialsFor: () => ({ password: 'pw-123456' }) });
    cleanups.push(() => pool.closeAll());
    const target = { host: '127.0.0.1', port: server.port, user: 'lab' };
    // Told of each login as it is done (apply reads a machine's facts from then on): not this one.
    const loggedIn: string[] = [];
    const refused = await rejection(
      connectAll({
        pool,
        hostKeys: policy,
        acceptNew: false,
        targets: [{ name: 'pi1', target }],
        onLoggedIn: (name) => loggedIn.push(name),
      }),
    );
    expect(refused.code).toBe('HOST_KEY_UNKNOWN');
    expect(refused.message).toContain('--accept-new-host-keys');
    expect(loggedIn).toEqual([]);
    const before = server.connectionsSeen;
    const trusted: string[] = [];
    await connectAll({
      pool,
      hostKeys: policy,
      acceptNew: true,
      targets: [{ name: 'pi1', target }],
      onTrusted: (name, offer) => trusted.push(`${name} ${offer.fingerprint}`),
      onLoggedIn: (name) => loggedIn.push(`${name} after ${trusted.length} trusted`),
    });
    expect(trusted).toEqual([`pi1 ${fingerprintOf(server.hostKeyBlob)}`]);
    expect(loggedIn).toEqual(['pi1 after 1 trusted']);
    expect(readFileSync(appFile, 'utf8')).toContain(server.hostKeyBlob.toString('base64'));
    // trusted in the key exchange of the login that goes on: one connection, not a refused one and a second
    expect(server.connectionsSeen - before).toBe(1);
    expect((await pool.session(target)).connected).toBe(true);
  });

  it('only a key the host really offered can be trusted, and the offers kept are bounded', () => {
    const appFile = join(mkdtempSync(join(tmpdir(), 'k3sw-hkp-')), 'known_hosts');
    const policy = new HostKeyPolicy({
      knownHosts: new KnownHosts({ appFile, userFiles: [] }),
      maxOffers: 3,
    });
    const keys = Array.from({ length: 5 }, () => newHostKey().blob);
    for (const [i, key] of keys.entries()) {
      expect(policy.verify({ host: 'pi1', port: 22 + i, user: 'pi' }, key)?.code).toBe('HOST_KEY_UNKNOWN');
    }
    expect(() => policy.trust({ host: 'pi1', port: 22, fingerprint: fingerprintOf(keys[0]!) })).toThrow(
      expect.objectContaining({ code: 'NOT_FOUND' }) as Error,
    );
    expect(policy.trust({ host: 'pi1', port: 26, fingerprint: fingerprintOf(keys[4]!) })).toEqual({
      keyType: 'ssh-ed25519',
      fingerprint: fingerprintOf(keys[4]!),
    });
    expect(policy.verify({ host: 'pi1', port: 26, user: 'pi' }, keys[4]!)).toBeNull();
  });
});
