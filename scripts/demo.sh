#!/usr/bin/env bash
# The demo command (README): starts a local Consul dev agent on loopback, runs an example against it and
# stops the agent on exit or Ctrl-C. Usage: bash scripts/demo.sh [ExampleClass] [args...]
# (default Demo, which runs them all; see examples/src/main/java/dev/baton/examples).
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/common.sh

example=${1:-Demo}; shift || true
consul=$(scripts/install-consul.sh | tail -1)
port=${BATON_DEMO_PORT:-18500}
data=$(mktemp -d)
# setsid: Ctrl-C reaches the demo (which then destroys its session), not the agent it still needs
log "starting a Consul dev agent on http://127.0.0.1:$port (log: $data/consul.log)"
setsid "$consul" agent -dev -node baton-demo -bind 127.0.0.1 -client 127.0.0.1 \
  -hcl "ports { http = $port, dns = -1, grpc = -1, serf_lan = $((port + 1)), serf_wan = $((port + 2)), server = $((port + 3)) }" \
  >"$data/consul.log" 2>&1 &
consul_pid=$!
stop_consul() {
  kill "$consul_pid" 2>/dev/null && wait "$consul_pid" 2>/dev/null || true
  log "Consul dev agent stopped"; rm -rf "$data"
}
trap stop_consul EXIT
trap 'exit 130' INT TERM
for _ in $(seq 1 100); do
  leader=$(curl -sf "http://127.0.0.1:$port/v1/status/leader" 2>/dev/null || true)
  [ "${#leader}" -gt 2 ] && break
  kill -0 "$consul_pid" 2>/dev/null || { tail -n 20 "$data/consul.log" >&2; die "consul exited"; }
  sleep 0.1
done
[ "${#leader}" -gt 2 ] || die "the Consul agent elected no leader in 10 s"

log "building Baton (first run downloads dependencies from Maven Central)"
mvn -B -q -ntp install -DskipTests -pl examples -am
mvn -B -q -ntp -pl examples dependency:build-classpath -Dmdep.outputFile=target/classpath.txt
export CONSUL_HTTP_ADDR=http://127.0.0.1:$port
unset CONSUL_HTTP_TOKEN
java -cp "examples/target/classes:$(cat examples/target/classpath.txt)" "dev.baton.examples.$example" "$@"
