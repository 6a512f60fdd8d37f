#!/usr/bin/python3
"""Totals the TAP results in meson's testlog.json.

Every "ok"/"not ok" line of every test counts once; a test that failed
without printing a "not ok" (crash, timeout, bad plan) counts as one
failure.  Prints a table per test, then "N skipped", and last
"N passed, N failed" (the line CI reads).
"""
import json
import re
import sys

OK = re.compile(r"^ok\b")
NOT_OK = re.compile(r"^not ok\b")
SKIP = re.compile(r"#\s*skip", re.IGNORECASE)

passed = failed = skipped = 0
for path in sys.argv[1:]:
    with open(path, encoding="utf-8", errors="replace") as f:
        for line in f:
            if not line.strip():
                continue
            t = json.loads(line)
            out = t.get("stdout") or ""
            p = fl = sk = 0
            for l in out.splitlines():
                if NOT_OK.match(l):
                    if re.search(r"#\s*todo", l, re.IGNORECASE):
                        sk += 1
                    else:
                        fl += 1
                elif OK.match(l):
                    if SKIP.search(l):
                        sk += 1
                    else:
                        p += 1
            if t.get("result") not in ("OK", "EXPECTEDFAIL", "SKIP") and fl == 0:
                fl = 1
            print(f"  {t.get('name', '?'):40s} {t.get('result', '?'):8s} "
                  f"{p} passed, {fl} failed, {sk} skipped")
            passed += p
            failed += fl
            skipped += sk
print(f"{skipped} skipped")
print(f"{passed} passed, {failed} failed")
sys.exit(1 if failed else 0)
