# Sourced by test.sh, bench.sh and soak.sh: a Docker engine that answers (one started here is stopped
# again when the script exits) and the local images built when they are missing.
eval "$(scripts/docker-engine.sh up)"
if [ "${KUBEBOOT_ENGINE_STARTED:-}" = 1 ]; then
  trap 'scripts/docker-engine.sh down >/dev/null 2>&1 || true' EXIT
fi
scripts/build-images.sh
