# Shared helpers for Baton's set-up scripts (sourced, not run).
# shellcheck shell=bash
BATON_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BATON_HOME=${BATON_HOME:-/opt/baton}                 # where installed tools live
BATON_CONSUL_IMAGE=${BATON_CONSUL_IMAGE:-baton/consul:1.8.7}

log()  { echo "[baton] $*" >&2; }
die()  { echo "[baton] ERROR: $*" >&2; exit 1; }

require_root() {
  [ "$(id -u)" = 0 ] || die "$1 needs root (it installs Debian packages); run it as root or install it yourself."
}

require_debian() {
  [ -r /etc/debian_version ] && command -v apt-get >/dev/null \
    || die "$1: this machine is not Debian (no /etc/debian_version or apt-get); install it by hand, see README.md."
}

# apt-get update at most once per script run
APT_UPDATED=${APT_UPDATED:-0}
apt_update_once() {
  if [ "$APT_UPDATED" = 0 ]; then
    log "apt-get update"
    apt-get update -qq >/dev/null || die "apt-get update failed"
    APT_UPDATED=1; export APT_UPDATED
  fi
}
