/**
 * Adopt: what a running cluster's first server says (its K3s version, `kubectl get nodes`, its
 * /etc/rancher/k3s/config.yaml) as a cluster file. Every node found is marked `adopted`: the
 * plan keeps its K3s as it is (no config rewrite, no reinstall, no restart) and only opens its
 * firewall to new peers. Secrets (token, agent-token…) never reach the cluster file: the caller
 * drops them with `splitSecrets` before this module sees the config.
 */
import { isSecretKey } from '../redact';
import { parseK3sVersion } from './version';
import type { NodeInfo } from '../run/events';
import {
  ARCHES,
  COMPONENTS,
  DEFAULT_SCRIPT_URL,
  FLANNEL_BACKENDS,
  SPEC_API_VERSION,
  SPEC_KIND,
  type ClusterSpecInput,
} from '../spec/schema';

type NodeInput = ClusterSpecInput['nodes'][number];

export interface AdoptLogin {
  address: string;
  port: number;
  user: string;
  auth: NodeInput['auth'];
  sudoPassword: boolean;
}

export interface AdoptInput {
  name: string;
  /** How the first server was logged in to; other nodes are assumed to take the same login. */
  login: AdoptLogin;
  /** `k3s --version` on the server, e.g. v1.33.5+k3s1. */
  version: string;
  nodes: NodeInfo[];
  /** The server's node name (its config's node-name, else its host name). */
  serverNode: string;
  /** The server's config.yaml without its secrets (null when it has none). */
  config: Record<string, unknown> | null;
  /** SSH addresses given by the user, by node name ([user@]host[:port] is not taken here: host only). */
  addresses: Readonly<Record<string, string>>;
}

export interface AdoptResult {
  spec: ClusterSpecInput;
  /** Nodes left out of the file: no SSH address known; what the user must add. */
  missing: { node: string; what: string }[];
  /** What the file could not say, or assumed. */
  notes: string[];
}

/** The release `k3s --version` printed (first line `k3s version v1.33.5+k3s1 (abcdef12)`). */
export function versionOfK3sOutput(text: string): string | null {
  const word = /^k3s version (\S+)/m.exec(text)?.[1];
  return word ? (parseK3sVersion(word)?.text ?? null) : null;
}

/** A config.yaml split into its settings and its secret values (kept apart, in memory). */
export function splitSecrets(config: unknown): { settings: Record<string, unknown>; secrets: string[] } {
  const settings: Record<string, unknown> = {};
  const secrets: string[] = [];
  if (!config || typeof config !== 'object' || Array.isArray(config)) return { settings, secrets };
  for (const [key, value] of Object.entries(config as Record<string, unknown>).slice(0, 500)) {
    if (isSecretKey(key)) {
      if (typeof value === 'string' || typeof value === 'number') secrets.push(String(value));
    } else settings[key] = value;
  }
  return { settings, secrets };
}

const list = (value: unknown): string[] => {
  if (value === undefined || value === null) return [];
  const items = Array.isArray(value) ? value : [value];
  return items
    .flatMap((v) => (typeof v === 'string' || typeof v === 'number' ? String(v).split(',') : []))
    .map((s) => s.trim())
    .filter(Boolean)
    .slice(0, 100);
};
const str = (value: unknown): string | undefined =>
  typeof value === 'string' || typeof value === 'number' ? String(value) : undefined;

/** config.yaml keys this module turns into cluster-file fields. */
const KNOWN = new Set([
  'node-name',
  'node-ip',
  'flannel-iface',
  'node-label',
  'node-taint',
  'cluster-init',
  'server',
  'tls-san',
  'https-listen-port',
  'flannel-backend',
  'cluster-cidr',
  'service-cidr',
  'service-node-port-range',
  'disable',
  'write-kubeconfig-mode',
]);

const isServer = (n: NodeInfo) => n.roles.includes('control-plane') || n.roles.includes('master');

function labelsOf(config: Record<string, unknown>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const item of list(config['node-label'])) {
    const eq = item.indexOf('=');
    if (eq > 0) out[item.slice(0, eq)] = item.slice(eq + 1);
  }
  return out;
}

export function adoptCluster(input: AdoptInput): AdoptResult {
  const config = input.config ?? {};
  const notes: string[] = [];
  const missing: AdoptResult['missing'] = [];
  const nodes = input.nodes.slice(0, 100);
  const server = nodes.find((n) => n.name === input.serverNode);
  if (!server)
    notes.push(
      `${input.login.address} is not among the nodes the cluster lists (as ${input.serverNode}): it is written as the first server anyway.`,
    );
  // the server adopted from first (the plan's first server), then the other servers, then agents
  const others = nodes.filter((n) => n.name !== input.serverNode);
  const ordered = [...others.filter(isServer), ...others.filter((n) => !isServer(n))];
  const login = input.login;
  const base = {
    user: login.user,
    auth: login.auth,
    sudo: { password: login.sudoPassword },
    adopted: true,
  } as const;
  const archOf = (n: NodeInfo) =>
    (ARCHES as readonly string[]).includes(n.arch) ? { arch: n.arch as (typeof ARCHES)[number] } : {};

  const first: NodeInput = {
    address: login.address,
    port: login.port,
    ...base,
    role: 'server',
    nodeName: input.serverNode,
    ...(server ? archOf(server) : {}),
    ...(str(config['node-ip']) ? { nodeIp: list(config['node-ip'])[0] } : {}),
    ...(str(config['flannel-iface']) ? { flannelIface: str(config['flannel-iface']) } : {}),
    ...(Object.keys(labelsOf(config)).length ? { labels: labelsOf(config) } : {}),
    ...(list(config['node-taint']).length ? { taints: list(config['node-taint']) } : {}),
  };
  const specNodes: NodeInput[] = [first];
  for (const n of ordered) {
    const address = input.addresses[n.name] ?? n.internalIp;
    if (!address) {
      missing.push({
        node: n.name,
        what: `the address to reach ${n.name} over SSH: run adopt again with --address ${n.name}=HOST`,
      });
      continue;
    }
    specNodes.push({
      address,
      port: 22,
      ...base,
      role: isServer(n) ? 'server' : 'agent',
      nodeName: n.name,
      ...archOf(n),
    });
    if (!input.addresses[n.name])
      notes.push(
        `${n.name}: reached over SSH at its node address ${address} as ${login.user} (the server's login); correct address, user and auth in the file if not.`,
      );
  }

  const servers = nodes.filter(isServer);
  const etcd = servers.some((n) => n.roles.includes('etcd')) || config['cluster-init'] === true;
  if (servers.length > 1 && !etcd)
    notes.push(
      'Several servers without embedded etcd: the cluster uses an external datastore, which k3s-wizard does not set up; new servers cannot be added with this file.',
    );

  const backend = str(config['flannel-backend']);
  if (backend && !(FLANNEL_BACKENDS as readonly string[]).includes(backend))
    notes.push(`flannel-backend ${backend} is not one k3s-wizard plans for; the file says vxlan.`);
  const disable = list(config.disable);
  const unknownDisable = disable.filter((d) => !(COMPONENTS as readonly string[]).includes(d));
  if (unknownDisable.length)
    notes.push(`disable: ${unknownDisable.join(', ')} left out (not a component k3s-wizard knows).`);
  const port = Number(str(config['https-listen-port']) ?? 6443);
  const tlsSans = list(config['tls-san']);
  const unknown = Object.keys(config).filter((k) => !KNOWN.has(k));
  if (unknown.length)
    notes.push(
      `${input.serverNode}'s config.yaml also sets ${unknown.join(', ')}: kept on the machine (adopted nodes keep their settings), not in the cluster file.`,
    );

  const spec: ClusterSpecInput = {
    apiVersion: SPEC_API_VERSION,
    kind: SPEC_KIND,
    name: input.name,
    k3s: { version: input.version },
    install: { source: 'online', scriptUrl: DEFAULT_SCRIPT_URL },
    ha: { embeddedEtcd: etcd },
    networking: {
      flannelBackend:
        backend && (FLANNEL_BACKENDS as readonly string[]).includes(backend)
          ? (backend as (typeof FLANNEL_BACKENDS)[number])
          : 'vxlan',
      ...(str(config['cluster-cidr']) ? { clusterCidr: str(config['cluster-cidr']) } : {}),
      ...(str(config['service-cidr']) ? { serviceCidr: str(config['service-cidr']) } : {}),
      ...(Number.isInteger(port) && port !== 6443 ? { apiPort: port } : {}),
      ...(tlsSans.length ? { tlsSans } : {}),
      ...(str(config['service-node-port-range'])
        ? { nodePortRange: str(config['service-node-port-range']) }
        : {}),
    },
    disable: disable.filter((d): d is (typeof COMPONENTS)[number] =>
      (COMPONENTS as readonly string[]).includes(d),
    ),
    firewall: { policy: 'configure', clients: 'anywhere' },
    nodes: specNodes,
  };
  return { spec, missing, notes };
}
