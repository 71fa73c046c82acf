# The K3s release mirror (HTTP on the bridge address) and the air-gap folder.
MIRROR_DIR=$LAB/mirror
AIRGAP_DIR=$LAB/airgap

mirror_url() { echo "http://$GW:$MIRROR_PORT"; }
mirror_versions() { cat "$MIRROR_DIR/versions" 2>/dev/null; }

mirror_build() {  # rebuilt when the stand-in's sources change
  local key; key=$(cd "$HERE/k3s" && hash_of install.sh __main__.py k3slab/*.py "$SRC/mkrelease.py")
  [ "$(cat "$MIRROR_DIR/.key" 2>/dev/null)" = "$key" ] && return 0
  log "building the K3s stand-in release files"
  rm -rf "$MIRROR_DIR.tmp" "$AIRGAP_DIR"; mkdir -p "$MIRROR_DIR.tmp" "$AIRGAP_DIR"
  python3 "$SRC/mkrelease.py" "$HERE/k3s" "$MIRROR_DIR.tmp" "$AIRGAP_DIR" > "$MIRROR_DIR.tmp/versions"
  echo "$key" > "$MIRROR_DIR.tmp/.key"
  rm -rf "$MIRROR_DIR"; mv "$MIRROR_DIR.tmp" "$MIRROR_DIR"
  mirror_pid >/dev/null && { mirror_stop; _mirror_start; }   # serve the new files
  return 0
}

mirror_pid() { local p; p=$(cat "$LAB/mirror.pid" 2>/dev/null) && [ -d "/proc/$p" ] && echo "$p"; }

mirror_start() { need_root; ensure_bridge; with_lock mirror mirror_build; with_lock mirror _mirror_start; }
_mirror_start() {
  mirror_pid >/dev/null && return 0
  setsid python3 "$SRC/mirror.py" "$MIRROR_DIR" "$GW" "$MIRROR_PORT" "$LAB/mirror-access.log" \
    </dev/null >"$LAB/mirror.log" 2>&1 9>&- &
  echo $! > "$LAB/mirror.pid"
  local i; for i in $(seq 1 50); do curl -sf -o /dev/null "$(mirror_url)/install.sh" && return 0; sleep 0.1; done
  die "mirror did not start: $(cat "$LAB/mirror.log")"
}
_mirror_mark() {  # break|fix VERSION ARCH [ADDRESS]
  touch "$MIRROR_DIR/broken.txt"
  awk -v v="$2" -v a="$3" -v h="${4:-}" '!($1 == v && $2 == a && $3 == h)' "$MIRROR_DIR/broken.txt" > "$MIRROR_DIR/broken.txt.tmp"
  [ "$1" = break ] && echo "$2 $3${4:+ $4}" >> "$MIRROR_DIR/broken.txt.tmp"
  mv -f "$MIRROR_DIR/broken.txt.tmp" "$MIRROR_DIR/broken.txt"
}
mirror_stop() { local p; p=$(mirror_pid) && kill "$p"; rm -f "$LAB/mirror.pid"; return 0; }

cmd_mirror() {
  case ${1:-start} in
    start) mirror_start; echo "$(mirror_url)" ;;
    stop) mirror_stop ;;
    build) with_lock mirror mirror_build ;;
    url) echo "$(mirror_url)" ;;
    break|fix)  # break VERSION ARCH [ADDRESS]: that build installs (on the host at ADDRESS
      # only, when given), then dies at start; fix VERSION ARCH [ADDRESS]: the good one again
      [ -n "${2:-}" ] && [[ ${3:-} =~ ^(amd64|arm64|arm)$ ]] && [[ ${4:-} =~ ^[0-9a-f.:]*$ ]] ||
        die "usage: lab mirror break|fix VERSION amd64|arm64|arm [ADDRESS]"
      with_lock mirror _mirror_mark "$@" ;;
    info) printf '{"url":"%s","githubUrl":"%s/k3s-io/k3s/releases","installScriptUrl":"%s/install.sh","channelUrl":"%s/v1-release/channels","versions":"%s","airgapDir":"%s"}\n' \
            "$(mirror_url)" "$(mirror_url)" "$(mirror_url)" "$(mirror_url)" "$(mirror_versions)" "$AIRGAP_DIR" ;;
    *) die "usage: lab mirror start|stop|build|url|info|break|fix" ;;
  esac
}
