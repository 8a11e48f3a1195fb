#!/usr/bin/env python3
"""Benchmark target for scripts/bench: a small, fast HTTP/1.0 server on 127.0.0.1.

  GET /bytes/N   N bytes (application/octet-stream), sent from one preallocated 1 MiB block
  GET /          a tiny body ("ok\n")

One request per connection (Connection: close): the server answers, shuts down its write side
and closes. Raw sockets and one thread per connection keep the per-request cost far below what a
tunnel adds, and sendall() of a memoryview streams without copying in Python.

Usage: target.py --port-file FILE [--port N]   (port 0 = any free port; the bound port is
written to FILE once the server accepts connections)
"""

import argparse
import os
import signal
import socket
import sys
import threading

BLOCK = memoryview(os.urandom(1 << 20))
SMALL = b"HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 3\r\nConnection: close\r\n\r\nok\n"
NOT_FOUND = b"HTTP/1.0 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"


def serve(conn: socket.socket) -> None:
    try:
        conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        conn.settimeout(30)
        request = b""
        while b"\r\n\r\n" not in request:
            chunk = conn.recv(4096)
            if not chunk:
                return
            request += chunk
            if len(request) > 16384:
                return
        parts = request.split(b"\r\n", 1)[0].split()
        path = parts[1].decode("ascii", "replace") if len(parts) >= 2 else "/"
        if path == "/":
            conn.sendall(SMALL)
        elif path.startswith("/bytes/") and path[7:].isdigit():
            remaining = int(path[7:])
            conn.sendall(
                b"HTTP/1.0 200 OK\r\nContent-Type: application/octet-stream\r\n"
                b"Content-Length: %d\r\nConnection: close\r\n\r\n" % remaining)
            size = len(BLOCK)
            while remaining >= size:
                conn.sendall(BLOCK)
                remaining -= size
            if remaining:
                conn.sendall(BLOCK[:remaining])
        else:
            conn.sendall(NOT_FOUND)
        conn.shutdown(socket.SHUT_WR)
    except OSError:
        pass
    finally:
        conn.close()


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--port-file", required=True)
    args = parser.parse_args()

    signal.signal(signal.SIGTERM, lambda *_: os._exit(0))
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind(("127.0.0.1", args.port))
    listener.listen(1024)
    port = listener.getsockname()[1]
    tmp = args.port_file + ".tmp"
    with open(tmp, "w") as f:
        f.write(f"{port}\n")
    os.replace(tmp, args.port_file)

    threading.stack_size(256 * 1024)
    while True:
        try:
            conn, _ = listener.accept()
        except InterruptedError:
            continue
        except KeyboardInterrupt:
            return 0
        threading.Thread(target=serve, args=(conn,), daemon=True).start()


if __name__ == "__main__":
    sys.exit(main())
