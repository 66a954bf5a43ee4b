# Bypass attempts under BPF LSM (doc/BYPASS.md, column "BPF LSM"). Sourced
# by guest-tests.sh after its own agent has stopped, before its summary: it
# uses that script's pass/fail/expect_out/oneline/stop_agent and counters.
# Starts its own agent with the policy below; every deny must be an EPERM
# from lsm/file_open or lsm/bprm_check_security (connect: cgroup), and the
# known limits of path rules are asserted as such.
BP_POLICY=/tmp/bypass.yaml
BP_EVENTS=/tmp/bypass-events.json
BP_LOG=/tmp/bypass-agent.log

echo "lsm-guest: --- bypass attempts (doc/BYPASS.md) ---"
mkdir -p /srv/xbin /srv/public /mnt/bp /tmp/bp
cp /usr/local/bin/probe_guest /srv/xbin/tool
printf '#!/bin/sh\necho script-ran\n' >/srv/xbin/s.sh
chmod 0755 /srv/xbin/tool /srv/xbin/s.sh
ln -sf /srv/xbin/s.sh /srv/public/link-script
ln -sf /srv/private /srv/public/link-dir
ln -sf /etc/lsm-secret /tmp/bp/link-secret
cat >"$BP_POLICY" <<'EOF'
name: lsm-bypass
defaults: { exec: allow, open: allow, connect: allow }
rules:
  - name: secret
    on: open
    match: { path: { equal: [/etc/lsm-secret] } }
    action: deny
  - name: private
    on: open
    match: { path: { prefix: [/srv/private/] } }
    action: deny
  - name: forbidden
    on: exec
    match: { path: { equal: [/usr/local/bin/forbidden] } }
    action: deny
  - name: xbin
    on: exec
    match: { path: { prefix: [/srv/xbin/, "/memfd:bp-deny"] } }
    action: deny
  - name: closed-port
    on: connect
    match: { daddr: [127.0.0.0/8], dport: [9999] }
    action: deny
EOF

rm -f "$BP_EVENTS" "$BP_LOG"
"$RTG" --policy "$BP_POLICY" --output json --output-file "$BP_EVENTS" 2>"$BP_LOG" &
agent_pid=$!
t0=$(now)
while [ $(($(now) - t0)) -lt "${BP_READY_TIMEOUT:-120}" ]; do
	grep -qF "$READY_LINE" "$BP_LOG" 2>/dev/null && break
	kill -0 "$agent_pid" 2>/dev/null || break
	sleep 0.2
done
if grep -qF "$READY_LINE" "$BP_LOG" 2>/dev/null; then
	pass "bypass: agent ready"
else
	fail "bypass: agent ready" "$(oneline "$(tail -5 "$BP_LOG" 2>/dev/null)")"
fi

# blocked: EPERM from the LSM, whatever the spelling or the syscall
E="open: EPERM"
expect_out "bypass: relative path" "$E" sh -c 'cd /srv/private && exec probe_guest open data'
expect_out "bypass: '..' and '//'" "$E" "$PG" open /srv/public/..//private/./data
expect_out "bypass: symlink to the file" "$E" "$PG" open /tmp/bp/link-secret
expect_out "bypass: symlink to the directory" "$E" "$PG" open /srv/public/link-dir/data
expect_out "bypass: openat2 RESOLVE_BENEATH" "$E" "$PG" openat2 /srv private/data
expect_out "bypass: /proc/self/fd reopen of an O_PATH fd (equal)" "$E" "$PG" procfd /etc/lsm-secret
expect_out "bypass: /proc/self/fd reopen of an O_PATH fd (prefix)" "$E" "$PG" procfd /srv/private/data
expect_out "bypass: /proc/self/root" "$E" "$PG" open /proc/self/root/srv/private/data
cp "$PG" /srv/public/pg
expect_out "bypass: chroot" "$E" chroot /srv /public/pg open /private/data
expect_out "bypass: open_by_handle_at (prefix)" "$E" "$PG" byhandle /srv/private/data
expect_out "bypass: io_uring IORING_OP_OPENAT (equal)" "$E" "$PG" uring /etc/lsm-secret
expect_out "bypass: io_uring IORING_OP_OPENAT (prefix)" "$E" "$PG" uring /srv/private/data
expect_out "bypass: new mount namespace, no bind" "$E" "$PG" bindopen /mnt/bp /mnt/bp /srv/private/data

# limits of path rules, under LSM too: the opened file's path is another
ln /etc/lsm-secret /srv/public/hardlink-secret 2>/dev/null
ln /srv/private/data /srv/public/hardlink-private 2>/dev/null
expect_out "bypass: hardlink of an equal-denied file reads (limit: path rules)" "open: ok" "$PG" open /srv/public/hardlink-secret
expect_out "bypass: hardlink of a prefix-denied file reads (limit: path rules)" "open: ok" "$PG" open /srv/public/hardlink-private
# a bind mount shows a subtree, a clone is in no namespace: the file is
# matched by its real path too; as root and as nobody in unshare -Urm
# (overlayfs is a module the guest does not have: tests/test_bypass_mounts.c)
expect_out "bypass: bind mount of the denied dir" "$E" "$PG" bindopen /srv/private /mnt/bp /mnt/bp/data
expect_out "bypass: open_tree clone of the denied dir" "$E" "$PG" cloneopen /srv/private data
expect_out "bypass: exec through an open_tree clone (prefix)" "exec: EPERM" "$PG" cloneexec /srv/xbin tool hello
expect_out "bypass: bind mount as nobody in unshare -Urm" "$E" "$PG" nobody bindopen /srv/private /mnt/bp /mnt/bp/data
expect_out "bypass: open_tree clone as nobody in unshare -Urm" "$E" "$PG" nobody cloneopen /srv/private data
expect_out "bypass: exec through a clone as nobody in unshare -Urm" "exec: EPERM" "$PG" nobody cloneexec /srv/xbin tool hello

# exec
X="exec: EPERM"
expect_out "bypass: execveat AT_EMPTY_PATH (equal)" "$X" "$PG" execveat /usr/local/bin/forbidden hello
expect_out "bypass: execveat AT_EMPTY_PATH (prefix)" "$X" "$PG" execveat /srv/xbin/tool hello
expect_out "bypass: exec by relative path" "$X" sh -c 'cd /srv/xbin && exec probe_guest exec ./tool hello'
expect_out "bypass: #! script under a denied prefix" "$X" "$PG" exec /srv/xbin/s.sh
expect_out "bypass: #! script by relative path (bprm_check sees the script's file)" "$X" sh -c 'cd /srv/xbin && exec probe_guest exec ./s.sh'
expect_out "bypass: #! script through a symlink" "$X" "$PG" exec /srv/public/link-script
expect_out "bypass: sh SCRIPT runs (limit: the script is read as data)" "script-ran" sh /srv/xbin/s.sh
expect_out "bypass: memfd copy of a denied binary runs (limit: path is the memfd's)" "hello" "$PG" memfd /usr/local/bin/forbidden innocent hello
# the memfd's exec path is /memfd:NAME (bpf/path.bpf.h keeps a pseudo
# dentry's name), so a /memfd: rule forbids fileless execution
expect_out "bypass: memfd named by a /memfd: rule -> EPERM" "$X" "$PG" memfd /usr/local/bin/forbidden bp-deny hello

# connect
expect_out "bypass: TCP Fast Open sendto(MSG_FASTOPEN) -> EPERM" "connect: EPERM" "$PG" tfo 127.0.0.1 9999
expect_out "bypass: UDP sendto without connect is sent (limit: no sendmsg hook)" "send: ok" "$PG" udpsend 127.0.0.1 9999

if kill -0 "$agent_pid" 2>/dev/null; then
	pass "bypass: agent still running"
else
	fail "bypass: agent still running" "agent is gone"
fi
stop_agent
if grep -Eq '"action": ?"kill"' "$BP_EVENTS" 2>/dev/null; then
	fail "bypass: no kill events under LSM" "$(grep -E '"action": ?"kill"' "$BP_EVENTS" | head -2 | tr '\n' '|' | cut -c1-300)"
else
	pass "bypass: no kill events under LSM"
fi
if grep -F '/srv/private/data' "$BP_EVENTS" 2>/dev/null | grep -Eq '"mechanism": ?"lsm"'; then
	pass "bypass: deny events name the real path (lsm)"
else
	fail "bypass: deny events name the real path (lsm)" "$(head -3 "$BP_EVENTS" 2>/dev/null | tr '\n' '|' | cut -c1-300)"
fi
