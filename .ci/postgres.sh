#!/usr/bin/env bash
# A throw-away PostgreSQL 15 server for the store tests.
#   source .ci/postgres.sh && postgres_start   # sets CROPVISION_TEST_POSTGRES (a connection string)
#   postgres_stop                              # stops it and deletes its folder
# The cluster lives in a temporary folder, listens on a free loopback port, trusts local connections, and runs as the
# `postgres` user when started by root (PostgreSQL refuses to run as root).
PG_BIN=${PG_BIN:-/usr/lib/postgresql/15/bin}

# A loopback port nothing listens on, from the ephemeral range (bash's /dev/tcp: nothing else needed).
free_port() {
  local port tries
  for tries in $(seq 1 50); do
    port=$(( 20000 + RANDOM % 30000 ))
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then echo "$port"; return 0; fi
  done
  return 1
}

postgres_start() {
  if [ ! -x "$PG_BIN/initdb" ]; then
    if [ "$(id -u)" -eq 0 ]; then
      echo "PostgreSQL 15 not found: installing it"
      (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql-15) >/dev/null || { echo "could not install postgresql-15"; return 1; }
    else
      echo "PostgreSQL 15 not found at $PG_BIN"; return 1
    fi
  fi
  PG_DIR=$(mktemp -d /tmp/cropvision-pg-XXXXXX)
  PG_PORT=$(free_port) || { echo "no free port found"; return 1; }
  local as=()
  if [ "$(id -u)" -eq 0 ]; then chown postgres "$PG_DIR"; as=(runuser -u postgres --); fi
  "${as[@]}" "$PG_BIN/initdb" -D "$PG_DIR/data" -U postgres -A trust --no-sync -E UTF8 >"$PG_DIR/initdb.log" 2>&1 \
    || { cat "$PG_DIR/initdb.log"; return 1; }
  # fsync off: a throw-away test server needs no durability; the tests' own crash checks are about files and rows.
  "${as[@]}" "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -l "$PG_DIR/server.log" -w -t 60 \
    -o "-p $PG_PORT -k $PG_DIR -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200" start >/dev/null \
    || { cat "$PG_DIR/server.log"; return 1; }
  export CROPVISION_TEST_POSTGRES="Host=127.0.0.1;Port=$PG_PORT;Username=postgres;Database=postgres"
  export PG_DIR PG_PORT
  echo "PostgreSQL 15 test server on 127.0.0.1:$PG_PORT ($PG_DIR)"
}

postgres_stop() {
  [ -n "${PG_DIR:-}" ] && [ -d "$PG_DIR/data" ] || return 0
  local as=()
  [ "$(id -u)" -eq 0 ] && as=(runuser -u postgres --)
  "${as[@]}" "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -m immediate -w stop >/dev/null 2>&1
  rm -rf "$PG_DIR"
  echo "PostgreSQL test server stopped"
}
