# Sourced by `make test`: makes sure a PostgreSQL server answers and exports
# LINEAGE_TEST_POSTGRES_URL for the tests. In order: an URL already set; the server on
# 127.0.0.1:5432; that server started with pg_ctlcluster; a throwaway cluster under .pgdata.
# Fails loudly (never skips the PostgreSQL tests) when none of these works.

_pg_ready() { pg_isready -q -h "$1" -p "$2" 2>/dev/null || "${PG_BIN:-}"pg_isready -q -h "$1" -p "$2" 2>/dev/null; }

_pg_find_bin() {
  for dir in "" /usr/lib/postgresql/*/bin/; do
    if command -v "${dir}initdb" >/dev/null 2>&1; then PG_BIN="$dir"; return 0; fi
  done
  return 1
}

_pg_throwaway() {
  _pg_find_bin || { echo "ensure-postgres: no PostgreSQL server answers and initdb is not installed (apt-get install postgresql)" >&2; return 1; }
  local data="$PWD/.pgdata" port=55432 owner
  owner=$(id -un)
  if [ "$(id -u)" = 0 ]; then
    owner=postgres; id postgres >/dev/null 2>&1 || owner=nobody
  fi
  _run() { if [ "$(id -u)" = 0 ]; then su -s /bin/sh "$owner" -c "$*"; else sh -c "$*"; fi; }
  if [ ! -f "$data/PG_VERSION" ]; then
    mkdir -p "$data" && chown "$owner" "$data"
    _run "${PG_BIN}initdb -D '$data' -U postgres -A trust >/dev/null" || return 1
  fi
  _ready_or_start() {
    _pg_ready 127.0.0.1 "$port" && return 0
    _run "${PG_BIN}pg_ctl -D '$data' -l '$data/server.log' -o '-p $port -k $data -c listen_addresses=127.0.0.1' -w start >/dev/null"
  }
  _ready_or_start || { echo "ensure-postgres: the throwaway cluster in $data did not start (see $data/server.log)" >&2; return 1; }
  export LINEAGE_TEST_POSTGRES_URL="postgresql://postgres@127.0.0.1:$port/postgres"
}

if [ -z "${LINEAGE_TEST_POSTGRES_URL:-}" ]; then
  if _pg_ready 127.0.0.1 5432; then
    export LINEAGE_TEST_POSTGRES_URL="postgresql://postgres@127.0.0.1:5432/postgres"
  elif command -v pg_ctlcluster >/dev/null 2>&1 && [ -d /etc/postgresql ] && [ -n "$(ls /etc/postgresql 2>/dev/null)" ]; then
    echo "ensure-postgres: starting the local PostgreSQL cluster" >&2
    pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -n1)" main start || true
    for _ in $(seq 1 30); do _pg_ready 127.0.0.1 5432 && break; sleep 1; done
    if _pg_ready 127.0.0.1 5432; then
      export LINEAGE_TEST_POSTGRES_URL="postgresql://postgres@127.0.0.1:5432/postgres"
    else
      _pg_throwaway || return 1 2>/dev/null || exit 1
    fi
  else
    _pg_throwaway || return 1 2>/dev/null || exit 1
  fi
fi
echo "PostgreSQL for the tests: $LINEAGE_TEST_POSTGRES_URL" >&2
