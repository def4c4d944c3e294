#!/usr/bin/env bash
# The soak (test/support/soak.ts): faults while manifests change, then the invariants. Needs root (a
# throw-away dockerd in its own network namespace, a tmpfs); uses the engine only to copy images from.
set -euo pipefail
cd "$(dirname "$0")/.."
eval "$(scripts/docker-engine.sh up)"
if [ "${KUBEBOOT_ENGINE_STARTED:-}" = 1 ]; then
  trap 'scripts/docker-engine.sh down >/dev/null 2>&1 || true' EXIT
fi
scripts/build-images.sh
node --import tsx test/soak/main.ts "$@"
