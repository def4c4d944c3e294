#!/usr/bin/env bash
# The soak (test/support/soak.ts): faults while manifests change, then the invariants. Needs root (a
# throw-away dockerd in its own network namespace, a tmpfs); uses the engine only to copy images from.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/engine-env.sh
node --import tsx test/soak/main.ts "$@"
