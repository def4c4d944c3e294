#!/usr/bin/env bash
# Installs the control plane for kubeboot's PROCESS runtime (`--container-runtime process`) into a binary
# folder: the STAND-INS for kube-apiserver, kube-controller-manager and kube-scheduler (the same
# standin.cjs as the images, run by this machine's Node.js; see build.sh) and Debian's etcd (etcd-server).
# The process runtime maps an image to the binary named as its last path element, so these names are the
# ones kubeadm's images have. Idempotent; the stand-ins report the version of build.sh (--version).
#
#   test/standins/install-processes.sh DIR
set -euo pipefail
dir=${1:?usage: install-processes.sh DIR}
here=$(cd "$(dirname "$0")" && pwd)
VERSION=$(sed -n 's/^VERSION=//p' "$here/build.sh")
say() { echo "install-processes: $*" >&2; }

if [ ! -x /usr/bin/etcd ]; then
  if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null; then
    say "error: /usr/bin/etcd is missing; install Debian's etcd-server and run again"
    exit 1
  fi
  say "installing etcd-server"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends etcd-server >&2
fi
node=$(readlink -f "$(command -v node)")
home="$dir/kubeboot-standin"
mkdir -p "$home/lib" "$home/etc"
install -m 0755 "$here/standin.cjs" "$home/standin.cjs"
install -m 0644 "$here"/lib/*.cjs "$home/lib/"
echo "$VERSION" > "$home/etc/version"
if [ ! -s "$home/etc/serving.key" ]; then
  # The controller-manager and scheduler serve with a self-signed certificate, as the real ones do when given none.
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 3650 -subj '/CN=kubeboot-standin' \
    -keyout "$home/etc/serving.key" -out "$home/etc/serving.crt" 2>/dev/null
fi
for name in kube-apiserver kube-controller-manager kube-scheduler; do
  # The stand-in tells the components apart by the name it was started as.
  ln -sfn standin.cjs "$home/$name"
  printf '#!/bin/sh\n# kubeboot STAND-IN for %s (test/standins/install-processes.sh)\nexec %s %s "$@"\n' "$name" "$node" "$home/$name" > "$dir/$name"
  chmod 0755 "$dir/$name"
done
ln -sfn /usr/bin/etcd "$dir/etcd"
say "installed the stand-ins ($VERSION) and etcd ($(/usr/bin/etcd --version | sed -n 's/^etcd Version: //p')) in $dir"
