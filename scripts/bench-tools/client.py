#!/usr/bin/env python3
"""Measuring client and small helpers for scripts/bench.

Subcommands:
  freeports N                      N distinct free TCP ports on 127.0.0.1, one per line
  wait-listen PORT [--timeout S]   wait until something LISTENs on 127.0.0.1:PORT (/proc/net/tcp)
  wait-banner PORT [--timeout S]   wait until 127.0.0.1:PORT answers with an SSH banner
  throughput PORT BYTES            one download of GET /bytes/BYTES, prints MiB/s
  latency PORT COUNT               COUNT fresh connections with GET /, prints p50 p99 in ms
  suite --peer NAME=PORT[:PID] ... the whole measurement, interleaved across peers, as JSON
  rss PID                          VmRSS VmHWM Threads RssAnon RssFile of a process (KiB)
  busy [--seconds S]               % of all CPUs busy over S seconds (is the machine quiet?)
  smaps PID [--top N]              where a process's RSS is: the N largest mappings by file
  bk-up CONFIG BIN N [--timeout S] wait until `BIN status --json` shows N tunnels up and verified
"""

import argparse
import tempfile
import concurrent.futures
import json
import os
import socket
import statistics
import subprocess
import sys
import time

MIB = 1 << 20
CLK_TCK = os.sysconf("SC_CLK_TCK")


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


# ---------------------------------------------------------------- helpers


def free_ports(count: int) -> list[int]:
    sockets, ports = [], []
    try:
        while len(ports) < count:
            s = socket.socket()
            s.bind(("127.0.0.1", 0))
            sockets.append(s)
            ports.append(s.getsockname()[1])
    finally:
        for s in sockets:
            s.close()
    return ports


def listening(port: int) -> bool:
    with open("/proc/net/tcp") as f:
        next(f)
        for line in f:
            fields = line.split()
            local, state = fields[1], fields[3]
            if state == "0A" and int(local.split(":")[1], 16) == port:
                return True
    return False


def wait_until(predicate, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            log(f"timed out after {timeout:.0f} s waiting for {what}")
            sys.exit(1)
        time.sleep(0.05)


def ssh_banner(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=2) as s:
            return s.recv(64).startswith(b"SSH-")
    except OSError:
        return False


def proc_cpu_seconds(pid: int) -> float | None:
    """utime + stime of a process, in seconds (None if it is gone)."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            text = f.read()
    except OSError:
        return None
    fields = text[text.rindex(")") + 2:].split()
    return (int(fields[11]) + int(fields[12])) / CLK_TCK


def system_busy() -> tuple[float, float]:
    """(busy, total) jiffies over all CPUs from /proc/stat."""
    with open("/proc/stat") as f:
        values = [int(v) for v in f.readline().split()[1:]]
    idle = values[3] + values[4]
    total = sum(values[:8])
    return total - idle, total


def status_rss(pid: int) -> dict[str, int]:
    result = {}
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            key, _, value = line.partition(":")
            if key in ("VmRSS", "VmHWM", "RssAnon", "RssFile", "RssShmem", "Threads"):
                result[key] = int(value.split()[0])
    return result


def smaps_breakdown(pid: int) -> list[tuple[str, int, int]]:
    """(mapping, Rss KiB, Private KiB) per backing file (or [heap], [anon], [stack]), largest first.
    Private = Private_Clean + Private_Dirty: pages no other process maps (for a shared library:
    its relocated data and whatever only this process touched)."""
    totals: dict[str, list[int]] = {}
    current = None
    with open(f"/proc/{pid}/smaps") as f:
        for line in f:
            first = line.split(None, 1)[0]
            if "-" in first and not first.endswith(":"):
                parts = line.split(None, 5)
                name = parts[5].strip() if len(parts) > 5 else "[anon]"
                current = totals.setdefault(os.path.basename(name) if name.startswith("/") else name, [0, 0])
            elif first in ("Rss:",) and current is not None:
                current[0] += int(line.split()[1])
            elif first in ("Private_Clean:", "Private_Dirty:") and current is not None:
                current[1] += int(line.split()[1])
    return sorted(((k, v[0], v[1]) for k, v in totals.items()), key=lambda t: -t[1])


# ---------------------------------------------------------------- measurements


def download(port: int, size: int) -> float:
    """One GET /bytes/size through 127.0.0.1:port, read to EOF. Returns MiB/s of body bytes."""
    buffer = bytearray(4 * MIB)
    view = memoryview(buffer)
    start = time.perf_counter()
    with socket.create_connection(("127.0.0.1", port), timeout=60) as s:
        s.sendall(b"GET /bytes/%d HTTP/1.0\r\nHost: bench\r\n\r\n" % size)
        total = 0
        header = b""
        header_length = None
        while True:
            n = s.recv_into(view)
            if n == 0:
                break
            if header_length is None:
                header += bytes(view[:min(n, 4096)])
                end = header.find(b"\r\n\r\n")
                if end >= 0:
                    header_length = end + 4
                    if not header.startswith(b"HTTP/1.0 200"):
                        raise RuntimeError(f"bad response: {header[:60]!r}")
            total += n
    elapsed = time.perf_counter() - start
    body = total - (header_length or 0)
    if header_length is None or body != size:
        raise RuntimeError(f"download through port {port}: got {body} body bytes, wanted {size}")
    return size / MIB / elapsed


def download_parallel(port: int, size: int, connections: int) -> float:
    """`connections` downloads of size/connections bytes at once through 127.0.0.1:port (each its
    own connection, so its own SSH channel). Returns MiB/s of all body bytes together."""
    if connections <= 1:
        return download(port, size)
    part = size // connections
    with concurrent.futures.ThreadPoolExecutor(connections) as pool:
        start = time.perf_counter()
        for future in [pool.submit(download, port, part) for _ in range(connections)]:
            future.result()
        elapsed = time.perf_counter() - start
    return part * connections / MIB / elapsed


def startup_ms(binary: str, runs: int) -> list[float]:
    """Milliseconds from starting `binary run` (the embedded default config: a gateway and the
    control endpoint on loopback, no tunnels) to its READY=1 on a notify socket, as systemd sees
    it; each run in a fresh state directory, stopped after."""
    times = []
    for _ in range(runs):
        with tempfile.TemporaryDirectory() as directory:
            path = os.path.join(directory, "notify")
            state = os.path.join(directory, "state")
            os.mkdir(state)
            with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as notify:
                notify.bind(path)
                notify.settimeout(30)
                environment = dict(os.environ, NOTIFY_SOCKET=path, STATE_DIRECTORY=state)
                start = time.perf_counter()
                daemon = subprocess.Popen([binary, "run"], env=environment, cwd=directory,
                                          stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
                try:
                    while b"READY=1" not in notify.recv(4096):
                        pass
                    times.append((time.perf_counter() - start) * 1000)
                finally:
                    daemon.terminate()
                    daemon.wait(timeout=30)
    return times


REQUEST = b"GET / HTTP/1.0\r\nHost: bench\r\n\r\n"


def one_request(port: int) -> float:
    """A fresh TCP connection, GET /, read to EOF. Returns seconds."""
    start = time.perf_counter()
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        s.settimeout(10)
        s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        s.connect(("127.0.0.1", port))
        s.sendall(REQUEST)
        response = b""
        while True:
            chunk = s.recv(4096)
            if not chunk:
                break
            response += chunk
    finally:
        s.close()
    elapsed = time.perf_counter() - start
    if not (response.startswith(b"HTTP/1.0 200") and response.endswith(b"\r\n\r\nok\n")):
        raise RuntimeError(f"bad response through port {port}: {response[:80]!r}")
    return elapsed


def percentile(values: list[float], q: float) -> float:
    """Nearest-rank percentile."""
    ordered = sorted(values)
    rank = max(1, int(-(-q * len(ordered) // 100)))
    return ordered[rank - 1]


def latency(port: int, count: int) -> tuple[float, float, float]:
    samples = [one_request(port) * 1000 for _ in range(count)]
    return percentile(samples, 50), percentile(samples, 99), statistics.fmean(samples)


def suite(args) -> dict:
    peers = []
    for spec in args.peer:
        name, _, rest = spec.partition("=")
        port, _, pid = rest.partition(":")
        peers.append({"name": name, "port": int(port), "pid": int(pid) if pid else None})

    result = {p["name"]: {"throughput": [], "cpu": [], "system_busy": [], "p50": [], "p99": [], "mean": []} for p in peers}

    log(f"warm-up: one {args.warmup_bytes // MIB} MiB download and 50 requests per peer")
    for p in peers:
        download(p["port"], args.warmup_bytes)
        for _ in range(50):
            one_request(p["port"])

    for run in range(args.tp_runs):
        # Rotate the order each round so no peer always runs first (or right after another).
        order = peers[run % len(peers):] + peers[:run % len(peers)]
        for p in order:
            cpu0 = proc_cpu_seconds(p["pid"]) if p["pid"] else None
            busy0, total0 = system_busy()
            t0 = time.perf_counter()
            speed = download_parallel(p["port"], args.bytes, args.parallel)
            wall = time.perf_counter() - t0
            busy1, total1 = system_busy()
            cpu1 = proc_cpu_seconds(p["pid"]) if p["pid"] else None
            r = result[p["name"]]
            r["throughput"].append(speed)
            if cpu0 is not None and cpu1 is not None:
                r["cpu"].append(100 * (cpu1 - cpu0) / wall)
            r["system_busy"].append(100 * (busy1 - busy0) / max(1, total1 - total0))
            log(f"  throughput run {run + 1}/{args.tp_runs} {p['name']:>14}: {speed:9.1f} MiB/s")

    for run in range(args.lat_runs):
        order = peers[run % len(peers):] + peers[:run % len(peers)]
        for p in order:
            p50, p99, mean = latency(p["port"], args.lat_count)
            r = result[p["name"]]
            r["p50"].append(p50)
            r["p99"].append(p99)
            r["mean"].append(mean)
            log(f"  latency run {run + 1}/{args.lat_runs} {p['name']:>14}: p50 {p50:.3f} ms  p99 {p99:.3f} ms")

    for r in result.values():
        r["median"] = {
            key: (statistics.median(r[key]) if r[key] else None)
            for key in ("throughput", "cpu", "system_busy", "p50", "p99", "mean")
        }
    return result


# ---------------------------------------------------------------- main


def main() -> int:
    parser = argparse.ArgumentParser()
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("freeports")
    p.add_argument("count", type=int)
    p = sub.add_parser("wait-listen")
    p.add_argument("port", type=int)
    p.add_argument("--timeout", type=float, default=30)
    p = sub.add_parser("wait-banner")
    p.add_argument("port", type=int)
    p.add_argument("--timeout", type=float, default=10)
    p = sub.add_parser("throughput")
    p.add_argument("port", type=int)
    p.add_argument("bytes", type=int)
    p = sub.add_parser("latency")
    p.add_argument("port", type=int)
    p.add_argument("count", type=int)
    p = sub.add_parser("startup")
    p.add_argument("binary")
    p.add_argument("--runs", type=int, default=10)
    p = sub.add_parser("rss")
    p.add_argument("pid", type=int)
    p = sub.add_parser("busy")
    p.add_argument("--seconds", type=float, default=1)
    p = sub.add_parser("smaps")
    p.add_argument("pid", type=int)
    p.add_argument("--top", type=int, default=10)
    p = sub.add_parser("bk-up")
    p.add_argument("config")
    p.add_argument("binary")
    p.add_argument("count", type=int)
    p.add_argument("--timeout", type=float, default=30)
    p = sub.add_parser("suite")
    p.add_argument("--peer", action="append", required=True, help="NAME=PORT[:PID]")
    p.add_argument("--bytes", type=int, default=256 * MIB)
    p.add_argument("--warmup-bytes", type=int, default=32 * MIB)
    p.add_argument("--tp-runs", type=int, default=7)
    p.add_argument("--lat-runs", type=int, default=3)
    p.add_argument("--lat-count", type=int, default=1000)
    p.add_argument("--parallel", type=int, default=1, help="downloads at once per throughput run, each bytes/N")
    p.add_argument("--json", required=True)
    args = parser.parse_args()

    if args.command == "freeports":
        print("\n".join(map(str, free_ports(args.count))))
    elif args.command == "wait-listen":
        wait_until(lambda: listening(args.port), args.timeout, f"a listener on 127.0.0.1:{args.port}")
    elif args.command == "wait-banner":
        wait_until(lambda: ssh_banner(args.port), args.timeout, f"an SSH banner on 127.0.0.1:{args.port}")
    elif args.command == "throughput":
        print(f"{download(args.port, args.bytes):.1f}")
    elif args.command == "latency":
        p50, p99, _ = latency(args.port, args.count)
        print(f"{p50:.3f} {p99:.3f}")
    elif args.command == "startup":
        times = startup_ms(args.binary, args.runs)
        print(f"{statistics.median(times):.1f} {min(times):.1f} {max(times):.1f}")
    elif args.command == "rss":
        r = status_rss(args.pid)
        print(r.get("VmRSS", 0), r.get("VmHWM", 0), r.get("Threads", 0), r.get("RssAnon", 0), r.get("RssFile", 0))
    elif args.command == "busy":
        busy0, total0 = system_busy()
        time.sleep(args.seconds)
        busy1, total1 = system_busy()
        print(f"{100 * (busy1 - busy0) / max(1, total1 - total0):.0f}")
    elif args.command == "smaps":
        rows = smaps_breakdown(args.pid)
        print(f"{'mapping':<44} {'RSS KiB':>9} {'private KiB':>12}")
        for name, rss, private in rows[:args.top]:
            print(f"{name[:44]:<44} {rss:>9} {private:>12}")
        rest = rows[args.top:]
        print(f"{'(%d more)' % len(rest):<44} {sum(r[1] for r in rest):>9} {sum(r[2] for r in rest):>12}")
        print(f"{'total':<44} {sum(r[1] for r in rows):>9} {sum(r[2] for r in rows):>12}")
    elif args.command == "bk-up":
        def up() -> bool:
            run = subprocess.run([args.binary, "status", "--json", "--config", args.config],
                                 capture_output=True, text=True)
            try:
                tunnels = json.loads(run.stdout).get("tunnels", [])
            except ValueError:
                return False
            ready = [t for t in tunnels
                     if t.get("state") == "up" and all(f.get("verified") is True for f in t.get("forwards", []))]
            return len(ready) >= args.count
        wait_until(up, args.timeout, f"{args.count} bridgekeeper tunnels to be up and verified")
    elif args.command == "suite":
        result = suite(args)
        with open(args.json, "w") as f:
            json.dump(result, f, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
