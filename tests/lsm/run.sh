#!/usr/bin/env bash
# LSM guest test (issue 3, item 7): boot Debian's 6.1 kernel (BPF LSM on) in
# qemu under TCG with an initramfs holding busybox, a static rtguard, the
# tests and their fixtures; the guest runs tests/lsm/guest-tests.sh and
# powers off. Everything the guest needs goes into the initramfs (virtio and 9p
# are modules in Debian's kernel); qemu exits 0 even when tests fail, so the
# result is read from the serial console.
#
# Exit: 0 when the guest printed `lsm-guest: N passed, 0 failed`;
#       1 on any failure, a missing result line, a panic or a timeout;
#       77 (skip) only when qemu or a 6.1 guest kernel cannot be had here.
# Env:  RTG_LSM_TIMEOUT  seconds before the guest is killed (default 240)
#       RTG_LSM_BIN      rtguard binary to put in the guest (default: make static)
#       RTG_LSM_KERNEL   guest kernel (default: newest /boot/vmlinuz-6.1.0-*-amd64)
#       RTG_LSM_SERIES=6.12  boot Debian 12's 6.12 kernel instead (fetched
#                        once with apt-get download into .output/lsm/k6.12):
#                        where the direct-load (_btf) programs run under LSM
#       RTG_LSM_APPEND   extra kernel command line (e.g. rdinit=... to test the harness)
#       RTG_LSM_QUIET=1  print only the summary, not the guest's output
#       RTG_LSM_BENCH=N  instead of the tests, run `rtguard bench` (micro,
#                        quick, off/floor/on, N rounds) in the guest and
#                        print its results and targets (make bench-lsm);
#                        the check is that the bench ran to its end
set -uo pipefail

cd "$(dirname "$0")/../.." || exit 1
ROOT=$PWD
OUT=$ROOT/.output/lsm
BENCH=${RTG_LSM_BENCH:-}
case "$BENCH" in '' | [1-9] | [1-9][0-9]) ;; *) echo "lsm: RTG_LSM_BENCH must be a number of rounds (1-99)" >&2; exit 2 ;; esac
TIMEOUT=${RTG_LSM_TIMEOUT:-$([ -n "$BENCH" ] && echo $((300 + 120 * BENCH)) || echo 240)}
SKIP=77

say() { echo "lsm: $*"; }
skip() { say "SKIP: $*"; exit $SKIP; }
die() { say "FAIL: $*"; exit 1; }

mkdir -p "$OUT" || die "cannot create $OUT"
# One guest at a time (make test and test_progs may both call us).
exec 9>"$OUT/.lock"
flock 9

newest_kernel() {
	local k
	for k in /boot/vmlinuz-6.1.0-*-amd64; do
		[ -e "$k" ] && echo "$k"
	done | sort -V | tail -n 1
}

# Debian 12's 6.12 kernel image, unpacked once (RTG_LSM_SERIES=6.12): its
# vmlinuz path, or nothing when the package cannot be had.
kernel_612() {
	local dir=$OUT/k6.12 pkg k
	k=$(ls "$dir"/boot/vmlinuz-6.12.* 2>/dev/null | sort -V | tail -n 1)
	[ -n "$k" ] && { echo "$k"; return; }
	pkg=$(apt-cache search --names-only '^linux-image-6\.12\.[0-9]+\+deb12-amd64$' 2>/dev/null |
		cut -d' ' -f1 | sort -V | tail -n 1)
	[ -n "$pkg" ] || return
	mkdir -p "$dir/deb" || return
	(cd "$dir/deb" && apt-get download "$pkg" >/dev/null 2>&1) || return
	dpkg-deb -x "$dir"/deb/"$pkg"_*.deb "$dir/x" 2>/dev/null || return
	mkdir -p "$dir/boot" && mv "$dir"/x/boot/vmlinuz-* "$dir/boot/" &&
		rm -rf "$dir/x" "$dir/deb"
	ls "$dir"/boot/vmlinuz-6.12.* 2>/dev/null | sort -V | tail -n 1
}

# --- what must exist on the host --------------------------------------------
need_pkgs=0
command -v qemu-system-x86_64 >/dev/null || need_pkgs=1
[ -n "${RTG_LSM_KERNEL:-}" ] || [ -n "$(newest_kernel)" ] || need_pkgs=1
command -v cpio >/dev/null || need_pkgs=1
[ -x /bin/busybox ] || need_pkgs=1
if [ "$need_pkgs" = 1 ] && [ "$(id -u)" = 0 ] && [ -x scripts/deps.sh ]; then
	say "installing the LSM guest packages (scripts/deps.sh test)"
	scripts/deps.sh test || say "warning: scripts/deps.sh test failed"
fi
command -v qemu-system-x86_64 >/dev/null ||
	skip "qemu-system-x86_64 is not installed and cannot be installed here (apt-get install qemu-system-x86)"
if [ "${RTG_LSM_SERIES:-}" = 6.12 ] && [ -z "${RTG_LSM_KERNEL:-}" ]; then
	RTG_LSM_KERNEL=$(kernel_612)
	[ -n "$RTG_LSM_KERNEL" ] ||
		skip "Debian 12's 6.12 kernel (linux-image-6.12.*+deb12-amd64) cannot be downloaded here"
fi
KERNEL=${RTG_LSM_KERNEL:-$(newest_kernel)}
if [ -z "$KERNEL" ] || [ ! -e "$KERNEL" ]; then
	skip "no Debian 6.1 guest kernel (/boot/vmlinuz-6.1.0-*-amd64) and it cannot be installed here (apt-get install linux-image-amd64 on Debian 12)"
fi
[ -r "$KERNEL" ] || skip "guest kernel $KERNEL is not readable (run as root)"
command -v cpio >/dev/null || die "cpio is missing (apt-get install cpio)"
if [ ! -x /bin/busybox ] || ldd /bin/busybox >/dev/null 2>&1; then
	die "/bin/busybox is missing or not static (apt-get install busybox-static)"
fi

# --- build ----------------------------------------------------------------------
BIN=${RTG_LSM_BIN:-}
LIBS_FROM=
if [ -z "$BIN" ]; then
	if make --no-print-directory static >"$OUT/build.log" 2>&1; then
		BIN=$ROOT/rtguard-static
	else
		tail -n 20 "$OUT/build.log"
		say "note: 'make static' failed (log: $OUT/build.log); using the dynamic ./rtguard and its shared libraries"
		make --no-print-directory rtguard >>"$OUT/build.log" 2>&1 ||
			die "cannot build rtguard (log: $OUT/build.log)"
		BIN=$ROOT/rtguard
	fi
fi
[ -x "$BIN" ] || die "rtguard binary $BIN missing"
ldd "$BIN" >/dev/null 2>&1 && LIBS_FROM=$BIN

PROBE=$OUT/probe_guest
if [ ! -x "$PROBE" ] || [ tests/lsm/probe_guest.c -nt "$PROBE" ]; then
	gcc -static -O2 -Wall -Wextra -Werror -D_GNU_SOURCE \
		tests/lsm/probe_guest.c -o "$PROBE" ||
		die "cannot build tests/lsm/probe_guest.c (gcc -static)"
fi

# --- initramfs --------------------------------------------------------------------
WORK=$(mktemp -d "$OUT/run.XXXXXX") || die "mktemp failed"
trap 'rm -rf "$WORK"' EXIT
R=$WORK/root
mkdir -p "$R"/{bin,dev,proc,sys,tmp,run,etc,root,usr/bin,usr/sbin,usr/local/bin,tests/lsm}
ln -s bin "$R/sbin"
# Applet symlinks from busybox itself (a shell loop of `ln` takes seconds
# here); they point at the host's busybox path, so put the binary there.
/bin/busybox --install -s "$R/bin" || die "busybox --install failed"
bb=$(readlink "$R/bin/sh")
case "$bb" in /*) ;; *) die "unexpected busybox applet link '$bb'" ;; esac
mkdir -p "$R$(dirname "$bb")"
rm -f "$R$bb" # may be an applet link itself; never write through it
cp /bin/busybox "$R$bb"
[ -e "$R/bin/busybox" ] || ln -sf "$bb" "$R/bin/busybox"
install -m 0755 tests/lsm/init "$R/init"
install -m 0755 tests/lsm/guest-tests.sh "$R/tests/lsm/guest-tests.sh"
install -m 0755 tests/lsm/bypass-tests.sh "$R/tests/lsm/bypass-tests.sh"
cp tests/lsm/*.yaml "$R/tests/lsm/"
install -m 0755 "$BIN" "$R/usr/sbin/rtguard"
install -m 0755 "$PROBE" "$R/usr/local/bin/probe_guest"
if [ -n "$BENCH" ]; then # the bench's workload configs (RTG_BENCH_DIR)
	mkdir -p "$R/usr/share/rtguard/bench"
	find bench -maxdepth 1 -type f -exec cp {} "$R/usr/share/rtguard/bench/" \;
fi
if [ -n "$LIBS_FROM" ]; then # dynamic fallback: the loader and every library
	for lib in $(ldd "$LIBS_FROM" | grep -o '/[^ ]*'); do
		mkdir -p "$R$(dirname "$lib")"
		cp -L "$lib" "$R$lib"
	done
fi
echo "root:x:0:0:root:/root:/bin/sh" >"$R/etc/passwd"
echo "root:x:0:" >"$R/etc/group"
INITRD=$WORK/initrd.cpio
(cd "$R" && find . | cpio -o -H newc --quiet >"$INITRD") || die "cpio failed"

# --- boot -----------------------------------------------------------------------------
LOG=$OUT/console.log
# nosoftlockup, rcu_cpu_stall_suppress: under TCG the verifier holds a vCPU
# for many seconds while it checks the agent's programs; that is slowness
# of the emulation, not a lockup worth a warning (or a "BUG:" line).
APPEND="console=ttyS0 panic=-1 quiet nosoftlockup rcupdate.rcu_cpu_stall_suppress=1 sysrq_always_enabled${BENCH:+ rtg.bench=$BENCH}${RTG_LSM_APPEND:+ $RTG_LSM_APPEND}"
say "booting $(basename "$KERNEL") under qemu/TCG (timeout ${TIMEOUT}s, console: ${LOG#"$ROOT"/})"
# shellcheck source=tests/guest_lib.sh
. "$ROOT/tests/guest_lib.sh"
# thread=single: one host thread runs both vCPUs (see guest_lib.sh).
guest_run qemu-system-x86_64 -accel tcg,thread=single -m 1G -smp 2 \
	-nographic -no-reboot -net none -kernel "$KERNEL" -initrd "$INITRD" \
	-append "$APPEND"

# --- result -----------------------------------------------------------------
QUIET=${RTG_LSM_QUIET:-0}
guest_verdict lsm 'Kernel panic|BUG: |Oops|general protection fault'
