# Shared by the qemu guest runners (tests/lsm/run.sh, tests/arm64/run.sh):
# turn the serial console into the test verdict. qemu exits 0 even when the
# tests inside fail, so the result is the guest's closing line
# `NAME-guest: N passed, N failed` on the console.
#
# guest_run QEMU ARGS...: run qemu (with -nographic), its console into
# $LOG; sets qrc (qemu's exit status, 124 on a hang) and secs. A guest
# hangs when it runs past $TIMEOUT seconds or its console stays silent for
# half of that (at least 120 s; the guests print a line per check). It is
# then asked where before it is killed: a serial BREAK and sysrq `9`
# (every message to the console), sysrq `w` (blocked tasks), then sysrq
# `t` (every task's state and stack), so the kernel needs
# `sysrq_always_enabled` on its command line. stdin is a FIFO held open
# by us; nothing else is typed.
#
# Both runners give qemu `-accel tcg,thread=single`. Under multi-threaded
# TCG a guest hung about once in ten boots, always while the agent was
# attaching its programs: one vCPU was seen spinning at
# syscall_trace_enter+0xe9, a jump-label site that attaching a syscall
# tracepoint patches, while the other waited in smp_call_function_single()
# for an IPI it never got (once with page faults queued on mmap_lock
# behind it). With one host thread running both vCPUs the code patch and
# its IPIs are serialised; boots take the same time and none has hung.
#
# A hung guest is still booted once more, its first console kept as
# $LOG.hang and the hang summed up on our output (the blocked tasks and
# where the first one waits). A second hang in a row is the verdict.
guest_run() {
	local try
	for try in 1 2; do
		guest_boot "$@"
		[ "$qrc" = 124 ] && [ "$try" = 1 ] || return 0
		cp "$LOG" "$LOG.hang"
		say "guest hung: $(guest_blocked | wc -l) blocked task(s) $(guest_blocked | sed -E 's/.*task:([^ ]*).*/\1/' | sort | uniq -c | tr -s ' \n' ' ')"
		guest_first_wait | sed "s/^/$(say '') /"
		say "booting it once more (first console: $LOG.hang)"
	done
}

# the `task:` lines that sysrq w printed (blocked tasks), from $LOG
guest_blocked() {
	tr -d '\r' <"$LOG" | sed -n '/sysrq: Show Blocked State/,/sysrq: Show State/p' |
		grep -a 'task:'
}

# the call trace of the first blocked task, without the scheduler frames
guest_first_wait() {
	tr -d '\r' <"$LOG" | sed -n '/sysrq: Show Blocked State/,/sysrq: Show State/p' |
		sed -n '/task:/,/<\/TASK>/p' | sed -n '/<\/TASK>/q;p' |
		grep -aE '^\[[ 0-9.]+\]  [a-z_?]' | grep -avE 'schedule|</?TASK>' |
		head -6 | sed -E 's/^\[[ 0-9.]+\]  //'
}

guest_boot() {
	local fifo=$WORK/console-in start size last_size=-1 quiet_since
	rm -f "$fifo"
	mkfifo "$fifo" || die "mkfifo $fifo failed"
	exec 8<>"$fifo"
	start=$(date +%s.%N)
	"$@" <&8 >"$LOG" 2>&1 &
	local pid=$! end=$((SECONDS + TIMEOUT)) stall=$((TIMEOUT / 2))
	[ "$stall" -ge 120 ] || stall=120
	quiet_since=$SECONDS
	while kill -0 "$pid" 2>/dev/null && [ "$SECONDS" -lt "$end" ] &&
		[ $((SECONDS - quiet_since)) -lt "$stall" ]; do
		sleep 1
		size=$(stat -c %s "$LOG" 2>/dev/null || echo 0)
		if [ "$size" != "$last_size" ]; then
			last_size=$size
			quiet_since=$SECONDS
		fi
	done
	if kill -0 "$pid" 2>/dev/null; then
		say "guest hung (running $((SECONDS - end + TIMEOUT))s, console silent $((SECONDS - quiet_since))s): asking its kernel for blocked tasks and every task's state"
		# qemu's mux: Ctrl-A b is a BREAK on the serial line; the next
		# character is the sysrq command.
		printf '\001b9' >&8 # console loglevel 9: the dumps are KERN_INFO
		sleep 2
		printf '\001bw' >&8
		sleep 10
		printf '\001bt' >&8
		sleep 30
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
		die "guest hung (over ${TIMEOUT}s, or a silent console; a panic without reboot?); console: $LOG"
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
