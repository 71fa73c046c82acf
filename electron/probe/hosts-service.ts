/**
 * The back end's hosts: credentials (in memory, optionally remembered), trusted host keys,
 * one SSH session per host, probing and connectivity tests, and the facts each probe found
 * (the back end plans with these, never with a copy a UI sends). Shared by the contract
 * handlers and the command line, so both behave the same.
 */
import { homedir } from 'node:os';
import { join } from 'node:path';
import { AppError } from '../../shared/errors';
import type { HostFacts } from '../../shared/facts';
import type { ClusterSpec, FactsByNode } from '../../shared/spec';
import type { ConnectivityResult, ConnectivityShape } from '../../shared/checks/connectivity';
import type { Logger } from '../backend/logger';
import { fingerprintOf, keyTypeOf, KnownHosts } from '../ssh/known-hosts';
import { SessionPool, type PoolTarget } from '../ssh/pool';
import { CredentialStore, type HostCredentials, type SecretPersistence } from '../ssh/secrets';
import type { HostKeyOffer, SessionOptions } from '../ssh/session';
import { readSshConfig, type ImportedHost } from '../ssh/ssh-config';
import { testConnectivity, type TestNode } from './connectivity';
import { probeHost } from './probe';

export interface HostsServiceOptions {
  dataDir: string;
  logger: Logger;
  persistence?: SecretPersistence;
  /** Read-only known_hosts files to honour (default ~/.ssh/known_hosts). */
  userKnownHostsFiles?: string[];
  sessionDefaults?: Pick<
    SessionOptions,
    'readyTimeoutMs' | 'keepaliveIntervalMs' | 'keepaliveCountMax' | 'commandTimeoutMs' | 'env'
  >;
}

export interface HostRef {
  host: string;
  port: number;
  user: string;
  /** ProxyJump host, with its own credentials set beforehand. */
  jump?: { host: string; port: number; user: string };
}

const MAX_OFFERS = 200;
const MAX_FACTS = 1000;

/** Facts are of a login: the same machine may give another user other rights (sudo). */
const loginKey = (host: string, port: number, user: string): string =>
  `${user}@${host.toLowerCase()}:${port}`;

export class HostsService {
  readonly knownHosts: KnownHosts;
  readonly credentials: CredentialStore;
  readonly pool: SessionPool;
  private readonly offers = new Map<string, HostKeyOffer>();
  /** The last facts of each login, from its last probe (a failed probe forgets them). */
  private readonly facts = new Map<string, HostFacts>();

  constructor(private readonly options: HostsServiceOptions) {
    this.knownHosts = new KnownHosts({
      appFile: join(options.dataDir, 'known_hosts'),
      userFiles: options.userKnownHostsFiles ?? [join(homedir(), '.ssh', 'known_hosts')],
    });
    this.credentials = new CredentialStore({
      onSecret: (value) => options.logger.addSecret(value),
      ...(options.persistence ? { persistence: options.persistence } : {}),
    });
    this.pool = new SessionPool({
      knownHosts: this.knownHosts,
      credentialsFor: (target) => {
        const found = this.credentials.get(target.host, target.port);
        return found && found.user === target.user ? found : undefined;
      },
      onHostKeyOffer: (offer) => this.rememberOffer(offer),
      ...(options.sessionDefaults ? { sessionDefaults: options.sessionDefaults } : {}),
    });
  }

  private rememberOffer(offer: HostKeyOffer): void {
    // Keyed by host, port and fingerprint: the UI trusts what it was shown, never a raw key.
    this.offers.set(`${offer.host.toLowerCase()}:${offer.port}:${offer.fingerprint}`, offer);
    while (this.offers.size > MAX_OFFERS) this.offers.delete(this.offers.keys().next().value ?? '');
    this.options.logger.info(
      'ssh',
      `${offer.host}:${offer.port} offered ${offer.keyType} key ${offer.fingerprint}`,
    );
  }

  setCredentials(
    host: string,
    port: number,
    credentials: HostCredentials,
    options: { remember?: boolean } = {},
  ): { remembered: boolean } {
    this.credentials.set(host, port, credentials, options);
    // New credentials: the next call logs in afresh with them.
    this.pool.dropHost(host, port);
    return { remembered: Boolean(options.remember && this.credentials.canRemember) };
  }

  /** Trusts a key a host offered earlier; `replace` is the explicit re-trust after a change. */
  trustHostKey(input: { host: string; port: number; fingerprint: string; replace?: boolean }): {
    keyType: string;
    fingerprint: string;
  } {
    const offer = this.offers.get(`${input.host.toLowerCase()}:${input.port}:${input.fingerprint}`);
    if (!offer) {
      throw new AppError(
        'NOT_FOUND',
        `${input.host}:${input.port} has not offered the key ${input.fingerprint} in this session: connect to it again first.`,
        { host: input.host, port: input.port, fingerprint: input.fingerprint },
      );
    }
    const check = this.knownHosts.check(offer.host, offer.port, offer.key);
    if (check.status === 'mismatch' && !input.replace) {
      throw new AppError(
        'HOST_KEY_MISMATCH',
        `${input.host}:${input.port} already has a different trusted key (${check.knownFingerprints.join(', ')}): replacing it must be asked for explicitly.`,
        {
          host: input.host,
          port: input.port,
          oldFingerprints: check.knownFingerprints,
          fingerprint: input.fingerprint,
        },
      );
    }
    this.knownHosts.trust(offer.host, offer.port, offer.key, { replace: Boolean(input.replace) });
    this.pool.dropHost(offer.host, offer.port);
    this.options.logger.info(
      'ssh',
      `trusted ${offer.keyType} key ${offer.fingerprint} for ${offer.host}:${offer.port}${input.replace ? ' (replacing the old one)' : ''}`,
    );
    return { keyType: keyTypeOf(offer.key), fingerprint: fingerprintOf(offer.key) };
  }

  private target(ref: HostRef): PoolTarget {
    return { host: ref.host, port: ref.port, user: ref.user, ...(ref.jump ? { jump: ref.jump } : {}) };
  }

  async probe(ref: HostRef, signal?: AbortSignal): Promise<HostFacts> {
    const sudoPassword = this.credentials.get(ref.host, ref.port)?.sudoPassword;
    const started = Date.now();
    const key = loginKey(ref.host, ref.port, ref.user);
    let facts: HostFacts;
    try {
      facts = await probeHost({
        pool: this.pool,
        target: this.target(ref),
        ...(sudoPassword ? { sudoPassword } : {}),
        ...(signal ? { signal } : {}),
      });
    } catch (error) {
      this.facts.delete(key);
      throw error;
    }
    this.facts.delete(key);
    this.facts.set(key, facts);
    while (this.facts.size > MAX_FACTS) this.facts.delete(this.facts.keys().next().value ?? '');
    this.options.logger.info(
      'probe',
      `${ref.host}: facts in ${Date.now() - started} ms (${facts.hostname ?? '?'}, ${facts.kernelArch ?? '?'}, sudo ${facts.sudo ?? '?'})`,
    );
    return facts;
  }

  /**
   * Facts saved with a cluster (by host id), for the logins not probed since this back end
   * started: what a reopened cluster planned with before. A live probe always wins.
   */
  adoptSaved(
    hosts: readonly { id: string; address: string; port: number; user: string }[],
    facts: Readonly<Record<string, HostFacts>>,
  ): void {
    for (const host of hosts) {
      const saved = facts[host.id];
      const key = loginKey(host.address, host.port, host.user);
      if (saved && !this.facts.has(key)) this.facts.set(key, saved);
    }
    while (this.facts.size > MAX_FACTS) this.facts.delete(this.facts.keys().next().value ?? '');
  }

  /** The probed facts of a spec's nodes, by node name (a node not probed yet has none). */
  factsFor(spec: ClusterSpec): FactsByNode {
    const out: Record<string, HostFacts> = {};
    for (const node of spec.nodes) {
      const found = this.facts.get(loginKey(node.address, node.port, node.user));
      if (found) out[node.nodeName] = found;
    }
    return out;
  }

  async connectivity(
    input: {
      nodes: (HostRef & { id: string; role: 'server' | 'agent'; address: string })[];
      signal?: AbortSignal;
    } & ConnectivityShape,
  ): Promise<ConnectivityResult[]> {
    const nodes: TestNode[] = input.nodes.map((n) => ({
      id: n.id,
      role: n.role,
      address: n.address,
      target: this.target(n),
    }));
    const results = await testConnectivity({ ...input, pool: this.pool, nodes });
    const blocked = results.filter((r) => r.status === 'blocked').length;
    this.options.logger.info('probe', `connectivity: ${results.length} paths tested, ${blocked} blocked`);
    return results;
  }

  importSshConfig(path?: string): ImportedHost[] {
    return readSshConfig(path);
  }

  close(): void {
    this.pool.closeAll();
  }
}
