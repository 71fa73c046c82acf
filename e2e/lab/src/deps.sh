# Packages of the machine that runs the lab (Debian bookworm).
DEPS_PKGS="mmdebstrap arch-test systemd-container iproute2 iptables openssh-client sshpass gcc libc6-dev
  libnetfilter-queue-dev qemu-user-static binfmt-support zstd openssl python3 curl util-linux"

cmd_deps() {
  need_root
  export DEBIAN_FRONTEND=noninteractive
  local missing="" p
  for p in $DEPS_PKGS; do dpkg -s "$p" >/dev/null 2>&1 || missing+=" $p"; done
  if [ -n "$missing" ]; then
    log "apt-get install$missing"
    # no service may start on this machine itself while packages install
    local guard=0
    [ -e /usr/sbin/policy-rc.d ] || { printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d; chmod +x /usr/sbin/policy-rc.d; guard=1; }
    { apt-get update -qq && apt-get install -y -qq --no-install-recommends $missing >/dev/null; } || { ((guard)) && rm -f /usr/sbin/policy-rc.d; die "apt-get failed"; }
    ((guard)) && rm -f /usr/sbin/policy-rc.d
  fi
  ensure_keys; build_tools; raise_limits
  log "deps ready"
}
