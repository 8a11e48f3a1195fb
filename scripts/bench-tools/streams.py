#!/usr/bin/env python3
"""The measuring side of scripts/bench-streams: rounds of C concurrent streams through each peer.

  streams.py run --tool BIN --peer NAME=PORT[:PID] ... --sizes 100,1000,5000 --runs N --json OUT
      For each round and each size, every peer in turn (direct first): resets the peak RSS of the
      peer's processes (/proc/PID/clear_refs), runs `BIN client`, and records what it printed with
      the CPU seconds and the peak RSS (summed over the peer's process tree) it took.
  streams.py report OUT [KEY=VALUE ...]
      The markdown table: medians over the rounds, "added" against direct in the same round.
"""

import argparse
import json
import os
import statistics
import subprocess
import sys

CLK_TCK = os.sysconf("SC_CLK_TCK")


def log(message):
    print(message, file=sys.stderr, flush=True)


def tree(root):
    """root and its live descendants."""
    children = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                rest = f.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        children.setdefault(int(rest[1]), []).append(int(entry))
    out, queue = [], [root]
    while queue:
        pid = queue.pop()
        out.append(pid)
        queue.extend(children.get(pid, []))
    return out


def cpu_seconds(pids):
    total = 0
    for pid in pids:
        try:
            with open(f"/proc/{pid}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12])
        except OSError:
            pass
    return total / CLK_TCK


def peak_kib(pids):
    total = 0
    for pid in pids:
        try:
            with open(f"/proc/{pid}/status") as f:
                for line in f:
                    if line.startswith("VmHWM:"):
                        total += int(line.split()[1])
        except OSError:
            pass
    return total


def reset_peaks(pids):
    for pid in pids:
        try:
            with open(f"/proc/{pid}/clear_refs", "w") as f:
                f.write("5")
        except OSError:
            pass


def run(args):
    peers = []
    for spec in args.peer:
        name, rest = spec.split("=", 1)
        port, _, pid = rest.partition(":")
        peers.append((name, int(port), int(pid) if pid else None))
    sizes = [int(s) for s in args.sizes.split(",")]
    results = []
    for round_ in range(args.runs):
        for size in sizes:
            for name, port, pid in peers:
                pids = tree(pid) if pid else []
                reset_peaks(pids)
                before = cpu_seconds(pids)
                command = [args.tool, "client", "--port", str(port), "--streams", str(size), "--timeout", str(args.timeout)]
                for header in args.header.get(name, []):
                    command += ["--header", header]
                done = subprocess.run(command, capture_output=True, text=True)
                if done.returncode != 0:
                    log(f"{name} C={size}: the client failed ({done.returncode}): {done.stderr.strip()[-300:]}")
                    continue
                measured = json.loads(done.stdout)
                pids = tree(pid) if pid else []
                measured.update(peer=name, size=size, round=round_, cpu_s=cpu_seconds(pids) - before, peak_kib=peak_kib(pids))
                results.append(measured)
                delay = measured["chunk_delay"]
                log(f"round {round_ + 1} C={size} {name}: {measured['completed']}/{size} completed, chunk delay p50 {delay['p50_ms']:.2f} ms"
                    f" p99 {delay['p99_ms']:.2f} ms, first chunk p99 {measured['first_chunk']['p99_ms']:.2f} ms,"
                    f" errors {measured['errors'] or 'none'}, CPU {measured['cpu_s']:.1f} s, peak {measured['peak_kib'] // 1024} MiB")
    with open(args.json, "w") as f:
        json.dump(results, f, indent=1)


def report(args):
    with open(args.json) as f:
        results = json.load(f)
    info = dict(item.split("=", 1) for item in args.info)
    direct = {(r["round"], r["size"]): r for r in results if r["peer"] == "direct"}

    def added(r, key, q):
        base = direct.get((r["round"], r["size"]))
        return r[key][q] - base[key][q] if base and r["peer"] != "direct" else r[key][q]

    def median(values):
        return statistics.median(values) if values else float("nan")

    peers = list(dict.fromkeys(r["peer"] for r in results))
    sizes = sorted({r["size"] for r in results})
    lines = []
    lines.append("| machine | |")
    lines.append("|---|---|")
    for key in ("date", "nproc", "cpu", "kernel", "bridgekeeper", "baseline", "nginx", "litellm", "chunks", "runs"):
        if info.get(key):
            lines.append(f"| {key} | {info[key]} |")
    lines.append("")
    lines.append("Medians over the rounds; \"added\" is the peer's figure minus direct's in the same round "
                 "(direct's own figures are absolute; direct's CPU and RSS are the upstream's). CPU is the proxy's "
                 "over the whole run; peak RSS is VmHWM summed over its processes, reset before each run.")
    lines.append("")
    lines.append("| C | peer | completed | errors | chunk delay p50 / p99 / max (ms) | first chunk p50 / p99 (ms) | CPU (s) | peak RSS, round 1 (MiB) |")
    lines.append("|---|---|---|---|---|---|---|---|")
    for size in sizes:
        for peer in peers:
            rows = [r for r in results if r["peer"] == peer and r["size"] == size]
            if not rows:
                continue
            completed = median([r["completed"] for r in rows])
            errors = {}
            for r in rows:
                for key, count in r["errors"].items():
                    errors[key] = errors.get(key, 0) + count
            error_text = ", ".join(f"{k}: {v}" for k, v in sorted(errors.items())) or "none"
            if len(rows) > 1 and errors:
                error_text += f" (over {len(rows)} rounds)"
            delay = " / ".join(f"{median([added(r, 'chunk_delay', q) for r in rows]):.2f}" for q in ("p50_ms", "p99_ms", "max_ms"))
            first = " / ".join(f"{median([added(r, 'first_chunk', q) for r in rows]):.2f}" for q in ("p50_ms", "p99_ms"))
            cpu = median([r["cpu_s"] for r in rows])
            # Freed memory is not always given back, so a later round's "peak" can be what the
            # largest size left resident: the first round's, sizes ascending, is the size's own.
            peak = min(rows, key=lambda r: r["round"])["peak_kib"] / 1024
            name = {"direct": "direct", "baseline": "bridgekeeper baseline (added)"}.get(peer, f"{peer} (added)")
            lines.append(f"| {size} | {name} | {completed:g}/{size} | {error_text} | {delay} | {first} | {cpu:.1f} | {peak:.0f} |")
    print("\n".join(lines))


def main():
    parser = argparse.ArgumentParser()
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("run")
    p.add_argument("--tool", required=True)
    p.add_argument("--peer", action="append", required=True)
    p.add_argument("--sizes", default="100,1000,5000")
    p.add_argument("--runs", type=int, default=3)
    p.add_argument("--timeout", type=int, default=120)
    p.add_argument("--auth", action="append", default=[], help="NAME=HEADER: a header for one peer's requests")
    p.add_argument("--json", required=True)
    p = sub.add_parser("report")
    p.add_argument("json")
    p.add_argument("info", nargs="*")
    args = parser.parse_args()
    if args.command == "run":
        args.header = {}
        for item in args.auth:
            name, header = item.split("=", 1)
            args.header.setdefault(name, []).append(header)
        run(args)
    else:
        report(args)


if __name__ == "__main__":
    main()
