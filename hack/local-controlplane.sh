#!/usr/bin/env bash
# Runs a long-lived local control plane (real etcd and kube-apiserver, on loopback) for the demo, the e2e
# suite, kubectl and k9s.
#   hack/local-controlplane.sh up          start it (building the binaries on first use) and wait until ready
#   hack/local-controlplane.sh down        stop it and remove its data
#   hack/local-controlplane.sh status      say whether it runs
#   hack/local-controlplane.sh kubeconfig  print the kubeconfig path: export KUBECONFIG=$(hack/local-controlplane.sh kubeconfig)
# State lives in $WXLINK_LOCAL_DIR (default .local/controlplane).
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
state=${WXLINK_LOCAL_DIR:-$root/.local/controlplane}
kubeconfig=$state/kubeconfig
pidfile=$state/localcp.pid
log=$state/localcp.log

running() { [ -f "$pidfile" ] && kill -0 "$(cat "$pidfile")" 2>/dev/null; }

up() {
  if running; then echo "local control plane already running; kubeconfig $kubeconfig"; return 0; fi
  mkdir -p "$state"
  rm -f "$kubeconfig"
  local assets
  assets=$("$root/hack/build-controlplane.sh")
  (cd "$root" && go build -o "$root/bin/localcp" ./hack/localcp)
  # setsid: the control plane outlives this shell and has its own process group for a clean stop.
  setsid "$root/bin/localcp" -assets "$assets" -write-kubeconfig "$kubeconfig" >"$log" 2>&1 < /dev/null &
  echo $! >"$pidfile"
  for _ in $(seq 1 120); do
    if [ -s "$kubeconfig" ]; then
      echo "local control plane up; export KUBECONFIG=$kubeconfig"
      return 0
    fi
    if ! running; then echo "local control plane failed to start:" >&2; cat "$log" >&2; return 1; fi
    sleep 0.5
  done
  echo "local control plane did not become ready in 60s:" >&2; cat "$log" >&2; down; return 1
}

down() {
  if running; then
    local pid; pid=$(cat "$pidfile")
    kill -TERM "$pid"
    for _ in $(seq 1 60); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
    kill -0 "$pid" 2>/dev/null && kill -KILL -- "-$pid" 2>/dev/null || true
    echo "local control plane stopped"
  fi
  rm -f "$pidfile" "$kubeconfig"
}

case "${1:-}" in
  up) up ;;
  down) down ;;
  status) if running; then echo "running (pid $(cat "$pidfile")); kubeconfig $kubeconfig"; else echo "not running"; exit 1; fi ;;
  kubeconfig) echo "$kubeconfig" ;;
  *) sed -n '2,9p' "$0" | sed 's/^# \{0,1\}//'; exit 2 ;;
esac
