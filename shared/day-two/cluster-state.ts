/**
 * The cluster as its API tells it (`kubectl get nodes -o json` on a server), bounded and
 * checked: what upgrade and remove plan from.
 */
import { z } from 'zod';

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

const short = z.string().max(253);
const RawNode = z.object({
  metadata: z.object({ name: short, labels: z.record(short, z.string().max(1024)).optional() }),
  spec: z.object({ unschedulable: z.boolean().optional() }).optional(),
  status: z
    .object({
      conditions: z
        .array(z.object({ type: short, status: short }))
        .max(64)
        .optional(),
      addresses: z
        .array(z.object({ type: short, address: short }))
        .max(64)
        .optional(),
      nodeInfo: z.object({ kubeletVersion: short.optional(), architecture: short.optional() }).optional(),
    })
    .optional(),
});
const RawNodeList = z.object({ items: z.array(RawNode).max(5000) });

/** Throws an Error saying what is wrong when the text is not a node list. */
export function parseClusterNodes(json: string): ClusterNode[] {
  let doc: unknown;
  try {
    doc = JSON.parse(json);
  } catch {
    throw new Error('The node list is not JSON.');
  }
  const parsed = RawNodeList.safeParse(doc);
  if (!parsed.success) throw new Error(`The node list is not one: ${parsed.error.issues[0]?.message ?? ''}`);
  return parsed.data.items.map((n) => {
    const labels = n.metadata.labels ?? {};
    return {
      name: n.metadata.name,
      role: 'node-role.kubernetes.io/control-plane' in labels ? 'server' : 'agent',
      version: n.status?.nodeInfo?.kubeletVersion ?? '',
      ready: n.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false,
      unschedulable: n.spec?.unschedulable ?? false,
      internalIp: n.status?.addresses?.find((a) => a.type === 'InternalIP')?.address ?? '',
      etcd: 'node-role.kubernetes.io/etcd' in labels,
      arch: n.status?.nodeInfo?.architecture ?? '',
    };
  });
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
