/**
 * The cluster's nodes, asked from the first server that answers (servers in the file's order;
 * `except`, the one being worked on, last).
 */
import { AppError } from '../../shared/errors';
import type { ClusterNode } from '../../shared/day-two';
import { servers, type ClusterSpec } from '../../shared/spec';
import type { HostRunner } from '../engine/host-runner';
import { readCluster } from './cluster';

export async function readClusterNodes(
  spec: ClusterSpec,
  runnerFor: (name: string) => HostRunner,
  signal: AbortSignal,
  except?: string,
): Promise<ClusterNode[]> {
  const problems: string[] = [];
  const all = servers(spec);
  const ordered = [...all.filter((n) => n.nodeName !== except), ...all.filter((n) => n.nodeName === except)];
  for (const s of ordered) {
    try {
      return await readCluster(runnerFor(s.nodeName), signal);
    } catch (error) {
      if (signal.aborted)
        throw new AppError('CANCELLED', 'Interrupted before anything changed: nothing was done.');
      problems.push((error as Error).message);
    }
  }
  throw new AppError(
    'API_UNREACHABLE',
    `No server answered with the node list: ${problems.join('; ') || 'the cluster file has none'}`,
  );
}
