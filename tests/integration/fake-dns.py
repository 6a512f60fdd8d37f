#!/usr/bin/env python3
"""A tiny DNS server for the egress suite: answers every A query with ADDR4
(AAAA and the rest: no answer), and appends "NAME TYPE" to LOG for each
query, so a test can assert what reached it.  A name whose first label
starts with "cdn-" is answered as CDNs do: a CNAME to edge.cdn.test, then
that name's A record, 127.31.0.12.  UDP only.
Usage: fake-dns.py LISTEN-ADDR PORT LOG ADDR4"""
import socket
import struct
import sys

listen, port, log, a4 = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
s = socket.socket(socket.AF_INET6 if ":" in listen else socket.AF_INET, socket.SOCK_DGRAM)
s.bind((listen, port))
open(log, "a").close()
while True:
    data, peer = s.recvfrom(4096)
    if len(data) < 17:
        continue
    i, labels = 12, []
    while i < len(data) and data[i]:
        labels.append(data[i + 1:i + 1 + data[i]].decode("ascii", "replace"))
        i += data[i] + 1
    qtype = struct.unpack("!H", data[i + 1:i + 3])[0]
    with open(log, "a") as f:
        f.write("%s %d\n" % (".".join(labels), qtype))
    answer, n = b"", 0
    if qtype == 1 and labels and labels[0].startswith("cdn-"):
        target = b"".join(bytes([len(l)]) + l.encode() for l in ("edge", "cdn", "test")) + b"\0"
        answer = (b"\xc0\x0c" + struct.pack("!HHIH", 5, 1, 60, len(target)) + target +
                  target + struct.pack("!HHIH", 1, 1, 60, 4) + socket.inet_aton("127.31.0.12"))
        n = 2
    elif qtype == 1:
        answer, n = b"\xc0\x0c" + struct.pack("!HHIH", 1, 1, 60, 4) + socket.inet_aton(a4), 1
    head = struct.pack("!HHHHHH", struct.unpack("!H", data[:2])[0], 0x8180, 1, n, 0, 0)
    s.sendto(head + data[12:i + 5] + answer, peer)
