#!/usr/bin/env bash
# Builds the local Consul image ($BATON_CONSUL_IMAGE, default baton/consul:1.8.7) without pulling anything:
# FROM scratch + the consul binary + the glibc files it links + a static busybox as /bin/sh.
# Skips the build when an image built from the same binary exists.
set -euo pipefail
. "$(dirname "$0")/common.sh"

consul=$("$(dirname "$0")/install-consul.sh" | tail -1)
sum=$(sha256sum "$consul" | cut -c1-16)
if [ "$(docker image inspect -f '{{index .Config.Labels "dev.baton.consul-sha"}}' "$BATON_CONSUL_IMAGE" 2>/dev/null || true)" = "$sum" ]; then
  log "image $BATON_CONSUL_IMAGE is up to date"; exit 0
fi
if ! { [ -x /bin/busybox ] && file -L /bin/busybox 2>/dev/null | grep -q 'statically linked'; }; then
  require_root "Installing busybox-static"
  apt_update_once
  log "installing busybox-static (the image's /bin/sh)"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq -t bookworm busybox-static file >/dev/null \
    || die "apt-get install busybox-static failed"
fi
ctx=$BATON_ROOT/target/consul-image
rm -rf "$ctx"; r=$ctx/rootfs; mkdir -p "$r/usr/bin"
install -m 0755 "$consul" "$r/usr/bin/consul"
for f in $(ldd "$consul" | grep -o '/[^ ]*'); do          # glibc pieces; cp -L: ld-linux is a symlink
  mkdir -p "$r$(dirname "$f")"; cp -L "$f" "$r$f"
done
install -D -m 0755 /bin/busybox "$r/bin/busybox"; ln -s busybox "$r/bin/sh"
mkdir -p "$r/etc" "$r/tmp" "$r/consul/data"; chmod 1777 "$r/tmp"; chmod 0777 "$r/consul/data"
echo 'hosts: files dns' > "$r/etc/nsswitch.conf"
printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/false\n' > "$r/etc/passwd"
printf 'root:x:0:\nnogroup:x:65534:\n' > "$r/etc/group"
cat > "$ctx/Dockerfile" <<DOCKERFILE
FROM scratch
COPY rootfs/ /
ENV PATH=/usr/bin:/bin
LABEL dev.baton.consul-sha="$sum"
EXPOSE 8300 8301 8301/udp 8302 8302/udp 8500 8600 8600/udp
ENTRYPOINT ["/usr/bin/consul"]
CMD ["agent", "-dev", "-client", "0.0.0.0"]
DOCKERFILE
log "building image $BATON_CONSUL_IMAGE"
docker build -q -t "$BATON_CONSUL_IMAGE" "$ctx" >/dev/null || die "docker build of $BATON_CONSUL_IMAGE failed"
log "image $BATON_CONSUL_IMAGE built ($(docker image inspect -f '{{.Size}}' "$BATON_CONSUL_IMAGE") bytes)"
