/**
 * The K3s documentation's firewall advice for this cluster, word for word, beside what the
 * planner does instead and why it is stricter (shown on the Firewall step). The planner itself
 * is firewalld.ts / ufw.ts; this only explains it.
 */
import { formatPortRange, requiredPorts } from '../ports';
import { splitCidrList } from '../spec/cidr';
import { listenPort } from '../spec/listener';
import type { ClusterSpec } from '../spec/schema';

export interface FirewallAdvice {
  /** The documented minimum when keeping firewalld. */
  firewalld: string[];
  /** The same for ufw. */
  ufw: string[];
  /** "Turn the firewall off", as the documentation words it. */
  disable: { firewalld: string; ufw: string; risk: string };
  /** What this app does instead, one line each. */
  instead: string[];
  /** Why that is stricter. */
  why: string;
}

export function firewallAdvice(spec: ClusterSpec): FirewallAdvice {
  // Each server's API on its own port (the cluster's unless it has one).
  const apiServers = spec.nodes.filter((n) => n.role === 'server');
  const apiPorts = [...new Set(apiServers.map((n) => listenPort(spec, n)))];
  if (!apiPorts.length) apiPorts.push(spec.networking.apiPort);
  const apiText =
    apiPorts.length === 1
      ? `The API port ${apiPorts[0]}/tcp`
      : `Each server’s API port, only on that server (${apiServers.map((n) => `${listenPort(spec, n)}/tcp on ${n.nodeName}`).join(', ')}),`;
  const cidrs = [
    ...splitCidrList(spec.networking.clusterCidr),
    ...splitCidrList(spec.networking.serviceCidr),
  ];
  const server = spec.nodes.find((n) => n.role === 'server');
  const rules = server ? requiredPorts(spec, server) : [];
  const peerPorts = rules
    .filter((r) => r.peers !== 'clients')
    .map((r) => `${formatPortRange(r)}/${r.protocol} (${r.id === 'flannel-vxlan' ? 'VXLAN' : r.id})`);
  const clients =
    spec.firewall.clients === 'anywhere'
      ? 'from anyone'
      : `from ${spec.firewall.clients.join(', ')} and the cluster’s machines`;
  const nodePorts = rules.some((r) => r.id === 'node-ports');
  return {
    firewalld: [
      ...apiPorts.map((port) => `firewall-cmd --permanent --add-port=${port}/tcp`),
      ...cidrs.map((c) => `firewall-cmd --permanent --zone=trusted --add-source=${c}`),
      'firewall-cmd --reload',
    ],
    ufw: [
      ...apiPorts.map((port) => `ufw allow ${port}/tcp`),
      ...cidrs.map((c) => `ufw allow from ${c} to any`),
    ],
    disable: {
      firewalld: 'systemctl disable firewalld --now',
      ufw: 'ufw disable',
      risk: 'Every service on the machine (databases, admin pages, file shares) becomes reachable by anyone on its network, not only K3s; fine on a trusted home network, not elsewhere.',
    },
    instead: [
      `${apiText} ${clients}.`,
      `The pod and service networks (${cidrs.join(', ')}) as sources of the trusted zone (ufw: allowed from anywhere they come), as the documentation says.`,
      peerPorts.length
        ? `${peerPorts.join(', ')}: only from the cluster’s own machines, one rule per machine address, in the zone their traffic arrives in.`
        : 'No node-to-node ports for this cluster.',
      nodePorts
        ? `The NodePort range ${spec.networking.nodePortRange} ${clients}, because you asked for it.`
        : `The NodePort range (${spec.networking.nodePortRange}) stays closed: it is opened only when you ask for it on the Cluster step.`,
      'Every change is applied at runtime first, checked (a new SSH login, the cluster ports), and only then made permanent; the SSH port stays open.',
    ],
    why: 'The documented minimum opens the API and then the other ports of its table to everyone. Opened like that, the VXLAN port lets anyone on the network send packets into the pod network and the kubelet port answers anyone; here those ports admit only the cluster’s machines, and VXLAN is never open to the world.',
  };
}
