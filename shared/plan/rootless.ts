/**
 * A rootless server (`k3s server --rootless`, #19.4): the binary is installed as the install
 * script does it (run as root with INSTALL_K3S_SKIP_ENABLE=true, so the root unit it writes is
 * never enabled), then everything else as the login user, who is the one K3s runs as: the K3s
 * documentation's user unit `~/.config/systemd/user/k3s-rootless.service`, the settings in
 * `~/.config/k3s/config.yaml` (0600), `systemctl --user` with XDG_RUNTIME_DIR set, the API
 * waited for through the kubeconfig K3s writes (`~/.kube/k3s.yaml`) at the port the host really
 * binds (shared/spec/rootless.ts). The machine's requirements: shared/checks/rootless.ts.
 */
import { shJoin } from '../shell';
import type { NodeSpec } from '../spec/schema';
import {
  airgapActions,
  scriptDownload,
  installEnv,
  installScriptCommand,
  SPACE_CHECK,
  STATE_DIR,
  type InstallContext,
  type InstallTarget,
} from './install';
import { nodeConfig } from './k3s-config';
import { sha256Hex } from './sha256';
import { secretsOf } from './template';
import type { HostCheck, PlanAction, PlanStep } from './types';

export const ROOTLESS_UNIT = 'k3s-rootless';
/** Relative to the user's home (the commands run as the user, and say "$HOME/…"). */
export const ROOTLESS_UNIT_FILE = `.config/systemd/user/${ROOTLESS_UNIT}.service`;
export const ROOTLESS_CONFIG = '.config/k3s/config.yaml';
export const ROOTLESS_KUBECONFIG = '.kube/k3s.yaml';
export const ROOTLESS_DATA = '.rancher/k3s';

export type Snapshotter = 'fuse-overlayfs' | 'native';

/**
 * The K3s documentation's k3s-rootless.service, reading k3s-wizard's config file. fuse-overlayfs
 * where the machine has it (the docs' choice), else the native snapshotter.
 */
export function rootlessUnit(snapshotter: Snapshotter): string {
  return [
    '# Written by k3s-wizard: the K3s documentation’s k3s-rootless.service (user unit).',
    '[Unit]',
    'Description=k3s (Rootless)',
    '',
    '[Service]',
    'Environment=PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
    `ExecStart=/usr/local/bin/k3s server --rootless --snapshotter=${snapshotter} --config=%h/${ROOTLESS_CONFIG}`,
    'ExecReload=/bin/kill -s HUP $MAINPID',
    'TimeoutSec=0',
    'RestartSec=2',
    'Restart=always',
    'StartLimitBurst=3',
    'StartLimitInterval=60s',
    'LimitNOFILE=infinity',
    'LimitNPROC=infinity',
    'LimitCORE=infinity',
    'TasksMax=infinity',
    'Delegate=yes',
    'Type=simple',
    'KillMode=mixed',
    '',
    '[Install]',
    'WantedBy=default.target',
    '',
  ].join('\n');
}

/** `systemctl --user` needs the user's runtime folder (a non-interactive SSH login may not set it). */
const USER_SYSTEMD = 'XDG_RUNTIME_DIR=${XDG_RUNTIME_DIR:-/run/user/$(id -u)}; export XDG_RUNTIME_DIR';

// $1: fuse-overlayfs's unit, $2: native's; written where systemd --user looks, atomically.
const WRITE_UNIT = `f="$HOME/${ROOTLESS_UNIT_FILE}"; mkdir -p "\${f%/*}" || exit
if command -v fuse-overlayfs >/dev/null 2>&1; then printf '%s' "$1"; else printf '%s' "$2"; fi > "$f.tmp" && mv -f "$f.tmp" "$f"`;

// The settings on stdin, 0600 from the start.
const WRITE_CONFIG = `f="$HOME/${ROOTLESS_CONFIG}"; umask 077; mkdir -p "\${f%/*}" && cat > "$f.tmp" && chmod 0600 "$f.tmp" && mv -f "$f.tmp" "$f"`;

const START = `${USER_SYSTEMD}
systemctl --user daemon-reload && systemctl --user enable "$1" && systemctl --user restart "$1"`;

// $1 settings hash, $2/$3 the unit's two hashes, $4 unit, $5 pinned version (or empty).
const DONE = `${USER_SYSTEMD}
[ "$(grep -v '^token:' "$HOME/${ROOTLESS_CONFIG}" 2>/dev/null | sha256sum | cut -d' ' -f1)" = "$1" ] || exit 1
u=$(sha256sum < "$HOME/${ROOTLESS_UNIT_FILE}" 2>/dev/null | cut -d' ' -f1); [ "$u" = "$2" ] || [ "$u" = "$3" ] || exit 1
systemctl --user is-active --quiet "$4" || exit 1
[ -z "$5" ] || /usr/local/bin/k3s --version 2>/dev/null | grep -qF "k3s version $5 "`;

const KUBECTL = `s=$1; shift; exec /usr/local/bin/k3s kubectl --kubeconfig "$HOME/${ROOTLESS_KUBECONFIG}" --server "$s" "$@"`;

/** The API as the host reaches it: K3s's own kubeconfig, the API port (bound unchanged rootless). */
export function rootlessLocalApi(spec: { networking: { apiPort: number } }): string {
  return `https://127.0.0.1:${spec.networking.apiPort}`;
}

/**
 * A kubectl command on the first server: as root with K3s's kubeconfig, or, rootless, as the
 * user with the kubeconfig K3s wrote in their home, at the host's port.
 */
export function serverKubectl(
  spec: { networking: { apiPort: number } },
  node: NodeSpec,
  args: string[],
): HostCheck {
  return node.rootless
    ? {
        command: shJoin(['sh', '-c', KUBECTL, 'k3s-wizard-kubectl', rootlessLocalApi(spec), ...args]),
        sudo: false,
        asUser: true,
      }
    : { command: shJoin(['/usr/local/bin/k3s', 'kubectl', ...args]), sudo: true };
}

/** The kubectl words of the verify step's script: root's, or the rootless user's. */
export function kubectlWords(spec: { networking: { apiPort: number } }, node: NodeSpec | undefined): string {
  return node?.rootless
    ? `/usr/local/bin/k3s kubectl --kubeconfig "$HOME/${ROOTLESS_KUBECONFIG}" --server ${shJoin([rootlessLocalApi(spec)])}`
    : '/usr/local/bin/k3s kubectl';
}

// Space for the binary and for K3s's data in the user's home.
const SPACE = (check: string) => `set -- "$HOME/${ROOTLESS_DATA}:300" /usr/local/bin:100\n${check}`;

export function rootlessInstallStep(
  ctx: InstallContext,
  target: InstallTarget,
): Omit<PlanStep, 'dependsOn' | 'phase'> {
  const { spec } = ctx;
  const { node } = target;
  const facts = ctx.facts[node.nodeName] ?? null;
  const notes: string[] = [
    `Rootless: K3s runs as ${node.user} (systemctl --user status ${ROOTLESS_UNIT}; journalctl --user -u ${ROOTLESS_UNIT}); its data is in ~/${ROOTLESS_DATA}, its kubeconfig ~/${ROOTLESS_KUBECONFIG}.`,
  ];
  const config = nodeConfig(spec, node, { facts, joinUrl: null, clusterInit: false });
  const units = [rootlessUnit('fuse-overlayfs'), rootlessUnit('native')] as const;
  const actions: PlanAction[] = [
    {
      kind: 'exec',
      command: shJoin(['sh', '-c', SPACE(SPACE_CHECK), 'k3s-wizard-space']),
      sudo: false,
      asUser: true,
      what: 'check the free disk space K3s needs',
    },
    {
      kind: 'exec',
      command: shJoin(['install', '-d', '-m', '0700', STATE_DIR]),
      sudo: true,
      what: 'create k3s-wizard’s folder',
    },
  ];
  if (spec.install.source === 'online') {
    actions.push(scriptDownload(spec.install.scriptUrl, ctx, target, notes));
  } else {
    actions.push(...airgapActions(ctx, target, notes, { images: false }));
    if (spec.install.images)
      notes.push(
        `Rootless: the air-gap images are not copied (K3s reads them from ~/${ROOTLESS_DATA}/agent/images as the user); ${node.nodeName} pulls its images from a registry.`,
      );
  }
  actions.push(
    {
      kind: 'exec',
      command: installScriptCommand({ ...installEnv(spec, node), INSTALL_K3S_SKIP_ENABLE: 'true' }),
      sudo: true,
      what: 'install the K3s binary with the install script (its root service is not enabled)',
    },
    {
      kind: 'exec',
      command: shJoin(['sh', '-c', WRITE_CONFIG, 'k3s-wizard-config']),
      sudo: false,
      asUser: true,
      stdin: config.content,
      what: `write the K3s settings to ~/${ROOTLESS_CONFIG} (0600, as ${node.user})`,
    },
    {
      kind: 'exec',
      command: shJoin(['sh', '-c', WRITE_UNIT, 'k3s-wizard-unit', ...units]),
      sudo: false,
      asUser: true,
      what: `write the user unit ~/${ROOTLESS_UNIT_FILE} (fuse-overlayfs where installed, else the native snapshotter)`,
    },
    {
      kind: 'exec',
      command: shJoin(['sh', '-c', START, 'k3s-wizard-start', ROOTLESS_UNIT]),
      sudo: false,
      asUser: true,
      what: `enable and start ${ROOTLESS_UNIT} as ${node.user} (systemctl --user)`,
    },
    {
      kind: 'wait-for',
      check: serverKubectl(spec, node, ['get', '--raw', '/readyz']),
      intervalMs: 1000,
      timeoutMs: 5 * 60_000,
      what: `wait until the Kubernetes API answers on ${rootlessLocalApi(spec)}`,
    },
  );
  const done: HostCheck = {
    command: shJoin([
      'sh',
      '-c',
      DONE,
      'k3s-wizard-check',
      config.settingsHash,
      sha256Hex(units[0]),
      sha256Hex(units[1]),
      ROOTLESS_UNIT,
      spec.k3s.version ?? '',
    ]),
    sudo: false,
    asUser: true,
  };
  return {
    id: `install:${node.nodeName}`,
    host: node.nodeName,
    title: `Install K3s server rootless (as ${node.user})`,
    actions,
    secrets: secretsOf(config.content),
    alreadyDone: done,
    timeoutMs: 15 * 60_000,
    notes,
    unit: ROOTLESS_UNIT,
  };
}

// As the user: stop and forget the unit, then K3s's files in the home (what k3s-uninstall.sh is
// to /etc/rancher and /var/lib/rancher). Files a container left under a subordinate id cannot be
// removed by the user: they are said, not hidden.
const REMOVE = `${USER_SYSTEMD}
systemctl --user disable --now "$1" 2>/dev/null
rm -f "$HOME/${ROOTLESS_UNIT_FILE}"
systemctl --user daemon-reload 2>/dev/null
systemctl --user reset-failed "$1" 2>/dev/null
rm -rf "$HOME/.config/k3s" "$HOME/${ROOTLESS_KUBECONFIG}" "$HOME/${ROOTLESS_DATA}" || echo "some files in ~/${ROOTLESS_DATA} belong to a container's user: remove them with sudo rm -rf ~/${ROOTLESS_DATA}" >&2
echo "${ROOTLESS_UNIT} removed"`;

/** The first action of a rootless server's removal: its user unit and files, as the user. */
export function rootlessRemoveAction(node: NodeSpec): PlanAction {
  return {
    kind: 'exec',
    command: shJoin(['sh', '-c', REMOVE, 'k3s-wizard-uninstall-rootless', ROOTLESS_UNIT]),
    sudo: false,
    asUser: true,
    what: `stop and remove the user unit ${ROOTLESS_UNIT} and K3s’s files in ${node.user}’s home`,
  };
}

/** Exit 0 when the user unit is gone (added to the removal's already-done check). */
export const ROOTLESS_GONE = `! [ -e "$HOME/${ROOTLESS_UNIT_FILE}" ] && ! [ -e "$HOME/${ROOTLESS_DATA}" ]`;
