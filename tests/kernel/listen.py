# listen.py tcp|udp PORT READYFILE -- TCP: accept and keep the connection
# open (as netsim's listener does: its connections end established); UDP: echo each
# datagram back from the address it was sent to, whatever route leads back
# (as the spec says, and as a server using IP_PKTINFO does). Writes "ready"
# to READYFILE once the socket is bound.
import socket
import struct
import sys

# <linux/in.h>; Python's socket module lacks the constant.
IP_PKTINFO = 8
# struct in_pktinfo { int ipi_ifindex; struct in_addr ipi_spec_dst;
#                     struct in_addr ipi_addr; }
PKTINFO = struct.Struct("=i4s4s")

proto, port, ready = sys.argv[1], int(sys.argv[2]), sys.argv[3]
if proto == "tcp":
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("0.0.0.0", port))
    s.listen(16)
else:
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.setsockopt(socket.IPPROTO_IP, IP_PKTINFO, 1)
    s.bind(("0.0.0.0", port))
with open(ready, "w") as f:
    f.write("ready\n")


def echo(s):
    d, ancillary, _flags, a = s.recvmsg(65535, socket.CMSG_SPACE(PKTINFO.size))
    # ipi_addr: the destination address in the datagram's IP header.
    dst = None
    for level, kind, data in ancillary:
        if level == socket.IPPROTO_IP and kind == IP_PKTINFO:
            _ifindex, _spec_dst, dst = PKTINFO.unpack(data[: PKTINFO.size])
    if dst is None:
        s.sendto(d, a)
        return
    # ipi_spec_dst sets the source address of the reply; ifindex 0 lets
    # the route lookup choose the way back.
    info = PKTINFO.pack(0, dst, b"\0\0\0\0")
    s.sendmsg([d], [(socket.IPPROTO_IP, IP_PKTINFO, info)], 0, a)


held = []
while True:
    if proto == "tcp":
        c, _ = s.accept()
        held.append(c)
    else:
        try:
            echo(s)
        except OSError:
            # One datagram that cannot be answered (its sender unreachable)
            # must not end the listener.
            pass
