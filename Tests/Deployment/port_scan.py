"""Which TCP ports of HOST accept a connection, from where this runs (the LAN neighbour):
every port, 1024 connects in flight at once. Prints them as a JSON list. Usage: port_scan.py HOST"""

import errno
import json
import selectors
import socket
import sys

HOST = sys.argv[1]
open_ports = []
ports = iter(range(1, 65536))
selector = selectors.DefaultSelector()


def connect_next():
    port = next(ports, None)
    if port is None:
        return False
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setblocking(False)
    code = sock.connect_ex((HOST, port))
    if code not in (0, errno.EINPROGRESS):
        sock.close()
        return True
    selector.register(sock, selectors.EVENT_WRITE, port)
    return True


def fill():
    while len(selector.get_map()) < 1024 and connect_next():
        pass


fill()
while selector.get_map():
    events = selector.select(timeout=2)
    if not events:
        # Silence: a host that drops rather than refuses; what is still pending is not open.
        for key in list(selector.get_map().values()):
            selector.unregister(key.fileobj)
            key.fileobj.close()
    for key, _ in events:
        sock = key.fileobj
        if sock.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR) == 0:
            open_ports.append(key.data)
        selector.unregister(sock)
        sock.close()
    fill()
print(json.dumps(sorted(open_ports)))
