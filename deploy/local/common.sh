#!/usr/bin/env bash
# Shared by start.sh, replica.sh, stop.sh and replica-test.sh: where the run lives and how one replica starts.
# The run folder (CROPVISION_RUN, default deploy/local/.run, git-ignored) holds everything a run creates: state.env
# (ports, PostgreSQL, the admin password; 0600), pid files, logs, nginx.conf, and data/ (the shared data folder).
LOCAL_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$LOCAL_DIR/../.." && pwd)
RUN=${CROPVISION_RUN:-$LOCAL_DIR/.run}
STATE=$RUN/state.env
API_DIR=$REPO/src/CropVision.Api
API_DLL=$API_DIR/bin/Release/net10.0/CropVision.Api.dll

load_state() {
  [ -f "$STATE" ] || { echo "no run in $RUN (start it with deploy/local/start.sh)" >&2; return 1; }
  # shellcheck disable=SC1090
  source "$STATE"
}

# Answers 0 when the pid file names a live process.
pid_alive() { [ -f "$1" ] && kill -0 "$(cat "$1")" 2>/dev/null; }

# Waits until URL answers 200 (the service's /v2/health/ready: models loaded), or fails after TIMEOUT seconds.
wait_ready() {
  local url=$1 timeout=${2:-120} pidfile=${3:-} start=$SECONDS
  until curl -fsS -o /dev/null --max-time 2 "$url" 2>/dev/null; do
    if [ -n "$pidfile" ] && ! pid_alive "$pidfile"; then echo "process of $url exited (see its log)" >&2; return 1; fi
    if (( SECONDS - start >= timeout )); then echo "$url not ready after ${timeout}s" >&2; return 1; fi
    sleep 0.5
  done
}

# Starts replica N (1-based) in the background, detached (setsid), logging to $RUN/replica-N.log; its pid goes to
# $RUN/replica-N.pid. With SEPARATE_HOSTS=1 each replica runs in its own UTS namespace with its own host name
# (cropvision-N), as if on its own machine: then a dead replica's import job is taken over when its lease lapses,
# the path replicas on several machines take (on one host name a survivor sees the dead pid and takes over at once).
replica_start() {
  local n=$1 port=$((BASE_PORT + $1 - 1))
  local log=$RUN/replica-$n.log
  local prefix=()
  if [ "${SEPARATE_HOSTS:-0}" = 1 ]; then prefix=(unshare --uts sh -c 'hostname "$0" && exec "$@"' "cropvision-$n"); fi
  echo "--- start $(date -Is) port $port" >>"$log"
  (
    cd "$API_DIR"
    export ASPNETCORE_ENVIRONMENT=Production DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
    export Store__Provider=postgres ConnectionStrings__FieldStore="$CONNECTION" Store__DataFolder="$RUN/data"
    export Models__Folder="$REPO/models"
    export Admin__Bootstrap__User="$ADMIN_USER" Admin__Bootstrap__Password="$ADMIN_PASSWORD"
    export Imports__LeaseSeconds="$LEASE_SECONDS" Imports__PollSeconds="$POLL_SECONDS"
    export Inference__IntraOpThreads="$INTRA_OP_THREADS"
    exec setsid "${prefix[@]}" dotnet "$API_DLL" --urls "http://127.0.0.1:$port" </dev/null >>"$log" 2>&1
  ) &
  echo $! >"$RUN/replica-$n.pid"
}
