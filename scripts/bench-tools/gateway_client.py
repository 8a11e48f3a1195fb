#!/usr/bin/env python3
"""Measuring client and helpers for scripts/bench-gateway (OpenAI-style chat completions).

Subcommands:
  post PORT                          one POST /v1/chat/completions; checks it is a 200 chat.completion
  wait-get PORT PATH [--timeout S]   wait until GET PATH on 127.0.0.1:PORT answers 200
  bk-live CONFIG BIN NAME [--timeout S]
                                     wait until `BIN status --json` shows bridge NAME live
  latency --peer NAME=PORT ... [--after NAME=PORT] --runs R --count N --json F
                                     one client, one keep-alive connection per run, N sequential
                                     requests; p50/p99/mean per run, peers interleaved (--after:
                                     measured once the others are done)
  throughput --peer NAME=PORT[:PID] ... [--after …] --runs R --seconds S --clients C --wrk-threads T --json F
                                     C concurrent keep-alive clients (wrk) for S seconds per run;
                                     requests/s, wrk's latency percentiles, the CPU the peer's
                                     process tree and wrk used, how busy the machine was, and the
                                     peer's peak RSS (VmHWM, reset before the first run)
  api-key                            the bearer token every request carries (LiteLLM's master key)
  tree-rss PID                       VmRSS and VmHWM summed over PID and its descendants (KiB),
                                     and the number of processes

The latency client is Python on a raw socket with HTTP/1.1 keep-alive: its own cost per request
(tens of µs) is the same for every peer and cancels in "added" (peer minus direct). The 16-way
load is wrk (C, epoll), which needs far less CPU per request than any peer measured here.
"""

import argparse
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from client import log, percentile, status_rss, system_busy, wait_until  # noqa: E402

MODEL = "gpt-bench"
BODY = json.dumps({
    "model": MODEL,
    "messages": [{"role": "user", "content": "Say ok."}],
    "max_tokens": 1,
}, separators=(",", ":")).encode()
CLK_TCK = os.sysconf("SC_CLK_TCK")
# Sent as the bearer token to every peer: LiteLLM's master key (it refuses to start without one);
# nginx and bridgekeeper ignore it. Only ever used on loopback, by a LiteLLM this benchmark starts.
API_KEY = "sk-bench-7f3a9c2e5b8d4f1a6c0e9b2d7a4f8c1e"


def request_bytes(port: int) -> bytes:
    return (b"POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1:%d\r\nContent-Type: application/json\r\n"
            b"Authorization: Bearer %s\r\nContent-Length: %d\r\n\r\n" % (port, API_KEY.encode(), len(BODY))) + BODY


# ---------------------------------------------------------------- a tiny HTTP/1.1 client


class Connection:
    """One persistent HTTP/1.1 connection to 127.0.0.1:port."""

    def __init__(self, port: int, timeout: float = 30):
        self.port = port
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=timeout)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.buffer = b""

    def close(self) -> None:
        self.sock.close()

    def _fill(self) -> None:
        chunk = self.sock.recv(65536)
        if not chunk:
            raise ConnectionError(f"127.0.0.1:{self.port} closed the connection")
        self.buffer += chunk

    def exchange(self, request: bytes) -> tuple[int, bytes, bytes]:
        """Sends one request, reads one response: (status, head, body)."""
        self.sock.sendall(request)
        while (end := self.buffer.find(b"\r\n\r\n")) < 0:
            self._fill()
        head, self.buffer = self.buffer[:end], self.buffer[end + 4:]
        status = int(head.split(b" ", 2)[1])
        length, chunked = None, False
        for line in head.split(b"\r\n")[1:]:
            name, _, value = line.partition(b":")
            name = name.strip().lower()
            if name == b"content-length":
                length = int(value)
            elif name == b"transfer-encoding" and b"chunked" in value.lower():
                chunked = True
        if chunked:
            body = b""
            while True:
                while (eol := self.buffer.find(b"\r\n")) < 0:
                    self._fill()
                size = int(self.buffer[:eol].split(b";")[0], 16)
                while len(self.buffer) < eol + 2 + size + 2:
                    self._fill()
                body += self.buffer[eol + 2:eol + 2 + size]
                self.buffer = self.buffer[eol + 2 + size + 2:]
                if size == 0:
                    break
        else:
            if length is None:
                raise RuntimeError("a response without Content-Length or chunked encoding")
            while len(self.buffer) < length:
                self._fill()
            body, self.buffer = self.buffer[:length], self.buffer[length:]
        return status, head, body


def check(status: int, body: bytes, port: int) -> None:
    if status != 200 or b"chat.completion" not in body:
        raise RuntimeError(f"bad answer from 127.0.0.1:{port}: {status} {body[:300]!r}")


# ---------------------------------------------------------------- process trees


def children_map() -> dict[int, list[int]]:
    kids: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                text = f.read()
        except OSError:
            continue
        fields = text[text.rindex(")") + 2:].split()
        if fields[0] == "Z":
            continue
        kids.setdefault(int(fields[1]), []).append(int(entry))
    return kids


def tree(pid: int) -> list[int]:
    kids = children_map()
    out, queue = [pid], [pid]
    while queue:
        for child in kids.get(queue.pop(0), []):
            out.append(child)
            queue.append(child)
    return out


def tree_cpu_seconds(pids: list[int]) -> float:
    total = 0.0
    for pid in pids:
        try:
            with open(f"/proc/{pid}/stat") as f:
                text = f.read()
        except OSError:
            continue
        fields = text[text.rindex(")") + 2:].split()
        total += (int(fields[11]) + int(fields[12])) / CLK_TCK
    return total


def process_alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as f:
            text = f.read()
    except OSError:
        return False
    return text[text.rindex(")") + 2:].split()[0] != "Z"


def tree_rss(pid: int) -> tuple[int, int, int]:
    """(sum of VmRSS, sum of VmHWM, processes) over pid and its descendants, KiB."""
    rss = hwm = count = 0
    for p in tree(pid):
        try:
            r = status_rss(p)
        except OSError:
            continue
        rss += r.get("VmRSS", 0)
        hwm += r.get("VmHWM", 0)
        count += 1
    return rss, hwm, count


def reset_peak(pids: list[int]) -> bool:
    """Resets VmHWM to the current RSS (Linux ≥ 4.0: write 5 to clear_refs)."""
    ok = True
    for pid in pids:
        try:
            with open(f"/proc/{pid}/clear_refs", "w") as f:
                f.write("5")
        except OSError:
            ok = False
    return ok


# ---------------------------------------------------------------- measurements


def latency_run(port: int, count: int, warmup: int = 50) -> dict:
    conn = Connection(port)
    request = request_bytes(port)
    try:
        for _ in range(warmup):
            check(*conn.exchange(request)[::2], port)
        samples = []
        clock = time.perf_counter
        for _ in range(count):
            start = clock()
            status, _, body = conn.exchange(request)
            samples.append((clock() - start) * 1000)
            check(status, body, port)
    finally:
        conn.close()
    return {"p50": percentile(samples, 50), "p99": percentile(samples, 99), "mean": statistics.fmean(samples)}


WRK_SCRIPT = r"""
wrk.method = "POST"
wrk.body = [==[%s]==]
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer %s"

done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'WRK_JSON {"requests":%%d,"duration_us":%%d,"bytes":%%d,"connect_errors":%%d,"read_errors":%%d,' ..
    '"write_errors":%%d,"status_errors":%%d,"timeouts":%%d,"p50_us":%%d,"p99_us":%%d,"max_us":%%d}\n',
    summary.requests, summary.duration, summary.bytes, e.connect, e.read, e.write, e.status, e.timeout,
    latency:percentile(50), latency:percentile(99), latency.max))
end
"""


def wrk_run(port: int, seconds: int, clients: int, threads: int, script: str, pid: int | None) -> dict:
    pids = tree(pid) if pid else []
    cpu0 = tree_cpu_seconds(pids) if pids else None
    busy0, total0 = system_busy()
    start = time.perf_counter()
    proc = subprocess.Popen(
        ["wrk", "-t", str(threads), "-c", str(clients), "-d", f"{max(1, round(seconds))}s", "--timeout", "10s", "-s", script,
         f"http://127.0.0.1:{port}/v1/chat/completions"],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    out = proc.stdout.read()
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    wall = time.perf_counter() - start
    busy1, total1 = system_busy()
    cpu1 = tree_cpu_seconds(pids) if pids else None
    line = next((l for l in out.splitlines() if l.startswith("WRK_JSON ")), None)
    if proc.returncode != 0 or line is None:
        raise RuntimeError(f"wrk failed ({proc.returncode}):\n{out}")
    r = json.loads(line[len("WRK_JSON "):])
    errors = r["connect_errors"] + r["read_errors"] + r["write_errors"] + r["status_errors"] + r["timeouts"]
    if errors:
        raise RuntimeError(f"wrk against 127.0.0.1:{port} saw errors: {r}\n{out}")
    rps = r["requests"] / (r["duration_us"] / 1e6)
    result = {
        "rps": rps,
        "requests": r["requests"],
        "p50": r["p50_us"] / 1000,
        "p99": r["p99_us"] / 1000,
        "client_cpu": 100 * (usage.ru_utime + usage.ru_stime) / wall,
        "system_busy": 100 * (busy1 - busy0) / max(1, total1 - total0),
    }
    if cpu0 is not None and cpu1 is not None:
        result["cpu"] = 100 * (cpu1 - cpu0) / wall
        result["cpu_us_per_request"] = (cpu1 - cpu0) * 1e6 / max(1, r["requests"])
    return result


def parse_peers(specs: list[str]) -> list[dict]:
    peers = []
    for spec in specs:
        name, _, rest = spec.partition("=")
        port, _, pid = rest.partition(":")
        peers.append({"name": name, "port": int(port), "pid": int(pid) if pid else None})
    return peers


def rotated(peers: list, run: int) -> list:
    """Rotates the order each round so no peer always runs first (or right after another)."""
    k = run % len(peers)
    return peers[k:] + peers[:k]


def median_of(runs: list[dict]) -> dict:
    keys = {k for r in runs for k in r}
    return {k: statistics.median(r[k] for r in runs if k in r) for k in keys}


def schedule(args) -> list[tuple[int, dict]]:
    """(run, peer) in measuring order: the --peer peers interleaved, their order rotated each round
    so no peer always runs first (or right after another); then each --after peer's runs in turn.
    A slow peer that loads every CPU for long (LiteLLM) goes after, so that it never runs just
    before a fast one: a fast peer's one-client latency depends on the state the CPUs were left in."""
    peers = parse_peers(args.peer)
    order = [(run, p) for run in range(args.runs) for p in rotated(peers, run)]
    order += [(run, p) for p in parse_peers(args.after or []) for run in range(args.runs)]
    return order


def latency_suite(args) -> dict:
    order = schedule(args)
    result = {p["name"]: {"runs": []} for _, p in order}
    for run, p in order:
        r = latency_run(p["port"], args.count)
        result[p["name"]]["runs"].append(r)
        log(f"  1 client, run {run + 1}/{args.runs} {p['name']:>12}: p50 {r['p50']:.3f} ms  p99 {r['p99']:.3f} ms")
    for r in result.values():
        r["median"] = median_of(r["runs"])
    return result


def throughput_suite(args) -> dict:
    order = schedule(args)
    peers = list({p["name"]: p for _, p in order}.values())
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as f:
        f.write(WRK_SCRIPT % (BODY.decode(), API_KEY))
        script = f.name
    try:
        result = {p["name"]: {"runs": []} for p in peers}
        warmed = set()
        for run, p in order:
            if p["name"] not in warmed:
                # A warm-up of its own just before a peer's first run; then VmHWM is reset to the
                # current RSS, so the peak is this load's.
                log(f"  warm-up: {args.warmup:g} s of {args.clients} clients ({p['name']})")
                wrk_run(p["port"], args.warmup, args.clients, args.wrk_threads, script, None)
                if p["pid"]:
                    result[p["name"]]["peak_reset"] = reset_peak(tree(p["pid"]))
                    result[p["name"]]["rss_before_kib"] = tree_rss(p["pid"])[0]
                warmed.add(p["name"])
            r = wrk_run(p["port"], args.seconds, args.clients, args.wrk_threads, script, p["pid"])
            result[p["name"]]["runs"].append(r)
            extra = f"  peer CPU {r['cpu']:.0f} %" if "cpu" in r else ""
            log(f"  {args.clients} clients, run {run + 1}/{args.runs} {p['name']:>12}: {r['rps']:9.0f} req/s"
                f"  (p50 {r['p50']:.2f} ms, p99 {r['p99']:.2f} ms; wrk CPU {r['client_cpu']:.0f} %{extra})")
        for p in peers:
            r = result[p["name"]]
            r["median"] = median_of(r["runs"])
            if p["pid"]:
                rss, hwm, count = tree_rss(p["pid"])
                r["rss_after_kib"], r["peak_kib"], r["processes"] = rss, hwm, count
    finally:
        os.unlink(script)
    return result


# ---------------------------------------------------------------- main


def main() -> int:
    parser = argparse.ArgumentParser()
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("post")
    p.add_argument("port", type=int)
    p = sub.add_parser("wait-get")
    p.add_argument("port", type=int)
    p.add_argument("path")
    p.add_argument("--timeout", type=float, default=30)
    p.add_argument("--pid", type=int, help="give up at once when this process has exited")
    p = sub.add_parser("bk-live")
    p.add_argument("config")
    p.add_argument("binary")
    p.add_argument("bridge")
    p.add_argument("--timeout", type=float, default=30)
    p = sub.add_parser("latency")
    p.add_argument("--peer", action="append", required=True, help="NAME=PORT")
    p.add_argument("--after", action="append", help="NAME=PORT, measured after the interleaved peers")
    p.add_argument("--runs", type=int, default=3)
    p.add_argument("--count", type=int, default=2000)
    p.add_argument("--json", required=True)
    p = sub.add_parser("throughput")
    p.add_argument("--peer", action="append", required=True, help="NAME=PORT[:PID]")
    p.add_argument("--after", action="append", help="NAME=PORT[:PID], measured after the interleaved peers")
    p.add_argument("--runs", type=int, default=3)
    p.add_argument("--seconds", type=int, default=5)
    p.add_argument("--warmup", type=int, default=2)
    p.add_argument("--clients", type=int, default=16)
    p.add_argument("--wrk-threads", type=int, default=1)
    p.add_argument("--json", required=True)
    sub.add_parser("api-key")
    p = sub.add_parser("tree-rss")
    p.add_argument("pid", type=int)
    args = parser.parse_args()

    if args.command == "post":
        conn = Connection(args.port, timeout=30)
        try:
            status, _, body = conn.exchange(request_bytes(args.port))
        finally:
            conn.close()
        check(status, body, args.port)
        print(body.decode(errors="replace"))
    elif args.command == "wait-get":
        def answers() -> bool:
            if args.pid and not process_alive(args.pid):
                log(f"process {args.pid} exited before GET {args.path} on 127.0.0.1:{args.port} answered")
                sys.exit(1)
            try:
                conn = Connection(args.port, timeout=5)
            except OSError:
                return False
            try:
                request = b"GET %s HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n" % args.path.encode()
                return conn.exchange(request)[0] == 200
            except (OSError, RuntimeError, ValueError, IndexError):
                return False
            finally:
                conn.close()
        wait_until(answers, args.timeout, f"GET {args.path} on 127.0.0.1:{args.port} to answer 200")
    elif args.command == "bk-live":
        def live() -> bool:
            run = subprocess.run([args.binary, "status", "--json", "--config", args.config],
                                 capture_output=True, text=True)
            try:
                bridges = json.loads(run.stdout).get("bridges", [])
            except ValueError:
                return False
            return any(b.get("name") == args.bridge and b.get("state") == "live" for b in bridges)
        wait_until(live, args.timeout, f"bridge {args.bridge} to be live")
    elif args.command == "latency":
        with open(args.json, "w") as f:
            json.dump(latency_suite(args), f, indent=1)
    elif args.command == "throughput":
        with open(args.json, "w") as f:
            json.dump(throughput_suite(args), f, indent=1)
    elif args.command == "api-key":
        print(API_KEY)
    elif args.command == "tree-rss":
        print(*tree_rss(args.pid))
    return 0


if __name__ == "__main__":
    sys.exit(main())
