#!/usr/bin/env bash
# Run a command with a throwaway PostgreSQL 15 cluster on 127.0.0.1 and a free port.
# Exports ETHICOMPASS_TEST_POSTGRES_URL; stops the server by PID afterwards, even when the
# command fails. Runs the server as the `postgres` user when we are root.
set -uo pipefail
PGBIN="${PGBIN:-}"
if [ -z "$PGBIN" ]; then
  for d in /usr/lib/postgresql/15/bin /usr/lib/postgresql/*/bin; do
    if [ -x "$d/initdb" ]; then PGBIN="$d"; break; fi
  done
fi
if [ -z "$PGBIN" ] && command -v initdb >/dev/null 2>&1; then PGBIN="$(dirname "$(readlink -f "$(command -v initdb)")")"; fi
if [ -z "$PGBIN" ]; then echo "PostgreSQL binaries (initdb) not found: install postgresql-15" >&2; exit 2; fi

PGTMP="$(mktemp -d /tmp/ethicompass-pg.XXXXXX)"
PORT="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()')"
RUNAS=()
if [ "$(id -u)" = "0" ]; then
  id postgres >/dev/null 2>&1 || useradd --system --no-create-home postgres
  chown postgres "$PGTMP"
  RUNAS=(runuser -u postgres --)
fi
"${RUNAS[@]}" "$PGBIN/initdb" -D "$PGTMP/data" -U ethicompass --auth=trust -E UTF8 --no-locale >"$PGTMP/initdb.log" 2>&1 \
  || { cat "$PGTMP/initdb.log" >&2; exit 2; }
PGPID=""
cleanup() {
  # stop the server by the PID it recorded, even when the tests failed
  if [ -z "$PGPID" ] && [ -f "$PGTMP/data/postmaster.pid" ]; then PGPID="$(head -1 "$PGTMP/data/postmaster.pid")"; fi
  if [ -n "$PGPID" ]; then
    kill -INT "$PGPID" 2>/dev/null
    for _ in $(seq 1 100); do kill -0 "$PGPID" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$PGPID" 2>/dev/null
  fi
  rm -rf "$PGTMP"
}
trap cleanup EXIT INT TERM
"${RUNAS[@]}" "$PGBIN/pg_ctl" start -w -t 60 -D "$PGTMP/data" -l "$PGTMP/server.log" \
  -o "-h 127.0.0.1 -p $PORT -k $PGTMP -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=300" \
  >/dev/null 2>&1 || { echo "PostgreSQL did not start:" >&2; cat "$PGTMP/server.log" >&2; exit 2; }
PGPID="$(head -1 "$PGTMP/data/postmaster.pid")"
export ETHICOMPASS_TEST_POSTGRES_URL="postgresql://ethicompass@127.0.0.1:$PORT/postgres"
echo "PostgreSQL $("$PGBIN/postgres" --version | awk '{print $3}') on 127.0.0.1:$PORT (pid $PGPID)" >&2
"$@"
STATUS=$?
exit $STATUS
