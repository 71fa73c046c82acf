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

/**
 * Size limits: a spec comes from a file or a front, so every string and list is bounded, with
 * a message that says the limit. Names follow Kubernetes (DNS names 253, label values 63,
 * qualified keys 253 + "/" + 63).
 */
export const LIMITS = {
  name: 253,
  path: 4096,
  url: 2048,
  short: 253,
  labelKey: 317,
  labelValue: 63,
  taint: 400,
  labels: 64,
  taints: 64,
  nodes: 100,
  list: 100,
  clients: 256,
} as const;

const bounded = (max: number, what: string) =>
  z.string().max(max, { error: `${what} can be at most ${max} characters.` });

const text = (what: string, max: number = LIMITS.name) =>
  z
    .string({ error: `Enter ${what}.` })
    .min(1, { error: `Enter ${what}.` })
    .max(max, { error: `Shorten ${what}: at most ${max} characters.` });

const list = <T extends z.ZodType>(item: T, max: number, what: string) =>
  z.array(item).max(max, { error: `At most ${max} ${what}.` });

const Auth = z.discriminatedUnion(
  'method',
  [
    z.strictObject({ method: z.literal('agent') }),
    z.strictObject({
      method: z.literal('key'),
      keyPath: text('the path of the private key file', LIMITS.path),
    }),
    z.strictObject({ method: z.literal('password') }),
  ],
  { error: 'Choose how to log in: method agent (the SSH agent), key (with keyPath) or password.' },
);

/** A server's listener options, the K3s flags of the same names. */
export const Listener = z.strictObject({
  /** The address the API listens on (`--bind-address`); every address when absent. */
  bindAddress: bounded(LIMITS.short, 'The bind address').optional(),
  /** The address the API tells the cluster to use for this server (`--advertise-address`). */
  advertiseAddress: bounded(LIMITS.short, 'The advertise address').optional(),
  /**
   * The port this server's API and supervisor listen on (`--https-listen-port`); the cluster's
   * `networking.apiPort` when absent. For a machine where another port is what policy allows.
   */
  httpsListenPort: z.number().int().optional(),
  /** The port it tells the cluster (`--advertise-port`), when a forwarder maps another one. */
  advertisePort: z.number().int().optional(),
  /** Further names and addresses in this server's certificate (`--tls-san`). */
  tlsSans: list(bounded(LIMITS.name, 'A TLS name'), LIMITS.list, 'TLS names').default([]),
});
export type Listener = z.output<typeof Listener>;

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
  labels: z
    .record(
      z.string(),
      z.string().max(LIMITS.labelValue, {
        error: `A label value can be at most ${LIMITS.labelValue} characters.`,
      }),
    )
    .refine((labels) => Object.keys(labels).length <= LIMITS.labels, {
      error: `At most ${LIMITS.labels} labels per machine.`,
    })
    .refine((labels) => Object.keys(labels).every((key) => key.length <= LIMITS.labelKey), {
      error: `A label key can be at most ${LIMITS.labelKey} characters.`,
    })
    .default({}),
  /** `key=value:Effect` or `key:Effect`. */
  taints: list(bounded(LIMITS.taint, 'A taint'), LIMITS.taints, 'taints per machine').default([]),
  /** The address other nodes use for this one (`--node-ip`); detected by K3s when absent. */
  nodeIp: bounded(LIMITS.short, 'The node IP').optional(),
  /** The interface flannel uses (`--flannel-iface`), for machines with several networks. */
  flannelIface: bounded(LIMITS.short, 'The interface name').optional(),
  /** The K3s binary to install; taken from the host's facts when absent (air-gap needs one of the two). */
  arch: z.enum(ARCHES).optional(),
  /** Overrides the cluster's firewall policy for this machine. */
  firewall: z.enum(FIREWALL_POLICIES).optional(),
  /** The address this node is reached on from outside its network (`--node-external-ip`). */
  nodeExternalIp: bounded(LIMITS.short, 'The external IP').optional(),
  /**
   * K3s names the node after the machine's host name plus a random id kept on the machine
   * (`--with-node-id`) instead of `nodeName`: cloned machines with one host name still differ,
   * but a reinstall makes a new id, so a new name.
   */
  withNodeId: z.boolean().optional(),
  /** How a server's API listens and what it tells the cluster (servers only). */
  listener: Listener.optional(),
  /** Run this server's K3s as its login user (`k3s server --rootless`), not as root. */
  rootless: z.boolean().optional(),
  /**
   * K3s on this machine was installed outside k3s-wizard (`k3s-wizard adopt`): its settings and
   * service are kept as they are (never rewritten, reinstalled or restarted); only its firewall
   * is planned, so it lets new peers in.
   */
  adopted: z.boolean().optional(),
});
export type NodeSpec = z.output<typeof NodeSpec>;

const Install = z.discriminatedUnion(
  'source',
  [
    z.strictObject({
      source: z.literal('online'),
      /** The install script; a mirror of get.k3s.io works too. */
      scriptUrl: bounded(LIMITS.url, 'The script URL').default(DEFAULT_SCRIPT_URL),
      /** A mirror of https://github.com/k3s-io/k3s/releases (`GITHUB_URL`). */
      githubUrl: bounded(LIMITS.url, 'The release mirror URL').optional(),
      /** A mirror of https://update.k3s.io/v1-release/channels (`INSTALL_K3S_CHANNEL_URL`). */
      channelUrl: bounded(LIMITS.url, 'The channel URL').optional(),
    }),
    z.strictObject({
      source: z.literal('airgap'),
      /** A folder on this computer with install.sh, k3s / k3s-arm64 / k3s-armhf, sha256sum-*.txt. */
      folder: text('the folder that holds install.sh and the K3s binaries', LIMITS.path),
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
      version: bounded(LIMITS.short, 'The version').optional(),
      /** stable, latest or v1.NN. */
      channel: bounded(LIMITS.short, 'The channel').optional(),
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
      clusterCidr: bounded(LIMITS.short, 'The cluster CIDR').default(DEFAULT_CLUSTER_CIDR),
      serviceCidr: bounded(LIMITS.short, 'The service CIDR').default(DEFAULT_SERVICE_CIDR),
      apiPort: z.number().int().default(DEFAULT_API_PORT),
      tlsSans: list(bounded(LIMITS.name, 'A TLS name'), LIMITS.list, 'TLS names').default([]),
      /**
       * The address (and port) joining nodes and kubectl use for the API: a load balancer, a
       * virtual IP, or a second address of the first server. Default: the first server itself.
       */
      endpoint: z
        .strictObject({
          address: text('the API endpoint address'),
          port: z.number().int().optional(),
        })
        .optional(),
      nodePortRange: bounded(LIMITS.short, 'The NodePort range').default(DEFAULT_NODE_PORT_RANGE),
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
      clients: z
        .union([z.literal('anywhere'), z.array(bounded(LIMITS.short, 'A client address'))])
        .refine((clients) => clients === 'anywhere' || clients.length <= LIMITS.clients, {
          error: `At most ${LIMITS.clients} client addresses or networks.`,
        })
        .default('anywhere'),
    })
    .default({ policy: 'configure', clients: 'anywhere' }),
  kubeconfig: z
    .strictObject({
      /** Default: the cluster name. */
      contextName: bounded(LIMITS.name, 'The context name').optional(),
      /** The address written into the kubeconfig. Default: the first server's address. */
      server: bounded(LIMITS.url, 'The kubeconfig server').optional(),
      /** merge into ~/.kube/config, or a separate file. */
      file: z.enum(['merge', 'separate']).default('merge'),
    })
    .default({ file: 'merge' }),
  nodes: z
    .array(NodeSpec)
    .min(1, { error: 'Add at least one machine.' })
    .max(LIMITS.nodes, { error: `A cluster here has at most ${LIMITS.nodes} machines.` }),
});

/** The spec after defaults are applied: what every other module works with. */
export type ClusterSpec = z.output<typeof ClusterSpec>;
/** The spec as written by a person, defaults optional. */
export type ClusterSpecInput = z.input<typeof ClusterSpec>;
export type Role = (typeof ROLES)[number];
export type FlannelBackend = (typeof FLANNEL_BACKENDS)[number];
export type FirewallPolicy = (typeof FIREWALL_POLICIES)[number];
export type Component = (typeof COMPONENTS)[number];
