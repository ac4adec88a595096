#!/usr/bin/env bash
# `make run` after the build: a private PostgreSQL under ./var/pg (see scripts/pg.sh), an admin
# UserSig with ready-to-paste curl lines, then build/chatd in the foreground. Ctrl-C or SIGTERM
# stops chatd, then the cluster. Settings come from config/chatd.conf and CHATD_* variables.
set -euo pipefail
cd "$(dirname "$0")/.."
trap 'exit 130' INT TERM # until chatd runs: exit, and so run the EXIT trap that stops the cluster

conf_file=config/chatd.conf
pg_dir=var/pg

# conf KEY DEFAULT: $CHATD_<KEY> if set, else the key's value in the config file, else DEFAULT.
conf() {
    local env="CHATD_${1^^}" value
    value=${!env:-$(sed -n "s/^[[:space:]]*$1[[:space:]]*=[[:space:]]*//p" "$conf_file" |
        tail -n 1 | sed 's/[[:space:]]*$//')}
    printf '%s\n' "${value:-$2}"
}

sdkappid=$(conf sdkappid "")
admin=$(conf admin_identifier administrator | cut -d, -f1 | tr -d '[:space:]')
listen=$(conf listen 127.0.0.1:8080)
database_url=$(conf database_url "")
base="http://${listen/#0.0.0.0:/127.0.0.1:}"

# The private cluster serves a database_url on this machine's loopback; any other is left alone.
pg_port=$(sed -nE 's#^postgres(ql)?://([^/@]*@)?(127\.0\.0\.1|localhost):([0-9]+)/.*#\4#p' \
    <<<"$database_url")
if [ -n "$pg_port" ]; then
    trap 'scripts/pg.sh stop "$pg_dir"' EXIT
    scripts/pg.sh start "$pg_dir" "$pg_port"
else
    echo "run.sh: database_url is not on 127.0.0.1 with a port; not starting a private cluster"
fi

sig=$(build/chatd -c "$conf_file" usersig "$admin")
api="$base/v4/im_open_login_svc"
query="sdkappid=$sdkappid&identifier=$admin&usersig=\$SIG&contenttype=json"
cat <<EOF

Admin UserSig for "$admin" (app $sdkappid). Paste these lines in another shell to try chatd:

SIG='$sig'
curl -s -X POST "$api/account_import?$query&random=1" -d '{"UserID":"alice","Nick":"Alice"}'
curl -s -X POST "$api/account_check?$query&random=2" -d '{"CheckItem":[{"UserID":"alice"}]}'

Web console: $base/console (SDKAppID $sdkappid, identifier $admin, the UserSig above)

EOF

build/chatd -c "$conf_file" &
chatd_pid=$!
trap 'kill -TERM "$chatd_pid" 2>/dev/null || true' INT TERM
# A trapped signal ends `wait` early: wait again until chatd is gone, then fetch its status.
while kill -0 "$chatd_pid" 2>/dev/null; do wait "$chatd_pid" || true; done
status=0
wait "$chatd_pid" || status=$?
echo "run.sh: chatd exited with status $status"
exit "$status"
