import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { fakeSafeStorage } from '../../test-support/ssh/safe-storage';
import { safeStoragePersistence } from './safe-storage';

const dataDir = () => mkdtempSync(join(tmpdir(), 'k3sw-safe-'));

describe('safeStorage persistence', () => {
  it('writes credentials encrypted, owner-only, and reads them back', () => {
    const dir = dataDir();
    const persistence = safeStoragePersistence({ dataDir: dir, safeStorage: fakeSafeStorage() });
    persistence.save({ 'pi1:22': { user: 'pi', password: 'plain-pw-1' } });
    const file = join(dir, 'credentials.bin');
    expect(readFileSync(file).toString('latin1')).not.toContain('plain-pw-1');
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(persistence.load()).toEqual({ 'pi1:22': { user: 'pi', password: 'plain-pw-1' } });
  });

  it('starts empty when nothing was saved or it cannot be decrypted', () => {
    const dir = dataDir();
    const persistence = safeStoragePersistence({ dataDir: dir, safeStorage: fakeSafeStorage() });
    expect(persistence.load()).toEqual({});
    writeFileSync(join(dir, 'credentials.bin'), 'garbage');
    expect(persistence.load()).toEqual({});
  });

  it('is unavailable without OS encryption, and on Linux without a keyring', () => {
    const dir = dataDir();
    const none = fakeSafeStorage({ available: false });
    expect(safeStoragePersistence({ dataDir: dir, safeStorage: none }).available()).toBe(false);
    const basic = fakeSafeStorage({ backend: 'basic_text' });
    expect(safeStoragePersistence({ dataDir: dir, safeStorage: basic, platform: 'linux' }).available()).toBe(
      false,
    );
    const keyring = fakeSafeStorage({ backend: 'gnome_libsecret' });
    expect(
      safeStoragePersistence({ dataDir: dir, safeStorage: keyring, platform: 'linux' }).available(),
    ).toBe(true);
    expect(safeStoragePersistence({ dataDir: dir, safeStorage: basic, platform: 'darwin' }).available()).toBe(
      true,
    );
  });
});
