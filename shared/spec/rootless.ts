/**
 * Rootless servers in the spec: the port rules of rootless mode, and what does not work
 * rootless, said before anything runs. The machine's requirements: shared/checks/rootless.ts.
 */
import type { SpecIssue } from './issues';
import type { ClusterSpec } from './schema';

/**
 * A LoadBalancer service port as bound on the host by rootless K3s's port controller: ports up
 * to 1024 are offset by 10000 (80 → 10080, 443 → 10443), others unchanged. The API's own
 * https-listen-port is bound unchanged (K3s's rootlessports controller binds it port for port;
 * K3S-FACTS.md's "6443 → 16443" reads the docs' sentence the other way, the code does not).
 */
export function rootlessHostPort(port: number): number {
  return port <= 1024 ? port + 10000 : port;
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
      message: `Rootless ${n.nodeName}: its networking is detached from the host; the API is reached on the host at its own port ${spec.networking.apiPort}; LoadBalancer services at port 1024 or below are bound on the host 10000 higher (80 → ${rootlessHostPort(80)}, 443 → ${rootlessHostPort(443)}), others unchanged; only LoadBalancer services are bound on the host, other services are not reachable from outside.`,
    });
  }
  return issues;
}
