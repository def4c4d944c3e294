#!/usr/bin/env bash
# The README's main command: installs and builds kubeboot, makes a Docker engine and the local images
# available, then shows what kubeboot can do so far.
set -euo pipefail
cd "$(dirname "$0")/.."

echo "==> installing npm packages and building"
npm ci --no-audit --no-fund --loglevel=error
npm run --silent build

echo "==> Docker engine and local images"
eval "$(scripts/docker-engine.sh up)"
scripts/build-images.sh
docker images --filter 'reference=kubeboot.local/*' --format '  {{.Repository}}:{{.Tag}}  {{.Size}}'

echo "==> kubeboot"
node bin/kubeboot.js version
node bin/kubeboot.js --help

cat <<TXT

The Docker engine stays up for further use: export DOCKER_HOST=${DOCKER_HOST}
Stop it (only if this demo started it) with: scripts/docker-engine.sh down
TXT
