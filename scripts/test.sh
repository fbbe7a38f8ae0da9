#!/usr/bin/env bash
# The test command (README, .ci/run): installs and starts what the tests need on a fresh machine (Consul
# binary, Docker engine, the local Consul image), then builds and runs every test of every module.
# Extra arguments go to Maven, e.g. `bash scripts/test.sh -pl coordination`.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/common.sh

phase() { printf '[baton] ==== %s (%ss since start)\n' "$1" "$SECONDS" >&2; }

# Kills the processes matching $1 whose parent is not a JVM: agents left behind by a killed test or harness
# JVM (reparented), never those of a JVM still running (e.g. a harness run by hand next to the tests).
kill_orphans() {
  local pid parent
  for pid in $(pgrep -f "$1" 2>/dev/null || true); do
    parent=$(ps -o ppid= -p "$pid" 2>/dev/null | tr -d ' ')
    [ -n "$parent" ] || continue
    [ "$(ps -o comm= -p "$parent" 2>/dev/null)" = java ] && continue
    kill "$pid" 2>/dev/null || true
  done
}

cleanup() {
  # leftovers of killed test JVMs: dev agents and containers (Ryuk is disabled here)
  kill_orphans 'consul agent -dev -node baton-test-'
  kill_orphans 'consul agent .*-node baton-(stress|bench)-'
  if docker info >/dev/null 2>&1; then
    docker ps -aq --filter label=org.testcontainers=true | xargs -r docker rm -f >/dev/null 2>&1 || true
    docker network ls -q --filter label=org.testcontainers=true | xargs -r docker network rm >/dev/null 2>&1 || true
  fi
}

phase "set-up: Consul binary, Docker engine, Consul image"
eval "$(scripts/setup.sh | tail -1)"
export CONSUL_BINARY
cleanup
trap cleanup EXIT
setup_s=$SECONDS

phase "build and test: mvn verify"
mvn -B -ntp verify "$@"
phase "done: set-up ${setup_s}s, build and tests $((SECONDS - setup_s))s"
