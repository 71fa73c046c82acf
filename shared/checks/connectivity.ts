/** Which node must reach which, on which port, and the checks that the measured results give. */
import type { Check, NodeRole } from './types';

export type Proto = 'tcp' | 'udp';

export interface ConnectivityNode {
  id: string;
  role: NodeRole;
}

export interface PortPath {
  from: string;
  to: string;
  port: number;
  proto: Proto;
  /** What the path is for, in words ("the Kubernetes API"). */
  purpose: string;
}

export interface ConnectivityResult extends PortPath {
  status: 'open' | 'blocked' | 'unknown';
  /** How it was decided or why it could not be ("refused", "timed out", "no python3 on s1"). */
  detail: string;
}

export interface PortPlan {
  apiPort?: number;
  kubeletPort?: number;
  /** flannel VXLAN (8472) by default; wireguard-native would be 51820. */
  flannelPort?: number;
}

/** Agents (and other servers) → every server on the API port; every node ↔ every node on kubelet and flannel. */
export function requiredPaths(nodes: readonly ConnectivityNode[], plan: PortPlan = {}): PortPath[] {
  const api = plan.apiPort ?? 6443;
  const kubelet = plan.kubeletPort ?? 10250;
  const flannel = plan.flannelPort ?? 8472;
  const paths: PortPath[] = [];
  for (const to of nodes) {
    for (const from of nodes) {
      if (from.id === to.id) continue;
      if (to.role === 'server')
        paths.push({ from: from.id, to: to.id, port: api, proto: 'tcp', purpose: 'the Kubernetes API' });
      paths.push({
        from: from.id,
        to: to.id,
        port: kubelet,
        proto: 'tcp',
        purpose: 'the kubelet (logs, exec, metrics)',
      });
      paths.push({
        from: from.id,
        to: to.id,
        port: flannel,
        proto: 'udp',
        purpose: 'pod networking (flannel)',
      });
    }
  }
  return paths;
}

export function connectivityChecks(results: readonly ConnectivityResult[]): Check[] {
  const checks: Check[] = [];
  for (const r of results) {
    if (r.status === 'open') continue;
    const what = `${r.port}/${r.proto}`;
    checks.push(
      r.status === 'blocked'
        ? {
            id: `reach-${r.proto}-${r.port}-${r.from}`,
            hostId: r.to,
            hostIds: [r.from, r.to],
            status: 'fail',
            title: `${r.from} → ${r.to} on ${what}`,
            reason: `${r.from} cannot reach ${r.to} on ${what} (${r.detail}), which ${r.purpose} needs. A firewall on ${r.to} (or between them) most likely blocks it.`,
            fix: { kind: 'step', step: 'firewall' },
          }
        : {
            id: `reach-${r.proto}-${r.port}-${r.from}`,
            hostId: r.to,
            hostIds: [r.from, r.to],
            status: 'warn',
            title: `${r.from} → ${r.to} on ${what}`,
            reason: `Could not test whether ${r.from} reaches ${r.to} on ${what}: ${r.detail}.`,
          },
    );
  }
  const tested = results.filter((r) => r.status === 'open').length;
  if (results.length > 0 && tested === results.length) {
    checks.push({
      id: 'reach-all',
      hostId: null,
      status: 'pass',
      title: 'Connections between nodes',
      reason: `All ${tested} connections the cluster needs were tested and work.`,
    });
  }
  return checks;
}
