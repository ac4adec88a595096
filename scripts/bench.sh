#!/usr/bin/env bash
# `make bench`: benchmarks build/chatd against a fresh PostgreSQL cluster on this machine.
#
#   scripts/bench.sh          the standard run: 200 WebSocket clients in pairs, 8 messages in
#                             flight each, 10 s measured; prints one summary line
#   scripts/bench.sh full     maximum throughput, p99 latency at half of it, chatd memory per idle
#                             connection (10,000 of them) and REST sendmsg throughput
#
# Everything runs on 127.0.0.1 in a temporary directory that is removed at the end (kept, and
# named, when something failed or BENCH_KEEP=1). PostgreSQL keeps its default durability (fsync
# and synchronous_commit on): the conditions DESIGN.md states its targets for. The load generator
# is bench/chatd-bench (`make -C bench`; `bench/chatd-bench --help`).
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$(pwd)

mode=${1:-standard}
case $mode in
standard | full) ;;
*)
    echo "usage: $0 [full]" >&2
    exit 2
    ;;
esac

TARGET_MSGS=10000     # persisted and delivered one-to-one messages/s (DESIGN.md)
TARGET_P99_MS=50      # send→deliver p99 at half the maximum rate
TARGET_KB_PER_CONN=15 # chatd memory per idle connection
IDLE_CONNS=${BENCH_IDLE_CONNS:-10000}

make -s -C bench >/dev/null
[ -x build/chatd ] || {
    echo "bench.sh: build/chatd is missing; run make" >&2
    exit 1
}

tmp=$(mktemp -d /tmp/chatd-bench.XXXXXX)
chmod 755 "$tmp" # PostgreSQL runs as the postgres user when we are root
log=$tmp/bench.log
pg_dir=$tmp/pg
chatd_pid=
idle_pid=
keep=${BENCH_KEEP:-}

stop_chatd() {
    [ -n "$chatd_pid" ] || return 0
    kill -TERM "$chatd_pid" 2>/dev/null || true
    for _ in $(seq 100); do
        kill -0 "$chatd_pid" 2>/dev/null || break
        sleep 0.1
    done
    kill -KILL "$chatd_pid" 2>/dev/null || true
    wait "$chatd_pid" 2>/dev/null || true
    chatd_pid=
}

cleanup() {
    set +e
    [ -z "$idle_pid" ] || kill -TERM "$idle_pid" 2>/dev/null
    stop_chatd
    scripts/pg.sh stop "$pg_dir" >>"$log" 2>&1
    if [ -n "$keep" ]; then
        echo "bench.sh: logs and data kept in $tmp" >&2
    else
        rm -rf "$(realpath "$pg_dir")" "$tmp"
    fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

fail() {
    echo "bench.sh: $*" >&2
    for f in "$log" "$tmp/chatd.log"; do
        [ -s "$f" ] && { echo "--- last lines of $f" >&2; tail -n 15 "$f" >&2; }
    done
    keep=1
    exit 1
}

free_port() {
    /usr/bin/python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

pg_port=$(free_port)
scripts/pg.sh start "$pg_dir" "$pg_port" >>"$log" 2>&1 || fail "PostgreSQL did not start"
postmaster=$(head -n 1 "$(realpath "$pg_dir")/data/postmaster.pid")
pgq() { psql -X -q -h 127.0.0.1 -p "$pg_port" -U postgres -d chatd -Atc "$1"; }

port=$(free_port)
cat >"$tmp/chatd.conf" <<CONF
listen = 127.0.0.1:$port
database_url = postgresql://postgres@127.0.0.1:$pg_port/chatd
db_pool_size = 4
sdkappid = 1400000000
secret_key = 5bd2850fff3ecb11d7c805251c51ee463a25727bddc2385f3fa8bfee1bb93b5e
admin_identifier = administrator
log_level = warn
schema_dir = $repo/schema
login_timeout_ms = 600000
heartbeat_timeout_s = 600
ws_max_frame_bytes = 65536
ws_max_output_bytes = 268435456
CONF

start_chatd() {
    (
        ulimit -n "$(ulimit -Hn)"
        exec build/chatd -c "$tmp/chatd.conf"
    ) >>"$tmp/chatd.log" 2>&1 &
    chatd_pid=$!
    for _ in $(seq 300); do
        curl -sf "http://127.0.0.1:$port/healthz" >/dev/null 2>&1 && return 0
        kill -0 "$chatd_pid" 2>/dev/null || fail "chatd exited at start-up"
        sleep 0.1
    done
    fail "chatd did not answer /healthz within 30 s"
}

# bench LIMIT_S ARGS…: runs chatd-bench against chatd, stdout (the summary line) to stdout.
bench() {
    local limit=$1
    shift
    timeout -k 5 "$limit" bench/chatd-bench --port "$port" --cpu "chatd=$chatd_pid" \
        --cpu "pg=$postmaster" "$@" 2>>"$log"
}

# field LINE KEY: the value of KEY=value in a summary line.
field() {
    awk -v k="$2=" '{ for (i = 1; i <= NF; i++) if (index($i, k) == 1) { print substr($i, length(k) + 1); exit } }' <<<"$1"
}

# PostgreSQL counters read exactly, at once: transaction IDs assigned and WAL bytes written.
pg_snapshot() {
    pgq "SELECT pg_snapshot_xmax(pg_current_snapshot())::text::bigint,
                pg_current_wal_lsn() - '0/0'::pg_lsn"
}

# ws_run LABEL ARGS…: one WebSocket run; sets $line (raw), $summary, $persisted, $run_status.
ws_run() {
    local label=$1
    shift
    local before after rc=0
    before=$(pg_snapshot)
    line=$(bench 600 "$@") || rc=$?
    after=$(pg_snapshot)
    [ -n "$line" ] || fail "$label: chatd-bench printed no summary (status $rc)"
    echo "$line" >>"$log"
    local acked xacts wal
    acked=$(field "$line" total_acked)
    xacts=$((${after%|*} - ${before%|*}))
    wal=$((${after#*|} - ${before#*|}))
    pg_per_msg=$(awk -v a="$acked" -v x="$xacts" -v w="$wal" \
        'BEGIN { if (a > 0) printf "%.2f msgs per write transaction, %.0f WAL bytes per msg", a / (x > 0 ? x : 1), w / a }')
    persisted=$(awk -v a="$(field "$line" acked/s)" -v d="$(field "$line" delivered/s)" \
        'BEGIN { printf "%.0f", a < d ? a : d }')
    summary="$persisted msgs/s persisted+delivered"
    summary+=" | acked $(field "$line" acked/s)/s, lost $(field "$line" lost),"
    summary+=" dup $(field "$line" dup), errors $(field "$line" errors),"
    summary+=" unanswered $(field "$line" unanswered)"
    summary+=" | send→deliver p50 $(field "$line" p50_ms) ms, p99 $(field "$line" p99_ms) ms,"
    summary+=" max $(field "$line" max_ms) ms; ack p99 $(field "$line" ack_p99_ms) ms"
    summary+=" | CPU chatd $(field "$line" cpu_chatd), PostgreSQL $(field "$line" cpu_pg),"
    summary+=" bench $(field "$line" cpu_bench) | $pg_per_msg"
    run_status=$rc
}

met() { awk -v v="$1" -v t="$2" -v op="$3" \
    'BEGIN { ok = op == ">=" ? v >= t : op == "<" ? v < t : v <= t; print ok ? "met" : "MISSED" }'; }

start_chatd

if [ "$mode" = standard ]; then
    ws_run standard --users-prefix std_ --conns 200 --window 8 --warmup 2 --duration 10
    echo "chatd bench: $summary | target ≥ $TARGET_MSGS msgs/s: $(met "$persisted" $TARGET_MSGS ">=") | 200 conns × window 8, 10 s"
    [ "$run_status" -eq 0 ] || fail "the run was not clean (status $run_status): $line"
    exit 0
fi

echo "chatd bench full: $(build/chatd --version | head -n 1), tree $(git rev-parse --short HEAD 2>/dev/null || echo ?)$([ -z "$(git status --porcelain -- server schema 2>/dev/null)" ] || echo +local-changes)"
echo "machine: $(nproc) cores, $(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1), chatd on 127.0.0.1:$port, PostgreSQL $(pgq 'SHOW server_version') on 127.0.0.1:$pg_port (fsync $(pgq 'SHOW fsync'), synchronous_commit $(pgq 'SHOW synchronous_commit'))"
status=0

# 1. Memory per idle connection, on a chatd that has done nothing but import the accounts.
bench 120 --import-only --users-prefix idle_ --conns "$IDLE_CONNS" >/dev/null ||
    fail "importing $IDLE_CONNS accounts failed"
sleep 1
rss_before=$(awk '/^VmRSS/ { print $2 }' "/proc/$chatd_pid/status")
# Not through bench(): $! must be the process to signal, not a subshell.
timeout -k 5 900 bench/chatd-bench --port "$port" --idle --no-import --users-prefix idle_ \
    --conns "$IDLE_CONNS" --duration 600 >"$tmp/idle.out" 2>>"$log" &
idle_pid=$!
for _ in $(seq 1800); do
    grep -q '^idle ' "$tmp/idle.out" && break
    kill -0 "$idle_pid" 2>/dev/null || break
    sleep 0.1
done
grep -q '^idle ' "$tmp/idle.out" || fail "the idle connections did not all log in"
sleep 2
rss_after=$(awk '/^VmRSS/ { print $2 }' "/proc/$chatd_pid/status")
sessions=$(curl -sf "http://127.0.0.1:$port/metrics" | sed -n 's/^chatd_ws_sessions //p')
kill -TERM "$idle_pid" 2>/dev/null || true
wait "$idle_pid" || true
idle_pid=
kb=$(awk -v a="$rss_after" -v b="$rss_before" -v n="$IDLE_CONNS" 'BEGIN { printf "%.1f", (a - b) / n }')
echo "idle:  $kb KB of chatd RSS per idle connection (RSS $rss_before → $rss_after KB for $IDLE_CONNS logged-in connections, chatd_ws_sessions ${sessions:-?}) | target ≤ $TARGET_KB_PER_CONN KB: $(met "$kb" $TARGET_KB_PER_CONN "<=")"

# 2. Maximum throughput: as fast as windows of in-flight messages allow; the best of a few shapes.
best=0
best_shape=
for shape in "200 1" "200 2" "200 4" "200 8" "200 32" "1000 8"; do
    read -r conns window <<<"$shape"
    ws_run max --users-prefix "max${conns}x${window}_" --conns "$conns" --window "$window" \
        --warmup 3 --duration 10 --drain 30
    [ "$run_status" -eq 0 ] || status=1
    echo "max:   $summary | $conns conns × window $window, 10 s"
    if [ "$persisted" -gt "$best" ]; then
        best=$persisted
        best_shape="$conns conns × window $window"
    fi
done
echo "max:   best $best msgs/s persisted+delivered ($best_shape) | target ≥ $TARGET_MSGS msgs/s: $(met "$best" $TARGET_MSGS ">=")"

# 3. Latency at half the maximum rate, spread evenly over 200 connections.
half=$((best / 2))
[ "$half" -gt 0 ] || half=100
ws_run rate --users-prefix rate_ --conns 200 --rate "$half" --warmup 3 --duration 20 --drain 30
[ "$run_status" -eq 0 ] || status=1
echo "rate:  $summary | 200 conns at $half msgs/s (half the maximum), 20 s | target p99 < $TARGET_P99_MS ms: $(met "$(field "$line" p99_ms)" $TARGET_P99_MS "<")"

# 4. REST sendmsg: 64 keep-alive connections, one request in flight each.
line=$(bench 300 --rest --users-prefix rest_ --conns 64 --users 128 --warmup 2 --duration 10 \
    --drain 30) ||
    status=1
echo "$line" >>"$log"
echo "rest:  $(field "$line" acked/s) sendmsg/s acknowledged | errors $(field "$line" errors), unanswered $(field "$line" unanswered) | latency p50 $(field "$line" p50_ms) ms, p99 $(field "$line" p99_ms) ms, max $(field "$line" max_ms) ms | CPU chatd $(field "$line" cpu_chatd), PostgreSQL $(field "$line" cpu_pg), bench $(field "$line" cpu_bench) | 64 connections, 10 s"

[ "$status" -eq 0 ] || fail "a run was not clean; the raw summary lines are in $log"
