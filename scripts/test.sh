#!/usr/bin/env bash
# The test command (README, .ci/run): installs and starts what the tests need on a fresh machine (Consul
# binary, Docker engine, the local Consul image), then builds and runs every test of every module.
# Extra arguments go to Maven, e.g. `bash scripts/test.sh -pl coordination`.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/common.sh

phase() { printf '[baton] ==== %s (%ss since start)\n' "$1" "$SECONDS" >&2; }

cleanup() {
  # leftovers of killed test JVMs: dev agents and containers (Ryuk is disabled here)
  pkill -f 'consul agent -dev -node baton-test-' 2>/dev/null || true
  pkill -f 'consul agent .*-node baton-(stress|bench)-' 2>/dev/null || true
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
