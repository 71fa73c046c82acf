/** Builds the cluster spec from what the wizard holds, and checks it with the shared validator. */
import {
  parseSpecObject,
  SPEC_API_VERSION,
  SPEC_KIND,
  validateSpec,
  type ClusterSpec,
  type ClusterSpecInput,
  type SpecIssue,
} from '../../../shared/spec';
import type { ClusterOptions, ListenerDraft } from './cluster-slice';
import type { HostEntry } from './hosts-slice';

/** "a, b c" → ["a", "b", "c"] */
function splitList(text: string): string[] {
  return text
    .split(/[\s,]+/)
    .map((s) => s.trim())
    .filter(Boolean);
}

/** "10.0.0.5", "10.0.0.5:443", "[fd00::5]:443" → address and port (NaN when the port is not a number). */
export function splitEndpoint(text: string): { address: string; port?: number } {
  const t = text.trim();
  const bracket = /^\[([^\]]+)\](?::(.*))?$/.exec(t);
  if (bracket)
    return { address: bracket[1]!, ...(bracket[2] !== undefined ? { port: Number(bracket[2]) } : {}) };
  const colon = t.lastIndexOf(':');
  if (colon > 0 && t.indexOf(':') === colon)
    return { address: t.slice(0, colon), port: Number(t.slice(colon + 1)) };
  return { address: t };
}

function listenerOf(draft: ListenerDraft | undefined) {
  if (!draft) return {};
  const sans = splitList(draft.tlsSans);
  const listener = {
    ...(draft.bindAddress.trim() ? { bindAddress: draft.bindAddress.trim() } : {}),
    ...(draft.advertiseAddress.trim() ? { advertiseAddress: draft.advertiseAddress.trim() } : {}),
    ...(draft.httpsListenPort.trim() ? { httpsListenPort: Number(draft.httpsListenPort.trim()) } : {}),
    ...(draft.advertisePort.trim() ? { advertisePort: Number(draft.advertisePort.trim()) } : {}),
    ...(sans.length ? { tlsSans: sans } : {}),
  };
  return Object.keys(listener).length ? { listener } : {};
}

export function buildSpecInput(cluster: ClusterOptions, hosts: readonly HostEntry[]): ClusterSpecInput {
  const source = cluster.source;
  const sans = splitList(cluster.tlsSans);
  return {
    apiVersion: SPEC_API_VERSION,
    kind: SPEC_KIND,
    name: cluster.name,
    k3s:
      cluster.version.kind === 'version'
        ? { version: cluster.version.version }
        : { channel: cluster.version.channel },
    install:
      source.kind === 'airgap'
        ? { source: 'airgap', folder: source.folder, images: source.images }
        : source.kind === 'mirror'
          ? {
              source: 'online',
              scriptUrl: source.scriptUrl,
              ...(source.githubUrl ? { githubUrl: source.githubUrl } : {}),
              ...(source.channelUrl ? { channelUrl: source.channelUrl } : {}),
            }
          : { source: 'online' },
    ha: cluster.embeddedEtcd === 'auto' ? {} : { embeddedEtcd: cluster.embeddedEtcd === 'on' },
    networking: {
      flannelBackend: cluster.flannelBackend,
      clusterCidr: cluster.clusterCidr,
      serviceCidr: cluster.serviceCidr,
      apiPort: cluster.apiPort,
      tlsSans: sans,
      openNodePorts: cluster.openNodePorts,
      ...(cluster.apiEndpoint.trim() ? { endpoint: splitEndpoint(cluster.apiEndpoint) } : {}),
    },
    disable: cluster.disable,
    firewall: {
      policy: cluster.firewallPolicy,
      clients: splitList(cluster.firewallClients).length ? splitList(cluster.firewallClients) : 'anywhere',
    },
    kubeconfig: {
      file: cluster.kubeconfigFile,
      ...(cluster.contextName ? { contextName: cluster.contextName } : {}),
      ...(cluster.kubeconfigServer ? { server: cluster.kubeconfigServer } : {}),
    },
    nodes: hosts.map((host) => ({
      address: host.address,
      port: host.port,
      user: host.user,
      auth: host.auth === 'key' ? { method: 'key', keyPath: host.keyPath } : { method: host.auth },
      role: host.role,
      nodeName: host.nodeName,
      // The password went to the back end; the spec only says there is one.
      ...(host.sudoPasswordGiven ? { sudo: { password: true } } : {}),
      ...(host.firewall ? { firewall: host.firewall } : {}),
      ...(host.role === 'server' ? listenerOf(cluster.listeners[host.id]) : {}),
      ...(cluster.listeners[host.id]?.nodeExternalIp.trim()
        ? { nodeExternalIp: cluster.listeners[host.id]!.nodeExternalIp.trim() }
        : {}),
      ...(cluster.nodeIdentity === 'with-node-id' ? { withNodeId: true } : {}),
      ...(host.role === 'server' && cluster.listeners[host.id]?.rootless ? { rootless: true } : {}),
    })),
  };
}

export interface SpecCheck {
  spec: ClusterSpec | null;
  issues: SpecIssue[];
}

/** Every problem at once: shape first, then meaning (the same checks `k3s-wizard plan` runs). */
export function checkSpec(input: ClusterSpecInput): SpecCheck {
  const parsed = parseSpecObject(input);
  if (!parsed.spec) return parsed;
  const issues = [...parsed.issues, ...validateSpec(parsed.spec)];
  return { spec: issues.some((i) => i.severity === 'error') ? null : parsed.spec, issues };
}

/** Issues whose path starts with one of the prefixes ("networking.clusterCidr", "nodes[0]"). */
export function issuesAt(issues: readonly SpecIssue[], ...prefixes: string[]): SpecIssue[] {
  return issues.filter((issue) =>
    prefixes.some(
      (p) => issue.path === p || issue.path.startsWith(`${p}.`) || issue.path.startsWith(`${p}[`),
    ),
  );
}

export const SPEC_PROBLEMS = 'The cluster settings have problems: fix them on the earlier steps first.';

/**
 * The checked spec of the wizard's state, null when invalid: what a run, an uninstall or a
 * bundle is asked for. The back end plans them with the facts of its own probes.
 */
export function specOf(state: { cluster: ClusterOptions; hosts: readonly HostEntry[] }): ClusterSpec | null {
  return checkSpec(buildSpecInput(state.cluster, state.hosts)).spec;
}
