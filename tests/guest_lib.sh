# Shared by the qemu guest runners (tests/lsm/run.sh, tests/arm64/run.sh):
# turn the serial console into the test verdict. qemu exits 0 even when the
# tests inside fail, so the result is the guest's closing line
# `NAME-guest: N passed, N failed` on the console.
#
# guest_run QEMU ARGS...: run qemu (with -nographic) for at most $TIMEOUT
# seconds, its console into $LOG; sets qrc (qemu's exit status, 124 on a
# timeout) and secs. A guest that hangs is asked where before it is killed:
# its console gets a serial BREAK and then sysrq `w` (blocked tasks) and `l`
# (every CPU's backtrace), so the kernel needs `sysrq_always_enabled` on
# its command line. stdin is a FIFO held open by us; nothing else is typed.
guest_run() {
	local fifo=$WORK/console-in start
	mkfifo "$fifo" || die "mkfifo $fifo failed"
	exec 8<>"$fifo"
	start=$(date +%s.%N)
	"$@" <&8 >"$LOG" 2>&1 &
	local pid=$! end=$((SECONDS + TIMEOUT))
	while kill -0 "$pid" 2>/dev/null && [ "$SECONDS" -lt "$end" ]; do
		sleep 1
	done
	if kill -0 "$pid" 2>/dev/null; then
		say "guest still running after ${TIMEOUT}s: asking its kernel for blocked tasks and CPU backtraces"
		# qemu's mux: Ctrl-A b is a BREAK on the serial line; the next
		# character is the sysrq command.
		printf '\001bw' >&8
		sleep 10
		printf '\001bl' >&8
		sleep 20
		kill "$pid" 2>/dev/null
		sleep 5
		kill -9 "$pid" 2>/dev/null
		wait "$pid" 2>/dev/null
		qrc=124
	else
		wait "$pid"
		qrc=$?
	fi
	exec 8>&-
	secs=$(echo "$(date +%s.%N) $start" | awk '{printf "%.1f", $1 - $2}')
}

# guest_verdict NAME PANIC_RE: reads $LOG (console), $WORK, $qrc (qemu's
# exit status), $secs, $TIMEOUT and $QUIET; prints the guest's output
# (from its `NAME-init:` lines on) unless QUIET=1; exits 0 on a clean pass,
# otherwise dies (die() of the caller) with the reason.
guest_verdict() {
	local name=$1 panic_re=$2 result nfail
	# plain text: no CRs, no terminal escapes from the firmware or qemu
	tr -d '\r' <"$LOG" | sed -E 's/\x1b(\[[0-9;?]*[A-Za-z]|c)//g' >"$WORK/console.txt"
	result=$(grep -aE "^$name-guest: [0-9]+ passed, [0-9]+ failed\$" "$WORK/console.txt" | tail -n 1)
	if [ "${QUIET:-0}" != 1 ]; then
		# the guest's own output; the console's tail when it never got that far
		if grep -aq "^$name-init:" "$WORK/console.txt"; then
			sed -n "/^$name-init:/,\$p" "$WORK/console.txt" | grep -av '^\s*$'
		else
			tail -n 40 "$WORK/console.txt"
		fi
	fi
	if [ "$qrc" = 124 ] || [ "$qrc" = 137 ]; then
		die "guest timed out after ${TIMEOUT}s (hang or panic without reboot); console: $LOG"
	fi
	[ "$qrc" = 0 ] || die "qemu exited with status $qrc after ${secs}s; console: $LOG"
	if grep -aqE "$panic_re" "$WORK/console.txt"; then
		grep -aE -A3 "$panic_re" "$WORK/console.txt" | head -n 20
		[ -n "$result" ] && die "guest kernel crashed; console: $LOG"
	fi
	[ -n "$result" ] || die "no '$name-guest: N passed, N failed' line from the guest (boot or init failure?) after ${secs}s; console: $LOG"
	nfail=$(echo "$result" | sed -E 's/.* ([0-9]+) failed$/\1/')
	say "$result (boot+tests ${secs}s)"
	[ "$nfail" = 0 ] || die "$nfail guest check(s) failed; console: $LOG"
	say "PASS"
	exit 0
}
