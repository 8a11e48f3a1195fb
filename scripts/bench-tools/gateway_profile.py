#!/usr/bin/env python3
"""Splits a `perf record --call-graph dwarf` profile of bridgekeeper's gateway under load into
what the CPU was doing, for scripts/bench-gateway.

Each sample is given to the first bucket (in the order below) that one of its frames matches,
so "reading and parsing the client's request" holds everything under ClientRequest.init, kernel and
malloc included. Swift symbols are matched mangled (type and function names appear verbatim).
Also prints CPU by thread kind and the top self-time leaf functions.

Usage: gateway_profile.py PERF_DATA [--top N]
"""

import argparse
import collections
import re
import subprocess
import sys

from swift_symbols import demangle

BUCKETS = [
    ("ledger: SQLite inserts of request rows (LedgerWriter thread, GRDB)", re.compile(r"LedgerWriter")),
    ("the request for the bridge (Exchange: passed through as received, or re-encoded)",
     re.compile(r"7Gateway8ExchangeV")),
    ("reading and parsing the client's request (ClientRequest.init → Translation.JSONParser)",
     re.compile(r"7Gateway13ClientRequestV")),
    ("the answer: collected, parsed for usage, passed on (CompletionEndpoint.whole → Translation.JSONParser)",
     re.compile(r"18CompletionEndpointV5whole")),
    ("Prometheus metrics per request (GatewayMetrics.observe, swift-prometheus)",
     re.compile(r"14GatewayMetrics|10Prometheus")),
    ("client key check (ClientAuthentication)", re.compile(r"20ClientAuthentication")),
    ("ledger entry and token usage (LedgerEntry, RequestRecord, TokenUsage, RequestRecorder)",
     re.compile(r"11LedgerEntryV|13RequestRecordV|10TokenUsageV|15RequestRecorder")),
    ("AsyncHTTPClient: the request to nginx and its answer (pool, HTTP/1.1 client, its socket I/O)",
     re.compile(r"15AsyncHTTPClient")),
    ("Hummingbird: the client-facing server (router, request/response bodies)",
     re.compile(r"11Hummingbird|15HummingbirdCore|HummingbirdHTTP")),
    ("other gateway code (CompletionEndpoint.handle, UpstreamRouter, availability)",
     re.compile(r"\$s7Gateway|\$s10Supervisor")),
    ("NIO event loops, not attributed above (socket I/O and HTTP parsing of both sides, epoll, wake-ups)",
     re.compile(r"8NIOPosix19SelectableEventLoop|8NIOPosix27MultiThreadedEventLoopGroup")),
    ("Swift concurrency executor (task switches and async glue between the above)",
     re.compile(r"swift_job_run|_dispatch_worker_thread|swift_task_")),
]
OTHER = "other"

HEADER = re.compile(r"^(\S.*?)\s+(\d+)\s+(\d+)\s*$")   # comm tid period
FRAME = re.compile(r"^\s+[0-9a-f]+\s+(.*?)\s+\((.*)\)\s*$")


def thread_kind(comm: str) -> str:
    if comm.startswith("NIO-"):
        return "NIO event loop threads"
    if "qos" in comm:
        return "Swift concurrency (dispatch) pool threads"
    if "ledger" in comm:
        return "ledger thread"
    return f"other ({comm})"


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("data")
    parser.add_argument("--top", type=int, default=15)
    args = parser.parse_args()

    proc = subprocess.Popen(["perf", "script", "-i", args.data, "-F", "comm,tid,period,ip,sym,dso"],
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, errors="replace")
    buckets: collections.Counter = collections.Counter()
    kernel_in: collections.Counter = collections.Counter()
    threads: collections.Counter = collections.Counter()
    leaves: collections.Counter = collections.Counter()
    total = 0
    comm, period, frames = None, 0, []

    def flush() -> None:
        nonlocal total
        if comm is None:
            return
        total += period
        threads[thread_kind(comm)] += period
        bucket = OTHER
        for name, pattern in BUCKETS:
            if any(pattern.search(sym) for sym, _ in frames):
                bucket = name
                break
        buckets[bucket] += period
        if frames:
            leaf_sym, leaf_dso = frames[0]
            if leaf_dso == "[kernel.kallsyms]":
                kernel_in[bucket] += period
                leaves[("[kernel]", "(kernel: system calls, scheduler, TCP)")] += period
            else:
                leaves[(leaf_dso.rsplit("/", 1)[-1], leaf_sym)] += period

    for line in proc.stdout:
        if not line.strip():
            continue
        if not line[0].isspace():
            flush()
            m = HEADER.match(line.rstrip("\n"))
            comm, period, frames = (m.group(1), int(m.group(3)), []) if m else (None, 0, [])
            continue
        m = FRAME.match(line)
        if m:
            frames.append((m.group(1), m.group(2)))
    flush()
    proc.wait()
    if not total:
        print("no samples")
        return 1

    print("where bridgekeeper's CPU went (share of all samples; each sample in the first bucket that matches)")
    for name, _ in BUCKETS + [(OTHER, None)]:
        if buckets[name]:
            print(f"  {100 * buckets[name] / total:6.2f}%  {name}  [kernel {100 * kernel_in[name] / total:.1f}%]")
    print("\nby thread")
    for kind, value in threads.most_common():
        print(f"  {100 * value / total:6.2f}%  {kind}")
    print(f"\nself time, top {args.top} leaf functions (all kernel time as one line)")
    top = leaves.most_common(args.top)
    names = demangle([sym for (_, sym), _ in top])
    for ((dso, _), value), name in zip(top, names):
        name = re.sub(r"\s+", " ", name)
        print(f"  {100 * value / total:6.2f}%  {dso[:24]:<24} {name[:100]}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
