#!/bin/bash
# Issue 16's speed goals, measured in one run of this script so the
# numbers compare (same machine, same load): ROUNDS hyperfine runs of every
# command one after another, each command's times merged over the rounds,
# so load that comes and goes meets every command alike:
#
#   1. agent-shell -- /bin/true, as a developer from their project, costs
#      no more than runuser -u AGENT -- /bin/true.  Both are timed; the
#      launcher in front of agent-shell (runuser -u OWNER -- env -C PROJECT)
#      is timed alone and subtracted, as in bench/README.md.
#   2. agent-sandbox -p default -- /bin/true costs at most 1.0 ms more than
#      /bin/true, both run as the owner (setpriv in front of both).  Also
#      timed: bench/exec-wrap /bin/true, a program that only execs, whose
#      overhead is the floor under agent-sandbox's (one more program
#      started).
#   3. agent-admin's re-grant of an unchanged tree of 20,000 entries
#      (acl-bench grant on a granted tree) takes at most 0.2 x setfacl -R -m
#      of the same ACL on a fresh copy (acl-grant.sh's comparison).
#
# Then one launch of agent-shell under strace -f: the system calls it makes
# (the launcher's own excluded), by name, and the prctl, openat and
# connect calls by argument.
#
# Usage (root): [ROUNDS=N] bench/goals.sh PREFIX [BUILD_DIR] [RUNS]
#   PREFIX     an install with the setuid helper (meson install)
#   BUILD_DIR  the build with bench/acl-bench and bench/exec-wrap (default: build)
#   RUNS       timed runs of each command (default 200), in ROUNDS rounds
#              (default 5) after 10 warm-ups in the first and 3 in the others
# It makes a throwaway developer (asgoal<pid>) with agent-admin add/grant,
# its egress fence open (so a fence another test reloads cannot fail it),
# and removes it again; the ACL trees use uids 61001/61002 (no accounts).
set -euo pipefail

prefix=${1:?usage: bench/goals.sh PREFIX [BUILD_DIR] [RUNS]}
build=${2:-build}
runs=${3:-200}
rounds=${ROUNDS:-5}
dirs=200 files=100 # 200 x 100 files + 200 directories + the root: 20,201 entries

[ "$(id -u)" = 0 ] || { echo "goals.sh: needs root (accounts, ACLs for other uids)" >&2; exit 2; }
for p in hyperfine setfacl strace python3 setpriv runuser; do
	command -v "$p" >/dev/null || { echo "goals.sh: $p is not installed" >&2; exit 2; }
done
adm=$prefix/sbin/agent-admin
sh=$prefix/bin/agent-shell
sandbox=$prefix/bin/agent-sandbox
aclbench=$build/bench/acl-bench
execwrap=$build/bench/exec-wrap
if ! [[ "$rounds" =~ ^[1-9][0-9]*$ && "$runs" =~ ^[1-9][0-9]*$ ]] || [ "$runs" -lt "$rounds" ]; then
	echo "goals.sh: RUNS ($runs) and ROUNDS ($rounds) must be numbers, RUNS >= ROUNDS >= 1" >&2
	exit 2
fi
for f in "$adm" "$sh" "$sandbox" "$aclbench" "$execwrap"; do
	[ -x "$f" ] || { echo "goals.sh: $f is not there (build and install first)" >&2; exit 2; }
done
[ -u "$prefix/libexec/agent-shell/agent-shell-helper" ] ||
	{ echo "goals.sh: $prefix/libexec/agent-shell/agent-shell-helper is not setuid" >&2; exit 2; }

owner=asgoal$$
agent=$owner-agent
proj=/home/$owner/src/proj
scratch=$(mktemp -d /var/tmp/as-goals.XXXXXX)
chmod 0755 "$scratch" # the owner runs the staged agent-sandbox
cleanup() {
	"$adm" remove "$owner" >/dev/null 2>&1 || true
	pkill -KILL -u "$owner" 2>/dev/null || true
	userdel --remove "$owner" 2>/dev/null || true
	rm -rf -- "$scratch"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

useradd --create-home --shell /bin/bash --comment "agent-shell bench" "$owner"
chmod 0700 "/home/$owner"
install -d -o "$owner" -g "$owner" -m 0755 "/home/$owner/src" "$proj"
"$adm" add "$owner" >/dev/null
"$adm" grant "$owner" "$proj" >/dev/null
"$adm" egress "$owner" open >/dev/null
uid=$(id -u "$owner")
gid=$(id -g "$owner")
runuser -u "$owner" -- env -C "$proj" "$sh" -- /bin/true ||
	{ echo "goals.sh: agent-shell -- /bin/true fails for $owner" >&2; exit 1; }

# The sandbox runs from a copy the owner can reach, like bench/launch.sh.
install -d -m 0755 "$scratch/stage" "$scratch/stage/profiles"
install -m 0755 "$sandbox" "$scratch/stage/agent-sandbox"
install -m 0755 "$execwrap" "$scratch/stage/exec-wrap"
install -m 0644 "$prefix"/share/agent-shell/profiles/*.profile "$scratch/stage/profiles/"
as_owner="setpriv --reuid=$uid --regid=$gid --init-groups"

# Two identical trees: a for setfacl (stripped before each run), b granted
# once and then re-granted.
echo "making two trees of $dirs x $files files under $scratch ($(nproc) cpus, load $(cut -d' ' -f1-3 /proc/loadavg))"
mkdir "$scratch/a"
for ((i = 0; i < dirs; i++)); do
	mkdir "$scratch/a/d$i"
	(cd "$scratch/a/d$i" && seq -f 'f%g' 1 "$files" | xargs touch)
done
chmod -R u=rwX,g=rX,o= "$scratch/a"
chown -R 61001:61001 "$scratch/a"
cp -a "$scratch/a" "$scratch/b"
"$aclbench" grant "$scratch/b" 61002 61001 >/dev/null
entries=$(find "$scratch/b" | wc -l)

per=$((runs / rounds))
echo "hyperfine: $((per * rounds)) runs of each in $rounds rounds of $per"
# The profile path is in hyperfine's environment, not set by env(1) in the
# command: that would be one more program started than bare /bin/true, and
# a program's start is most of what is measured.  Nothing else reads it.
for ((round = 1; round <= rounds; round++)); do
	warmup=3
	[ "$round" = 1 ] && warmup=10
	AGENT_SANDBOX_PROFILE_PATH=$scratch/stage/profiles \
		hyperfine -N --warmup "$warmup" --runs "$per" --export-json "$scratch/round$round.json" \
		-n bare --prepare true "/bin/true" \
		-n bare-as-owner --prepare true "$as_owner /bin/true" \
		-n exec-wrap-as-owner --prepare true "$as_owner $scratch/stage/exec-wrap /bin/true" \
		-n sandbox-as-owner --prepare true \
		"$as_owner $scratch/stage/agent-sandbox -p default -- /bin/true" \
		-n launcher --prepare true "runuser -u $owner -- env -C $proj /bin/true" \
		-n agent-shell --prepare true "runuser -u $owner -- env -C $proj $sh -- /bin/true" \
		-n runuser-agent --prepare true "runuser -u $agent -- /bin/true" \
		-n setfacl --prepare "setfacl -R -b $scratch/a" "setfacl -R -m u:61002:rwX,d:u:61002:rwX,d:u:61001:rwX $scratch/a" \
		-n regrant --prepare true "$aclbench grant $scratch/b 61002 61001" >/dev/null
done

python3 - "$entries" "$scratch"/round*.json <<'PY'
import json, statistics, sys
# Every command's times from every round, merged.
times = {}
for f in sys.argv[2:]:
    for x in json.load(open(f))["results"]:
        times.setdefault(x["command"], []).extend(x["times"])
stat = {"median": statistics.median, "min": min, "p10": lambda t: sorted(t)[len(t) // 10]}
ms = lambda n, k="median": stat[k](times[n]) * 1000
print(f"{'command':20s} {'median':>9s} {'p10':>9s} {'min':>9s}  (ms, {len(times['bare'])} runs each)")
for n in times:
    print(f"{n:20s} {ms(n):9.2f} {ms(n, 'p10'):9.2f} {ms(n, 'min'):9.2f}")
print()
for k in ("median", "min"):
    own = ms("agent-shell", k) - ms("launcher", k)
    ru = ms("runuser-agent", k)
    sb = ms("sandbox-as-owner", k) - ms("bare-as-owner", k)
    floor = ms("exec-wrap-as-owner", k) - ms("bare-as-owner", k)
    ratio = stat[k](times["regrant"]) / stat[k](times["setfacl"])
    print(f"by {k}:")
    print(f"  1. agent-shell own cost {own:.2f} ms vs runuser -u AGENT {ru:.2f} ms: "
          f"{own / ru:.2f}x  (goal <= 1.00x: {'met' if own <= ru else 'NOT met'})")
    print(f"  2. agent-sandbox overhead {sb:.2f} ms over /bin/true  "
          f"(goal <= 1.00 ms: {'met' if sb <= 1.0 else 'NOT met'}); "
          f"a program that only execs: {floor:.2f} ms")
    print(f"  3. re-grant of {sys.argv[1]} unchanged entries {ratio:.2f}x setfacl -R -m  "
          f"(goal <= 0.20x: {'met' if ratio <= 0.2 else 'NOT met'})")
PY

# One launch under strace: every call of the processes from agent-shell's
# exec on (runuser and env before it are not counted).
trace=$scratch/strace
strace -f -qq -o "$trace" runuser -u "$owner" -- env -C "$proj" "$sh" -- /bin/true
python3 - "$trace" "$sh" <<'PY'
import collections, re, sys
lines = open(sys.argv[1]).read().splitlines()
call = re.compile(r'^(\d+) +(?:<\.\.\. )?([a-z0-9_]+)[( ]')
# Before the exec: runuser and env.  After it, the exec'ing pid and every
# pid not seen before (its children) are agent-shell's.
before, ours = set(), None
count, prctl, opens, conns = (collections.Counter() for _ in range(4))
for l in lines:
    m = call.match(l)
    if not m:
        continue
    pid, name = m.group(1), m.group(2)
    if ours is None:
        before.add(pid)
        if name == "execve" and f'execve("{sys.argv[2]}"' in l and l.rstrip().endswith("= 0"):
            ours = pid
        continue
    if pid != ours and pid in before:
        continue
    if l.startswith(f"{pid} <..."):  # the second half of an interrupted call
        continue
    count[name] += 1
    if name == "prctl":
        prctl[re.sub(r'^.*?prctl\((\w+).*$', r'\1', l)] += 1
    if name == "openat":
        p = re.search(r'openat\([^,]+, "([^"]*)"', l)
        if p:
            f = p.group(1)
            f = re.sub(r'/(lib|usr/lib)/x86_64-linux-gnu/.*', r'/\1/x86_64-linux-gnu/*', f)
            f = re.sub(r'^/proc/\d+/', '/proc/PID/', f)
            opens[f] += 1
    if name == "connect":
        p = re.search(r'sun_path="([^"]*)"', l)
        conns[p.group(1) if p else "(not a unix socket)"] += 1
print()
print(f"one launch of agent-shell -- /bin/true (from its exec on): {sum(count.values())} system calls")
print("  " + ", ".join(f"{n} {c}" for n, c in count.most_common(12)))
print("  prctl: " + ", ".join(f"{c} {n}" for n, c in prctl.most_common()))
print("  openat: " + ", ".join(f"{c} {n}" for n, c in opens.most_common(12)))
print("  connect: " + ", ".join(f"{c} {n}" for n, c in conns.most_common()))
PY
