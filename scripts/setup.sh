#!/usr/bin/env bash
# All set-up the tests need on a fresh machine: Consul binary, Docker engine, local Consul image.
# Idempotent; prints `export CONSUL_BINARY=...` as its last line.
set -euo pipefail
. "$(dirname "$0")/common.sh"
consul=$("$BATON_ROOT/scripts/install-consul.sh" | tail -1)
"$BATON_ROOT/scripts/start-docker.sh"
CONSUL_BINARY=$consul "$BATON_ROOT/scripts/build-consul-image.sh"
echo "export CONSUL_BINARY=$consul"
