#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Count the code lines that run with euid 0 (HACKING.md, "What runs with
euid 0"; issue 16's target: about 1,500).

    bench/root-lines.py [--tree DIR] [--list] [--max N]

What is counted: code lines (not blank, not comment-only) of the setuid
helper and the PAM module, plus every lib/ function they can reach with
euid 0.  Reach is a call graph by name: a function reaches every lib/
function whose name appears in its body, called or passed as a pointer (an
inih callback, a qsort comparator), so indirect calls are followed too.  A
static name resolves in its own file first.  Functions are found by this
tree's style: a definition starts at column 0 and its body runs from a "{"
alone at column 0 to the next "}" alone at column 0.

Where root stops: the helper's command process is counted up to its
identity switch (run_child's body is cut after "switch_identity(s);", and
nothing it calls after that is followed); what runs only after the switch
(the helper's load_policy and build_env) is left out.  The same for the
git step's two children (lib/gitmount.c): owner_child and agent_child are
cut after their as_identity_child call, and the session's terminal relay
(lib/relay.c's relay_child) likewise.  The session's init (with at most
CAP_KILL) and root's supervision of the session stay uid 0 and are
counted.

It over-counts where a name reaches code a given path never runs (one
function of a file that serves several callers), so read it as an upper
bound.  --tree counts another checkout (git worktree, git archive), so the
number before a change can be had with the same rules.  --max N exits 1
when the total is above N.
"""
import argparse
import glob
import os
import re
import sys

HELPER = "tools/agent-shell-helper.c"
PAM = "pam/pam_agent_shell.c"
# Helper functions that run only as the agent, after the switch.
AFTER_SWITCH = {"load_policy", "build_env"}
# Function -> the statement after which its body no longer runs as root.
CUT = {
    (HELPER, "run_child"): "switch_identity(s);",
    # The git step's children: the owner's walk and the agent's side.
    ("lib/gitmount.c", "owner_child"): "as_identity_child(",
    ("lib/gitmount.c", "agent_child"): "as_identity_child(",
    # The session's terminal relay, which becomes the caller.
    ("lib/relay.c", "relay_child"): "as_identity_child(",
}

IDENT = re.compile(r"[A-Za-z_]\w*")
ATTR = re.compile(r"__attribute__\s*\(\(.*?\)\)")
DEF = re.compile(r"^[A-Za-z_][\w\s\*\(\),]*?\b([A-Za-z_]\w*)\s*\(")


def strip_comments(lines):
    """Each line with comments and string literals blanked."""
    out, in_block = [], False
    for line in lines:
        res, i = [], 0
        while i < len(line):
            if in_block:
                end = line.find("*/", i)
                if end < 0:
                    i = len(line)
                    continue
                i, in_block = end + 2, False
                res.append(" ")
                continue
            c = line[i]
            if line.startswith("/*", i):
                in_block, i = True, i + 2
            elif line.startswith("//", i):
                break
            elif c in "\"'":
                j = i + 1
                while j < len(line) and line[j] != c:
                    j += 2 if line[j] == "\\" else 1
                res.append(c + c)
                i = j + 1
            else:
                res.append(c)
                i += 1
        out.append("".join(res))
    return out


def functions(path, rel):
    """{name: (rel, start, end, code_lines, body)} for each definition."""
    with open(path, encoding="utf-8", errors="replace") as f:
        raw = f.read().split("\n")
    code = strip_comments(raw)
    found, i = {}, 0
    while i < len(code):
        m = DEF.match(code[i])
        if m and not code[i].rstrip().endswith(";") and not code[i].startswith("#"):
            # The "{" alone at column 0 that opens the body, within a few
            # lines (a signature may wrap).
            j = i
            while j < len(code) and j < i + 8 and code[j] != "{":
                if code[j].rstrip().endswith(";"):
                    break
                j += 1
            if j < len(code) and code[j] == "{":
                k = j + 1
                while k < len(code) and code[k] != "}":
                    k += 1
                # Attributes or a return type on the line above belong to it.
                start = i
                while start > 0 and code[start - 1].strip() and not code[start - 1].rstrip().endswith(
                        (";", "}", "*/")) and not code[start - 1].startswith("#"):
                    start -= 1
                found[m.group(1)] = {
                    "file": rel, "start": start, "end": k, "code": code,
                    "static": code[start].startswith("static") or "static" in code[i].split("(")[0],
                }
                i = k + 1
                continue
        i += 1
    return found


def count(code, start, end):
    return sum(1 for l in code[start:end + 1] if l.strip())


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--tree", default=os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
    ap.add_argument("--list", action="store_true", help="print every lib/ function counted")
    ap.add_argument("--max", type=int, help="exit 1 when the total is above N")
    a = ap.parse_args()
    tree = os.path.abspath(a.tree)

    lib = {}        # name -> [defs] (a static name may exist in several files)
    for p in sorted(glob.glob(os.path.join(tree, "lib", "*.c"))):
        rel = os.path.relpath(p, tree)
        if rel == "lib/seccomp-gen.c":   # build-time generator, not linked
            continue
        for name, d in functions(p, rel).items():
            d["name"] = name
            lib.setdefault(name, []).append(d)
    progs = {}
    for rel in (HELPER, PAM):
        progs[rel] = functions(os.path.join(tree, rel), rel)

    def resolve(name, from_file):
        defs = lib.get(name)
        if not defs:
            return None
        for d in defs:
            if d["file"] == from_file:
                return d
        globals_ = [d for d in defs if not d["static"]]
        return globals_[0] if globals_ else None

    def body_lines(d, fn, key):
        end = d["end"]
        cut = CUT.get(key)
        if cut:
            for n in range(d["start"], d["end"] + 1):
                if cut in d["code"][n]:
                    end = n
                    break
            else:
                sys.exit(f"root-lines: {key}: no line with {cut!r} to cut at")
        return d["start"], end

    prog_lines = 0
    seen = {}       # (file, name) -> lines
    todo = []

    def visit(from_file, code, start, end):
        for l in code[start:end + 1]:
            # __attribute__((format(printf, ...))) names no function.
            for ident in IDENT.findall(ATTR.sub(" ", l)):
                d = resolve(ident, from_file)
                if d and (d["file"], d["name"]) not in seen:
                    seen[(d["file"], d["name"])] = count(d["code"], d["start"], d["end"])
                    todo.append(d)

    for rel, fns in progs.items():
        for name, d in fns.items():
            if rel == HELPER and name in AFTER_SWITCH:
                continue
            s, e = body_lines(d, name, (rel, name))
            prog_lines += count(d["code"], s, e)
            visit(rel, d["code"], s, e)
    while todo:
        d = todo.pop()
        s, e = body_lines(d, d["name"], (d["file"], d["name"]))
        seen[(d["file"], d["name"])] = count(d["code"], s, e)
        visit(d["file"], d["code"], s, e)

    lib_lines = sum(seen.values())
    per_file = {}
    for (f, _), n in seen.items():
        per_file[f] = per_file.get(f, 0) + n
    print(f"helper + PAM module: {prog_lines}")
    print(f"lib/ functions reached: {len(seen)}, {lib_lines} lines")
    for f, n in sorted(per_file.items(), key=lambda x: -x[1]):
        print(f"  {f}: {n}")
    total = prog_lines + lib_lines
    print(f"total: {total}")
    if a.list:
        for (f, name), n in sorted(seen.items()):
            print(f"{f} {name} {n}")
    if a.max is not None and total > a.max:
        print(f"root-lines: {total} lines run with euid 0, more than {a.max}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
