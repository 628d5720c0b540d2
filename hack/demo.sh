#!/usr/bin/env bash
# `make demo`: wxlink end to end on this machine, offline. A real control plane (etcd + kube-apiserver on
# loopback), wechatsim (the WeChat API simulator) seeded with the accounts of config/samples, and the manager;
# then config/samples is applied and the story is played: quotas, the admins confirming, a slot freeing, the
# console steps recorded in Git, and every sample Ready.
#   hack/demo.sh [up]   build, start everything, play the story, print how to look around; leaves it running
#   hack/demo.sh down   stop the manager, wechatsim and the control plane (idempotent)
# `up` always starts fresh: if a demo is already running, it is stopped first, because the story changes the
# simulator's state and can only be replayed from the seed. Ctrl-C during `up` stops everything.
# Ports: wechatsim 127.0.0.1:18080, manager metrics 127.0.0.1:18081, probes 127.0.0.1:18082; the apiserver
# picks a free port. State and logs: .local/demo/ ($WXLINK_LOCAL_DIR is set to it for the control plane).
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
export WXLINK_LOCAL_DIR=$root/.local/demo
dir=$WXLINK_LOCAL_DIR
lcp=$root/hack/local-controlplane.sh
seed=$root/hack/demo/wechatsim-seed.yaml
store_seed=$root/hack/demo/storesim-seed.yaml
ns=yunshan

sim_addr=127.0.0.1:18080
sim_url=http://$sim_addr
metrics_addr=127.0.0.1:18081
probe_addr=127.0.0.1:18082
sim_bin=$root/bin/wechatsim
sim_pidfile=$dir/wechatsim.pid
sim_log=$dir/wechatsim.log
sim_state=$dir/wechatsim-state.json
mgr_bin=$root/bin/manager
mgr_pidfile=$dir/manager.pid
mgr_log=$dir/manager.log
kubeconfig=$dir/kubeconfig # what hack/local-controlplane.sh writes for this WXLINK_LOCAL_DIR
up_pidfile=$dir/up.pid       # the running `hack/demo.sh up`, which holds the lock $dir/up.lock (fd 7)

if [ -t 1 ]; then bold=$'\033[1m' dim=$'\033[2m' red=$'\033[31m' off=$'\033[0m'; else bold='' dim='' red='' off=''; fi
started_at=$SECONDS
step_no=0
headline() {
  step_no=$((step_no + 1))
  printf '\n%s==> %d/13  %s%s %s(+%ds)%s\n' "$bold" "$step_no" "$*" "$off" "$dim" "$((SECONDS - started_at))" "$off"
}
say() { printf '    %s\n' "$@"; }
rel() { printf '%s' "${1#"$root"/}"; }

# --- processes: started with setsid (own session: Ctrl-C in the terminal does not reach them, closing the
# terminal does not hang them up), stopped by PID file only, after checking the PID is still our binary.

# ours PIDFILE BINARY: the PID in PIDFILE is alive and was started as BINARY (its argv[0]), so a stale PID
# file never makes us signal a process that reused the PID. A zombie has an empty cmdline: not alive.
ours() {
  local pid='' argv0=''
  [ -f "$1" ] && pid=$(cat "$1") || return 1
  case $pid in '' | *[!0-9]*) return 1 ;; esac
  { IFS= read -r -d '' argv0 <"/proc/$pid/cmdline"; } 2>/dev/null || return 1
  [ "$argv0" = "$2" ]
}

# stop NAME PIDFILE BINARY: SIGTERM, wait up to 20s for it to exit, then SIGKILL; removes the PID file.
stop() {
  local name=$1 pidfile=$2 bin=$3 pid deadline
  if ours "$pidfile" "$bin"; then
    pid=$(cat "$pidfile")
    kill -TERM "$pid" 2>/dev/null || true
    deadline=$((SECONDS + 20))
    while ours "$pidfile" "$bin" && [ "$SECONDS" -lt "$deadline" ]; do sleep 0.2; done
    if ours "$pidfile" "$bin"; then
      kill -KILL "$pid" 2>/dev/null || true
      echo "$name (pid $pid) did not stop within 20s: killed"
    else
      echo "$name stopped (pid $pid)"
    fi
  fi
  rm -f "$pidfile"
}

any_running() {
  ours "$mgr_pidfile" "$mgr_bin" || ours "$sim_pidfile" "$sim_bin" || "$lcp" status >/dev/null 2>&1
}

any_alive() { local p; for p; do ! kill -0 "$p" 2>/dev/null || return 0; done; return 1; }

# reap_session SID: stops the etcd and kube-apiserver left in the control plane's session. localcp is started
# with setsid, so its PID is the session ID of everything it starts; when it is stopped while still starting
# (Ctrl-C in step 1), it exits before it can stop them, and they would run on, orphaned.
reap_session() {
  local sid=$1 pid args d pids=() dirs=() deadline
  case $sid in '' | *[!0-9]*) return 0 ;; esac
  while read -r pid args; do
    case $args in "$root/bin/k8s/"*) pids+=("$pid") ;; *) continue ;; esac
    # envtest's temporary directories (etcd data, apiserver certificates), named in the arguments
    while read -r d; do [ -z "$d" ] || dirs+=("$d"); done <<<"$(grep -o '[^ =]*/k8s_test_framework_[0-9]*' <<<"$args" || true)"
  done < <(ps -eo pid=,sid=,args= | awk -v s="$sid" '$2 == s { $2 = ""; print }')
  [ ${#pids[@]} -gt 0 ] || return 0
  kill -TERM "${pids[@]}" 2>/dev/null || true
  deadline=$((SECONDS + 5)) # throwaway processes whose parent is gone: a short grace, then SIGKILL
  while any_alive "${pids[@]}" && [ "$SECONDS" -lt "$deadline" ]; do sleep 0.2; done
  kill -KILL "${pids[@]}" 2>/dev/null || true
  [ ${#dirs[@]} = 0 ] || rm -rf "${dirs[@]}"
  echo "stopped the control plane's orphaned processes (pids ${pids[*]})"
}

# stop_up: stops a `hack/demo.sh up` still at work (in another terminal), so that it cannot go on polling and
# tear down a later demo. Its current command is stopped too: bash runs a trap only once that has returned.
stop_up() {
  local pid='' args='' kids deadline
  [ -f "$up_pidfile" ] && pid=$(cat "$up_pidfile") || return 0
  case $pid in '' | *[!0-9]* | "$$") return 0 ;; esac
  args=$(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null) || true
  case $args in *demo.sh*) ;; *) rm -f "$up_pidfile"; return 0 ;; esac
  echo "stopping the running 'hack/demo.sh up' (pid $pid)"
  kill -TERM "$pid" 2>/dev/null || true
  kids=$(ps -o pid= --ppid "$pid" 2>/dev/null || true)
  # shellcheck disable=SC2086 # one PID per word
  [ -z "$kids" ] || kill -TERM $kids 2>/dev/null || true
  deadline=$((SECONDS + 60)) # its own clean-up stops the control plane
  while kill -0 "$pid" 2>/dev/null && [ "$SECONDS" -lt "$deadline" ]; do sleep 0.2; done
  rm -f "$up_pidfile"
}

down() {
  local cp_sid=''
  stop_up
  [ -f "$dir/localcp.pid" ] && cp_sid=$(cat "$dir/localcp.pid")
  stop manager "$mgr_pidfile" "$mgr_bin"
  stop wechatsim "$sim_pidfile" "$sim_bin"
  "$lcp" down
  reap_session "$cp_sid"
  rm -f "$sim_state"
}

# --- failure handling: any failure or interrupt during `up` prints what it can, then stops everything.

up_done=0
on_exit() {
  local rc=$?
  trap - EXIT
  trap '' INT TERM # a second Ctrl-C must not cut the clean-up short
  # A trap runs with the redirections of the command it interrupted (often >/dev/null): write where `up` did.
  exec 1>&8 2>&9
  rm -f "$up_pidfile"
  if [ "$up_done" != 1 ]; then
    case $rc in
      130 | 143) echo "interrupted: stopping everything the demo started" >&2 ;;
      *) echo "${red}the demo failed (exit $rc): stopping everything it started${off}" >&2 ;;
    esac
    down >&2 || true
    if [ -f "$mgr_log" ] || [ -f "$sim_log" ]; then
      echo "logs kept: $(rel "$mgr_log"), $(rel "$sim_log"), $(rel "$dir")/localcp.log" >&2
    fi
  fi
  exit "$rc"
}

kubectl=${KUBECTL:-kubectl} # resolved in step 1: $KUBECTL, kubectl on PATH, or the one built into bin/k8s
kc() { "$kubectl" --kubeconfig "$kubeconfig" "$@"; }

# diagnose [KIND/NAME...]: what a person needs to see when a wait times out.
diagnose() {
  {
    echo "---- kubectl get wechat -n $ns -o wide"
    kc get wechat -n "$ns" -o wide --request-timeout=10s 2>&1 || true
    local o
    for o in "$@"; do
      echo "---- kubectl describe -n $ns $o"
      kc describe -n "$ns" "$o" --request-timeout=10s 2>&1 || true
    done
    echo "---- last 40 lines of $(rel "$mgr_log")"
    tail -n 40 "$mgr_log" 2>/dev/null || echo "(no manager log)"
  } >&2
}

fail() { # fail MESSAGE [KIND/NAME...]: diagnostics, then exit 1 (the EXIT trap stops everything)
  echo "${red}$1${off}" >&2
  shift
  diagnose "$@"
  exit 1
}

# processes_alive: the processes started so far are still running (checked on every poll, so that a crash
# fails at once with its log instead of after a timeout).
processes_alive() {
  if [ -f "$sim_pidfile" ] && ! ours "$sim_pidfile" "$sim_bin"; then
    echo "${red}wechatsim exited; the end of $(rel "$sim_log"):${off}" >&2
    tail -n 40 "$sim_log" >&2 || true
    rm -f "$sim_pidfile"
    return 1
  fi
  if [ -f "$mgr_pidfile" ] && ! ours "$mgr_pidfile" "$mgr_bin"; then
    echo "${red}the manager exited; the end of $(rel "$mgr_log"):${off}" >&2
    tail -n 40 "$mgr_log" >&2 || true
    rm -f "$mgr_pidfile"
    return 1
  fi
}

# wait_until DESCRIPTION TIMEOUT_SECONDS CONDITION...: polls CONDITION (a command) every 0.5s until it
# succeeds; on timeout fails with diagnostics of the objects named in $stuck (set by the condition).
stuck=() why=''
wait_until() {
  local what=$1 timeout=$2 deadline
  shift 2
  deadline=$((SECONDS + timeout))
  until "$@"; do
    processes_alive || exit 1
    if [ "$SECONDS" -ge "$deadline" ]; then
      fail "timed out after ${timeout}s waiting for $what${why:+ (still: $why)}" "${stuck[@]}"
    fi
    sleep 0.5
  done
}

# port_free PORT: nothing accepts connections on 127.0.0.1:PORT.
port_free() { ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

http_ok() { curl -fsS -o /dev/null --max-time 2 "$1" 2>/dev/null; }

# --- the links, as wxlink reports them: name|type|subjectRelation|admission|Ready status|Ready reason|
# fromAppID|toAppID|deletionPolicy, one per line, in name order.
links_tpl='{range .items[*]}{.metadata.name}|{.spec.type}|{.status.subjectRelation}|{.status.admission.state}|{.status.conditions[?(@.type=="Ready")].status}|{.status.conditions[?(@.type=="Ready")].reason}|{.status.fromAppID}|{.status.toAppID}|{.spec.deletionPolicy}{"\n"}{end}'
declare -A l_type l_rel l_adm l_ready l_reason l_from l_to l_policy
l_names=()
load_links() {
  local out name type rel adm ready reason from to policy
  out=$(kc get associationlinks -n "$ns" -o "jsonpath=$links_tpl") || return 1
  l_names=()
  l_type=() l_rel=() l_adm=() l_ready=() l_reason=() l_from=() l_to=() l_policy=()
  while IFS='|' read -r name type rel adm ready reason from to policy; do
    [ -n "$name" ] || continue
    l_names+=("$name")
    l_type[$name]=$type l_rel[$name]=$rel l_adm[$name]=$adm l_ready[$name]=$ready l_reason[$name]=$reason
    l_from[$name]=$from l_to[$name]=$to l_policy[$name]=$policy
  done <<<"$out"
}
# Predicates on a loaded link NAME.
other_subject() { [ "${l_type[$1]}" = OfficialAccountToMiniProgram ] && [ "${l_rel[$1]}" = Other ]; }
awaiting() { [ "${l_reason[$1]}" = AwaitingOfficialAccountAdmin ] || [ "${l_reason[$1]}" = AwaitingMiniProgramAdmin ]; }
is_ready() { [ "${l_ready[$1]}" = True ]; }
console_only() { [ "${l_reason[$1]}" = ActionRequired ]; }
names_where() { # names_where PREDICATE...: the links for which every predicate holds, comma-separated
  local n p out=''
  for n in "${l_names[@]}"; do
    for p in "$@"; do "$p" "$n" || continue 2; done
    out+="${out:+, }$n"
  done
  printf '%s' "$out"
}
reasons_of() { # reasons_of PREDICATE...: the distinct Ready reasons of those links, joined by " or "
  local n p out=''
  for n in "${l_names[@]}"; do
    for p in "$@"; do "$p" "$n" || continue 2; done
    case " or $out or " in *" or ${l_reason[$n]} or "*) ;; *) out+="${out:+ or }${l_reason[$n]}" ;; esac
  done
  printf '%s' "$out"
}

queued=''
# settled: news-mall Ready; one link Queued with QuotaExceeded; every admitted other-subject link waiting on
# an admin (or Ready); every link reconciled at least once (it has a Ready condition).
settled() {
  why='' stuck=(link/news-mall)
  load_links || { why="cannot list links"; return 1; }
  local n pending=0 q=()
  for n in "${l_names[@]}"; do
    [ -n "${l_ready[$n]}" ] || { why="link $n has no Ready condition yet" stuck=("link/$n"); return 1; }
  done
  [ "${l_ready[news-mall]:-}" = True ] || { why="news-mall is not Ready (${l_reason[news-mall]:-no reason})"; return 1; }
  for n in "${l_names[@]}"; do
    other_subject "$n" || continue
    if [ "${l_adm[$n]}" = Queued ]; then q+=("$n"); continue; fi
    if awaiting "$n"; then pending=$((pending + 1)); continue; fi
    [ "${l_ready[$n]}" = True ] || { why="other-subject link $n is ${l_reason[$n]}" stuck=("link/$n"); return 1; }
  done
  if [ ${#q[@]} != 1 ]; then
    why="${#q[@]} links are Queued (${q[*]:-none}), want 1" stuck=()
    for n in "${l_names[@]}"; do other_subject "$n" && stuck+=("link/$n"); done
    return 1
  fi
  queued=${q[0]}
  [ "${l_reason[$queued]}" = QuotaExceeded ] ||
    { why="the queued link $queued has reason ${l_reason[$queued]}, want QuotaExceeded" stuck=("link/$queued"); return 1; }
  if [ "$pending" = 0 ]; then
    why="no other-subject link is waiting on an admin" stuck=()
    for n in "${l_names[@]}"; do other_subject "$n" && stuck+=("link/$n"); done
    return 1
  fi
}

# confirm_link NAME: both admins confirm the link on the platform (the simulator's admin API plays them).
confirm_link() {
  local body resp
  body=$(printf '{"officialAccount":"%s","miniProgram":"%s"}' "${l_from[$1]}" "${l_to[$1]}")
  printf '%s$ curl -X POST %s/sim/links/confirm -d %s%s\n' "$dim" "$sim_url" "'$body'" "$off"
  resp=$(curl -sS --max-time 5 -X POST -H 'Content-Type: application/json' -d "$body" "$sim_url/sim/links/confirm") ||
    fail "the simulator did not answer /sim/links/confirm" "link/$1"
  case $resp in *'"errcode":0'*) ;; *) fail "the simulator refused to confirm $1: $resp" "link/$1" ;; esac
}

link_ready() { # link_ready NAME
  why='' stuck=("link/$1")
  load_links || return 1
  why="${1} is ${l_reason[$1]:-not reconciled}"
  [ "${l_ready[$1]:-}" = True ]
}

# left_queue NAME: admitted, and requested on the platform (waiting on an admin) or already Ready.
left_queue() {
  why='' stuck=("link/$1")
  load_links || return 1
  why="$1 is ${l_adm[$1]:-not admitted} (${l_reason[$1]:-no reason})"
  [ "${l_adm[$1]:-}" = Admitted ] && { awaiting "$1" || is_ready "$1"; }
}

link_awaiting() { # link_awaiting NAME: the link waits for an admin's acceptance
  why='' stuck=("link/$1")
  load_links || return 1
  why="$1 is ${l_reason[$1]:-not reconciled}"
  awaiting "$1"
}

shop_reason() { # shop_reason NAME REASON: the ThirdPartyStore's Ready reason is REASON
  local got
  stuck=("thirdpartystore/$1")
  got=$(kc get thirdpartystore "$1" -n "$ns" -o 'jsonpath={.status.conditions[?(@.type=="Ready")].reason}' 2>/dev/null) || got=''
  why="$1 is ${got:-not reconciled}"
  [ "$got" = "$2" ]
}

link_gone() { # link_gone NAME
  why="link $1 still exists" stuck=("link/$1")
  ! kc get associationlink "$1" -n "$ns" >/dev/null 2>&1
}

show() { # show CMD...: print a kubectl command and its output
  printf '%s$ kubectl %s%s\n' "$dim" "$*" "$off"
  kc "$@"
}

up() {
  local tool
  for tool in curl setsid flock go; do
    command -v "$tool" >/dev/null || { echo "the demo needs $tool" >&2; exit 1; }
  done
  mkdir -p "$dir" "$root/bin"
  # One `up` at a time: a second one would share the PID files. fd 7 holds the lock; the long-lived processes
  # started below get fds 7-9 closed, so that they hold neither the lock nor our output (make demo | tee).
  exec 7>"$dir/up.lock"
  if ! flock -n 7; then
    echo "another 'hack/demo.sh up' is running (pid $(cat "$up_pidfile" 2>/dev/null || echo '?')): wait for it, or stop it with hack/demo.sh down" >&2
    exit 1
  fi
  echo $$ >"$up_pidfile"
  trap 'rm -f "$up_pidfile"' EXIT # until on_exit takes over, below
  exec 8>&1 9>&2                  # where on_exit writes, whatever redirection a signal interrupts
  if any_running; then
    echo "A demo is already running: stopping it to start fresh (the story replays from the seed)."
    down
  fi
  local port
  for port in 18080 18081 18082; do
    if ! port_free "$port"; then
      echo "${red}port 127.0.0.1:$port is in use; the demo needs 18080 (wechatsim), 18081 (metrics) and 18082 (probes).${off}" >&2
      if command -v ss >/dev/null; then ss -ltnp "sport = :$port" >&2 || true; fi
      echo "Stop whatever listens there (if it is an earlier demo: hack/demo.sh down) and run the demo again." >&2
      exit 1
    fi
  done
  trap on_exit EXIT
  trap 'exit 130' INT
  trap 'exit 143' TERM

  headline "Building the manager, wechatsim and the control plane"
  local assets t
  t=$SECONDS
  assets=$("$root/hack/build-controlplane.sh")
  kubectl=${KUBECTL:-$(command -v kubectl || echo "$assets/kubectl")}
  KUBECTL=$kubectl "$root/hack/demo/check-seed.sh" "$seed" | sed 's/^/    /'
  (cd "$root" && go build -o "$mgr_bin" ./cmd/manager && go build -o "$sim_bin" ./cmd/wechatsim)
  say "built in $((SECONDS - t))s; starting the control plane (etcd + kube-apiserver on loopback)"
  "$lcp" up 7>&- 8>&- 9>&- | sed 's/^/    /'
  [ -s "$kubeconfig" ] || fail "the control plane did not write $kubeconfig"
  export KUBECONFIG=$kubeconfig

  headline "Starting wechatsim on $sim_addr, seeded from $(rel "$seed") and $(rel "$store_seed")"
  say "(it serves the Youzan, Weimob and Weidian store simulator too: --store-seed)"
  rm -f "$sim_state"
  setsid "$sim_bin" --listen "$sim_addr" --seed "$seed" --state-file "$sim_state" --store-seed "$store_seed" \
    >"$sim_log" 2>&1 </dev/null 7>&- 8>&- 9>&- &
  echo $! >"$sim_pidfile"
  wait_until "wechatsim to answer $sim_url/sim/healthz" 30 http_ok "$sim_url/sim/healthz"
  say "up (pid $(cat "$sim_pidfile")); log $(rel "$sim_log")"

  headline "Installing the CRDs"
  local crds
  crds=$(kc apply --server-side -k "$root/config/crd" -o name)
  # shellcheck disable=SC2086 # one CRD name per word
  kc wait --for=condition=Established --timeout=60s $crds >/dev/null ||
    fail "the CRDs did not become Established within 60s" $crds
  say "$(wc -w <<<"$crds") CRDs Established"

  headline "Starting the manager (platform endpoint $sim_url)"
  setsid "$mgr_bin" --kubeconfig "$kubeconfig" --platform-endpoint "$sim_url" --store-endpoint "$sim_url" \
    --metrics-bind-address "$metrics_addr" --health-probe-bind-address "$probe_addr" \
    --poll-interval 30s --pending-poll-interval 3s \
    --zap-log-level info --zap-encoder console --zap-stacktrace-level panic \
    >"$mgr_log" 2>&1 </dev/null 7>&- 8>&- 9>&- &
  echo $! >"$mgr_pidfile"
  wait_until "the manager's http://$probe_addr/readyz" 60 http_ok "http://$probe_addr/readyz"
  say "ready (pid $(cat "$mgr_pidfile")); log $(rel "$mgr_log")"

  headline "Applying config/samples (namespace $ns)"
  kc apply -k "$root/config/samples" | sed 's/^/    /'

  headline "Waiting for wxlink to settle"
  local kind n settle=120
  for kind in officialaccount miniprogram; do
    # kubectl's own messages would also call the Ready ones timed out (the deadline is shared): list the stuck.
    if ! kc wait --for=condition=Ready "$kind" --all -n "$ns" --timeout="${settle}s" >/dev/null 2>&1; then
      local notready=()
      for n in $(kc get "$kind" -n "$ns" -o jsonpath='{range .items[*]}{.metadata.name}={.status.conditions[?(@.type=="Ready")].status}{" "}{end}'); do
        [ "${n#*=}" = True ] || notready+=("$kind/${n%%=*}")
      done
      fail "not every $kind became Ready within ${settle}s: ${notready[*]#*/}" "${notready[@]}"
    fi
    say "every $kind is Ready"
  done
  wait_until "the links to settle" "$settle" settled
  echo
  show get wechat -n "$ns"
  local ready pending console adopted=''
  ready=$(names_where is_ready)
  pending=$(names_where other_subject awaiting)
  console=$(names_where console_only)
  case ", $ready, " in *", shop-mall, "*) adopted="; shop-mall (ObserveOnly) adopted the link made by hand in the console" ;; esac
  echo
  say "Ready: $ready. Same-subject links take effect at once$adopted."
  say "$pending: another subject, so wxlink asked the platform and the admins must confirm ($(reasons_of other_subject awaiting))."
  say "$queued: another subject too; an old link made by hand in the console (to media-video) holds the news account's"
  say "3rd other-subject slot, so it waits in the queue (QuotaExceeded)."
  [ -z "$console" ] || say "$console: console-only (ActionRequired): 'kubectl describe link' says who must act, and where."

  headline "The admins confirm"
  local n body resp
  say "The admins confirm $pending on their phones (here: through the simulator's admin API):"
  for n in ${pending//,/ }; do
    confirm_link "$n"
    wait_until "$n to become Ready" 60 link_ready "$n"
  done
  echo
  show get link -n "$ns"
  say "wxlink saw the platform's status turn to 1 on its next check (every 3s while pending)."

  headline "A slot frees"
  local news video
  news=$(kc get oa yunshan-news -n "$ns" -o jsonpath='{.spec.appID}')
  video=$(kc get mp media-video -n "$ns" -o jsonpath='{.spec.appID}')
  body=$(printf '{"officialAccount":"%s","miniProgram":"%s"}' "$news" "$video")
  say "The news account's admin unlinks the old link to media-video in the console (here: the simulator's admin API):"
  printf '%s$ curl -X POST %s/sim/links/remove -d %s%s\n' "$dim" "$sim_url" "'$body'" "$off"
  resp=$(curl -sS --max-time 5 -X POST -H 'Content-Type: application/json' -d "$body" "$sim_url/sim/links/remove") ||
    fail "the simulator did not answer /sim/links/remove" "link/$queued"
  case $resp in *'"errcode":0'*) ;; *) fail "the simulator refused to remove the link: $resp" "link/$queued" ;; esac
  wait_until "$queued to leave the queue" 90 left_queue "$queued"
  say "A slot freed: $queued left the queue by itself (Admitted), and wxlink asked the platform for it."
  confirm_link "$queued"
  wait_until "$queued to become Ready" 60 link_ready "$queued"

  headline "A WeChat Store partner account, invited through the API"
  local store sharer
  wait_until "store-news to wait for the news account's admin" 60 link_awaiting store-news
  store=$(kc get wechatstore yunshan-store -n "$ns" -o jsonpath='{.spec.appID}')
  sharer=$(kc get link store-news -n "$ns" -o jsonpath='{.status.partnerID}')
  say "wxlink invited yunshan-news ($sharer) as a partner account (合作账号) of yunshan-store through the store's API"
  say "(its QR code is in status.platform.invitationQRCode); the news account's admin accepts it in WeChat"
  say "(here: the simulator's admin API):"
  body=$(printf '{"storeAppID":"%s","sharerID":"%s","sharerType":2,"action":"accept"}' "$store" "$sharer")
  printf '%s$ curl -X POST %s/sim/cooperations -d %s%s\n' "$dim" "$sim_url" "'$body'" "$off"
  resp=$(curl -sS --max-time 5 -X POST -H 'Content-Type: application/json' -d "$body" "$sim_url/sim/cooperations") ||
    fail "the simulator did not answer /sim/cooperations" "link/store-news"
  case $resp in *'"errcode":0'*) ;; *) fail "the simulator refused to accept the invitation: $resp" "link/store-news" ;; esac
  wait_until "store-news to become Ready" 60 link_ready store-news
  show get link store-news -n "$ns"

  headline "Console steps, recorded in Git"
  load_links
  console=$(names_where console_only)
  say "$console can only be made in a console, which wxlink cannot observe. Once a person has made them, they record"
  say "it in the link (in Git: spec.confirmedInConsole); here, a patch:"
  for n in ${console//,/ }; do
    printf '%s$ kubectl patch link %s -n %s --type merge -p %s%s\n' "$dim" "$n" "$ns" \
      "'{\"spec\":{\"confirmedInConsole\":{\"by\":\"李华 (IT)\",\"on\":\"$(date +%F)\"}}}'" "$off"
    kc patch link "$n" -n "$ns" --type merge \
      -p "{\"spec\":{\"confirmedInConsole\":{\"by\":\"李华 (IT)\",\"on\":\"$(date +%F)\"}}}" | sed 's/^/    /'
    wait_until "$n to become Ready" 30 link_ready "$n"
  done

  headline "The Youzan shop"
  wait_until "the Youzan shop to wait for the mall's web-view domain" 60 shop_reason yunshan-youzan WebViewDomainUnconfirmed
  say "wxlink obtained the Youzan shop's access token and published it in Secret yunshan-youzan-token; the shop"
  say "opens in the mall Mini Program through web-view, whose business domain only the console sets:"
  show get thirdpartystore yunshan-youzan -n "$ns" -o 'jsonpath={.status.conditions[?(@.type=="Ready")].message}{"\n"}'
  say "The mall's admin adds the domain in the console and records it in Git (here, a patch):"
  local patch='[{"op":"add","path":"/spec/bindings/0/confirmedInConsole","value":{"by":"李华 (IT)","on":"'"$(date +%F)"'"}}]'
  printf '%s$ kubectl patch thirdpartystore yunshan-youzan -n %s --type json -p %s%s\n' "$dim" "$ns" "'$patch'" "$off"
  kc patch thirdpartystore yunshan-youzan -n "$ns" --type json -p "$patch" | sed 's/^/    /'
  wait_until "the Youzan shop to become Ready" 60 shop_reason yunshan-youzan Available
  show get thirdpartystore -n "$ns" -o wide
  local expires
  expires=$(kc get secret yunshan-youzan-token -n "$ns" -o jsonpath='{.data.expiresAt}' | base64 -d) ||
    fail "the Youzan token is not published" "thirdpartystore/yunshan-youzan"
  [ -n "$(kc get secret yunshan-youzan-token -n "$ns" -o jsonpath='{.data.accessToken}')" ] ||
    fail "Secret yunshan-youzan-token holds no accessToken" "thirdpartystore/yunshan-youzan"
  say "The shop is Ready; its token (valid until $expires) is published in Secret yunshan-youzan-token"
  say "(keys accessToken, expiresAt, refreshAt), renewed by wxlink at 80% of its lifetime."

  headline "Everything is Ready"
  printf '%s$ kubectl wait --for=condition=Ready wechat --all -n %s%s\n' "$dim" "$ns" "$off"
  kc wait --for=condition=Ready wechat --all -n "$ns" --timeout=60s | sed 's/^/    /' ||
    fail "not every sample became Ready"
  echo
  show get wechat -n "$ns" -o wide
  say "Every sample is Ready: Flux (kstatus) reads them Current, Argo CD (config/argocd) Healthy; docs/gitops.md."

  headline "Left running"
  up_done=1
  local line='────────────────────────────────────────────────────────────────────────────'
  printf '\n%s┌%s\n' "$bold" "$line"
  printf '│ %s\n' \
    "The demo is running (wxlink manager, wechatsim, etcd + kube-apiserver)." \
    "" \
    "Look around (kubectl or k9s):" \
    "  export KUBECONFIG=$kubeconfig" \
    "  kubectl get wechat -A" \
    "  kubectl get wechat -n $ns -o wide" \
    "  k9s -n $ns" \
    "" \
    "The simulated WeChat platform: curl $sim_url/sim/state" \
    "Manager log:                   $mgr_log" \
    "" \
    "Stop everything:               make demo-down   (or hack/demo.sh down)"
  printf '└%s%s\n' "$line" "$off"
  say "took $((SECONDS - started_at))s"
}

case "${1:-up}" in
  up) up ;;
  down) down ;;
  *) sed -n '2,10p' "$0" | sed 's/^# \{0,1\}//'; exit 2 ;;
esac
