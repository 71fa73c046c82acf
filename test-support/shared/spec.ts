/** Builders of specs and recorded host facts for tests (pure data, no secrets). */
import type { FirewalldZone, HostFacts, K3sArch } from '../../shared/facts';
import { ClusterSpec, type ClusterSpecInput } from '../../shared/spec/schema';

type NodeInput = ClusterSpecInput['nodes'][number];

export function node(
  nodeName: string,
  address: string,
  role: 'server' | 'agent',
  extra: Partial<NodeInput> = {},
): NodeInput {
  return { address, user: 'pi', role, nodeName, ...extra };
}

export function makeSpec(nodes: NodeInput[], extra: Partial<ClusterSpecInput> = {}): ClusterSpec {
  return ClusterSpec.parse({ apiVersion: 'k3s-wizard/v1', kind: 'Cluster', name: 'lab', nodes, ...extra });
}

const ARCH: Record<K3sArch, { kernel: string; userland: string }> = {
  amd64: { kernel: 'x86_64', userland: 'amd64' },
  arm64: { kernel: 'aarch64', userland: 'arm64' },
  arm: { kernel: 'armv7l', userland: 'armhf' },
};

export function zone(name: string, extra: Partial<FirewalldZone> = {}): FirewalldZone {
  return {
    name,
    target: 'default',
    interfaces: [],
    sources: [],
    services: [],
    ports: [],
    richRules: [],
    ...extra,
  };
}

/** The K3s facts of a machine without K3s. */
export const NO_K3S: HostFacts['k3s'] = {
  installed: false,
  version: null,
  role: null,
  serviceState: null,
  hasConfig: false,
  configSha256: null,
  nodePassword: null,
};

/** Facts of a healthy Debian-like host at `address` on eth0, probed from 192.168.1.5. */
export function makeFacts(
  address: string,
  overrides: Partial<HostFacts> = {},
  arch: K3sArch = 'amd64',
): HostFacts {
  return {
    collectedAt: '2025-01-01T00:00:00.000Z',
    hostname: `host-${address.replace(/\W/g, '-')}`,
    machineId: `id-${address}`,
    kernelArch: ARCH[arch].kernel,
    userlandArch: ARCH[arch].userland,
    longBit: arch === 'arm' ? 32 : 64,
    k3sArch: arch,
    os: { id: 'debian', versionId: '12', prettyName: 'Debian GNU/Linux 12', idLike: [] },
    kernel: '6.1.0',
    init: 'systemd',
    cpus: 4,
    memoryMiB: 4096,
    diskFreeMiB: 20000,
    addresses: [{ iface: 'eth0', address, family: 4, prefixLength: 24 }],
    defaultInterface: 'eth0',
    defaultAddress: address,
    ssh: { clientAddress: '192.168.1.5', serverAddress: address, serverPort: 22 },
    raspberryPi: null,
    cgroup: { version: 2, memory: true },
    firewall: {
      kind: 'none',
      firewalldActive: false,
      ufwActive: false,
      firewalld: null,
      ufw: null,
      rawRuleCount: 0,
    },
    selinux: null,
    iptables: { version: '1.8.9', backend: 'nf_tables' },
    k3s: { ...NO_K3S },
    listeners: [],
    clockMs: 1735689600000,
    sudo: 'nopasswd',
    ...overrides,
  };
}
