#!/bin/sh
# K3s install script stand-in for the k3s-wizard lab. Same interface as the
# upstream install.sh (env vars, args after `sh -s -`, files written, messages),
# for systemd hosts. The token never goes on a command line: env file via tee.
#   INSTALL_K3S_EXEC, INSTALL_K3S_VERSION, INSTALL_K3S_CHANNEL(_URL), GITHUB_URL,
#   INSTALL_K3S_SKIP_DOWNLOAD, INSTALL_K3S_SKIP_START, INSTALL_K3S_SKIP_ENABLE,
#   INSTALL_K3S_FORCE_RESTART, INSTALL_K3S_SYMLINK, INSTALL_K3S_NAME, INSTALL_K3S_TYPE,
#   INSTALL_K3S_BIN_DIR, INSTALL_K3S_SYSTEMD_DIR, K3S_URL, K3S_TOKEN, K3S_TOKEN_FILE, K3S_*
set -e
set -o noglob

GITHUB_URL=${GITHUB_URL:-https://github.com/k3s-io/k3s/releases}

info() { echo '[INFO] ' "$@"; }
warn() { echo '[WARN] ' "$@" >&2; }
fatal() { echo '[ERROR] ' "$@" >&2; exit 1; }

# one argument per line, single-quoted for the unit's ExecStart
quote() { for a in "$@"; do printf '%s\n' "$a" | sed "s/'/'\\\\''/g;1s/^/'/;\$s/\$/'/"; done; }
exec_lines() { printf ' \\\n'; for a in "$@"; do printf '\t%s \\\n' "$(quote "$a")"; done; }

check_system() {
    [ -x /bin/systemctl ] || command -v systemctl >/dev/null 2>&1 \
        || fatal 'Can not find systemd or openrc to use as a process supervisor for k3s'
}

read_inputs() {
    case "$1" in
        -*|"")
            if [ -z "${K3S_URL}" ]; then CMD=server
            elif [ -z "${K3S_TOKEN}" ] && [ -z "${K3S_TOKEN_FILE}" ]; then
                fatal "Defaulted k3s exec command to 'agent' because K3S_URL is defined, but K3S_TOKEN or K3S_TOKEN_FILE is not defined."
            else CMD=agent; fi ;;
        *) CMD=$1; shift ;;
    esac
    case "${K3S_URL}" in ""|https://*) ;; *) fatal "Only https:// URLs are supported for K3S_URL (have ${K3S_URL})" ;; esac
    EXEC_LINES="${CMD}$(exec_lines "$@")"
    if [ -n "${INSTALL_K3S_NAME}" ]; then NAME=k3s-${INSTALL_K3S_NAME}
    elif [ "$CMD" = server ]; then NAME=k3s; else NAME=k3s-$CMD; fi
    SUDO=sudo; [ "$(id -u)" -eq 0 ] && SUDO=
    UNIT_TYPE=${INSTALL_K3S_TYPE:-notify}
    BIN=${INSTALL_K3S_BIN_DIR:-/usr/local/bin}
    UNITS=${INSTALL_K3S_SYSTEMD_DIR:-/etc/systemd/system}
    UNIT=${UNITS}/${NAME}.service
    ENVFILE=${UNIT}.env
    UNINSTALL=${BIN}/${NAME}-uninstall.sh
    KILLALL=${BIN}/k3s-killall.sh
    BEFORE=$(fingerprint)
    INSTALL_K3S_CHANNEL_URL=${INSTALL_K3S_CHANNEL_URL:-'https://update.k3s.io/v1-release/channels'}
    INSTALL_K3S_CHANNEL=${INSTALL_K3S_CHANNEL:-stable}
}

fingerprint() { $SUDO sha256sum "${BIN}/k3s" "${UNIT}" "${ENVFILE}" 2>&1 || true; }

pick_arch() {
    m=${ARCH:-$(uname -m)}
    case $m in
        amd64|x86_64) ARCH=amd64; SUFFIX= ;;
        arm64|aarch64) ARCH=arm64; SUFFIX=-arm64 ;;
        s390x) ARCH=s390x; SUFFIX=-s390x ;;
        arm*) ARCH=arm; SUFFIX=-armhf ;;
        *) fatal "Unsupported architecture $m" ;;
    esac
}

fetch() {  # FILE URL
    if command -v curl >/dev/null 2>&1; then curl -o "$1" -sfL "$2" || fatal 'Download failed'
    elif command -v wget >/dev/null 2>&1; then wget -qO "$1" "$2" || fatal 'Download failed'
    else fatal 'Can not find curl or wget for downloading files'; fi
}

resolve_version() {
    if [ -n "${INSTALL_K3S_VERSION}" ]; then VERSION=${INSTALL_K3S_VERSION}
    else
        info "Finding release for channel ${INSTALL_K3S_CHANNEL}"
        # the channel URL redirects to the release page; its last path element is the version
        if command -v curl >/dev/null 2>&1; then
            VERSION=$(curl -w '%{url_effective}' -L -s -S "${INSTALL_K3S_CHANNEL_URL}/${INSTALL_K3S_CHANNEL}" -o /dev/null | sed -e 's|.*/||')
        else
            VERSION=$(wget -SqO /dev/null "${INSTALL_K3S_CHANNEL_URL}/${INSTALL_K3S_CHANNEL}" 2>&1 | grep -i Location | sed -e 's|.*/||')
        fi
    fi
    info "Using ${VERSION} as release"
}

get_binary() {
    if [ "${INSTALL_K3S_SKIP_DOWNLOAD}" = true ] || [ "${INSTALL_K3S_SKIP_DOWNLOAD}" = binary ]; then
        info 'Skipping k3s download and verify'
        [ -x "${BIN}/k3s" ] || fatal "Executable k3s binary not found at ${BIN}/k3s"
        return
    fi
    pick_arch
    TMP=$(mktemp -d -t k3s-install.XXXXXXXXXX)
    trap 'rc=$?; rm -rf "$TMP"; exit $rc' INT EXIT
    resolve_version
    info "Downloading hash ${GITHUB_URL}/download/${VERSION}/sha256sum-${ARCH}.txt"
    fetch "$TMP/k3s.hash" "${GITHUB_URL}/download/${VERSION}/sha256sum-${ARCH}.txt"
    WANT=$(grep " k3s${SUFFIX}$" "$TMP/k3s.hash" || true); WANT=${WANT%%[[:blank:]]*}
    if [ -x "${BIN}/k3s" ]; then
        HAVE=$(sha256sum "${BIN}/k3s"); HAVE=${HAVE%%[[:blank:]]*}
        if [ "$WANT" = "$HAVE" ]; then info 'Skipping binary downloaded, installed k3s matches hash'; return; fi
    fi
    info "Downloading binary ${GITHUB_URL}/download/${VERSION}/k3s${SUFFIX}"
    fetch "$TMP/k3s.bin" "${GITHUB_URL}/download/${VERSION}/k3s${SUFFIX}"
    info 'Verifying binary download'
    GOT=$(sha256sum "$TMP/k3s.bin"); GOT=${GOT%%[[:blank:]]*}
    [ "$WANT" = "$GOT" ] || fatal "Download sha256 does not match ${WANT}, got ${GOT}"
    chmod 755 "$TMP/k3s.bin"
    info "Installing k3s to ${BIN}/k3s"
    $SUDO chown root:root "$TMP/k3s.bin"
    $SUDO mv -f "$TMP/k3s.bin" "${BIN}/k3s"
}

make_links() {
    [ "${INSTALL_K3S_SYMLINK}" = skip ] && return
    for c in kubectl crictl ctr; do
        if [ -e "${BIN}/$c" ] && [ "${INSTALL_K3S_SYMLINK}" != force ]; then
            info "Skipping ${BIN}/$c symlink to k3s, already exists"; continue
        fi
        other=$(command -v $c 2>/dev/null || true)
        if [ -n "$other" ] && [ "${INSTALL_K3S_SYMLINK}" != force ]; then
            info "Skipping ${BIN}/$c symlink to k3s, command exists in PATH at $other"
        else
            info "Creating ${BIN}/$c symlink to k3s"; $SUDO ln -sf k3s "${BIN}/$c"
        fi
    done
}

write_killall() {
    info "Creating killall script ${KILLALL}"
    $SUDO tee "${KILLALL}" >/dev/null <<'EOS'
#!/bin/sh
# stops every k3s service and process of this host (lab stand-in of k3s-killall.sh)
[ $(id -u) -eq 0 ] || exec sudo $0 "$@"
set -x
for s in /etc/systemd/system/k3s*.service; do
    [ -s "$s" ] && systemctl stop "$(basename "$s")"
done
for p in $(ps -e -o pid= -o comm= -o args= | awk '$3 ~ /k3s/ && $3 !~ /killall|uninstall/ {print $1}'); do
    [ "$p" = $$ ] || kill -9 "$p" 2>/dev/null
done
rm -rf /var/lib/cni/ /run/k3s /run/flannel
true
EOS
    $SUDO chmod 755 "${KILLALL}"; $SUDO chown root:root "${KILLALL}"
}

write_uninstall() {
    info "Creating uninstall script ${UNINSTALL}"
    $SUDO tee "${UNINSTALL}" >/dev/null <<EOS
#!/bin/sh
set -x
[ \$(id -u) -eq 0 ] || exec sudo \$0 "\$@"
${KILLALL}
systemctl disable ${NAME}
systemctl reset-failed ${NAME}
systemctl daemon-reload
rm -f ${UNIT} ${ENVFILE}
trap 'rm -f ${UNINSTALL}' EXIT
if ls ${UNITS}/k3s*.service >/dev/null 2>&1; then
    set +x; echo 'Additional k3s services installed, skipping uninstall of k3s'; set -x
    exit
fi
for c in kubectl crictl ctr; do [ -L ${BIN}/\$c ] && rm -f ${BIN}/\$c; done
rm -rf /etc/rancher/k3s /run/k3s /run/flannel /var/lib/rancher/k3s /var/lib/kubelet
rm -f ${BIN}/k3s ${KILLALL}
EOS
    $SUDO chmod 755 "${UNINSTALL}"; $SUDO chown root:root "${UNINSTALL}"
}

write_unit() {
    $SUDO systemctl disable "${NAME}" >/dev/null 2>&1 || true
    $SUDO rm -f "${UNITS}/${NAME}.service" "${UNITS}/${NAME}.service.env" || true
    info "env: Creating environment file ${ENVFILE}"
    $SUDO touch "${ENVFILE}"; $SUDO chmod 0600 "${ENVFILE}"
    # values reach the file through a pipe, never through argv
    sh -c export | while read -r _ v; do echo "$v"; done | grep -E '^(K3S|CONTAINERD)_' | $SUDO tee "${ENVFILE}" >/dev/null || true
    sh -c export | while read -r _ v; do echo "$v"; done | grep -Ei '^(NO|HTTP|HTTPS)_PROXY' | $SUDO tee -a "${ENVFILE}" >/dev/null || true
    info "systemd: Creating service file ${UNIT}"
    $SUDO tee "${UNIT}" >/dev/null <<EOS
[Unit]
Description=Lightweight Kubernetes
Documentation=https://k3s.io
Wants=network-online.target
After=network-online.target

[Install]
WantedBy=multi-user.target

[Service]
Type=${UNIT_TYPE}
EnvironmentFile=-/etc/default/%N
EnvironmentFile=-/etc/sysconfig/%N
EnvironmentFile=-${ENVFILE}
KillMode=process
Delegate=yes
User=root
LimitNOFILE=1048576
LimitNPROC=infinity
LimitCORE=infinity
TasksMax=infinity
TimeoutStartSec=0
Restart=always
RestartSec=5s
ExecStartPre=-/sbin/modprobe br_netfilter
ExecStartPre=-/sbin/modprobe overlay
ExecStart=${BIN}/k3s \\
    ${EXEC_LINES}

EOS
}

enable_and_start() {
    if ! grep -qs memory /sys/fs/cgroup/cgroup.controllers && \
       ! [ "$(grep -s memory /proc/cgroups | while read -r _ _ _ on; do echo "$on"; done)" = 1 ]; then
        info 'Failed to find memory cgroup, you may need to add "cgroup_memory=1 cgroup_enable=memory" to your linux cmdline (/boot/cmdline.txt on a Raspberry Pi)'
    fi
    [ "${INSTALL_K3S_SKIP_ENABLE}" = true ] && return
    info "systemd: Enabling ${NAME} unit"
    $SUDO systemctl enable "${UNIT}" >/dev/null
    $SUDO systemctl daemon-reload >/dev/null
    [ "${INSTALL_K3S_SKIP_START}" = true ] && return
    if [ "${BEFORE}" = "$(fingerprint)" ] && [ "${INSTALL_K3S_FORCE_RESTART}" != true ]; then
        info 'No change detected so skipping service start'; return
    fi
    info "systemd: Starting ${NAME}"
    $SUDO systemctl restart "${NAME}"
}

eval set -- $(printf '%s' "${INSTALL_K3S_EXEC}" | sed -e 's/\([][!#$%&()*;<=>?\_`{|}]\)/\\\1/g;') $(quote "$@")
check_system
read_inputs "$@"
get_binary
info "Skipping installation of SELinux RPM"
make_links
write_killall
write_uninstall
write_unit
enable_and_start
