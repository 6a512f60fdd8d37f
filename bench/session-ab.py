#!/usr/bin/env python3
"""agent-shell -- /bin/true from two installs, interleaved run by run.

Usage (root): bench/session-ab.py [--tty] OWNER PREFIX_A PREFIX_B [RUNS]

Each round runs, in this order: runuser -u OWNER -- env -C PROJECT
/bin/true (the baseline), PREFIX_A's and PREFIX_B's agent-shell -- /bin/true
as OWNER in PROJECT (OWNER's first granted project in PREFIX_B's registry),
and runuser -u OWNER-agent -- /bin/true.  Interleaving puts both installs
under the same background load, which a series per command (hyperfine)
does not on a busy machine.  Prints min, p10, median and p90 in ms.

--tty runs every command on a new pseudo-terminal of its own (fds 0-2,
read until it closes), so agent-shell makes its session's pty and relay.
"""
import os
import statistics
import subprocess
import sys
import time


def run_on_pty(cmd):
    """CMD with a new pty on fds 0-2; its output read until the pty closes."""
    master, slave = os.openpty()
    p = subprocess.Popen(cmd, stdin=slave, stdout=slave, stderr=slave, start_new_session=True)
    os.close(slave)
    try:
        while os.read(master, 4096):
            pass
    except OSError:  # EIO: every slave fd is closed
        pass
    os.close(master)
    return p.wait()


def main():
    args = sys.argv[1:]
    tty = bool(args) and args[0] == "--tty"
    if tty:
        args = args[1:]
    if len(args) < 3:
        sys.exit(__doc__)
    owner, pa, pb = args[:3]
    runs = int(args[3]) if len(args) > 3 else 200
    reg = os.path.join(pb, "etc/agent-shell/agents.d", owner + ".conf")
    proj = next(line.split("=", 1)[1].strip() for line in open(reg) if line.startswith("path"))
    start = ["runuser", "-u", owner, "--", "env", "-C", proj]
    cmds = {
        "baseline": start + ["/bin/true"],
        "A " + pa: start + [pa + "/bin/agent-shell", "--", "/bin/true"],
        "B " + pb: start + [pb + "/bin/agent-shell", "--", "/bin/true"],
        "runuser-agent": ["runuser", "-u", owner + "-agent", "--", "/bin/true"],
    }
    times = {k: [] for k in cmds}
    for i in range(runs + 10):
        for name, cmd in cmds.items():
            t = time.perf_counter()
            if (run_on_pty(cmd) if tty else subprocess.run(cmd).returncode) != 0:
                sys.exit(f"session-ab: {name} failed")
            if i >= 10:
                times[name].append((time.perf_counter() - t) * 1e3)
    for name, v in times.items():
        v.sort()
        print(f"{name:32s} min {v[0]:6.2f}  p10 {v[len(v) // 10]:6.2f}  "
              f"median {statistics.median(v):6.2f}  p90 {v[9 * len(v) // 10]:6.2f}")
    print("load average: %.2f %.2f %.2f" % os.getloadavg())


if __name__ == "__main__":
    main()
