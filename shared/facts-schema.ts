/**
 * A runtime schema of `HostFacts`, for facts that arrive from outside the process (a facts.json
 * file, a saved cluster, IPC). Kept in step with the type by `satisfies`: a field added to the
 * type without being added here fails to compile.
 */
import { z } from 'zod';
import type { HostFacts } from './facts';

const nullable = <T extends z.ZodType>(schema: T) => schema.nullable();

const FirewalldZone = z.object({
  name: z.string(),
  target: nullable(z.string()),
  interfaces: z.array(z.string()),
  sources: z.array(z.string()),
  services: z.array(z.string()),
  ports: z.array(z.string()),
  richRules: z.array(z.string()),
});

const UfwRule = z.object({
  to: z.string(),
  action: z.enum(['ALLOW', 'DENY', 'REJECT', 'LIMIT']),
  direction: z.enum(['IN', 'OUT']),
  from: z.string(),
  v6: z.boolean(),
});

export const HostFactsSchema = z.object({
  collectedAt: z.string(),
  hostname: nullable(z.string()),
  machineId: nullable(z.string()),
  kernelArch: nullable(z.string()),
  userlandArch: nullable(z.string()),
  longBit: nullable(z.union([z.literal(32), z.literal(64)])),
  k3sArch: nullable(z.enum(['amd64', 'arm64', 'arm'])),
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
  diskFreeMiB: nullable(z.number()),
  addresses: z.array(
    z.object({
      iface: z.string(),
      address: z.string(),
      family: z.union([z.literal(4), z.literal(6)]),
      prefixLength: z.number().int(),
    }),
  ),
  defaultInterface: nullable(z.string()),
  defaultAddress: nullable(z.string()),
  ssh: z.object({
    clientAddress: nullable(z.string()),
    serverAddress: nullable(z.string()),
    serverPort: nullable(z.number().int()),
  }),
  raspberryPi: nullable(z.object({ model: z.string(), cmdlinePath: nullable(z.string()) })),
  cgroup: z.object({
    version: nullable(z.union([z.literal(1), z.literal(2)])),
    memory: nullable(z.boolean()),
  }),
  firewall: z.object({
    kind: nullable(z.enum(['firewalld', 'ufw', 'nftables', 'iptables', 'none'])),
    firewalldActive: nullable(z.boolean()),
    ufwActive: nullable(z.boolean()),
    firewalld: nullable(z.object({ defaultZone: nullable(z.string()), zones: z.array(FirewalldZone) })),
    ufw: nullable(
      z.object({ defaultIncoming: nullable(z.enum(['allow', 'deny', 'reject'])), rules: z.array(UfwRule) }),
    ),
    rawRuleCount: nullable(z.number().int()),
  }),
  selinux: nullable(z.enum(['enforcing', 'permissive', 'disabled'])),
  iptables: z.object({ version: nullable(z.string()), backend: nullable(z.enum(['nf_tables', 'legacy'])) }),
  k3s: z.object({
    installed: z.boolean(),
    version: nullable(z.string()),
    role: nullable(z.enum(['server', 'agent'])),
    serviceState: nullable(z.string()),
    hasConfig: z.boolean(),
  }),
  listeners: z.array(
    z.object({
      port: z.number().int(),
      proto: z.enum(['tcp', 'udp']),
      address: z.string(),
      process: nullable(z.string()),
    }),
  ),
  clockMs: nullable(z.number()),
  sudo: nullable(z.enum(['root', 'nopasswd', 'password', 'unavailable'])),
}) satisfies z.ZodType<HostFacts>;

/** facts.json: facts per node, keyed by node name or by address. */
export const FactsFileSchema = z.record(z.string(), HostFactsSchema);
