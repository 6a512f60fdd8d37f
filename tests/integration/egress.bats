#!/usr/bin/env bats
# The egress fence (issue #14, suite 'root'): real nftables, real dnsmasq,
# through the installed agent-admin and setuid helper.  Every address sent
# to is on this machine: 127.31.0.0/24 stands in for remote hosts (all of
# 127/8 is loopback), 169.254.169.254 is added to lo for cloud metadata and
# removed after, a fake upstream resolver (tests/integration/fake-dns.py)
# answers every name with 127.31.0.10 and records what reached it, and a
# second fake resolver on 127.31.0.77:53 is "a foreign DNS server".
# The fence is by uid: most tests run the probe as the agent with runuser
# (layer 6 alone; Landlock would stop ports other than 443/22 first); one
# goes through a whole session.  Latency is measured in bench/, not here.

bats_require_minimum_version 1.5.0

load common
load session

# Where agent-admin keeps the resolvers' files: meson's localstatedir is
# /var for the prefix /usr (the Debian package), else PREFIX/var.
case "${AS_PREFIX:-}" in
/usr | /usr/) RUNDIR=/var/run/agent-shell/egress ;;
*) RUNDIR="${AS_PREFIX:-}/var/run/agent-shell/egress" ;;
esac

UP=127.31.0.53 UP_PORT=5399 FOREIGN=127.31.0.77 HOSTA=127.31.0.10 HOSTB=127.31.0.11
META=169.254.169.254

setup_file() {
	as_session_setup e
	[ -n "${AS_SESSION_SKIP:-}" ] && return 0
	T=$(mktemp -d /tmp/as-egress.XXXXXX)
	chmod 0755 "$T"
	SITE="$AS_SYSCONFDIR/agent-shell/agent-shell.conf"
	if [ -e "$SITE" ]; then cp -p "$SITE" "$T/site.saved"; fi
	install -d -m 0755 "$(dirname "$SITE")"
	{ [ -e "$T/site.saved" ] && cat "$T/site.saved"; printf '\n[egress]\nupstream = %s#%s\nresolver-port = 5460\n' "$UP" "$UP_PORT"; } >"$SITE.new"
	chmod 0644 "$SITE.new"
	mv "$SITE.new" "$SITE"
	ip addr add "$META/32" dev lo
	python3 "$AS_SRC_DIR/tests/integration/fake-dns.py" "$UP" "$UP_PORT" "$T/upstream.log" "$HOSTA" &
	echo $! >"$T/pids"
	python3 "$AS_SRC_DIR/tests/integration/fake-dns.py" "$FOREIGN" 53 "$T/foreign.log" 127.31.0.99 &
	echo $! >>"$T/pids"
	# "Remote hosts": TCP listeners that accept and close.
	python3 -c '
import socket, sys, threading
def serve(a, p):
    s = socket.socket(socket.AF_INET6 if ":" in a else socket.AF_INET)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind((a, int(p))); s.listen(64)
    while True: s.accept()[0].close()
for spec in sys.argv[1:]:
    a, p = spec.rsplit(":", 1)
    threading.Thread(target=serve, args=(a, p), daemon=True).start()
threading.Event().wait()
' "$HOSTA:443" "$HOSTB:443" "$HOSTB:8443" "$META:443" "::1:443" "127.31.0.12:443" &
	echo $! >>"$T/pids"
	sleep 1
	"$ADM" egress --load >/dev/null
	"$ADM" egress "$OWNER" allow allowed.test >/dev/null
	AUID=$(id -u "$AGENT")
	export T SITE AUID
}

teardown_file() {
	[ -n "${T:-}" ] || return 0
	as_session_teardown
	xargs -r kill <"$T/pids" 2>/dev/null || true
	ip addr del "$META/32" dev lo 2>/dev/null || true
	if [ -e "$T/site.saved" ]; then cp -p "$T/site.saved" "$SITE"; else rm -f "$SITE"; fi
	# Leaves no table and no resolver of ours behind.
	"$ADM" egress --load >/dev/null 2>&1 || true
	rm -rf "$T"
}

setup() {
	as_session_skip
}

as_agent() {
	run runuser -u "$AGENT" -- "$PROBE" "$@"
}

as_owner() {
	run runuser -u "$OWNER" -- "$PROBE" "$@"
}

@test "a new agent starts restricted to the shipped lists, and every shipped list parses" {
	run "$ADM" egress "$OWNER"
	assert_success
	assert_line --index 0 "$OWNER: agent $AGENT (uid $AUID): restricted"
	assert_line "lists: default (every shipped list)"
	for l in aider claude-code codex gemini-cli git-hosting opencode packages; do
		assert_line --partial "  @$l ($AS_PREFIX/share/agent-shell/egress/$l.list): "
	done
	assert_line --partial "@claude-code ($AS_PREFIX/share/agent-shell/egress/claude-code.list): api.anthropic.com"
	assert_line --partial "@git-hosting ($AS_PREFIX/share/agent-shell/egress/git-hosting.list): github.com:22,443"
	assert_line "allow: allowed.test"
	assert_line "fence: loaded"
}

@test "agent-shell --explain names the lists and lines in force" {
	run as_caller "$OWNER" env -C "$PROJ" -i HOME="$OHOME" PATH=/usr/bin:/bin "$SH" --explain
	assert_success
	assert_line "egress: restricted: $AGENT reaches only these hosts (TCP and UDP; DNS answered only for the names; everything else rejected, loopback and LAN included)"
	assert_line "egress: lists: default (every shipped list)"
	assert_line "egress: list @codex ($AS_PREFIX/share/agent-shell/egress/codex.list): api.openai.com auth.openai.com chatgpt.com"
	assert_line "egress: allow allowed.test"
}

@test "an admin's list in /etc overrides the shipped one of the same name" {
	# The directory goes again if the test made it (the package's purge
	# would otherwise find it left in /etc/agent-shell).
	local made=
	[ -d "$AS_SYSCONFDIR/agent-shell/egress" ] || made=1
	install -d -m 0755 "$AS_SYSCONFDIR/agent-shell/egress"
	printf '# site mirror only\ncodex.example.test\n' >"$AS_SYSCONFDIR/agent-shell/egress/codex.list"
	run "$ADM" egress "$OWNER"
	rm -f "$AS_SYSCONFDIR/agent-shell/egress/codex.list"
	[ -z "$made" ] || rmdir "$AS_SYSCONFDIR/agent-shell/egress"
	assert_success
	assert_line "  @codex ($AS_SYSCONFDIR/agent-shell/egress/codex.list): codex.example.test"
}

@test "a group-writable list is not trusted" {
	# The directory goes again if the test made it (the package's purge
	# would otherwise find it left in /etc/agent-shell).
	local made=
	[ -d "$AS_SYSCONFDIR/agent-shell/egress" ] || made=1
	install -d -m 0755 "$AS_SYSCONFDIR/agent-shell/egress"
	install -m 0664 /dev/null "$AS_SYSCONFDIR/agent-shell/egress/codex.list"
	run "$ADM" egress "$OWNER"
	rm -f "$AS_SYSCONFDIR/agent-shell/egress/codex.list"
	[ -z "$made" ] || rmdir "$AS_SYSCONFDIR/agent-shell/egress"
	assert_failure 1
	assert_line --partial "  @codex: $AS_SYSCONFDIR/agent-shell/egress/codex.list"
}

@test "an allowed name resolves and connects" {
	as_agent connect-name www.allowed.test 443
	assert_output ok
	grep -qx "www.allowed.test 1" "$T/upstream.log"
}

@test "an allowed name behind a CNAME (a CDN) connects to the CNAME's address; the CNAME target alone is blocked" {
	as_agent connect-name cdn-www.allowed.test 443
	assert_output ok
	as_agent resolve edge.cdn.test
	assert_output EAI_NONAME
	as_owner connect-to 127.31.0.12 443
	assert_output ok
}

@test "a blocked name does not resolve and its query never reaches the upstream" {
	as_agent resolve leak-the-secret.blocked.test
	assert_output EAI_NONAME
	run grep -c blocked.test "$T/upstream.log"
	assert_output 0
}

@test "a name that only ends like an allowed one is blocked" {
	as_agent resolve allowed.test.evil.test
	assert_output EAI_NONAME
	as_agent resolve notallowed.test
	assert_output EAI_NONAME
	run grep -c evil.test "$T/upstream.log"
	assert_output 0
}

@test "a direct IP is rejected at once with a TCP reset; the owner reaches it" {
	as_agent connect-to "$HOSTB" 443
	assert_output ECONNREFUSED
	as_owner connect-to "$HOSTB" 443
	assert_output ok
}

@test "an allowed name's address is open only on its ports" {
	as_agent connect-name www.allowed.test 443
	assert_output ok
	as_agent connect-to "$HOSTB" 8443
	assert_output ECONNREFUSED
}

@test "cloud metadata (169.254.169.254) is rejected; the owner reaches it" {
	as_agent connect-to "$META" 443
	assert_output ECONNREFUSED
	as_owner connect-to "$META" 443
	assert_output ok
}

@test "loopback over IPv6 (::1) is rejected; the owner reaches it" {
	as_agent connect-to ::1 443
	assert_output ECONNREFUSED
	as_owner connect-to ::1 443
	assert_output ok
}

@test "UDP to any port is refused at once (EPERM), IPv4 and IPv6" {
	as_agent udp-to "$HOSTB" 9999
	assert_output EPERM
	as_agent udp-to "$HOSTB" 443
	assert_output EPERM
	as_agent udp-to ::1 443
	assert_output EPERM
	as_agent udp-to "$META" 53
	assert_output ok      # port 53 goes to the agent's own resolver
	as_owner udp-to "$HOSTB" 9999
	assert_output ok
}

@test "the upstream resolver cannot be asked directly" {
	as_agent dns-to "$UP" "$UP_PORT" direct.blocked.test
	assert_output EPERM
	run grep -c direct.blocked.test "$T/upstream.log"
	assert_output 0
}

@test "DNS to a foreign server is answered by the agent's resolver, which never forwards a blocked name" {
	as_agent dns-to "$FOREIGN" 53 exfil.blocked.test
	assert_output "rcode=3 answers=0"
	as_agent dns-to "$FOREIGN" 53 api.allowed.test
	assert_output "rcode=0 answers=1"
	run cat "$T/foreign.log"
	assert_output ""
	run grep -c exfil.blocked.test "$T/upstream.log"
	assert_output 0
	# The owner's DNS is its own business.
	as_owner dns-to "$FOREIGN" 53 owner.example.test
	assert_output "rcode=0 answers=1"
}

@test "DNS over TCP and to an IPv6 server is redirected to the agent's resolver too" {
	# Nothing listens on TCP 127.31.0.77:53: only the redirect can accept.
	as_agent connect-to "$FOREIGN" 53
	assert_output ok
	as_owner connect-to "$FOREIGN" 53
	assert_output ECONNREFUSED
	as_agent dns-to ::1 53 v6.allowed.test
	assert_output "rcode=0 answers=1"
	as_agent dns-to ::1 53 v6.blocked.test
	assert_output "rcode=3 answers=0"
	run grep -c v6.blocked.test "$T/upstream.log"
	assert_output 0
}

@test "a server the agent runs on loopback answers the owner (replies are not egress)" {
	port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
	runuser -u "$AGENT" -- python3 -c '
import socket, sys
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", int(sys.argv[1]))); s.listen(1); s.settimeout(10)
c = s.accept()[0]; c.sendall(b"hello from the agent\n"); c.close()' "$port" &
	sleep 0.5
	run runuser -u "$OWNER" -- python3 -c '
import socket, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=3); print(s.recv(64).decode().strip())' "$port"
	wait
	assert_output "hello from the agent"
}

@test "rejections are logged with the owner and the allow line that would admit them" {
	# A reload replaces the table, and with it the log rule's rate limit
	# that the tests before spent part of.
	"$ADM" egress --load >/dev/null
	as_agent connect-to "$HOSTB" 8443
	assert_output ECONNREFUSED
	run "$ADM" egress "$OWNER" log
	assert_success
	assert_line "  TCP $HOSTB port 8443 — agent-admin egress $OWNER allow $HOSTB:8443"
}

@test "allow admits an address and its port; remove takes it back" {
	run "$ADM" egress "$OWNER" allow "$HOSTB:8443"
	assert_success
	assert_line "allow: allowed.test $HOSTB:8443"
	as_agent connect-to "$HOSTB" 8443
	assert_output ok
	as_agent connect-to "$HOSTB" 443
	assert_output ECONNREFUSED
	run "$ADM" egress "$OWNER" remove "$HOSTB:8443"
	assert_success
	as_agent connect-to "$HOSTB" 8443
	assert_output ECONNREFUSED
}

@test "allow refuses a bad SPEC in one line and changes nothing" {
	cp "$AS_SYSCONFDIR/agent-shell/agents.d/$OWNER.conf" "$T/reg.before"
	run "$ADM" egress "$OWNER" allow ok.test 'bad host'
	assert_failure 1
	assert_output "agent-admin: SPEC 'bad host': a host name has only letters, digits, '-' and '.'"
	run "$ADM" egress "$OWNER" allow ::1
	assert_failure 1
	assert_output "agent-admin: SPEC '::1': an IPv6 address goes in brackets: [ADDR][/LEN][:PORTS]"
	run "$ADM" egress "$OWNER" allow @no-such-list
	assert_failure 1
	assert_output --partial "agent-admin: egress list 'no-such-list': no "
	cmp "$T/reg.before" "$AS_SYSCONFDIR/agent-shell/agents.d/$OWNER.conf"
}

@test "remove names the list a SPEC comes from" {
	run "$ADM" egress "$OWNER" remove api.openai.com
	assert_failure 1
	assert_output "agent-admin: $OWNER: api.openai.com comes from list @aider; remove @aider, or override the list in $AS_SYSCONFDIR/agent-shell/egress/aider.list"
}

@test "egress usage errors exit 2" {
	run "$ADM" egress "$OWNER" allow
	assert_failure 2
	assert_line --index 0 --partial "agent-admin: egress: allow and remove need at least one SPEC"
	run "$ADM" egress "$OWNER" frobnicate
	assert_failure 2
	run "$ADM" egress --load extra
	assert_failure 2
}

@test "open lifts the fence and restrict puts it back" {
	run "$ADM" egress "$OWNER" open
	assert_success
	assert_line --index 0 "$OWNER: agent $AGENT (uid $AUID): open (no egress fence)"
	run "$ADM" check "$OWNER"
	assert_line "warning: $OWNER: $AGENT has no egress fence (egress open): it may connect anywhere — fix: agent-admin egress $OWNER restrict"
	as_agent connect-to "$HOSTB" 443
	assert_output ok
	run nft list chain inet "$AS_NFT_TABLE" "agent_$AUID"
	assert_failure
	run "$ADM" egress "$OWNER" restrict
	assert_success
	assert_line "fence: loaded"
	as_agent connect-to "$HOSTB" 443
	assert_output ECONNREFUSED
}

@test "an allowed name connects inside a real session" {
	in_session default "$PROBE" connect-name www.allowed.test 443
	assert_success
	assert_output ok
	in_session default "$PROBE" connect-to "$HOSTB" 443
	assert_output ECONNREFUSED
}

@test "a missing table refuses a restricted agent's session; egress --load restores it" {
	nft delete table inet "$AS_NFT_TABLE"
	in_session default /bin/true
	assert_failure 1
	assert_output "agent-shell: $AGENT: its egress fence is not loaded (no chain agent_$AUID in table inet $AS_NFT_TABLE); an admin must run 'agent-admin egress --load'"
	run "$ADM" egress "$OWNER"
	assert_failure 1
	assert_line "fence: NOT loaded: its sessions are refused; run 'agent-admin egress --load'"
	run "$ADM" check "$OWNER"
	assert_failure 1
	assert_line "problem: $OWNER: egress fence not loaded (no chain agent_$AUID in table inet $AS_NFT_TABLE): $AGENT's sessions are refused — fix: agent-admin egress --load"
	run "$ADM" egress --load
	assert_success
	in_session default /bin/true
	assert_success
}

@test "egress --load is idempotent and keeps a running resolver" {
	pid=$(cat "$RUNDIR/$OWNER.pid")
	run "$ADM" egress --load
	assert_success
	run "$ADM" egress --load
	assert_success
	assert_equal "$(cat "$RUNDIR/$OWNER.pid")" "$pid"
	kill -0 "$pid"
}

@test "other tables are left alone" {
	nft add table inet as_egress_neighbour
	run "$ADM" egress --load
	assert_success
	run nft list table inet as_egress_neighbour
	assert_success
	nft delete table inet as_egress_neighbour
}

@test "apply converges the fence to the file's egress lines, and is idempotent" {
	printf '[apply]\nremove-unlisted = no\n[agent]\nowner = %s\nproject = %s\negress = allowed.test\negress = %s:8443\negress = @codex\n' \
		"$OWNER" "$PROJ" "$HOSTB" >"$T/apply.ini"
	run "$ADM" apply "$T/apply.ini" --dry-run
	assert_success
	assert_output "egress $OWNER remove @aider @claude-code @gemini-cli @git-hosting @opencode @packages
egress $OWNER allow $HOSTB:8443"
	as_agent connect-to "$HOSTB" 8443
	assert_output ECONNREFUSED
	run "$ADM" apply "$T/apply.ini"
	assert_success
	as_agent connect-to "$HOSTB" 8443
	assert_output ok
	run "$ADM" egress "$OWNER"
	assert_line "lists: chosen"
	assert_line "allow: allowed.test $HOSTB:8443"
	run "$ADM" apply "$T/apply.ini"
	assert_success
	assert_output ""
	printf '[apply]\nremove-unlisted = no\n[agent]\nowner = %s\nproject = %s\negress = open\n' \
		"$OWNER" "$PROJ" >"$T/apply.ini"
	run "$ADM" apply "$T/apply.ini"
	assert_success
	assert_line "egress $OWNER open"
	as_agent connect-to "$HOSTB" 443
	assert_output ok
	printf '[apply]\nremove-unlisted = no\n[agent]\nowner = %s\nproject = %s\negress = allowed.test\n' \
		"$OWNER" "$PROJ" >"$T/apply.ini"
	run "$ADM" apply "$T/apply.ini"
	assert_success
	assert_line "egress $OWNER restrict"
	as_agent connect-to "$HOSTB" 443
	assert_output ECONNREFUSED
}

@test "a resolver port another program holds is skipped" {
	o="${AS_SESSION_PREFIX}p"
	python3 -c '
import socket, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(("127.0.0.1", 5461)); time.sleep(30)' &
	stranger=$!
	sleep 0.5
	useradd --create-home --shell /bin/bash --comment "agent-shell test" "$o"
	run "$ADM" add "$o"
	kill "$stranger"
	assert_success
	run grep -x 'port=5462' "$RUNDIR/$o.conf"
	assert_success
	"$ADM" remove "$o" >/dev/null
	userdel --remove "$o"
}

@test "remove OWNER leaves no rule naming the uid and stops its resolver" {
	o="${AS_SESSION_PREFIX}r"
	useradd --create-home --shell /bin/bash --comment "agent-shell test" "$o"
	"$ADM" add "$o" >/dev/null
	uid=$(id -u "$o-agent")
	nft list ruleset | grep -q "agent_$uid"
	pid=$(cat "$RUNDIR/$o.pid")
	kill -0 "$pid"
	run "$ADM" remove "$o"
	assert_success
	run sh -c "nft list ruleset | grep -E 'agent_$uid|skuid $uid|a${uid}_|egress $o:'"
	assert_output ""
	# Gone, or a zombie that init has not reaped yet.
	run ps -o stat= -p "$pid"
	[[ "$output" == "" || "$output" == Z* ]]
	[ ! -e "$RUNDIR/$o.conf" ]
	userdel --remove "$o"
}

@test "a resolver whose pid file was lost is still found, kept and stopped" {
	o="${AS_SESSION_PREFIX}l"
	useradd --create-home --shell /bin/bash --comment "agent-shell test" "$o"
	"$ADM" add "$o" >/dev/null
	pid=$(cat "$RUNDIR/$o.pid")
	rm -f "$RUNDIR/$o.pid"
	run "$ADM" egress --load
	assert_success
	# Not started twice: the one that runs is recognised in /proc.
	run pgrep -f -- "--conf-file=$RUNDIR/$o.conf"
	assert_output "$pid"
	run "$ADM" remove "$o"
	assert_success
	run pgrep -f -- "--conf-file=$RUNDIR/$o.conf"
	assert_output ""
	userdel --remove "$o"
}
