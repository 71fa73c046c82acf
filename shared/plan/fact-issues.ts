/**
 * What the facts say about a host before anything runs on it: blockers and warnings for the
 * plan, against the spec. The host rules themselves (hardware, architecture, iptables, clones)
 * are the pre-flight checks' own (shared/checks/host-checks.ts), so both always agree.
 */
import {
  HARDWARE,
  memoryVerdict,
  needsBundledIptables,
  sharing,
  tooFewCpus,
  unsupportedArch,
} from '../checks/host-checks';
import { rootlessChecks } from '../checks/rootless';
import type { HostFacts } from '../facts';
import type { SpecIssue } from '../spec/issues';
import type { FactsByNode } from '../spec/model';
import type { ClusterSpec, NodeSpec } from '../spec/schema';

function nodeChecks(spec: ClusterSpec, node: NodeSpec, index: number, facts: HostFacts): SpecIssue[] {
  const at = (field: string) => (field ? `nodes[${index}].${field}` : `nodes[${index}]`);
  const issues: SpecIssue[] = [];
  const error = (path: string, message: string) => issues.push({ path, severity: 'error', message });
  const warn = (path: string, message: string) => issues.push({ path, severity: 'warning', message });
  const name = node.nodeName;
  if (unsupportedArch(facts)) {
    error(
      at(''),
      `${name} is ${facts.kernelArch ?? facts.userlandArch ?? '?'}${facts.kernelArch && facts.userlandArch ? ` (${facts.userlandArch})` : ''}, which K3s does not run on (it needs amd64, arm64 or armhf; a Pi Zero or Pi 1 cannot).`,
    );
  }
  if (facts.init === 'other')
    error(at(''), `${name} runs neither systemd nor OpenRC; K3s’s installer needs one of them.`);
  if (facts.sudo === 'unavailable')
    error(at('user'), `${node.user} cannot use sudo on ${name}; use root or a user in the sudo group.`);
  if (facts.sudo === 'password' && !node.sudo.password) {
    warn(
      at('sudo.password'),
      `sudo on ${name} asks ${node.user} for a password and none was given: enter it with “Edit login” on the Hosts step (the command line: see k3s-wizard apply --help).`,
    );
  }
  if (facts.k3s.installed && facts.k3s.role && facts.k3s.role !== node.role) {
    error(
      at('role'),
      `${name} already runs K3s as ${facts.k3s.role === 'server' ? 'a server' : 'an agent'}. Uninstall it first (${facts.k3s.role === 'server' ? 'k3s-uninstall.sh' : 'k3s-agent-uninstall.sh'}) and delete the node from the cluster.`,
    );
  }
  if (
    facts.k3s.installed &&
    spec.k3s.version &&
    facts.k3s.version &&
    facts.k3s.version !== spec.k3s.version
  ) {
    warn(at(''), `${name} runs K3s ${facts.k3s.version}; it will be changed to ${spec.k3s.version}.`);
  }
  const addresses = facts.addresses.map((a) => a.address);
  if (node.nodeIp && addresses.length && !addresses.includes(node.nodeIp)) {
    error(at('nodeIp'), `${node.nodeIp} is not an address of ${name} (it has ${addresses.join(', ')}).`);
  }
  const ifaces = [...new Set(facts.addresses.map((a) => a.iface))];
  if (node.flannelIface && ifaces.length && !ifaces.includes(node.flannelIface)) {
    error(
      at('flannelIface'),
      `${name} has no interface ${node.flannelIface} with an address (it has ${ifaces.join(', ')}).`,
    );
  }
  if (facts.cgroup.memory === false && !facts.raspberryPi?.cmdlinePath) {
    error(
      at(''),
      `The memory cgroup is off on ${name} and k3s-wizard does not know how to turn it on there: add cgroup_memory=1 cgroup_enable=memory to the kernel command line and reboot.`,
    );
  }
  const server = node.role === 'server';
  if (facts.memoryMiB !== null && memoryVerdict(facts.memoryMiB, node.role) !== 'pass') {
    warn(
      at(''),
      `${name} has ${facts.memoryMiB} MiB of memory; a K3s ${node.role} wants at least ${server ? '2 GiB' : '512 MiB'}.`,
    );
  }
  if (tooFewCpus(facts, node.role))
    warn(
      at(''),
      `${name} has ${facts.cpus} CPU; a K3s ${node.role} wants at least ${HARDWARE[node.role].cpus}.`,
    );
  if (needsBundledIptables(facts)) {
    warn(
      at(''),
      `${name} has iptables ${facts.iptables.version ?? ''}, which is buggy; K3s is told to use its bundled iptables (prefer-bundled-bin).`,
    );
  }
  if (facts.selinux === 'enforcing' && spec.install.source === 'airgap') {
    warn(
      at(''),
      `SELinux is enforcing on ${name}: install the k3s-selinux RPM by hand, an air-gapped host cannot fetch it.`,
    );
  }
  return issues;
}

/** A rootless server's requirements: each one not met stops the plan, with its fix. */
function rootlessIssues(node: NodeSpec, index: number, f: HostFacts): SpecIssue[] {
  if (!node.rootless || node.role !== 'server') return [];
  const unmet = rootlessChecks(f).filter((c) => c.status !== 'pass');
  const issues: SpecIssue[] = [];
  // K3s runs as the login user: the one the probe found must be the one k3s-wizard logs in as.
  if (f.rootless && f.rootless.user !== node.user)
    issues.push({
      path: `nodes[${index}].user`,
      severity: 'error',
      message: `${node.nodeName}: the probe read the requirements of ${f.rootless.user}, but k3s-wizard logs in as ${node.user}; probe the machine again.`,
    });
  return issues.concat(
    unmet.map((c) => ({
      path: `nodes[${index}].rootless`,
      severity: c.status === 'fail' ? ('error' as const) : ('warning' as const),
      message: `${node.nodeName}: ${c.reason}${c.fix?.kind === 'command' ? ` Fix: ${c.fix.command}${c.fix.description ? ` (${c.fix.description})` : ''}` : ''}`,
    })),
  );
}

/** Checks of every probed host, and of hosts against each other (cloned SD cards). */
export function factIssues(spec: ClusterSpec, facts: FactsByNode): SpecIssue[] {
  const issues = spec.nodes.flatMap((node, index) => {
    const f = facts[node.nodeName];
    return f ? [...nodeChecks(spec, node, index, f), ...rootlessIssues(node, index, f)] : [];
  });
  const probed = spec.nodes.map((node, index) => ({ node, index, id: facts[node.nodeName]?.machineId }));
  for (const [first, ...clones] of sharing(probed, (entry) => entry.id)) {
    for (const { node, index } of clones) {
      issues.push({
        path: `nodes[${index}]`,
        severity: 'warning',
        message: `${node.nodeName} and ${first!.node.nodeName} share a machine ID (a cloned SD card?), which confuses flannel. On ${node.nodeName}: sudo rm /etc/machine-id && sudo systemd-machine-id-setup, then reboot.`,
      });
    }
  }
  return issues;
}
