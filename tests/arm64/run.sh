#!/usr/bin/env bash
# arm64 guest test (issue 6, item 7; doc/ARM64.md): boot Debian's arm64 6.1
# kernel in qemu-system-aarch64 under TCG with an initramfs holding
# busybox-static:arm64, the static ./rtguard-arm64, probe_guest, the LSM
# guest suite (tests/lsm/guest-tests.sh, shared with the x86 guest) and,
# optionally, the static arm64 test_progs. The guest's /init is
# tests/arm64/init; it prints `arm64-guest: N passed, N failed` last.
#
# Exit: 0 when the guest printed `arm64-guest: N passed, 0 failed`;
#       1 on any failure, a missing result line, a panic or a timeout;
#       77 (skip) when qemu-system-aarch64, the cross toolchain or the arm64
#       kernel cannot be had here.
# Env:  RTG_ARM64_TIMEOUT  seconds before the guest is killed (default 600)
#       RTG_ARM64_TESTS    test_progs globs to run in the guest, comma
#                          separated, or `all` (default: none; the guest has
#                          only busybox, so tests that need bash/python skip)
#       RTG_ARM64_LSM_SUITE=1  also run tests/lsm/guest-tests.sh when BPF LSM
#                          does not attach (information only, not counted)
#       RTG_ARM64_SMP      guest CPUs (default 2)
#       RTG_ARM64_CPU      qemu -cpu (default max,pauth-impdef=on)
#       RTG_ARM64_APPEND   extra kernel command line
#       RTG_ARM64_QUIET=1  print only the summary, not the guest's output
#       RTG_ARM64_NOBUILD=1  use the existing ./rtguard-arm64 and .output-arm64
set -uo pipefail

cd "$(dirname "$0")/../.." || exit 1
ROOT=$PWD
AOUT=$ROOT/.output-arm64
OUT=$AOUT/vm
G=$AOUT/guest
TIMEOUT=${RTG_ARM64_TIMEOUT:-600}
SKIP=77

say() { echo "arm64: $*"; }
skip() { say "SKIP: $*"; exit $SKIP; }
die() { say "FAIL: $*"; exit 1; }

mkdir -p "$OUT" || die "cannot create $OUT"
exec 9>"$OUT/.lock"
flock 9

# --- host side: toolchain, qemu, guest kernel + busybox ---------------------
if [ "$(id -u)" = 0 ]; then
	scripts/cross-arm64.sh guest >"$OUT/deps.log" 2>&1 ||
		{ tail -n 20 "$OUT/deps.log"; say "warning: scripts/cross-arm64.sh guest failed (log: $OUT/deps.log)"; }
fi
command -v qemu-system-aarch64 >/dev/null ||
	skip "qemu-system-aarch64 is not installed (scripts/cross-arm64.sh deps, as root)"
command -v aarch64-linux-gnu-gcc >/dev/null ||
	skip "aarch64-linux-gnu-gcc is not installed (scripts/cross-arm64.sh deps, as root)"
command -v cpio >/dev/null || skip "cpio is missing"
KERNEL=$(ls "$G"/boot/vmlinuz-*-arm64 2>/dev/null | sort -V | tail -n 1)
[ -n "$KERNEL" ] || skip "no arm64 guest kernel in $G (scripts/cross-arm64.sh guest, as root)"
[ -x "$G/bin/busybox" ] || skip "no busybox-static:arm64 in $G (scripts/cross-arm64.sh guest)"

# --- build ------------------------------------------------------------------
if [ "${RTG_ARM64_NOBUILD:-0}" != 1 ]; then
	make --no-print-directory cross-arm64-tests >"$OUT/build.log" 2>&1 ||
		{ tail -n 20 "$OUT/build.log"; die "make cross-arm64-tests failed (log: $OUT/build.log)"; }
fi
for f in "$ROOT/rtguard-arm64" "$AOUT/probe_guest"; do
	[ -x "$f" ] || die "$f missing (make cross-arm64-tests)"
	file -b "$f" | grep -q 'ARM aarch64.*statically linked' || die "$f is not a static aarch64 binary"
done

# The committed header is what the guest kernel's BTF generates (a newer
# Debian kernel than vmlinux/arm64/README names is only a note: CO-RE).
if [ -s "$G/vmlinux.btf" ] && command -v bpftool >/dev/null; then
	if bpftool btf dump file "$G/vmlinux.btf" format c 2>/dev/null | cmp -s - vmlinux/arm64/vmlinux.h; then
		say "vmlinux/arm64/vmlinux.h is generated from this guest kernel's BTF"
	else
		say "note: vmlinux/arm64/vmlinux.h differs from $(basename "$KERNEL")'s BTF (see vmlinux/arm64/README; scripts/cross-arm64.sh btf regenerates)"
	fi
fi

# --- initramfs --------------------------------------------------------------
WORK=$(mktemp -d "$OUT/run.XXXXXX") || die "mktemp failed"
trap 'rm -rf "$WORK"' EXIT
R=$WORK/root
mkdir -p "$R"/{bin,dev,proc,sys,tmp,run,etc,root,usr/bin,usr/sbin,usr/local/bin,tests/lsm,tests/arm64,repo}
ln -s bin "$R/sbin"
cp "$G/bin/busybox" "$R/bin/busybox"
# The arm64 busybox cannot run here to --install itself: link the applets
# the host's busybox lists (same Debian version, same applet set).
applets=$(/bin/busybox --list 2>/dev/null) || applets=$(busybox --list 2>/dev/null) ||
	die "need a host busybox to list the applets (apt-get install busybox-static)"
for a in $applets; do
	[ "$a" = busybox ] || [ -e "$R/bin/$a" ] || ln -s busybox "$R/bin/$a"
done
# Debian paths the tests name (/usr/bin/touch, /usr/bin/cat, ...)
for a in $applets; do
	[ -e "$R/usr/bin/$a" ] || ln -s /bin/busybox "$R/usr/bin/$a"
done
install -m 0755 tests/arm64/init "$R/init"
install -m 0755 tests/arm64/guest-tests.sh "$R/tests/arm64/guest-tests.sh"
install -m 0755 tests/lsm/*.sh "$R/tests/lsm/"
cp tests/lsm/*.yaml "$R/tests/lsm/"
install -m 0755 "$ROOT/rtguard-arm64" "$R/usr/sbin/rtguard"
install -m 0755 "$AOUT/probe_guest" "$R/usr/local/bin/probe_guest"
[ -s "$G/vmlinux.btf" ] && sha256sum "$G/vmlinux.btf" | cut -d' ' -f1 >"$R/tests/arm64/btf.sha256"
if [ -n "${RTG_ARM64_TESTS:-}" ]; then
	[ -x "$AOUT/test_progs-static" ] || die "$AOUT/test_progs-static missing (make cross-arm64-tests)"
	install -m 0755 "$AOUT/test_progs-static" "$R/repo/test_progs"
	ln -s /usr/sbin/rtguard "$R/repo/rtguard"
	cp -r policies "$R/repo/"
	# python3 (the tests' JSON checks): Debian's arm64 python3.11, dynamic,
	# with the arm64 libc from multiarch.
	if [ -x "$G/py/usr/bin/python3.11" ]; then
		cp -a "$G/py/usr" "$R/"
		ln -sf python3.11 "$R/usr/bin/python3"
		mkdir -p "$R/lib/aarch64-linux-gnu"
		for l in /lib/aarch64-linux-gnu/{ld-linux-aarch64.so.1,libc.so.6,libm.so.6} \
			/usr/lib/aarch64-linux-gnu/libz.so.1; do
			cp -L "$l" "$R/lib/aarch64-linux-gnu/" || die "missing arm64 $l (libc6:arm64, zlib1g:arm64)"
		done
		cp -L "$G"/py/lib/aarch64-linux-gnu/libexpat.so.1 "$R/lib/aarch64-linux-gnu/" 2>/dev/null ||
			cp -L "$G"/py/usr/lib/aarch64-linux-gnu/libexpat.so.1 "$R/lib/aarch64-linux-gnu/"
		ln -sf aarch64-linux-gnu/ld-linux-aarch64.so.1 "$R/lib/ld-linux-aarch64.so.1"
	fi
	mkdir -p "$R/repo/tests" && cp -r tests/lsm "$R/repo/tests/"
	[ -d tests/fixtures ] && cp -r tests/fixtures "$R/repo/tests/"
fi
echo "root:x:0:0:root:/root:/bin/sh" >"$R/etc/passwd"
echo "root:x:0:" >"$R/etc/group"
INITRD=$WORK/initrd.cpio
(cd "$R" && find . | cpio -o -H newc --quiet >"$INITRD") || die "cpio failed"

# --- boot -------------------------------------------------------------------
LOG=$OUT/console.log
APPEND="console=ttyAMA0 panic=-1 quiet sysrq_always_enabled${RTG_ARM64_TESTS:+ rtg.tests=$RTG_ARM64_TESTS}${RTG_ARM64_LSM_SUITE:+ rtg.lsmsuite=$RTG_ARM64_LSM_SUITE}${RTG_ARM64_APPEND:+ $RTG_ARM64_APPEND}"
say "booting $(basename "$KERNEL") under qemu-system-aarch64/TCG (timeout ${TIMEOUT}s, console: ${LOG#"$ROOT"/})"
# shellcheck source=tests/guest_lib.sh
. "$ROOT/tests/guest_lib.sh"
guest_run qemu-system-aarch64 -M virt -cpu "${RTG_ARM64_CPU:-max,pauth-impdef=on}" \
	-accel tcg,thread=single -m 1G -smp "${RTG_ARM64_SMP:-2}" -nographic -no-reboot -net none \
	-kernel "$KERNEL" -initrd "$INITRD" -append "$APPEND"

# --- result -----------------------------------------------------------------
QUIET=${RTG_ARM64_QUIET:-0}
trap 'cp "$WORK/console.txt" "$OUT/console.txt" 2>/dev/null; rm -rf "$WORK"' EXIT
guest_verdict arm64 'Kernel panic|BUG: |Oops|Internal error'
