#!/usr/bin/env bash
# Side-by-side serving benchmark: the C echo floor, libtorrent 2.0.8, bittorrent-dht 11 and DhtNet,
# one after another on 127.0.0.1 with the same pinning (server on --server-cpus, load generator on
# --loadgen-cpu). Each server is started fresh per round, warmed (contacts join its routing table,
# the JIT settles), then measured at every --outstanding level. Prints a markdown table of medians
# and ratios; raw result lines are kept in --out.
#
#   bash bench/serving/run.sh [--rounds 3] [--duration 10] [--warmup 5] [--outstanding 64,8]
#                             [--servers echo,libtorrent,bittorrent-dht,dhtnet] [--server-cpus 0]
#                             [--loadgen-cpu 1] [--contacts 32] [--out FILE] [--no-build] [--dht-dll PATH]
#                             [--announce PERCENT] [--put PERCENT]
#
# --dht-dll runs another build of the CLI as DhtNet (to compare two builds in one run, name the
# second one with --servers dhtnet,dhtnet-b --dht-dll-b PATH).
#
# --announce 25 puts announce_peer in the mix (a quarter of the queries, each storing a new
# infohash); server "dhtnet-state" is DhtNet keeping its state (--data-dir in a fresh temporary
# directory per round, SQLite, 5 s flushes), so `--servers dhtnet,dhtnet-state --announce 25`
# measures what persistence costs the served rate.
# --put 25 puts BEP 44 immutable puts in the mix the same way (a quarter of the queries, each
# storing a new 35-byte item with the token of the get_peers that asked for its target);
# `--servers dhtnet,dhtnet-state --put 25` measures what keeping items costs.
# --server-cpus 0,1 gives the server both cores (the load generator then shares one with it).
# Needs gcc, taskset, and the interop peers (bash scripts/install-peers.sh).
#
# Allocations per served query (DhtNet, with and without state): after its measured runs, each round runs the first level
# once more with dotnet-counters attached (when installed: dotnet tool install -g dotnet-counters),
# samples the GC's allocated bytes per second idle and under load, and records
# (load - idle) / queries per second. That run's rate is not used in the throughput tables: the
# counter session shares the load generator's CPU.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"

rounds=3 duration=10 warmup=5 outstanding=64,8 servers=echo,libtorrent,bittorrent-dht,dhtnet
server_cpus=0 loadgen_cpu=1 contacts=32 out="" build=1 port=47100 dht_dll="" dht_dll_b="" announce=0 put=0
while [ $# -gt 0 ]; do
  case "$1" in
    --rounds) rounds=$2; shift 2 ;;
    --duration) duration=$2; shift 2 ;;
    --warmup) warmup=$2; shift 2 ;;
    --outstanding) outstanding=$2; shift 2 ;;
    --servers) servers=$2; shift 2 ;;
    --server-cpus) server_cpus=$2; shift 2 ;;
    --loadgen-cpu) loadgen_cpu=$2; shift 2 ;;
    --contacts) contacts=$2; shift 2 ;;
    --out) out=$2; shift 2 ;;
    --port) port=$2; shift 2 ;;
    --no-build) build=0; shift ;;
    --dht-dll) dht_dll=$2; shift 2 ;;
    --dht-dll-b) dht_dll_b=$2; shift 2 ;;
    --announce) announce=$2; shift 2 ;;
    --put) put=$2; shift 2 ;;
    -h|--help) sed -n '2,/^set /{/^#/p}' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "run.sh: unknown option $1" >&2; exit 1 ;;
  esac
done

bin="$here/bin"
mkdir -p "$bin"
[ -n "$out" ] || out="$bin/results-$(date +%Y%m%d-%H%M%S).txt"
: > "$out"

gcc -O2 -Wall -Wextra -Werror -o "$bin/echo" "$here/echo.c"
gcc -O2 -Wall -Wextra -Werror -o "$bin/loadgen" "$here/loadgen.c"
if [ -z "$dht_dll" ]; then
  dht_dll="$root/src/DhtNet.Cli/bin/Release/net10.0/dht.dll"
else
  build=0
fi
if [[ ",$servers," == *",dhtnet-b,"* ]] && [ ! -f "$dht_dll_b" ]; then
  echo "run.sh: --servers dhtnet-b needs --dht-dll-b PATH" >&2; exit 1
fi
if [[ ",$servers," == *",dhtnet"* ]]; then
  if [ "$build" = 1 ]; then
    dotnet build "$root/src/DhtNet.Cli" -c Release -nologo -v q >&2
  fi
  [ -f "$dht_dll" ] || { echo "run.sh: $dht_dll missing (build src/DhtNet.Cli in Release)" >&2; exit 1; }
fi
modules="$root/tests/DhtNet.Interop.Tests/peers/node_modules"
if [[ ",$servers," == *",libtorrent,"* ]] && ! /usr/bin/python3 -c 'import libtorrent' 2>/dev/null; then
  echo "run.sh: python3-libtorrent missing: bash scripts/install-peers.sh" >&2; exit 1
fi
if [[ ",$servers," == *",bittorrent-dht,"* ]] && [ ! -f "$modules/bittorrent-dht/package.json" ]; then
  echo "run.sh: bittorrent-dht missing: bash scripts/install-peers.sh" >&2; exit 1
fi

server_pid="" state_dir=""
stop_server() {
  if [ -n "$server_pid" ]; then
    kill "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
    server_pid=""
  fi
  if [ -n "$state_dir" ]; then
    rm -rf "$state_dir"
    state_dir=""
  fi
}
trap stop_server EXIT
trap 'exit 130' INT TERM

start_server() { # name port
  local name=$1 p=$2 log="$bin/server-$1.log"
  case "$name" in
    echo) taskset -c "$server_cpus" "$bin/echo" 127.0.0.1 "$p" >"$log" 2>&1 & ;;
    libtorrent) taskset -c "$server_cpus" /usr/bin/python3 "$here/libtorrent-server.py" 127.0.0.1 "$p" >"$log" 2>&1 & ;;
    bittorrent-dht) BITTORRENT_DHT_MODULES="$modules" taskset -c "$server_cpus" node "$here/bittorrent-dht-server.mjs" 127.0.0.1 "$p" >"$log" 2>&1 & ;;
    dhtnet) taskset -c "$server_cpus" dotnet "$dht_dll" node --port "$p" --bind 127.0.0.1 --bootstrap none --api none --log-level warning >"$log" 2>&1 & ;;
    dhtnet-b) taskset -c "$server_cpus" dotnet "$dht_dll_b" node --port "$p" --bind 127.0.0.1 --bootstrap none --api none --log-level warning >"$log" 2>&1 & ;;
    dhtnet-state)
      state_dir=$(mktemp -d "${TMPDIR:-/tmp}/dhtnet-serving-state-XXXXXX")
      taskset -c "$server_cpus" dotnet "$dht_dll" node --port "$p" --bind 127.0.0.1 --bootstrap none --api none --log-level warning \
        --data-dir "$state_dir" >"$log" 2>&1 & ;;
    *) echo "run.sh: unknown server $name" >&2; exit 1 ;;
  esac
  server_pid=$!
}

counters=""
if [[ ",$servers," == *",dhtnet,"* || ",$servers," == *",dhtnet-state,"* ]]; then
  counters=$(PATH="$PATH:$HOME/.dotnet/tools" command -v dotnet-counters || true)
  [ -n "$counters" ] || echo "run.sh: dotnet-counters not found: no allocation figures (dotnet tool install -g dotnet-counters)" >&2
  [ "$duration" -ge 5 ] || { counters=""; echo "run.sh: --duration under 5 s: no allocation figures" >&2; }
fi

alloc_rate() { # pid seconds: mean bytes allocated per second by the process over that window
  local csv="$bin/alloc-$$.csv"
  rm -f "$csv"
  taskset -c "$loadgen_cpu" "$counters" collect -p "$1" --counters 'System.Runtime[dotnet.gc.heap.total_allocated]' \
    --refresh-interval 1 --format csv -o "$csv" --duration "$(printf '00:00:00:%02d' "$2")" >/dev/null 2>&1 || true
  awk -F, 'NR > 1 && $3 ~ /total_allocated/ { s += $5; n++ } END { if (n) printf "%.0f", s / n; else print -1 }' "$csv" 2>/dev/null || echo -1
  rm -f "$csv"
}

load() { # name port outstanding warmup duration label contacts
  local echo_flag=()
  [ "$1" = echo ] && echo_flag=(--echo)
  taskset -c "$loadgen_cpu" "$bin/loadgen" --server "127.0.0.1:$2" --outstanding "$3" --warmup "$4" \
    --duration "$5" --contacts "$7" --label "$6" --server-pid "$server_pid" --announce "$announce" --put "$put" "${echo_flag[@]}"
}

echo "serving benchmark: rounds=$rounds duration=${duration}s warmup=${warmup}s outstanding=$outstanding server-cpus=$server_cpus loadgen-cpu=$loadgen_cpu announce=$announce% put=$put%" >&2
IFS=, read -r -a server_list <<<"$servers"
IFS=, read -r -a levels <<<"$outstanding"
for round in $(seq 1 "$rounds"); do
  for name in "${server_list[@]}"; do
    port=$((port + 1))
    start_server "$name" "$port"
    # Warm-up: contacts join the routing table, the JIT and caches settle; not recorded. Only this
    # run brings contacts, so every measured run sees the same table (bittorrent-dht answers with
    # its whole table, and each new contact would make its answers longer).
    load "$name" "$port" "${levels[0]}" 0 "$warmup" "warmup" "$contacts" >/dev/null
    for n in "${levels[@]}"; do
      line=$(load "$name" "$port" "$n" 1 "$duration" "$name" 0)
      echo "round=$round $line" | tee -a "$out" >&2
    done
    if [[ "$name" == dhtnet || "$name" == dhtnet-state ]] && [ -n "$counters" ]; then
      idle=$(alloc_rate "$server_pid" 3)
      load "$name" "$port" "${levels[0]}" 1 "$duration" "alloc" 0 >"$bin/alloc-load-$$.txt" &
      load_pid=$!
      sleep 1
      busy=$(alloc_rate "$server_pid" $((duration - 3)))
      wait "$load_pid"
      qps=$(sed -n 's/.* qps=\([0-9]*\).*/\1/p' "$bin/alloc-load-$$.txt")
      rm -f "$bin/alloc-load-$$.txt"
      per_query=$(awk -v b="$busy" -v i="$idle" -v q="${qps:-0}" 'BEGIN { if (b < 0 || i < 0 || q <= 0) print "na"; else printf "%.2f", (b - i) / q }')
      echo "round=$round alloc label=$name outstanding=${levels[0]} alloc_idle_bytes_per_s=$idle alloc_load_bytes_per_s=$busy alloc_qps=${qps:-0} alloc_bytes_per_query=$per_query" | tee -a "$out" >&2
    fi
    stop_server
  done
done

/usr/bin/python3 "$here/summarize.py" "$out" "$server_cpus" "$loadgen_cpu"
echo "raw results: $out" >&2
