#!/usr/bin/env bash
# `npm run bench`: builds kubeboot, makes a Docker engine, the local images and (when it can) Debian's
# podman with catatonit available, then runs bench/main.ts. Arguments go to it: --quick, --json FILE.
set -euo pipefail
cd "$(dirname "$0")/.."

source scripts/engine-env.sh
test/standins/build.sh
npm run --silent build
if ! command -v podman >/dev/null || ! command -v catatonit >/dev/null; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "bench: installing podman and catatonit for the podman kube play baseline" >&2
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -q >&2 && apt-get install -y -q --no-install-recommends podman catatonit >&2 || echo "bench: podman could not be installed; its baseline is left out" >&2
  fi
fi
exec node --import tsx bench/main.ts "$@"
