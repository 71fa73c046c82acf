#!/usr/bin/env bash
# Prints the bin folder of a Node.js that meets package.json's "engines" (22.12 or newer): the
# machine's own when it is new enough, else the official build that the npm registry ships as the
# package node-linux-<arch>, unpacked once into .node/ of this checkout. Usage:
#   export PATH="$(bash scripts/ensure-node.sh):$PATH"
set -euo pipefail
cd "$(dirname "$0")/.."
want_major=22 want_minor=12 pin=22.23.5
ok() { "$1" -e "const [a,b]=process.versions.node.split('.').map(Number);process.exit(a>$want_major||(a===$want_major&&b>=$want_minor)?0:1)" 2>/dev/null; }
if command -v node >/dev/null && ok node; then dirname "$(command -v node)"; exit 0; fi
case $(uname -m) in x86_64) arch=x64 ;; aarch64) arch=arm64 ;; armv7l) arch=armv7l ;; *) echo "no Node.js build for $(uname -m)" >&2; exit 1 ;; esac
dir=.node/node-$pin-$arch
if ! [ -x "$dir/bin/node" ] || ! ok "$dir/bin/node"; then
  echo "Node.js $(node --version 2>/dev/null || echo none) is older than $want_major.$want_minor: unpacking node-linux-$arch@$pin from the npm registry into $dir" >&2
  tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
  (cd "$tmp" && npm pack --silent "node-linux-$arch@$pin" >/dev/null)
  rm -rf "$dir" && mkdir -p "$dir"
  tar xzf "$tmp"/node-linux-"$arch"-"$pin".tgz -C "$dir" --strip-components=1
  ok "$dir/bin/node" || { echo "the unpacked Node.js does not run" >&2; exit 1; }
fi
echo "$PWD/$dir/bin"
