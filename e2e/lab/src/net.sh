# Network: a bridge in the test machine's namespace, one netns + veth per host,
# and the test machine's own iptables chains for faults and latency (invisible
# to the hosts' own firewalls, which live in their namespaces).

ensure_bridge() { with_lock net _ensure_bridge; }  # parallel ups would race on "File exists"
_ensure_bridge() {
  if ! ip link show "$BR" >/dev/null 2>&1; then
    # fixed MAC: a bridge otherwise takes its lowest port's MAC, changing as hosts
    # come and go, and leaves every host with a stale ARP entry for the gateway
    ip link add "$BR" address "$(ip2mac "$GW")" type bridge
    ip addr add "$GW/24" dev "$BR"
    ip link set "$BR" up
  fi
  # bridged host<->host frames cross our FORWARD chain (br_netfilter): the fault
  # chain needs that, and a Docker-style DROP policy must not eat lab traffic
  [ -e /proc/sys/net/bridge/bridge-nf-call-iptables ] && sysctl -qw net.bridge.bridge-nf-call-iptables=1
  # The kernel's ARP and ND tables are shared by every namespace, 1024 entries at most by
  # default: 53 hosts that all reach each other need 53 x 52, and past the limit sends fail
  # ("neighbor table overflow", ENOBUFS), which a flow test reads as blocked. Only raised.
  local f v want
  for f in /proc/sys/net/ipv{4,6}/neigh/default/gc_thresh{1,2,3}; do
    [ -w "$f" ] || continue
    case $f in *1) want=8192 ;; *2) want=32768 ;; *) want=65536 ;; esac
    v=$(cat "$f"); [ "$v" -ge "$want" ] || echo "$want" > "$f"
  done
  if ! iptables -S $FAULT_CHAIN >/dev/null 2>&1; then
    iptables -N $FAULT_CHAIN
    iptables -I INPUT -j $FAULT_CHAIN; iptables -I OUTPUT -j $FAULT_CHAIN; iptables -I FORWARD -j $FAULT_CHAIN
  fi
  iptables -C FORWARD -i "$BR" -o "$BR" -j ACCEPT 2>/dev/null || iptables -A FORWARD -i "$BR" -o "$BR" -j ACCEPT
}

net_up() {  # NAME IP
  local ns=$NS_PREFIX$1 v=$VETH_PREFIX$1
  ensure_bridge
  ip netns del "$ns" 2>/dev/null || true; ip link del "$v" 2>/dev/null || true
  ip netns add "$ns"
  # MAC derived from the IP: a host re-created with the same IP keeps its MAC, so
  # peers' ARP caches stay right (random MACs cost 5-30 s of dropped SYNs)
  ip link add "$v" type veth peer name eth0 address "$(ip2mac "$2")" netns "$ns"
  ip link set "$v" master "$BR" up
  ip -n "$ns" link set lo up
  ip -n "$ns" addr add "$2/24" dev eth0
  ip -n "$ns" link set eth0 up
  ip -n "$ns" route add default via "$GW"
}
net_down() { ip netns del "$NS_PREFIX$1" 2>/dev/null || true; ip link del "$VETH_PREFIX$1" 2>/dev/null || true; }
# a powered-off host: no carrier, so peers get "no route to host", not a reset
net_carrier() { ip link set "$VETH_PREFIX$1" "$2" 2>/dev/null || true; }

# free address in .10-.250, under a lock so parallel `up`s never collide
alloc_ip() {  # NAME -> IP (reuses the host's own)
  local f="$LAB/hosts/$1/conf" i used
  [ -f "$f" ] && { (. "$f"; echo "$IP"); return; }
  used=$(cat "$LAB"/hosts/*/conf 2>/dev/null | sed -n 's/^IP=//p')
  for i in $(seq 10 250); do
    grep -qx "$NET.$i" <<<"$used" || { echo "$NET.$i"; return; }
  done
  die "no free address left in $NET.0/24"
}

# ---- faults, in the $FAULT_CHAIN chain (tagged with the host name in a comment)
fault_rule() {  # -A|-D NAME RULE...
  local op=$1 n=$2; shift 2
  if [ "$op" = -A ]; then iptables -C $FAULT_CHAIN "$@" -m comment --comment "$RULE_TAG:$n" 2>/dev/null && return 0; fi
  iptables "$op" $FAULT_CHAIN "$@" -m comment --comment "$RULE_TAG:$n" 2>/dev/null || [ "$op" = -D ]
}
fault_clear() {  # NAME: drop every fault rule of the host
  local r
  { iptables -S $FAULT_CHAIN 2>/dev/null | grep -F -- "\"$RULE_TAG:$1\"" || true; } | sed 's/^-A/-D/' | while read -r r; do
    eval "iptables $r" 2>/dev/null || true; done
}
port_rule() {  # -A|-D NAME IP PORT[/proto]
  local p=${4%/*} proto=tcp; [[ $4 == */* ]] && proto=${4#*/}
  [[ $p =~ ^[0-9]+$ ]] || die "bad port '$4'"
  if [ "$proto" = tcp ]; then   # like a closed port behind a rejecting firewall: RST at once
    fault_rule "$1" "$2" -d "$3" -p tcp --dport "$p" -j REJECT --reject-with tcp-reset
  else fault_rule "$1" "$2" -d "$3" -p "$proto" --dport "$p" -j DROP; fi
}
cut_rules() {  # -A|-D NAME IP
  fault_rule "$1" "$2" -d "$3" -j DROP; fault_rule "$1" "$2" -s "$3" -j DROP
}

# ---- latency: no sch_netem in this kernel and no nft `queue`; the xtables NFQUEUE
# target is there, so packets to the host are held DELAY ms by labdelay (one way)
delay_on() {  # NAME IP MS
  local h=$LAB/hosts/$1 q
  # by lab and name: two labs side by side may both have a host of this name
  q=$(( $(printf '%s:%s' "$RULE_TAG" "$1" | cksum | cut -d' ' -f1) % 60000 + 1 ))
  with_lock net _delay_chain
  setsid "$LAB/bin/labdelay" "$q" "$3" </dev/null >"$h/labdelay.log" 2>&1 9>&- &
  echo "$! $q" > "$h/labdelay.pid"
  sleep 0.2; kill -0 $! 2>/dev/null || die "labdelay failed: $(cat "$h/labdelay.log")"
  iptables -t mangle -A $DELAY_CHAIN -d "$2/32" -j NFQUEUE --queue-num "$q" --queue-bypass
}
_delay_chain() {
  iptables -t mangle -S $DELAY_CHAIN >/dev/null 2>&1 && return
  iptables -t mangle -N $DELAY_CHAIN
  iptables -t mangle -I FORWARD -j $DELAY_CHAIN; iptables -t mangle -I OUTPUT -j $DELAY_CHAIN
}
delay_off() {  # NAME IP
  local h=$LAB/hosts/$1 pid q
  [ -f "$h/labdelay.pid" ] || return 0
  read -r pid q < "$h/labdelay.pid"
  iptables -t mangle -D $DELAY_CHAIN -d "$2/32" -j NFQUEUE --queue-num "$q" --queue-bypass 2>/dev/null || true
  kill "$pid" 2>/dev/null || true; rm -f "$h/labdelay.pid"
}

net_destroy() {
  if iptables -t mangle -S $DELAY_CHAIN >/dev/null 2>&1; then
    iptables -t mangle -D FORWARD -j $DELAY_CHAIN; iptables -t mangle -D OUTPUT -j $DELAY_CHAIN
    iptables -t mangle -F $DELAY_CHAIN; iptables -t mangle -X $DELAY_CHAIN
  fi
  if iptables -S $FAULT_CHAIN >/dev/null 2>&1; then
    iptables -D INPUT -j $FAULT_CHAIN; iptables -D OUTPUT -j $FAULT_CHAIN; iptables -D FORWARD -j $FAULT_CHAIN
    iptables -F $FAULT_CHAIN; iptables -X $FAULT_CHAIN
  fi
  iptables -D FORWARD -i "$BR" -o "$BR" -j ACCEPT 2>/dev/null || true
  ip link del "$BR" 2>/dev/null || true
}
