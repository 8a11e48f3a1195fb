#!/usr/bin/env python3
"""Turns scripts/bench's measurements (suite JSON + facts as KEY=VALUE) into a markdown report.

Prints the report on stdout. Exit status: 0, or 3 when --strict and a goal was missed.
"""

import argparse
import json
import sys

from machine_table import fmt, machine_rows

GOAL_THROUGHPUT = 0.9   # bridgekeeper / OpenSSH, at least
GOAL_LATENCY = 1.1      # bridgekeeper / OpenSSH p50, at most
GOAL_RSS_MIB = 20.0     # idle bridgekeeper with three tunnels and a gateway, at most
GOAL_STARTUP_MS = 150.0 # from exec to READY=1 with the embedded default config, at most


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("json")
    parser.add_argument("facts", nargs="*", help="KEY=VALUE")
    parser.add_argument("--strict", action="store_true")
    args = parser.parse_args()
    with open(args.json) as f:
        data = json.load(f)
    facts = dict(item.split("=", 1) for item in args.facts)

    def med(peer, key):
        return data.get(peer, {}).get("median", {}).get(key)

    def kib_to_mib(key):
        value = facts.get(key)
        return int(value) / 1024 if value else None

    peers = [p for p in ("direct", "openssh", "openssh-same-cipher", "bridgekeeper") if p in data]
    headers = {
        "direct": "direct (no tunnel)",
        "openssh": "OpenSSH `ssh -R`",
        "openssh-same-cipher": "OpenSSH `ssh -R -c {}{}`".format(
            facts.get("bk_cipher", "?"),
            "" if facts.get("bk_mac", "?").startswith("<") else " -m " + facts.get("bk_mac", "?")),
        "bridgekeeper": "bridgekeeper",
    }

    tp_ratio = lat_ratio = None
    if med("openssh", "throughput") and med("bridgekeeper", "throughput"):
        tp_ratio = med("bridgekeeper", "throughput") / med("openssh", "throughput")
    if med("openssh", "p50") and med("bridgekeeper", "p50"):
        lat_ratio = med("bridgekeeper", "p50") / med("openssh", "p50")
    p99_ratio = None
    if med("openssh", "p99") and med("bridgekeeper", "p99"):
        p99_ratio = med("bridgekeeper", "p99") / med("openssh", "p99")
    bk_rss = kib_to_mib("bk_rss_kib")

    def verdict(ok):
        return "—" if ok is None else ("**PASS**" if ok else "**FAIL**")

    tp_ok = None if tp_ratio is None else tp_ratio >= GOAL_THROUGHPUT
    lat_ok = None if lat_ratio is None else lat_ratio <= GOAL_LATENCY
    rss_ok = None if bk_rss is None else bk_rss <= GOAL_RSS_MIB

    runs = facts.get("tp_runs", "?")
    lat_runs, lat_count = facts.get("lat_runs", "?"), facts.get("lat_count", "?")
    size_mib = int(facts.get("bytes", "0")) // (1 << 20)
    out = machine_rows(facts)
    out.append(f"| OpenSSH (client and sshd) | {facts.get('openssh', '?')} |")
    out.append(f"| libssh2 | {facts.get('libssh2', '?')} |")
    out.append(f"| bridgekeeper | {facts.get('bridgekeeper', '?')} |")
    out.append(f"| negotiated, OpenSSH `ssh -R` | {facts.get('ossh_kex', '?')} |")
    out.append(f"| negotiated, bridgekeeper (libssh2) | {facts.get('bk_kex', '?')} |")
    out.append("")
    header = "| median | " + " | ".join(headers[p] for p in peers) + " | bridgekeeper / OpenSSH | goal | |"
    out.append(header)
    out.append("|---|" + "---:|" * len(peers) + "---:|---|---|")

    def row(label, key, digits, ratio, goal, ok):
        cells = [fmt(med(p, key), digits) for p in peers]
        return f"| {label} | " + " | ".join(cells) + f" | {fmt(ratio, 2)} | {goal} | {verdict(ok)} |"

    parallel = int(facts.get("parallel", "1"))
    at_once = f" as {parallel} downloads at once" if parallel > 1 else ""
    out.append(row(f"bulk download, {size_mib} MiB{at_once} (MiB/s; {runs} runs)", "throughput", 1, tp_ratio, "≥ 0.9", tp_ok))
    out.append(row(f"new connection + `GET /`, p50 (ms; {lat_runs} × {lat_count})", "p50", 3, lat_ratio, "≤ 1.1", lat_ok))
    out.append(row(f"new connection + `GET /`, p99 (ms; {lat_runs} × {lat_count})", "p99", 3, p99_ratio, "—", None))
    cpu_cells = ["—" if p == "direct" else fmt(med(p, "cpu"), 0, " %") for p in peers]
    out.append("| tunnel client CPU during the download (% of one core) | " + " | ".join(cpu_cells) + " | | | |")
    per_mib = []
    for p in peers:
        runs_ = data[p]
        values = sorted(c / 100 * 1000 / t for c, t in zip(runs_.get("cpu", []), runs_["throughput"]) if t)
        per_mib.append("—" if not values else f"{values[len(values) // 2]:.2f}")
    out.append("| tunnel client CPU per MiB carried (ms) | " + " | ".join(per_mib) + " | | | |")
    busy_cells = [fmt(med(p, "system_busy"), 0, " %") for p in peers]
    out.append(f"| whole machine busy during the download (% of {facts.get('nproc', '?')} CPUs) | " + " | ".join(busy_cells) + " | | | |")
    rss_cells = []
    for p in peers:
        if p == "openssh":
            rss_cells.append(f"{fmt(kib_to_mib('ossh_rss_kib'))} MiB (1 tunnel)")
        elif p == "bridgekeeper":
            rss_cells.append(f"{fmt(bk_rss)} MiB (3 tunnels and a gateway; {fmt(kib_to_mib('bk0_rss_kib'))} with the gateway alone)")
        else:
            rss_cells.append("—")
    out.append(f"| idle RSS after {facts.get('idle', '?')} s (VmRSS) | " + " | ".join(rss_cells) + f" | | ≤ {GOAL_RSS_MIB:.0f} MiB | {verdict(rss_ok)} |")
    after = []
    for p in peers:
        if p == "bridgekeeper":
            after.append(f"{fmt(kib_to_mib('bk_rss_after_kib'))} MiB (peak {fmt(kib_to_mib('bk_hwm_after_kib'))})")
        elif p == "openssh":
            after.append(f"{fmt(kib_to_mib('ossh_rss_after_kib'))} MiB (peak {fmt(kib_to_mib('ossh_hwm_after_kib'))})")
        else:
            after.append("—")
    out.append("| RSS after the load (VmRSS, peak VmHWM) | " + " | ".join(after) + " | | | |")
    startup = float(facts["startup_ms"]) if facts.get("startup_ms") else None
    startup_ok = None if startup is None else startup <= GOAL_STARTUP_MS
    cells = [f"{fmt(startup, 1)} ms (range {facts.get('startup_range', '?')})" if p == "bridgekeeper" else "—" for p in peers]
    out.append(f"| startup to READY=1, embedded default config (median of {facts.get('startup_runs', '?')}) | " + " | ".join(cells)
               + f" | | ≤ {GOAL_STARTUP_MS:.0f} ms | {verdict(startup_ok)} |")
    tunnels = [med(p, "throughput") or 0 for p in peers if p != "direct"]
    if med("direct", "throughput") and tunnels and med("direct", "throughput") < 2 * max(tunnels):
        out.append("")
        out.append("**Warning:** the direct path is less than twice as fast as the fastest tunnel, so the target "
                   "or the client may be limiting the tunnels too; these throughput figures are suspect.")
    print("\n".join(out))

    if args.strict and False in (tp_ok, lat_ok, rss_ok, startup_ok):
        return 3
    return 0


if __name__ == "__main__":
    sys.exit(main())
