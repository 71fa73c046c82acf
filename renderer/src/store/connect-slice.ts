import type { StateCreator } from 'zustand';
import type { InvokeOutput } from '../../../shared/contract';
import { AppError, type ErrorCode } from '../../../shared/errors';
import type { AppBridge } from '../bridge';
import { errorText } from '../lib/errors';
import type { HostEntry } from './hosts-slice';
import type { Store } from '.';

/** What the user typed that must never be kept in the store: sent to the back end at once. */
export interface HostSecrets {
  password?: string;
  passphrase?: string;
  sudoPassword?: string;
  /** Keep them for next time: desktop only, encrypted with the system keychain. */
  remember?: boolean;
}

export interface KnownHostKey {
  keyType: string;
  fingerprint: string;
}

export interface HostKeyQuestion {
  /**
   * `unknown`: nothing on record (first contact); `changed`: another key of a known type;
   * `type-changed`: a key type never seen for it (known by ed25519, offers only RSA, say);
   * `revoked`: an `@revoked` line names the key (never trusted).
   */
  kind: 'unknown' | 'changed' | 'type-changed' | 'revoked';
  /** The offered key. */
  keyType: string;
  fingerprint: string;
  oldFingerprints: string[];
  /** The keys on record for the host, with their types. */
  knownKeys: KnownHostKey[];
  /** The known_hosts file that says so (a mismatch). */
  source?: string;
}

export type HostConnection =
  | { state: 'idle' }
  | { state: 'testing' }
  | { state: 'ok'; summary: string }
  | {
      state: 'error';
      code: ErrorCode;
      message: string;
      /** The back end's `details.reason`, e.g. `no-method`. */ reason?: string;
    }
  | { state: 'needs-trust'; question: HostKeyQuestion };

export interface ConnectSlice {
  connections: Record<string, HostConnection>;
  /** Hands the login secrets to the back end (kept there in memory only). */
  sendCredentials: (host: HostEntry, secrets: HostSecrets) => Promise<string | null>;
  /** Connects and probes the host; its facts feed the checks, firewall and plan. */
  testHost: (id: string) => Promise<void>;
  trustHostKey: (id: string) => Promise<void>;
  dismissHostKey: (id: string) => void;
  /** A native file or folder picker (desktop only); null when cancelled. */
  pickPath: (kind: 'file' | 'folder', title: string) => Promise<string | null>;
  /** What an air-gap folder on this computer holds. */
  scanAirgap: (folder: string) => Promise<{ inventory: InvokeOutput<'airgap:scan'> } | { error: string }>;
  /** The hosts of ~/.ssh/config (on the computer running the back end). */
  importSshConfig: () => Promise<InvokeOutput<'hosts:importSshConfig'>>;
}

const target = (host: HostEntry) => ({ host: host.address, port: host.port, user: host.user });

function knownKeysOf(value: unknown): KnownHostKey[] {
  if (!Array.isArray(value)) return [];
  return value.flatMap((k: unknown) => {
    const { keyType, fingerprint } = (k ?? {}) as Record<string, unknown>;
    return typeof keyType === 'string' && typeof fingerprint === 'string' ? [{ keyType, fingerprint }] : [];
  });
}

/** What to ask the user about a host-key refusal (null: not one the user can answer). */
export function hostKeyQuestion(error: AppError): HostKeyQuestion | null {
  const d = error.details ?? {};
  if (typeof d.fingerprint !== 'string') return null;
  const oldFingerprints = Array.isArray(d.oldFingerprints)
    ? d.oldFingerprints.filter((f): f is string => typeof f === 'string')
    : [];
  const knownKeys = knownKeysOf(d.knownKeys);
  const keyType = typeof d.keyType === 'string' ? d.keyType : 'ssh';
  // Any key on record makes it a mismatch, never a first contact.
  const mismatch = error.code === 'HOST_KEY_MISMATCH' || knownKeys.length > 0 || oldFingerprints.length > 0;
  const kind: HostKeyQuestion['kind'] = !mismatch
    ? 'unknown'
    : d.reason === 'revoked'
      ? 'revoked'
      : d.reason === 'type-changed' || (knownKeys.length > 0 && knownKeys.every((k) => k.keyType !== keyType))
        ? 'type-changed'
        : 'changed';
  return {
    kind,
    keyType,
    fingerprint: d.fingerprint,
    oldFingerprints,
    knownKeys,
    ...(typeof d.source === 'string' ? { source: d.source } : {}),
  };
}

/**
 * The host whose key question is on screen: the one shown already while it still waits for an
 * answer (a question that arrives meanwhile, of a machine higher in the list, never takes its
 * place under the user's eyes and cursor), else the first that waits, in the list's order.
 */
export function askingFirst<T extends { id: string }>(
  hosts: readonly T[],
  connections: Readonly<Record<string, HostConnection | undefined>>,
  shown: string | null,
): { host: T; question: HostKeyQuestion } | null {
  const waiting = hosts.flatMap((host) => {
    const connection = connections[host.id];
    return connection?.state === 'needs-trust' ? [{ host, question: connection.question }] : [];
  });
  return waiting.find((w) => w.host.id === shown) ?? waiting[0] ?? null;
}

export const createConnectSlice =
  (bridge: AppBridge): StateCreator<Store, [], [], ConnectSlice> =>
  (set, get) => {
    const setConnection = (id: string, connection: HostConnection) =>
      set((state) => ({ connections: { ...state.connections, [id]: connection } }));
    return {
      connections: {},
      async sendCredentials(host, secrets) {
        try {
          await bridge.invoke('hosts:setCredentials', {
            ...target(host),
            ...(host.auth === 'agent' ? { useAgent: true } : {}),
            ...(host.auth === 'key' ? { identityFile: host.keyPath } : {}),
            ...(secrets.password ? { password: secrets.password } : {}),
            ...(secrets.passphrase ? { passphrase: secrets.passphrase } : {}),
            ...(secrets.sudoPassword ? { sudoPassword: secrets.sudoPassword } : {}),
            ...(secrets.remember ? { remember: true } : {}),
          });
          if (secrets.sudoPassword) {
            set((state) => ({
              hosts: state.hosts.map((h) => (h.id === host.id ? { ...h, sudoPasswordGiven: true } : h)),
            }));
          }
          return null;
        } catch (error) {
          return errorText(error);
        }
      },
      async testHost(id) {
        const host = get().hosts.find((h) => h.id === id);
        if (!host) return;
        setConnection(id, { state: 'testing' });
        try {
          const { facts } = await bridge.invoke('hosts:probe', target(host));
          get().setFacts(host.id, facts);
          const arch = facts.userlandArch ?? facts.kernelArch ?? 'unknown arch';
          const os = facts.os.prettyName ?? facts.os.id ?? 'Linux';
          setConnection(id, { state: 'ok', summary: `${facts.hostname ?? host.address} · ${os} · ${arch}` });
        } catch (error) {
          const appError = error instanceof AppError ? error : new AppError('INTERNAL', String(error));
          const ask =
            appError.code === 'HOST_KEY_UNKNOWN' || appError.code === 'HOST_KEY_MISMATCH'
              ? hostKeyQuestion(appError)
              : null;
          setConnection(
            id,
            ask
              ? { state: 'needs-trust', question: ask }
              : {
                  state: 'error',
                  code: appError.code,
                  message: appError.message,
                  ...(typeof appError.details?.reason === 'string'
                    ? { reason: appError.details.reason }
                    : {}),
                },
          );
        }
      },
      async trustHostKey(id) {
        const host = get().hosts.find((h) => h.id === id);
        const connection = get().connections[id];
        if (!host || connection?.state !== 'needs-trust') return;
        try {
          await bridge.invoke('hosts:trustHostKey', {
            host: host.address,
            port: host.port,
            fingerprint: connection.question.fingerprint,
            replace: connection.question.kind !== 'unknown',
          });
        } catch (error) {
          const appError = error instanceof AppError ? error : new AppError('INTERNAL', String(error));
          setConnection(id, { state: 'error', code: appError.code, message: appError.message });
          return;
        }
        await get().testHost(id);
      },
      async pickPath(kind, title) {
        const { path } = await bridge.invoke(kind === 'file' ? 'dialog:openFile' : 'dialog:openFolder', {
          title,
        });
        return path;
      },
      async scanAirgap(folder) {
        try {
          return { inventory: await bridge.invoke('airgap:scan', { folder }) };
        } catch (error) {
          return { error: errorText(error) };
        }
      },
      importSshConfig() {
        return bridge.invoke('hosts:importSshConfig', {});
      },
      dismissHostKey(id) {
        const connection = get().connections[id];
        const asked = connection?.state === 'needs-trust' ? connection.question : null;
        setConnection(
          id,
          asked?.kind === 'revoked'
            ? {
                state: 'error',
                code: 'HOST_KEY_MISMATCH',
                message: `Not trusted: the key it offers is marked @revoked${asked.source ? ` in ${asked.source}` : ''}.`,
              }
            : {
                state: 'error',
                code: asked && asked.kind !== 'unknown' ? 'HOST_KEY_MISMATCH' : 'HOST_KEY_UNKNOWN',
                message: 'Not trusted: k3s-wizard will not connect to this machine until you trust its key.',
              },
        );
      },
    };
  };
