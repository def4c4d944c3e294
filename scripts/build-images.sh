#!/usr/bin/env bash
# Builds the local images kubeboot's tests and demo run, from Debian packages: no registry is
# contacted. Idempotent: an image whose tag exists is kept.
#
#   kubeboot.local/busybox:1.35.0   busybox-static, every applet linked, PATH set
#   kubeboot.local/pause:3.10       the pod sandbox holder: blocks until SIGTERM/SIGINT, then exits 0
#   kubeboot.local/etcd:3.4.23-0    Debian's etcd-server 3.4.23 with the libraries ldd lists
#
# Needs DOCKER_HOST (or the default socket) to reach an engine: eval "$(scripts/docker-engine.sh up)".
# KUBEBOOT_IMAGES_REBUILD=1 rebuilds them all.
set -euo pipefail

REPO=kubeboot.local
BUSYBOX_IMAGE="$REPO/busybox:1.35.0"
PAUSE_IMAGE="$REPO/pause:3.10"
ETCD_IMAGE="$REPO/etcd:3.4.23-0"
IMAGE_PATH='ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'

say() { echo "build-images: $*" >&2; }

have_image() { [ "${KUBEBOOT_IMAGES_REBUILD:-}" != 1 ] && docker image inspect "$1" >/dev/null 2>&1; }

ensure_packages() {
  local missing=()
  # The image needs the static busybox: Debian's plain `busybox` package is dynamically linked.
  dpkg-query -W -f '${Status}' busybox-static 2>/dev/null | grep -q 'ok installed' || missing+=(busybox-static)
  [ -x /usr/bin/etcd ] || missing+=(etcd-server)
  # The tests check what kubeboot stored with the real etcdctl.
  [ -x /usr/bin/etcdctl ] || missing+=(etcd-client)
  [ ${#missing[@]} -eq 0 ] && return 0
  if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null; then
    say "error: missing Debian packages ${missing[*]}; install them (apt-get install ${missing[*]}) and run again"
    exit 1
  fi
  say "installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -q >&2 && apt-get install -y -q --no-install-recommends "${missing[@]}" >&2
}

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# A root filesystem with the static busybox and a link per applet.
busybox_rootfs() {
  local root=$1
  mkdir -p "$root/bin" "$root/tmp" "$root/etc"
  cp /bin/busybox "$root/bin/busybox"
  for applet in $("$root/bin/busybox" --list); do
    [ "$applet" = busybox ] || ln -sf busybox "$root/bin/$applet"
  done
  chmod 1777 "$root/tmp"
  echo 'root:x:0:0:root:/root:/bin/sh' > "$root/etc/passwd"
  echo 'root:x:0:' > "$root/etc/group"
}

build_busybox() {
  have_image "$BUSYBOX_IMAGE" && { say "$BUSYBOX_IMAGE exists"; return 0; }
  local root="$work/busybox"
  busybox_rootfs "$root"
  tar -C "$root" -c . | docker import -c "$IMAGE_PATH" -c 'CMD ["sh"]' - "$BUSYBOX_IMAGE" >/dev/null
  say "built $BUSYBOX_IMAGE"
}

build_pause() {
  have_image "$PAUSE_IMAGE" && { say "$PAUSE_IMAGE exists"; return 0; }
  local root="$work/pause"
  busybox_rootfs "$root"
  # A shell with a trap exits on SIGTERM even as PID 1, where signals without a handler are ignored.
  cat > "$root/pause" <<'SH'
#!/bin/sh
trap 'exit 0' TERM INT
while :; do sleep 2147483647 & wait $!; done
SH
  chmod 0755 "$root/pause"
  tar -C "$root" -c . | docker import -c "$IMAGE_PATH" -c 'ENTRYPOINT ["/pause"]' - "$PAUSE_IMAGE" >/dev/null
  say "built $PAUSE_IMAGE"
}

build_etcd() {
  have_image "$ETCD_IMAGE" && { say "$ETCD_IMAGE exists"; return 0; }
  local root="$work/etcd"
  mkdir -p "$root/usr/local/bin" "$root/tmp" "$root/var/lib/etcd"
  chmod 1777 "$root/tmp"
  cp /usr/bin/etcd "$root/usr/local/bin/etcd"
  # Debian's etcd is dynamically linked: copy every library ldd names, and the loader.
  for lib in $(ldd /usr/bin/etcd | grep -o '/[^ ]*'); do
    mkdir -p "$root$(dirname "$lib")"
    cp -L "$lib" "$root$lib"
  done
  # kubeadm's manifests call `etcd` and probe with `etcdctl`-free HTTP; a shell helps debugging.
  mkdir -p "$root/bin"; cp /bin/busybox "$root/bin/busybox"; ln -sf busybox "$root/bin/sh"
  tar -C "$root" -c . | docker import -c "$IMAGE_PATH" -c 'CMD ["/usr/local/bin/etcd"]' - "$ETCD_IMAGE" >/dev/null
  say "built $ETCD_IMAGE"
}

command -v docker >/dev/null || { say "error: the docker CLI is missing; run scripts/docker-engine.sh up first"; exit 1; }
docker version >/dev/null 2>&1 || { say "error: no Docker engine answers at ${DOCKER_HOST:-/var/run/docker.sock}; run: eval \"\$(scripts/docker-engine.sh up)\""; exit 1; }
ensure_packages
build_busybox
build_pause
build_etcd
