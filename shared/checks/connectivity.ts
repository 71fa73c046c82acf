/** Which node must reach which, on which port, and the checks that the measured results give. */
import { nodeFlows, testedPorts, type FlowShape, type NodeFlow, type PortRuleId } from '../ports';
import { DEFAULT_API_PORT } from '../spec/schema';
import type { Check, NodeRole } from './types';

export type Proto = 'tcp' | 'udp';

export interface ConnectivityNode {
  id: string;
  role: NodeRole;
  /** A server's own API port (`https-listen-port`); the shape's when absent. */
  apiPort?: number;
}

export interface PortPath {
  from: string;
  to: string;
  port: number;
  proto: Proto;
  /** The flow of the flow table it tests. */
  flow: PortRuleId;
  /** What the path is for, in words ("the Kubernetes API"). */
  purpose: string;
}

/** What each flow is for, in words that fit "which … needs". */
export const PURPOSE: Record<PortRuleId, string> = {
  api: 'the Kubernetes API',
  'flannel-vxlan': 'pod networking (flannel VXLAN)',
  'flannel-wireguard-v4': 'pod networking (flannel WireGuard)',
  'flannel-wireguard-v6': 'pod networking over IPv6 (flannel WireGuard)',
  kubelet: 'the kubelet (logs, exec, metrics)',
  etcd: 'embedded etcd between the servers',
  'node-ports': 'NodePort services',
};

export interface ConnectivityResult extends PortPath {
  status: 'open' | 'blocked' | 'unknown';
  /** How it was decided or why it could not be ("refused", "timed out", "no python3 on s1"). */
  detail: string;
}

/** What the tester needs of the cluster's shape; unset parts take K3s's defaults. */
export type ConnectivityShape = Partial<Omit<FlowShape, 'nodePorts'>> & {
  nodePorts?: FlowShape['nodePorts'];
};

/** The shape with K3s's defaults filled in (embedded etcd when there are several servers). */
export function shapeFor(nodes: readonly ConnectivityNode[], shape: ConnectivityShape = {}): FlowShape {
  return {
    apiPort: shape.apiPort ?? DEFAULT_API_PORT,
    flannelBackend: shape.flannelBackend ?? 'vxlan',
    ipv6Pods: shape.ipv6Pods ?? false,
    embeddedEtcd: shape.embeddedEtcd ?? nodes.filter((n) => n.role === 'server').length > 1,
    nodePorts: shape.nodePorts ?? null,
  };
}

/** Every node-to-node flow of the flow table, one path per port tested. */
export function pathsOf(flows: readonly NodeFlow[]): PortPath[] {
  return flows.flatMap(({ from, to, rule }) =>
    testedPorts(rule).map((port) => ({
      from,
      to,
      port,
      proto: rule.protocol,
      flow: rule.id,
      purpose: PURPOSE[rule.id],
    })),
  );
}

/** Every path between the nodes the cluster needs, from the one flow table. */
export function requiredPaths(nodes: readonly ConnectivityNode[], shape: ConnectivityShape = {}): PortPath[] {
  return pathsOf(nodeFlows(nodes, shapeFor(nodes, shape)));
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

/** One line per flow for the run log and the Done step: "a1 → s1 8472/udp: open (datagram received)". */
export function flowLine(r: ConnectivityResult): string {
  const status = r.status === 'open' ? 'passed' : r.status === 'blocked' ? 'BLOCKED' : 'unknown (not tested)';
  return `${r.from} → ${r.to} ${r.port}/${r.proto} (${r.purpose}): ${status}, ${r.detail}`;
}

const POD_FLOWS: readonly PortRuleId[] = ['flannel-vxlan', 'flannel-wireguard-v4', 'flannel-wireguard-v6'];

/**
 * After the install: null when no flow is blocked, else what is wrong in words: which flow,
 * what most likely blocks it (the target's own firewall, which k3s-wizard can open, or
 * something outside the machines, which it cannot) and what to do.
 */
export function blockedFlowsMessage(
  results: readonly ConnectivityResult[],
  options: { cluster: string; hostFirewall: (node: string) => string | null },
): string | null {
  const blocked = results.filter((r) => r.status === 'blocked');
  if (blocked.length === 0) return null;
  const lines = blocked.map((r) => {
    const what = `${r.port}/${r.proto}`;
    const broken = POD_FLOWS.includes(r.flow)
      ? `pods on ${r.from} cannot reach pods on ${r.to} (${what}, ${r.detail})`
      : `${r.from} cannot reach ${r.to} on ${what} for ${r.purpose} (${r.detail})`;
    const firewall = options.hostFirewall(r.to);
    const cause = firewall
      ? `most likely ${firewall} on ${r.to}, which k3s-wizard can open: set its firewall policy to "configure" and run again`
      : `${r.to} has no host firewall, so most likely something outside the machines blocks it (a router, a cloud security group, a firewall between them), which k3s-wizard cannot change: allow ${what} from ${r.from} to ${r.to} there, then run again`;
    return `${broken}: ${cause}`;
  });
  return `Cluster ${options.cluster} is installed, but ${lines.join('; ')}.`;
}

/**
 * What a probe from the source saw: "connected"; "refused" (a reset or ICMP port-unreachable
 * answered the connection: a reply, so nothing dropped it); "reset" (the connection was cut by
 * a reset after it began); "unreachable" (ICMP host or admin prohibited: a rejecting rule);
 * "no-answer" (nothing came back in time: a drop); "sent" (UDP datagrams went out, the
 * listener's word decides); "error …" (the probe itself could not run).
 */
export type ProbeAnswer =
  'connected' | 'refused' | 'reset' | 'unreachable' | 'no-answer' | 'sent' | `error ${string}`;

export interface ProbeEvidence {
  proto: Proto;
  answer: ProbeAnswer;
  /** Who held the port on the target while the probe ran. */
  listener: 'ours' | 'theirs' | 'gone';
  /** The listener on the target reported this probe's token. */
  received: boolean;
  /**
   * UDP: the listener did not show, in time, that it ran for its whole grace after the probe
   * (a busy machine): how long it did show, of how long it should have.
   */
  tooSlow?: { ranMs: number; graceMs: number };
}

/** In the detail of a UDP flow whose listener was too slow to tell (asked again, never blocked). */
export const TOO_SLOW = 'too slow to tell';

/**
 * One probe's verdict, told truthfully. Only a probe that met a bound port tells anything about
 * a rule: "refused" while our listener (or the program that owns the port) listened means a
 * rule rejected it; "refused" after that program let go of the port means nothing listened,
 * which is no firewall's doing, so the flow stays "unknown".
 */
export function probeVerdict(e: ProbeEvidence): Pick<ConnectivityResult, 'status' | 'detail'> {
  if (e.received) return { status: 'open', detail: e.proto === 'tcp' ? 'connected' : 'datagram received' };
  if (e.proto === 'tcp' && e.answer === 'connected') return { status: 'open', detail: 'connected' };
  if (e.answer.startsWith('error '))
    return { status: 'unknown', detail: `the probe failed (${e.answer.slice(6)})` };
  if (e.listener === 'gone')
    return {
      status: 'unknown',
      detail:
        e.answer === 'refused'
          ? 'refused: nothing listened on the port at that moment (a reply, not a firewall drop)'
          : `${e.answer === 'no-answer' ? 'no answer' : e.answer}, but nothing listened on the port at that moment`,
    };
  if (e.proto === 'udp' && e.answer === 'sent' && e.tooSlow)
    return {
      status: 'unknown',
      detail: `datagrams sent, none reported, but the listener was ${TOO_SLOW} (it showed ${(e.tooSlow.ranMs / 1000).toFixed(1)} s of the ${(e.tooSlow.graceMs / 1000).toFixed(1)} s it waits after the probe: a busy machine)`,
    };
  switch (e.answer) {
    case 'refused':
      return {
        status: 'blocked',
        detail:
          e.proto === 'udp'
            ? 'rejected (ICMP port unreachable while a listener was bound: a rule rejects it)'
            : 'refused while a listener was bound (a rule rejects it)',
      };
    case 'reset':
      return { status: 'blocked', detail: 'reset after connecting (something between them cuts it)' };
    case 'unreachable':
      return { status: 'blocked', detail: 'rejected (host unreachable or prohibited: a rule rejects it)' };
    case 'no-answer':
      return { status: 'blocked', detail: 'no answer (dropped)' };
    default:
      return { status: 'blocked', detail: 'datagrams sent, none arrived' };
  }
}
