/**
 * Whether a machine may leave the cluster, and what its leaving means: the last server and a
 * server whose loss breaks etcd's quorum are refused with the reason. The first server (the one
 * the others joined through) may go: the join URL moves to the next server (unless an endpoint
 * is set, then nothing moves), and the others' `server:` / K3S_URL are rewritten to it.
 */
import { isMap, parseDocument } from 'yaml';
import { joinUrl } from '../spec/listener';
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
  /**
   * The first server leaves and the join URL was its address: the URL the others join through
   * from now on (the next server's), and that server. Null when nothing moves.
   */
  joinMove: { from: string; to: string; newFirst: string } | null;
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
  let joinMove: RemovalPlan['joinMove'] = null;
  const remaining: ClusterSpec = { ...spec, nodes: spec.nodes.filter((n) => n.nodeName !== name) };
  if (node.role === 'server') {
    const all = servers(spec);
    if (all.length === 1)
      return {
        ok: false,
        reason: `${name} is the cluster's only server: without it there is no cluster. To remove K3s from every machine, use k3s-wizard uninstall.`,
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
    if (firstServer(spec)?.nodeName === name) {
      const next = firstServer(remaining);
      const from = joinUrl(spec);
      const to = joinUrl(remaining);
      if (next && from && to && from !== to) {
        if (!cluster.find((n) => n.name === next.nodeName)?.ready)
          return {
            ok: false,
            reason: `${name} is the first server: the others would join through ${next.nodeName} (the next server in ${file}) from now on, but ${next.nodeName} is NotReady. Bring it back, or put a Ready server first after ${name} in ${file}.`,
          };
        joinMove = { from, to, newFirst: next.nodeName };
        warnings.push(
          `${name} is the first server: the other nodes join through ${next.nodeName} (${to}) from now on; their config is rewritten (no restart: running nodes know every server).`,
        );
      }
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
    plan: { node, inCluster: Boolean(state), ready: state?.ready ?? false, remaining, joinMove, warnings },
  };
}

/**
 * A node's config.yaml once the first server left: `server:` is the new join URL; the server
 * that takes over (`newFirst`) joins nothing any more (no `server:`; `cluster-init` with
 * embedded etcd), as a later apply writes it. Through the YAML library; null when nothing changes.
 */
export function configWithJoinUrl(
  text: string,
  change: { url: string } | { first: true; clusterInit: boolean },
): string | null {
  const doc = parseDocument(text);
  if (doc.errors.length) throw new Error('/etc/rancher/k3s/config.yaml is not valid YAML: fix it first.');
  if (doc.contents === null) return null;
  if (!isMap(doc.contents)) throw new Error('/etc/rancher/k3s/config.yaml is not a map of settings.');
  const before = doc.toString({ lineWidth: 0 });
  if ('url' in change) {
    if (!doc.has('server')) return null;
    doc.set('server', change.url);
  } else {
    doc.delete('server');
    if (change.clusterInit) doc.set('cluster-init', true);
  }
  const after = doc.toString({ lineWidth: 0 });
  return after === before ? null : after;
}
