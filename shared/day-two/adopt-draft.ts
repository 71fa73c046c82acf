/**
 * An adopted cluster as a saved cluster of the app (what "Saved clusters" and the cluster page
 * open): the cluster file's settings in the wizard's shape, every step reached, no secret.
 * What the wizard's form cannot hold (node labels, taints, node IPs, the node-port range) stays on
 * the machines, where adopt found it, and is said in the notes.
 */
import { draftHostId, STEP_IDS, type ClusterDraftInput, type DraftHost } from '../draft';
import { DEFAULT_NODE_PORT_RANGE, type ClusterSpec, type NodeSpec } from '../spec/schema';

function host(node: NodeSpec): DraftHost {
  return {
    id: draftHostId(node),
    address: node.address,
    port: node.port,
    user: node.user,
    auth: node.auth.method,
    keyPath: node.auth.method === 'key' ? node.auth.keyPath : '',
    role: node.role,
    nodeName: node.nodeName,
    nodeNameSet: true,
    ...(node.sudo.password ? { sudoPasswordGiven: true } : {}),
  };
}

/** What the saved cluster leaves out of the cluster file (kept on the machines). */
function leftOut(spec: ClusterSpec): string[] {
  const notes: string[] = [];
  for (const node of spec.nodes) {
    const parts = [
      Object.keys(node.labels).length ? 'labels' : '',
      node.taints.length ? 'taints' : '',
      node.nodeIp ? 'node IP' : '',
      node.flannelIface ? 'flannel interface' : '',
    ].filter(Boolean);
    if (parts.length)
      notes.push(
        `${node.nodeName}: its ${parts.join(', ')} stay as set on the machine; the saved cluster does not hold them (the command line's adopt writes them into a cluster file).`,
      );
  }
  if (spec.networking.nodePortRange !== DEFAULT_NODE_PORT_RANGE)
    notes.push(`The node-port range ${spec.networking.nodePortRange} stays as set on the servers.`);
  return notes;
}

export function draftFromAdopted(spec: ClusterSpec): { draft: ClusterDraftInput; notes: string[] } {
  const { networking: net, install } = spec;
  const servers = spec.nodes.filter((n) => n.role === 'server');
  const listeners = Object.fromEntries(
    servers
      .filter((n) => n.listener || n.nodeExternalIp)
      .map((n) => [
        draftHostId(n),
        {
          bindAddress: n.listener?.bindAddress ?? '',
          advertiseAddress: n.listener?.advertiseAddress ?? '',
          httpsListenPort: n.listener?.httpsListenPort ? String(n.listener.httpsListenPort) : '',
          advertisePort: n.listener?.advertisePort ? String(n.listener.advertisePort) : '',
          tlsSans: (n.listener?.tlsSans ?? []).join(', '),
          nodeExternalIp: n.nodeExternalIp ?? '',
          rootless: Boolean(n.rootless),
        },
      ]),
  );
  const endpoint = net.endpoint
    ? net.endpoint.port
      ? `${net.endpoint.address.includes(':') ? `[${net.endpoint.address}]` : net.endpoint.address}:${net.endpoint.port}`
      : net.endpoint.address
    : '';
  const draft: ClusterDraftInput = {
    name: spec.name,
    hosts: spec.nodes.map(host),
    cluster: {
      name: spec.name,
      version: spec.k3s.version
        ? { kind: 'version', version: spec.k3s.version }
        : { kind: 'channel', channel: spec.k3s.channel === 'latest' ? 'latest' : 'stable' },
      source:
        install.source === 'airgap'
          ? { kind: 'airgap', folder: install.folder ?? '', images: install.images }
          : install.githubUrl || install.channelUrl
            ? {
                kind: 'mirror',
                scriptUrl: install.scriptUrl,
                githubUrl: install.githubUrl ?? '',
                channelUrl: install.channelUrl ?? '',
              }
            : { kind: 'online' },
      embeddedEtcd: spec.ha.embeddedEtcd === undefined ? 'auto' : spec.ha.embeddedEtcd ? 'on' : 'off',
      flannelBackend: net.flannelBackend,
      clusterCidr: net.clusterCidr,
      serviceCidr: net.serviceCidr,
      apiPort: net.apiPort,
      tlsSans: net.tlsSans.join(', '),
      openNodePorts: net.openNodePorts,
      disable: spec.disable,
      contextName: spec.kubeconfig.contextName ?? '',
      kubeconfigServer: spec.kubeconfig.server ?? '',
      kubeconfigFile: spec.kubeconfig.file,
      firewallPolicy: spec.firewall.policy,
      firewallClients: spec.firewall.clients === 'anywhere' ? '' : spec.firewall.clients.join(', '),
      apiEndpoint: endpoint,
      listeners,
      nodeIdentity: spec.nodes.some((n) => n.withNodeId) ? 'with-node-id' : 'names',
    },
    facts: {},
    step: 'done',
    reached: [...STEP_IDS],
    runId: null,
  };
  return { draft, notes: leftOut(spec) };
}
