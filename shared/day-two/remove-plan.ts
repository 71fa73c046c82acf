/**
 * Whether a machine may leave the cluster, and what its leaving means: the last server, the
 * server the others joined through, and a server whose loss breaks etcd's quorum are refused
 * with the reason.
 */
import { firstServer, servers, usesEmbeddedEtcd } from '../spec/model';
import type { ClusterSpec, NodeSpec } from '../spec/schema';
import type { ClusterNode } from './cluster-state';

export interface RemovalPlan {
  node: NodeSpec;
  /** The node object is in the cluster (a machine never joined has none). */
  inCluster: boolean;
  ready: boolean;
  /** The spec without the node: the cluster file written at the end. */
  remaining: ClusterSpec;
  warnings: string[];
}

export type RemovalPlanResult = { ok: true; plan: RemovalPlan } | { ok: false; reason: string };

const quorum = (members: number) => Math.floor(members / 2) + 1;

export function planRemoval(input: {
  spec: ClusterSpec;
  cluster: ClusterNode[];
  name: string;
  file?: string;
}): RemovalPlanResult {
  const { spec, cluster, name } = input;
  const file = input.file ?? 'the cluster file';
  const node = spec.nodes.find((n) => n.nodeName === name);
  if (!node)
    return {
      ok: false,
      reason: `${file} has no node ${name}; its nodes: ${spec.nodes.map((n) => n.nodeName).join(', ')}.`,
    };
  const state = cluster.find((n) => n.name === name);
  const warnings: string[] = [];
  const remaining: ClusterSpec = { ...spec, nodes: spec.nodes.filter((n) => n.nodeName !== name) };
  if (node.role === 'server') {
    const all = servers(spec);
    if (all.length === 1)
      return {
        ok: false,
        reason: `${name} is the cluster's only server: without it there is no cluster. To remove K3s from every machine, use k3s-wizard uninstall.`,
      };
    if (firstServer(spec)?.nodeName === name)
      return {
        ok: false,
        reason: `${name} is the first server, the one the other nodes joined through (their K3S_URL points at it): removing it is not supported. Remove the other machines first, or keep it.`,
      };
    if (usesEmbeddedEtcd(spec)) {
      const readyServers = all.filter((s) => cluster.find((n) => n.name === s.nodeName)?.ready);
      const healthyNow = readyServers.length;
      const healthyAfter = readyServers.filter((s) => s.nodeName !== name).length;
      const down = all.filter((s) => !readyServers.includes(s) && s.nodeName !== name).map((s) => s.nodeName);
      const downText = down.length
        ? ` (${down.join(', ')} ${down.length === 1 ? 'is' : 'are'} NotReady)`
        : '';
      if (healthyNow < quorum(all.length) || healthyAfter < quorum(all.length - 1))
        return {
          ok: false,
          reason: `Removing ${name} breaks etcd's quorum: ${healthyAfter} of the ${all.length - 1} servers left would be running${downText}, and etcd needs ${quorum(all.length - 1)} of ${all.length - 1}. Bring ${down.length ? down.join(', ') : 'the others'} back first.`,
        };
      if (all.length - 1 === 2)
        warnings.push(
          `2 servers are left: etcd then tolerates no server failure (with 2, both are needed). Add a third server to be fault tolerant again.`,
        );
    }
  }
  if (!state)
    warnings.push(`${name} has no node object in the cluster (it never joined, or was deleted already).`);
  else if (!state.ready)
    warnings.push(
      `${name} is NotReady: if the machine cannot be reached, it is removed from the cluster anyway.`,
    );
  return {
    ok: true,
    plan: { node, inCluster: Boolean(state), ready: state?.ready ?? false, remaining, warnings },
  };
}
