#!/bin/bash
# Egress fence cost (issue #14): TCP connect latency and DNS lookup time for
# an agent behind the fence against its owner (no fence), on loopback
# stand-ins, with the real nftables table and dnsmasq.  As root:
#
#   bench/egress.sh PREFIX [ROUNDS]
#     PREFIX  an install of this tree (meson install; agent-admin in
#             PREFIX/sbin), e.g. /opt/ast-egress14
#
# Makes a throwaway owner and agent, a fake upstream resolver on
# 127.31.0.53:5399 and a TCP listener on 127.31.0.10:443, and removes all of
# it at the end.  Prints the median and 90th percentile of each, in
# microseconds (each sample is one connect() or one UDP DNS query and its
# answer, timed inside one python3 process per series, after a warm-up).
set -euo pipefail

prefix=${1:?usage: bench/egress.sh PREFIX [ROUNDS]}
rounds=${2:-2000}
here=$(cd "$(dirname "$0")/.." && pwd)
adm="$prefix/sbin/agent-admin"
owner="asbench$$"
site="$prefix/etc/agent-shell/agent-shell.conf"
tmp=$(mktemp -d /tmp/as-bench-egress.XXXXXX)
chmod 0755 "$tmp"
pids=()

cleanup() {
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
	"$adm" remove "$owner" >/dev/null 2>&1 || true
	userdel --remove "$owner" 2>/dev/null || true
	if [ -e "$tmp/site.saved" ]; then cp -p "$tmp/site.saved" "$site"; else rm -f "$site"; fi
	"$adm" egress --load >/dev/null 2>&1 || true
	rm -rf "$tmp"
}
trap cleanup EXIT

[ -e "$site" ] && cp -p "$site" "$tmp/site.saved"
install -d -m 0755 "$(dirname "$site")"
printf '[egress]\nupstream = 127.31.0.53#5399\n' >"$site"
python3 "$here/tests/integration/fake-dns.py" 127.31.0.53 5399 "$tmp/upstream.log" 127.31.0.10 &
pids+=($!)
python3 -c '
import socket
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.31.0.10", 443)); s.listen(1024)
while True: s.accept()[0].close()' &
pids+=($!)
useradd --create-home --shell /bin/bash --comment "agent-shell bench" "$owner"
"$adm" add "$owner" >/dev/null
"$adm" egress "$owner" allow bench.test >/dev/null
sleep 0.5

cat >"$tmp/time.py" <<'PY'
import socket, statistics, struct, sys, time
what, rounds, label = sys.argv[1], int(sys.argv[2]), sys.argv[3]

def once(i):
    if what in ("connect", "reject"):
        s = socket.socket()
        t = time.perf_counter_ns()
        try:
            s.connect(("127.31.0.10" if what == "connect" else "127.31.0.11", 443))
        except OSError:
            pass
        d = time.perf_counter_ns() - t
        s.close()
        return d
    # One A query for a fresh name, UDP, to ADDR:PORT (argv 4, 5).
    name = "n%d.bench.test" % i
    q = struct.pack("!HHHHHH", i & 0xffff, 0x0100, 1, 0, 0, 0) + b"".join(
        bytes([len(l)]) + l.encode() for l in name.split(".")) + b"\0" + struct.pack("!HH", 1, 1)
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.settimeout(2)
    t = time.perf_counter_ns()
    s.sendto(q, (sys.argv[4], int(sys.argv[5])))
    s.recv(512)
    d = time.perf_counter_ns() - t
    s.close()
    return d

for i in range(rounds // 10):
    once(i)                       # warm-up
samples = sorted(once(i) for i in range(rounds))
print("%-34s median %7.1f us   p90 %7.1f us   (%d)" % (label, statistics.median(samples) / 1000,
      samples[int(len(samples) * 0.9)] / 1000, len(samples)))
PY
chmod 0644 "$tmp/time.py"

# The same agent, open (no fence) and restricted.  Its DNS: open, straight
# to the upstream; restricted, to "any server" (127.31.0.77:53, where
# nothing listens), which the fence redirects to the agent's dnsmasq, which
# forwards the allowed name to the same upstream (no cache: every lookup).
agent="$owner-agent"
lookups=$((rounds / 4))
t() { runuser -u "$agent" -- python3 "$tmp/time.py" "$@"; }
"$adm" egress "$owner" open >/dev/null
t connect "$rounds" "connect, open (no fence)"
t lookup "$lookups" "DNS lookup, open (upstream)" 127.31.0.53 5399
"$adm" egress "$owner" restrict >/dev/null
t connect "$rounds" "connect, restricted, allowed"
t reject "$rounds" "connect, restricted, rejected"
t lookup "$lookups" "DNS lookup, restricted (dnsmasq)" 127.31.0.77 53
