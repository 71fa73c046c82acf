/**
 * The node list as `kubectl get nodes -o json` or GET /api/v1/nodes returns it, bounded, checked
 * and made plain: the one parser of node lists (the run's checks, the Done step, day two).
 */
import { z } from 'zod';
import type { NodeInfo } from './events';

const ROLE_LABEL = 'node-role.kubernetes.io/';

const short = z.string().max(253);
const RawNode = z.object({
  metadata: z.object({
    name: short,
    // A label key is a prefix of up to 253 characters, a slash and a name of up to 63.
    labels: z.record(z.string().max(320), z.string().max(1024)).optional(),
  }),
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

/** A node with what every reader of the list needs. */
export interface ListedNode extends NodeInfo {
  /** Cordoned (spec.unschedulable). */
  unschedulable: boolean;
}

/** Throws an Error saying what is wrong when the text is not a node list. */
export function parseNodes(json: string): ListedNode[] {
  let doc: unknown;
  try {
    doc = JSON.parse(json);
  } catch {
    throw new Error('The node list is not JSON.');
  }
  const parsed = RawNodeList.safeParse(doc);
  if (!parsed.success) {
    const kind = (doc as { kind?: unknown } | null)?.kind;
    throw new Error(
      typeof kind === 'string' && kind !== 'NodeList'
        ? `Expected a list of nodes, got ${kind.slice(0, 64)}.`
        : `The node list is not one: ${parsed.error.issues[0]?.message ?? ''}`,
    );
  }
  return parsed.data.items.map((item) => ({
    name: item.metadata.name,
    ready: item.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false,
    roles: Object.keys(item.metadata.labels ?? {})
      .filter((label) => label.startsWith(ROLE_LABEL))
      .map((label) => label.slice(ROLE_LABEL.length))
      .sort(),
    version: item.status?.nodeInfo?.kubeletVersion ?? '',
    arch: item.status?.nodeInfo?.architecture ?? '',
    internalIp: item.status?.addresses?.find((a) => a.type === 'InternalIP')?.address ?? '',
    unschedulable: item.spec?.unschedulable ?? false,
  }));
}

/** The nodes as the run's events carry them. Throws when the text is not a node list. */
export function parseNodeList(json: string): NodeInfo[] {
  return parseNodes(json).map(({ unschedulable: _, ...node }) => node);
}

/** A node as a row of text: name, status, roles, version, arch, address (as kubectl shows them). */
export function nodeCells(n: NodeInfo): string[] {
  return [
    n.name,
    n.ready ? 'Ready' : 'NotReady',
    n.roles.join(',') || '<none>',
    n.version,
    n.arch,
    n.internalIp,
  ];
}

/** Rows as lines of columns, each as wide as its widest cell, two spaces apart. */
export function textTable(rows: string[][]): string[] {
  const widths = (rows[0] ?? []).map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
  return rows.map((r) =>
    r
      .map((c, i) => c.padEnd(widths[i] ?? 0))
      .join('  ')
      .trimEnd(),
  );
}
