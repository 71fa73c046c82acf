/** The node list as `kubectl get nodes -o json` or GET /api/v1/nodes returns it, made plain. */
import type { NodeInfo } from './events';

interface RawNode {
  metadata?: { name?: string; labels?: Record<string, string> };
  status?: {
    conditions?: { type?: string; status?: string }[];
    addresses?: { type?: string; address?: string }[];
    nodeInfo?: { kubeletVersion?: string; architecture?: string };
  };
}

const ROLE_LABEL = 'node-role.kubernetes.io/';

/** Throws when the text is not a node list. */
export function parseNodeList(json: string): NodeInfo[] {
  const doc = JSON.parse(json) as { kind?: string; items?: RawNode[] };
  if (!Array.isArray(doc.items))
    throw new Error(`Expected a list of nodes, got ${doc.kind ?? 'something else'}.`);
  return doc.items.map((item) => ({
    name: item.metadata?.name ?? '',
    ready: item.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false,
    roles: Object.keys(item.metadata?.labels ?? {})
      .filter((label) => label.startsWith(ROLE_LABEL))
      .map((label) => label.slice(ROLE_LABEL.length))
      .sort(),
    version: item.status?.nodeInfo?.kubeletVersion ?? '',
    arch: item.status?.nodeInfo?.architecture ?? '',
    internalIp: item.status?.addresses?.find((a) => a.type === 'InternalIP')?.address ?? '',
  }));
}
