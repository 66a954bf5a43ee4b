#!/usr/bin/env bash
# arm64 support helpers (issue 6, item 7; doc/ARM64.md).
#
#   scripts/cross-arm64.sh deps     enable the arm64 dpkg architecture and
#                                   install the `cross` package set (cross gcc,
#                                   qemu-system-arm, libbpf-dev:arm64 ...)
#   scripts/cross-arm64.sh guest    fetch Debian's arm64 kernel and busybox-static
#                                   (apt-get download + dpkg-deb -x, nothing is
#                                   installed) into .output-arm64/guest/, and
#                                   cut the BTF out of the Image (vmlinux.btf);
#                                   python3.11:arm64 (for test_progs) in guest/py/
#   scripts/cross-arm64.sh btf      extract the kernel's BTF from that Image and
#                                   regenerate vmlinux/arm64/vmlinux.h
#
# Idempotent; apt runs only when something is missing and we are root.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
G=${RTG_ARM64_GUEST_DIR:-$ROOT/.output-arm64/guest}

say() { echo "cross-arm64: $*" >&2; }
die() { say "error: $*"; exit 1; }

deps() {
	if ! dpkg --print-foreign-architectures | grep -qx arm64; then
		[ "$(id -u)" = 0 ] || die "run as root, or: sudo dpkg --add-architecture arm64 && sudo apt-get update"
		say "dpkg --add-architecture arm64"
		dpkg --add-architecture arm64
	fi
	scripts/deps.sh cross
}

# The kernel package the linux-image-arm64 metapackage points at now.
kernel_pkg() {
	apt-cache depends linux-image-arm64:arm64 2>/dev/null |
		awk '/Depends: linux-image-[0-9]/ { sub(/:arm64$/, "", $2); print $2; exit }'
}

guest() {
	local pkg dl
	deps
	if [ -z "$(ls "$G"/boot/vmlinuz-*-arm64 2>/dev/null)" ]; then
		pkg=$(kernel_pkg)
		if [ -z "$pkg" ]; then
			apt-get update -qq
			pkg=$(kernel_pkg)
		fi
		[ -n "$pkg" ] || die "cannot resolve linux-image-arm64:arm64 (is the arm64 architecture enabled?)"
		dl=$(mktemp -d)
		chmod 0755 "$dl" # apt's _apt user downloads into it
		say "downloading $pkg:arm64 and busybox-static:arm64"
		(cd "$dl" && apt-get download -qq "$pkg:arm64" busybox-static:arm64) ||
			die "apt-get download failed"
		mkdir -p "$G"
		for d in "$dl"/*.deb; do dpkg-deb -x "$d" "$G"; done
		rm -rf "$dl"
	fi
	# python3 for test_progs in the guest (its JSON checks); extracted apart
	if [ ! -x "$G/py/usr/bin/python3.11" ]; then
		dl=$(mktemp -d)
		chmod 0755 "$dl"
		say "downloading python3.11-minimal, libpython3.11-stdlib, libexpat1 (arm64)"
		(cd "$dl" && apt-get download -qq python3.11-minimal:arm64 \
			libpython3.11-minimal:arm64 libpython3.11-stdlib:arm64 libexpat1:arm64) ||
			die "apt-get download (python) failed"
		mkdir -p "$G/py"
		for d in "$dl"/*.deb; do dpkg-deb -x "$d" "$G/py"; done
		rm -rf "$dl"
	fi
	ls "$G"/boot/vmlinuz-*-arm64 >/dev/null && [ -x "$G/bin/busybox" ] ||
		die "guest kernel or busybox missing in $G"
	extract
	say "guest files in ${G#"$ROOT"/}: $(basename "$(ls "$G"/boot/vmlinuz-*-arm64 | sort -V | tail -n 1)"), busybox"
}

# Debian's arm64 vmlinuz is an uncompressed Image; its .BTF section is in it
# verbatim. Find the BTF header (magic 0xeb9f, version 1, hdr_len 24) that
# describes the largest blob and cut it out to $G/vmlinux.btf.
extract() {
	local img
	img=$(ls "$G"/boot/vmlinuz-*-arm64 | sort -V | tail -n 1)
	case "$(file -b "$img")" in
	*"ARM64 boot executable Image"*) ;;
	*gzip*) gunzip -c "$img" >"$G/Image" && img=$G/Image ;;
	*) die "$img: not an arm64 Image ($(file -b "$img"))" ;;
	esac
	[ "$G/vmlinux.btf" -nt "$img" ] && return 0
	python3 - "$img" "$G/vmlinux.btf" <<'EOF'
import struct, sys
d = open(sys.argv[1], 'rb').read()
best, i = None, 0
while True:
    i = d.find(b'\x9f\xeb\x01\x00\x18\x00\x00\x00', i)
    if i < 0:
        break
    hl, to, tl, so, sl = struct.unpack_from('<IIIII', d, i + 4)
    if to == 0 and so == tl and i + hl + so + sl <= len(d):
        if not best or tl > best[1]:
            best = (i, tl, hl + so + sl)
    i += 1
if not best:
    sys.exit('no BTF blob in ' + sys.argv[1])
i, _, n = best
open(sys.argv[2], 'wb').write(d[i:i + n])
print('cross-arm64: BTF: %d bytes at offset 0x%x' % (n, i), file=sys.stderr)
EOF
}

btf() {
	local img
	guest
	img=$(ls "$G"/boot/vmlinuz-*-arm64 | sort -V | tail -n 1)
	bpftool btf dump file "$G/vmlinux.btf" format c >vmlinux/arm64/vmlinux.h.tmp
	mv vmlinux/arm64/vmlinux.h.tmp vmlinux/arm64/vmlinux.h
	say "vmlinux/arm64/vmlinux.h from ${img##*/vmlinuz-} (BTF sha256 $(sha256sum "$G/vmlinux.btf" | cut -c1-16)...); update vmlinux/arm64/README"
}

case "${1:-}" in
deps) deps ;;
guest) guest ;;
btf) btf ;;
*) echo "usage: $0 deps|guest|btf" >&2; exit 2 ;;
esac
