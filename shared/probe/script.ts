/**
 * The remote facts script: plain POSIX sh (dash, bash, busybox ash), run once per host in a
 * single exec. Each fact is printed under its own `@@name` line; a command that is missing
 * or fails just leaves its section empty, which the parser reads as "unknown".
 * Ran as root when the host allows it (firewall state and listener processes need root).
 */

import { FLOW_PORTS } from '../ports';
import { BINARY_IDENTITY, K3S_BIN, K3S_DATA_DIR, VERSION_RECORD } from '../plan/install';

/** Ports whose listeners are reported: every port of the flow table (default API port). */
export const PROBED_PORTS = FLOW_PORTS;

const hex = (port: number): string => port.toString(16).toUpperCase().padStart(4, '0');

// ss's own filter (one process, no grep): local ports only, as a listener has no peer port.
const SS_FILTER = PROBED_PORTS.map((p) => `sport = :${p}`).join(' or ');
const PROC_PATTERN = `:(${PROBED_PORTS.map(hex).join('|')}) `;

export const SECTION_MARK = '@@';

export const FACTS_SCRIPT = String.raw`
export LC_ALL=C
PATH="$PATH:/usr/local/sbin:/usr/local/bin:/usr/sbin:/sbin"
s() { printf '\n@@%s\n' "$1"; }
has() { command -v "$1" >/dev/null 2>&1; }
# A small file's lines through the shell's own read: no process started for it.
rd() { while IFS= read -r l || [ -n "$l" ]; do printf '%s\n' "$l"; done < "$1"; }
# One date for both: %N where it has it, whole seconds where it prints %N as it is.
s clock; date '+%s%N %s' 2>/dev/null
# Each fork counts: a Pi over Wi-Fi runs this on every apply. Asked once, used below.
uid=$(id -u 2>/dev/null)
s uid; echo "$uid"
s hostname; rd /proc/sys/kernel/hostname 2>/dev/null || hostname 2>/dev/null
s machine-id; rd /etc/machine-id 2>/dev/null || rd /var/lib/dbus/machine-id 2>/dev/null
un=$(uname -rm 2>/dev/null)
s uname-m; [ -n "$un" ] && echo "${'$'}{un##* }"
s kernel; [ -n "$un" ] && echo "${'$'}{un% *}"
s userland-arch
if has dpkg; then dpkg --print-architecture; elif has apk; then apk --print-arch; elif has rpm; then rpm --eval '%{_arch}'; elif has opkg; then opkg print-architecture | tail -n 1 | cut -d' ' -f2; fi 2>/dev/null
s long-bit; getconf LONG_BIT 2>/dev/null
s os-release; rd /etc/os-release 2>/dev/null || rd /usr/lib/os-release 2>/dev/null
s init
c=; { read -r c < /proc/1/comm; } 2>/dev/null
printf 'pid1 %s\n' "$c"
[ -d /run/systemd/system ] && echo systemd-running
has openrc-run && echo openrc
s cpus; nproc 2>/dev/null || grep -c '^processor' /proc/cpuinfo
s meminfo
while IFS= read -r l; do
  case $l in MemTotal:*) printf '%s\n' "$l" ;; MemAvailable:*) printf '%s\n' "$l"; break ;; esac
done 2>/dev/null < /proc/meminfo
s disk
d=${K3S_DATA_DIR}
# parameter expansion only: with a broken PATH, d=$(dirname …) would be empty and loop forever
while [ ! -d "$d" ] && [ -n "$d" ] && [ "$d" != / ]; do d=${'$'}{d%/*}; done
[ -n "$d" ] || d=/
echo "$d"; df -Pk "$d" 2>/dev/null
s addr; ip -o addr show 2>/dev/null
s route; ip route show default 2>/dev/null; ip -6 route show default 2>/dev/null
s proc-route; rd /proc/net/route 2>/dev/null
s ssh-connection; echo "$SSH_CONNECTION"
s dt-model
for f in /proc/device-tree/model /sys/firmware/devicetree/base/model; do
  if [ -r "$f" ]; then tr -d '\000' < "$f"; echo; break; fi
done
# A Pi's model line (read where the device tree has none); an x86 machine is no Pi.
s cpuinfo-model
case $un in *x86_64|*i?86) ;; *) grep -m 1 -E '^Model[[:space:]]*:' /proc/cpuinfo 2>/dev/null ;; esac
s cmdline-txt
for f in /boot/firmware/cmdline.txt /boot/cmdline.txt; do
  if [ -f "$f" ]; then echo "$f"; head -c 4096 "$f"; echo; break; fi
done
s proc-cmdline; rd /proc/cmdline 2>/dev/null
# cgroup.controllers is at the top of a cgroup2 mount only: no stat needed for the usual case.
cg2=; [ -e /sys/fs/cgroup/cgroup.controllers ] && cg2=yes
s cgroup-fs; if [ -n "$cg2" ]; then echo cgroup2fs; else stat -fc %T /sys/fs/cgroup 2>/dev/null; fi
s cgroup-controllers; rd /sys/fs/cgroup/cgroup.controllers 2>/dev/null
s proc-cgroups; rd /proc/cgroups 2>/dev/null
# The hybrid layout's cgroup2 part, asked about only where the top is cgroup v1.
s cgroup-unified; [ -n "$cg2" ] || stat -fc %T /sys/fs/cgroup/unified 2>/dev/null
s rootless
# sudo says who ran it and their uid; only a login as root itself asks id.
u=$SUDO_USER; i=$SUDO_UID
[ -n "$u" ] || { u=$(id -un); i=; }
[ -n "$i" ] || i=$(id -u "$u" 2>/dev/null)
echo "user $u"; echo "uid $i"
# One systemctl for every unit asked about below: a unit's ActiveState is what is-active prints
# (blank where systemctl is missing or fails); an empty uid leaves its invalid unit name out.
delegated=; manager=; fw_state=; k3s_state=; agent_state=; id=; st=; dc=
while IFS='=' read -r k v; do
  case $k in
    Id) id=$v ;; ActiveState) st=$v ;; DelegateControllers) dc=$v ;;
    '') case $id in
          user@*) delegated=$dc; manager=$st ;; firewalld.service) fw_state=$st ;;
          k3s.service) k3s_state=$st ;; k3s-agent.service) agent_state=$st ;;
        esac; id=; st=; dc= ;;
  esac
done <<EOF
$(systemctl show -p Id -p ActiveState -p DelegateControllers ${'$'}{i:+"user@$i.service"} firewalld.service k3s.service k3s-agent.service 2>/dev/null)

EOF
echo "delegated $delegated"
# The user's first line of each file, read by the shell itself.
sub() { while IFS= read -r l; do case $l in "$u":*) printf '%s' "$l"; return ;; esac; done < "$1"; }
printf 'subuid '; sub /etc/subuid 2>/dev/null; echo
printf 'subgid '; sub /etc/subgid 2>/dev/null; echo
if [ -e "/var/lib/systemd/linger/$u" ]; then echo "linger yes"; else echo "linger no"; fi
echo "manager $manager"
if has newuidmap && has newgidmap; then echo "uidmap yes"; else echo "uidmap no"; fi
s firewalld
if has firewall-cmd; then
  svc=$fw_state
  echo "service $svc"
  # Each firewall-cmd is a Python start-up: ask it once, read the default zone from its config.
  if [ "$uid" = 0 ] && { [ "$svc" = active ] || { [ -z "$svc" ] && firewall-cmd --state >/dev/null 2>&1; }; }; then
    echo "default-zone $(sed -n 's/^DefaultZone=//p' /etc/firewalld/firewalld.conf 2>/dev/null)"
    firewall-cmd --list-all-zones 2>&1
  fi
else echo absent; fi
s ufw
if has ufw; then
  if [ "$uid" != 0 ]; then echo "needs-root $(grep -E '^ENABLED=' /etc/ufw/ufw.conf 2>/dev/null)"
  # ufw is a Python start-up (a second or more on a Pi). Its status says inactive exactly when
  # its chains are not loaded, so it is asked only when they are, or when it is set to start.
  elif grep -Eq '^ENABLED=["'"'"']?yes' /etc/ufw/ufw.conf 2>/dev/null || ! has iptables ||
    iptables -n -L ufw-user-input >/dev/null 2>&1 || ip6tables -n -L ufw6-user-input >/dev/null 2>&1; then
    ufw status verbose 2>&1
  else echo "off $(grep -E '^ENABLED=' /etc/ufw/ufw.conf 2>/dev/null)"; fi
else echo absent; fi
s nft; if [ "$uid" = 0 ] && has nft; then nft list ruleset 2>/dev/null; else echo unavailable; fi
s iptables-save; if [ "$uid" = 0 ] && has iptables-save; then iptables-save -t filter 2>/dev/null; else echo unavailable; fi
s selinux
if has getenforce; then getenforce 2>/dev/null
elif [ -r /sys/fs/selinux/enforce ]; then echo "enforce $(cat /sys/fs/selinux/enforce)"
elif [ -d /sys/fs/selinux ]; then echo unreadable
else echo absent; fi
s iptables-version; iptables --version 2>/dev/null
s k3s
if [ -x ${K3S_BIN} ] || has k3s; then
  echo installed
  # The version the install noted, while the binary is the very file it noted it for.
  v=
  if [ "$(command -v k3s)" = ${K3S_BIN} ] && [ -r ${VERSION_RECORD} ]; then
    { read -r rid; read -r rv; } < ${VERSION_RECORD}
    [ -n "$rid" ] && [ "$rid" = "$(${BINARY_IDENTITY} ${K3S_BIN} 2>/dev/null)" ] && v=$rv
  fi
  if [ -n "$v" ]; then echo "$v"; else k3s --version 2>/dev/null | head -n 1; fi
fi
if [ -f /etc/systemd/system/k3s.service ] || [ -f /etc/init.d/k3s ]; then echo "unit k3s ${'$'}{k3s_state:-unknown}"; fi
if [ -f /etc/systemd/system/k3s-agent.service ] || [ -f /etc/init.d/k3s-agent ]; then echo "unit k3s-agent ${'$'}{agent_state:-unknown}"; fi
if [ -f /etc/rancher/k3s/config.yaml ]; then
  echo config
  # What k3s-wizard's "already done?" check compares, so a run can skip asking it again.
  [ -r /etc/rancher/k3s/config.yaml ] && echo "config-sha256 $(grep -v '^token:' /etc/rancher/k3s/config.yaml | sha256sum 2>/dev/null | cut -d' ' -f1)"
fi
if [ "$uid" = 0 ]; then
  if [ -e /etc/rancher/node/password ]; then echo "node-password yes"; else echo "node-password no"; fi
fi
s listeners
if has ss; then ss -lntup '${SS_FILTER}' 2>/dev/null
else
  for f in tcp tcp6 udp udp6; do
    [ -r "/proc/net/$f" ] && grep -E '${PROC_PATTERN}' "/proc/net/$f" | sed "s/^/$f /"
  done
fi
s end
`;
