/**
 * Checks about one host on its own, and the rules they decide with. The plan's issues
 * (shared/plan/fact-issues.ts) use the same rules, so the Checks step and the plan never
 * disagree about the same facts: add or change a host rule here.
 */
import type { HostFacts } from '../facts';
import type { Check, CheckHost, CheckInput, CheckStatus, NodeRole } from './types';

type Draft = Omit<Check, 'hostId'>;

const MIB_PER_GIB = 1024;
const gib = (mib: number): string => `${(mib / MIB_PER_GIB).toFixed(1)} GB`;

/**
 * K3s's minimum hardware: a server 2 cores and 2 GB, an agent 1 core and 512 MB. Memory allows
 * for what the firmware keeps (a "2 GB" board reports about 1.8 GB); below `failMiB` it fails.
 */
export const HARDWARE: Record<NodeRole, { failMiB: number; warnMiB: number; cpus: number }> = {
  server: { failMiB: 900, warnMiB: 1800, cpus: 2 },
  agent: { failMiB: 460, warnMiB: 460, cpus: 1 },
};

export function memoryVerdict(mib: number, role: NodeRole): CheckStatus {
  const limits = HARDWARE[role];
  if (mib < limits.failMiB) return 'fail';
  return mib < limits.warnMiB ? 'warn' : 'pass';
}

/** Fewer CPUs than K3s wants for the role (unknown counts as enough). */
export const tooFewCpus = (f: HostFacts, role: NodeRole): boolean =>
  f.cpus !== null && f.cpus < HARDWARE[role].cpus;

/** The architecture was read and K3s has no build for it. */
export const unsupportedArch = (f: HostFacts): boolean =>
  f.k3sArch === null && (f.kernelArch !== null || f.userlandArch !== null);

/** iptables 1.8.0 to 1.8.4 pile up duplicate rules: K3s must use its bundled iptables. */
export function needsBundledIptables(facts: HostFacts | null | undefined): boolean {
  return /^v?1\.8\.([0-4])(\D|$)/.test(facts?.iptables.version ?? '');
}

/** Groups of items sharing the same value (null and empty values are ignored), in input order. */
export function sharing<T>(items: readonly T[], value: (item: T) => string | null | undefined): T[][] {
  const byValue = new Map<string, T[]>();
  for (const item of items) {
    const v = value(item);
    if (v) byValue.set(v, [...(byValue.get(v) ?? []), item]);
  }
  return [...byValue.values()].filter((group) => group.length > 1);
}

function arch(f: HostFacts): Draft {
  const id = 'arch';
  const title = 'Processor architecture';
  if (f.kernelArch === null && f.userlandArch === null)
    return { id, status: 'warn', title, reason: 'The processor architecture could not be read.' };
  const shown =
    f.userlandArch && f.userlandArch !== f.kernelArch
      ? `${f.kernelArch ?? '?'} (userland ${f.userlandArch})`
      : (f.kernelArch ?? f.userlandArch ?? '?');
  if (unsupportedArch(f)) {
    const why =
      f.kernelArch === 'armv6l'
        ? ' K3s installs on ARMv6 (Pi Zero, Pi 1) but then dies with "illegal instruction".'
        : '';
    return {
      id,
      status: 'fail',
      title,
      reason: `${shown} is not supported by K3s, which runs on x86_64, arm64 and armv7 (armhf).${why}`,
    };
  }
  if ((f.kernelArch === 'aarch64' || f.kernelArch === 'arm64') && f.k3sArch === 'arm') {
    return {
      id,
      status: 'warn',
      title,
      reason: `A 64-bit kernel runs a 32-bit userland (${f.userlandArch ?? 'armhf'}): the wizard installs the armhf build of K3s. A 64-bit OS would use memory better.`,
    };
  }
  return { id, status: 'pass', title, reason: `${shown}: the ${f.k3sArch} build of K3s will be installed.` };
}

function memoryCgroup(f: HostFacts): Draft {
  const id = 'memory-cgroup';
  const title = 'Memory cgroup';
  if (f.cgroup.memory === null)
    return { id, status: 'warn', title, reason: 'Could not tell whether the memory cgroup is enabled.' };
  if (f.cgroup.memory)
    return {
      id,
      status: 'pass',
      title,
      reason: `The memory cgroup is enabled (cgroup v${f.cgroup.version ?? '?'}).`,
    };
  const pi = f.raspberryPi;
  if (pi) {
    const file = pi.cmdlinePath ?? '/boot/firmware/cmdline.txt';
    return {
      id,
      status: 'fail',
      title,
      reason: `The memory cgroup is off, as on every ${pi.model} by default: K3s will not start without it.`,
      fix: {
        kind: 'action',
        action: 'enable-memory-cgroup',
        description: `Add "cgroup_memory=1 cgroup_enable=memory" to ${file} (a backup is kept), reboot, and wait for the Pi to come back.`,
      },
    };
  }
  return {
    id,
    status: 'fail',
    title,
    reason:
      'The memory cgroup is off: K3s will not start without it. Add "cgroup_enable=memory" to the kernel command line and reboot.',
  };
}

function memory(f: HostFacts, host: CheckHost): Draft {
  const id = 'memory';
  const title = 'Memory';
  const mib = f.memoryMiB;
  if (mib === null) return { id, status: 'warn', title, reason: 'The amount of memory could not be read.' };
  const verdict = memoryVerdict(mib, host.role);
  if (host.role === 'server') {
    if (verdict === 'fail')
      return {
        id,
        status: 'fail',
        title,
        reason: `${gib(mib)} is too little for a K3s server (2 GB recommended, 1 GB at the very least).`,
      };
    if (verdict === 'warn')
      return {
        id,
        status: 'warn',
        title,
        reason: `${gib(mib)} is below the 2 GB recommended for a server: it will be slow and may run out of memory.`,
      };
  } else if (verdict !== 'pass') {
    return { id, status: 'fail', title, reason: `${gib(mib)} is below the 512 MB an agent needs.` };
  }
  return { id, status: 'pass', title, reason: `${gib(mib)} of memory.` };
}

function cpus(f: HostFacts, host: CheckHost): Draft | null {
  if (!tooFewCpus(f, host.role)) return null;
  return {
    id: 'cpus',
    status: 'warn',
    title: 'Processors',
    reason: `${f.cpus ?? '?'} CPU${f.cpus === 1 ? '' : 's'}: a K3s ${host.role} wants at least ${HARDWARE[host.role].cpus}; it will be slow.`,
  };
}

function disk(f: HostFacts): Draft {
  const id = 'disk';
  const title = 'Free disk space';
  const mib = f.diskFreeMiB;
  if (mib === null)
    return { id, status: 'warn', title, reason: 'The free space under /var/lib could not be read.' };
  if (mib < 2 * MIB_PER_GIB)
    return {
      id,
      status: 'fail',
      title,
      reason: `Only ${gib(mib)} free under /var/lib: K3s and its images need several GB.`,
    };
  if (mib < 6 * MIB_PER_GIB)
    return {
      id,
      status: 'warn',
      title,
      reason: `${gib(mib)} free under /var/lib: enough to start, but images will fill it quickly.`,
    };
  return { id, status: 'pass', title, reason: `${gib(mib)} free under /var/lib.` };
}

function clock(f: HostFacts, input: CheckInput): Draft {
  const id = 'clock';
  const title = 'Clock';
  const reference = input.localClockMs ?? Date.parse(f.collectedAt);
  if (f.clockMs === null || Number.isNaN(reference))
    return { id, status: 'warn', title, reason: "The host's clock could not be read." };
  const skewS = Math.round((f.clockMs - reference) / 1000);
  const max = input.maxClockSkewS ?? 30;
  if (Math.abs(skewS) > max) {
    return {
      id,
      status: 'fail',
      title,
      reason: `The clock is ${Math.abs(skewS)} s ${skewS > 0 ? 'ahead of' : 'behind'} this computer: certificates and the cluster database need clocks within ${max} s.`,
      fix: {
        kind: 'action',
        action: 'sync-clock',
        description:
          'Turn on time synchronisation (timedatectl set-ntp true) and wait for the clock to catch up.',
      },
    };
  }
  return {
    id,
    status: 'pass',
    title,
    reason: `The clock is within ${Math.max(1, Math.abs(skewS))} s of this computer.`,
  };
}

function apiPort(f: HostFacts, host: CheckHost, port: number): Draft | null {
  if (host.role !== 'server') return null;
  const id = 'api-port';
  const title = `Port ${port}`;
  const taken = f.listeners.find((l) => l.proto === 'tcp' && l.port === port);
  if (!taken) return { id, status: 'pass', title, reason: `Nothing listens on port ${port} yet.` };
  if (f.k3s.installed && (taken.process === null || /^k3s/.test(taken.process))) {
    return { id, status: 'pass', title, reason: `Port ${port} is used by the K3s already on this host.` };
  }
  return {
    id,
    status: 'fail',
    title,
    reason: `Port ${port} is already taken${taken.process ? ` by ${taken.process}` : ''}: the K3s API server needs it. Stop that program or choose another API port.`,
  };
}

function existingK3s(f: HostFacts): Draft {
  const id = 'k3s-installed';
  const title = 'Existing K3s';
  const k = f.k3s;
  if (!k.installed) return { id, status: 'pass', title, reason: 'K3s is not installed yet.' };
  const what = `K3s ${k.version ?? '(version unknown)'} is installed${k.role ? ` as ${k.role === 'server' ? 'a server' : 'an agent'}` : ''}${k.serviceState ? ` (service ${k.serviceState})` : ''}`;
  const script = k.role === 'agent' ? 'k3s-agent-uninstall.sh' : 'k3s-uninstall.sh';
  return {
    id,
    status: 'warn',
    title,
    reason: `${what}. The wizard re-runs the installer with the new settings, which upgrades or reconfigures it and keeps its data; to start from scratch, uninstall it first.`,
    fix: {
      kind: 'command',
      command: `sudo /usr/local/bin/${script}`,
      description: 'Removes K3s and all its data from this host.',
    },
  };
}

function selinux(f: HostFacts): Draft | null {
  if (f.selinux !== 'enforcing') return null;
  return {
    id: 'selinux',
    status: 'warn',
    title: 'SELinux',
    reason:
      'SELinux is enforcing: K3s needs the k3s-selinux policy package and the --selinux flag. The installer adds the package when the host can reach the internet; an air-gapped host needs it copied by hand.',
  };
}

function iptables(f: HostFacts): Draft | null {
  const version = f.iptables.version;
  if (!version) return null;
  const buggy = needsBundledIptables(f);
  if (!buggy)
    return {
      id: 'iptables',
      status: 'pass',
      title: 'iptables',
      reason: `iptables ${version}${f.iptables.backend ? ` (${f.iptables.backend})` : ''}.`,
    };
  return {
    id: 'iptables',
    status: 'warn',
    title: 'iptables',
    reason: `iptables ${version} has known bugs (1.8.0 to 1.8.4) that pile up duplicate rules and break networking.`,
    fix: {
      kind: 'action',
      action: 'prefer-bundled-bin',
      description: 'Install K3s with --prefer-bundled-bin so it uses its own iptables.',
    },
  };
}

const VIRTUAL_IFACE = /^(lo|docker\d*|cni\d*|flannel\.|veth|br-|virbr|kube-|cali|tun|tap|wg|tailscale|zt)/;

function nics(f: HostFacts): Draft | null {
  const ifaces = [
    ...new Set(f.addresses.filter((a) => a.family === 4 && !VIRTUAL_IFACE.test(a.iface)).map((a) => a.iface)),
  ];
  if (ifaces.length < 2) return null;
  return {
    id: 'several-nics',
    status: 'warn',
    title: 'Several network interfaces',
    reason: `This host has addresses on ${ifaces.join(', ')}. Flannel may pick the wrong one (Wi-Fi instead of Ethernet); the wizard can pin it to ${f.defaultInterface ?? ifaces[0]}.`,
    fix: {
      kind: 'action',
      action: 'set-flannel-iface',
      description: `Install with --flannel-iface ${f.defaultInterface ?? ifaces[0]} (and --node-ip set to its address).`,
    },
  };
}

function firewall(f: HostFacts): Draft {
  const id = 'firewall';
  const title = 'Firewall';
  const kind = f.firewall.kind;
  if (kind === null)
    return {
      id,
      status: 'warn',
      title,
      reason: 'Could not tell whether a firewall is active (it needs root to see).',
      fix: { kind: 'step', step: 'firewall' },
    };
  if (kind === 'none') return { id, status: 'pass', title, reason: 'No firewall filters incoming traffic.' };
  const name = kind === 'nftables' || kind === 'iptables' ? `${kind} rules` : kind;
  return {
    id,
    status: 'warn',
    title,
    reason: `${name} is active: the K3s ports must be opened or nodes will not join and pods will not talk. The firewall step shows what to change.`,
    fix: { kind: 'step', step: 'firewall' },
  };
}

function system(f: HostFacts): Draft | null {
  if (f.init === 'systemd' || f.init === 'openrc') return null;
  return {
    id: 'init',
    status: f.init === null ? 'warn' : 'fail',
    title: 'Service manager',
    reason:
      f.init === null
        ? 'Could not tell which service manager runs this host.'
        : 'K3s needs systemd or OpenRC to run as a service.',
  };
}

function sudo(f: HostFacts): Draft | null {
  if (f.sudo !== 'unavailable') return null;
  return {
    id: 'sudo',
    status: 'fail',
    title: 'Administrator access',
    reason:
      'This login cannot become root (no sudo): installing needs root. Log in as root or as a user in the sudo group.',
  };
}

export function hostChecks(host: CheckHost, input: CheckInput): Check[] {
  const f = host.facts;
  if (!f) return [];
  const drafts = [
    arch(f),
    system(f),
    sudo(f),
    memoryCgroup(f),
    memory(f, host),
    cpus(f, host),
    disk(f),
    clock(f, input),
    apiPort(f, host, host.apiPort ?? input.apiPort ?? 6443),
    existingK3s(f),
    selinux(f),
    iptables(f),
    nics(f),
    firewall(f),
  ];
  return drafts.filter((d): d is Draft => d !== null).map((d) => ({ ...d, hostId: host.id }));
}
