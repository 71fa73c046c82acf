/**
 * Before a run from the command line: log in to every machine once, so a wrong login or an
 * unknown host key stops the run before anything changes. With `acceptNew`, the host-key
 * policy trusts a host seen for the first time (like ssh's StrictHostKeyChecking=accept-new);
 * a changed key, a new key type or a revoked key is never accepted here.
 */
import { AppError } from '../../shared/errors';
import { shJoin } from '../../shared/shell';
import type { HostKeyOffer, HostKeyPolicy } from '../ssh/host-key-policy';
import type { PoolTarget, SessionPool } from '../ssh/pool';

export async function connectAll(options: {
  pool: SessionPool;
  hostKeys: HostKeyPolicy;
  targets: { name: string; target: PoolTarget }[];
  acceptNew: boolean;
  /** Told about each key trusted on first use. */
  onTrusted?: (name: string, offer: HostKeyOffer) => void;
  /** Told as soon as one target is logged in, while the others may still be logging in. */
  onLoggedIn?: (name: string, target: PoolTarget) => void;
}): Promise<void> {
  const { pool, hostKeys } = options;
  // Every login is waited for, failed or not, so the caller's close() finds every session: one
  // still opening when another failed would keep the process alive.
  const outcomes = await Promise.allSettled(
    options.targets.map(async ({ name, target }) => {
      // A key met for the first time is trusted in the login itself; a jump host met for the
      // first time too fails that login first: a bounded retry.
      const trustNew = options.acceptNew
        ? (offer: HostKeyOffer) => options.onTrusted?.(name, offer)
        : undefined;
      for (let attempt = 0; ; attempt++) {
        try {
          await pool.session(target, trustNew ? { trustNew } : {});
          options.onLoggedIn?.(name, target);
          return;
        } catch (error) {
          const offer = options.acceptNew && attempt < 3 ? hostKeys.acceptNew(error) : null;
          if (!offer) {
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
          options.onTrusted?.(name, offer);
          pool.dropHost(offer.host, offer.port);
          pool.drop(target);
        }
      }
    }),
  );
  const failed = outcomes.find((o): o is PromiseRejectedResult => o.status === 'rejected');
  if (failed) throw failed.reason;
}
