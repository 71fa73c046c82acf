/**
 * What the probe learns about a host in one round trip, as a runtime schema: for facts that
 * arrive from outside the process (a facts.json file, a saved cluster, IPC). The types in
 * `facts.ts` are derived from these, so there is one description. Every field that could not
 * be determined is null ("unknown"), never a guess: checks treat unknown as its own case.
 */
import { z } from 'zod';

const nullable = <T extends z.ZodType>(schema: T) => schema.nullable();

export const NetAddressSchema = z.object({
  iface: z.string(),
  address: z.string(),
  family: z.union([z.literal(4), z.literal(6)]),
  prefixLength: z.number().int(),
});

export const FirewalldZoneSchema = z.object({
  name: z.string(),
  target: nullable(z.string()),
  interfaces: z.array(z.string()),
  sources: z.array(z.string()),
  services: z.array(z.string()),
  /** As firewalld lists them: "6443/tcp", "2379-2380/tcp". */
  ports: z.array(z.string()),
  /** Rich rules, verbatim. */
  richRules: z.array(z.string()),
});

export const FirewalldFactsSchema = z.object({
  defaultZone: nullable(z.string()),
  /** Zones that are in use (active) plus the default zone, with their settings. */
  zones: z.array(FirewalldZoneSchema),
});

export const UfwRuleSchema = z.object({
  /** Port or range with protocol as ufw prints it: "22/tcp", "6443/tcp", "30000:32767/tcp", or a service name. */
  to: z.string(),
  action: z.enum(['ALLOW', 'DENY', 'REJECT', 'LIMIT']),
  direction: z.enum(['IN', 'OUT']),
  /** "Anywhere" or an address/CIDR. */
  from: z.string(),
  v6: z.boolean(),
});

export const UfwFactsSchema = z.object({
  defaultIncoming: nullable(z.enum(['allow', 'deny', 'reject'])),
  rules: z.array(UfwRuleSchema),
});

export const FirewallFactsSchema = z.object({
  /** The firewall that manages the host's rules: firewalld or ufw when active, else raw rules if any. */
  kind: nullable(z.enum(['firewalld', 'ufw', 'nftables', 'iptables', 'none'])),
  firewalldActive: nullable(z.boolean()),
  ufwActive: nullable(z.boolean()),
  firewalld: nullable(FirewalldFactsSchema),
  ufw: nullable(UfwFactsSchema),
  /** Number of nftables/iptables rules not managed by firewalld or ufw (0 = no raw filtering). */
  rawRuleCount: nullable(z.number().int()),
});

export const ListenerSchema = z.object({
  port: z.number().int(),
  proto: z.enum(['tcp', 'udp']),
  address: z.string(),
  process: nullable(z.string()),
});

export const K3sFactsSchema = z.object({
  installed: z.boolean(),
  /** "v1.33.5+k3s1" */
  version: nullable(z.string()),
  role: nullable(z.enum(['server', 'agent'])),
  /** systemd unit state: "active", "inactive", "failed", "activating"… */
  serviceState: nullable(z.string()),
  /** Existing config.yaml present (its content is not collected: it holds the token). */
  hasConfig: z.boolean(),
  /** sha256 of that config.yaml without its token lines, as root (null: none, or not readable). */
  configSha256: nullable(z.string().regex(/^[0-9a-f]{64}$/)),
  /** The node password K3s keeps of a node that joined (null: not known, read as root only). */
  nodePassword: nullable(z.boolean()),
  /**
   * K3s's data folder, /var/lib/rancher/k3s, is there (a datastore of an earlier K3s may be in
   * it; null or absent: not known).
   */
  dataDir: nullable(z.boolean()).optional(),
});

/** The K3s release artifact a host needs, chosen by its userland (a 32-bit userland on a 64-bit kernel gets armhf). */
export const K3sArchSchema = z.enum(['amd64', 'arm64', 'arm']);

/** The login user's side of rootless mode (the user sudo was asked for, not root). */
export const RootlessFactsSchema = z.object({
  user: z.string().max(64),
  uid: nullable(z.number().int()),
  /** systemd's DelegateControllers of user@UID.service: the cgroup controllers the user gets. */
  delegated: z.array(z.string().max(32)).max(32),
  /** Sizes of the user's /etc/subuid and /etc/subgid ranges (0: none). */
  subuids: z.number().int(),
  subgids: z.number().int(),
  linger: z.boolean(),
  /** The user's systemd instance (user@UID.service) runs. */
  userManager: z.boolean(),
  /** newuidmap and newgidmap (package uidmap): the user namespace needs them. */
  uidmap: z.boolean(),
});

export const HostFactsSchema = z.object({
  /** When the probe ran, on this computer (ISO 8601). */
  collectedAt: z.string(),
  hostname: nullable(z.string()),
  machineId: nullable(z.string()),
  /** `uname -m`: x86_64, aarch64, armv7l, armv6l… */
  kernelArch: nullable(z.string()),
  /** `dpkg --print-architecture` or equivalent: amd64, arm64, armhf, armel, i386… */
  userlandArch: nullable(z.string()),
  /** `getconf LONG_BIT` */
  longBit: nullable(z.union([z.literal(32), z.literal(64)])),
  /** The artifact to install, null when the host cannot run K3s (armv6l, s390x…). */
  k3sArch: nullable(K3sArchSchema),
  os: z.object({
    id: nullable(z.string()),
    versionId: nullable(z.string()),
    prettyName: nullable(z.string()),
    idLike: z.array(z.string()),
  }),
  kernel: nullable(z.string()),
  init: nullable(z.enum(['systemd', 'openrc', 'other'])),
  cpus: nullable(z.number()),
  memoryMiB: nullable(z.number()),
  /** Free space where K3s keeps its data (/var/lib, or the nearest existing parent). */
  diskFreeMiB: nullable(z.number()),
  addresses: z.array(NetAddressSchema),
  defaultInterface: nullable(z.string()),
  /** The address of the default-route interface (what other nodes most likely reach). */
  defaultAddress: nullable(z.string()),
  /** From $SSH_CONNECTION: the address this host saw us come from, and the one we reached it on. */
  ssh: z.object({
    clientAddress: nullable(z.string()),
    serverAddress: nullable(z.string()),
    serverPort: nullable(z.number().int()),
  }),
  raspberryPi: nullable(z.object({ model: z.string(), cmdlinePath: nullable(z.string()) })),
  cgroup: z.object({
    version: nullable(z.union([z.literal(1), z.literal(2)])),
    memory: nullable(z.boolean()),
    /** v1 controllers with the unified tree beside them (/sys/fs/cgroup/unified): not pure v2. */
    hybrid: nullable(z.boolean()).optional(),
  }),
  /** What running K3s as the login user needs (rootless mode); absent from older probes. */
  rootless: nullable(RootlessFactsSchema).optional(),
  firewall: FirewallFactsSchema,
  selinux: nullable(z.enum(['enforcing', 'permissive', 'disabled'])),
  iptables: z.object({ version: nullable(z.string()), backend: nullable(z.enum(['nf_tables', 'legacy'])) }),
  k3s: K3sFactsSchema,
  listeners: z.array(ListenerSchema),
  /** The host's clock when the probe ran (ms since epoch), to detect skew. */
  clockMs: nullable(z.number()),
  /** How commands get root: already root, sudo without password, sudo with password, or not at all. */
  sudo: nullable(z.enum(['root', 'nopasswd', 'password', 'unavailable'])),
});

/** facts.json: facts per node, keyed by node name or by address. */
export const FactsFileSchema = z.record(z.string(), HostFactsSchema);
