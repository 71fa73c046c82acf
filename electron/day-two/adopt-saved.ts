/**
 * Adopt from the app: a server the user logged in to on the Hosts step is read (as the command
 * line's `adopt` reads it) and saved as an installed cluster, which its cluster page then opens.
 */
import { draftFromAdopted } from '../../shared/day-two/adopt-draft';
import { AppError } from '../../shared/errors';
import type { InvokeOutput, InvokeParsedInput } from '../../shared/contract';
import { ClusterSpec } from '../../shared/spec';
import type { ClusterStore } from '../clusters/store';
import type { ClusterService } from './cluster-service';

export async function adoptAndSave(
  input: InvokeParsedInput<'cluster:adopt'>,
  deps: { service: ClusterService; clusters: ClusterStore },
): Promise<InvokeOutput<'cluster:adopt'>> {
  const login = {
    address: input.address,
    port: input.port,
    user: input.user,
    auth: input.auth === 'key' ? { method: 'key' as const, keyPath: input.keyPath } : { method: input.auth },
    sudoPassword: input.sudoPasswordGiven,
  };
  const read = await deps.service.adopt({ login, addresses: {} });
  const parsed = ClusterSpec.safeParse(read.spec);
  if (!parsed.success)
    throw new AppError(
      'SPEC_INVALID',
      `The cluster read from ${input.address} does not make a valid cluster: ${parsed.error.issues[0]?.message ?? ''}`,
    );
  const { draft, notes } = draftFromAdopted(parsed.data);
  const { slug } = deps.clusters.save({ draft });
  return { slug, name: parsed.data.name, notes: [...read.notes, ...notes], missing: read.missing };
}
