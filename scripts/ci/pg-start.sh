#!/usr/bin/env bash
# Start a throwaway PostgreSQL cluster for the test suite.
#
#   scripts/ci/pg-start.sh DIR
#
# Creates the cluster in DIR (which must not exist yet), listens on 127.0.0.1 on a free port,
# and writes the server's SQLAlchemy URL to DIR/url. Runs the server as an unprivileged user
# (root cannot run postgres): the current user when not root, else the account
# "clinicbill-pg", created when absent. When the PostgreSQL binaries are missing and CI=true
# (or CLINICBILL_PG_INSTALL=1) and we are root, installs Debian's `postgresql` package.
#
# Exit codes: 0 started; 3 no server can be had here (the reason is printed); other: failure.
set -euo pipefail
export PATH="$PATH:/usr/sbin:/sbin"  # runuser, useradd

dir=${1:?usage: pg-start.sh DIR}
pg_user=clinicbill-pg

find_bindir() {
    local candidate
    for candidate in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V -r); do
        if [[ -x $candidate/initdb && -x $candidate/pg_ctl ]]; then
            echo "$candidate"
            return 0
        fi
    done
    if command -v pg_config >/dev/null 2>&1; then
        candidate=$(pg_config --bindir)
        if [[ -x $candidate/initdb && -x $candidate/pg_ctl ]]; then
            echo "$candidate"
            return 0
        fi
    fi
    if command -v initdb >/dev/null 2>&1 && command -v pg_ctl >/dev/null 2>&1; then
        dirname "$(readlink -f "$(command -v initdb)")"
        return 0
    fi
    return 1
}

bindir=$(find_bindir || true)
if [[ -z $bindir ]]; then
    if [[ ${CI:-} == true || ${CLINICBILL_PG_INSTALL:-} == 1 ]] && [[ $(id -u) == 0 ]] \
        && command -v apt-get >/dev/null 2>&1; then
        echo "pg-start: PostgreSQL not found; installing Debian's postgresql package" >&2
        export DEBIAN_FRONTEND=noninteractive
        apt-get update -q >&2
        apt-get install -y -q --no-install-recommends postgresql >&2
        bindir=$(find_bindir || true)
    fi
fi
if [[ -z $bindir ]]; then
    echo "pg-start: no PostgreSQL server binaries (initdb, pg_ctl) on this machine" >&2
    exit 3
fi

if [[ $(id -u) == 0 ]]; then
    if ! id -u "$pg_user" >/dev/null 2>&1; then
        useradd --system --no-create-home --shell /usr/sbin/nologin "$pg_user"
    fi
    as_pg() { runuser -u "$pg_user" -- "$@"; }
else
    as_pg() { "$@"; }
fi

mkdir -p "$dir"
if [[ $(id -u) == 0 ]]; then
    chown "$pg_user" "$dir"
fi
chmod 700 "$dir"

port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')

as_pg "$bindir/initdb" -D "$dir/data" -U clinicbill --auth=trust -E UTF8 --no-locale \
    >"$dir/initdb.log" 2>&1 || { cat "$dir/initdb.log" >&2; exit 1; }

# A throwaway cluster: durability settings off for speed (the tests kill clients, not the
# server), enough connections for two pytest workers plus concurrent CLI processes.
cat >>"$dir/data/postgresql.conf" <<CONF
listen_addresses = '127.0.0.1'
port = $port
unix_socket_directories = '$dir'
max_connections = 300
fsync = off
synchronous_commit = off
full_page_writes = off
CONF

as_pg "$bindir/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 start >/dev/null \
    || { cat "$dir/server.log" >&2; exit 1; }

echo "$bindir" >"$dir/bindir"
echo "postgresql+psycopg://clinicbill@127.0.0.1:$port/postgres" >"$dir/url"
echo "pg-start: PostgreSQL $("$bindir/pg_ctl" --version | awk '{print $3}') on 127.0.0.1:$port" >&2
