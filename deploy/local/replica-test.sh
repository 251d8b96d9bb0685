#!/usr/bin/env bash
# The replica kill test: starts its own stack (three replicas, nginx, a throw-away PostgreSQL) in deploy/local/.run-test
# on ports 5111-5113 and 8089 (a stack from start.sh on the default ports can keep running), runs replica_test.py
# (bulk import + uploads + predictions through nginx, SIGKILL of the replica holding the import, restart, checks in the
# API, PostgreSQL and the data folder), prints the summary and stops everything however it ends.
#   deploy/local/replica-test.sh            # exit 0: no violation
#   KEEP=1 deploy/local/replica-test.sh     # keep the run folder (logs, data) afterwards; it is kept on failure anyway
# Extra arguments go to replica_test.py (--zip-photos 80 --upload-photos 40 --kill-at 0.25 --restart-after SECONDS ...).
set -uo pipefail
LOCAL_DIR=$(cd "$(dirname "$0")" && pwd)
REPO=$(cd "$LOCAL_DIR/../.." && pwd)
export CROPVISION_RUN=${CROPVISION_RUN:-$LOCAL_DIR/.run-test}
export REPLICAS=${REPLICAS:-3} BASE_PORT=${BASE_PORT:-5111} PROXY_PORT=${PROXY_PORT:-8089}
export LEASE_SECONDS=${LEASE_SECONDS:-10} POLL_SECONDS=${POLL_SECONDS:-1}
# Own host names (unshare --uts, root only): the survivors take the job over when its lease lapses, as replicas on
# other machines would. Without root, one host name: a survivor sees the dead pid and takes over at once.
if [ "$(id -u)" -eq 0 ]; then export SEPARATE_HOSTS=${SEPARATE_HOSTS:-1}; else export SEPARATE_HOSTS=${SEPARATE_HOSTS:-0}; fi
DATASETS=${CROPVISION_DATASETS:-$REPO/../shared/datasets}
command -v python3 >/dev/null || { echo "python3 is needed" >&2; exit 1; }

started=$SECONDS
status=1
finish() {
  if [ "${KEEP:-0}" = 1 ] || [ $status -ne 0 ]; then "$LOCAL_DIR/stop.sh" --keep; else "$LOCAL_DIR/stop.sh"; fi
  echo "replica test: $((SECONDS - started)) s in all (exit $status)"
  exit $status
}
trap finish EXIT
trap 'exit 130' INT TERM

"$LOCAL_DIR/stop.sh" >/dev/null 2>&1   # a test run left behind by a killed shell
"$LOCAL_DIR/start.sh" || exit 1
echo "stack up after $((SECONDS - started)) s"
python3 "$LOCAL_DIR/replica_test.py" --run "$CROPVISION_RUN" --photos "$DATASETS/bracol-leaf" "$@"
status=$?
