#!/usr/bin/env bash
# The README's main command: installs and builds kubeboot, makes a Docker engine and the local images
# available, then brings up what kubeboot can run so far in a throw-away root folder: the PKI, the
# kubeconfig files, the control-plane manifests, and etcd run by kubeboot's own reconciler.
# (kube-apiserver and friends need registry images; `kubeboot init` end to end is still to come.)
# KUBEBOOT_DEMO_KEEP=1 leaves the reconciler and etcd running at the end.
set -euo pipefail
cd "$(dirname "$0")/.."

echo "==> installing npm packages and building"
npm ci --no-audit --no-fund --loglevel=error
npm run --silent build

echo "==> Docker engine and local images"
eval "$(scripts/docker-engine.sh up)"
scripts/build-images.sh
kubeboot() { node bin/kubeboot.js "$@"; }

ROOT=$(mktemp -d /tmp/kubeboot-demo.XXXXXX)
NODE=demo-$(basename "$ROOT" | cut -d. -f2 | tr 'A-Z' 'a-z')
cat > "$ROOT/kubeboot.yaml" <<YAML
apiVersion: kubeadm.k8s.io/v1beta4
kind: InitConfiguration
nodeRegistration:
  name: $NODE
localAPIEndpoint:
  advertiseAddress: 127.0.0.1
---
apiVersion: kubeadm.k8s.io/v1beta4
kind: ClusterConfiguration
kubernetesVersion: v1.33.4
imageRepository: kubeboot.local
encryptionAlgorithm: ECDSA-P256
etcd:
  local:
    imageTag: 3.4.23-0
YAML
echo "==> kubeboot in the throw-away root $ROOT (node $NODE)"
kubeboot config validate --config "$ROOT/kubeboot.yaml"
kubeboot init phase certs --config "$ROOT/kubeboot.yaml" --rootfs "$ROOT"
kubeboot init phase kubeconfig --config "$ROOT/kubeboot.yaml" --rootfs "$ROOT"
kubeboot init phase etcd local --config "$ROOT/kubeboot.yaml" --rootfs "$ROOT"
kubeboot init phase control-plane all --config "$ROOT/kubeboot.yaml" --rootfs "$ROOT"
kubeboot init phase kubelet-start --config "$ROOT/kubeboot.yaml" --rootfs "$ROOT"

# Only etcd's image exists locally: the reconciler runs the etcd manifest alone.
mkdir -p "$ROOT/demo-manifests"
cp "$ROOT/etc/kubernetes/manifests/etcd.yaml" "$ROOT/demo-manifests/"
node bin/kubeboot.js kubelet --pod-manifest-path /demo-manifests --rootfs "$ROOT" --hostname-override "$NODE" \
  --pod-infra-container-image kubeboot.local/pause:3.10 > "$ROOT/kubelet.log" 2>&1 &
KUBELET=$!
cleanup() {
  if [ "${KUBEBOOT_DEMO_KEEP:-}" = 1 ]; then
    echo "Left running: the reconciler (pid $KUBELET, log $ROOT/kubelet.log) and etcd-$NODE."
    echo "Stop them with: kill $KUBELET; docker rm -f \$(docker ps -aq --filter label=io.kubeboot.node=$NODE)"
    return
  fi
  kill "$KUBELET" 2>/dev/null || true
  ids=$(docker ps -aq --filter "label=io.kubeboot.node=$NODE")
  [ -z "$ids" ] || docker rm -f $ids >/dev/null
  echo "Cleaned up the demo's reconciler and containers; files stay in $ROOT."
}
trap cleanup EXIT

echo "==> waiting for etcd to answer over mTLS"
P="$ROOT/etc/kubernetes/pki"
for _ in $(seq 1 100); do
  if out=$(curl -sS --cacert "$P/etcd/ca.crt" --cert "$P/etcd/healthcheck-client.crt" --key "$P/etcd/healthcheck-client.key" https://127.0.0.1:2379/health 2>/dev/null); then break; fi
  sleep 0.2
done
echo "etcd /health: ${out:-no answer}"
kubeboot ps --node-name "$NODE"
echo
cat "$ROOT/kubelet.log"
echo
kubeboot certs check-expiration --config "$ROOT/kubeboot.yaml" --rootfs "$ROOT" | head -5
echo
echo "The Docker engine stays up: export DOCKER_HOST=${DOCKER_HOST}; stop it (if the demo started it) with scripts/docker-engine.sh down"
