/**
 * Before a run from the command line: log in to every machine once, so a wrong login or an
 * unknown host key stops the run before anything changes. With `acceptNew`, a host seen for the
 * first time has its key trusted (like ssh's StrictHostKeyChecking=accept-new); a changed key is
 * never accepted here.
 */
import { AppError } from '../../shared/errors';
import { shJoin } from '../../shared/shell';
import type { KnownHosts } from '../ssh/known-hosts';
import type { PoolTarget, SessionPool } from '../ssh/pool';
import type { HostKeyOffer } from '../ssh/session';

export class HostKeyOffers {
  private readonly offers = new Map<string, HostKeyOffer>();

  remember = (offer: HostKeyOffer): void => {
    this.offers.set(`${offer.host.toLowerCase()}:${offer.port}`, offer);
  };

  latest(host: string, port: number): HostKeyOffer | undefined {
    return this.offers.get(`${host.toLowerCase()}:${port}`);
  }
}

export async function connectAll(options: {
  pool: SessionPool;
  knownHosts: KnownHosts;
  offers: HostKeyOffers;
  targets: { name: string; target: PoolTarget }[];
  acceptNew: boolean;
  /** Told about each key trusted on first use. */
  onTrusted?: (name: string, offer: HostKeyOffer) => void;
}): Promise<void> {
  const { pool, knownHosts, offers } = options;
  // Every login is waited for, failed or not, so the caller's close() finds every session: one
  // still opening when another failed would keep the process alive.
  const outcomes = await Promise.allSettled(
    options.targets.map(async ({ name, target }) => {
      try {
        await pool.session(target);
      } catch (error) {
        const offer = offers.latest(target.host, target.port);
        if (
          !(error instanceof AppError) ||
          error.code !== 'HOST_KEY_UNKNOWN' ||
          !options.acceptNew ||
          !offer
        ) {
          if (error instanceof AppError && error.code === 'HOST_KEY_MISMATCH') {
            const source = typeof error.details?.source === 'string' ? error.details.source : null;
            const entry = target.port === 22 ? target.host : `[${target.host}]:${target.port}`;
            const howTo = source
              ? ` To trust the new key from the command line: ${shJoin(['ssh-keygen', '-R', entry, '-f', source.replace(/ \(revoked\)$/, '')])}, then run again with --accept-new-host-keys.`
              : '';
            throw new AppError(error.code, `${name}: ${error.message}${howTo}`, error.details);
          }
          if (error instanceof AppError && error.code === 'HOST_KEY_UNKNOWN') {
            throw new AppError(
              error.code,
              `${name}: ${error.message} Check the fingerprint, then run again with --accept-new-host-keys (or ssh to it once).`,
              error.details,
            );
          }
          throw error;
        }
        knownHosts.trust(offer.host, offer.port, offer.key);
        options.onTrusted?.(name, offer);
        pool.drop(target);
        await pool.session(target);
      }
    }),
  );
  const failed = outcomes.find((o): o is PromiseRejectedResult => o.status === 'rejected');
  if (failed) throw failed.reason;
}
