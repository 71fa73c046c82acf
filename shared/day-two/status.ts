/**
 * The cluster page's content: what the first server's API says about the nodes, checked against
 * the cluster file, and the flows between the nodes (the post-install connection test). The
 * same value feeds `k3s-wizard status` (text or --json) and the UI's cluster page.
 */
import { z } from 'zod';
import { ConnectivityResultSchema } from '../probe/schema';
import { NodeInfo } from '../run/events';
import { nodeCells, textTable } from '../run/nodes';
import { BootstrapToken } from './tokens';

export const ClusterNodeStatus = NodeInfo.extend({
  /** In the cluster file (false: K3s lists a node the file does not know). */
  inFile: z.boolean(),
});
export type ClusterNodeStatus = z.infer<typeof ClusterNodeStatus>;

export const ClusterStatusSchema = z.object({
  cluster: z.string().max(253),
  /** The node whose API answered. */
  server: z.string().max(253),
  /** K3s on that server (`k3s --version`). */
  version: z.string().max(100),
  nodes: z.array(ClusterNodeStatus).max(1000),
  /** Nodes of the cluster file K3s does not list (not joined, or removed). */
  notJoined: z.array(z.string().max(253)).max(100),
  /** null when the flows were not tested. */
  flows: z.array(ConnectivityResultSchema).max(10_000).nullable(),
  /** What blocks the blocked flows, for people; null when none is blocked. */
  blocked: z.string().max(20_000).nullable(),
  /** Why the flows could not be tested (a machine could not be logged in to…), or null. */
  flowsError: z.string().max(2000).nullable().default(null),
  /** Bootstrap tokens (join commands), null when not asked for. */
  tokens: z.array(BootstrapToken).max(1000).nullable(),
});
export type ClusterStatus = z.infer<typeof ClusterStatusSchema>;

const table = (rows: string[][]): string => textTable(rows).join('\n');

/** The cluster page as text. */
export function formatStatus(status: ClusterStatus): string {
  const out: string[] = [];
  const ready = status.nodes.filter((n) => n.ready).length;
  out.push(
    `Cluster ${status.cluster}: K3s ${status.version} on ${status.server}; ${ready} of ${status.nodes.length} nodes Ready.`,
    '',
  );
  out.push(
    table([
      ['NODE', 'STATUS', 'ROLES', 'VERSION', 'ARCH', 'ADDRESS', ''],
      ...status.nodes.map((n) => [...nodeCells(n), n.inFile ? '' : '(not in the cluster file)']),
    ]),
  );
  if (status.notJoined.length)
    out.push(
      '',
      `In the cluster file but not in the cluster: ${status.notJoined.join(', ')} (run apply to join them).`,
    );
  if (status.flows) {
    const open = status.flows.filter((f) => f.status === 'open').length;
    out.push('', `Flows between the nodes: ${open} of ${status.flows.length} open.`);
    out.push(
      table([
        ['FROM', 'TO', 'PORT', 'FOR', 'RESULT'],
        ...status.flows.map((f) => [
          f.from,
          f.to,
          `${f.port}/${f.proto}`,
          f.purpose,
          f.status === 'open' ? 'open' : `${f.status}${f.detail ? `: ${f.detail}` : ''}`,
        ]),
      ]),
    );
    if (status.blocked) out.push('', status.blocked);
  }
  if (status.flowsError) out.push('', `The flows were not tested: ${status.flowsError}`);
  if (status.tokens) {
    out.push('', status.tokens.length ? 'Join tokens:' : 'Join tokens: none.');
    if (status.tokens.length) out.push(formatTokens(status.tokens));
  }
  return `${out.join('\n')}\n`;
}

export function formatTokens(tokens: BootstrapToken[]): string {
  return table([
    ['ID', 'EXPIRES', 'TTL', 'DESCRIPTION'],
    ...tokens.map((t) => [t.id, t.expires ?? 'never', t.ttl, t.description || '<none>']),
  ]);
}
