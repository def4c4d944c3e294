#!/usr/bin/env bash
# The README's main command: installs and builds kubeboot, makes a Docker engine available, then runs
# `kubeboot init` for a demo control plane in a throw-away root folder, shows `kubeboot ps`, and says
# how to undo it. Real control-plane images when a registry answers; otherwise the local etcd image and
# kubeboot's STAND-INS for kube-apiserver, kube-controller-manager and kube-scheduler (test/standins),
# which check their wiring (certificates, etcd over mTLS, kubeconfigs) but are not Kubernetes.
# The control plane uses kubeadm's ports (6443, 2379-2381, 10257, 10259, 10248) on this machine.
# KUBEBOOT_DEMO_RESET=1 resets it at the end.
#
# --process-runtime: no container engine at all. The control plane runs as host processes
# (`--container-runtime process`): Debian's etcd and the stand-ins, installed as binaries into the
# throw-away root's /usr/local/bin (test/standins/install-processes.sh). Needs root (mount namespaces).
set -euo pipefail
cd "$(dirname "$0")/.."
RUNTIME=docker
case "${1:-}" in
  --process-runtime) RUNTIME=process ;;
  "") ;;
  *) echo "usage: scripts/demo.sh [--process-runtime]" >&2; exit 2 ;;
esac

echo "==> installing npm packages and building"
npm ci --no-audit --no-fund --loglevel=error
npm run --silent build
kubeboot() { node bin/kubeboot.js "$@"; }

ROOT=$(mktemp -d /tmp/kubeboot-demo.XXXXXX)
NODE=demo-$(basename "$ROOT" | cut -d. -f2 | tr 'A-Z' 'a-z')
INIT_FLAGS=()
if [ "$RUNTIME" = process ]; then
  echo "==> no container engine: the control plane runs as host processes. Binaries: Debian's etcd and"
  echo "    kubeboot's STAND-INS for kube-apiserver, kube-controller-manager and kube-scheduler (test/standins),"
  echo "    installed into $ROOT/usr/local/bin. They check their wiring for real, but they are not Kubernetes."
  test/standins/install-processes.sh "$ROOT/usr/local/bin"
  INIT_FLAGS=(--container-runtime process)
  CLUSTER_EXTRA="imageRepository: kubeboot.local
etcd:
  local:
    imageTag: 3.4.23-0"
else
  echo "==> Docker engine"
  eval "$(scripts/docker-engine.sh up)"
  if docker pull -q registry.k8s.io/pause:3.10.1 >/dev/null 2>&1; then
    echo "==> registry.k8s.io answers: the demo runs the real control-plane images"
    CLUSTER_EXTRA=""
  else
    echo "==> no registry answers from this machine: the demo runs the local etcd image and kubeboot's"
    echo "    STAND-INS for kube-apiserver, kube-controller-manager and kube-scheduler (test/standins)."
    echo "    They check their certificates, kubeconfigs and etcd connection for real, but they are not Kubernetes."
    scripts/build-images.sh
    test/standins/build.sh
    CLUSTER_EXTRA="imageRepository: kubeboot.local
etcd:
  local:
    imageTag: 3.4.23-0"
  fi
fi
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
encryptionAlgorithm: ECDSA-P256
$CLUSTER_EXTRA
YAML

echo "==> kubeboot init in the throw-away root $ROOT (node $NODE)"
kubeboot init --config "$ROOT/kubeboot.yaml" --rootfs "$ROOT" "${INIT_FLAGS[@]}"
echo
echo "==> waiting for the pods' startup probes (kubeadm's manifests: first check after 10 s), then kubeboot ps"
for _ in $(seq 1 60); do
  kubeboot ps --node-name "$NODE" --rootfs "$ROOT" -o json | grep -q '"ready": "0/1"' || break
  sleep 1
done
kubeboot ps --node-name "$NODE" --rootfs "$ROOT"
echo
echo "==> the API server answers with the cluster CA:"
curl -sS --cacert "$ROOT/etc/kubernetes/pki/ca.crt" https://127.0.0.1:6443/livez; echo
echo
echo "==> the API server's last lines: kubeboot logs kube-apiserver-$NODE --tail 3"
kubeboot logs "kube-apiserver-$NODE" --rootfs "$ROOT" --tail 3
if [ "${KUBEBOOT_DEMO_RESET:-}" = 1 ]; then
  kubeboot reset --force --rootfs "$ROOT"
  rm -rf "$ROOT" # the demo's own throw-away folder (mktemp above): what reset keeps, such as the log, goes with it
  echo "==> removed the demo's folder $ROOT"
else
  echo
  echo "It keeps running. Look around:  node bin/kubeboot.js logs kube-apiserver-$NODE --rootfs $ROOT"
  echo "Undo it:                        node bin/kubeboot.js reset --rootfs $ROOT"
  if [ "$RUNTIME" = docker ]; then
    echo "The Docker engine: export DOCKER_HOST=${DOCKER_HOST}; stop it (if the demo started it) with scripts/docker-engine.sh down"
  fi
fi
