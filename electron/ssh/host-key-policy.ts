/**
 * The one host-key policy of the app, for every front and the command line: what a host's key
 * is checked against (KnownHosts), what a refusal says, which offered keys may be trusted
 * afterwards (only one the host really offered, by fingerprint), and trust on first use
 * (`--accept-new`, like ssh's StrictHostKeyChecking=accept-new): only a host with no key on
 * record at all. A changed key, a new key type or a revoked key is never accepted that way;
 * replacing a known key is always asked for explicitly.
 */
import { AppError } from '../../shared/errors';
import { describeTarget, type SshTarget } from './errors';
import { fingerprintOf, keyTypeOf, type KnownHosts } from './known-hosts';

export interface HostKeyOffer {
  host: string;
  port: number;
  keyType: string;
  fingerprint: string;
  key: Buffer;
}

export interface HostKeyPolicyOptions {
  knownHosts: KnownHosts;
  /** Told about every key a host offers that is not trusted (for the log). */
  onOffer?: (offer: HostKeyOffer) => void;
  /** How many untrusted offers are remembered (oldest forgotten first). */
  maxOffers?: number;
}

const offerKey = (host: string, port: number, fingerprint: string): string =>
  `${host.toLowerCase()}:${port}:${fingerprint}`;

export class HostKeyPolicy {
  readonly knownHosts: KnownHosts;
  private readonly offers = new Map<string, HostKeyOffer>();
  private readonly maxOffers: number;

  constructor(private readonly options: HostKeyPolicyOptions) {
    this.knownHosts = options.knownHosts;
    this.maxOffers = options.maxOffers ?? 200;
  }

  /** Key types on record for a host, so the client asks for them first (as OpenSSH does). */
  preferredTypes(host: string, port: number): string[] {
    return this.knownHosts.knownTypes(host, port);
  }

  /** null when the key is trusted, else the error that stops the connection (the offer is remembered). */
  verify(target: SshTarget, key: Buffer): AppError | null {
    const { host, port } = target;
    const check = this.knownHosts.check(host, port, key);
    if (check.status === 'match') return null;
    const offer = { host, port, keyType: keyTypeOf(key), fingerprint: fingerprintOf(key), key };
    this.remember(offer);
    const where = describeTarget(target);
    if (check.status === 'mismatch') {
      const known = check.knownKeys.map((k) => `${k.keyType} ${k.fingerprint}`).join(', ');
      const offered = `${offer.keyType} ${offer.fingerprint}`;
      const message =
        check.reason === 'revoked'
          ? `The host key of ${where} (${offered}) is marked @revoked in ${check.source}: it is not trusted.`
          : check.reason === 'type-changed'
            ? `The host key of ${where} has changed: it was known by ${known} and now offers only ${offered}. ` +
              'A machine that suddenly shows another kind of key is what someone in the way looks like; trust it only if you re-installed the machine.'
            : `The host key of ${where} has changed: it was ${known}, it is now ${offered}. ` +
              'If the machine was re-installed (a re-flashed Pi), trust the new key; otherwise someone may be in the way.';
      return new AppError('HOST_KEY_MISMATCH', message, {
        host,
        port,
        keyType: offer.keyType,
        fingerprint: offer.fingerprint,
        oldFingerprints: check.knownFingerprints,
        knownKeys: check.knownKeys.map((k) => ({ ...k })),
        reason: check.reason,
        source: check.source,
      });
    }
    return new AppError(
      'HOST_KEY_UNKNOWN',
      `${where} is new: its ${offer.keyType} key has the fingerprint ${offer.fingerprint}. Trust it to continue.`,
      { host, port, keyType: offer.keyType, fingerprint: offer.fingerprint },
    );
  }

  private remember(offer: HostKeyOffer): void {
    const key = offerKey(offer.host, offer.port, offer.fingerprint);
    this.offers.delete(key);
    this.offers.set(key, offer);
    while (this.offers.size > this.maxOffers) this.offers.delete(this.offers.keys().next().value ?? '');
    this.options.onOffer?.(offer);
  }

  /**
   * Trusts a key the host offered in this session, named by its fingerprint. Without `replace`
   * this is trust on first use and refuses a host that has any key on record.
   */
  trust(input: { host: string; port: number; fingerprint: string; replace?: boolean }): {
    keyType: string;
    fingerprint: string;
  } {
    const offer = this.offers.get(offerKey(input.host, input.port, input.fingerprint));
    if (!offer) {
      throw new AppError(
        'NOT_FOUND',
        `${input.host}:${input.port} has not offered the key ${input.fingerprint} in this session: connect to it again first.`,
        { host: input.host, port: input.port, fingerprint: input.fingerprint },
      );
    }
    const check = this.knownHosts.check(offer.host, offer.port, offer.key);
    if (check.status === 'mismatch' && (check.reason === 'revoked' || !input.replace)) {
      throw new AppError(
        'HOST_KEY_MISMATCH',
        check.reason === 'revoked'
          ? `${input.host}:${input.port}: the key ${input.fingerprint} is revoked in ${check.source}; it cannot be trusted here.`
          : `${input.host}:${input.port} already has a different trusted key (${check.knownKeys.map((k) => `${k.keyType} ${k.fingerprint}`).join(', ')}): replacing it must be asked for explicitly.`,
        {
          host: input.host,
          port: input.port,
          oldFingerprints: check.knownFingerprints,
          knownKeys: check.knownKeys.map((k) => ({ ...k })),
          reason: check.reason,
          fingerprint: input.fingerprint,
        },
      );
    }
    if (check.status !== 'match') {
      this.knownHosts.trust(offer.host, offer.port, offer.key, { replace: Boolean(input.replace) });
    }
    return { keyType: offer.keyType, fingerprint: offer.fingerprint };
  }

  /**
   * Trust on first use: the key behind a HOST_KEY_UNKNOWN refusal, trusted and returned; null
   * for any other error (a changed key, another key type, a revoked key, a login failure).
   */
  acceptNew(error: unknown): HostKeyOffer | null {
    if (!(error instanceof AppError) || error.code !== 'HOST_KEY_UNKNOWN') return null;
    const { host, port, fingerprint } = error.details ?? {};
    if (typeof host !== 'string' || typeof port !== 'number' || typeof fingerprint !== 'string') return null;
    const offer = this.offers.get(offerKey(host, port, fingerprint));
    if (!offer || this.knownHosts.check(host, port, offer.key).status !== 'not-found') return null;
    this.knownHosts.trust(host, port, offer.key);
    return offer;
  }
}
