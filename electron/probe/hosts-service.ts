/**
 * The back end's one hosts service: credentials (in memory, optionally remembered), the
 * host-key policy, one SSH session per host, probing (with the last facts of each host kept)
 * and connectivity tests; the back end plans with these facts, never with a copy a UI sends. Every front uses it: the contract handlers (desktop and browser),
 * the command line (`openCluster`) and the lab tests, so all of them behave the same.
 */
import { homedir } from 'node:os';
import { join } from 'node:path';
import type { HostFacts } from '../../shared/facts';
import type { ClusterSpec, FactsByNode } from '../../shared/spec';
import type { ConnectivityResult, ConnectivityShape } from '../../shared/checks/connectivity';
import type { Logger } from '../backend/logger';
import { connectAll } from '../engine/connect';
import { HostKeyPolicy, type HostKeyOffer } from '../ssh/host-key-policy';
import { KnownHosts } from '../ssh/known-hosts';
import { SessionPool, targetKey, type PoolTarget } from '../ssh/pool';
import { CredentialStore, type HostCredentials, type SecretPersistence } from '../ssh/secrets';
import type { SessionOptions } from '../ssh/session';
import { readSshConfig, type ImportedHost } from '../ssh/ssh-config';
import { testConnectivity, type TestNode } from './connectivity';
import { probeHost } from './probe';

export interface HostsServiceOptions {
  dataDir: string;
  logger: Logger;
  persistence?: SecretPersistence;
  /** Read-only known_hosts files to honour (default ~/.ssh/known_hosts of `home`). */
  userKnownHostsFiles?: string[];
  /** The user's home folder (default the OS's). */
  home?: string;
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

const MAX_FACTS = 1000;

export class HostsService {
  readonly hostKeys: HostKeyPolicy;
  readonly credentials: CredentialStore;
  readonly pool: SessionPool;
  /** The last facts of each login, from its last probe (a failed probe forgets them). */
  private readonly facts = new Map<string, HostFacts>();

  constructor(private readonly options: HostsServiceOptions) {
    const knownHosts = new KnownHosts({
      appFile: join(options.dataDir, 'known_hosts'),
      userFiles: options.userKnownHostsFiles ?? [join(options.home ?? homedir(), '.ssh', 'known_hosts')],
    });
    this.hostKeys = new HostKeyPolicy({
      knownHosts,
      // Keyed by host, port and fingerprint: the UI trusts what it was shown, never a raw key.
      onOffer: (offer) =>
        options.logger.info(
          'ssh',
          `${offer.host}:${offer.port} offered ${offer.keyType} key ${offer.fingerprint}`,
        ),
    });
    this.credentials = new CredentialStore({
      onSecret: (value) => options.logger.addSecret(value),
      ...(options.persistence ? { persistence: options.persistence } : {}),
    });
    this.pool = new SessionPool({
      hostKeys: this.hostKeys,
      credentialsFor: (target) => {
        const found = this.credentials.get(target.host, target.port);
        return found && found.user === target.user ? found : undefined;
      },
      ...(options.sessionDefaults ? { sessionDefaults: options.sessionDefaults } : {}),
    });
  }

  get knownHosts(): KnownHosts {
    return this.hostKeys.knownHosts;
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
    const trusted = this.hostKeys.trust(input);
    this.pool.dropHost(input.host, input.port);
    this.options.logger.info(
      'ssh',
      `trusted ${trusted.keyType} key ${trusted.fingerprint} for ${input.host}:${input.port}${input.replace ? ' (replacing the old one)' : ''}`,
    );
    return trusted;
  }

  /**
   * Logs in to every target once (the command line's first step), trusting hosts seen for the
   * first time when `acceptNew` (never a changed key).
   */
  async connectAll(options: {
    targets: { name: string; target: PoolTarget }[];
    acceptNew: boolean;
    onTrusted?: (name: string, offer: HostKeyOffer) => void;
    /**
     * Read each target's facts as soon as its own login is done, beside the logins still going
     * on (reading changes nothing): by name, in what it resolves to, still being read.
     */
    probe?: boolean;
  }): Promise<Map<string, Promise<HostFacts>>> {
    const facts = new Map<string, Promise<HostFacts>>();
    const { probe, ...rest } = options;
    const onLoggedIn = (name: string, target: PoolTarget) => {
      // A run or a command follows: the first root script there takes the probe's root shell.
      const read = this.probe(target, undefined, { keepShell: true });
      // Awaited by whoever reads it; a login that failed elsewhere leaves it unread.
      read.catch(() => undefined);
      facts.set(name, read);
    };
    await connectAll({ ...rest, pool: this.pool, hostKeys: this.hostKeys, ...(probe ? { onLoggedIn } : {}) });
    return facts;
  }

  /** The facts of the last probe of each node in this session, by node name (unprobed ones left out). */
  factsByNode(
    nodes: readonly { nodeName: string; address: string; port: number; user: string }[],
  ): Record<string, HostFacts> {
    const out: Record<string, HostFacts> = {};
    for (const n of nodes) {
      const facts = this.facts.get(targetKey({ host: n.address, port: n.port, user: n.user }));
      if (facts) out[n.nodeName] = facts;
    }
    return out;
  }

  private target(ref: HostRef): PoolTarget {
    return { host: ref.host, port: ref.port, user: ref.user, ...(ref.jump ? { jump: ref.jump } : {}) };
  }

  /** `keepShell`: see ProbeOptions.keepShell (what `connectAll` asks, a run being about to start). */
  async probe(ref: HostRef, signal?: AbortSignal, options: { keepShell?: boolean } = {}): Promise<HostFacts> {
    const sudoPassword = this.credentials.get(ref.host, ref.port)?.sudoPassword;
    const started = Date.now();
    const key = targetKey(ref);
    let facts: HostFacts;
    try {
      facts = await probeHost({
        pool: this.pool,
        target: this.target(ref),
        ...(sudoPassword ? { sudoPassword } : {}),
        ...(signal ? { signal } : {}),
        ...(options.keepShell ? { keepShell: true } : {}),
      });
    } catch (error) {
      this.facts.delete(key);
      throw error;
    }
    this.facts.delete(key);
    this.facts.set(key, facts);
    // The probe climbed the sudo ladder on this session: the run's sudo need not ask again.
    if (facts.sudo) (await this.pool.sudo(this.target(ref))).learn(facts.sudo);
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
      const key = targetKey({ host: host.address, port: host.port, user: host.user });
      if (saved && !this.facts.has(key)) this.facts.set(key, saved);
    }
    while (this.facts.size > MAX_FACTS) this.facts.delete(this.facts.keys().next().value ?? '');
  }

  /** The probed facts of a spec's nodes, by node name (a node not probed yet has none). */
  factsFor(spec: ClusterSpec): FactsByNode {
    return this.factsByNode(spec.nodes);
  }

  async connectivity(
    input: {
      nodes: (HostRef & { id: string; role: 'server' | 'agent'; address: string; apiPort?: number })[];
      signal?: AbortSignal;
    } & ConnectivityShape,
  ): Promise<ConnectivityResult[]> {
    const nodes: TestNode[] = input.nodes.map((n) => ({
      id: n.id,
      role: n.role,
      address: n.address,
      ...(n.apiPort !== undefined ? { apiPort: n.apiPort } : {}),
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
