/**
 * Rootless servers in the spec: the port rules of rootless mode, and what does not work
 * rootless, said before anything runs. The machine's requirements: shared/checks/rootless.ts.
 */
import type { SpecIssue } from './issues';
import type { ClusterSpec } from './schema';

/**
 * A port as bound on the host by rootless K3s's port controller: 6443 and ports below 1024 are
 * offset by 10000 (6443 → 16443, 80 → 10080), others unchanged (K3S-FACTS.md).
 */
export function rootlessHostPort(port: number): number {
  return port < 1024 || port === 6443 ? port + 10000 : port;
}

/**
 * The API port as reached from outside: a cluster with a rootless server (it runs alone) is
 * reached at the port driver's host port; otherwise K3s binds the API port itself.
 */
export function reachableApiPort(spec: Pick<ClusterSpec, 'networking' | 'nodes'>): number {
  const port = spec.networking.apiPort;
  return spec.nodes.some((n) => n.rootless && n.role === 'server') ? rootlessHostPort(port) : port;
}

/** What does not work rootless, and where rootless is asked for where it cannot apply. */
export function rootlessSpecIssues(spec: ClusterSpec): SpecIssue[] {
  const issues: SpecIssue[] = [];
  const rootless = spec.nodes.map((n, i) => ({ n, i })).filter(({ n }) => n.rootless);
  for (const { n, i } of rootless) {
    if (n.role !== 'server') {
      issues.push({
        path: `nodes[${i}].rootless`,
        severity: 'error',
        message: `${n.nodeName} is an agent: rootless mode is for a single server (k3s server --rootless). Remove rootless or make it the server.`,
      });
      continue;
    }
    if (spec.nodes.length > 1)
      issues.push({
        path: `nodes[${i}].rootless`,
        severity: 'error',
        message: `A rootless server runs alone: its networking is detached from the host, so agents and further servers on other machines cannot join it (K3s does not support multi-node rootless clusters). Keep ${n.nodeName} as the only machine, or install it as root.`,
      });
    issues.push({
      path: `nodes[${i}].rootless`,
      severity: 'warning',
      message: `Rootless ${n.nodeName}: the API port ${spec.networking.apiPort} is reached on the host at ${rootlessHostPort(spec.networking.apiPort)}; LoadBalancer services below port 1024 are bound on the host 10000 higher (80 → ${rootlessHostPort(80)}, 443 → ${rootlessHostPort(443)}), others unchanged; only LoadBalancer services are bound on the host, NodePorts are not reachable from outside.`,
    });
  }
  return issues;
}
