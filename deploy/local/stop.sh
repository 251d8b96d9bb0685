#!/usr/bin/env bash
# Stops what deploy/local/start.sh started: nginx, the replicas (SIGTERM, SIGKILL after 15 s), the throw-away
# PostgreSQL server; then deletes the run folder (the data folder with it) unless --keep.
set -uo pipefail
source "$(dirname "$0")/common.sh"
keep=0; [ "${1:-}" = "--keep" ] && keep=1
[ -d "$RUN" ] || { echo "nothing to stop ($RUN does not exist)"; exit 0; }
[ -f "$STATE" ] && source "$STATE"

if pid_alive "$RUN/nginx.pid"; then kill -QUIT "$(cat "$RUN/nginx.pid")"; fi
pids=()
for f in "$RUN"/replica-*.pid; do
  [ -f "$f" ] || continue
  if pid_alive "$f"; then pid=$(cat "$f"); kill -TERM "$pid" && pids+=("$pid"); fi
done
for i in $(seq 1 30); do
  alive=0; for pid in "${pids[@]}"; do kill -0 "$pid" 2>/dev/null && alive=1; done
  [ $alive = 0 ] && break; sleep 0.5
done
for pid in "${pids[@]}"; do kill -0 "$pid" 2>/dev/null && { echo "replica pid $pid ignored SIGTERM: SIGKILL"; kill -KILL "$pid"; }; done
for i in $(seq 1 20); do pid_alive "$RUN/nginx.pid" || break; sleep 0.25; done
pid_alive "$RUN/nginx.pid" && kill -TERM "$(cat "$RUN/nginx.pid")"

if [ -n "${PG_DIR:-}" ]; then source "$REPO/.ci/postgres.sh"; postgres_stop; fi
if [ $keep = 1 ]; then
  rm -f "$STATE"; echo "stopped; kept $RUN (logs, data)"
else
  rm -rf "$RUN"; echo "stopped; removed $RUN"
fi
