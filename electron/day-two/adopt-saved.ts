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
  // Adopted (or built) and saved before: that saved cluster is brought up to date, not doubled.
  const known = savedWithServer(deps.clusters, input.address, input.port);
  if (known) {
    draft.name = known.name;
    draft.cluster.name = known.clusterName;
    notes.unshift(`Saved before as ${known.name}: brought up to date from ${input.address}.`);
  }
  const { slug } = deps.clusters.save({ draft, ...(known ? { slug: known.slug } : {}) });
  return { slug, name: draft.name, notes: [...read.notes, ...notes], missing: read.missing };
}

/** The installed saved cluster that has this machine as a server, if any. */
function savedWithServer(
  clusters: ClusterStore,
  address: string,
  port: number,
): { slug: string; name: string; clusterName: string } | null {
  for (const summary of clusters.list()) {
    if (!summary.installed) continue;
    const draft = clusters.load(summary.slug);
    const match = draft.hosts.some(
      (h) => h.role === 'server' && h.address.toLowerCase() === address.toLowerCase() && h.port === port,
    );
    if (match) return { slug: summary.slug, name: draft.name, clusterName: draft.cluster.name };
  }
  return null;
}
