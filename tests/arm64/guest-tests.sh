#!/bin/sh
# The arm64 guest checks for a kernel WITHOUT BPF LSM attach (Debian 12's
# arm64 6.1: lsm/ and fentry/ attach fail with ENOTSUPP because arm64 has no
# ftrace direct calls before 6.4). Run by tests/arm64/init when `rtguard
# probe` reports lsm=no. Asserts the fallbacks the probe chooses on arm64:
# events from tp_btf/tracepoints, equal-path exec/open deny = real EPERM via
# fanotify, prefix open deny = SIGKILL, connect deny = real EPERM via
# cgroup/connect4|6. Policy: tests/lsm/deny.yaml (fixtures from init).
# Prints `ok - NAME` / `not ok - NAME: DETAILS` and, last,
# `arm64-fallback: N passed, N failed`.
RTG=${RTG:-/usr/sbin/rtguard}
PG=/usr/local/bin/probe_guest
POLICY=/tests/lsm/deny.yaml
EVENTS=/tmp/a64-events.json
AGENT_LOG=/tmp/a64-agent.log
READY_TIMEOUT=${READY_TIMEOUT:-60}

npass=0
nfail=0
pass() { npass=$((npass + 1)); echo "ok - $1"; }
fail() { nfail=$((nfail + 1)); echo "not ok - $1: $2"; }
oneline() { printf '%s' "$1" | tr '\n' '|' | cut -c1-300; }
now() { date +%s; }

# expect NAME WANT_RC WANT_OUTPUT CMD...: CMD exits WANT_RC (- = any) and
# its output contains WANT_OUTPUT.
expect() {
	name=$1 wrc=$2 want=$3
	shift 3
	out=$(timeout 20 "$@" 2>&1)
	rc=$?
	if [ "$wrc" != - ] && [ "$rc" != "$wrc" ]; then
		fail "$name" "exit $rc, want $wrc; output '$(oneline "$out")'"
		return
	fi
	case "$out" in
	*"$want"*) pass "$name" ;;
	*) fail "$name" "want '$want', got '$(oneline "$out")' (exit $rc)" ;;
	esac
}

# event NAME FIXED EREGEX...: some event line has FIXED and matches all EREGEX.
event() {
	name=$1 fixed=$2
	shift 2
	lines=$(grep -F -- "$fixed" "$EVENTS" 2>/dev/null)
	for re in "$@"; do
		lines=$(printf '%s\n' "$lines" | grep -E -- "$re")
	done
	if [ -n "$lines" ]; then
		pass "$name"
	else
		fail "$name" "no event with '$fixed' matching $*; candidates: '$(grep -F -- "$fixed" "$EVENTS" 2>/dev/null | head -2 | tr '\n' '|' | cut -c1-500)'"
	fi
}

echo "arm64-fallback: starting ($(uname -r), $(uname -m))"

probe=$("$RTG" probe 2>&1)
if printf '%s\n' "$probe" | grep -Eq '^ *lsm +no +attach: .*(524|not supported)'; then
	pass "probe: lsm attach unsupported (ENOTSUPP), as expected on arm64 < 6.4"
else
	fail "probe: lsm attach unsupported" "$(printf '%s\n' "$probe" | grep -E '^ *lsm ')"
fi
for l in 'tp_btf +yes' 'cgroup_connect4 +yes' 'fanotify_perm +yes' 'send_signal +yes' \
	'open deny \(equal path\) +fanotify' 'open deny \(prefix/suffix\) +sigkill' \
	'exec deny \(equal path\) +fanotify' 'connect deny +cgroup'; do
	if printf '%s\n' "$probe" | grep -Eq "^ *$l"; then
		pass "probe: $l"
	else
		fail "probe: $l" "not in the probe table"
	fi
done

"$PG" listen 127.0.0.1 9999 &
l1=$!
"$PG" listen 127.0.0.1 9998 &
l2=$!
sleep 0.5

rm -f "$EVENTS" "$AGENT_LOG"
t0=$(now)
"$RTG" --policy "$POLICY" --output json --output-file "$EVENTS" 2>"$AGENT_LOG" &
agent=$!
ready=0
while [ $(($(now) - t0)) -lt "$READY_TIMEOUT" ]; do
	grep -qF "rtguard: info: running" "$AGENT_LOG" 2>/dev/null && { ready=1; break; }
	kill -0 "$agent" 2>/dev/null || break
	sleep 0.2
done
if [ "$ready" = 1 ]; then
	pass "agent ready after $(($(now) - t0)) s"
else
	fail "agent ready" "$(oneline "$(tail -n 5 "$AGENT_LOG")")"
fi
if grep -q 'fanotify' "$AGENT_LOG"; then
	pass "agent logs the fanotify/sigkill enforcement choice"
else
	fail "agent logs the fanotify/sigkill enforcement choice" "$(oneline "$(cat "$AGENT_LOG")")"
fi

# audited exec and open (the policy's defaults: exec audit, open allow;
# /etc/lsm-allowed is not denied, so the open is seen only as a deny below)
expect "audited exec runs" 0 hello "$PG" hello
expect "equal-denied open -> EPERM (fanotify)" 1 "open: EPERM" "$PG" open /etc/lsm-secret
expect "symlink to equal-denied file -> EPERM" 1 "open: EPERM" sh -c 'ln -sf /etc/lsm-secret /tmp/s && '"$PG"' open /tmp/s'
expect "allowed open works" 0 "open: ok" "$PG" open /etc/lsm-allowed
expect "prefix-denied open -> killed (SIGKILL)" 137 "" "$PG" open /srv/private/data
expect "file next to the denied prefix opens" 0 "open: ok" "$PG" open /srv/public/data
expect "equal-denied exec -> EPERM (fanotify)" 1 "exec: EPERM" "$PG" exec /usr/local/bin/forbidden hello
expect "connect to denied port -> EPERM (cgroup)" 1 "connect: EPERM" "$PG" connect 127.0.0.1 9999
expect "v4-mapped connect to denied port -> EPERM" 1 "connect: EPERM" "$PG" connect ::ffff:127.0.0.1 9999
expect "udp connect to denied port -> EPERM" 1 "connect: EPERM" "$PG" connect 127.0.0.1 9999 udp
expect "connect to allowed port works" 0 "connect: ok" "$PG" connect 127.0.0.1 9998

kill -TERM "$agent" 2>/dev/null
t1=$(now)
while kill -0 "$agent" 2>/dev/null && [ $(($(now) - t1)) -lt 30 ]; do sleep 0.2; done
if kill -0 "$agent" 2>/dev/null; then
	fail "agent exits on SIGTERM" "still running after 30 s"
	kill -KILL "$agent"
else
	wait "$agent"
	rc=$?
	[ "$rc" = 0 ] && pass "agent exits 0 on SIGTERM" || fail "agent exits 0 on SIGTERM" "exit $rc"
fi
kill "$l1" "$l2" 2>/dev/null

A='"action": ?'
E='"enforced": ?true'
M='"mechanism": ?'
event "exec event for the audited exec" '"hello"' '"type": ?"exec"' "${A}\"audit\"" '"binary": ?"/usr/local/bin/probe_guest"'
event "exit event with the exit code" '"hello"' '"type": ?"exit"' '"code": ?0'
event "open deny event (fanotify)" /etc/lsm-secret '"type": ?"open"' "${A}\"deny\"" "$E" "${M}\"fanotify\""
event "open kill event (sigkill)" /srv/private/data '"type": ?"open"' "${A}\"kill\"" "$E" "${M}\"sigkill\""
event "exec deny event (fanotify)" /usr/local/bin/forbidden '"type": ?"exec"' "${A}\"deny\"" "$E" "${M}\"fanotify\""
event "connect deny event (cgroup)" '"connect"' '"dport": ?9999' '"type": ?"connect"' "${A}\"deny\"" "$E" "${M}\"cgroup\""
expect "after exit: secret readable again" 0 "open: ok" "$PG" open /etc/lsm-secret
expect "after exit: prefix file readable again" 0 "open: ok" "$PG" open /srv/private/data

if [ "$nfail" -gt 0 ]; then
	echo "arm64-fallback: --- agent stderr ---"
	tail -n 30 "$AGENT_LOG"
	echo "arm64-fallback: --- events (first 10) ---"
	head -n 10 "$EVENTS" | cut -c1-400
fi
echo "arm64-fallback: $npass passed, $nfail failed"
