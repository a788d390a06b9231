#!/usr/bin/env bash
# A private PostgreSQL cluster for development, the demo and the tests.
#
#   scripts/postgres.sh start  <dir> <port>   create (initdb) if needed, start on 127.0.0.1:<port>, wait until it accepts connections
#   scripts/postgres.sh stop   <dir>          stop it cleanly (fast shutdown)
#   scripts/postgres.sh status <dir>          exit 0 while it runs
#   scripts/postgres.sh url    <dir>          print the superuser's Npgsql connection string
#
# The cluster lives in <dir> (data/, run/ for the socket, postgres.log, superuser.password).
# PostgreSQL refuses to run as root; when we are root the server runs as the unprivileged system
# user 'opscentre-pg' (created when missing), which owns <dir>. The binaries come from PATH or
# /usr/lib/postgresql/*/bin, and are installed with apt when neither has them.
set -euo pipefail

PG_USER=opscentre-pg
cmd=${1:-}; dir=${2:-}
[ -n "$cmd" ] && [ -n "$dir" ] || { echo "usage: $0 start|stop|status|url <dir> [port]" >&2; exit 2; }
mkdir -p "$dir"; dir=$(cd "$dir" && pwd)

find_bin() {
  if command -v initdb >/dev/null 2>&1 && command -v pg_ctl >/dev/null 2>&1; then
    PG_BIN=$(dirname "$(command -v pg_ctl)"); return 0
  fi
  local d
  for d in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V -r); do
    [ -x "$d/initdb" ] && { PG_BIN=$d; return 0; }
  done
  return 1
}

ensure_binaries() {
  find_bin && return 0
  echo "PostgreSQL server binaries not found; installing the 'postgresql' package with apt" >&2
  local sudo=""; [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo env DEBIAN_FRONTEND=noninteractive apt-get update -qq
  $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
  find_bin || { echo "PostgreSQL installation failed" >&2; exit 1; }
}

# Run a command as the server's user: ourselves, or the unprivileged user when we are root.
as_pg() {
  if [ "$(id -u)" -eq 0 ]; then runuser -u "$PG_USER" -- "$@"; else "$@"; fi
}

prepare_dir() {
  if [ "$(id -u)" -eq 0 ]; then
    id -u "$PG_USER" >/dev/null 2>&1 || useradd --system --user-group --no-create-home --shell /usr/sbin/nologin "$PG_USER"
    chown "$PG_USER:$PG_USER" "$dir"
    if ! runuser -u "$PG_USER" -- test -w "$dir"; then
      echo "$dir is not reachable by the user '$PG_USER' (a parent folder is closed to others)." >&2
      echo "Choose a data folder under a path others may traverse, e.g. OPSCENTRE_PG_DIR=/var/tmp/opscentre-pg" >&2
      exit 1
    fi
  fi
  chmod 700 "$dir"
  mkdir -p "$dir/run"; [ "$(id -u)" -eq 0 ] && chown "$PG_USER:$PG_USER" "$dir/run"
  return 0
}

running() { [ -f "$dir/data/postmaster.pid" ] && as_pg "$PG_BIN/pg_ctl" -D "$dir/data" status >/dev/null 2>&1; }

case "$cmd" in
  start)
    port=${3:?port required}
    ensure_binaries
    prepare_dir
    if [ ! -f "$dir/data/PG_VERSION" ]; then
      umask 077
      od -An -tx1 -N16 /dev/urandom | tr -d ' \n' >"$dir/superuser.password"
      [ "$(id -u)" -eq 0 ] && chown "$PG_USER:$PG_USER" "$dir/superuser.password"
      as_pg "$PG_BIN/initdb" -D "$dir/data" -U postgres --pwfile="$dir/superuser.password" \
        --auth-local=scram-sha-256 --auth-host=scram-sha-256 --encoding=UTF8 --locale=C >"$dir/initdb.log" 2>&1 \
        || { cat "$dir/initdb.log" >&2; exit 1; }
    fi
    if running; then
      echo "PostgreSQL already running in $dir (port $(cat "$dir/port"))"
      exit 0
    fi
    echo "$port" >"$dir/port"
    opts="-c listen_addresses=127.0.0.1 -c port=$port -c unix_socket_directories=$dir/run -c max_connections=400"
    # Throw-away clusters for tests trade crash safety for speed; commits are still atomic.
    [ "${OPSCENTRE_PG_FAST:-0}" = "1" ] && opts="$opts -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
    # Extra server options, e.g. for a diagnosis: OPSCENTRE_PG_OPTS="-c shared_preload_libraries=pg_stat_statements"
    opts="$opts ${OPSCENTRE_PG_OPTS:-}"
    as_pg "$PG_BIN/pg_ctl" -D "$dir/data" -l "$dir/postgres.log" -o "$opts" -w -t 60 start >/dev/null \
      || { tail -n 30 "$dir/postgres.log" >&2; exit 1; }
    echo "PostgreSQL running in $dir on 127.0.0.1:$port"
    ;;
  stop)
    find_bin || exit 0
    if running; then as_pg "$PG_BIN/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null; echo "PostgreSQL in $dir stopped"; fi
    ;;
  status)
    find_bin || exit 1
    running
    ;;
  url)
    echo "Host=127.0.0.1;Port=$(cat "$dir/port");Username=postgres;Password=$(cat "$dir/superuser.password");Database=postgres"
    ;;
  *) echo "unknown command $cmd" >&2; exit 2 ;;
esac
