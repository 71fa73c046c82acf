/**
 * Remembered credentials encrypted with the OS keychain (Electron's safeStorage). The
 * safeStorage object is injected: main.ts passes Electron's, tests a fake; the browser and
 * command-line fronts never create this.
 */
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { HostCredentials, SecretPersistence } from './secrets';

/** The part of Electron's `safeStorage` used here. */
export interface SafeStorageLike {
  isEncryptionAvailable(): boolean;
  encryptString(plainText: string): Buffer;
  decryptString(encrypted: Buffer): string;
  /** Linux only; 'basic_text' means no keyring: a fixed key, i.e. no real protection. */
  getSelectedStorageBackend?(): string;
}

export function safeStoragePersistence({
  dataDir,
  safeStorage,
  platform = process.platform,
}: {
  dataDir: string;
  safeStorage: SafeStorageLike;
  platform?: NodeJS.Platform;
}): SecretPersistence {
  const file = join(dataDir, 'credentials.bin');
  return {
    // Without a real keyring "remember" would write passwords readable by anyone with the file.
    available: () =>
      safeStorage.isEncryptionAvailable() &&
      !(platform === 'linux' && safeStorage.getSelectedStorageBackend?.() === 'basic_text'),
    load() {
      try {
        return JSON.parse(safeStorage.decryptString(readFileSync(file))) as Record<string, HostCredentials>;
      } catch {
        return {}; // nothing saved yet, or saved under another OS account: start empty
      }
    },
    save(all) {
      const tmp = `${file}.tmp`;
      writeFileSync(tmp, safeStorage.encryptString(JSON.stringify(all)), { mode: 0o600 });
      renameSync(tmp, file);
    },
  };
}
