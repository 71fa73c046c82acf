/**
 * Login secrets, held by the back end in memory and referred to by host. Every value is
 * registered for redaction the moment it arrives. Persisting them is optional and injected:
 * only the desktop front provides a store (Electron safeStorage, the OS keychain); the browser
 * and command-line fronts never write a secret to disk.
 */
import type { SshCredentials } from './auth';
import { secretsOf } from './auth';

export interface HostCredentials extends SshCredentials {
  user: string;
  sudoPassword?: string;
}

/** Where remembered credentials live between runs (encrypted by the implementation). */
export interface SecretPersistence {
  /** False when the OS offers no keychain: the UI then cannot offer "remember". */
  available(): boolean;
  load(): Record<string, HostCredentials>;
  save(all: Record<string, HostCredentials>): void;
}

export function credentialKey(host: string, port: number): string {
  return `${host.toLowerCase()}:${port}`;
}

export class CredentialStore {
  private readonly memory = new Map<string, HostCredentials>();
  private readonly remembered = new Set<string>();

  constructor(
    private readonly options: {
      /** Called with every secret value, e.g. `logger.addSecret`. */
      onSecret: (value: string) => void;
      persistence?: SecretPersistence;
    },
  ) {
    const saved = options.persistence?.available() ? options.persistence.load() : {};
    for (const [key, credentials] of Object.entries(saved)) {
      this.register(credentials);
      this.memory.set(key, credentials);
      this.remembered.add(key);
    }
  }

  get canRemember(): boolean {
    return this.options.persistence?.available() ?? false;
  }

  private register(credentials: HostCredentials): void {
    for (const value of [...secretsOf(credentials), credentials.sudoPassword]) {
      if (value) this.options.onSecret(value);
    }
  }

  set(host: string, port: number, credentials: HostCredentials, options: { remember?: boolean } = {}): void {
    const key = credentialKey(host, port);
    this.register(credentials);
    this.memory.set(key, credentials);
    if (options.remember && this.canRemember) this.remembered.add(key);
    else this.remembered.delete(key);
    this.persist();
  }

  get(host: string, port: number): HostCredentials | undefined {
    return this.memory.get(credentialKey(host, port));
  }

  forget(host: string, port: number): void {
    const key = credentialKey(host, port);
    this.memory.delete(key);
    if (this.remembered.delete(key)) this.persist();
  }

  private persist(): void {
    const persistence = this.options.persistence;
    if (!persistence?.available()) return;
    const all: Record<string, HostCredentials> = {};
    for (const key of this.remembered) {
      const value = this.memory.get(key);
      if (value) all[key] = value;
    }
    persistence.save(all);
  }
}
