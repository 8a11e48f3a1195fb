"""A proxy_command for the deployment tests (what `cloudflared access ssh` is in production):
connects to HOST PORT and relays stdin to it and its answers to stdout. Usage: tcp_relay.py HOST PORT"""

import os
import socket
import sys
import threading

connection = socket.create_connection((sys.argv[1], int(sys.argv[2])))


def upstream():
    while data := os.read(0, 65536):
        connection.sendall(data)
    connection.shutdown(socket.SHUT_WR)


threading.Thread(target=upstream, daemon=True).start()
while data := connection.recv(65536):
    while data:
        data = data[os.write(1, data):]
