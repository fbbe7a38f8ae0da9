#!/usr/bin/env bash
# Makes sure a Docker engine answers: installs Debian's docker.io when there is no dockerd and starts
# dockerd in the background when `docker info` fails (PID 1 is not systemd on these machines).
set -euo pipefail
. "$(dirname "$0")/common.sh"

# the cluster tests cut nodes off with iptables inside a container's network namespace (nsenter)
need_tools() {
  command -v iptables >/dev/null 2>&1 && command -v nsenter >/dev/null 2>&1 && return 0
  require_root "Installing iptables/nsenter"
  apt_update_once
  log "installing iptables and util-linux (nsenter), used to partition Consul nodes in tests"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq -t bookworm iptables util-linux >/dev/null \
    || die "apt-get install iptables util-linux failed"
}

if docker info >/dev/null 2>&1; then
  need_tools
  log "Docker: engine answers ($(docker version --format '{{.Server.Version}}' 2>/dev/null))"; exit 0
fi
require_root "Starting Docker"
if ! command -v dockerd >/dev/null 2>&1; then
  require_debian "Installing Docker"
  apt_update_once
  log "installing Debian's docker.io (bookworm)"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq -t bookworm docker.io >/dev/null \
    || die "apt-get install docker.io failed"
fi
need_tools
# the docker.io package ships its own client in /usr/bin; prefer it if no client is on PATH
command -v docker >/dev/null 2>&1 || die "no docker client found after installing docker.io"
logf=/var/log/baton-dockerd.log
log "starting dockerd (log: $logf)"
nohup dockerd >"$logf" 2>&1 &
for _ in $(seq 1 60); do
  if docker info >/dev/null 2>&1; then
    log "Docker: engine up ($(docker version --format '{{.Server.Version}}'))"; exit 0
  fi
  sleep 1
done
echo "---- last lines of $logf ----" >&2; tail -n 30 "$logf" >&2 || true
die "dockerd did not answer within 60 s"
