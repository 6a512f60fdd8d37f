#!/usr/bin/env bats
# shellcheck disable=SC2016 # single-quoted scripts run in another shell (the agent's, a session's); the $ is theirs
# Session containment (suite 'root'), through the installed setuid helper:
# the session's own pty, PID, IPC and mount namespaces, and nothing of it
# outliving its command.  An owner's interactive bash runs in a tmux pane
# (a real terminal) and types as a developer would.  Needs the setuid
# install of tests/run.sh (AS_PREFIX); skips with a message without it.
#
# Accounts start with "asct" + pid and are deleted; each test's tmux
# server has its own socket and is killed in teardown.

bats_require_minimum_version 1.5.0

load common
load session

setup_file() {
	as_session_setup ct
}

setup() {
	as_session_skip
	TM_SOCK="$AS_SESSION_PREFIX-$BATS_TEST_NUMBER"
}

teardown() {
	tmux -L "${TM_SOCK:-none}" kill-server 2>/dev/null || true
	if [ -n "${SHM_ID:-}" ]; then
		ipcrm -m "$SHM_ID" 2>/dev/null || true
	fi
	if [ -n "${OWNER_PID:-}" ]; then
		kill "$OWNER_PID" 2>/dev/null || true
		wait "$OWNER_PID" 2>/dev/null || true
	fi
}

teardown_file() {
	as_session_teardown
}

tm() { tmux -L "$TM_SOCK" "$@"; }

# The owner's interactive bash on a 100x30 terminal, in the project, with
# the prompt "owner$ ".  Without the setuid bit (the sanitizer build) the
# shell keeps as_caller's euid 0 with -p, as a setuid exec would give.
owner_terminal() {
	# (long options first: bash takes none after a short one)
	local bash="bash --norc --noprofile"
	[ -z "${AS_NOSUID_HELPER:-}" ] || bash="$bash -p"
	tm -f /dev/null new-session -d -x 100 -y 30 \
		"$(as_caller_cmd "$OWNER") env -C $PROJ -i HOME=$OHOME USER=$OWNER PATH=/usr/bin:/bin TERM=screen PS1='owner\$ ' $bash -i"
	wait_screen 'owner\$ $'
}

type_line() { tm send-keys -l "$1" && tm send-keys Enter; }

screen() { tm capture-pane -p -J -S -300; }

# wait_screen REGEX: until a line of the pane matches (5 s), else fail
# with the pane on stderr.
wait_screen() {
	for _ in $(seq 100); do
		screen | grep -Eq -- "$1" && return 0
		sleep 0.05
	done
	echo "never on the screen: $1" >&2
	screen >&2
	return 1
}

# Enter the agent's login shell from the owner's terminal and wait for it.
# shellcheck disable=SC2120 # arguments are optional
enter_session() {
	type_line "$SH $*"
	type_line 'echo "in-session-$((6 * 7))"'
	wait_screen '^in-session-42$'
}

agent_pids() { pgrep -u "$AGENT" || true; }

@test "leftover setsid, nohup and double-forked readers end with the session; the owner's next line is the owner's" {
	owner_terminal
	enter_session
	type_line 'setsid sh -c "cat >>$HOME/stolen" <&0 & nohup sh -c "cat >>$HOME/stolen" <&0 >/dev/null 2>&1 & (sh -c "cat >>$HOME/stolen <&0; sleep 999" &); sleep 0.3; exit'
	wait_screen '^owner\$ $'
	type_line 'echo "owner-typed-$((6 * 7))"'
	wait_screen '^owner-typed-42$'
	run agent_pids
	assert_output ''
	run grep -c owner-typed "$AHOME/stolen"
	refute_output --regexp '^[1-9]'
}

@test "nothing of a session without a terminal outlives its command" {
	in_session default /bin/sh -c 'setsid sleep 1000 & nohup sleep 1001 >/dev/null 2>&1 & (sleep 1002 &); exit 3'
	assert_failure 3
	run agent_pids
	assert_output ''
}

@test "the agent's processes hold no fd on the owner's terminal" {
	owner_terminal
	enter_session
	local tty pid fds=0
	tty=$(tm display-message -p '#{pane_tty}')
	for pid in $(agent_pids); do
		for fd in /proc/"$pid"/fd/*; do
			fds=$((fds + 1))
			[ "$(readlink "$fd")" != "$tty" ] || { echo "$pid: $fd is $tty" >&2; false; }
		done
	done
	# The session's shell does have a terminal: its own.
	[ "$fds" -gt 0 ]
	type_line 'tty'
	wait_screen '^/dev/pts/[0-9]+$'
	run grep -c "^$tty\$" <(screen)
	assert_output 0
}

@test "with a pipe on stdin and the terminal on stdout the agent still gets a pty of its own" {
	owner_terminal
	local tty
	tty=$(tm display-message -p '#{pane_tty}')
	type_line "echo piped | $SH -- /bin/sh -c 'cat; echo \"out=\$(readlink /proc/\$\$/fd/1) in=\$(readlink /proc/\$\$/fd/0)\"'"
	wait_screen '^out=/dev/pts/[0-9]+ in=pipe:'
	run grep -c "out=$tty " <(screen)
	assert_output 0
	screen | grep -qx piped
}

@test "inside a session only its processes are visible: the owner's process and cmdline are not" {
	runuser -u "$OWNER" -- sleep 1000 </dev/null >/dev/null 2>&1 &
	OWNER_PID=$!
	local target
	for _ in $(seq 20); do target=$(pgrep -u "$OWNER" -n sleep) && break; sleep 0.05; done
	in_session default "$PROBE" read "/proc/$target/cmdline"
	assert_output ENOENT
	in_session default /bin/sh -c 'ps -eo pid=,user=,comm='
	assert_success
	# init, the shell, ps: nothing else.
	assert_line --regexp '^ +1 root +agent-shell-hel'
	assert_equal "${#lines[@]}" 3
	refute_output --partial "$OWNER "
}

@test "the owner's SysV shared memory segment is unreachable (ipcs empty, shmat EINVAL)" {
	SHM_ID=$(runuser -u "$OWNER" -- ipcmk -M 4096 -p 0666 | sed -n 's/^Shared memory id: //p')
	[ -n "$SHM_ID" ]
	in_session default /bin/sh -c 'ipcs -m | grep -c "^0x"'
	assert_output 0
	in_session default "$PROBE" shmat "$SHM_ID"
	assert_output EINVAL
	# Outside a session the same segment is there (the check can fail).
	run runuser -u "$AGENT" -- "$PROBE" shmat "$SHM_ID"
	assert_output ok
}

@test "the owner's SysV semaphores and message queues are not there either" {
	local sem q
	sem=$(runuser -u "$OWNER" -- ipcmk -S 1 -p 0666 | sed -n 's/^Semaphore id: //p')
	q=$(runuser -u "$OWNER" -- ipcmk -Q -p 0666 | sed -n 's/^Message queue id: //p')
	[ -n "$sem" ] && [ -n "$q" ]
	# Outside a session the same listing shows both (the check can fail).
	run runuser -u "$AGENT" -- ipcs -s -q
	assert_output --regexp "0x[0-9a-f]+ +$sem +"
	assert_output --regexp "0x[0-9a-f]+ +$q +"
	in_session default /bin/sh -c 'ipcs -s -q | grep -c "^0x"'
	ipcrm -s "$sem" -q "$q"
	assert_output 0
}

@test "two concurrent sessions of one agent see neither each other's processes nor /tmp" {
	as_caller "$OWNER" env -C "$PROJ" "$SH" -- /bin/sh -c 'echo secret >/tmp/ct-mine && exec sleep 5' &
	local bg=$!
	for _ in $(seq 40); do pgrep -u "$AGENT" -x sleep >/dev/null && break; sleep 0.05; done
	in_session default /bin/sh -c 'ls -A /tmp; ps -eo args='
	assert_success
	refute_output --partial ct-mine
	refute_output --partial 'sleep 5'
	pkill -u "$AGENT" -x sleep || true
	wait "$bg" || true
}

@test "a /tmp/.agent-shell-inst made first by another user blocks no session" {
	# In a mount namespace of the test's own, so no other suite's session
	# on this host meets the planted directories.
	run unshare -m --propagation private -- /bin/sh -c '
		mount -t tmpfs tmpfs /tmp && mount -t tmpfs tmpfs /var/tmp &&
		install -d -o nobody -m 0777 /tmp/.agent-shell-inst /var/tmp/.agent-shell-inst &&
		install -d -o nobody /tmp/.agent-shell-inst/"$1" &&
		exec $2 env -C "$3" "$4" -- /bin/sh -c "echo fine > /tmp/x && cat /tmp/x"' \
		sh "$AGENT" "$(as_caller_cmd "$OWNER")" "$PROJ" "$SH"
	assert_success
	assert_output fine
}

@test "Ctrl-C interrupts the session's command" {
	owner_terminal
	type_line "$SH -- sleep 100"
	sleep 1
	tm send-keys C-c
	wait_screen 'owner\$ $'
	type_line 'echo "status $?"'
	wait_screen '^status 130$'
}

@test "Ctrl-Z stops the session, fg resumes it, ^D ends it" {
	owner_terminal
	type_line "$SH -- /bin/sh -c 'while read x; do echo got-\$x; done; echo reader-done'"
	type_line one
	wait_screen '^got-one$'
	tm send-keys C-z
	wait_screen 'Stopped'
	type_line 'echo "owner-while-stopped-$((6 * 7))"'
	wait_screen '^owner-while-stopped-42$'
	type_line fg
	type_line two
	wait_screen '^got-two$'
	tm send-keys C-d
	wait_screen '^reader-done$'
	wait_screen '^owner\$ $'
	run agent_pids
	assert_output ''
}

@test "closing the owner's terminal ends the session, in the foreground or stopped" {
	local how
	for how in foreground stopped; do
		owner_terminal
		enter_session
		if [ "$how" = stopped ]; then
			type_line 'suspend -f'
			wait_screen 'Stopped'
		fi
		tm kill-server
		for _ in $(seq 100); do [ -z "$(agent_pids)" ] && break; sleep 0.05; done
		run agent_pids
		assert_output ''
	done
}

@test "a window resize reaches the session's terminal" {
	owner_terminal
	printf '%s\n' 'trap "echo size \$(stty size)" WINCH' 'stty size' 'while :; do sleep 0.1; done' >"$PROJ/ct-winch.sh"
	type_line "$SH -- /bin/sh ct-winch.sh"
	wait_screen '^30 100$'
	tm resize-window -x 90 -y 25
	wait_screen '^size 25 90$'
	tm send-keys C-c
	wait_screen 'owner\$ $'
	rm -f "$PROJ/ct-winch.sh"
}

@test "vi edits a file through the relay" {
	owner_terminal
	type_line "$SH -- vi -u NONE -i NONE -N ct-vi.txt"
	sleep 1.5
	tm send-keys -l 'ihello from vi'
	tm send-keys Escape
	type_line ':wq'
	wait_screen '^owner\$ $'
	[ "$(cat "$PROJ/ct-vi.txt")" = 'hello from vi' ]
	rm -f "$PROJ/ct-vi.txt"
}

# The session's terminal relay: the helper's child with the caller's uid
# (pgrep's name for it is cut to 15 characters); RELAY and ROOTP, its
# parent, the helper's process that stays root.
find_relay() {
	RELAY=
	for _ in $(seq 100); do
		RELAY=$(pgrep -x -u "$OWNER" agent-shell-hel) && break
		sleep 0.05
	done
	[ -n "$RELAY" ] || { echo "no relay running as $OWNER" >&2; return 1; }
	[ "$(wc -w <<<"$RELAY")" = 1 ] || { echo "more than one relay: $RELAY" >&2; return 1; }
	ROOTP=$(ps -o ppid= -p "$RELAY" | tr -d ' ')
	[ "$(stat -c %u "/proc/$ROOTP")" = 0 ]
}

# A process of the owner's with no privilege at all (as_caller keeps euid
# 0 where the helper is installed without its setuid bit).
as_owner() { runuser -u "$OWNER" -- "$@"; }

# wait_gone PID [SECONDS]: until the process PID has ended (default 5 s).
wait_gone() {
	for _ in $(seq $((${2:-5} * 20))); do
		[ -e "/proc/$1" ] || return 0
		sleep 0.05
	done
	echo "still running: $1" >&2
	return 1
}

@test "the relay runs as the caller, not dumpable, no capability; root holds no end of the session's pty" {
	owner_terminal
	type_line "$SH -- /bin/sh -c 'echo ready-\$((6 * 7)); exec sleep 60'"
	wait_screen '^ready-42$'
	find_relay
	local uid gid spty fd
	uid=$(id -u "$OWNER")
	gid=$(id -g "$OWNER")
	run grep -E '^(Uid|Gid|Groups|CapPrm|CapEff|CapBnd|CapAmb):' "/proc/$RELAY/status"
	assert_line --regexp "^Uid:[[:space:]]+${uid}[[:space:]]+${uid}[[:space:]]+${uid}[[:space:]]+$uid\$"
	assert_line --regexp "^Gid:[[:space:]]+${gid}[[:space:]]+${gid}[[:space:]]+${gid}[[:space:]]+$gid\$"
	assert_line --regexp "^Groups:[[:space:]]+${gid}[[:space:]]*\$"
	assert_line --regexp '^CapPrm:[[:space:]]+0+$'
	assert_line --regexp '^CapEff:[[:space:]]+0+$'
	# Not dumpable: the caller can neither read its memory nor trace it.
	[ "$(stat -c %u "/proc/$RELAY/mem")" = 0 ]
	run as_owner cat "/proc/$RELAY/environ"
	assert_failure
	assert_output --partial 'Permission denied'
	# The relay holds the master; root holds neither end, and no fd
	# beyond the caller's own three.
	spty=$(readlink "/proc/$(pgrep -u "$AGENT" -x sleep)/fd/0")
	[[ "$spty" == /dev/pts/* ]]
	run ls -l "/proc/$RELAY/fd/"
	assert_output --partial '/dev/ptmx'
	for fd in /proc/"$ROOTP"/fd/*; do
		[ "$(readlink "$fd")" != /dev/ptmx ] && [ "$(readlink "$fd")" != "$spty" ] ||
			{ echo "root's $fd is $(readlink "$fd")" >&2; false; }
	done
	# And the caller still cannot signal root's process.
	run as_owner kill -TERM "$ROOTP"
	assert_failure
	assert_output --partial 'not permitted'
}

@test "the caller ending the relay hangs the session up, and root still ends it and reports the status" {
	owner_terminal
	type_line "$SH -- /bin/sh -c 'trap \"echo hup >ct-hup; exit 3\" HUP; echo ready-\$((6 * 7)); while :; do sleep 0.1; done'"
	wait_screen '^ready-42$'
	find_relay
	rm -f "$PROJ/ct-hup"
	as_owner kill -KILL "$RELAY"
	wait_gone "$ROOTP"
	wait_screen 'owner\$ $'
	type_line 'echo "status $?"'
	wait_screen '^status 3$'
	[ "$(cat "$PROJ/ct-hup")" = hup ]
	run agent_pids
	assert_output ''
	rm -f "$PROJ/ct-hup"
}

@test "what the owner's shell sends the session's job reaches its command: kill %1, INT, QUIT, HUP" {
	local sig
	for sig in TERM INT QUIT HUP; do
		owner_terminal
		type_line "$SH -- /bin/sh -c 'trap \"echo $sig >ct-sig; exit 3\" $sig; echo ready-\$((6 * 7)); while :; do sleep 0.1; done' &"
		wait_screen 'ready-42$'
		rm -f "$PROJ/ct-sig"
		type_line "kill -$sig %1; wait %1; echo \"status-$sig \$?\""
		wait_screen "^status-$sig 3\$"
		[ "$(cat "$PROJ/ct-sig")" = "$sig" ]
		run agent_pids
		assert_output ''
		tm kill-server
	done
	rm -f "$PROJ/ct-sig"
}

@test "a relay the caller stops holds the session's end back for 5 s at most" {
	owner_terminal
	type_line "$SH -- /bin/sh -c 'echo ready-\$((6 * 7)); sleep 1; exit 5'"
	wait_screen '^ready-42$'
	find_relay
	as_owner kill -STOP "$RELAY"
	# The command ends after 1 s; root then waits 5 s for the relay.
	wait_gone "$ROOTP" 10
	wait_gone "$RELAY" 1
	wait_screen 'owner\$ $'
	type_line 'echo "status $?"'
	wait_screen '^status 5$'
	run agent_pids
	assert_output ''
}

@test "a session started in the background reads nothing of the owner's until fg, then has the window's size" {
	owner_terminal
	type_line "$SH -- /bin/sh -c 'echo started-\$((6 * 7)); read x; stty size; echo got-\$x' &"
	wait_screen 'started-42$'
	# The owner's shell has the terminal: this line is the owner's.
	type_line 'echo "owner-$((6 * 7))"'
	wait_screen '^owner-42$'
	run grep -c '^got-' <(screen)
	assert_output 0
	# A resize while in the background reaches the session at fg.
	tm resize-window -x 90 -y 25
	type_line fg
	type_line one
	wait_screen '^got-one$'
	screen | grep -qx '25 90'
	wait_screen 'owner\$ $'
	run grep -c '^got-echo' <(screen)
	assert_output 0
}

@test "Ctrl-Z, bg, then fg: the session reads again, and the owner's line in between is the owner's" {
	owner_terminal
	type_line "$SH -- /bin/sh -c 'while read x; do echo got-\$x; done'"
	type_line one
	wait_screen '^got-one$'
	tm send-keys C-z
	wait_screen 'Stopped'
	type_line bg
	type_line 'echo "owner-$((6 * 7))"'
	wait_screen '^owner-42$'
	type_line fg
	type_line two
	wait_screen '^got-two$'
	tm send-keys C-d
	wait_screen 'owner\$ $'
	run grep -c '^got-echo' <(screen)
	assert_output 0
}

@test "what the session writes last reaches the terminal before the owner's prompt" {
	owner_terminal
	type_line "$SH -- /bin/sh -c 'seq 1 20000; printf \"last-%s\\n\" \$((6 * 7))'; echo \"status \$?\""
	wait_screen '^status 0$'
	# In order: the last lines of seq, the session's last line, the
	# owner's shell.
	run bash -c "screen() { tmux -L '$TM_SOCK' capture-pane -p -J -S -300; }; screen | grep -E '^(19999|20000|last-42|status 0)\$'"
	assert_output $'19999\n20000\nlast-42\nstatus 0'
}

@test "without a terminal stdin, stdout and stderr pass as they are" {
	run bash -c "echo piped | $(as_caller_cmd "$OWNER") env -C '$PROJ' '$SH' -- /bin/sh -c 'cat; readlink /proc/self/fd/0 /proc/self/fd/1'"
	assert_success
	assert_line piped
	assert_line --regexp '^pipe:'
	refute_output --partial /dev/pts
}

@test "the owner cannot kill the session's parent or init (EPERM)" {
	owner_terminal
	type_line "$SH -- sleep 100"
	local helper init
	for _ in $(seq 40); do pgrep -u "$AGENT" -x sleep >/dev/null && break; sleep 0.05; done
	init=$(ps -o ppid= -p "$(pgrep -u "$AGENT" -x sleep)" | tr -d ' ')
	helper=$(ps -o ppid= -p "$init" | tr -d ' ')
	run runuser -u "$OWNER" -- kill -KILL "$helper"
	assert_failure
	assert_output --partial 'Operation not permitted'
	run runuser -u "$OWNER" -- kill -KILL "$init"
	assert_failure
	assert_output --partial 'Operation not permitted'
	tm send-keys C-c
	wait_screen 'owner\$ $'
}

@test "the session's init keeps only CAP_KILL, and root's SIGTERM to the helper reaches the command" {
	as_caller "$OWNER" env -C "$PROJ" "$SH" -- /bin/sh -c 'trap "echo got-term; exit 7" TERM; sleep 30 & wait' >"$BATS_TEST_TMPDIR/out" 2>&1 &
	local bg=$! cmd init helper
	for _ in $(seq 100); do cmd=$(pgrep -u "$AGENT" -x sleep) && break; sleep 0.05; done
	init=$(ps -o ppid= -p "$(ps -o ppid= -p "$cmd" | tr -d ' ')" | tr -d ' ')
	helper=$(ps -o ppid= -p "$init" | tr -d ' ')
	run grep -E '^Cap(Inh|Prm|Eff|Bnd|Amb):' "/proc/$init/status"
	assert_output "$(printf 'CapInh:\t0000000000000000\nCapPrm:\t0000000000000020\nCapEff:\t0000000000000020\nCapBnd:\t0000000000000000\nCapAmb:\t0000000000000000')"
	kill -TERM "$helper"
	local rc=0
	wait "$bg" || rc=$?
	assert_equal "$rc" 7
	assert_equal "$(cat "$BATS_TEST_TMPDIR/out")" got-term
}

# The helper logs to syslog; listen on /dev/log as login.bats does.
@test "the end record is logged when the command or the session's init is killed" {
	local log=/tmp/asct-syslog-$$.log sock=/tmp/asct-syslog-$$.sock
	local run=(unshare -m --propagation private -- /bin/sh -c 'mount --bind "$0" /dev/log && exec "$@"' "$sock")
	# Without a syslog daemon there is no /dev/log to bind over: listen there.
	if [ ! -e /dev/log ]; then
		sock=/dev/log run=()
	fi
	: >"$log"
	python3 -c '
import os, socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1]); os.chmod(sys.argv[1], 0o666)
with open(sys.argv[2], "ab", buffering=0) as f:
    while True:
        f.write(s.recv(65536) + b"\n")
' "$sock" "$log" </dev/null >/dev/null 2>&1 &
	local logger=$! victim
	for _ in $(seq 100); do [ -S "$sock" ] && break; sleep 0.05; done
	for victim in command init; do
		# shellcheck disable=SC2046 # as_caller_cmd's words
		"${run[@]}" $(as_caller_cmd "$OWNER") env -C "$PROJ" "$SH" -- sleep 100 </dev/null >/dev/null 2>&1 &
		local bg=$! cmd=
		for _ in $(seq 100); do cmd=$(pgrep -u "$AGENT" -x sleep) && break; sleep 0.05; done
		if [ "$victim" = command ]; then
			kill -KILL "$cmd"
		else
			kill -KILL "$(ps -o ppid= -p "$cmd" | tr -d ' ')"
		fi
		wait "$bg" || true
	done
	for _ in $(seq 40); do [ "$(grep -c "session end: owner=$OWNER .*result=137" "$log")" = 2 ] && break; sleep 0.05; done
	kill "$logger"
	run grep -c "session end: owner=$OWNER .*result=137" "$log"
	rm -f "$log" "$sock"
	assert_output 2
	run agent_pids
	assert_output ''
}
