/**
 * What the probe learns about a host in one round trip. Every field that could not be
 * determined is null ("unknown"), never a guess: checks treat unknown as its own case.
 */

/** The K3s release artifact a host needs, chosen by its userland (a 32-bit userland on a 64-bit kernel gets armhf). */
export type K3sArch = 'amd64' | 'arm64' | 'arm';

export interface NetAddress {
  iface: string;
  address: string;
  family: 4 | 6;
  prefixLength: number;
}

export interface FirewalldZone {
  name: string;
  target: string | null;
  interfaces: string[];
  sources: string[];
  services: string[];
  /** As firewalld lists them: "6443/tcp", "2379-2380/tcp". */
  ports: string[];
  /** Rich rules, verbatim. */
  richRules: string[];
}

export interface FirewalldFacts {
  defaultZone: string | null;
  /** Zones that are in use (active) plus the default zone, with their settings. */
  zones: FirewalldZone[];
}

export interface UfwRule {
  /** Port or range with protocol as ufw prints it: "22/tcp", "6443/tcp", "30000:32767/tcp", or a service name. */
  to: string;
  action: 'ALLOW' | 'DENY' | 'REJECT' | 'LIMIT';
  direction: 'IN' | 'OUT';
  /** "Anywhere" or an address/CIDR. */
  from: string;
  v6: boolean;
}

export interface UfwFacts {
  defaultIncoming: 'allow' | 'deny' | 'reject' | null;
  rules: UfwRule[];
}

export type FirewallKind = 'firewalld' | 'ufw' | 'nftables' | 'iptables' | 'none';

export interface FirewallFacts {
  /** The firewall that manages the host's rules: firewalld or ufw when active, else raw rules if any. */
  kind: FirewallKind | null;
  firewalldActive: boolean | null;
  ufwActive: boolean | null;
  firewalld: FirewalldFacts | null;
  ufw: UfwFacts | null;
  /** Number of nftables/iptables rules not managed by firewalld or ufw (0 = no raw filtering). */
  rawRuleCount: number | null;
}

export interface Listener {
  port: number;
  proto: 'tcp' | 'udp';
  address: string;
  process: string | null;
}

export interface K3sFacts {
  installed: boolean;
  /** "v1.33.5+k3s1" */
  version: string | null;
  role: 'server' | 'agent' | null;
  /** systemd unit state: "active", "inactive", "failed", "activating"… */
  serviceState: string | null;
  /** Existing config.yaml present (its content is not collected: it holds the token). */
  hasConfig: boolean;
}

export interface HostFacts {
  /** When the probe ran, on this computer (ISO 8601). */
  collectedAt: string;
  hostname: string | null;
  machineId: string | null;
  /** `uname -m`: x86_64, aarch64, armv7l, armv6l… */
  kernelArch: string | null;
  /** `dpkg --print-architecture` or equivalent: amd64, arm64, armhf, armel, i386… */
  userlandArch: string | null;
  /** `getconf LONG_BIT` */
  longBit: 32 | 64 | null;
  /** The artifact to install, null when the host cannot run K3s (armv6l, s390x…). */
  k3sArch: K3sArch | null;
  os: { id: string | null; versionId: string | null; prettyName: string | null; idLike: string[] };
  kernel: string | null;
  init: 'systemd' | 'openrc' | 'other' | null;
  cpus: number | null;
  memoryMiB: number | null;
  /** Free space where K3s keeps its data (/var/lib, or the nearest existing parent). */
  diskFreeMiB: number | null;
  addresses: NetAddress[];
  defaultInterface: string | null;
  /** The address of the default-route interface (what other nodes most likely reach). */
  defaultAddress: string | null;
  /** From $SSH_CONNECTION: the address this host saw us come from, and the one we reached it on. */
  ssh: { clientAddress: string | null; serverAddress: string | null; serverPort: number | null };
  raspberryPi: { model: string; cmdlinePath: string | null } | null;
  cgroup: { version: 1 | 2 | null; memory: boolean | null };
  firewall: FirewallFacts;
  selinux: 'enforcing' | 'permissive' | 'disabled' | null;
  iptables: { version: string | null; backend: 'nf_tables' | 'legacy' | null };
  k3s: K3sFacts;
  listeners: Listener[];
  /** The host's clock when the probe ran (ms since epoch), to detect skew. */
  clockMs: number | null;
  /** How commands get root: already root, sudo without password, sudo with password, or not at all. */
  sudo: 'root' | 'nopasswd' | 'password' | 'unavailable' | null;
}
