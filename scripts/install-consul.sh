#!/usr/bin/env bash
# Finds a Consul binary, installing Debian bullseye's consul 1.8.7 when there is none.
# Prints the binary's absolute path as the last line of stdout.
# Order: $CONSUL_BINARY, `consul` on PATH, $BATON_HOME/consul/usr/bin/consul, else install there.
set -euo pipefail
. "$(dirname "$0")/common.sh"

if [ -n "${CONSUL_BINARY:-}" ]; then
  [ -x "$CONSUL_BINARY" ] || die "CONSUL_BINARY=$CONSUL_BINARY is not an executable file"
  log "Consul: using CONSUL_BINARY=$CONSUL_BINARY"; echo "$CONSUL_BINARY"; exit 0
fi
if command -v consul >/dev/null 2>&1; then
  p=$(command -v consul); log "Consul: using $p from PATH"; echo "$p"; exit 0
fi
target=$BATON_HOME/consul/usr/bin/consul
if [ -x "$target" ]; then
  log "Consul: using $target (installed earlier)"; echo "$target"; exit 0
fi

require_root "Installing Consul"
require_debian "Installing Consul"
# Consul is packaged only in Debian bullseye. Add ONLY that suite (adding a newer one as well would make
# `apt-get install docker.io` pick a newer Docker); a low pin keeps every other package on bookworm.
src=/etc/apt/sources.list.d/baton-bullseye.sources
if ! grep -rqs 'bullseye' /etc/apt/sources.list.d/ /etc/apt/sources.list; then
  log "adding Debian bullseye as an apt source (for the consul package only): $src"
  cat > "$src" <<'SRC'
Types: deb
URIs: http://deb.debian.org/debian
Suites: bullseye
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SRC
  cat > /etc/apt/preferences.d/baton-bullseye <<'PIN'
Package: *
Pin: release n=bullseye
Pin-Priority: 100
PIN
  APT_UPDATED=0
fi
apt_update_once
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
log "downloading Debian's consul package"
(cd "$tmp" && apt-get download -qq consul >/dev/null 2>&1) \
  || (cd "$tmp" && apt-get download consul) || die "apt-get download consul failed (is the bullseye source reachable?)"
deb=$(ls "$tmp"/consul_*.deb | head -1)
mkdir -p "$BATON_HOME/consul"
dpkg -x "$deb" "$BATON_HOME/consul"
[ -x "$target" ] || die "the consul package did not contain usr/bin/consul"
log "Consul installed: $("$target" version | head -1) at $target"
echo "$target"
