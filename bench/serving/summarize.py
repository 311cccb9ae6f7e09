#!/usr/bin/python3
"""Turns the serving harness's result lines into a markdown table: the median of the rounds per
server and outstanding level, and ratios to libtorrent and to the echo floor.

usage: summarize.py RESULTS [SERVER_CPUS [LOADGEN_CPU]]"""
import statistics
import sys

ORDER = ["echo", "libtorrent", "dhtnet", "dhtnet-state", "bittorrent-dht"]
NAMES = {
    "echo": "C UDP echo (the floor)",
    "libtorrent": "libtorrent 2.0.8",
    "dhtnet": "DhtNet",
    "dhtnet-state": "DhtNet keeping state (--data-dir)",
    "bittorrent-dht": "bittorrent-dht 11",
}


def parse(path):
    rows = []
    with open(path) as f:
        for line in f:
            fields = dict(kv.split("=", 1) for kv in line.split() if "=" in kv)
            if "qps" in fields or "alloc_bytes_per_query" in fields:
                rows.append(fields)
    return rows


def main():
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    parsed = parse(sys.argv[1])
    rows = [r for r in parsed if "qps" in r]
    allocs = [r for r in parsed if r.get("alloc_bytes_per_query", "na") != "na"]
    cpus = sys.argv[2] if len(sys.argv) > 2 else "0"
    loadgen_cpu = sys.argv[3] if len(sys.argv) > 3 else "1"
    levels = sorted({int(r["outstanding"]) for r in rows}, reverse=True)
    servers = sorted({r["label"] for r in rows}, key=lambda s: ORDER.index(s) if s in ORDER else len(ORDER))
    median = {}
    per_cpu = {}
    checks = {}
    for s in servers:
        for n in levels:
            these = [r for r in rows if r["label"] == s and int(r["outstanding"]) == n]
            if these:
                median[s, n] = statistics.median(float(r["qps"]) for r in these)
                cpu = [float(r["queries_per_cpu_s"]) for r in these if float(r.get("queries_per_cpu_s", "-1")) > 0]
                if cpu:
                    per_cpu[s, n] = statistics.median(cpu)
                checks[s, n] = (
                    len(these),
                    sum(int(r["errors"]) for r in these),
                    sum(int(r["invalid"]) for r in these),
                    sum(int(r["lost"]) for r in these),
                    statistics.median(float(r["nodes_per_find_node"]) for r in these),
                )

    def ratio(s, n, ref):
        if (s, n) not in median or (ref, n) not in median or median[ref, n] == 0 or s == ref:
            return "–"
        return f"{median[s, n] / median[ref, n]:.2f}x"

    print(f"served queries/s, median of rounds (server on CPU {cpus}, load generator on CPU {loadgen_cpu}; ping/find_node/get_peers mix)\n")
    header = "| server |" + "".join(f" {n} outstanding | vs libtorrent | vs echo |" for n in levels)
    print(header)
    print("|---|" + "---|---|---|" * len(levels))
    for s in servers:
        cells = []
        for n in levels:
            q = f"{median[s, n]:,.0f}" if (s, n) in median else "–"
            cells.append(f" {q} | {ratio(s, n, 'libtorrent')} | {ratio(s, n, 'echo')} |")
        print(f"| {NAMES.get(s, s)} |" + "".join(cells))
    print("\nserved queries per CPU second of the server (median; user + system time of the server process, all threads —"
          " steadier than the wall-clock rate when other work shares the machine)\n")
    print("| server |" + "".join(f" {n} outstanding | vs libtorrent |" for n in levels))
    print("|---|" + "---|---|" * len(levels))
    for s in servers:
        cells = []
        for n in levels:
            q = f"{per_cpu[s, n]:,.0f}" if (s, n) in per_cpu else "–"
            r = f"{per_cpu[s, n] / per_cpu['libtorrent', n]:.2f}x" if (s, n) in per_cpu and ("libtorrent", n) in per_cpu and s != "libtorrent" else "–"
            cells.append(f" {q} | {r} |")
        print(f"| {NAMES.get(s, s)} |" + "".join(cells))
    print("\nchecks (all rounds): rounds, error replies, invalid replies, lost queries, nodes per find_node answer (median)\n")
    print("| server | outstanding | rounds | errors | invalid | lost | nodes/find_node |")
    print("|---|---|---|---|---|---|---|")
    for s in servers:
        for n in levels:
            if (s, n) in checks:
                r, e, i, lost, nodes = checks[s, n]
                print(f"| {NAMES.get(s, s)} | {n} | {r} | {e} | {i} | {lost} | {nodes:.1f} |")
    if allocs:
        print("\nallocations per served query (GC bytes allocated per second under load minus idle, over queries per second;"
              " dotnet-counters, one extra run per round; at or below 0: nothing allocated beyond what the idle node does)\n")
        print("| server | outstanding | rounds | bytes per query (median) | allocated/s under load (median) | allocated/s idle (median) |")
        print("|---|---|---|---|---|---|")
        for s in sorted({r["label"] for r in allocs}):
            for n in sorted({int(r["outstanding"]) for r in allocs if r["label"] == s}, reverse=True):
                these = [r for r in allocs if r["label"] == s and int(r["outstanding"]) == n]
                med = lambda k: statistics.median(float(r[k]) for r in these)
                print(f"| {NAMES.get(s, s)} | {n} | {len(these)} | {med('alloc_bytes_per_query'):.2f} |"
                      f" {med('alloc_load_bytes_per_s'):,.0f} | {med('alloc_idle_bytes_per_s'):,.0f} |")
    announces = sum(int(r.get("announce_peer", "0")) for r in rows)
    puts = sum(int(r.get("put", "0")) for r in rows)
    if any(s == "dhtnet-state" for s in servers) and "dhtnet" in servers:
        print(f"\nwhat keeping state costs (dhtnet-state / dhtnet, medians; {announces:,} announce_peer and {puts:,} put answered in all rounds)\n")
        print("| outstanding | served/s on | served/s off | ratio | per CPU s on | per CPU s off | ratio |")
        print("|---|---|---|---|---|---|---|")
        for n in levels:
            if ("dhtnet", n) in median and ("dhtnet-state", n) in median:
                on, off = median["dhtnet-state", n], median["dhtnet", n]
                cpu_on, cpu_off = per_cpu.get(("dhtnet-state", n)), per_cpu.get(("dhtnet", n))
                cpu = f"{cpu_on:,.0f} | {cpu_off:,.0f} | {cpu_on / cpu_off:.3f}" if cpu_on and cpu_off else "– | – | –"
                print(f"| {n} | {on:,.0f} | {off:,.0f} | {on / off:.3f} | {cpu} |")


if __name__ == "__main__":
    main()
