/**
 * One connection per host, shared by every step. A dropped connection is noticed (ssh2's
 * close event, keepalive) and the next call reconnects; commands themselves are never retried
 * automatically, since they may not be safe to run twice.
 */
import { AppError } from '../../shared/errors';
import type { SshCredentials } from './auth';
import { describeTarget } from './errors';
import type { HostKeyOffer, HostKeyPolicy } from './host-key-policy';
import { SshSession, type SessionOptions, type SshTarget } from './session';
import { Sudo } from './sudo';

export interface PoolTarget extends SshTarget {
  /** Jump host (ProxyJump), connected first and reused. */
  jump?: SshTarget;
}

export interface PoolOptions {
  hostKeys: HostKeyPolicy;
  /** Login secrets for a host; throws or returns undefined when none were given. */
  credentialsFor: (target: SshTarget) => (SshCredentials & { sudoPassword?: string }) | undefined;
  sessionDefaults?: Pick<
    SessionOptions,
    'readyTimeoutMs' | 'keepaliveIntervalMs' | 'keepaliveCountMax' | 'commandTimeoutMs' | 'env'
  >;
}

export function targetKey(target: SshTarget): string {
  return `${target.user}@${target.host.toLowerCase()}:${target.port}`;
}

export class SessionPool {
  private readonly sessions = new Map<string, { session: SshSession; sudo: Sudo }>();

  constructor(private readonly options: PoolOptions) {}

  private entry(target: PoolTarget): { session: SshSession; sudo: Sudo } {
    const key = targetKey(target);
    const existing = this.sessions.get(key);
    if (existing) return existing;
    const credentials = this.options.credentialsFor(target);
    if (!credentials) {
      throw new AppError(
        'AUTH_FAILED',
        `No login was given for ${describeTarget(target)}: choose a key, the ssh-agent or a password.`,
        {
          host: target.host,
          port: target.port,
          reason: 'no-method',
        },
      );
    }
    const via = target.jump ? this.entry(target.jump).session : undefined;
    const session = new SshSession({
      ...this.options.sessionDefaults,
      target: { host: target.host, port: target.port, user: target.user },
      credentials,
      hostKeys: this.options.hostKeys,
      ...(via ? { via } : {}),
    });
    const created = {
      session,
      sudo: new Sudo(session, credentials.sudoPassword ? { password: credentials.sudoPassword } : {}),
    };
    this.sessions.set(key, created);
    return created;
  }

  /**
   * The host's session, connected (reconnecting if the last connection dropped). `trustNew`: a
   * key seen for the first time is trusted during the login (see SshSession.connect).
   */
  async session(
    target: PoolTarget,
    options: { trustNew?: (offer: HostKeyOffer) => void } = {},
  ): Promise<SshSession> {
    const { session } = this.entry(target);
    await session.connect(options);
    return session;
  }

  /** The host's root runner (sudo decorator over its session), connected. */
  async sudo(target: PoolTarget): Promise<Sudo> {
    const { session, sudo } = this.entry(target);
    await session.connect();
    return sudo;
  }

  /**
   * A new connection to the host, outside the pool, with the same login and host key checks:
   * to prove that a new login still works (after a firewall change) while the pooled one stays
   * open. The caller closes it.
   */
  async freshSession(target: SshTarget, options: { readyTimeoutMs?: number } = {}): Promise<SshSession> {
    const credentials = this.options.credentialsFor(target);
    if (!credentials) throw new AppError('AUTH_FAILED', `No login was given for ${describeTarget(target)}.`);
    const session = new SshSession({
      ...this.options.sessionDefaults,
      ...(options.readyTimeoutMs ? { readyTimeoutMs: options.readyTimeoutMs } : {}),
      target: { host: target.host, port: target.port, user: target.user },
      credentials,
      hostKeys: this.options.hostKeys,
    });
    try {
      await session.connect();
    } catch (error) {
      session.close();
      throw error;
    }
    return session;
  }

  /** Forgets a host's session (new credentials, or a re-trusted key): the next call starts afresh. */
  drop(target: SshTarget): void {
    const key = targetKey(target);
    this.sessions.get(key)?.session.close();
    this.sessions.delete(key);
  }

  /** Drops every session to this host:port whatever the user (after a host key change). */
  dropHost(host: string, port: number): void {
    for (const [key, { session }] of this.sessions) {
      if (session.target.host.toLowerCase() === host.toLowerCase() && session.target.port === port) {
        session.close();
        this.sessions.delete(key);
      }
    }
  }

  closeAll(): void {
    for (const { session } of this.sessions.values()) session.close();
    this.sessions.clear();
  }
}
