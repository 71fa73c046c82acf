/**
 * The install step of one node: write config.yaml, bring the install script (and, air-gapped,
 * the binary and images) onto the host, then run the script once as root with only non-secret
 * INSTALL_K3S_* variables. The token reaches K3s through config.yaml, never through argv.
 */
import type { K3sArch } from '../facts';
import { envAssignments, shJoin } from '../shell';
import type { SpecIssue } from '../spec/issues';
import { systemdUnit, type FactsByNode } from '../spec/model';
import type { ClusterSpec, NodeSpec } from '../spec/schema';
import { BINARY_BY_ARCH, imagesName, localPath, type AirgapInventory } from './artifacts';
import { CONFIG_PATH, configCheck, installDone, nodeConfig } from './k3s-config';
import { secretsOf } from './template';
import type { HostCheck, PlanAction, PlanStep } from './types';

export const STATE_DIR = '/var/lib/k3s-wizard';
export const SCRIPT_PATH = `${STATE_DIR}/install.sh`;
export const IMAGES_DIR = '/var/lib/rancher/k3s/agent/images';
export const INSTALL_TIMEOUT_MS = 15 * 60_000;

/** The install script run as root with its INSTALL_K3S_* variables (nothing secret). */
export const installScriptCommand = (env: Readonly<Record<string, string>>): string =>
  shJoin(['env', ...envAssignments(env), 'sh', SCRIPT_PATH]);

const INSTALL_SCRIPT_RUN = new RegExp(`^env (.+ )?sh ${SCRIPT_PATH.replace(/[.]/g, '\\.')}$`);
/** Whether a command is that run (not the script's download, whose URL may end in install.sh too). */
export const runsInstallScript = (command: string): boolean => INSTALL_SCRIPT_RUN.test(command);

/** K3s's data folder (a root K3s's; a rootless one keeps its own under the user's home). */
export const K3S_DATA_DIR = '/var/lib/rancher/k3s';
/** The binary the install script writes (no INSTALL_K3S_BIN_DIR is ever set). */
export const K3S_BIN = '/usr/local/bin/k3s';
/**
 * Where the installed binary's version is kept with the binary's identity (device, inode, size,
 * ctime: any replacement or change of the file changes it), so the next facts read prints it
 * instead of running the binary (a Go program of 70 MB or more: a slow start on a Pi). A file
 * that does not match, or is missing, means the binary is asked, as before.
 */
export const VERSION_RECORD = `${STATE_DIR}/k3s-version`;
export const BINARY_IDENTITY = "stat -Lc '%d:%i:%s:%z'";
// Nothing asked when the note is for this very file already (a joining machine notes it when
// its binary is fetched, before the token exists); else the identity before and after asking,
// so a binary replaced meanwhile is not recorded.
const VERSION_RECORD_SCRIPT = [
  `a=$(${BINARY_IDENTITY} "$1") || exit 0`,
  'if [ -r "$2" ] && { read -r b; [ "$b" = "$a" ]; } < "$2"; then exit 0; fi',
  `v=$("$1" --version 2>/dev/null | head -n 1) && [ -n "$v" ] &&`,
  `  [ "$a" = "$(${BINARY_IDENTITY} "$1")" ] && printf '%s\\n%s\\n' "$a" "$v" > "$2.tmp" && mv -f "$2.tmp" "$2"`,
  // Only a shortcut for the next read: never a reason to fail the install.
  'exit 0',
].join('\n');
export function versionRecord(): Extract<PlanAction, { kind: 'exec' }> {
  return {
    kind: 'exec',
    command: shJoin(['sh', '-c', VERSION_RECORD_SCRIPT, 'k3s-wizard-version', K3S_BIN, VERSION_RECORD]),
    sudo: true,
    what: 'note the installed K3s version, so the next check need not run K3s to ask',
  };
}

// curl where there is one, wget otherwise; values arrive as positional parameters, never pasted in.
export const FETCH_SCRIPT =
  'if command -v curl >/dev/null 2>&1; then curl -sfL "$1" -o "$2"; else wget -qO "$2" "$1"; fi && chmod 0700 "$2"';

const SERVICE_ACTIVE =
  'if command -v systemctl >/dev/null 2>&1; then systemctl is-active --quiet "$1"; else rc-service "$1" status >/dev/null 2>&1; fi';

// Free MiB K3s needs, by folder (its nearest existing parent is measured): data and binaries.
export const SPACE_NEEDED = [`${K3S_DATA_DIR}:300`, '/usr/local/bin:100'];
// Exit 28 (ENOSPC) with one line that says where and how much.
export const SPACE_CHECK = [
  'for want in "$@"; do',
  '  dir=${want%:*}; need=${want##*:}; d=$dir',
  // parameter expansion only: a host whose PATH lacks dirname must not loop forever
  '  while [ ! -d "$d" ] && [ -n "$d" ]; do d=${d%/*}; done; [ -n "$d" ] || d=/',
  '  free=$(df -Pk "$d" | awk \'NR == 2 { print int($4 / 1024) }\')',
  '  if [ "${free:-0}" -lt "$need" ]; then',
  '    echo "k3s-wizard: disk full: $free MiB free for $dir, K3s needs $need MiB" >&2; exit 28',
  '  fi',
  'done',
].join('\n');

/**
 * The install script run before the token exists, on a machine with no K3s at all: it
 * downloads and verifies the binary, which it neither enables nor starts. The install that
 * follows finds the binary's hash matching and skips the download. Where K3s is installed
 * already, nothing is done here: the script would disable its running unit.
 *
 * The unit and its env file go to a folder of k3s-wizard's own (INSTALL_K3S_SYSTEMD_DIR),
 * removed right after: with a unit in /etc/systemd/system, the install's own `systemctl
 * disable` of it would make systemd reload every unit (its generators run again), on the
 * joining machine's way to Ready; without one it fails at once, as on a machine never touched.
 */
export const PREINSTALL_UNITS = `${STATE_DIR}/preinstall-units`;
// What says K3s is on a machine already: its binary or one of its units.
const K3S_FILES =
  '/usr/local/bin/k3s /etc/systemd/system/k3s.service /etc/systemd/system/k3s-agent.service /etc/init.d/k3s /etc/init.d/k3s-agent';
/** Exits 0 when K3s is on the machine already (its binary or a unit of it). */
export const K3S_PRESENT = shJoin([
  'sh',
  '-c',
  `for f in ${K3S_FILES}; do [ -e "$f" ] && exit 0; done; exit 1`,
]);
export const PREINSTALL_SCRIPT = [
  `for f in ${K3S_FILES}; do`,
  '  if [ -e "$f" ]; then echo "k3s-wizard: $f is there already: K3s is installed with its settings below"; exit 0; fi',
  'done',
  'script=$1; units=$2; shift 2',
  'rm -rf "$units" && mkdir -m 0700 "$units" || exit 1',
  'env "$@" INSTALL_K3S_SYSTEMD_DIR="$units" sh "$script"; code=$?',
  'rm -rf "$units"',
  'exit "$code"',
].join('\n');
function preinstallEnv(spec: ClusterSpec, node: NodeSpec): Record<string, string> {
  const env: Record<string, string> = {
    ...installEnv(spec, node),
    INSTALL_K3S_SKIP_ENABLE: 'true',
    INSTALL_K3S_SKIP_START: 'true',
  };
  // Nothing is started here: the restart is the install's, after it.
  delete env.INSTALL_K3S_FORCE_RESTART;
  return env;
}

export interface InstallContext {
  spec: ClusterSpec;
  facts: FactsByNode;
  inventory: AirgapInventory | null;
  /** Problems found while planning; errors stop the plan. */
  issues: SpecIssue[];
}

export interface InstallTarget {
  node: NodeSpec;
  index: number;
  joinUrl: string | null;
  clusterInit: boolean;
}

export function installEnv(spec: ClusterSpec, node: NodeSpec): Record<string, string> {
  const env: Record<string, string> = { INSTALL_K3S_EXEC: node.role };
  const { version, channel } = spec.k3s;
  if (spec.install.source === 'online') {
    if (version) env.INSTALL_K3S_VERSION = version;
    else if (channel) env.INSTALL_K3S_CHANNEL = channel;
    if (spec.install.githubUrl) env.GITHUB_URL = spec.install.githubUrl;
    if (spec.install.channelUrl) env.INSTALL_K3S_CHANNEL_URL = spec.install.channelUrl;
  } else {
    env.INSTALL_K3S_SKIP_DOWNLOAD = 'true';
    // The k3s-selinux RPM cannot be fetched offline; it has to be installed by hand.
    env.INSTALL_K3S_SKIP_SELINUX_RPM = 'true';
  }
  // The script restarts K3s only when its own files change; a changed config.yaml needs this.
  env.INSTALL_K3S_FORCE_RESTART = 'true';
  return env;
}

/** The K3s build a node gets: its spec's arch, else what the probe found. */
export function nodeArch(ctx: InstallContext, target: InstallTarget): K3sArch | null {
  const { node, index } = target;
  const facts = ctx.facts[node.nodeName];
  if (node.arch && facts?.k3sArch && node.arch !== facts.k3sArch) {
    ctx.issues.push({
      path: `nodes[${index}].arch`,
      severity: 'error',
      message: `${node.nodeName} is set to ${node.arch}, but the machine runs ${facts.k3sArch} programs (${facts.userlandArch ?? facts.kernelArch ?? 'probed'}). Remove arch or correct it.`,
    });
  }
  return node.arch ?? facts?.k3sArch ?? null;
}

/** Online installs: the install script fetched to the machine (the binary it picks by arch). */
export function scriptDownload(
  scriptUrl: string,
  ctx: InstallContext,
  target: InstallTarget,
  notes: string[],
): PlanAction {
  if (!nodeArch(ctx, target))
    notes.push('Architecture not known yet: the install script picks the binary itself.');
  return {
    kind: 'exec',
    command: shJoin(['sh', '-c', FETCH_SCRIPT, 'fetch', scriptUrl, SCRIPT_PATH]),
    sudo: true,
    what: `download the install script from ${scriptUrl}`,
  };
}

export function airgapActions(
  ctx: InstallContext,
  target: InstallTarget,
  notes: string[],
  options: { images: boolean } = { images: true },
): PlanAction[] {
  if (ctx.spec.install.source !== 'airgap') return [];
  const { folder } = ctx.spec.install;
  const images = ctx.spec.install.images && options.images;
  const arch = nodeArch(ctx, target);
  const path = `nodes[${target.index}].arch`;
  if (!arch) {
    ctx.issues.push({
      path,
      severity: 'error',
      message: `An air-gap install needs to know which K3s binary ${target.node.nodeName} runs: probe the machine or set arch (amd64, arm64 or arm).`,
    });
    return [];
  }
  const inv = ctx.inventory;
  const need = (name: string): string | null => {
    if (inv && !inv.files.includes(name)) {
      ctx.issues.push({
        path: 'install.folder',
        severity: 'error',
        message: `${folder} has no ${name}, which ${target.node.nodeName} (${arch}) needs.`,
      });
    }
    if (inv && inv.files.includes(name) && !inv.sha256[name] && name !== 'install.sh') {
      notes.push(`No checksum for ${name} in ${folder}: it is copied unverified.`);
    }
    return inv?.sha256[name] ?? null;
  };
  if (!inv) notes.push(`The folder ${folder} was not checked: the plan assumes the usual file names.`);
  const binary = BINARY_BY_ARCH[arch];
  const actions: PlanAction[] = [
    {
      kind: 'upload',
      localFile: localPath(folder, 'install.sh'),
      remotePath: SCRIPT_PATH,
      mode: '0700',
      sha256: need('install.sh'),
      what: 'copy the install script',
    },
    {
      kind: 'upload',
      localFile: localPath(folder, binary),
      remotePath: K3S_BIN,
      mode: '0755',
      sha256: need(binary),
      what: `copy the K3s binary for ${arch} (${binary})`,
    },
  ];
  const tarball = images ? imagesName(arch, inv) : null;
  if (images && !tarball) {
    notes.push(`No k3s-airgap-images-${arch}.tar.* in ${folder}: the node must pull images from a registry.`);
  } else if (tarball) {
    actions.push(
      {
        kind: 'exec',
        command: shJoin(['install', '-d', '-m', '0755', IMAGES_DIR]),
        sudo: true,
        what: 'create the images folder',
      },
      {
        kind: 'upload',
        localFile: localPath(folder, tarball),
        remotePath: `${IMAGES_DIR}/${tarball}`,
        mode: '0644',
        sha256: need(tarball),
        what: `copy the system images (${tarball})`,
      },
    );
  }
  return actions;
}

/**
 * An adopted node (installed outside k3s-wizard): nothing is written or reinstalled there, so
 * nothing restarts; the step only makes sure its K3s runs.
 */
function keepStep(node: NodeSpec): Omit<PlanStep, 'dependsOn' | 'phase'> {
  const unit = systemdUnit(node);
  const running: PlanAction & { kind: 'wait-for' } = {
    kind: 'wait-for',
    check: { command: shJoin(['sh', '-c', SERVICE_ACTIVE, 'k3s-wizard-check', unit]), sudo: false },
    intervalMs: 2000,
    timeoutMs: 60_000,
    what: `wait until ${unit} runs (it was installed outside k3s-wizard, which keeps it as it is: start it with sudo systemctl start ${unit}, or remove adopted: true from ${node.nodeName} to have k3s-wizard reinstall it with the cluster file's settings)`,
  };
  return {
    id: `install:${node.nodeName}`,
    host: node.nodeName,
    title: `Keep K3s ${node.role} (installed outside k3s-wizard)`,
    actions: [running],
    secrets: [],
    alreadyDone: running.check,
    timeoutMs: 2 * 60_000,
    notes: ['Adopted: its K3s settings and service are left as they are.'],
  };
}

export function installStep(
  ctx: InstallContext,
  target: InstallTarget,
): Omit<PlanStep, 'dependsOn' | 'phase'> {
  const { spec } = ctx;
  const { node } = target;
  if (node.adopted) return keepStep(node);
  const facts = ctx.facts[node.nodeName] ?? null;
  const notes: string[] = [];
  const config = nodeConfig(spec, node, { facts, joinUrl: target.joinUrl, clusterInit: target.clusterInit });
  const actions: PlanAction[] = [
    {
      kind: 'exec',
      command: shJoin(['sh', '-c', SPACE_CHECK, 'k3s-wizard-space', ...SPACE_NEEDED]),
      sudo: false,
      what: 'check the free disk space K3s needs',
    },
    {
      kind: 'exec',
      command: shJoin(['install', '-d', '-m', '0700', STATE_DIR]),
      sudo: true,
      what: 'create k3s-wizard’s folder',
    },
    {
      kind: 'exec',
      command: shJoin(['install', '-d', '-m', '0755', '/etc/rancher/k3s']),
      sudo: true,
      what: 'create the K3s config folder',
    },
  ];
  let early: number | undefined;
  let earlyUnless: HostCheck | undefined;
  if (spec.install.source === 'online') {
    actions.push(scriptDownload(spec.install.scriptUrl, ctx, target, notes));
    // A joining machine fetches its K3s while the server installs; it starts once the token is there.
    if (target.joinUrl) {
      actions.push({
        kind: 'exec',
        command: shJoin([
          'sh',
          '-c',
          PREINSTALL_SCRIPT,
          'k3s-wizard-preinstall',
          SCRIPT_PATH,
          PREINSTALL_UNITS,
          ...envAssignments(preinstallEnv(spec, node)),
        ]),
        sudo: true,
        what: 'install the K3s binary, not started yet (on a machine without K3s, while the server installs)',
      });
      // Its version noted now too, off the way: the note after the install then finds it done.
      actions.push(versionRecord());
      early = actions.length;
    }
  } else {
    actions.push(...airgapActions(ctx, target, notes));
    // A joining machine gets its files in place while the server installs, and its binary's
    // version noted; one that has K3s already keeps its own binary until its install (earlyUnless).
    if (target.joinUrl && actions.some((a) => a.kind === 'upload')) {
      actions.push(versionRecord());
      early = actions.length;
      earlyUnless = { command: K3S_PRESENT, sudo: false };
    }
  }
  actions.push({
    kind: 'write-file',
    path: CONFIG_PATH,
    mode: '0600',
    owner: 'root:root',
    content: config.content,
    what: 'write the K3s settings',
  });
  actions.push({
    kind: 'exec',
    command: installScriptCommand(installEnv(spec, node)),
    sudo: true,
    what: `install K3s as ${node.role === 'server' ? 'a server' : 'an agent'} and start it`,
  });
  actions.push(versionRecord());
  const unit = systemdUnit(node);
  // Usually met at the first try (the script returns once K3s is up); when not, it is close:
  // asked again every second, a cheap check.
  const intervalMs = 1000;
  actions.push(
    node.role === 'server'
      ? {
          kind: 'wait-for',
          check: {
            command: shJoin([K3S_BIN, 'kubectl', 'get', '--raw', '/readyz']),
            sudo: true,
          },
          intervalMs,
          timeoutMs: 5 * 60_000,
          what: 'wait until the Kubernetes API answers',
        }
      : {
          kind: 'wait-for',
          check: { command: shJoin(['sh', '-c', SERVICE_ACTIVE, 'k3s-wizard-check', unit]), sudo: false },
          intervalMs,
          timeoutMs: 5 * 60_000,
          what: `wait until ${unit} runs`,
        },
  );
  const how = target.clusterInit
    ? ' (starts embedded etcd)'
    : target.joinUrl
      ? ` joining ${target.joinUrl}`
      : '';
  return {
    id: `install:${node.nodeName}`,
    host: node.nodeName,
    title: `Install K3s ${node.role}${how}`,
    actions,
    secrets: secretsOf(config.content),
    alreadyDone: configCheck(spec, node, config),
    doneWhen: installDone(spec, node, config),
    timeoutMs: INSTALL_TIMEOUT_MS,
    ...(early ? { early } : {}),
    ...(earlyUnless ? { earlyUnless } : {}),
    notes,
  };
}
