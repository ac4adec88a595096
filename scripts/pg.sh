#!/usr/bin/env bash
# A private PostgreSQL 15 cluster for `make run`; its data is kept across runs.
#
#   scripts/pg.sh start DIR PORT   create the cluster on first use, start it on 127.0.0.1:PORT,
#                                  create the database `chatd` if missing
#   scripts/pg.sh stop DIR         stop it (fast shutdown); nothing happens if it is not running
#
# DIR holds data/ (PGDATA), postgres.log and the server's Unix socket. Authentication is trust,
# and the server listens on 127.0.0.1 and on a socket that only its owner can reach.
#
# PostgreSQL refuses to run as root, so as root the server runs as the `postgres` user, which must
# be able to reach DIR. When it can't (a repository under /root, say), the cluster lives in
# /var/tmp/chatd-pg-<hash of DIR's absolute path> and DIR is a symbolic link to it.
set -euo pipefail

usage() {
    echo "usage: $0 start DIR PORT | stop DIR" >&2
    exit 2
}

[ $# -ge 2 ] || usage
cmd=$1
dir=$(realpath -ms "$2") # absolute; a symbolic link stays one
port=${3:-}

bindir=${PG_BINDIR:-/usr/lib/postgresql/15/bin}
[ -x "$bindir/pg_ctl" ] || bindir=$(dirname "$(command -v pg_ctl || echo /pg_ctl/not/found)")
if [ ! -x "$bindir/pg_ctl" ]; then
    echo "pg.sh: PostgreSQL binaries not found; run scripts/deps.sh" >&2
    exit 1
fi

if [ "$(id -u)" -eq 0 ]; then
    as_pg() { (cd / && runuser -u postgres -- "$@"); }
else
    as_pg() { "$@"; }
fi

# Sets $home, the real directory of the cluster; with `create`, makes it (and the link).
locate() {
    local parent=$dir
    while [ ! -e "$parent" ]; do parent=$(dirname "$parent"); done
    if [ -L "$dir" ] || [ "$(id -u)" -ne 0 ] || as_pg test -x "$parent"; then
        home=$(realpath -m "$dir")
    else
        home=/var/tmp/chatd-pg-$(printf '%s' "$dir" | sha256sum | cut -c1-12)
        if [ "$1" = create ]; then
            rmdir "$dir" 2>/dev/null || true
            [ ! -e "$dir" ] || { echo "pg.sh: user postgres cannot reach $dir" >&2; exit 1; }
            mkdir -p "$(dirname "$dir")"
            ln -s "$home" "$dir"
            echo "pg.sh: user postgres cannot reach $parent: cluster in $home, linked from $dir"
        fi
    fi
    if [ "$1" = create ]; then
        mkdir -p -m 700 "$home"
        if [ "$(id -u)" -eq 0 ] && [ -z "$(ls -A "$home")" ]; then
            chown postgres:postgres "$home"
        fi
    fi
}

running() {
    [ -f "$home/data/PG_VERSION" ] && as_pg "$bindir/pg_ctl" -D "$home/data" status >/dev/null 2>&1
}

start() {
    [[ "$port" =~ ^[0-9]+$ ]] || usage
    locate create
    if [ ! -f "$home/data/PG_VERSION" ]; then
        echo "pg.sh: creating a PostgreSQL cluster in $home/data"
        as_pg "$bindir/initdb" -D "$home/data" -U postgres -A trust -E UTF8 --locale=C \
            --no-instructions >"$home/initdb.log" 2>&1 ||
            { cat "$home/initdb.log" >&2; exit 1; }
        as_pg sh -c 'cat >"$1"' sh "$home/data/pg_hba.conf" <<'HBA'
# chatd's private cluster: trust, loopback and the owner-only socket directory only.
local all all               trust
host  all all 127.0.0.1/32  trust
HBA
        echo "include_if_exists = 'chatd-local.conf'" | as_pg sh -c 'cat >>"$1"' sh \
            "$home/data/postgresql.conf"
    fi
    # Rewritten at every start, so a new PORT or a moved directory takes effect. A socket path
    # must fit in 107 bytes; past that the server gets no socket (clients use TCP anyway).
    local sockdir=$home
    [ ${#sockdir} -le 90 ] || sockdir=
    as_pg sh -c 'cat >"$1"' sh "$home/data/chatd-local.conf" <<CONF
# Written by scripts/pg.sh at every start.
listen_addresses = '127.0.0.1'
port = $port
unix_socket_directories = '$sockdir'
CONF
    if ! running; then
        as_pg "$bindir/pg_ctl" -D "$home/data" -l "$home/postgres.log" -w -t 60 start >/dev/null ||
            { tail -n 20 "$home/postgres.log" >&2; exit 1; }
    fi
    local psql=("$bindir/psql" -X -q -h 127.0.0.1 -p "$port" -U postgres -d postgres)
    if [ -z "$(as_pg "${psql[@]}" -Atc "SELECT 1 FROM pg_database WHERE datname = 'chatd'")" ]; then
        as_pg "${psql[@]}" -c "CREATE DATABASE chatd"
    fi
    echo "pg.sh: PostgreSQL running on 127.0.0.1:$port, data in $home/data"
}

stop() {
    locate find
    if running; then
        as_pg "$bindir/pg_ctl" -D "$home/data" -m fast -w stop >/dev/null
        echo "pg.sh: PostgreSQL stopped"
    fi
}

case $cmd in
start) start ;;
stop) stop ;;
*) usage ;;
esac
