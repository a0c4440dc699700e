# probe.py tcp|udp DST PORT TTL -- one connection attempt / one datagram, 5 s.
# A connection made stays open (a child keeps the socket until the sandbox
# ends), as netsim's probe leaves it: conntrack then shows it ESTABLISHED,
# as `netsim show NODE conntrack` does, rather than closing.
# Prints: RESULT detail. With IP_RECVERR the ICMP error (type/code/offender)
# that made the socket fail is read from the error queue, which tells ICMP
# time exceeded from destination unreachable (errno alone does not).
import errno
import os
import socket
import struct
import sys
import time

proto, dst, port, ttl = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
IP_RECVERR = 11
s = socket.socket(socket.AF_INET, socket.SOCK_STREAM if proto == "tcp" else socket.SOCK_DGRAM)
s.setsockopt(socket.IPPROTO_IP, socket.IP_TTL, ttl)
s.setsockopt(socket.IPPROTO_IP, IP_RECVERR, 1)
s.settimeout(5)
t0 = time.monotonic()


def icmp_detail():
    s.settimeout(0)  # read the error queue without waiting
    try:
        _, anc, _, _ = s.recvmsg(512, 512, socket.MSG_ERRQUEUE | socket.MSG_DONTWAIT)
    except OSError:
        return "", None
    for lvl, typ, data in anc:
        if lvl == socket.IPPROTO_IP and typ == IP_RECVERR:
            _ee_errno, origin, itype, code, _pad, _info, _d = struct.unpack("IBBBBII", data[:16])
            off = socket.inet_ntoa(data[20:24]) if len(data) >= 24 else "?"
            names = {0: "none", 1: "local", 2: "icmp"}
            return (
                f"origin={names.get(origin, origin)} icmp_type={itype} code={code} offender={off}",
                (origin, itype, code),
            )
    return "", None


def classify(e):
    took = time.monotonic() - t0
    d, info = icmp_detail()
    el = f"{errno.errorcode.get(e, e)} after {took:.2f}s {d}"
    if info and info[0] == 2:
        t, c = info[1], info[2]
        if t == 11:
            return "ttl-exceeded", el
        if t == 3 and c == 3:
            return "refused", el
        if t == 3:
            return "unreachable", el
    if e == errno.ECONNREFUSED:
        return "refused", el
    if e in (errno.EHOSTUNREACH, errno.ENETUNREACH):
        return "unreachable", el
    return "error", el


try:
    s.connect((dst, port))
    if proto == "tcp":
        print(f"reply connected after {time.monotonic() - t0:.2f}s", flush=True)
        if os.fork() == 0:
            os.close(1)
            os.close(2)
            time.sleep(3600)  # killed with the sandbox's namespaces
            os._exit(0)
    else:
        s.send(b"netsim-probe")
        d = s.recv(100)
        print(f"reply echoed {d!r} after {time.monotonic() - t0:.2f}s")
except socket.timeout:
    print(f"timeout nothing after {time.monotonic() - t0:.2f}s")
except OSError as ex:
    r, el = classify(ex.errno)
    print(r, el)
