#!/bin/bash
# mmdebstrap --customize-hook for the image's base: "$1" is the new root file system. Adds the service's user and
# folders and writes the package manifest; removes what a running service never reads.
set -euo pipefail
root=$1
uid=10001

# The service's user and group (no login, no password). Written directly: minbase has no useradd.
echo "cropvision:x:$uid:$uid:CropVision service:/home/cropvision:/usr/sbin/nologin" >> "$root/etc/passwd"
echo "cropvision:x:$uid:" >> "$root/etc/group"
echo "cropvision:!:1::::::" >> "$root/etc/shadow"
echo "cropvision:!::" >> "$root/etc/gshadow"
install -d -m 0700 -o $uid -g $uid "$root/data" "$root/home/cropvision"

# What the base holds, for the build's report and for anyone auditing the image later.
install -d -m 0755 "$root/usr/share/cropvision"
chroot "$root" dpkg-query -W -f '${Package}\t${Version}\t${Architecture}\n' | LC_ALL=C sort > "$root/usr/share/cropvision/base-packages.tsv"

# Package lists, caches and logs: rebuilt by "apt-get update" if anyone ever needs apt in there.
rm -rf "$root"/var/lib/apt/lists/* "$root"/var/cache/apt/*.bin "$root"/var/cache/apt/archives/*.deb \
       "$root"/var/cache/debconf/*-old "$root"/var/lib/dpkg/*-old "$root"/var/log/* 2>/dev/null || true
