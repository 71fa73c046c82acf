/**
 * Meaning checks of a parsed spec. Every problem is reported at once, each with its path and a
 * sentence a person understands; warnings do not block an install, errors do.
 */
import { addressProblem, nodeNameProblem } from '../validate';
import {
  cidrContains,
  cidrsOverlap,
  isCanonicalCidr,
  isIP,
  parseCidr,
  splitCidrList,
  type Cidr,
} from './cidr';
import { FLOW_PORTS, LOCAL_ONLY_PORTS, parsePortRange, REGISTRY_PORT } from '../ports';
import type { SpecIssue } from './issues';
import { listenerIssues } from './listener';
import { rootlessSpecIssues } from './rootless';
import { kubeconfigAddress, type FactsByNode } from './model';
import { DEFAULT_API_PORT, type ClusterSpec } from './schema';
import { validateNodes } from './validate-nodes';

export const K3S_RELEASE = /^v1\.\d+\.\d+(-rc\d+)?\+k3s\d+$/;
const CHANNEL = /^(stable|latest|testing|v1\.\d+)$/;
// Ports K3s itself listens on: the API port must not take one of them.
const K3S_OWN_PORTS: readonly number[] = [
  ...FLOW_PORTS.filter((p) => p !== DEFAULT_API_PORT),
  ...LOCAL_ONLY_PORTS,
  REGISTRY_PORT,
];

/** What each mirror field is called on the Cluster step (the spec's key is in the issue's path). */
const URL_FIELD_LABEL = {
  scriptUrl: 'install script address',
  githubUrl: 'releases address (GITHUB_URL)',
  channelUrl: 'channels address (INSTALL_K3S_CHANNEL_URL)',
} as const;

/** One rule for every mirror address: https://, or http:// with a warning (checked apart). */
function urlProblem(value: string, field: keyof typeof URL_FIELD_LABEL): SpecIssue['message'] | null {
  if (/^https?:\/\/[^\s/]+/.test(value)) return null;
  return `The ${URL_FIELD_LABEL[field]} must be a web address starting with https:// (or http://, less safe); got “${value}”.`;
}

function cidrIssues(spec: ClusterSpec): SpecIssue[] {
  const issues: SpecIssue[] = [];
  const parsed: { path: string; cidr: Cidr }[] = [];
  for (const field of ['clusterCidr', 'serviceCidr'] as const) {
    const path = `networking.${field}`;
    const parts = splitCidrList(spec.networking[field]);
    const families = new Set<number>();
    for (const part of parts) {
      const cidr = parseCidr(part);
      if (!cidr) {
        issues.push({
          path,
          severity: 'error',
          message: `“${part}” is not a network in CIDR form (for example 10.42.0.0/16).`,
        });
      } else if (!isCanonicalCidr(part)) {
        issues.push({
          path,
          severity: 'error',
          message: `“${part}” has host bits set; write the network address (for example 10.42.0.0/16).`,
        });
      } else if (families.has(cidr.family)) {
        issues.push({
          path,
          severity: 'error',
          message: `Give at most one IPv${cidr.family} network here (dual-stack takes one of each).`,
        });
      } else {
        families.add(cidr.family);
        parsed.push({ path, cidr });
      }
    }
    if (parts.length === 0)
      issues.push({ path, severity: 'error', message: 'Enter a network in CIDR form.' });
  }
  const pods = parsed.filter((p) => p.path.endsWith('clusterCidr'));
  const services = parsed.filter((p) => p.path.endsWith('serviceCidr'));
  for (const pod of pods) {
    for (const service of services) {
      if (cidrsOverlap(pod.cidr, service.cidr)) {
        issues.push({
          path: 'networking.serviceCidr',
          severity: 'error',
          message: `The service network ${service.cidr.text} overlaps the pod network ${pod.cidr.text}; they must be separate.`,
        });
      }
    }
  }
  spec.nodes.forEach((node, index) => {
    for (const [field, address] of [
      ['nodeIp', node.nodeIp],
      ['address', node.address],
    ] as const) {
      if (!address || !isIP(address)) continue;
      const hit = parsed.find((p) => cidrContains(p.cidr, address));
      if (hit) {
        issues.push({
          path: `nodes[${index}].${field}`,
          severity: 'error',
          message: `${address} lies inside ${hit.cidr.text} (${hit.path}); pick a pod/service network that does not overlap your LAN.`,
        });
      }
    }
  });
  return issues;
}

function portIssues(spec: ClusterSpec): SpecIssue[] {
  const issues: SpecIssue[] = [];
  const { apiPort, nodePortRange } = spec.networking;
  const range = parsePortRange(nodePortRange);
  if (!range) {
    issues.push({
      path: 'networking.nodePortRange',
      severity: 'error',
      message: `“${nodePortRange}” is not a port range such as 30000-32767.`,
    });
  }
  issues.push(
    ...apiPortIssues(apiPort, { path: 'networking.apiPort', what: 'The API port', range, nodePortRange }),
  );
  spec.nodes.forEach((node, i) => {
    const own = node.listener?.httpsListenPort;
    // Its range is said by the listener's own rules; an agent's by the agent rule there.
    if (own === undefined || own === apiPort || node.role !== 'server' || own < 1 || own > 65535) return;
    issues.push(
      ...apiPortIssues(own, {
        path: `nodes[${i}].listener.httpsListenPort`,
        what: `${node.nodeName}’s listen port`,
        range,
        nodePortRange,
      }),
    );
  });
  return issues;
}

/** One port an API listens on: not one K3s takes for itself, not a NodePort, 6443 preferred. */
function apiPortIssues(
  port: number,
  at: { path: string; what: string; range: { from: number; to: number } | null; nodePortRange: string },
): SpecIssue[] {
  const { path, what, range, nodePortRange } = at;
  if (!Number.isInteger(port) || port < 1 || port > 65535)
    return [
      { path, severity: 'error', message: `${what} must be a whole number from 1 to 65535 (usually 6443).` },
    ];
  if (K3S_OWN_PORTS.includes(port))
    return [
      {
        path,
        severity: 'error',
        message: `Port ${port} is used by K3s itself (${(LOCAL_ONLY_PORTS as readonly number[]).includes(port) ? 'on 127.0.0.1 only' : 'between the nodes'}); keep the API on 6443, or pick a port K3s does not use.`,
      },
    ];
  if (range && port >= range.from && port <= range.to)
    return [
      {
        path,
        severity: 'error',
        message: `${what} ${port} lies in the NodePort range ${nodePortRange}; pick a port outside it.`,
      },
    ];
  if (port !== DEFAULT_API_PORT)
    return [
      {
        path,
        severity: 'warning',
        message: `An API port other than 6443 is known to break in-cluster clients (metrics-server, local-path-provisioner reaching 10.43.0.1:443). Keep 6443 unless you must.`,
      },
    ];
  return [];
}

function clusterIssues(spec: ClusterSpec): SpecIssue[] {
  const issues: SpecIssue[] = [];
  const nameProblem = nodeNameProblem(spec.name);
  if (nameProblem || spec.name.includes('.')) {
    issues.push({
      path: 'name',
      severity: 'error',
      message: `“${spec.name}” is not a valid cluster name: use lower-case letters, digits and “-”.`,
    });
  }
  const { version, channel } = spec.k3s;
  if (version !== undefined && !K3S_RELEASE.test(version))
    issues.push({
      path: 'k3s.version',
      severity: 'error',
      message: `“${version}” is not a K3s release; write it like v1.33.5+k3s1.`,
    });
  if (channel !== undefined && !CHANNEL.test(channel))
    issues.push({
      path: 'k3s.channel',
      severity: 'error',
      message: `“${channel}” is not a K3s channel: use stable, latest or v1.NN.`,
    });
  if (version !== undefined && channel !== undefined)
    issues.push({
      path: 'k3s.channel',
      severity: 'warning',
      message: `Both a version and a channel are set; the version ${version} wins.`,
    });
  if (spec.install.source === 'online') {
    for (const field of ['scriptUrl', 'githubUrl', 'channelUrl'] as const) {
      const value = spec.install[field];
      const problem = value === undefined ? null : urlProblem(value, field);
      if (problem) issues.push({ path: `install.${field}`, severity: 'error', message: problem });
      else if (value?.startsWith('http://'))
        issues.push({
          path: `install.${field}`,
          severity: 'warning',
          message: 'This address is plain http: what it serves runs as root on every machine. Prefer https.',
        });
    }
  } else if (version === undefined) {
    issues.push({
      path: 'k3s.version',
      severity: 'warning',
      message:
        'Air-gap installs use the binaries in the folder; set k3s.version to the release they are so re-runs can tell it is installed.',
    });
  }
  spec.networking.tlsSans.forEach((san, i) => {
    const problem = addressProblem(san);
    if (problem) issues.push({ path: `networking.tlsSans[${i}]`, severity: 'error', message: problem });
  });
  if (spec.firewall.clients !== 'anywhere') {
    spec.firewall.clients.forEach((client, i) => {
      if (!isIP(client) && !parseCidr(client))
        issues.push({
          path: `firewall.clients[${i}]`,
          severity: 'error',
          message: `“${client}” is not an IP address or network (for example 192.168.1.0/24).`,
        });
    });
  }
  const context = spec.kubeconfig.contextName;
  if (context !== undefined && !/^[A-Za-z0-9][A-Za-z0-9._@-]*$/.test(context))
    issues.push({
      path: 'kubeconfig.contextName',
      severity: 'error',
      message: `“${context}” is not a usable context name: letters, digits, “.”, “_”, “@” and “-”.`,
    });
  const server = kubeconfigAddress(spec);
  // The default (the first server's address) is checked where it is written, in nodes[]; whether
  // the certificate covers it is the listener's check (listener.ts).
  const serverProblem = server === undefined ? null : addressProblem(server);
  if (serverProblem && spec.kubeconfig.server !== undefined)
    issues.push({ path: 'kubeconfig.server', severity: 'error', message: serverProblem });
  const endpoint = spec.networking.endpoint;
  const endpointProblem = endpoint ? addressProblem(endpoint.address) : null;
  if (endpointProblem)
    issues.push({ path: 'networking.endpoint.address', severity: 'error', message: endpointProblem });
  if (spec.networking.flannelBackend === 'host-gw')
    issues.push({
      path: 'networking.flannelBackend',
      severity: 'warning',
      message: 'host-gw only works when every node is on the same network segment (no router between them).',
    });
  return issues;
}

/** Every problem of a parsed spec, errors and warnings, in spec order. */
export function validateSpec(spec: ClusterSpec, facts: FactsByNode = {}): SpecIssue[] {
  return [
    ...clusterIssues(spec),
    ...listenerIssues(spec, facts),
    ...portIssues(spec),
    ...cidrIssues(spec),
    ...validateNodes(spec),
    ...rootlessSpecIssues(spec),
  ];
}
