#!/usr/bin/env bash
# Ends what a test run may have left behind, and only that: reconcilers (`kubeboot kubelet`) and
# launcher processes started under a test's temp folder (kubeboot-test-*), and containers that carry the
# tests' label or whose status file lies under such a folder (a node a test made with --rootfs).
# scripts/test.sh runs it before the tests (a run that died left them) and after (a failed reset).
#   scripts/test-sweep.sh [--list]    --list: say what is there, end nothing (exit 1 when anything is)
set -uo pipefail
tmp=${TMPDIR:-/tmp}
prefix="$tmp/kubeboot-test-"
list=false
[ "${1:-}" = --list ] && list=true

found=0
pids=$(pgrep -f -- "kubelet.*${prefix}|${prefix}[^ ]*/(state|var/lib/kubelet)/kubeboot-processes/" 2>/dev/null | grep -vx "$$" || true)
for pid in $pids; do
  found=$((found + 1))
  echo "test-sweep: left behind: process $pid: $(tr '\0' ' ' < "/proc/$pid/cmdline" 2>/dev/null | cut -c1-160)" >&2
  # The whole group where it leads one (a launcher and the process it started), else the process.
  $list || kill -KILL -- "-$pid" 2>/dev/null || kill -KILL "$pid" 2>/dev/null || true
done

if command -v docker >/dev/null && docker version >/dev/null 2>&1; then
  containers=$( {
    docker ps -aq --filter label=io.kubeboot.test-run
    docker ps -a --format '{{.ID}} {{.Label "io.kubeboot.status-file"}}' | awk -v p="$prefix" 'index($2, p) == 1 { print $1 }'
  } | sort -u)
  for id in $containers; do
    found=$((found + 1))
    echo "test-sweep: left behind: container $(docker inspect --format '{{.Name}}' "$id" 2>/dev/null)" >&2
    $list || docker rm -f "$id" >/dev/null 2>&1 || true
  done
fi
$list && [ "$found" -gt 0 ] && exit 1
exit 0
