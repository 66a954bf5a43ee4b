#!/usr/bin/env bash
# Install missing Debian packages for the given purposes (build, test, bench).
# Idempotent; apt-get runs only when something is missing and we are root.
set -euo pipefail
declare -A sets=(
  [build]="clang-19 llvm-19 libclang-rt-19-dev bpftool libbpf-dev libelf-dev zlib1g-dev libyaml-dev libmicrohttpd-dev libjansson-dev pkg-config make gcc"
  # podman, runc, conmon: real containers (tests/podman_util.c)
  [test]="qemu-system-x86 linux-image-amd64 busybox-static cpio python3 iproute2 podman runc conmon"
  # arm64 cross-build and guest (make cross-arm64, make test-arm64); the :arm64
  # packages need `dpkg --add-architecture arm64` first (scripts/cross-arm64.sh)
  [cross]="gcc-aarch64-linux-gnu libc6-dev-arm64-cross qemu-system-arm cpio libbpf-dev:arm64 libelf-dev:arm64 zlib1g-dev:arm64 libyaml-dev:arm64 libmicrohttpd-dev:arm64 libjansson-dev:arm64"
  # make check-deep (valgrind under load; the ASan/UBSan runtimes come with gcc)
  [deep]="valgrind"
  [bench]="nginx wrk redis-server redis-tools zstd linux-source-6.1 openssl auditd bpftrace xz-utils e2fsprogs"
)
want=()
for s in "$@"; do
  for p in ${sets[$s]}; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || want+=("$p")
  done
done
[ ${#want[@]} -eq 0 ] && exit 0
if [ "$(id -u)" != 0 ]; then
  echo "rtguard: missing packages: ${want[*]} (run as root, or: sudo apt-get install ${want[*]})" >&2
  exit 1
fi
echo "rtguard: installing ${want[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${want[@]}" >/dev/null
