#!/usr/bin/env bash
# Makes sure every Debian package chatd needs to build, run and test is installed.
# As root it installs what is missing; otherwise it prints the command to run and fails.
# Run by `make deps`, `make run` and `make test`; a no-op (one dpkg-query) when all are present.
set -euo pipefail

build="gcc libc6-dev make pkg-config libevent-dev libjansson-dev libjwt-dev libwslay-dev
       libpq-dev libssl-dev zlib1g-dev libhiredis-dev libnghttp2-dev"
# postgresql-contrib: pg_trgm, which message search indexes with (schema/016_search.sql). On
# Debian 12 the server package ships it and the metapackage pulls nothing more.
server="postgresql-15 postgresql-contrib"
# Several nodes (bus_url): Redis is the bus between them; the e2e cluster tests (and bench.sh
# cluster) start private ones on free ports. chatd with bus_url empty (make run) never starts or
# needs Redis. (On a machine with systemd, Debian's package also enables a system Redis on port
# 6379; chatd uses it only if bus_url names it.)
bus="redis-server"
# python3-jwt, python3-cryptography and python3-h2: the fake push providers (FCM's token
# exchange, APNs over HTTP/2) of tests/e2e/test_push.py.
tests="python3-pytest python3-requests python3-websockets python3-websocket python3-psycopg2 openssl
       python3-jwt python3-cryptography python3-h2"
tools="clang-format valgrind"  # valgrind: make test-valgrind
# libFuzzer and the sanitizers' runtime for the fuzz harnesses (fuzz/, make fuzz-short).
fuzz="clang libclang-rt-14-dev"
# The clients' browser tests drive Debian's Chromium (never a downloaded browser).
browser="chromium"

# Packages whose status is "ii" (installed). dpkg-query fails when it knows a name not at all.
installed=$({ dpkg-query -W -f='${db:Status-Abbrev} ${Package}\n' $build $server postgresql \
    $bus $tests $tools $fuzz $browser 2>/dev/null || true; } | awk '$1 == "ii" { print $2 }')

missing=()
# Node.js and npm for the clients (clients/): Debian's, unless the machine has a node already.
command -v node >/dev/null || missing+=(nodejs npm)
for pkg in $build $server $bus $tests $tools $fuzz $browser; do
    grep -qx "$pkg" <<<"$installed" && continue
    # The `postgresql` metapackage is as good as the versioned server it depends on.
    [ "$pkg" = postgresql-15 ] && grep -qx postgresql <<<"$installed" && continue
    missing+=("$pkg")
done
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
    echo "deps.sh: missing packages: ${missing[*]}" >&2
    echo "Install them with:" >&2
    echo "  sudo apt-get install -y --no-install-recommends ${missing[*]}" >&2
    exit 1
fi

echo "deps.sh: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -q
apt-get install -y -q --no-install-recommends "${missing[@]}"
