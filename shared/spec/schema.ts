/**
 * The cluster spec: everything the wizard asks, versioned and schema-checked, saved as YAML
 * (`cluster.yaml`). It references secrets (how to log in, whether sudo needs a password) but
 * never holds one: passwords, passphrases and tokens live in the app's memory or the keychain.
 * The schema checks shapes; `validateSpec` checks meaning (overlaps, counts, certificates).
 */
import { z } from 'zod';

export const SPEC_API_VERSION = 'k3s-wizard/v1';
export const SPEC_KIND = 'Cluster';

export const ROLES = ['server', 'agent'] as const;
export const FLANNEL_BACKENDS = ['vxlan', 'wireguard-native', 'host-gw'] as const;
export const COMPONENTS = ['traefik', 'servicelb', 'local-storage', 'metrics-server'] as const;
export const FIREWALL_POLICIES = ['leave', 'disable', 'configure'] as const;
export const ARCHES = ['amd64', 'arm64', 'arm'] as const;

export const DEFAULT_SCRIPT_URL = 'https://get.k3s.io';
export const DEFAULT_CLUSTER_CIDR = '10.42.0.0/16';
export const DEFAULT_SERVICE_CIDR = '10.43.0.0/16';
export const DEFAULT_API_PORT = 6443;
export const DEFAULT_NODE_PORT_RANGE = '30000-32767';

const text = (what: string) => z.string({ error: `Enter ${what}.` }).min(1, { error: `Enter ${what}.` });

const Auth = z.discriminatedUnion(
  'method',
  [
    z.strictObject({ method: z.literal('agent') }),
    z.strictObject({ method: z.literal('key'), keyPath: text('the path of the private key file') }),
    z.strictObject({ method: z.literal('password') }),
  ],
  { error: 'Choose how to log in: method agent (the SSH agent), key (with keyPath) or password.' },
);

export const NodeSpec = z.strictObject({
  /** How this computer reaches the machine over SSH: IP address or host name. */
  address: text('the machine’s IP address or host name'),
  port: z.number().int().min(1).max(65535).default(22),
  user: text('the user to log in as'),
  auth: Auth.default({ method: 'agent' }),
  /** Whether sudo asks this user for a password (asked at run time, never saved here). */
  sudo: z.strictObject({ password: z.boolean().default(false) }).default({ password: false }),
  role: z.enum(ROLES, { error: 'The role must be server or agent.' }),
  nodeName: text('a node name'),
  labels: z.record(z.string(), z.string()).default({}),
  /** `key=value:Effect` or `key:Effect`. */
  taints: z.array(z.string()).default([]),
  /** The address other nodes use for this one (`--node-ip`); detected by K3s when absent. */
  nodeIp: z.string().optional(),
  /** The interface flannel uses (`--flannel-iface`), for machines with several networks. */
  flannelIface: z.string().optional(),
  /** The K3s binary to install; taken from the host's facts when absent (air-gap needs one of the two). */
  arch: z.enum(ARCHES).optional(),
  /** Overrides the cluster's firewall policy for this machine. */
  firewall: z.enum(FIREWALL_POLICIES).optional(),
});
export type NodeSpec = z.output<typeof NodeSpec>;

const Install = z.discriminatedUnion(
  'source',
  [
    z.strictObject({
      source: z.literal('online'),
      /** The install script; a mirror of get.k3s.io works too. */
      scriptUrl: z.string().default(DEFAULT_SCRIPT_URL),
      /** A mirror of https://github.com/k3s-io/k3s/releases (`GITHUB_URL`). */
      githubUrl: z.string().optional(),
      /** A mirror of https://update.k3s.io/v1-release/channels (`INSTALL_K3S_CHANNEL_URL`). */
      channelUrl: z.string().optional(),
    }),
    z.strictObject({
      source: z.literal('airgap'),
      /** A folder on this computer with install.sh, k3s / k3s-arm64 / k3s-armhf, sha256sum-*.txt. */
      folder: text('the folder that holds install.sh and the K3s binaries'),
      /** Copy k3s-airgap-images-<arch>.tar.* to every node. */
      images: z.boolean().default(true),
    }),
  ],
  { error: 'The install source must be online or airgap.' },
);

export const ClusterSpec = z.strictObject({
  apiVersion: z.literal(SPEC_API_VERSION, { error: `apiVersion must be ${SPEC_API_VERSION}.` }),
  kind: z.literal(SPEC_KIND, { error: `kind must be ${SPEC_KIND}.` }),
  name: text('a cluster name'),
  k3s: z
    .strictObject({
      /** An exact release, e.g. v1.33.5+k3s1; wins over the channel. */
      version: z.string().optional(),
      /** stable, latest or v1.NN. */
      channel: z.string().optional(),
    })
    .default({}),
  install: Install.default({ source: 'online', scriptUrl: DEFAULT_SCRIPT_URL }),
  ha: z
    .strictObject({
      /** Embedded etcd (`cluster-init` on the first server). Default: on with several servers. */
      embeddedEtcd: z.boolean().optional(),
    })
    .default({}),
  networking: z
    .strictObject({
      flannelBackend: z.enum(FLANNEL_BACKENDS).default('vxlan'),
      clusterCidr: z.string().default(DEFAULT_CLUSTER_CIDR),
      serviceCidr: z.string().default(DEFAULT_SERVICE_CIDR),
      apiPort: z.number().int().default(DEFAULT_API_PORT),
      tlsSans: z.array(z.string()).default([]),
      nodePortRange: z.string().default(DEFAULT_NODE_PORT_RANGE),
      /** Open the NodePort range in host firewalls. */
      openNodePorts: z.boolean().default(false),
    })
    .default({
      flannelBackend: 'vxlan',
      clusterCidr: DEFAULT_CLUSTER_CIDR,
      serviceCidr: DEFAULT_SERVICE_CIDR,
      apiPort: DEFAULT_API_PORT,
      tlsSans: [],
      nodePortRange: DEFAULT_NODE_PORT_RANGE,
      openNodePorts: false,
    }),
  disable: z.array(z.enum(COMPONENTS)).default([]),
  firewall: z
    .strictObject({
      policy: z.enum(FIREWALL_POLICIES).default('configure'),
      /** Who may reach the API port (and NodePorts): `anywhere`, or addresses / CIDRs. */
      clients: z.union([z.literal('anywhere'), z.array(z.string())]).default('anywhere'),
    })
    .default({ policy: 'configure', clients: 'anywhere' }),
  kubeconfig: z
    .strictObject({
      /** Default: the cluster name. */
      contextName: z.string().optional(),
      /** The address written into the kubeconfig. Default: the first server's address. */
      server: z.string().optional(),
      /** merge into ~/.kube/config, or a separate file. */
      file: z.enum(['merge', 'separate']).default('merge'),
    })
    .default({ file: 'merge' }),
  nodes: z.array(NodeSpec).min(1, { error: 'Add at least one machine.' }),
});

/** The spec after defaults are applied: what every other module works with. */
export type ClusterSpec = z.output<typeof ClusterSpec>;
/** The spec as written by a person, defaults optional. */
export type ClusterSpecInput = z.input<typeof ClusterSpec>;
export type Role = (typeof ROLES)[number];
export type FlannelBackend = (typeof FLANNEL_BACKENDS)[number];
export type FirewallPolicy = (typeof FIREWALL_POLICIES)[number];
export type Component = (typeof COMPONENTS)[number];
