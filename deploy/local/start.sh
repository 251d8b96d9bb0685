#!/usr/bin/env bash
# Starts CropVision as REPLICAS service processes (default 3, ports 5101..) on one PostgreSQL database and one shared
# data folder (photos, imports, the Data Protection key ring: a stand-in for a shared volume), behind nginx on
# 127.0.0.1:8088. Stop everything with deploy/local/stop.sh. Details: deploy/local/README.md.
#   deploy/local/start.sh                      # PostgreSQL: a throw-away server from .ci/postgres.sh
#   CROPVISION_PG='Host=...;Username=...;Password=...;Database=cropvision' deploy/local/start.sh   # an existing database
# Settings (environment): REPLICAS=3 BASE_PORT=5101 PROXY_PORT=8088 LEASE_SECONDS=30 POLL_SECONDS=5
# INTRA_OP_THREADS=1 MAX_FAILS=1 FAIL_TIMEOUT=10s SEPARATE_HOSTS=0 STAGGER=1 SKIP_BUILD=0 CROPVISION_RUN=deploy/local/.run
set -euo pipefail
source "$(dirname "$0")/common.sh"

REPLICAS=${REPLICAS:-3} BASE_PORT=${BASE_PORT:-5101} PROXY_PORT=${PROXY_PORT:-8088}
LEASE_SECONDS=${LEASE_SECONDS:-30} POLL_SECONDS=${POLL_SECONDS:-5} INTRA_OP_THREADS=${INTRA_OP_THREADS:-1}
MAX_FAILS=${MAX_FAILS:-1} FAIL_TIMEOUT=${FAIL_TIMEOUT:-10s} SEPARATE_HOSTS=${SEPARATE_HOSTS:-0}

if [ -f "$STATE" ]; then
  echo "a run already exists in $RUN: stop it first (deploy/local/stop.sh)" >&2; exit 1
fi
if [ -d "$RUN" ]; then echo "removing the leftovers of an earlier run in $RUN"; rm -rf "$RUN"; fi
mkdir -p "$RUN" && chmod 700 "$RUN"
# Anything that fails from here on takes down what was started.
trap 'status=$?; if [ $status -ne 0 ]; then echo "start failed: stopping what was started (logs kept in $RUN)" >&2; "$LOCAL_DIR/stop.sh" --keep >&2 || true; fi' EXIT

# nginx from Debian, when missing.
if ! command -v nginx >/dev/null && [ ! -x /usr/sbin/nginx ]; then
  [ "$(id -u)" -eq 0 ] || { echo "nginx is not installed (apt-get install nginx)" >&2; exit 1; }
  echo "installing nginx (Debian package)"
  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nginx) >/dev/null
fi
NGINX=$(command -v nginx || echo /usr/sbin/nginx)

# PostgreSQL: the given database, or CI's throw-away server with a database of its own.
PG_DIR= PG_PORT=
if [ -n "${CROPVISION_PG:-}" ]; then
  CONNECTION=$CROPVISION_PG
else
  source "$REPO/.ci/postgres.sh"
  postgres_start
  psql -h 127.0.0.1 -p "$PG_PORT" -U postgres -qAt -c "CREATE DATABASE cropvision" >/dev/null
  CONNECTION="Host=127.0.0.1;Port=$PG_PORT;Username=postgres;Database=cropvision;Maximum Pool Size=30"
fi

# The admin's password is made here, never a default; it stays in the run folder's state file (0600).
ADMIN_USER=${ADMIN_USER:-admin}
ADMIN_PASSWORD=${ADMIN_PASSWORD:-$(head -c 18 /dev/urandom | base64 | tr '+/' '-_')}

umask 077
{
  for v in REPLICAS BASE_PORT PROXY_PORT LEASE_SECONDS POLL_SECONDS INTRA_OP_THREADS SEPARATE_HOSTS CONNECTION PG_DIR PG_PORT ADMIN_USER ADMIN_PASSWORD; do
    printf 'export %s=%q\n' "$v" "${!v}"
  done
} >"$STATE"
umask 022

if [ "${SKIP_BUILD:-0}" != 1 ] || [ ! -f "$API_DLL" ]; then
  echo "building the service (Release)"
  dotnet build -c Release "$API_DIR" -v q -nologo -clp:NoSummary >"$RUN/build.log" 2>&1 || { tail -30 "$RUN/build.log"; exit 1; }
fi

mkdir -p "$RUN/data"
# The first replica alone migrates the database, creates the admin and the key ring; the others then start together
# (STAGGER=0: all at once, as a service manager would start them).
started=$SECONDS
first=1
if [ "${STAGGER:-1}" != 0 ]; then
  replica_start 1
  wait_ready "http://127.0.0.1:$BASE_PORT/v2/health/ready" 180 "$RUN/replica-1.pid" || { tail -30 "$RUN/replica-1.log"; exit 1; }
  first=2
fi
for n in $(seq "$first" "$REPLICAS"); do replica_start "$n"; done
for n in $(seq "$first" "$REPLICAS"); do
  wait_ready "http://127.0.0.1:$((BASE_PORT + n - 1))/v2/health/ready" 180 "$RUN/replica-$n.pid" || { tail -30 "$RUN/replica-$n.log"; exit 1; }
done
echo "$REPLICAS replicas ready in $((SECONDS - started)) s (ports $BASE_PORT-$((BASE_PORT + REPLICAS - 1)))"

# nginx, from the template.
servers=
for n in $(seq 1 "$REPLICAS"); do
  servers+="        server 127.0.0.1:$((BASE_PORT + n - 1)) max_fails=$MAX_FAILS fail_timeout=$FAIL_TIMEOUT;"$'\n'
done
user_directive=
if [ "$(id -u)" -eq 0 ]; then user_directive="user www-data;"; fi
mkdir -p "$RUN/nginx-temp"
awk -v servers="$servers" -v run="$RUN" -v listen="127.0.0.1:$PROXY_PORT" -v user="$user_directive" \
    -v maxfails="$MAX_FAILS" -v failtimeout="$FAIL_TIMEOUT" '
  /@SERVERS@/ { printf "%s", servers; next }
  { gsub(/@RUN@/, run); gsub(/@LISTEN@/, listen); gsub(/@USER_DIRECTIVE@/, user); gsub(/@MAX_FAILS@/, maxfails); gsub(/@FAIL_TIMEOUT@/, failtimeout); print }
' "$LOCAL_DIR/nginx.conf.template" >"$RUN/nginx.conf"
"$NGINX" -t -q -p "$RUN" -c "$RUN/nginx.conf"
"$NGINX" -p "$RUN" -c "$RUN/nginx.conf"
wait_ready "http://127.0.0.1:$PROXY_PORT/v2/health/ready" 20

echo "CropVision behind nginx: http://127.0.0.1:$PROXY_PORT/ (admin '$ADMIN_USER', password in $STATE)"
echo "logs: $RUN/replica-N.log, $RUN/nginx-access.log; stop: deploy/local/stop.sh"
