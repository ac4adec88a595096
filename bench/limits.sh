#!/usr/bin/env bash
# bench/limits.sh PG_PORT DIR — what this machine's PostgreSQL can do at most, measured on the
# benchmark's own cluster (127.0.0.1:PG_PORT, database chatd, user postgres) in the same run as
# chatd's figures, so that those can be stated as ratios to it (issue 18):
#
#   fsync_us     pg_test_fsync: one 8 kB write + fdatasync, µs per operation, on DIR's disk
#                (DIR: a directory on the cluster's file system)
#   tx1          pgbench: single-row INSERT transactions/s, 16 clients
#   tx1_c1       the same with one client (one commit at a time: the fsync bound)
#   tx100        pgbench: 100-row INSERT transactions/s, 16 clients
#   rows100      tx100 × 100: rows/s committed in 100-row transactions
#
# Prints one line of KEY=VALUE fields (as chatd-bench does) on stdout; details go to stderr.
# LIMITS_SECONDS (default 5) is each pgbench run's length. The table it fills is dropped at the end.
set -euo pipefail

pg_port=$1
dir=$2
secs=${LIMITS_SECONDS:-5}
bin=/usr/lib/postgresql/15/bin
psql_=(psql -X -q -h 127.0.0.1 -p "$pg_port" -U postgres -d chatd -v ON_ERROR_STOP=1)

work=$(mktemp -d "$dir/limits.XXXXXX")
trap '"${psql_[@]}" -c "DROP TABLE IF EXISTS bench_limits" >/dev/null 2>&1 || true; rm -rf "$work"' EXIT

# One 8 kB write then fdatasync: the first section of pg_test_fsync, the one wal_sync_method uses.
"$bin/pg_test_fsync" -s 1 -f "$work/fsync.test" >"$work/fsync.out" 2>&1 || true
cat "$work/fsync.out" >&2
fsync_us=$(awk '/one 8kB write/ { s = 1 } s && $1 == "fdatasync" { print $(NF - 1); exit }' "$work/fsync.out")

"${psql_[@]}" -c "DROP TABLE IF EXISTS bench_limits;
    CREATE TABLE bench_limits (id bigserial PRIMARY KEY, at timestamptz NOT NULL DEFAULT now(), body text NOT NULL)"
echo "INSERT INTO bench_limits (body) VALUES (repeat('x', 64));" >"$work/one.sql"
echo "INSERT INTO bench_limits (body) SELECT repeat('x', 64) FROM generate_series(1, 100);" >"$work/hundred.sql"

# pgbench_tps CLIENTS SCRIPT: transactions/s of SCRIPT over `secs` seconds.
pgbench_tps() {
    "$bin/pgbench" -n -h 127.0.0.1 -p "$pg_port" -U postgres -c "$1" -j 2 -T "$secs" -f "$2" chatd \
        2>&1 | tee -a "$work/pgbench.out" | awk '/^tps = / { printf "%.0f", $3; exit }'
}
tx1=$(pgbench_tps 16 "$work/one.sql")
tx1_c1=$(pgbench_tps 1 "$work/one.sql")
tx100=$(pgbench_tps 16 "$work/hundred.sql")
cat "$work/pgbench.out" >&2

echo "fsync_us=${fsync_us:-?} tx1=${tx1:-0} tx1_c1=${tx1_c1:-0} tx100=${tx100:-0} rows100=$((${tx100:-0} * 100))"
