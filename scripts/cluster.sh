#!/usr/bin/env bash
# `make run-cluster`: several nodes without Docker (docs/operations.md, "Several nodes"): the
# private PostgreSQL of `make run` (./var/pg), a redis-server without persistence on
# 127.0.0.1:$REDIS_PORT (default 6390, its files in ./var/redis), and $NODES chatd nodes
# (default 3) on 127.0.0.1:8091, 8092, … named node1, node2, …, all with config/chatd.conf and
# the same database and bus. Ctrl-C or SIGTERM drains every node, then stops Redis and the
# cluster. Logs: var/node<N>.log and var/redis/redis.log.
set -euo pipefail
cd "$(dirname "$0")/.."
trap 'exit 130' INT TERM

conf_file=config/chatd.conf
nodes=${NODES:-3}
redis_port=${REDIS_PORT:-6390}
first_port=${FIRST_PORT:-8091}
database_url=$(sed -n 's/^[[:space:]]*database_url[[:space:]]*=[[:space:]]*//p' "$conf_file" |
    tail -n 1 | sed 's/[[:space:]]*$//')
database_url=${CHATD_DATABASE_URL:-$database_url}
pg_port=$(sed -nE 's#^postgres(ql)?://([^/@]*@)?(127\.0\.0\.1|localhost):([0-9]+)/.*#\4#p' \
    <<<"$database_url")

pids=()
redis_pid=
stop_all() {
    set +e
    for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null; done
    for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null; done
    [ -z "$redis_pid" ] || { kill -TERM "$redis_pid" 2>/dev/null; wait "$redis_pid" 2>/dev/null; }
    [ -z "$pg_port" ] || scripts/pg.sh stop var/pg
}
trap stop_all EXIT

[ -z "$pg_port" ] || scripts/pg.sh start var/pg "$pg_port"
mkdir -p var/redis
redis-server --port "$redis_port" --bind 127.0.0.1 --save '' --appendonly no --dir var/redis \
    --logfile "$(pwd)/var/redis/redis.log" &
redis_pid=$!
for _ in $(seq 100); do
    [ "$(redis-cli -p "$redis_port" ping 2>/dev/null)" = PONG ] && break
    sleep 0.1
done

for i in $(seq "$nodes"); do
    port=$((first_port + i - 1))
    CHATD_LISTEN=127.0.0.1:$port CHATD_BUS_URL=redis://127.0.0.1:$redis_port \
        CHATD_NODE_ID=node$i build/chatd -c "$conf_file" >>"var/node$i.log" 2>&1 &
    pids+=($!)
    echo "cluster.sh: node$i on http://127.0.0.1:$port (log var/node$i.log)"
done
for i in $(seq "$nodes"); do
    port=$((first_port + i - 1))
    for _ in $(seq 300); do
        curl -sf "http://127.0.0.1:$port/readyz" 2>/dev/null | grep -q '"bus":"up"' && break
        sleep 0.1
    done
    echo "cluster.sh: node$i $(curl -s "http://127.0.0.1:$port/readyz")"
done
echo "cluster.sh: Redis on 127.0.0.1:$redis_port; Ctrl-C stops everything"
trap 'exit 0' INT TERM
wait -n "${pids[@]}" || true
echo "cluster.sh: a node exited; stopping the others"
