import { describe, expect, it } from 'vitest';
import { CredentialStore, type HostCredentials, type SecretPersistence } from './secrets';

function memoryPersistence(
  available = true,
): SecretPersistence & { saved: Record<string, HostCredentials>[] } {
  const saved: Record<string, HostCredentials>[] = [];
  return {
    saved,
    available: () => available,
    load: () => saved.at(-1) ?? {},
    save: (all) => saved.push(structuredClone(all)),
  };
}

describe('CredentialStore', () => {
  it('registers every secret for redaction as soon as it is set', () => {
    const secrets: string[] = [];
    const store = new CredentialStore({ onSecret: (s) => secrets.push(s) });
    store.set('Pi1', 22, { user: 'pi', password: 'pw-1', passphrase: 'pp-2', sudoPassword: 'sudo-3' });
    expect(secrets.sort()).toEqual(['pp-2', 'pw-1', 'sudo-3']);
    expect(store.get('pi1', 22)?.user).toBe('pi');
    expect(store.get('pi1', 2222)).toBeUndefined();
  });

  it('persists only what the user asked to remember, only when a keychain exists, and reloads it', () => {
    const persistence = memoryPersistence();
    const store = new CredentialStore({ onSecret: () => undefined, persistence });
    store.set('a', 22, { user: 'x', password: 'keep-me' }, { remember: true });
    store.set('b', 22, { user: 'y', password: 'not-me' });
    expect(persistence.saved.at(-1)).toEqual({ 'a:22': { user: 'x', password: 'keep-me' } });
    const secrets: string[] = [];
    const reloaded = new CredentialStore({ onSecret: (s) => secrets.push(s), persistence });
    expect(reloaded.get('a', 22)?.password).toBe('keep-me');
    expect(secrets).toEqual(['keep-me']);
    reloaded.forget('a', 22);
    expect(persistence.saved.at(-1)).toEqual({});
  });

  it('without a keychain (browser, command line) nothing is written', () => {
    const persistence = memoryPersistence(false);
    const store = new CredentialStore({ onSecret: () => undefined, persistence });
    store.set('a', 22, { user: 'x', password: 'p' }, { remember: true });
    expect(store.canRemember).toBe(false);
    expect(persistence.saved).toEqual([]);
  });
});
