# Shared settings and helpers of the lab (sourced by ./lab).
LAB=${K3S_LAB_DIR:-/var/tmp/k3s-wizard-lab}     # state: images, hosts, keys, mirror
BR=${K3S_LAB_BRIDGE:-k3swlab0}
NET=${K3S_LAB_SUBNET:-10.66.0}                  # a /24; .1 is the test machine's side
GW=$NET.1
MIRROR_PORT=${K3S_LAB_MIRROR_PORT:-8089}
# A second lab beside the first (its own dir, bridge, subnet, port) also needs its own names
# in the test machine's namespace: one letter, e.g. K3S_LAB_TAG=c gives netns labc-NAME,
# veth lc-NAME (15 characters at most), fault rules tagged labc:NAME, chains LAB_FAULTC/LAB_DELAYC.
TAG=${K3S_LAB_TAG:-}
case $TAG in ''|[a-z]) ;; *) echo "K3S_LAB_TAG must be one lower-case letter" >&2; exit 2 ;; esac
NS_PREFIX=lab$TAG-
VETH_PREFIX=l${TAG:-v}-
RULE_TAG=lab$TAG
FAULT_CHAIN=LAB_FAULT${TAG^^}   # iptables chains of this lab's faults and latency
DELAY_CHAIN=LAB_DELAY${TAG^^}
SUITE=bookworm
KEY=$LAB/keys/id_ed25519
PASSKEY=$LAB/keys/id_ed25519_pass
LAB_USER=lab
LAB_PASSWORD=lab-password
KEY_PASSPHRASE=lab-passphrase
export LC_ALL=C

log() { printf '[lab %s] %s\n' "$(date +%T)" "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }
need_root() { [ "$(id -u)" = 0 ] || die "the lab needs root (namespaces, mounts, bridge): run with sudo"; }

# flock on a named lock under $LAB: with_lock NAME CMD...
with_lock() { local n=$1; shift; mkdir -p "$LAB/locks"; ( flock 9; "$@" ) 9>"$LAB/locks/$n"; }

hash_of() { cat "$@" | sha256sum | cut -c1-12; }

ip2mac() { local IFS=.; set -- $1; printf '02:4c:%02x:%02x:%02x:%02x' "$1" "$2" "$3" "$4"; }

host_dir() { echo "$LAB/hosts/$1"; }
host_conf() {  # NAME: loads the host's settings into the caller's variables
  local f="$LAB/hosts/$1/conf"; [ -f "$f" ] || die "no host '$1' (lab ls)"; . "$f"
}
# the PID (in our namespace) of the host's init, empty when the host is down
init_pid() { local p; p=$(cat "$LAB/hosts/$1/init.pid" 2>/dev/null) && [ -d "/proc/$p" ] && echo "$p"; }

ensure_keys() {
  mkdir -p "$LAB/keys"
  [ -f "$KEY" ] || ssh-keygen -q -t ed25519 -N '' -C k3s-wizard-lab -f "$KEY"
  [ -f "$PASSKEY" ] || ssh-keygen -q -t ed25519 -N "$KEY_PASSPHRASE" -C k3s-wizard-lab-pass -f "$PASSKEY"
  chmod 600 "$KEY" "$PASSKEY"   # ssh refuses private keys others can read
  cat > "$LAB/ssh_config" <<EOC
Host $NET.*
  User $LAB_USER
  IdentityFile $KEY
  IdentitiesOnly yes
  StrictHostKeyChecking no
  UserKnownHostsFile /dev/null
  LogLevel ERROR
  ConnectTimeout 10
EOC
}
