#!/usr/bin/env python3
"""Turns scripts/bench-gateway's measurements (latency and throughput JSON + facts as KEY=VALUE)
into a markdown report on stdout. Exit status: 0, or 3 when --strict and a goal was missed.
"""

import argparse
import json
import sys

from machine_table import fmt, machine_rows

GOAL_ADDED_P50_MS = 0.2   # bridgekeeper p50 minus direct p50, one client, at most
GOAL_ADDED_P99_MS = 2.0   # the same for p99
GOAL_VS_PROXY = 0.5       # 16-way throughput, bridgekeeper / nginx proxy_pass in the same run, at least
GOAL_VS_LITELLM = 10.0    # 16-way throughput, bridgekeeper / LiteLLM, at least
GOAL_RSS_MIB = 80.0       # bridgekeeper's peak RSS under the 16-way load, at most

# "baseline" is another bridgekeeper build measured in the same run (BENCH_BASELINE).
PEERS = ("direct", "nginx-proxy", "bridgekeeper", "baseline", "litellm")


def verdict(ok):
    return "—" if ok is None else ("**PASS**" if ok else "**FAIL**")


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("latency")
    parser.add_argument("throughput")
    parser.add_argument("facts", nargs="*", help="KEY=VALUE")
    parser.add_argument("--strict", action="store_true")
    args = parser.parse_args()
    with open(args.latency) as f:
        lat = json.load(f)
    with open(args.throughput) as f:
        tp = json.load(f)
    facts = dict(item.split("=", 1) for item in args.facts)
    peers = [p for p in PEERS if p in lat or p in tp]
    headers = {
        "direct": "direct (nginx)",
        "nginx-proxy": "nginx `proxy_pass` (reference)",
        "bridgekeeper": "bridgekeeper gateway",
        "baseline": f"bridgekeeper, baseline build ({facts.get('baseline', '?')})",
        "litellm": f"LiteLLM proxy ({facts.get('litellm_workers', '?')} worker{'s' if facts.get('litellm_workers') != '1' else ''})",
    }

    def L(peer, key):
        return lat.get(peer, {}).get("median", {}).get(key)

    def T(peer, key):
        return tp.get(peer, {}).get("median", {}).get(key)

    def ratio(a, b):
        return a / b if a is not None and b else None

    def minus(a, b):
        return a - b if a is not None and b is not None else None

    added_p50 = {p: minus(L(p, "p50"), L("direct", "p50")) for p in peers if p != "direct"}
    added_p99 = {p: minus(L(p, "p99"), L("direct", "p99")) for p in peers if p != "direct"}
    vs_direct = {p: ratio(T(p, "rps"), T("direct", "rps")) for p in peers}
    vs_proxy = {p: ratio(T(p, "rps"), T("nginx-proxy", "rps")) for p in peers}
    bk_vs_litellm = ratio(T("bridgekeeper", "rps"), T("litellm", "rps"))
    peak = {p: tp.get(p, {}).get("peak_kib") for p in peers}
    peak_mib = {p: (v / 1024 if v else None) for p, v in peak.items()}

    ok_p50 = None if added_p50.get("bridgekeeper") is None else added_p50["bridgekeeper"] <= GOAL_ADDED_P50_MS
    ok_p99 = None if added_p99.get("bridgekeeper") is None else added_p99["bridgekeeper"] <= GOAL_ADDED_P99_MS
    ok_proxy = None if vs_proxy.get("bridgekeeper") is None else vs_proxy["bridgekeeper"] >= GOAL_VS_PROXY
    ok_litellm = None if bk_vs_litellm is None else bk_vs_litellm >= GOAL_VS_LITELLM
    ok_rss = None if peak_mib.get("bridgekeeper") is None else peak_mib["bridgekeeper"] <= GOAL_RSS_MIB

    runs, count = facts.get("lat_runs", "?"), facts.get("lat_count", "?")
    tp_runs, seconds, clients = facts.get("tp_runs", "?"), facts.get("tp_seconds", "?"), facts.get("clients", "?")
    out = machine_rows(facts)
    out.append(f"| bridgekeeper | {facts.get('bridgekeeper', '?')} |")
    out.append(f"| upstream | {facts.get('nginx', '?')}, {facts.get('nginx_workers', '?')} worker, `return 200` of a {facts.get('body_bytes', '?')}-byte chat.completion |")
    out.append(f"| LiteLLM | {facts.get('litellm', '?')} |")
    out.append(f"| load | 1 client: Python, one keep-alive connection, {runs} × {count} sequential requests; "
               f"{clients} clients: {facts.get('wrk', 'wrk')}, {facts.get('wrk_threads', '?')} thread, {clients} keep-alive connections, {tp_runs} × {seconds} s |")
    out.append("")
    out.append("| median | " + " | ".join(headers[p] for p in peers) + " | goal (bridgekeeper) | |")
    out.append("|---|" + "---:|" * len(peers) + "---|---|")

    def row(label, cells, goal="", ok=None):
        return f"| {label} | " + " | ".join(cells) + f" | {goal} | {verdict(ok) if goal else ''} |"

    out.append(row(f"1 client, p50 (ms; {runs} × {count})", [fmt(L(p, "p50"), 3) for p in peers]))
    out.append(row(f"1 client, p99 (ms; {runs} × {count})", [fmt(L(p, "p99"), 3) for p in peers]))
    out.append(row("added p50 over direct (ms)", ["—" if p == "direct" else fmt(added_p50.get(p), 3) for p in peers],
                   f"≤ {GOAL_ADDED_P50_MS}", ok_p50))
    out.append(row("added p99 over direct (ms)", ["—" if p == "direct" else fmt(added_p99.get(p), 3) for p in peers],
                   f"≤ {GOAL_ADDED_P99_MS:g}", ok_p99))
    out.append(row(f"{clients} clients, throughput (req/s; {tp_runs} × {seconds} s)", [fmt(T(p, "rps"), 0) for p in peers]))
    out.append(row(f"{clients} clients, throughput / direct", [fmt(vs_direct.get(p), 3 if p == "litellm" else 2) for p in peers]))
    out.append(row(f"{clients} clients, throughput / nginx `proxy_pass`", [fmt(vs_proxy.get(p), 3 if p == "litellm" else 2) for p in peers],
                   f"≥ {GOAL_VS_PROXY}", ok_proxy))
    out.append(row(f"{clients} clients, bridgekeeper / LiteLLM throughput",
                   ["" if p != "bridgekeeper" else fmt(bk_vs_litellm, 1) for p in peers], f"≥ {GOAL_VS_LITELLM:g}", ok_litellm))
    out.append(row(f"{clients} clients, latency p50 / p99 as wrk saw it (ms)",
                   [f"{fmt(T(p, 'p50'), 2)} / {fmt(T(p, 'p99'), 2)}" for p in peers]))
    out.append(row(f"CPU of the server during the {clients}-client load (% of one core)",
                   [fmt(T(p, "cpu"), 0, " %") for p in peers]))
    out.append(row("server CPU per request (µs)", [fmt(T(p, "cpu_us_per_request"), 1) for p in peers]))
    out.append(row("wrk's CPU (% of one core)", [fmt(T(p, "client_cpu"), 0, " %") for p in peers]))
    out.append(row(f"whole machine busy (% of {facts.get('nproc', '?')} CPUs)", [fmt(T(p, "system_busy"), 0, " %") for p in peers]))
    rss_cells = []
    for p in peers:
        value = peak_mib.get(p)
        n = tp.get(p, {}).get("processes")
        if value is None:
            rss_cells.append("—")
        elif p in ("bridgekeeper", "baseline"):
            rss_cells.append(f"{fmt(value)} MiB")
        else:
            rss_cells.append(f"{fmt(value)} MiB" + (f" ({n} processes, summed)" if n and n > 1 else ""))
    out.append(row(f"peak RSS during the {clients}-client runs (VmHWM)", rss_cells, f"≤ {GOAL_RSS_MIB:.0f} MiB", ok_rss))
    before = [fmt(tp.get(p, {}).get("rss_before_kib", 0) / 1024, 1, " MiB") if tp.get(p, {}).get("rss_before_kib") else "—"
              for p in peers]
    out.append(row("RSS before those runs, after warm-up (VmRSS)", before))

    if T("direct", "client_cpu") is not None and T("direct", "client_cpu") > 90:
        out.append("")
        out.append(f"Note: against the direct path wrk used {fmt(T('direct', 'client_cpu'), 0)} % of a core and nginx "
                   f"{fmt(T('direct', 'cpu'), 0)} %: the direct figure is what client and upstream together reach on these "
                   "CPUs, a ceiling for every proxy (which shares the same CPUs), not nginx's own limit.")

    out.append("")
    out.append("| goal | bridgekeeper | |")
    out.append("|---|---:|---|")
    out.append(f"| added p50 ≤ {GOAL_ADDED_P50_MS} ms | {fmt(added_p50.get('bridgekeeper'), 3, ' ms')} | {verdict(ok_p50)} |")
    out.append(f"| added p99 ≤ {GOAL_ADDED_P99_MS:g} ms | {fmt(added_p99.get('bridgekeeper'), 3, ' ms')} | {verdict(ok_p99)} |")
    out.append(f"| {clients}-way throughput ≥ {GOAL_VS_PROXY} × nginx `proxy_pass` | {fmt(vs_proxy.get('bridgekeeper'), 2, ' ×')} | {verdict(ok_proxy)} |")
    out.append(f"| {clients}-way throughput ≥ {GOAL_VS_LITELLM:g} × LiteLLM | {fmt(bk_vs_litellm, 1, ' ×')} | {verdict(ok_litellm)} |")
    out.append(f"| peak RSS under that load ≤ {GOAL_RSS_MIB:.0f} MiB | {fmt(peak_mib.get('bridgekeeper'), 1, ' MiB')} | {verdict(ok_rss)} |")
    print("\n".join(out))

    if args.strict and False in (ok_p50, ok_p99, ok_proxy, ok_litellm, ok_rss):
        return 3
    return 0


if __name__ == "__main__":
    sys.exit(main())
