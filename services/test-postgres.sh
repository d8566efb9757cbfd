#!/usr/bin/env bash
# Starts or stops a throwaway PostgreSQL server for the integration and end-to-end tests.
#
#   services/test-postgres.sh start [PORT]   # default port 55432
#   services/test-postgres.sh stop  [PORT]
#
# `start` wipes any data directory left from an earlier run, initialises a new one, starts the
# server on 127.0.0.1:PORT and prints the URL the tests read, e.g.
#   TEST_DATABASE_URL=postgres://postgres@127.0.0.1:55432/postgres
# so `eval "$(services/test-postgres.sh start)"` exports it.
#
# The server binaries come from PG_BINDIR, else the newest /usr/lib/postgresql/*/bin (Debian's
# `postgresql` package), else `pg_config --bindir`. PostgreSQL refuses to run as root, so as root
# the server runs as the `postgres` user that Debian's package creates.
set -euo pipefail

action="${1:-}"
port="${2:-55432}"
if [[ "$action" != "start" && "$action" != "stop" ]] || ! [[ "$port" =~ ^[0-9]+$ ]]; then
  echo "usage: $0 start|stop [PORT]" >&2
  exit 2
fi

bindir="${PG_BINDIR:-}"
if [[ -z "$bindir" ]]; then
  bindir="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)"
fi
if [[ -z "$bindir" ]] && command -v pg_config >/dev/null; then
  bindir="$(pg_config --bindir)"
fi
if [[ -z "$bindir" || ! -x "$bindir/pg_ctl" ]]; then
  echo "test-postgres: no PostgreSQL server binaries found (apt-get install -y postgresql, or set PG_BINDIR)" >&2
  exit 1
fi

datadir="${TMPDIR:-/tmp}/platform-test-pg-$port"

as_owner() {
  if [[ "$(id -u)" == "0" ]]; then
    runuser -u postgres -- "$@"
  else
    "$@"
  fi
}

stop_server() {
  if [[ -f "$datadir/postmaster.pid" ]]; then
    as_owner "$bindir/pg_ctl" -D "$datadir" -m immediate -w stop >/dev/null 2>&1 || true
  fi
  rm -rf "$datadir"
}

if [[ "$action" == "stop" ]]; then
  stop_server
  exit 0
fi

stop_server
mkdir -p "$datadir"
if [[ "$(id -u)" == "0" ]]; then
  chown postgres: "$datadir"
fi
as_owner "$bindir/initdb" -D "$datadir" -U postgres --auth=trust --encoding=UTF8 --no-sync >/dev/null
# Durability is pointless for a throwaway server and fsync dominates test time on slow disks.
# The socket lives in the data directory so no system directory needs to be writable.
as_owner "$bindir/pg_ctl" -D "$datadir" -l "$datadir/server.log" -w -t 30 \
  -o "-p $port -c listen_addresses=127.0.0.1 -k $datadir -c max_connections=300 -c fsync=off -c synchronous_commit=off -c full_page_writes=off" \
  start >/dev/null || {
  cat "$datadir/server.log" >&2
  exit 1
}
echo "TEST_DATABASE_URL=postgres://postgres@127.0.0.1:$port/postgres"
