#!/usr/bin/env bash
# A private PostgreSQL server for the load harness's baseline 3, on loopback, in a directory of its own:
#   bench/postgres.sh start DIR PORT    initdb into DIR/data (user "ledger", trust auth on loopback), start, wait
#   bench/postgres.sh stop DIR          stop it (fast shutdown)
# Exits non-zero with a message when PostgreSQL is not installed or will not start; the harness then says so and
# goes on without the baseline. As root, the server runs as the "postgres" user (initdb refuses root).
set -euo pipefail
cmd="${1:-}"
dir="${2:-}"
port="${3:-54329}"
if [ -z "$cmd" ] || [ -z "$dir" ]; then
  echo "usage: bench/postgres.sh start|stop DIR [PORT]" >&2
  exit 2
fi
postgres_bin="$(command -v postgres || true)"
for candidate in "$postgres_bin" /usr/lib/postgresql/*/bin/postgres; do
  if [ -n "$candidate" ] && [ -x "$candidate" ]; then
    bin="$(dirname "$(readlink -f "$candidate")")"
    break
  fi
done
if [ -z "${bin:-}" ] || [ ! -x "$bin/initdb" ] || [ ! -x "$bin/pg_ctl" ]; then
  echo "postgres.sh: PostgreSQL server programs (postgres, initdb, pg_ctl) not found" >&2
  exit 1
fi
run=()
if [ "$(id -u)" = 0 ]; then
  if ! id postgres >/dev/null 2>&1; then
    echo "postgres.sh: running as root and there is no 'postgres' user to run the server as" >&2
    exit 1
  fi
  run=(runuser -u postgres --)
fi
case "$cmd" in
  start)
    mkdir -p "$dir"
    if [ "$(id -u)" = 0 ]; then chown postgres "$dir"; fi
    if [ ! -d "$dir/data" ]; then
      "${run[@]}" "$bin/initdb" -D "$dir/data" -U ledger --auth=trust -E UTF8 >"$dir/initdb.log" 2>&1 || {
        echo "postgres.sh: initdb failed; see $dir/initdb.log" >&2; exit 1; }
    fi
    "${run[@]}" "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
      -o "-p $port -c listen_addresses=127.0.0.1 -k $dir" start >/dev/null || {
        echo "postgres.sh: the server did not start; see $dir/server.log" >&2; exit 1; }
    echo "postgres.sh: PostgreSQL $("$bin/postgres" --version | awk '{print $3}') on 127.0.0.1:$port, data in $dir/data"
    ;;
  stop)
    "${run[@]}" "$bin/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null
    ;;
  *)
    echo "usage: bench/postgres.sh start|stop DIR [PORT]" >&2
    exit 2
    ;;
esac
