/**
 * The cluster as its API tells it (`kubectl get nodes -o json` on a server), bounded and
 * checked: what upgrade and remove plan from.
 */
import { parseNodes } from '../run/nodes';

export interface ClusterNode {
  name: string;
  /** server when it carries the control-plane label. */
  role: 'server' | 'agent';
  /** kubeletVersion: the K3s version the node's running binary reported. */
  version: string;
  ready: boolean;
  /** Cordoned (spec.unschedulable). */
  unschedulable: boolean;
  internalIp: string;
  etcd: boolean;
  /** amd64, arm64, arm: the K3s build the node runs. */
  arch: string;
}

/** Throws an Error saying what is wrong when the text is not a node list. */
export function parseClusterNodes(json: string): ClusterNode[] {
  return parseNodes(json).map((n) => ({
    name: n.name,
    role: n.roles.includes('control-plane') ? 'server' : 'agent',
    version: n.version,
    ready: n.ready,
    unschedulable: n.unschedulable,
    internalIp: n.internalIp,
    etcd: n.roles.includes('etcd'),
    arch: n.arch,
  }));
}

/**
 * The pods `kubectl drain` named as blocking it (a bare pod, a disruption budget, a timeout),
 * as namespace/name, from its error output.
 */
export function blockingPods(output: string): string[] {
  const found = new Set<string>();
  for (const m of output.matchAll(/declare no controller \(use --force to override\): ([^\n]+)/g))
    for (const p of (m[1] ?? '').split(/,\s*/)) {
      const pod = p.trim().replace(/, continuing command\.\.\.$/, '');
      if (/^[a-z0-9-]+\/[a-z0-9.-]+$/.test(pod)) found.add(pod);
    }
  for (const m of output.matchAll(/evicting pods\/"([a-z0-9.-]+)" -n "([a-z0-9-]+)"/g))
    found.add(`${m[2]}/${m[1]}`);
  return [...found].slice(0, 50);
}
