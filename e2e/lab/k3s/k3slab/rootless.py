"""`k3s server --rootless`: what it needs of the machine before it starts, and how its ports reach
the host. Like K3s (rootlesskit), it refuses root, a machine without pure cgroup v2, controllers
the user's systemd does not delegate, and a user without newuidmap/newgidmap or subordinate ids.
Its networking is detached from the host (slirp4netns: the node IP is 10.0.2.100 inside, the
host's addresses are not its own, so they are not in its certificate unless tls-san names them);
the port driver binds 6443 and ports below 1024 on the host 10000 higher (K3S-FACTS.md), which
the stand-in, having no network namespace, does by listening on that host port itself.

The lab's hosts bind a fake controller list over cgroup.controllers (e2e/lab/README.md), so what
the user's cgroup would be given is read where systemd keeps it: DelegateControllers of
user@UID.service, the same setting the kubelet would feel."""
import os, pwd, shutil, subprocess

from .common import fatal, log

NEEDED = ("cpu", "cpuset", "io", "memory", "pids")
SLIRP_NODE_IP = "10.0.2.100"


def host_port(port):
    return port + 10000 if port < 1024 or port == 6443 else port


def _pure_v2():
    try:
        kind = subprocess.run(["stat", "-fc", "%T", "/sys/fs/cgroup"], capture_output=True, text=True).stdout.strip()
    except OSError:
        return False
    return kind == "cgroup2fs"


def _subids(path, user, uid):
    try:
        for line in open(path):
            p = line.strip().split(":")
            if len(p) == 3 and p[0] in (user, str(uid)) and int(p[2]) >= 65536:
                return True
    except (OSError, ValueError):
        pass
    return False


def check():
    """Exits as K3s does when rootless mode cannot run here."""
    uid = os.geteuid()
    if uid == 0:
        fatal("rootless mode is not supported when running as root: run k3s server --rootless as an unprivileged user (its systemd user unit)")
    user = pwd.getpwuid(uid).pw_name
    if not _pure_v2():
        fatal("failed to setup cgroup2: rootless mode needs the unified cgroup v2 hierarchy, /sys/fs/cgroup is not cgroup2 "
              "(boot with systemd.unified_cgroup_hierarchy=1, see https://rootlesscontaine.rs/getting-started/common/cgroup2/)")
    out = subprocess.run(["systemctl", "show", "-p", "DelegateControllers", "--value", "user@%d.service" % uid],
                         capture_output=True, text=True).stdout.split()
    missing = [c for c in NEEDED if c not in out]
    if missing:
        fatal("failed to find cgroup controllers %s delegated to %s: enable cgroup v2 delegation, "
              "see https://rootlesscontaine.rs/getting-started/common/cgroup2/" % (",".join(missing), user))
    for tool in ("newuidmap", "newgidmap"):
        if not shutil.which(tool):
            fatal('failed to setup UID/GID map: exec: "%s": executable file not found in $PATH' % tool)
    for path in ("/etc/subuid", "/etc/subgid"):
        if not _subids(path, user, uid):
            fatal("failed to setup UID/GID map: could not find a range of at least 65536 ids for %s in %s" % (user, path))
    log("info", "Running rootless parent (user %s, port driver builtin)" % user)
