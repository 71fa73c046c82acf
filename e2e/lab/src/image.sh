# Images: a Debian base per arch (mmdebstrap, slow) plus a small "bake" layer
# (lab user, units, wrappers) kept as a separate overlay lower dir. Each is a
# directory named by a hash of its inputs: a changed recipe builds a new one,
# an unchanged one is reused. Hosts mount  lowerdir=BAKE:BASE.

apt_mirror() {  # the build machine's own Debian mirror (no host name hard-coded here)
  [ -n "${K3S_LAB_APT_MIRROR:-}" ] && { echo "$K3S_LAB_APT_MIRROR"; return; }
  local u
  u=$(awk '/^URIs:/ {print $2; exit}' /etc/apt/sources.list.d/debian.sources 2>/dev/null)
  [ -n "$u" ] || u=$(awk '$1=="deb" && $2 !~ /^\[/ {print $2; exit} $1=="deb" && $2 ~ /^\[/ {print $3; exit}' /etc/apt/sources.list 2>/dev/null)
  [ -n "$u" ] || die "no Debian mirror found in /etc/apt: set K3S_LAB_APT_MIRROR"
  echo "$u"
}

pkg_file() { [ "$1" = amd64 ] && echo "$SRC/packages-native.txt" || echo "$SRC/packages-foreign.txt"; }
base_key() { printf '%s %s\n' "$SUITE" "$1" | cat - "$(pkg_file "$1")" | sha256sum | cut -c1-12; }
bake_key() {  # the bake of an arm image embeds files of the amd64 base
  local extra=""; [ "$1" = amd64 ] || extra=$(base_key amd64)
  { echo "$1 $(base_key "$1") $extra"; cat "$SRC/bake.sh" "$SRC"/guest/*; } | sha256sum | cut -c1-12
}
base_dir() { echo "$LAB/img/base-$1-$(base_key "$1")"; }
bake_dir() { echo "$LAB/img/bake-$1-$(bake_key "$1")"; }
image_ready() { [ -e "$(base_dir "$1")/.complete" ] && [ -e "$(bake_dir "$1")/.complete" ]; }

# qemu-user via binfmt_misc with flags P (keep argv0), O+C (credentials from the
# binary: setuid sudo works; Debian registers without C) and F (interpreter
# opened now, so it works inside the hosts' roots that lack it)
binfmt_on() { with_lock binfmt _binfmt_on "$1"; }  # amd64|arm64|armhf
_binfmt_on() {
  local q; case $1 in arm64) q=aarch64 ;; armhf) q=arm ;; *) return 0 ;; esac
  local d=/proc/sys/fs/binfmt_misc f=/usr/share/binfmts/qemu-$q
  [ -e $d/register ] || mount -t binfmt_misc binfmt_misc $d 2>/dev/null || [ -e $d/register ]
  [ -f "$f" ] || die "qemu-user-static missing (lab deps)"
  if [ -e "$d/qemu-$q" ]; then grep -q '^flags: .*C' "$d/qemu-$q" && return 0; echo -1 > "$d/qemu-$q"; fi
  echo ":qemu-$q:M::$(awk '$1=="magic"{print $2}' "$f"):$(awk '$1=="mask"{print $2}' "$f"):$(awk '$1=="interpreter"{print $2}' "$f"):POCF" > $d/register 2>/dev/null \
    || grep -q '^flags: .*C' "$d/qemu-$q" || die "cannot register qemu-$q in binfmt_misc"
}

build_base() {  # ARCH
  local a=$1 dir; dir=$(base_dir "$a")
  [ -e "$dir/.complete" ] && return 0
  local t0=$SECONDS pkgs
  pkgs=$(grep -v '^#' "$(pkg_file "$a")" | xargs | tr ' ' ,)
  log "building $a base (mmdebstrap) -> $dir"
  rm -rf "$dir.tmp"; mkdir -p "$LAB/img"
  # downloaded .debs are kept per arch between builds (a changed recipe fetches only what is new)
  local cache="$LAB/img/debs-$a"; mkdir -p "$cache"
  mmdebstrap --quiet --arch="$a" --variant=minbase --include="$pkgs" \
    --skip=essential/unlink --setup-hook='mkdir -p "$1"/var/cache/apt/archives/' \
    --setup-hook="sync-in $cache /var/cache/apt/archives/" \
    --customize-hook="sync-out /var/cache/apt/archives $cache" \
    --dpkgopt='path-exclude=/usr/share/man/*' --dpkgopt='path-exclude=/usr/share/doc/*' \
    --dpkgopt='path-exclude=/usr/share/locale/*' --dpkgopt='path-exclude=/usr/share/info/*' \
    "$SUITE" "$dir.tmp" "$(apt_mirror)" >"$LAB/img/build-$a.log" 2>&1 \
    || { tail -20 "$LAB/img/build-$a.log" >&2; die "mmdebstrap $a failed (log: $LAB/img/build-$a.log)"; }
  touch "$dir.tmp/.complete"; mv "$dir.tmp" "$dir"
  # older bases of this arch are outdated recipes
  gc_images "base-$a" "$dir"
  log "$a base built in $((SECONDS - t0)) s ($(du -sh "$dir" | cut -f1))"
}

gc_images() {  # PREFIX KEEP: outdated recipes, unless a defined host still runs on them
  local o; for o in "$LAB"/img/"$1"-*; do
    [ "$o" = "$2" ] || [[ $o == *.tmp || $o == *.log ]] && continue
    grep -qF "$o" "$LAB"/hosts/*/conf 2>/dev/null || rm -rf "$o"
  done
}

build_bake() {  # ARCH
  local a=$1 dir base; dir=$(bake_dir "$a"); base=$(base_dir "$a")
  [ -e "$dir/.complete" ] && return 0
  log "baking $a layer -> $dir"
  rm -rf "$dir.tmp"; mkdir -p "$dir.tmp/upper" "$dir.tmp/work" "$dir.tmp/m"
  # private mount namespace: nothing stays mounted if the bake fails
  unshare --mount --propagation private -- bash -c '
    set -e; d=$1 base=$2
    mount -t overlay overlay -o "lowerdir=$base,upperdir=$d/upper,workdir=$d/work" "$d/m"
    mount --bind /dev "$d/m/dev"; mount -t proc proc "$d/m/proc"
    shift 2; exec "$@"' _ "$dir.tmp" "$base" \
    env SRC="$SRC" ARCH="$a" NATIVE="$(base_dir amd64)" bash "$SRC/bake.sh" "$dir.tmp/m" \
    >"$LAB/img/bake-$a.log" 2>&1 || { tail -20 "$LAB/img/bake-$a.log" >&2; die "bake $a failed"; }
  rm -rf "$dir.tmp/work" "$dir.tmp/m"
  touch "$dir.tmp/.complete"; mv "$dir.tmp" "$dir"
  gc_images "bake-$a" "$dir"
}

ensure_image() {  # ARCH (serialized per arch: parallel test files may ask at once)
  local a=$1
  case $a in amd64|arm64|armhf) ;; *) die "unknown arch '$a' (amd64, arm64, armhf)" ;; esac
  [ "$a" = amd64 ] || ensure_image amd64     # arm hosts need the native sidecar
  binfmt_on "$a"
  image_ready "$a" && return 0
  with_lock "image-$a" build_base "$a"
  with_lock "image-$a" build_bake "$a"
}

cmd_image() {  # [amd64|arm64|armhf|all]...
  need_root; ensure_keys
  local a list=("$@"); [ ${#list[@]} -gt 0 ] || list=(amd64)
  [ "${list[0]}" = all ] && list=(amd64 arm64 armhf)
  ensure_image amd64
  # the arm bases are independent: build them side by side (each is mostly one core of qemu)
  local pids=()
  for a in "${list[@]}"; do [ "$a" = amd64 ] || { ensure_image "$a" & pids+=($!); }; done
  for a in "${pids[@]}"; do wait "$a" || die "image build failed"; done
  for a in "${list[@]}"; do log "image $a: $(base_dir "$a") + $(bake_dir "$a")"; done
}
