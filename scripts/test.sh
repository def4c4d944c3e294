#!/usr/bin/env bash
# Runs every test: type-check, build, unit tests, then e2e tests against a real Docker engine with the
# local images. Starts the engine when none answers (and stops it again at the end), builds the images
# when they are missing. The node test runner's summary is the last thing printed.
set -euo pipefail
cd "$(dirname "$0")/.."

source scripts/engine-env.sh
# A tool the tests check with: systemd-analyze verifies the unit init installs on systemd hosts.
if ! command -v systemd-analyze >/dev/null && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  echo "test: installing systemd (for systemd-analyze)" >&2
  DEBIAN_FRONTEND=noninteractive apt-get update -q >&2 && DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends systemd >&2
fi
test/standins/build.sh
npx --no-install tsc --noEmit -p .
npm run --silent build
# The tests run the build just made (test/support/kubeboot-command.ts): the same code, without tsx's start-up.
export KUBEBOOT_TEST_BUILD=1

# The system paths kubeboot writes without --rootfs: the last test checks that none appeared during the run.
KUBEBOOT_HOST_PATHS_BEFORE=$(for p in /etc/kubernetes /var/lib/kubelet /var/lib/etcd /var/run/kubeboot /var/log/kubeboot /etc/systemd/system/kubeboot-kubelet.service; do
  if [ -e "$p" ]; then echo "$p"; fi
done | paste -sd, -)
export KUBEBOOT_HOST_PATHS_BEFORE

# What an earlier run that died left behind (only what tests make: see the script), ended before this one.
scripts/test-sweep.sh
mapfile -t files < <(find test/unit test/e2e -name '*.test.ts' | sort)
# The last test (test/unit/zz-nothing-left.test.ts) fails when a test left a reconciler or container behind;
# the sweep after ends them either way, so that a failed run does not burden the next one.
status=0
node --import tsx --test --test-concurrency=1 "${files[@]}" || status=$?
scripts/test-sweep.sh 2>/dev/null
exit "$status"
