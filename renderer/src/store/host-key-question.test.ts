import { describe, expect, it } from 'vitest';
import { AppError } from '../../../shared/errors';
import { askingFirst, hostKeyQuestion } from './connect-slice';

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

describe('the host-key question on screen', () => {
  const hosts = [{ id: 'pi1' }, { id: 'pi2' }, { id: 'pi3' }];
  const asks = (fingerprint: string) => ({
    state: 'needs-trust' as const,
    question: {
      kind: 'unknown' as const,
      keyType: 'ssh-ed25519',
      fingerprint,
      oldFingerprints: [],
      knownKeys: [],
    },
  });

  it('stays until answered, even when a machine higher in the list asks meanwhile', () => {
    // pi2's key arrived first: its question is shown.
    const first = askingFirst(hosts, { pi2: asks('SHA256:two') }, null);
    expect(first?.host.id).toBe('pi2');
    // pi1's arrives while the user reads pi2's fingerprint: pi2's stays.
    const both = { pi1: asks('SHA256:one'), pi2: asks('SHA256:two') };
    expect(askingFirst(hosts, both, 'pi2')).toMatchObject({
      host: { id: 'pi2' },
      question: { fingerprint: 'SHA256:two' },
    });
    // Answered: the next one waiting, in the list's order.
    expect(askingFirst(hosts, { ...both, pi2: { state: 'testing' } }, 'pi2')?.host.id).toBe('pi1');
    expect(askingFirst(hosts, {}, 'pi1')).toBeNull();
  });
});
