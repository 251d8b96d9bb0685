# Shared by build.sh and check.sh (sourced, not run). Installs the container tools from Debian when missing and
# points podman at a containers.conf of our own (nothing in /etc is edited).
set -euo pipefail

REPO_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
WORK=${WORK:-$REPO_ROOT/artifacts/image}
IMAGE=${IMAGE:-localhost/cropvision}
RUNTIME=${RUNTIME:-/usr/sbin/runc}
mkdir -p "$WORK"

log() { printf '[%s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { log "FAILED: $*"; exit 1; }

# apt packages for the commands we call; installed only when a command is missing.
ensure_tools() {
    local missing=()
    command -v podman >/dev/null || missing+=(podman)
    command -v buildah >/dev/null || missing+=(buildah)
    [ -x "$RUNTIME" ] || missing+=(runc)
    command -v mmdebstrap >/dev/null || missing+=(mmdebstrap)
    command -v newuidmap >/dev/null || missing+=(uidmap)
    command -v curl >/dev/null || missing+=(curl)
    command -v jq >/dev/null || missing+=(jq)
    if [ ${#missing[@]} -gt 0 ]; then
        log "installing from Debian: ${missing[*]}"
        [ "$(id -u)" = 0 ] || die "run as root (or install: apt-get install -y ${missing[*]})"
        apt-get update -qq
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
            "${missing[@]}" netavark aardvark-dns containernetworking-plugins slirp4netns fuse-overlayfs catatonit >/dev/null
    fi
}

# crun (podman's default) fails on hybrid cgroups, and the default ulimits cannot be set in some sandboxes:
# runc and no default ulimits work on both. CONTAINERS_CONF replaces /etc/containers/containers.conf for us only.
use_containers_conf() {
    export CONTAINERS_CONF="$WORK/containers.conf"
    cat > "$CONTAINERS_CONF" <<CONF
[containers]
default_ulimits = []

[engine]
runtime = "runc"

[engine.runtimes]
runc = ["$RUNTIME"]
CONF
}
