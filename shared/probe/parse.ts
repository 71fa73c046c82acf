/**
 * The facts script's output → HostFacts. Pure and total: every section is read on its own,
 * and a missing, empty or odd section gives null ("unknown") for its facts, never an exception.
 */
import type { HostFacts, K3sArch, K3sFacts } from '../facts';
import { parseFirewall } from './parse-firewall';
import { parseAddresses, parseDefaultInterface, parseListeners, parseSshConnection } from './parse-net';
import { K3S_DATA_DIR } from '../plan/install';
import { firstLine, keyValues, lines, splitSections, text, toInt, type Sections } from './sections';

export interface ParseContext {
  /** This computer's clock when the probe ran (ms), for HostFacts.collectedAt. */
  localClockMs: number;
  /** How the script was run as root (known to the runner, not to the script). */
  sudo: HostFacts['sudo'];
}

/** The release artifact for a host: by userland first (32-bit userland on a 64-bit kernel → arm). */
export function k3sArchFor(
  kernelArch: string | null,
  userlandArch: string | null,
  longBit: 32 | 64 | null,
): K3sArch | null {
  const userland = userlandArch?.toLowerCase() ?? null;
  if (userland) {
    if (['amd64', 'x86_64'].includes(userland)) return 'amd64';
    if (['arm64', 'aarch64'].includes(userland)) return 'arm64';
    if (['armhf', 'armv7', 'armv7l', 'armv7hl', 'armv7hnl'].includes(userland)) return 'arm';
    if (
      ['armel', 'armv6l', 'armhf-v6', 'armv6', 'i386', 'i686', 's390x', 'riscv64', 'ppc64el'].includes(
        userland,
      )
    )
      return null;
  }
  switch (kernelArch) {
    case 'x86_64':
      return longBit === 32 ? null : 'amd64';
    case 'aarch64':
    case 'arm64':
      return longBit === 32 ? 'arm' : 'arm64';
    case 'armv7l':
    case 'armv8l':
      return 'arm';
    default:
      return null;
  }
}

function parseOs(sections: Sections): HostFacts['os'] {
  const release = keyValues(text(sections, 'os-release'));
  const word = (value: string | undefined): string | null =>
    value && /^[\w.+~-]{1,64}$/.test(value) ? value.toLowerCase() : null;
  return {
    id: word(release.ID),
    versionId: release.VERSION_ID && release.VERSION_ID.length <= 32 ? release.VERSION_ID : null,
    prettyName: release.PRETTY_NAME ? release.PRETTY_NAME.slice(0, 120) : null,
    idLike: (release.ID_LIKE ?? '')
      .split(/\s+/)
      .map((w) => word(w))
      .filter((w): w is string => w !== null),
  };
}

function parseInit(sections: Sections): HostFacts['init'] {
  const found = lines(sections, 'init');
  if (found.length === 0) return null;
  const pid1 = /^pid1\s*(\S*)/.exec(found[0] ?? '')?.[1] ?? '';
  if (found.includes('systemd-running') || pid1 === 'systemd') return 'systemd';
  if (found.includes('openrc') || pid1 === 'openrc-init') return 'openrc';
  return pid1 ? 'other' : null;
}

function parseMemoryMiB(sections: Sections): number | null {
  const kb = /^MemTotal:\s*(\d+)\s*kB/m.exec(text(sections, 'meminfo') ?? '')?.[1];
  const value = toInt(kb, 1);
  return value === null ? null : Math.floor(value / 1024);
}

function parseDiskFreeMiB(sections: Sections): number | null {
  // The folder, then df -P's heading and its row: Filesystem 1024-blocks Used Available
  // Capacity Mounted-on (the last line: a long device name may wrap).
  const all = lines(sections, 'disk');
  const row = all.length > 1 ? all[all.length - 1] : undefined;
  const fields = row?.split(/\s+/) ?? [];
  const available =
    fields.length >= 6 ? fields[fields.length - 3] : fields.length === 5 ? fields[2] : undefined;
  const kb = toInt(available, 0);
  return kb === null ? null : Math.floor(kb / 1024);
}

/** The disk section names the nearest folder there is of K3s's data folder, itself if it is there. */
function parseDataDir(sections: Sections): boolean | null {
  const [dir] = lines(sections, 'disk');
  if (dir === undefined || !dir.startsWith('/')) return null;
  if (dir === K3S_DATA_DIR) return true;
  return K3S_DATA_DIR.startsWith(dir === '/' ? '/' : `${dir}/`) ? false : null;
}

function parseClockMs(sections: Sections): number | null {
  // "NANOSECONDS SECONDS" (or "SECONDS%N SECONDS" where date has no %N), one or two lines.
  for (const word of lines(sections, 'clock').flatMap((line) => line.split(/\s+/))) {
    if (/^\d{19}$/.test(word)) return Math.round(Number(word) / 1e6);
    if (/^\d{9,11}$/.test(word)) return Number(word) * 1000;
  }
  return null;
}

function parsePi(sections: Sections): HostFacts['raspberryPi'] {
  const dtModel = firstLine(sections, 'dt-model', /^[\x20-\x7e]{1,120}$/);
  const cpuModel = /^Model\s*:\s*(.+)$/.exec(lines(sections, 'cpuinfo-model')[0] ?? '')?.[1]?.trim() ?? null;
  const model = [dtModel, cpuModel].find((m) => m && /Raspberry Pi/i.test(m)) ?? null;
  if (!model) return null;
  const cmdlinePath = firstLine(sections, 'cmdline-txt', /^\/boot\/(firmware\/)?cmdline\.txt$/);
  return { model, cmdlinePath };
}

function parseCgroup(sections: Sections): HostFacts['cgroup'] {
  const fs = firstLine(sections, 'cgroup-fs');
  const controllers = text(sections, 'cgroup-controllers');
  const procCgroups = text(sections, 'proc-cgroups');
  const cmdline = text(sections, 'proc-cmdline') ?? '';
  const version = fs === 'cgroup2fs' ? 2 : fs === 'tmpfs' ? 1 : controllers !== null ? 2 : null;
  let memory: boolean | null = null;
  if (version === 2 && controllers !== null) memory = controllers.split(/\s+/).includes('memory');
  else if (version === 1 && procCgroups) {
    // subsys_name hierarchy num_cgroups enabled
    const row = procCgroups.split('\n').find((l) => /^memory\s/.test(l));
    memory = row ? row.trim().split(/\s+/)[3] === '1' : false;
  }
  // A kernel told cgroup_disable=memory may still list the controller on old kernels.
  if (memory && /(^|\s)cgroup_disable=memory(\s|$)/.test(cmdline) && !/cgroup_enable=memory/.test(cmdline))
    memory = false;
  const unified = firstLine(sections, 'cgroup-unified');
  const hybrid = version === 1 ? unified === 'cgroup2fs' : version === 2 ? false : null;
  return { version, memory, hybrid };
}

function parseRootless(sections: Sections): HostFacts['rootless'] {
  const rows = new Map<string, string>();
  for (const line of lines(sections, 'rootless')) {
    const space = line.indexOf(' ');
    rows.set(space < 0 ? line : line.slice(0, space), space < 0 ? '' : line.slice(space + 1).trim());
  }
  const user = rows.get('user');
  if (!user) return null;
  const range = (key: string) => Number(/^[^:]+:\d+:(\d+)$/.exec(rows.get(key) ?? '')?.[1] ?? 0);
  const uid = Number(rows.get('uid'));
  return {
    user: user.slice(0, 64),
    uid: Number.isInteger(uid) && rows.get('uid') !== '' ? uid : null,
    delegated: (rows.get('delegated') ?? '').split(/\s+/).filter(Boolean).slice(0, 32),
    subuids: range('subuid'),
    subgids: range('subgid'),
    linger: rows.get('linger') === 'yes',
    userManager: rows.get('manager') === 'active',
    uidmap: rows.get('uidmap') === 'yes',
  };
}

function parseSelinux(sections: Sections): HostFacts['selinux'] {
  const line = (lines(sections, 'selinux')[0] ?? '').toLowerCase();
  if (line === 'enforcing' || line === 'enforce 1') return 'enforcing';
  if (line === 'permissive' || line === 'enforce 0') return 'permissive';
  if (line === 'disabled' || line === 'absent') return 'disabled';
  return null;
}

function parseIptables(sections: Sections): HostFacts['iptables'] {
  const m = /iptables v(\d+\.\d+(?:\.\d+)?)(?:\s*\(([\w_]+)\))?/.exec(
    lines(sections, 'iptables-version')[0] ?? '',
  );
  if (!m) return { version: null, backend: null };
  const backend =
    m[2] === 'nf_tables' ? 'nf_tables' : m[2] === 'legacy' || m[2] === undefined ? 'legacy' : null;
  return { version: m[1] ?? null, backend };
}

function parseK3s(sections: Sections): K3sFacts {
  const found = lines(sections, 'k3s');
  const version = /k3s version (v\d+\.\d+\.\d+\+k3s\d+)/.exec(found.join('\n'))?.[1] ?? null;
  const units = found.map((l) => /^unit\s+(k3s|k3s-agent)\s+(\S+)/.exec(l)).filter((m) => m !== null);
  const server = units.find((m) => m[1] === 'k3s');
  const agent = units.find((m) => m[1] === 'k3s-agent');
  const unit = server ?? agent;
  return {
    installed: found.includes('installed') || units.length > 0,
    version,
    role: server ? 'server' : agent ? 'agent' : null,
    serviceState: unit?.[2] && unit[2] !== 'unknown' ? unit[2] : null,
    hasConfig: found.includes('config'),
    configSha256: found.map((l) => /^config-sha256 ([0-9a-f]{64})$/.exec(l)?.[1]).find(Boolean) ?? null,
    nodePassword: found.includes('node-password yes')
      ? true
      : found.includes('node-password no')
        ? false
        : null,
  };
}

export function parseFacts(output: string, context: ParseContext): HostFacts {
  const sections = splitSections(output);
  const kernelArch = firstLine(sections, 'uname-m', /^[a-z0-9_]{2,16}$/);
  const userlandArch = firstLine(sections, 'userland-arch', /^[a-z0-9_-]{2,16}$/);
  const bits = toInt(lines(sections, 'long-bit')[0]);
  const longBit = bits === 32 || bits === 64 ? bits : null;
  const addresses = parseAddresses(sections);
  const defaultInterface = parseDefaultInterface(sections);
  const defaultAddress =
    addresses.find((a) => a.iface === defaultInterface && a.family === 4)?.address ??
    addresses.find((a) => a.iface === defaultInterface)?.address ??
    null;
  return {
    collectedAt: new Date(context.localClockMs).toISOString(),
    hostname: firstLine(sections, 'hostname', /^[A-Za-z0-9][A-Za-z0-9.-]{0,252}$/),
    machineId: firstLine(sections, 'machine-id', /^[0-9a-f]{32}$/),
    kernelArch,
    userlandArch,
    longBit,
    k3sArch: k3sArchFor(kernelArch, userlandArch, longBit),
    os: parseOs(sections),
    kernel: firstLine(sections, 'kernel', /^[\w.+~-]{1,128}$/),
    init: parseInit(sections),
    cpus: toInt(lines(sections, 'cpus')[0], 1, 4096),
    memoryMiB: parseMemoryMiB(sections),
    diskFreeMiB: parseDiskFreeMiB(sections),
    addresses,
    defaultInterface,
    defaultAddress,
    ssh: parseSshConnection(sections),
    raspberryPi: parsePi(sections),
    cgroup: parseCgroup(sections),
    rootless: parseRootless(sections),
    firewall: parseFirewall(sections),
    selinux: parseSelinux(sections),
    iptables: parseIptables(sections),
    k3s: { ...parseK3s(sections), dataDir: parseDataDir(sections) },
    listeners: parseListeners(sections),
    clockMs: parseClockMs(sections),
    sudo: context.sudo,
  };
}
