/** A stand-in for Electron's safeStorage: reversible, but the plain text never shows in the bytes. */
import type { SafeStorageLike } from '../../electron/ssh/safe-storage';

const MAGIC = 'fake-enc:';

export function fakeSafeStorage(options: { available?: boolean; backend?: string } = {}): SafeStorageLike {
  const flip = (bytes: Buffer) => Buffer.from(bytes.map((byte) => byte ^ 0x5a));
  return {
    isEncryptionAvailable: () => options.available ?? true,
    encryptString: (plain) => Buffer.concat([Buffer.from(MAGIC), flip(Buffer.from(plain, 'utf8'))]),
    decryptString: (encrypted) => {
      if (!encrypted.subarray(0, MAGIC.length).equals(Buffer.from(MAGIC))) throw new Error('not ours');
      return flip(encrypted.subarray(MAGIC.length)).toString('utf8');
    },
    ...(options.backend ? { getSelectedStorageBackend: () => options.backend ?? 'unknown' } : {}),
  };
}
