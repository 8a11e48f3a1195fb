#!/usr/bin/env python3
"""Summarises a `perf record -g` profile of bridgekeeper for scripts/bench.

Prints three short tables:
  - self time by shared object;
  - self time by symbol, where addresses in stripped code (libcrypto's assembly, libssh2's
    internal functions) are summed per object instead of listed one by one;
  - inclusive time (self + callees, from a DWARF call graph) of the named entry points,
    which shows how the work splits between libssh2 calls, socket calls and poll.

Swift symbols are demangled with `swift demangle --simplified` when swift is on PATH.
Usage: profile.py PERF_DATA [--top N]
"""

import argparse
import re
import subprocess
import sys

from swift_symbols import demangle

LINE = re.compile(r"^\s*([\d.]+)%\s+(?:([\d.]+)%\s+)?(?:(\S+)\s+)?\[(.)\]\s+(.*?)\s*$")
# Frames every sample passes through (thread start, the worker's loop): not informative.
FRAME_NOISE = re.compile(
    r"start_thread|clone3?$|NSThreadStart|Foundation6ThreadC4main|WorkerC(4main|4hold|5start)|ForwardingLoopC3run"
    r"|^_start$|__libc_start")
HEX = re.compile(r"^0x[0-9a-f]+$")


def perf_report(data: str, *options: str) -> list[str]:
    run = subprocess.run(
        ["perf", "report", "-i", data, "--stdio", "-g", "none", "--percent-limit", "0", *options],
        capture_output=True, text=True)
    return [line for line in run.stdout.splitlines() if line.strip() and not line.startswith("#")]


def short(name: str, width: int = 90) -> str:
    name = re.sub(r"\s+", " ", name)
    return name if len(name) <= width else name[:width - 1] + "…"


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("data")
    parser.add_argument("--top", type=int, default=15)
    args = parser.parse_args()

    by_dso: dict[str, float] = {}
    by_sym: dict[tuple[str, str], float] = {}
    for line in perf_report(args.data, "--no-children", "--sort", "dso,sym"):
        m = LINE.match(line)
        if not m:
            continue
        percent, dso, symbol = float(m.group(1)), m.group(3), m.group(5)
        by_dso[dso] = by_dso.get(dso, 0) + percent
        if HEX.match(symbol):
            symbol = "(stripped code: sum of unnamed addresses)"
        by_sym[(dso, symbol)] = by_sym.get((dso, symbol), 0) + percent

    print("self time by object")
    for dso, percent in sorted(by_dso.items(), key=lambda kv: -kv[1]):
        if percent >= 0.5:
            print(f"  {percent:6.2f}%  {dso}")

    print(f"\nself time by symbol (top {args.top})")
    top = sorted(by_sym.items(), key=lambda kv: -kv[1])[:args.top]
    names = demangle([symbol for (_, symbol), _ in top])
    for ((dso, _), percent), name in zip(top, names):
        print(f"  {percent:6.2f}%  {dso:<22} {short(name)}")

    inclusive: list[tuple[float, str]] = []
    syscalls = 0.0
    for line in perf_report(args.data, "--children", "--sort", "sym"):
        m = LINE.match(line)
        if not m or m.group(2) is None:
            continue
        children, kind, symbol = float(m.group(1)), m.group(4), m.group(5)
        if kind == "k":
            if symbol == "entry_SYSCALL_64_after_hwframe":
                syscalls = children
            continue
        if HEX.match(symbol) or symbol.endswith("(inlined)") or FRAME_NOISE.search(symbol) or children < 2:
            continue
        inclusive.append((children, symbol))
    inclusive.sort(key=lambda t: -t[0])
    inclusive = inclusive[:args.top]
    names = demangle([symbol for _, symbol in inclusive])
    print("\ninclusive time (self + callees, DWARF call graph) of named user-space functions")
    for (percent, _), name in zip(inclusive, names):
        print(f"  {percent:6.2f}%  {short(name)}")
    if syscalls:
        print(f"  {syscalls:6.2f}%  (all system calls, kernel side)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
