#!/usr/bin/env bash
# (Re)starts replica N of the run deploy/local/start.sh made, and waits for its /v2/health/ready.
#   deploy/local/replica.sh 2
set -euo pipefail
source "$(dirname "$0")/common.sh"
load_state
n=${1:?usage: replica.sh N}
if pid_alive "$RUN/replica-$n.pid"; then echo "replica $n is running (pid $(cat "$RUN/replica-$n.pid"))" >&2; exit 1; fi
replica_start "$n"
wait_ready "http://127.0.0.1:$((BASE_PORT + n - 1))/v2/health/ready" 180 "$RUN/replica-$n.pid"
echo "replica $n ready (pid $(cat "$RUN/replica-$n.pid"))"
