#!/bin/bash
# Builds the CropVision container image without a Docker daemon: a Debian base file system from packages
# (mmdebstrap), the service published self-contained for linux-x64, assembled by `podman build` from Containerfile.
# Same commit + same Debian package versions => same layers (see README.md for what is and is not identical).
#
#   deploy/image/build.sh            build localhost/cropvision:<version> and :latest, print the size
#   --base-only                      only the base root file system (artifacts/image/rootfs.tar)
#   --keep-base                      reuse artifacts/image/rootfs.tar from an earlier run (skips mmdebstrap)
# Environment: IMAGE (localhost/cropvision), TAG (git describe), SOURCE_DATE_EPOCH (the time of the last commit that
# changed the image's recipe in deploy/image/: every file's time in every layer, so a layer changes only with its content),
# FORMAT (docker: keeps the HEALTHCHECK, its config names the build container, so only the layers repeat exactly;
# oci: no HEALTHCHECK, and the whole image, id included, repeats exactly),
# MIRROR (http://deb.debian.org/debian), SECURITY_MIRROR (http://deb.debian.org/debian-security), WORK (artifacts/image).
source "$(dirname "$0")/lib.sh"

base_only=0 keep_base=0
for a in "$@"; do
    case $a in
        --base-only) base_only=1 ;;
        --keep-base) keep_base=1 ;;
        *) die "unknown option $a (see the top of $0)" ;;
    esac
done

started=$(date +%s)
cd "$REPO_ROOT"
recipe=(deploy/image/build.sh deploy/image/lib.sh deploy/image/Containerfile deploy/image/rootfs-hook.sh deploy/image/healthcheck.sh)
export SOURCE_DATE_EPOCH=${SOURCE_DATE_EPOCH:-$(git log -1 --format=%ct -- "${recipe[@]}")}
REVISION=$(git rev-parse HEAD)
dirty=$(git status --porcelain --untracked-files=no -- src models Directory.Build.props Directory.Packages.props deploy/image | head -1)
TAG=${TAG:-$(git describe --tags --always)${dirty:+-dirty}}
# The label says when the code was committed; the image's own created time is SOURCE_DATE_EPOCH.
CREATED=$(date -u -d "@$(git log -1 --format=%ct)" +%Y-%m-%dT%H:%M:%SZ)
FORMAT=${FORMAT:-docker}
[ "$FORMAT" = docker ] || [ "$FORMAT" = oci ] || die "FORMAT is docker or oci"
MIRROR=${MIRROR:-http://deb.debian.org/debian}
SECURITY_MIRROR=${SECURITY_MIRROR:-http://deb.debian.org/debian-security}
ctx=$WORK/context
log "image $IMAGE:$TAG, revision $REVISION ($CREATED), SOURCE_DATE_EPOCH=$SOURCE_DATE_EPOCH, work folder $WORK"
[ -n "$dirty" ] && log "warning: uncommitted changes under src/, models/ or deploy/image/: the image is not that of $REVISION"

ensure_tools
use_containers_conf

# --- 1. The base root file system: Debian bookworm minbase and the few libraries the service loads. ---
# ldd over every .so of the publish output needs only libc6, libgcc-s1, libstdc++6 (all in minbase); .NET loads
# libssl3 at run time (all cryptography: Data Protection, tokens, TLS to PostgreSQL); ca-certificates for outgoing TLS;
# tzdata for TimeZoneInfo. No ICU: the projects set InvariantGlobalization. No fontconfig: SkiaSharp's
# NoDependencies build. merged-usr via mmdebstrap's hook, not the usrmerge package (which drags in perl).
if [ $keep_base = 1 ] && [ -f "$WORK/rootfs.tar" ]; then
    log "reusing $WORK/rootfs.tar (--keep-base)"
else
    log "mmdebstrap: bookworm minbase from $MIRROR"
    t=$(date +%s)
    mmdebstrap --quiet --format=tar --variant=minbase --include=libssl3,ca-certificates,tzdata \
        --hook-dir=/usr/share/mmdebstrap/hooks/merged-usr --skip=output/dev \
        --dpkgopt='path-exclude=/usr/share/man/*' --dpkgopt='path-exclude=/usr/share/info/*' \
        --dpkgopt='path-exclude=/usr/share/locale/*' --dpkgopt='path-exclude=/usr/share/lintian/*' \
        --dpkgopt='path-exclude=/usr/share/doc/*' --dpkgopt='path-include=/usr/share/doc/*/copyright' \
        --customize-hook="\"$REPO_ROOT/deploy/image/rootfs-hook.sh\" \"\$1\"" \
        bookworm "$WORK/rootfs.tar.new" \
        "deb $MIRROR bookworm main" "deb $MIRROR bookworm-updates main" "deb $SECURITY_MIRROR bookworm-security main" \
        > "$WORK/mmdebstrap.log" 2>&1 || { tail -30 "$WORK/mmdebstrap.log" >&2; die "mmdebstrap (log: $WORK/mmdebstrap.log)"; }
    mv "$WORK/rootfs.tar.new" "$WORK/rootfs.tar"
    log "base built in $(( $(date +%s) - t )) s"
fi
tar -xOf "$WORK/rootfs.tar" ./usr/share/cropvision/base-packages.tsv > "$WORK/base-packages.tsv"
log "base: $(du -m "$WORK/rootfs.tar" | cut -f1) MB, $(wc -l < "$WORK/base-packages.tsv") packages (manifest: $WORK/base-packages.tsv), sha256 $(sha256sum "$WORK/rootfs.tar" | cut -c1-16)"
[ $base_only = 1 ] && exit 0

# --- 2. The service, self-contained for linux-x64 (the web app is built by the project's own npm targets). ---
# ContinuousIntegrationBuild: deterministic paths (/_/) in the assemblies and pdbs, whatever the checkout's folder;
# --no-incremental because a change of that property alone does not make MSBuild compile again.
log "dotnet publish (Release, linux-x64, self-contained)"
t=$(date +%s)
rm -rf "$WORK/publish"
props=(-c Release -r linux-x64 --self-contained -p:ContinuousIntegrationBuild=true -nologo -v:quiet -clp:ErrorsOnly)
dotnet build src/CropVision.Api --no-incremental "${props[@]}" >&2
dotnet publish src/CropVision.Api --no-build -o "$WORK/publish" "${props[@]}" >&2
log "published in $(( $(date +%s) - t )) s"

# --- 3. The build context: publish output split into deps/ and app/, the models, the health check. ---
rm -rf "$ctx" && mkdir -p "$ctx/deps" "$ctx/app" "$ctx/models"
ln "$WORK/rootfs.tar" "$ctx/rootfs.tar" 2>/dev/null || cp "$WORK/rootfs.tar" "$ctx/rootfs.tar"
cp -a "$WORK/publish/." "$ctx/deps/"
# Not in the CPU image: the CUDA and TensorRT providers (280 MB; they would need CUDA 13 and cuDNN 9, which are not in
# it either), the LTTng trace provider (needs liblttng-ust), the native debug symbols of an ML.NET library.
rm -f "$ctx"/deps/libonnxruntime_providers_cuda.so "$ctx"/deps/libonnxruntime_providers_tensorrt.so \
      "$ctx"/deps/libcoreclrtraceptprovider.so "$ctx"/deps/*.so.dbg
# The service's own files go to the small top layer.
for f in "$ctx"/deps/CropVision.* "$ctx"/deps/appsettings*.json "$ctx"/deps/Catalogue "$ctx"/deps/wwwroot; do
    [ -e "$f" ] && mv "$f" "$ctx/app/"
done
cp -a models/. "$ctx/models/"
cp deploy/image/healthcheck.sh "$ctx/healthcheck.sh"
# Everything root-owned and read-only to the service; directories and programs 755, other files 644.
chmod -R u=rwX,go=rX "$ctx/deps" "$ctx/app" "$ctx/models"
chmod 0755 "$ctx/app/CropVision.Api" "$ctx/deps/createdump" "$ctx/healthcheck.sh"
chmod 0644 "$ctx"/deps/*.so

# --- 4. The image. --timestamp sets every file's time and the created time: same context => same layer digests.
# --no-cache: podman's cache matches an ADDed tarball by its files' contents, not their times, and would reuse a base
# layer made with another SOURCE_DATE_EPOCH; building every layer costs ~5 s more and makes the output depend on the
# inputs only. ---
log "podman build"
t=$(date +%s)
podman build --quiet --no-cache --format "$FORMAT" --timestamp "$SOURCE_DATE_EPOCH" --identity-label=false \
    --build-arg VERSION="$TAG" --build-arg REVISION="$REVISION" --build-arg CREATED="$CREATED" \
    -f deploy/image/Containerfile -t "$IMAGE:$TAG" -t "$IMAGE:latest" "$ctx" > "$WORK/image-id" \
    2> >(grep -v 'HEALTHCHECK is not supported for OCI' >&2)
log "assembled in $(( $(date +%s) - t )) s"

id=$(cat "$WORK/image-id")
podman image inspect --format '{{range .RootFS.Layers}}{{println .}}{{end}}' "$id" | grep . > "$WORK/layers.txt"
{
    echo "image     $IMAGE:$TAG ($IMAGE:latest)"
    echo "id        $id"
    echo "revision  $REVISION"
    echo "created   $(date -u -d "@$SOURCE_DATE_EPOCH" +%Y-%m-%dT%H:%M:%SZ) (SOURCE_DATE_EPOCH), code committed $CREATED, $FORMAT format"
    echo "size      $(podman images --format '{{.Size}}' "$IMAGE:$TAG" | head -1) (podman images), $(podman image inspect --format '{{.Size}}' "$id") bytes; layers:"
    paste <(cat "$WORK/layers.txt") <(echo "base (rootfs.tar)"; echo "deps"; echo "app"; echo "models"; echo "healthcheck") \
        <(du -sm "$WORK/rootfs.tar" "$ctx/deps" "$ctx/app" "$ctx/models" "$ctx/healthcheck.sh" | cut -f1 | sed 's/$/ MB/')
    echo "base packages ($(wc -l < "$WORK/base-packages.tsv")), from $MIRROR:"
    cut -f1,2 "$WORK/base-packages.tsv" | tr '\t' '=' | paste -sd' ' | fold -s -w 118 | sed 's/^/  /'
    echo "build time $(( $(date +%s) - started )) s"
} | tee "$WORK/build-report.txt"
