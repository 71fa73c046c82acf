import { createHmac, randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { fingerprintOf, hostMatches, KnownHosts, keyTypeOf, lookupName } from './known-hosts';
import { newHostKey } from '../../test-support/ssh/ssh-server';

function dir(): string {
  return mkdtempSync(join(tmpdir(), 'k3sw-kh-'));
}

function hashed(name: string): string {
  const salt = randomBytes(20);
  return `|1|${salt.toString('base64')}|${createHmac('sha1', salt).update(name).digest('base64')}`;
}

const line = (patterns: string, blob: Buffer): string =>
  `${patterns} ${keyTypeOf(blob)} ${blob.toString('base64')}`;

describe('known hosts', () => {
  const a = newHostKey().blob;
  const b = newHostKey().blob;

  it('reads the key type and fingerprint like OpenSSH', () => {
    expect(keyTypeOf(a)).toBe('ssh-ed25519');
    expect(fingerprintOf(a)).toMatch(/^SHA256:[A-Za-z0-9+/]{43}$/);
    expect(keyTypeOf(Buffer.from([0, 0]))).toBe('unknown');
  });

  it('matches plain, [host]:port, wildcard, negated and hashed patterns', () => {
    expect(lookupName('pi1', 22)).toBe('pi1');
    expect(lookupName('pi1', 2222)).toBe('[pi1]:2222');
    expect(hostMatches('pi1,10.0.0.5', 'pi1')).toBe(true);
    expect(hostMatches('PI1', 'pi1')).toBe(true);
    expect(hostMatches('[pi1]:2222', 'pi1')).toBe(false);
    expect(hostMatches('*.lan,!bad.lan', 'good.lan')).toBe(true);
    expect(hostMatches('*.lan,!bad.lan', 'bad.lan')).toBe(false);
    expect(hostMatches('10.0.0.?', '10.0.0.7')).toBe(true);
    expect(hostMatches(hashed('[10.0.0.5]:2222'), '[10.0.0.5]:2222')).toBe(true);
    expect(hostMatches(hashed('10.0.0.5'), '10.0.0.6')).toBe(false);
  });

  it('honours the user file, hashed entries included, and reports a changed key with the old fingerprint', () => {
    const d = dir();
    const user = join(d, 'user_known_hosts');
    writeFileSync(user, `# comment\n\ngarbage line\n${line(hashed('[10.0.0.5]:2222'), a)}\n`);
    const known = new KnownHosts({ appFile: join(d, 'app'), userFiles: [user] });
    expect(known.check('10.0.0.5', 2222, a)).toEqual({ status: 'match' });
    expect(known.check('10.0.0.5', 2222, b)).toEqual({
      status: 'mismatch',
      reason: 'changed',
      knownKeys: [{ keyType: 'ssh-ed25519', fingerprint: fingerprintOf(a) }],
      knownFingerprints: [fingerprintOf(a)],
      source: user,
    });
    expect(known.check('10.0.0.5', 22, a)).toEqual({ status: 'not-found' });
  });

  it('a host known by another key type is a mismatch naming the known type, not a first contact', () => {
    const d = dir();
    const app = join(d, 'app');
    const rsa = Buffer.from('\0\0\0\x07ssh-rsa\0\0\0\x03abc', 'latin1');
    writeFileSync(app, `pi1 ssh-rsa ${rsa.toString('base64')}\n`);
    const known = new KnownHosts({ appFile: app });
    expect(known.check('pi1', 22, a)).toEqual({
      status: 'mismatch',
      reason: 'type-changed',
      knownKeys: [{ keyType: 'ssh-rsa', fingerprint: fingerprintOf(rsa) }],
      knownFingerprints: [fingerprintOf(rsa)],
      source: app,
    });
    expect(known.knownTypes('pi1', 22)).toEqual(['ssh-rsa']);
  });

  it('treats a revoked key as a mismatch', () => {
    const d = dir();
    const app = join(d, 'app');
    writeFileSync(app, `@revoked * ${keyTypeOf(a)} ${a.toString('base64')}\n`);
    expect(new KnownHosts({ appFile: app }).check('any', 22, a)).toMatchObject({
      status: 'mismatch',
      reason: 'revoked',
    });
  });

  it('an @revoked line in the user file wins over the app’s own trust', () => {
    const d = dir();
    const user = join(d, 'user');
    const known = new KnownHosts({ appFile: join(d, 'app'), userFiles: [user] });
    known.trust('pi1', 22, a);
    expect(known.check('pi1', 22, a)).toEqual({ status: 'match' });
    writeFileSync(user, `@revoked pi1,10.0.0.5 ${keyTypeOf(a)} ${a.toString('base64')}\n`);
    expect(known.check('pi1', 22, a)).toMatchObject({ status: 'mismatch', reason: 'revoked', source: user });
  });

  it('matches hashed entries as OpenSSH does: the name lower-cased before hashing', () => {
    const d = dir();
    const user = join(d, 'user');
    writeFileSync(user, `${line(hashed('pi1.lan'), a)}\n${line(hashed('[10.0.0.5]:2222'), b)}\n`);
    const known = new KnownHosts({ appFile: join(d, 'app'), userFiles: [user] });
    expect(known.check('PI1.lan', 22, a)).toEqual({ status: 'match' });
    expect(known.check('10.0.0.5', 2222, b)).toEqual({ status: 'match' });
    expect(known.check('10.0.0.5', 2222, a)).toMatchObject({ status: 'mismatch', reason: 'changed' });
  });

  it('trusts into its own 0600 file; replace is needed to re-trust, and beats the user file', () => {
    const d = dir();
    const user = join(d, 'user');
    const app = join(d, 'sub', 'known_hosts');
    writeFileSync(user, `${line('pi1', a)}\n`);
    const known = new KnownHosts({ appFile: app, userFiles: [user] });
    known.trust('other', 22, a);
    expect(statSync(app).mode & 0o777).toBe(0o600);
    expect(known.check('pi1', 22, b).status).toBe('mismatch');
    known.trust('pi1', 22, b, { replace: true });
    expect(known.check('pi1', 22, b)).toEqual({ status: 'match' });
    expect(known.check('other', 22, a)).toEqual({ status: 'match' });
    // The user's own file is never written.
    expect(readFileSync(user, 'utf8')).toBe(`${line('pi1', a)}\n`);
    known.trust('pi1', 22, a, { replace: true });
    expect(readFileSync(app, 'utf8').match(/^pi1 /gm)).toHaveLength(1);
  });
});
