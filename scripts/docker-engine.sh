#!/usr/bin/env bash
# A Docker engine for kubeboot's tests, demo and benchmarks.
#
#   scripts/docker-engine.sh up     use the engine that answers, or start a private one; prints
#                                   `export DOCKER_HOST=...` (and KUBEBOOT_ENGINE_STARTED=1 when it started one)
#   scripts/docker-engine.sh down   stop the private engine, only if `up` started it
#   scripts/docker-engine.sh env    print `export DOCKER_HOST=...` for the engine `up` would use
#
# Use it as:  eval "$(scripts/docker-engine.sh up)"
#
# The private engine keeps all its state in kubeboot's own folders (never /var/lib/docker or
# /var/run/docker.sock), so it can run beside a system engine. The folders are shared by every
# checkout on the machine: a second checkout reuses an engine that is already up.
# Everything but the final DOCKER_HOST line goes to stderr, so `eval` sees only that line.
set -euo pipefail

STATE_DIR="${KUBEBOOT_ENGINE_STATE:-/var/lib/kubeboot-engine}"   # images, containers
RUN_DIR="${KUBEBOOT_ENGINE_RUN:-/run/kubeboot-engine}"           # socket, pidfile; short: unix socket paths are limited to 108 bytes
PRIVATE_HOST="unix://$RUN_DIR/docker.sock"
STARTED_MARK="$RUN_DIR/started-by-kubeboot"
WAIT_SECONDS="${KUBEBOOT_ENGINE_WAIT:-30}"

say() { echo "docker-engine: $*" >&2; }
fail() { echo "docker-engine: error: $*" >&2; exit 1; }

answers() { DOCKER_HOST="$1" docker version --format '{{.Server.Version}}' >/dev/null 2>&1; }

# The engine to use: DOCKER_HOST if set, else the system socket, else the private one.
find_engine() {
  if [ -n "${DOCKER_HOST:-}" ] && answers "$DOCKER_HOST"; then echo "$DOCKER_HOST"; return 0; fi
  if [ -S /var/run/docker.sock ] && answers unix:///var/run/docker.sock; then echo unix:///var/run/docker.sock; return 0; fi
  if answers "$PRIVATE_HOST"; then echo "$PRIVATE_HOST"; return 0; fi
  return 1
}

ensure_installed() {
  command -v dockerd >/dev/null && command -v docker >/dev/null && return 0
  if [ "$(id -u)" != 0 ]; then
    fail "no Docker engine answers and dockerd is not installed. Install Docker (Debian: sudo apt-get install docker.io) and start it, or run this script as root to let it do both, or set DOCKER_HOST to an engine that runs."
  fi
  command -v apt-get >/dev/null || fail "no Docker engine answers and this is not a Debian-like system (no apt-get). Install and start Docker, then set DOCKER_HOST if its socket is not /var/run/docker.sock."
  say "installing docker.io (apt-get, no recommends)"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -q >&2 && apt-get install -y -q --no-install-recommends docker.io >&2 \
    || fail "apt-get could not install docker.io"
}

start_private() {
  [ "$(id -u)" = 0 ] || fail "no Docker engine answers, and starting one needs root. Run as root, or start Docker yourself and set DOCKER_HOST."
  mkdir -p "$STATE_DIR/data" "$RUN_DIR/exec"
  local log="$STATE_DIR/dockerd.log"
  # A pidfile left by an engine that died would make dockerd refuse to start.
  if [ -f "$RUN_DIR/docker.pid" ] && ! kill -0 "$(cat "$RUN_DIR/docker.pid")" 2>/dev/null; then rm -f "$RUN_DIR/docker.pid"; fi
  say "starting a private dockerd (data $STATE_DIR/data, socket $RUN_DIR/docker.sock, log $log)"
  # setsid: the engine must outlive the shell that started it (and its job control).
  setsid dockerd --data-root "$STATE_DIR/data" --exec-root "$RUN_DIR/exec" \
    -H "$PRIVATE_HOST" --pidfile "$RUN_DIR/docker.pid" >"$log" 2>&1 < /dev/null &
  local launcher=$!
  local tries=$((WAIT_SECONDS * 10))
  for _ in $(seq 1 "$tries"); do
    if answers "$PRIVATE_HOST"; then
      touch "$STARTED_MARK"
      say "dockerd $(DOCKER_HOST=$PRIVATE_HOST docker version --format '{{.Server.Version}}') is up"
      return 0
    fi
    if ! kill -0 "$launcher" 2>/dev/null; then
      say "dockerd exited while starting; the last lines of $log:"
      tail -n 20 "$log" >&2
      exit 1
    fi
    sleep 0.1
  done
  say "dockerd did not answer on $PRIVATE_HOST within ${WAIT_SECONDS}s; the last lines of $log:"
  tail -n 20 "$log" >&2
  exit 1
}

stop_private() {
  if [ ! -f "$STARTED_MARK" ]; then
    say "no engine started by this script is running; nothing to stop"
    return 0
  fi
  local pid
  pid=$(cat "$RUN_DIR/docker.pid" 2>/dev/null || true)
  if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
    kill -TERM "$pid"
    # dockerd stops its containers and its containerd child before it exits.
    for _ in $(seq 1 200); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    if kill -0 "$pid" 2>/dev/null; then say "dockerd ($pid) did not stop in 20 s; killing it"; kill -KILL "$pid"; fi
    say "stopped dockerd ($pid)"
  fi
  rm -f "$STARTED_MARK" "$RUN_DIR/docker.pid"
}

case "${1:-}" in
  up)
    if host=$(find_engine); then
      say "using the engine at $host"
    else
      ensure_installed
      start_private
      host=$PRIVATE_HOST
      echo "export KUBEBOOT_ENGINE_STARTED=1"
    fi
    echo "export DOCKER_HOST=$host"
    ;;
  env)
    host=$(find_engine) || host=$PRIVATE_HOST
    echo "export DOCKER_HOST=$host"
    ;;
  down)
    stop_private
    ;;
  *)
    echo "usage: $0 up|down|env" >&2
    exit 2
    ;;
esac
