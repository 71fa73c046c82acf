/**
 * Rootless K3s (`k3s server --rootless`, run as the login user's systemd unit): what the machine
 * needs, as the K3s documentation and the rootless-containers guide state it, each with its fix.
 * The port rules and what does not work rootless: shared/spec/rootless.ts.
 */
import type { HostFacts } from '../facts';
import type { Check } from './types';

type Draft = Omit<Check, 'hostId'>;

/** The controllers the kubelet needs delegated to the user (rootlesscontaine.rs, cgroup v2). */
export const ROOTLESS_CONTROLLERS = ['cpu', 'cpuset', 'io', 'memory', 'pids'] as const;
/** subuid/subgid ranges smaller than this cannot map a container's users. */
export const MIN_SUBIDS = 65536;

const DELEGATE_CONF = '/etc/systemd/system/user@.service.d/delegate.conf';

/** Each requirement of a rootless server on this machine, pass or fail, with the fix when it fails. */
export function rootlessChecks(f: HostFacts): Draft[] {
  const out: Draft[] = [];
  const v = f.cgroup.version;
  if (v === 2)
    out.push({
      id: 'rootless-cgroup',
      status: 'pass',
      title: 'Rootless: cgroup v2',
      reason: 'The machine runs pure cgroup v2.',
    });
  else
    out.push({
      id: 'rootless-cgroup',
      status: v === null ? 'warn' : 'fail',
      title: 'Rootless: cgroup v2',
      reason:
        v === null
          ? 'Could not tell which cgroup version runs; rootless K3s needs pure cgroup v2.'
          : `The machine runs cgroup ${f.cgroup.hybrid ? 'v1 and v2 side by side (hybrid)' : 'v1'}: rootless K3s needs pure cgroup v2 (the kubelet cannot be given its own cgroups otherwise). Switch the kernel to the unified hierarchy and reboot.`,
      ...(v === 1
        ? {
            fix: {
              kind: 'command' as const,
              command:
                "sudo sed -i 's/^GRUB_CMDLINE_LINUX=\"/&systemd.unified_cgroup_hierarchy=1 /' /etc/default/grub && sudo update-grub && sudo reboot",
              description:
                'Boot with systemd.unified_cgroup_hierarchy=1 (on a Raspberry Pi: add it to the one line of cmdline.txt), then probe again.',
            },
          }
        : {}),
    });
  const r = f.rootless;
  if (!r) {
    out.push({
      id: 'rootless-user',
      status: 'warn',
      title: 'Rootless: the login user',
      reason:
        'The probe could not read the login user’s delegation, subuids and lingering: probe the machine again.',
    });
    return out;
  }
  if (r.user === 'root' || r.uid === 0)
    out.push({
      id: 'rootless-user',
      status: 'fail',
      title: 'Rootless: the login user',
      reason:
        'k3s-wizard logs in as root: rootless K3s runs as an unprivileged user and refuses root. Log in as the user who will run K3s (a member of the sudo group).',
      fix: {
        kind: 'command',
        command: 'sudo adduser k3s && sudo adduser k3s sudo',
        description:
          'Make such a user (or use an existing one), then set it as the login user of this machine.',
      },
    });
  const missing = ROOTLESS_CONTROLLERS.filter((c) => !r.delegated.includes(c));
  out.push(
    missing.length === 0
      ? {
          id: 'rootless-delegation',
          status: 'pass',
          title: 'Rootless: cgroup delegation',
          reason: `systemd delegates ${r.delegated.join(', ')} to ${r.user}.`,
        }
      : {
          id: 'rootless-delegation',
          status: 'fail',
          title: 'Rootless: cgroup delegation',
          reason: `systemd delegates ${r.delegated.length ? r.delegated.join(', ') : 'no controllers'} to ${r.user}; rootless K3s needs ${ROOTLESS_CONTROLLERS.join(', ')} (missing: ${missing.join(', ')}).`,
          fix: {
            kind: 'command',
            command: `sudo mkdir -p ${DELEGATE_CONF.replace(/\/[^/]+$/, '')} && printf '[Service]\\nDelegate=${ROOTLESS_CONTROLLERS.join(' ')}\\n' | sudo tee ${DELEGATE_CONF} && sudo systemctl daemon-reload`,
            description: `Delegate the controllers to every user’s systemd (${DELEGATE_CONF}), then log ${r.user} out and in again (or reboot).`,
          },
        },
  );
  const short = [
    ...(r.subuids < MIN_SUBIDS ? ['/etc/subuid'] : []),
    ...(r.subgids < MIN_SUBIDS ? ['/etc/subgid'] : []),
  ];
  out.push(
    short.length === 0
      ? {
          id: 'rootless-subids',
          status: 'pass',
          title: 'Rootless: subordinate ids',
          reason: `${r.user} has ${r.subuids} subordinate user ids and ${r.subgids} group ids.`,
        }
      : {
          id: 'rootless-subids',
          status: 'fail',
          title: 'Rootless: subordinate ids',
          reason: `${r.user} has no range of at least ${MIN_SUBIDS} ids in ${short.join(' and ')}: the user namespace K3s runs in cannot map container users.`,
          fix: {
            kind: 'command',
            command: `sudo usermod --add-subuids 100000-165535 --add-subgids 100000-165535 ${r.user}`,
            description: 'Give the user a range of 65536 ids (pick another range if 100000-165535 is taken).',
          },
        },
  );
  out.push(
    r.linger && r.userManager
      ? {
          id: 'rootless-linger',
          status: 'pass',
          title: 'Rootless: the user’s systemd',
          reason: `Lingering is on for ${r.user} and its systemd instance runs: K3s keeps running after logout and starts at boot.`,
        }
      : {
          id: 'rootless-linger',
          status: 'fail',
          title: 'Rootless: the user’s systemd',
          reason: r.linger
            ? `Lingering is on for ${r.user}, but its systemd instance (user@${r.uid ?? 'UID'}.service) is not running.`
            : `Lingering is off for ${r.user}: its systemd instance, and K3s with it, would stop at logout and not start at boot.`,
          fix: {
            kind: 'command',
            command: `sudo loginctl enable-linger ${r.user}`,
            description: 'Keep the user’s systemd instance running without a login.',
          },
        },
  );
  out.push(
    r.uidmap
      ? {
          id: 'rootless-uidmap',
          status: 'pass',
          title: 'Rootless: newuidmap',
          reason: 'newuidmap and newgidmap are installed.',
        }
      : {
          id: 'rootless-uidmap',
          status: 'fail',
          title: 'Rootless: newuidmap',
          reason: 'newuidmap and newgidmap are missing: the user namespace cannot use the subordinate ids.',
          fix: {
            kind: 'command',
            command: 'sudo apt-get install -y uidmap',
            description: 'Package uidmap (Debian, Ubuntu, Raspberry Pi OS).',
          },
        },
  );
  return out;
}
