#!/bin/bash
# Builds the image twice from nothing (a new mmdebstrap base, a full .NET rebuild, no podman layer cache), each in its
# own work folder, and compares what came out at every stage: the base tarball, the published files, each layer's
# digest and the image id. Exit 0 only when every layer is identical.
#   deploy/image/reproduce.sh        (about 2-3 minutes on 2 cores; needs the Debian mirror)
source "$(dirname "$0")/lib.sh"
root=$WORK
for run in 1 2; do
    log "build $run of 2"
    WORK=$root/reproduce-$run "$REPO_ROOT/deploy/image/build.sh" > "$root/reproduce-$run.log" 2>&1 ||
        { tail -20 "$root/reproduce-$run.log" >&2; die "build $run (log: $root/reproduce-$run.log)"; }
done
a=$root/reproduce-1 b=$root/reproduce-2
same() { [ "$1" = "$2" ] && echo identical || echo DIFFERENT; }
hashes() { (cd "$1" && find . -type f -print0 | LC_ALL=C sort -z | xargs -0 sha256sum); }
echo "base rootfs.tar      $(same "$(sha256sum < "$a/rootfs.tar")" "$(sha256sum < "$b/rootfs.tar")")"
echo "base package list    $(same "$(cat "$a/base-packages.tsv")" "$(cat "$b/base-packages.tsv")")"
diff <(hashes "$a/context") <(hashes "$b/context") > "$root/reproduce-files.diff" &&
    echo "build context files  identical" ||
    echo "build context files  DIFFERENT: $(grep -c '^<' "$root/reproduce-files.diff") files (see $root/reproduce-files.diff)"
paste "$a/layers.txt" "$b/layers.txt" | awk '{ printf "layer %d  %s  %s\n", NR, substr($1, 8, 16), ($1 == $2 ? "identical" : "DIFFERENT: " substr($2, 8, 16)) }'
echo "image id             $(same "$(cat "$a/image-id")" "$(cat "$b/image-id")") ($(cut -c1-12 "$a/image-id") / $(cut -c1-12 "$b/image-id"))"
if ! cmp -s "$a/image-id" "$b/image-id"; then
    # A docker-format config names the build container (its id and hostname), new on every build, and each history
    # entry and the parent name intermediate images (whose configs name their own build containers).
    config() { buildah inspect --type image "$(cat "$1/image-id")" | jq -S '.Docker | del(.container, .parent, .container_config.Hostname, .config.Hostname, .history[]?.comment)'; }
    diff <(config "$a") <(config "$b") > "$root/reproduce-config.diff" &&
        echo "image config         identical but for the ids of the build container and of the intermediate images (docker format)" ||
        echo "image config         DIFFERENT (see $root/reproduce-config.diff)"
fi
grep '^build time' "$a/build-report.txt" "$b/build-report.txt" | sed "s|$root/||"
cmp -s "$a/layers.txt" "$b/layers.txt"
