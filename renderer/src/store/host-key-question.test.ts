import { describe, expect, it } from 'vitest';
import { AppError } from '../../../shared/errors';
import { hostKeyQuestion } from './connect-slice';

const ED = { keyType: 'ssh-ed25519', fingerprint: `SHA256:${'e'.repeat(43)}` };
const RSA = `SHA256:${'r'.repeat(43)}`;

describe('the host-key question', () => {
  it('is a first contact only when nothing is on record', () => {
    const q = hostKeyQuestion(
      new AppError('HOST_KEY_UNKNOWN', 'new', {
        host: 'pi',
        port: 22,
        keyType: 'ssh-ed25519',
        fingerprint: RSA,
      }),
    );
    expect(q).toEqual({
      kind: 'unknown',
      keyType: 'ssh-ed25519',
      fingerprint: RSA,
      oldFingerprints: [],
      knownKeys: [],
    });
  });

  it('names a key type never seen for the host, with the known keys and their types', () => {
    const q = hostKeyQuestion(
      new AppError('HOST_KEY_MISMATCH', 'changed', {
        keyType: 'ssh-rsa',
        fingerprint: RSA,
        oldFingerprints: [ED.fingerprint],
        knownKeys: [ED],
        reason: 'type-changed',
        source: '/home/u/.ssh/known_hosts',
      }),
    );
    expect(q).toEqual({
      kind: 'type-changed',
      keyType: 'ssh-rsa',
      fingerprint: RSA,
      oldFingerprints: [ED.fingerprint],
      knownKeys: [ED],
      source: '/home/u/.ssh/known_hosts',
    });
  });

  it('never calls a host with a key on record a first contact, whatever the code says', () => {
    const q = hostKeyQuestion(
      new AppError('HOST_KEY_UNKNOWN', 'odd', { keyType: 'ssh-rsa', fingerprint: RSA, knownKeys: [ED] }),
    );
    expect(q?.kind).toBe('type-changed');
    const same = hostKeyQuestion(
      new AppError('HOST_KEY_MISMATCH', 'changed', {
        keyType: 'ssh-ed25519',
        fingerprint: RSA,
        knownKeys: [ED],
      }),
    );
    expect(same?.kind).toBe('changed');
  });

  it('keeps a revoked key revoked, and drops malformed known keys', () => {
    const q = hostKeyQuestion(
      new AppError('HOST_KEY_MISMATCH', 'revoked', {
        keyType: 'ssh-ed25519',
        fingerprint: ED.fingerprint,
        knownKeys: [{ keyType: 1 }, null, 'x'],
        reason: 'revoked',
        source: '/k',
      }),
    );
    expect(q).toMatchObject({ kind: 'revoked', knownKeys: [], source: '/k' });
    expect(hostKeyQuestion(new AppError('HOST_KEY_MISMATCH', 'no fingerprint'))).toBeNull();
  });
});
