#!/usr/bin/env bash
# Side-by-side benchmark: Roost against a private Dovecot, both on loopback,
# driven by cmd/imapload in alternation (Roost, Dovecot, Roost, Dovecot...),
# ROUNDS rounds. Writes BENCHMARKS.md and bench/chart.svg in the repository
# and prints the ratio table.
#
#   bench/compare.sh              full run (bigbox 100,000; about 20-25 min on 2 cores)
#   QUICK=1 bench/compare.sh      small sizes, about 5 minutes
#
# Sizes (env): ROUNDS USERS APPEND_CLIENTS APPEND_COUNT MIXED_CLIENTS
# MIXED_SESSIONS MIXED_BOX BIGBOX BODY_CLIENTS BODY_ROUNDS IDLE_N
# IDLE_DELIVERIES IDLE_DIALERS IDLE_TIME IDLE_WAIT. ROOST_BIN: use this roost
# binary instead of building one. OUT (default: the repository) is where
# BENCHMARKS.md and bench/chart.svg go; KEEP=1 keeps the temporary directory.
#
# WORKLOADS (default append,mixed,bigbox,body,idle,loginstorm) runs only some
# of them.
# RESULTS_SET names a separate set of results (bench/results/SET-roost-N.json,
# SET-dovecot-N.json, SET-machine.txt) that BENCHMARKS.md shows in its own
# section next to the main run's, e.g. the idle workload at 10,000
# connections:
#   WORKLOADS=idle IDLE_N=10000 ROUNDS=1 RESULTS_SET=idle10k bench/compare.sh
#
# The idle workload logs every connection in as the account "idle", whose
# argon2id hash is made with IDLE_HASH_PARAMS (default m=64,t=1,p=1, ~0.1 ms
# instead of ~0.14 s per login at Roost's defaults, which would make 10,000
# logins take 25 minutes per server). Both servers get the same string, as
# for the USERS accounts, and Roost runs with --password-hash-params set to
# the same parameters: otherwise it would (rightly, for a real account)
# replace the weak hash with a default-strength one at the first login, and
# every later login would cost 0.14 s in Roost and 0.1 ms in Dovecot. The
# USERS accounts keep default-strength hashes (LOGIN cost is part of the
# mixed workload): a stored hash stronger than the server's parameters is
# never rehashed. IDLE_HASH_PARAMS="" logs the idlers in as load0 instead.
#
# Messages: append and body store imapload's built-in generated set (varied
# sizes, multipart with attachments, RFC 2047 headers; deterministic, seed
# 1) unless MESSAGES names a directory of .eml files, e.g. the shared corpus
# the runs before this option used: MESSAGES=../shared/corpus/messages.
#
# The loginstorm workload: STORM_N accounts (default 50, made next to the
# USERS ones, all with default-strength argon2id hashes) log in at the same
# moment on a freshly restarted server, as after a restart; then
# STORM_CLIENTS clients connect, LOGIN and LOGOUT in a loop, STORM_REPEATS
# times in all (bounded by STORM_TIME), for the repeat-login rate and the
# server's CPU time per login. Alone and bounded:
#   WORKLOADS=loginstorm ROUNDS=3 RESULTS_SET=loginstorm bench/compare.sh
# Needs root for apt-get (Dovecot is installed when missing) and sqlite3
# (to give Dovecot the same password hashes; falls back to doveadm pw).
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
OUT=${OUT:-$ROOT}
QUICK=${QUICK:-0}
if [[ $QUICK == 1 ]]; then
  : "${ROUNDS:=3}" "${APPEND_COUNT:=300}" "${MIXED_SESSIONS:=3}" "${BIGBOX:=5000}" "${BODY_ROUNDS:=1}" "${IDLE_N:=50}"
  : "${STORM_N:=20}" "${STORM_REPEATS:=500}" "${STORM_TIME:=30s}"
fi
: "${ROUNDS:=3}" "${USERS:=10}" "${APPEND_CLIENTS:=4}" "${APPEND_COUNT:=3000}"
: "${MIXED_CLIENTS:=8}" "${MIXED_SESSIONS:=15}" "${MIXED_BOX:=200}" "${BIGBOX:=100000}"
: "${BODY_CLIENTS:=4}" "${BODY_ROUNDS:=25}" "${IDLE_N:=500}" "${IDLE_DELIVERIES:=5}" "${IDLE_DIALERS:=16}"
: "${STORM_N:=50}" "${STORM_CLIENTS:=8}" "${STORM_REPEATS:=2000}" "${STORM_TIME:=60s}"
WORKLOADS=${WORKLOADS:-append,mixed,bigbox,body,idle,loginstorm}
MESSAGES=${MESSAGES:-}
ACCOUNTS=$USERS
if [[ ,$WORKLOADS, == *,loginstorm,* ]] && ((STORM_N > ACCOUNTS)); then ACCOUNTS=$STORM_N; fi
RESULTS_SET=${RESULTS_SET:-}
IDLE_HASH_PARAMS=${IDLE_HASH_PARAMS-m=64,t=1,p=1}
: "${IDLE_TIME:=10m}" "${IDLE_WAIT:=60s}"
if [[ -n $RESULTS_SET && ! $RESULTS_SET =~ ^[a-z0-9_]+$ ]]; then
  echo "RESULTS_SET must be lower-case letters, digits and _" >&2; exit 2
fi
PREFIX=${RESULTS_SET:+$RESULTS_SET-}
ROOST_PORT=${ROOST_PORT:-11243}
DOVECOT_PORT=${DOVECOT_PORT:-11143}
CONNS=$((IDLE_N + 1000))

WORK=$(mktemp -d /tmp/roost-bench.XXXXXX)
chmod 755 "$WORK"
ROOST_PID=""
DOVECOT_PID=""
INOTIFY_OLD=""
START=$(date +%s)

cleanup() {
  local pid
  for pid in $ROOST_PID $DOVECOT_PID; do
    kill -TERM "$pid" 2>/dev/null || true
  done
  for pid in $ROOST_PID $DOVECOT_PID; do
    for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$pid" 2>/dev/null || true
  done
  if [[ -n $INOTIFY_OLD ]]; then
    echo "$INOTIFY_OLD" >/proc/sys/fs/inotify/max_user_instances 2>/dev/null || true
  fi
  if [[ ${KEEP:-0} == 1 ]]; then echo "kept $WORK"; else rm -rf "$WORK"; fi
}
trap cleanup EXIT

log() { printf '[%s] %s\n' "$(date +%T)" "$*" >&2; }

wait_port() { # port pid
  for _ in $(seq 1 100); do
    if (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; then return 0; fi
    kill -0 "$2" 2>/dev/null || { log "server on port $1 died"; return 1; }
    sleep 0.2
  done
  log "port $1 never opened"; return 1
}

if ! command -v dovecot >/dev/null; then
  log "installing Dovecot"
  apt-get update >/dev/null
  DEBIAN_FRONTEND=noninteractive apt-get install -y dovecot-imapd >/dev/null
fi

log "building into $WORK"
if [[ -n ${ROOST_BIN:-} ]]; then
  cp "$ROOST_BIN" "$WORK/roost"
else
  (cd "$ROOT" && go build -o "$WORK/roost" ./cmd/roost)
fi
(cd "$ROOT" && go build -o "$WORK/imapload" ./cmd/imapload && go build -o "$WORK/report" ./bench/report &&
  go build -o "$WORK/argon2hash" ./bench/argon2hash)

PASS="bench-$RANDOM$RANDOM"
log "creating $ACCOUNTS users in Roost"
for i in $(seq 0 $((ACCOUNTS - 1))); do
  printf '%s\n' "$PASS" | "$WORK/roost" user add "load$i" --password-stdin --data "$WORK/roost-data" >/dev/null
done
IDLE_ARGS=()
ROOST_HASH_ARGS=()
if [[ -n $IDLE_HASH_PARAMS ]]; then
  IFS=, read -r hm ht hp <<<"$IDLE_HASH_PARAMS"
  IDLE_HASH=$(printf '%s\n' "$PASS" | "$WORK/argon2hash" -m "${hm#m=}" -t "${ht#t=}" -p "${hp#p=}")
  log "creating the idle account with the hash parameters $IDLE_HASH_PARAMS"
  "$WORK/roost" user add idle --password-hash "$IDLE_HASH" --data "$WORK/roost-data" 2>/dev/null
  IDLE_ARGS=(-idle-user idle)
  ROOST_HASH_ARGS=(--password-hash-params "$IDLE_HASH_PARAMS")
fi

# Dovecot gets Roost's own argon2id hashes, so LOGIN costs the same work.
D="$WORK/dovecot"
mkdir -p "$D/run" "$D/state" "$D/log" "$D/home"
chown nobody:nogroup "$D/home"
if command -v sqlite3 >/dev/null; then
  sqlite3 -separator ':' "$WORK/roost-data/roost.db" "SELECT name, '{ARGON2ID}' || password_hash FROM users" >"$D/passwd"
else
  h=$(doveadm pw -s ARGON2ID -r 2 -p "$PASS")
  for i in $(seq 0 $((ACCOUNTS - 1))); do echo "load$i:$h"; done >"$D/passwd"
  if [[ -n $IDLE_HASH_PARAMS ]]; then echo "idle:{ARGON2ID}$IDLE_HASH" >>"$D/passwd"; fi
fi
chmod 644 "$D/passwd"
sed -e "s|@DIR@|$D|g" -e "s|@PORT@|$DOVECOT_PORT|g" -e "s|@CONNS@|$CONNS|g" \
  "$ROOT/bench/dovecot.conf.in" >"$D/dovecot.conf"

# Dovecot watches mailboxes with inotify, one instance per IDLE process;
# past the per-user limit (128 by default) it falls back to polling. Raise
# it for the run, as a Dovecot deployment with many IDLE clients would.
cur=$(cat /proc/sys/fs/inotify/max_user_instances 2>/dev/null || echo 0)
if ((cur < CONNS)) && echo "$CONNS" >/proc/sys/fs/inotify/max_user_instances 2>/dev/null; then
  INOTIFY_OLD=$cur
fi

ulimit -n $((CONNS * 2 + 1024)) 2>/dev/null || ulimit -n "$(ulimit -Hn)"
start_dovecot() {
  log "starting Dovecot on 127.0.0.1:$DOVECOT_PORT"
  dovecot -F -c "$D/dovecot.conf" >>"$D/log/stdout" 2>&1 &
  DOVECOT_PID=$!
}
start_dovecot
# Roost's per-address and per-account connection limits and its per-account
# IO rate (docs/CONFIG.md) would throttle the idle and mixed workloads, which
# open hundreds of connections from 127.0.0.1 to ten accounts; Dovecot's
# equivalents are raised in bench/dovecot.conf.in, so these go too. The
# password hash parameters: see IDLE_HASH_PARAMS above.
cat >"$WORK/roost.toml" <<TOML
[limits]
max_connections_per_ip   = 0
max_connections_per_user = 0
io_rate                  = 0
TOML
start_roost() {
  log "starting Roost on 127.0.0.1:$ROOST_PORT"
  "$WORK/roost" serve --config "$WORK/roost.toml" --data "$WORK/roost-data" --imap "127.0.0.1:$ROOST_PORT" --imaps "" --log-level warn \
    "${ROOST_HASH_ARGS[@]}" \
    >>"$WORK/roost.log" 2>&1 &
  ROOST_PID=$!
}
start_roost
wait_port "$DOVECOT_PORT" "$DOVECOT_PID"
wait_port "$ROOST_PORT" "$ROOST_PID"

# stop_server PID: SIGTERM, then SIGKILL after 10 s.
stop_server() {
  kill -TERM "$1" 2>/dev/null || return 0
  for _ in $(seq 1 100); do kill -0 "$1" 2>/dev/null || return 0; sleep 0.1; done
  kill -KILL "$1" 2>/dev/null || true
}

# The idle workload measures memory per connection from the server's RSS.
# Run after the others on the same process, it also saw the heap of the
# 100,000-message workloads being returned to the system (negative "per
# connection" values), so each server is restarted before it: both start
# idle from a fresh process, on the same data. The loginstorm workload is
# the login storm after a restart, so it gets a fresh process too (and
# Roost an empty credential cache).
restart_server() { # roost|dovecot
  if [[ $1 == roost ]]; then
    stop_server "$ROOST_PID"; start_roost; wait_port "$ROOST_PORT" "$ROOST_PID"
  else
    stop_server "$DOVECOT_PID"; start_dovecot; wait_port "$DOVECOT_PORT" "$DOVECOT_PID"
  fi
}
FIRST_PART=()
FRESH_PART=() # each on a freshly started server
IFS=, read -ra wl <<<"$WORKLOADS"
for w in "${wl[@]}"; do
  if [[ $w == idle || $w == loginstorm ]]; then FRESH_PART+=("$w"); else FIRST_PART+=("$w"); fi
done
FIRST=$(IFS=,; echo "${FIRST_PART[*]}")

ARGS=(-pass "$PASS" -users "$USERS" -user 'load%d'
  -append-clients "$APPEND_CLIENTS" -append-count "$APPEND_COUNT"
  -mixed-clients "$MIXED_CLIENTS" -mixed-sessions "$MIXED_SESSIONS" -mixed-box "$MIXED_BOX"
  -bigbox-count "$BIGBOX" -body-clients "$BODY_CLIENTS" -body-rounds "$BODY_ROUNDS"
  -idle-conns "$IDLE_N" -idle-deliveries "$IDLE_DELIVERIES" -idle-dialers "$IDLE_DIALERS"
  -idle-time "$IDLE_TIME" -idle-wait "$IDLE_WAIT" "${IDLE_ARGS[@]}"
  -storm-accounts "$STORM_N" -storm-clients "$STORM_CLIENTS" -storm-repeats "$STORM_REPEATS" -storm-time "$STORM_TIME")
if [[ -n $MESSAGES ]]; then ARGS+=(-messages "$MESSAGES"); fi
mkdir -p "$WORK/results"
run_round() { # roost|dovecot round
  local port=$ROOST_PORT tree=() out="$WORK/results/${PREFIX}$1-$2.json"
  if [[ $1 == dovecot ]]; then port=$DOVECOT_PORT tree=(-server-tree); fi
  log "round $2/$ROUNDS: $1"
  if [[ -n $FIRST ]]; then
    "$WORK/imapload" "${ARGS[@]}" -workloads "$FIRST" -addr "127.0.0.1:$port" -label "$1" \
      -server-pid "$(pid_of "$1")" "${tree[@]}" -json "$out" || log "$1 round $2 had errors"
  fi
  local w
  for w in "${FRESH_PART[@]}"; do
    restart_server "$1"
    "$WORK/imapload" "${ARGS[@]}" -workloads "$w" -addr "127.0.0.1:$port" -label "$1" \
      -server-pid "$(pid_of "$1")" "${tree[@]}" -json "$out" -json-append || log "$1 round $2 had errors"
  done
}
pid_of() { if [[ $1 == roost ]]; then echo "$ROOST_PID"; else echo "$DOVECOT_PID"; fi; }
for r in $(seq 1 "$ROUNDS"); do
  run_round roost "$r"
  run_round dovecot "$r"
done

{
  echo "Date: $(date -u '+%Y-%m-%d %H:%M UTC')"
  echo "CPU: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//')"
  echo "Memory: $(awk '/MemTotal/ {printf "%.1f GiB", $2/1048576}' /proc/meminfo)"
  echo "Kernel: $(uname -sr)"
  echo "Roost: $("$WORK/roost" version) at commit $(cd "$ROOT" && git rev-parse --short HEAD 2>/dev/null || echo unknown)$(cd "$ROOT" && git diff --quiet 2>/dev/null || echo ' + uncommitted changes')"
  echo "Dovecot: $(dovecot --version)"
  echo "Go: $(go version | cut -d' ' -f3-)"
  echo "Workloads: $WORKLOADS; idle account hash: ${IDLE_HASH_PARAMS:-none (load0)}"
  echo "Messages: ${MESSAGES:-the built-in generated set of imapload (seed 1, 200 messages)}"
  echo "Sizes: ROUNDS=$ROUNDS USERS=$USERS STORM_N=$STORM_N STORM_CLIENTS=$STORM_CLIENTS STORM_REPEATS=$STORM_REPEATS APPEND_CLIENTS=$APPEND_CLIENTS APPEND_COUNT=$APPEND_COUNT MIXED_CLIENTS=$MIXED_CLIENTS MIXED_SESSIONS=$MIXED_SESSIONS MIXED_BOX=$MIXED_BOX BIGBOX=$BIGBOX BODY_CLIENTS=$BODY_CLIENTS BODY_ROUNDS=$BODY_ROUNDS IDLE_N=$IDLE_N IDLE_DELIVERIES=$IDLE_DELIVERIES IDLE_DIALERS=$IDLE_DIALERS"
  echo "Run time: $(( ($(date +%s) - START + 30) / 60 )) min ($(( $(date +%s) - START )) s, setup and both servers included)"
} >"$WORK/results/${PREFIX}machine.txt"

# Raw JSON goes to bench/results (re-run bench/report without re-measuring);
# this set's files from an earlier run go first, other sets stay, and the
# report is made from all of them.
mkdir -p "$OUT/bench/results"
rm -f "$OUT/bench/results/${PREFIX}roost-"*.json "$OUT/bench/results/${PREFIX}dovecot-"*.json
cp "$WORK"/results/* "$OUT/bench/results/"
"$WORK/report" -results "$OUT/bench/results" -md "$OUT/BENCHMARKS.md" -svg "$OUT/bench/chart.svg" \
  -analysis "$ROOT/bench/analysis.md"
log "wrote $OUT/BENCHMARKS.md and $OUT/bench/chart.svg"
