/**
 * Remembered credentials encrypted with the OS keychain (Electron safeStorage). Imported only
 * by electron/main.ts: plain Node code (the browser and command-line fronts) never loads it.
 */
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { safeStorage } from 'electron';
import type { HostCredentials, SecretPersistence } from './secrets';

export function safeStoragePersistence(dataDir: string): SecretPersistence {
  const file = join(dataDir, 'credentials.bin');
  return {
    available: () => safeStorage.isEncryptionAvailable(),
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
