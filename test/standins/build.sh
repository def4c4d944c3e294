#!/usr/bin/env bash
# Builds the STAND-IN control-plane images for kubeboot's tests and demo (the real ones need a
# registry): kube-apiserver, kube-controller-manager and kube-scheduler, tagged as kubeadm names them
# for kubeboot's default Kubernetes version with imageRepository kubeboot.local. One image holds the
# local Node.js runtime (with the libraries ldd lists) and standin.cjs with lib/ under the three names;
# see standin.cjs for what they check and serve. Also tags kubeboot.local/pause:3.10.1 (the pause
# version kubeadm pairs with v1.34) from the local pause image. Rebuilt when standin.cjs or lib/ changes.
#
# For the upgrade tests, the same stand-ins are also tagged as other versions (a layer with another
# version file): v1.33.5 (the version before), v1.34.3, built to FAIL at start (a new version that
# never comes healthy, so that an upgrade must roll back), and v1.34.4, whose kube-scheduler alone fails
# (the components upgraded before it must be rolled back with it).
set -euo pipefail
cd "$(dirname "$0")"

VERSION=v1.34.2
REPO=kubeboot.local
IMAGES=("$REPO/kube-apiserver:$VERSION" "$REPO/kube-controller-manager:$VERSION" "$REPO/kube-scheduler:$VERSION")
HASH=$(cat standin.cjs lib/*.cjs | sha256sum | cut -c1-16)
say() { echo "build-standins: $*" >&2; }

current() { docker image inspect -f '{{ index .Config.Labels "io.kubeboot.standin-hash" }}' "$1" 2>/dev/null || true; }

docker image inspect "$REPO/pause:3.10.1" >/dev/null 2>&1 || { docker tag "$REPO/pause:3.10" "$REPO/pause:3.10.1"; say "tagged $REPO/pause:3.10.1"; }

# version:components:reason — the components (all when empty) whose image of that version holds a reason
# to fail at start; the others' image of that version starts as usual.
VARIANTS=("v1.33.5::" "v1.34.3::the upgrade rollback test" "v1.34.4:kube-scheduler:the rollback test of a later component")
variants_current() {
  local v
  for v in "${VARIANTS[@]}"; do [ "$(current "$REPO/kube-scheduler:${v%%:*}")" = "$HASH" ] || return 1; done
}

# One image of `version` (failing with `reason` when given), tagged as each of the components named.
variant_image() {
  local version=$1 reason=$2 c name
  shift 2
  c=$(docker create "${IMAGES[0]}" /usr/bin/node -e 0)
  echo "$version" > "$work/version"
  docker cp "$work/version" "$c:/etc/kubeboot-standin/version"
  if [ -n "$reason" ]; then echo "$reason" > "$work/fail"; docker cp "$work/fail" "$c:/etc/kubeboot-standin/fail"; fi
  docker commit "$c" "$REPO/variant-build:$version" >/dev/null
  docker rm "$c" >/dev/null
  for name in "$@"; do docker tag "$REPO/variant-build:$version" "$REPO/$name:$version"; done
  docker rmi "$REPO/variant-build:$version" >/dev/null
}

build_variants() {
  local v version rest failing reason name ok
  for v in "${VARIANTS[@]}"; do
    version=${v%%:*}
    rest=${v#*:}
    failing=${rest%%:*}
    reason=${rest#*:}
    if [ -z "$reason" ] || [ -z "$failing" ]; then
      variant_image "$version" "$reason" kube-apiserver kube-controller-manager kube-scheduler
      say "tagged the stand-ins as $version${reason:+ (built to fail: $reason)}"
      continue
    fi
    ok=()
    for name in kube-apiserver kube-controller-manager kube-scheduler; do [[ " $failing " == *" $name "* ]] || ok+=("$name"); done
    variant_image "$version" "" "${ok[@]}"
    variant_image "$version" "$reason" $failing
    say "tagged the stand-ins as $version (built to fail for $failing: $reason)"
  done
}

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

if [ "$(current "${IMAGES[0]}")" = "$HASH" ] && [ "$(current "${IMAGES[2]}")" = "$HASH" ]; then
  if variants_current; then
    say "stand-in images are up to date ($HASH)"
  else
    build_variants
  fi
  exit 0
fi
root="$work/root"
node=$(readlink -f "$(command -v node)")
mkdir -p "$root/usr/bin" "$root/usr/local/bin" "$root/tmp" "$root/etc/kubeboot-standin" "$root/opt/kubeboot-standin/lib"
chmod 1777 "$root/tmp"
cp "$node" "$root/usr/bin/node"
for lib in $(ldd "$node" | grep -o '/[^ ]*'); do
  mkdir -p "$root$(dirname "$lib")"
  cp -L "$lib" "$root$lib"
done
install -m 0755 standin.cjs "$root/opt/kubeboot-standin/standin.cjs"
install -m 0644 lib/*.cjs "$root/opt/kubeboot-standin/lib/"
for name in kube-apiserver kube-controller-manager kube-scheduler; do
  ln -s /opt/kubeboot-standin/standin.cjs "$root/usr/local/bin/$name"
done
echo "$VERSION" > "$root/etc/kubeboot-standin/version"
# The controller-manager and scheduler serve with a self-signed certificate, as the real ones do when given none.
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 3650 -subj '/CN=kubeboot-standin' \
  -keyout "$root/etc/kubeboot-standin/serving.key" -out "$root/etc/kubeboot-standin/serving.crt" 2>/dev/null
chmod 0644 "$root/etc/kubeboot-standin/serving.key"
tar -C "$root" -c . | docker import \
  -c 'ENV PATH=/usr/local/bin:/usr/bin' \
  -c "LABEL io.kubeboot.standin-hash=$HASH io.kubeboot.standin=true" \
  - "${IMAGES[0]}" >/dev/null
for image in "${IMAGES[@]:1}"; do docker tag "${IMAGES[0]}" "$image"; done
say "built ${IMAGES[*]} (stand-ins, $HASH)"
build_variants
