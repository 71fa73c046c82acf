# Hosts: spec parsing, boot loop (systemd-nspawn --boot, rebooting on exit 133),
# readiness, exec/ssh, listing and teardown.

DEFAULT_SET='server:arch=amd64,fw=firewalld;pi1:arch=arm64,pi,sudo=password,fw=none;node2:arch=armhf,fw=ufw'

# "name:k=v,flag,..." -> S_* variables; see README.md for the keys
parse_spec() {
  local s=$1 opt k v
  S_NAME=${s%%:*}; [[ $s == *:* ]] && s=${s#*:} || s=""
  S_ARCH=amd64 S_PI=0 S_FW=firewalld S_SUDO=nopasswd S_AUTH=both S_DELAY=0 S_HOSTNAME="" S_MIDFROM="" S_CGROUP=v2
  [[ $S_NAME =~ ^[a-z][a-z0-9-]{0,11}$ ]] || die "bad host name '$S_NAME' (a-z0-9-, at most 12 chars, starts with a letter)"
  local IFS=,
  for opt in $s; do
    k=${opt%%=*}; v=${opt#*=}
    case $k in
      arch) case $v in amd64|x86_64) S_ARCH=amd64 ;; arm64|aarch64) S_ARCH=arm64 ;; armhf|arm|armv7l) S_ARCH=armhf ;;
              *) die "$S_NAME: unknown arch '$v'" ;; esac ;;
      pi) S_PI=1 ;;
      fw|firewall) case $v in firewalld|ufw|none) S_FW=$v ;; *) die "$S_NAME: fw is firewalld, ufw or none" ;; esac ;;
      sudo) case $v in nopasswd|password) S_SUDO=$v ;; *) die "$S_NAME: sudo is nopasswd or password" ;; esac ;;
      auth) case $v in key|password|both) S_AUTH=$v ;; *) die "$S_NAME: auth is key, password or both" ;; esac ;;
      delay) [[ $v =~ ^[0-9]+$ ]] || die "$S_NAME: delay is in ms"; S_DELAY=$v ;;
      hostname) S_HOSTNAME=$v ;;
      machine-id) S_MIDFROM=${v#same-as:} ;;
      cgroup) case $v in v2|hybrid) S_CGROUP=$v ;; *) die "$S_NAME: cgroup is v2 or hybrid" ;; esac ;;
      "") ;;
      *) die "$S_NAME: unknown option '$k'" ;;
    esac
  done
  [ -n "$S_HOSTNAME" ] || S_HOSTNAME=$S_NAME
}
spec_line() { echo "arch=$S_ARCH,pi=$S_PI,fw=$S_FW,sudo=$S_SUDO,auth=$S_AUTH,delay=$S_DELAY,hostname=$S_HOSTNAME,machine-id=$S_MIDFROM$([ "$S_CGROUP" = v2 ] || echo ",cgroup=$S_CGROUP")"; }

build_tools() { build_tool labdelay -lnetfilter_queue; build_tool labexec; }
# NAME [LIB...]: src/NAME.c -> $LAB/bin/NAME when missing or older, built under a temporary name
# (parallel `lab exec`s may build it at once: none may run half a binary)
build_tool() {
  local b=$LAB/bin/$1 c=$SRC/$1.c; shift
  [ -x "$b" ] && ! [ "$c" -nt "$b" ] && return 0
  mkdir -p "$LAB/bin"
  { gcc -O2 -Wall -o "$b.$$" "$c" "$@" && mv -f "$b.$$" "$b"; } || { rm -f "$b.$$"; die "cannot build ${b##*/} (lab deps)"; }
}

# ------------------------------------------------------------------ boot
# every boot, from outside, on the host's mounted root M (native tools: fast)
customize_root() {  # NAME M
  local n=$1 m=$2 h=$LAB/hosts/$1
  # the spec's name on the first boot; later boots keep what the host set (hostnamectl), as a Pi does
  BOOT_HOSTNAME=$HOSTNAME
  if [ -e "$h/.provisioned" ] && [ -s "$m/etc/hostname" ]; then BOOT_HOSTNAME=$(head -n1 "$m/etc/hostname"); fi
  echo "$BOOT_HOSTNAME" > "$m/etc/hostname"
  { printf '127.0.0.1\tlocalhost\n127.0.1.1\t%s\n::1\tlocalhost ip6-localhost ip6-loopback\n' "$BOOT_HOSTNAME"
    printf '%s\tlab-gw lab-mirror\n' "$GW"
    grep -v "[[:space:]]$n\$" "$LAB/hosts.txt" 2>/dev/null || true; } > "$m/etc/hosts"
  [ -s "$m/etc/ssh/ssh_host_ed25519_key" ] || ssh-keygen -q -A -f "$m"
  if [ ! -s "$m/etc/machine-id" ]; then
    if [ -n "$MIDFROM" ]; then   # a cloned SD card (the original may be booting alongside)
      local i; for i in $(seq 1 300); do [ -s "$LAB/hosts/$MIDFROM/root-machine-id" ] && break; sleep 0.2; done
      cp "$LAB/hosts/$MIDFROM/root-machine-id" "$m/etc/machine-id" 2>/dev/null \
        || die "$n: machine-id=same-as:$MIDFROM needs $MIDFROM to be up first"
    else tr -d '-' < /proc/sys/kernel/random/uuid > "$m/etc/machine-id"; fi
  fi
  cp "$m/etc/machine-id" "$h/root-machine-id"
  # In a container systemd-machine-id-setup takes the container UUID, which nspawn sets to the
  # machine-id the root had at boot: an emptied /etc/machine-id would get the old ID back. A Pi
  # has no such UUID and gets a random ID; this shim (first on sudo's PATH) does what it does.
  mkdir -p "$m/usr/local/sbin"
  printf '#!/bin/sh\n# lab: a random ID, as on hardware without a VM or container UUID\n[ -s /etc/machine-id ] || tr -d - < /proc/sys/kernel/random/uuid > /etc/machine-id\nexec /usr/bin/systemd-machine-id-setup "$@"\n' \
    > "$m/usr/local/sbin/systemd-machine-id-setup"
  chmod 0755 "$m/usr/local/sbin/systemd-machine-id-setup"
  mkdir -p "$m/etc/lab"
  printf 'PI=%s\nPI_MODEL="%s"\nNATIVE=%s\nFW=%s\n' "$PI" \
    "$([ "$ARCH" = armhf ] && echo 'Raspberry Pi 3 Model B Plus Rev 1.3' || echo 'Raspberry Pi 4 Model B Rev 1.4')" \
    "$([ "$ARCH" = amd64 ] && echo 0 || echo 1)" "$FW" > "$m/etc/lab/host.conf"
  [ -e "$h/.provisioned" ] && return 0
  # ---- first boot only: the profile (later changes made on the host are kept)
  if [ "$SUDO" = nopasswd ]; then
    printf 'lab ALL=(ALL:ALL) NOPASSWD: ALL\n' > "$m/etc/sudoers.d/90-lab"; chmod 0440 "$m/etc/sudoers.d/90-lab"
  fi                                            # else: group sudo, password asked
  local pw=yes; [ "$AUTH" = key ] && pw=no
  printf 'PasswordAuthentication %s\nPubkeyAuthentication yes\n' "$pw" > "$m/etc/ssh/sshd_config.d/20-lab-auth.conf"
  install -d -m 700 "$m/home/lab/.ssh"
  if [ "$AUTH" != password ]; then cat "$KEY.pub" "$PASSKEY.pub" > "$m/home/lab/.ssh/authorized_keys"
  else : > "$m/home/lab/.ssh/authorized_keys"; fi
  chmod 600 "$m/home/lab/.ssh/authorized_keys"
  chown -R --reference="$m/home/lab" "$m/home/lab/.ssh"
  case $FW in
    firewalld) ;;                                # enabled in the image, default zone public
    ufw) ln -sfn /dev/null "$m/etc/systemd/system/firewalld.service"
         # ufw's defaults deny incoming SSH too: allow it, as an admin would
         sed -i 's/^ENABLED=.*/ENABLED=yes/' "$m/etc/ufw/ufw.conf"
         python3 - "$m/etc/ufw" <<'PY'
import sys, os
d = sys.argv[1]
for f, fam in (("user.rules", ""), ("user6.rules", "6")):
    p = os.path.join(d, f); s = open(p).read()
    rule = ("\n### tuple ### allow tcp 22 0.0.0.0/0 any 0.0.0.0/0 in\n-A ufw-user-input -p tcp --dport 22 -j ACCEPT\n"
            if not fam else "\n### tuple ### allow tcp 22 ::/0 any ::/0 in\n-A ufw6-user-input -p tcp --dport 22 -j ACCEPT\n")
    s = s.replace("### RULES ###\n", "### RULES ###\n" + rule, 1)
    open(p, "w").write(s)
PY
         ;;
    none) ln -sfn /dev/null "$m/etc/systemd/system/firewalld.service" ;;
  esac
  if [ "$PI" = 1 ]; then   # Raspberry Pi OS bookworm's single line, without the cgroup flags
    mkdir -p "$m/boot/firmware"
    echo "console=serial0,115200 console=tty1 root=PARTUUID=$(head -c4 /dev/urandom | od -An -tx4 | tr -d ' ')-02 rootfstype=ext4 fsck.repair=yes rootwait quiet splash plymouth.ignore-serial-consoles cfg80211.ieee80211_regdom=GB" > "$m/boot/firmware/cmdline.txt"
    printf '# lab: Raspberry Pi firmware settings (not used)\narm_64bit=%s\ndtparam=audio=on\ncamera_auto_detect=1\ndisplay_auto_detect=1\n' \
      "$([ "$ARCH" = arm64 ] && echo 1 || echo 0)" > "$m/boot/firmware/config.txt"
  fi
  touch "$h/.provisioned"
}

# Each host's own cgroup, in every hierarchy systemd uses (the unified one; on a hybrid machine also
# its named v1 one). nspawn --keep-unit makes its payload and supervisor cgroups under the
# launcher's: launchers sharing one cgroup gave every host the same /payload, where one host's
# systemd removed the unit cgroups another's was starting units in ("Failed at step CGROUP ...
# No such file or directory"): lab-boot or systemd-user-sessions failed at random under load.
host_cgroups() {  # NAME
  local base
  for base in /sys/fs/cgroup /sys/fs/cgroup/unified /sys/fs/cgroup/systemd; do
    [ -e "$base/cgroup.procs" ] && echo "$base/k3s-wizard-lab$TAG/$1"
  done
  return 0
}
join_host_cgroup() {  # NAME: the calling shell moves into the host's cgroups, emptied of old boots
  local d
  for d in $(host_cgroups "$1"); do
    drop_cgroup "$d"
    mkdir -p "$d" && echo $BASHPID > "$d/cgroup.procs" || log "$1: could not use the cgroup $d"
  done
}
drop_cgroup() {  # DIR: removes the host's leftover child cgroups (not DIR itself while in use)
  [ -d "$1" ] || return 0
  find "$1" -mindepth 1 -depth -type d -exec rmdir {} + 2>/dev/null || true
}
remove_host_cgroups() { local d; for d in $(host_cgroups "$1"); do drop_cgroup "$d"; rmdir "$d" 2>/dev/null || true; done; }

# the launcher: runs in its own mount namespace (every mount of the host goes
# away with it) and boots the host again whenever it reboots (nspawn exit 133)
_run() {  # NAME
  local n=$1 h=$LAB/hosts/$1; host_conf "$n"
  local m=$h/root
  join_host_cgroup "$n"
  # nspawn rm -rf's its state under /run/systemd/nspawn and refuses on a disk
  # filesystem: /run is not a tmpfs on machines booted without systemd
  mkdir -p /run/systemd/nspawn; mount -t tmpfs -o mode=755 tmpfs /run/systemd/nspawn
  mkdir -p "$h/upper" "$h/work" "$m"
  mount -t overlay overlay -o "lowerdir=$LOWER,upperdir=$h/upper,workdir=$h/work" "$m"
  local extra=()
  if [ "$ARCH" != amd64 ]; then   # the native sidecar (see bake.sh)
    mkdir -p "$h/native" "$h/native-upper" "$h/native-work"
    mount -t overlay overlay -o "lowerdir=$NATIVE_LOWER,upperdir=$h/native-upper,workdir=$h/native-work" "$h/native"
    extra+=(--bind="$h/native:/run/lab-native")
  fi
  local rc boot=0
  while :; do
    boot=$((boot + 1)); rm -f "$h/stop-request" "$h/init.pid"
    customize_root "$n" "$m"
    echo "$(date +%T) boot $boot" >> "$h/boots.log"
    # cgroup=hybrid: the v1 controller hierarchies plus the unified one for systemd, as systemd
    # sets up on a machine booted with systemd.unified_cgroup_hierarchy=0 (Debian 10, old Pis):
    # nspawn then follows this machine's own (hybrid) layout
    local uh=SYSTEMD_NSPAWN_UNIFIED_HIERARCHY=1; [ "${CGROUP:-v2}" = hybrid ] && uh=K3S_LAB_CGROUP=hybrid
    env "$uh" systemd-nspawn "${extra[@]}" --quiet --directory="$m" --boot --machine="$n" --hostname="$BOOT_HOSTNAME" \
      --register=no --keep-unit --console=passive --link-journal=no --resolv-conf=off --timezone=off \
      --network-namespace-path="/run/netns/$NS_PREFIX$n" --capability=CAP_NET_ADMIN \
      --drop-capability=CAP_SYS_RESOURCE </dev/null &
    local np=$! p=""
    # nspawn forks the host's init in its own time: on a loaded machine that took longer than the
    # 10 s once allowed here, init.pid was never written and the host counted as down for good
    while kill -0 "$np" 2>/dev/null; do p=$(find_init "$np") && break; sleep 0.05; done
    [ -n "$p" ] && echo "$p" > "$h/init.pid"
    rc=0; wait "$np" || rc=$?
    echo "$(date +%T) exit $rc" >> "$h/boots.log"
    [ -e "$h/stop-request" ] && break
    [ "$rc" = 133 ] || break      # 133: the host asked for a reboot
  done
  rm -f "$h/init.pid"
  net_carrier "$n" down
}

find_init() {  # PID -> the first descendant that is PID 1 of a child pid namespace
  local c
  for c in $(cat /proc/"$1"/task/*/children 2>/dev/null); do
    if awk '/^NSpid:/ { exit !(NF > 2 && $NF == 1) }' "/proc/$c/status" 2>/dev/null; then echo "$c"; return 0; fi
    find_init "$c" && return 0
  done; return 1
}

launch() {  # NAME: boot a defined host
  local n=$1 h=$LAB/hosts/$1
  launcher_alive "$n" && return 0
  net_carrier "$n" up
  setsid unshare --mount --propagation private -- "$SELF" _run "$n" </dev/null >>"$h/console.log" 2>&1 9>&- &
  echo $! > "$h/launcher.pid"
}
launcher_alive() { local p; p=$(cat "$LAB/hosts/$1/launcher.pid" 2>/dev/null) && [ -d "/proc/$p" ]; }

# the one console line that tells why a boot failed (systemd's and nspawn's own words), else the last
boot_cause() {
  local c=$LAB/hosts/$1/console.log line
  line=$(tail -200 "$c" 2>/dev/null | tr -d '\r' | sed 's/\x1b\[[0-9;]*m//g' \
    | grep -E 'Too many open files|Failed to|failed|[Ee]rror|[Cc]annot|No space|[Dd]enied|not found' | tail -1)
  [ -n "$line" ] || line=$(tail -200 "$c" 2>/dev/null | tr -d '\r' | grep -v '^[[:space:]]*$' | tail -1)
  echo "${line:-the console is empty} (console: $c)"
}
boot_failed() { echo "$2" > "$LAB/hosts/$1/boot-failure"; die "$1: $2"; }

# Many hosts at once need more inotify instances than the kernel's default 128 (each host's systemd
# and journald take several): without them new hosts die with "Failed to create control group
# inotify object: Too many open files". Raised the way container tools document it, never lowered.
raise_limits() {
  local kv f want have
  for kv in max_user_instances=8192 max_user_watches=524288; do
    f=/proc/sys/fs/inotify/${kv%=*} want=${kv#*=}; have=$(cat "$f" 2>/dev/null || echo 0)
    [ "$have" -ge "$want" ] || { echo "$want" > "$f"; } 2>/dev/null || log "could not raise fs.inotify.${kv%=*} to $want (have $have)"
  done
}

wait_ready() {  # NAME [TIMEOUT_S]: sshd answers, logins are allowed, and the firewall (if any) is active
  local n=$1 t=${2:-180} h=$LAB/hosts/$1 IP FW; host_conf "$n"
  local end=$((SECONDS + t)) at
  while :; do
    # until systemd-user-sessions has run, pam_nologin (/run/nologin) hangs up every login but
    # root's: sshd answers while the host still boots, and a test logging in then fails.
    # `at` is the step it waits for, named when it gives up. -k: a command that outlives SIGTERM
    # (labexec waits for its child, which a host in trouble may never end) is killed 2 s later.
    at="its init process (no init.pid)"
    if init_pid "$n" >/dev/null; then
      at="sshd on $IP:22"
      if timeout -k 2 2 bash -c "exec 3<>/dev/tcp/$IP/22 && head -c 4 <&3" 2>/dev/null | grep -q SSH-; then
        at="systemd-user-sessions ($(timeout -k 2 5 "$SELF" exec "$n" systemctl is-active systemd-user-sessions.service 2>/dev/null | head -1))"
        if [ "$at" = "systemd-user-sessions (active)" ]; then
          at="the firewall ($FW)"
          case $FW in
            firewalld) [ "$(timeout -k 2 10 "$SELF" exec "$n" firewall-cmd --state 2>/dev/null)" = running ] && break ;;
            ufw) timeout -k 2 10 "$SELF" exec "$n" ufw status 2>/dev/null | grep -q 'Status: active' && break ;;
            *) break ;;
          esac
        fi
      fi
    fi
    launcher_alive "$n" || boot_failed "$n" "host died at boot: $(boot_cause "$n")"
    [ $SECONDS -lt $end ] || boot_failed "$n" "not ready after ${t}s, waiting for $at; console: $(boot_cause "$n")"
    sleep 0.2
  done
}

# ------------------------------------------------------------------ commands
cmd_up() {  # [--hosts 'SPEC;SPEC'] [SPEC...]
  need_root; ensure_keys; build_tools; raise_limits
  local specs=() s
  while (($#)); do case $1 in
    --hosts) IFS=';' read -ra s <<<"$2"; specs+=("${s[@]}"); shift ;;
    --hosts=*) IFS=';' read -ra s <<<"${1#*=}"; specs+=("${s[@]}") ;;
    *) specs+=("$1") ;; esac; shift; done
  [ ${#specs[@]} -gt 0 ] || die "usage: lab up NAME[:OPTS] ... | --hosts 'SPEC;SPEC'"
  local names=() arches="" t0=$SECONDS
  for s in "${specs[@]}"; do [ -n "$s" ] || continue; parse_spec "$s"; arches+=" $S_ARCH"; done
  for s in $(tr ' ' '\n' <<<"$arches" | sort -u); do ensure_image "$s"; done
  for s in "${specs[@]}"; do [ -n "$s" ] || continue; parse_spec "$s"; define_host && names+=("$S_NAME"); done
  local n pids=() fail=0
  for n in "${names[@]}"; do rm -f "$LAB/hosts/$n/boot-failure"; launch "$n"; done
  for n in "${names[@]}"; do ( wait_ready "$n" && host_after_boot "$n" ) & pids+=($!); done
  for s in "${pids[@]}"; do wait "$s" || fail=1; done
  if ((fail)); then
    local why=""
    for n in "${names[@]}"; do [ -f "$LAB/hosts/$n/boot-failure" ] && why+="; $n: $(cat "$LAB/hosts/$n/boot-failure")"; done
    die "some hosts did not come up${why:- (see $LAB/hosts/NAME/console.log)}"
  fi
  log "up: ${names[*]} in $((SECONDS - t0)) s"
}

# writes the host's conf (new host, or changed spec); returns 1 when it is already up as asked
define_host() {
  local n=$S_NAME h=$LAB/hosts/$S_NAME want; want=$(spec_line)
  if [ -f "$h/conf" ]; then
    if [ "$(. "$h/conf"; echo "$SPEC")" = "$want" ] && launcher_alive "$n"; then
      log "$n: already up"; return 1; fi
    remove_host "$n"
  fi
  mkdir -p "$h"
  with_lock alloc _define_host "$n" "$want"
  local IP; IP=$(. "$h/conf"; echo "$IP")
  net_up "$n" "$IP"
  [ "$S_DELAY" -gt 0 ] && delay_on "$n" "$IP" "$S_DELAY"
  return 0
}
_define_host() {
  local n=$1 ip; ip=$(alloc_ip "$n")
  # written whole, then renamed: `lab ls` from another test file may read it at any moment
  cat > "$LAB/hosts/$n/conf.tmp" <<EOC
NAME=$n
IP=$ip
ARCH=$S_ARCH
PI=$S_PI
FW=$S_FW
SUDO=$S_SUDO
AUTH=$S_AUTH
DELAY=$S_DELAY
HOSTNAME=$S_HOSTNAME
MIDFROM=$S_MIDFROM
CGROUP=$S_CGROUP
SPEC='$2'
LOWER='$(bake_dir "$S_ARCH")/upper:$(base_dir "$S_ARCH")'
NATIVE_LOWER='$(base_dir amd64)'
EOC
  mv -f "$LAB/hosts/$n/conf.tmp" "$LAB/hosts/$n/conf"
  grep -q "[[:space:]]$n\$" "$LAB/hosts.txt" 2>/dev/null || printf '%s\t%s\n' "$ip" "$n" >> "$LAB/hosts.txt"
}

# after the first boot: the new name in the other hosts' /etc/hosts
host_after_boot() {
  local n=$1 o IP; IP=$(. "$LAB/hosts/$n/conf"; echo "$IP")
  for o in "$LAB"/hosts/*/conf; do
    o=${o%/conf}; o=${o##*/}; [ "$o" = "$n" ] && continue; init_pid "$o" >/dev/null || continue
    # best effort and bounded: a neighbour going down or rebooting meanwhile (another test file)
    # makes the exec fail or hang, which must neither abort nor stall this host's start-up
    timeout -k 2 10 "$SELF" exec "$o" sh -c "grep -q '[[:space:]]$n\$' /etc/hosts || printf '%s\t%s\n' $IP $n >> /etc/hosts" \
      </dev/null >/dev/null 2>&1 || true
  done
}

kill_host() {  # NAME: power off at once (SIGKILL to the pid namespace's init)
  local n=$1 h=$LAB/hosts/$1 p l i
  touch "$h/stop-request"
  p=$(init_pid "$n" || true); l=$(cat "$h/launcher.pid" 2>/dev/null || true)
  [ -n "$p" ] && kill -KILL "$p" 2>/dev/null
  for i in $(seq 1 100); do launcher_alive "$n" || break; sleep 0.05; done
  launcher_alive "$n" && { kill -KILL "$l" 2>/dev/null || true; sleep 0.2; }
  net_carrier "$n" down
}

remove_host() {  # NAME: kill, drop network, delete files
  local n=$1 h=$LAB/hosts/$1 IP=""
  [ -f "$h/conf" ] && IP=$(. "$h/conf"; echo "$IP")
  kill_host "$n"
  [ -n "$IP" ] && { delay_off "$n" "$IP"; fault_clear "$n"; }
  net_down "$n"
  sed -i "/[[:space:]]$n\$/d" "$LAB/hosts.txt" 2>/dev/null || true
  mountpoint -q "$h/root" && die "$h/root still mounted, not deleting"
  remove_host_cgroups "$n"
  rm -rf "$h"
}

cmd_down() {  # NAME... (in parallel: a pid namespace takes 1-2 s to die)
  need_root
  local n pids=()
  for n in "$@"; do [ -d "$LAB/hosts/$n" ] || { log "$n: no such host"; continue; }; remove_host "$n" & pids+=($!); done
  for n in "${pids[@]}"; do wait "$n" || true; done
  [ $# -gt 0 ] && log "down: $*"
  return 0
}

cmd_exec() {  # NAME CMD...: as root inside the host (all its namespaces)
  local n=$1 p; shift
  [ $# -gt 0 ] || set -- /bin/bash -l
  p=$(init_pid "$n") || die "$n is not running"
  build_tool labexec
  # not nsenter: a host shutting down stops the command, and nsenter then stops itself and never
  # reaps it, which keeps the host from ever finishing its reboot (see labexec.c)
  "$LAB/bin/labexec" "$p" /usr/bin/env -i \
    PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin HOME=/root LANG=C.UTF-8 TERM="${TERM:-dumb}" "$@"
}

cmd_ssh() {  # NAME [CMD...]
  local n=$1 IP; shift; host_conf "$n"; ensure_keys
  exec ssh -F "$LAB/ssh_config" "$IP" "$@"
}

cmd_ls() {  # [--json]
  local f first=1 json=0; [ "${1:-}" = --json ] && json=1
  ((json)) && printf '['
  ((json)) || printf '%-12s %-12s %-6s %-3s %-9s %-8s %-8s %-5s %-12s %s\n' NAME ADDRESS ARCH PI FIREWALL SUDO AUTH DELAY HOSTNAME STATE
  for f in "$LAB"/hosts/*/conf; do
    [ -e "$f" ] || continue
    # a host being removed by another test file may lose its conf meanwhile: skip it
    if ( NAME=; . "$f" 2>/dev/null && [ -n "$NAME" ] || exit 3
      st=down; launcher_alive "$NAME" && st=up; [ -e "$LAB/hosts/$NAME/init.pid" ] || { [ $st = up ] && st=booting; }
      if ((json)); then
        ((first)) || printf ','
        printf '{"name":"%s","address":"%s","port":22,"user":"%s","password":"%s","keyPath":"%s","passphraseKeyPath":"%s","passphrase":"%s","arch":"%s","hostname":"%s","pi":%s,"firewall":"%s","sudo":"%s","auth":"%s","delayMs":%s,"machineIdFrom":"%s","state":"%s"}' \
          "$NAME" "$IP" "$LAB_USER" "$LAB_PASSWORD" "$KEY" "$PASSKEY" "$KEY_PASSPHRASE" "$ARCH" "$HOSTNAME" \
          "$([ "$PI" = 1 ] && echo true || echo false)" "$FW" "$SUDO" "$AUTH" "$DELAY" "$MIDFROM" "$st"
      else printf '%-12s %-12s %-6s %-3s %-9s %-8s %-8s %-5s %-12s %s\n' "$NAME" "$IP" "$ARCH" \
          "$([ "$PI" = 1 ] && echo yes || echo -)" "$FW" "$SUDO" "$AUTH" "$DELAY" "$HOSTNAME" "$st"; fi ); then
      first=0
    fi
  done
  ((json)) && printf ']\n'
  return 0
}

cmd_up_set() {  # [--hosts SPEC]: the lab for people (npm run lab:up)
  local spec=$DEFAULT_SET
  while (($#)); do case $1 in --hosts) spec=$2; shift ;; --hosts=*) spec=${1#*=} ;; *) spec=$1 ;; esac; shift; done
  cmd_up --hosts "$spec"
  mirror_start
  echo
  cmd_ls
  cat <<EOT

Log in:    ssh -i $KEY $LAB_USER@ADDRESS      (password: $LAB_PASSWORD)
           or: bash e2e/lab/lab ssh NAME
Keys:      $KEY  (no passphrase)
           $PASSKEY  (passphrase: $KEY_PASSPHRASE)
sudo:      hosts with SUDO=password ask for $LAB_PASSWORD
K3s:       install script  $(mirror_url)/install.sh
           GITHUB_URL=$(mirror_url)/k3s-io/k3s/releases   versions: $(mirror_versions)
           air-gap files   $LAB/airgap/
Stop:      npm run lab:down
EOT
}

cmd_destroy() {
  need_root
  local f names=()
  for f in "$LAB"/hosts/*/conf; do [ -e "$f" ] && { f=${f%/conf}; names+=("${f##*/}"); }; done
  ((${#names[@]})) && cmd_down "${names[@]}"
  mirror_stop
  with_lock net net_destroy
  rm -f "$LAB/hosts.txt"
  local d; for d in $(host_cgroups ''); do rmdir "$d" 2>/dev/null || true; done
  log "lab destroyed (images kept in $LAB/img; 'rm -rf $LAB' removes them)"
}
