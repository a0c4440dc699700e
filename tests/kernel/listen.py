# listen.py tcp|udp PORT READYFILE -- TCP: accept and close; UDP: echo each
# datagram back. Writes "ready" to READYFILE once the socket is bound.
import socket
import sys

proto, port, ready = sys.argv[1], int(sys.argv[2]), sys.argv[3]
if proto == "tcp":
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("0.0.0.0", port))
    s.listen(16)
else:
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("0.0.0.0", port))
with open(ready, "w") as f:
    f.write("ready\n")
while True:
    if proto == "tcp":
        c, _ = s.accept()
        c.close()
    else:
        d, a = s.recvfrom(65535)
        s.sendto(d, a)
