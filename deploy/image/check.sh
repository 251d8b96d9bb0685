#!/bin/bash
# Runs the image built by build.sh and checks it end to end, as an operator would use it:
#   start with a named volume on /data (read-only root file system, tmpfs /tmp) and a bootstrap admin from the
#   environment; wait for /v2/health/ready; the image's own HEALTHCHECK; the service runs as uid 10001; predict a real
#   photo; sign in and create a survey; remove the container and start a new one on the same volume; the survey is
#   still listed, and the token issued before is still accepted (the key ring lives in /data too).
# Exits non-zero on the first failure; removes the containers and the volume it made either way.
#
#   deploy/image/check.sh [IMAGE_REF]      (default localhost/cropvision:latest)
# Environment: PORT (a free one from 18080), PHOTO (a JPEG; default a BRACOL leaf from ../shared/datasets, else a
# photo committed under models/), READY_TIMEOUT (180 s), KEEP=1 leaves the containers and volume for a look.
source "$(dirname "$0")/lib.sh"

ref=${1:-$IMAGE:latest}
name=cropvision-check-$$
vol=$name-data
admin=check-admin
password="Check-$(head -c 12 /dev/urandom | od -An -tx1 | tr -d ' \n')"
READY_TIMEOUT=${READY_TIMEOUT:-180}

ensure_tools
use_containers_conf
podman image exists "$ref" || die "no image $ref: run deploy/image/build.sh first"

port_free() { ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
if [ -z "${PORT:-}" ]; then
    PORT=18080
    while ! port_free $PORT; do PORT=$((PORT + 1)); done
fi
base=http://127.0.0.1:$PORT

if [ -z "${PHOTO:-}" ]; then
    PHOTO=$(ls "$REPO_ROOT"/../shared/datasets/bracol-leaf/rust/*.jpg 2>/dev/null | head -1 || true)
    [ -n "$PHOTO" ] || PHOTO=$(ls "$REPO_ROOT"/models/*/*/mistakes/*.jpg 2>/dev/null | head -1 || true)
fi
[ -f "${PHOTO:-}" ] || die "no photo to predict: set PHOTO=/path/to/leaf.jpg"

containers=()
cleanup() {
    local rc=$?
    if [ "${KEEP:-0}" = 1 ]; then
        log "KEEP=1: left ${containers[*]} and volume $vol"
    else
        for c in "${containers[@]}"; do podman rm -f -t 5 "$c" >/dev/null 2>&1 || true; done
        podman volume rm -f "$vol" >/dev/null 2>&1 || true
    fi
    [ $rc = 0 ] && log "check passed" || log "check FAILED (exit $rc)"
}
trap cleanup EXIT

start() {  # start <container name>
    containers+=("$1")
    podman run -d --name "$1" -p "127.0.0.1:$PORT:8080" -v "$vol:/data" \
        --read-only --tmpfs /tmp:rw,mode=1777 \
        -e Admin__Bootstrap__User="$admin" -e Admin__Bootstrap__Password="$password" \
        "$ref" >/dev/null 2> >(grep -v 'systemd' >&2) || die "podman run $1"
}

wait_ready() {  # wait_ready <container name>: prints the seconds it took
    local t0 code
    t0=$(date +%s%N)
    while :; do
        code=$(curl -s -o /dev/null -w '%{http_code}' -m 2 "$base/v2/health/ready" || true)
        [ "$code" = 200 ] && break
        if [ "$(podman inspect --format '{{.State.Running}}' "$1")" != true ]; then
            podman logs "$1" 2>&1 | tail -30 >&2; die "$1 stopped before it was ready"
        fi
        if [ $(( ($(date +%s%N) - t0) / 1000000000 )) -ge "$READY_TIMEOUT" ]; then
            podman logs "$1" 2>&1 | tail -30 >&2; die "$1 not ready after $READY_TIMEOUT s (last answer $code)"
        fi
        sleep 0.25
    done
    awk -v ns=$(( $(date +%s%N) - t0 )) 'BEGIN { printf "%.1f", ns / 1e9 }'
}

api() {  # api METHOD PATH [curl args...]: the body on stdout; fails on a non-2xx answer
    local method=$1 path=$2 out code
    shift 2
    out=$(mktemp)
    code=$(curl -s -o "$out" -w '%{http_code}' -m 60 -X "$method" "$@" "$base$path") || code=000
    if [ "${code:0:1}" != 2 ]; then cat "$out" >&2; rm -f "$out"; die "$method $path answered $code"; fi
    cat "$out"; rm -f "$out"
}

log "image $ref ($(podman image inspect --format '{{.Id}}' "$ref" | cut -c1-12), $(podman image inspect --format '{{.Size}}' "$ref" | awk '{ printf "%.0f MB", $1 / 1e6 }')), port $PORT"
podman volume create "$vol" >/dev/null

# 1. Start, readiness, the image's health check, the user it runs as.
start "$name"
log "ready after $(wait_ready "$name") s"
if [ -n "$(podman image inspect --format '{{.HealthCheck}}' "$ref" | grep -v '<nil>')" ]; then
    podman healthcheck run "$name" 2> >(grep -v systemd >&2) || die "the image's HEALTHCHECK reports unhealthy"
    log "HEALTHCHECK: $(podman inspect --format '{{.State.Health.Status}}' "$name")"
else  # an OCI-format image keeps no HEALTHCHECK: run its script the way the orchestrator's probe would
    podman exec "$name" /usr/local/bin/cropvision-healthcheck || die "cropvision-healthcheck reports unhealthy"
    log "no HEALTHCHECK in the image (OCI format); /usr/local/bin/cropvision-healthcheck: healthy"
fi
user=$(podman exec "$name" id -u)
[ "$user" = 10001 ] || die "the service runs as uid $user, not 10001"
log "runs as uid $user; /data: $(podman exec "$name" stat -c '%U %a' /data)"

# 2. A real photo.
log "predict $PHOTO"
answer=$(api POST "/v1/predict?crop=coffee" -F "image=@$PHOTO")
[ "$(jq -r .status <<<"$answer")" = ok ] || die "prediction status is not ok: $answer"
log "prediction: $(jq -r '"\(.label) \(.confidence) (model \(.model.name) v\(.model.version))"' <<<"$answer")"

# 3. The bootstrap admin signs in and creates a survey.
token=$(api POST /v1/auth/token -H 'Content-Type: application/json' \
    -d "$(jq -n --arg u "$admin" --arg p "$password" '{userName: $u, password: $p}')" | jq -r .accessToken)
[ -n "$token" ] && [ "$token" != null ] || die "no access token"
survey_name="Kiểm tra ảnh $(date -u +%Y-%m-%dT%H:%M:%SZ)"
survey=$(api POST /v1/surveys -H "Authorization: Bearer $token" -H 'Content-Type: application/json' \
    -d "$(jq -n --arg n "$survey_name" '{name: $n, crop: "coffee"}')" | jq -r .id)
[ -n "$survey" ] && [ "$survey" != null ] || die "no survey id"
log "survey $survey created ('$survey_name')"

# 4. A new container on the same volume: nothing of the first one's writable layer survives, /data does.
podman stop -t 10 "$name" >/dev/null 2>&1
podman rm "$name" >/dev/null 2>&1 || die "podman rm $name"
log "container removed; starting a new one on volume $vol"
start "$name-2"
log "ready again after $(wait_ready "$name-2") s"
list=$(api GET /v1/surveys -H "Authorization: Bearer $token")
found=$(jq -r --arg id "$survey" '.items[] | select(.id == $id) | .name' <<<"$list")
[ "$found" = "$survey_name" ] || die "survey $survey not found after the restart: $list"
log "survey $survey still there ('$found'), and the token issued before the restart is accepted"
log "/data holds: $(podman exec "$name-2" ls /data | paste -sd' ')"
