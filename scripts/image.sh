#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Builds the container image of deploy/Dockerfile.local from ./rtguard-static
# (`make image` runs `make static` first), offline, with podman or docker.
#   scripts/image.sh [IMAGE]        (default rtguard:0.1.0)
set -eu
image=${1:-rtguard:0.1.0}
bin=rtguard-static
[ -x "$bin" ] || { echo "image.sh: $bin missing (make static)" >&2; exit 1; }
if command -v podman >/dev/null 2>&1; then
	engine=podman
elif command -v docker >/dev/null 2>&1; then
	engine=docker
else
	echo "image.sh: neither podman nor docker is installed" >&2
	exit 1
fi
ctx=$(mktemp -d /tmp/rtg-image-XXXXXX)
trap 'rm -rf "$ctx"' EXIT
r=$ctx/rootfs
mkdir -p "$r/tmp" "$r/run/rtguard" "$r/etc/rtguard/policies" \
	"$r/usr/share/rtguard/policies"
chmod 1777 "$r/tmp"
chmod 0700 "$r/run/rtguard"
cp policies/default.yaml policies/examples/*.yaml "$r/usr/share/rtguard/policies/"
cp "$bin" "$r/rtguard"
cp deploy/Dockerfile.local "$ctx/Dockerfile"
$engine build -q -t "$image" "$ctx"
