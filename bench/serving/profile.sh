#!/usr/bin/env bash
# Where DhtNet's serving time goes: starts `dht node` pinned to --server-cpu with perf maps on, keeps
# --outstanding queries in flight from the load generator on --loadgen-cpu, and while it runs
# collects, one after another:
#   counters.csv     dotnet-counters: System.Runtime (allocation rate, GC, lock contention, thread
#                    pool) and the DhtNet.Krpc meter, one sample per second
#   perf.txt         perf: on-CPU samples of the server's CPU (kernel, runtime and JIT frames, by
#                    symbol and by library), with call graphs in perf.data
#   threadtime.txt   dotnet-trace dotnet-sampled-thread-time: the managed frames longest on a stack
#   gc.nettrace      dotnet-trace gc-verbose: allocation ticks (one per ~100 KB, with the type)
# and prints the served rate during the run. Results go to --out (default bench/serving/bin/profile-*).
#
#   bash bench/serving/profile.sh [--outstanding 64] [--seconds 10] [--server-cpu 0] [--loadgen-cpu 1] [--out DIR] [--no-build]
#                                 [--server-env NAME=VALUE]...
#
# --server-env sets a variable for the server only, e.g. DOTNET_ThreadPool_UnfairSemaphoreSpinLimit=0
# to see the profile without the thread pool's idle spinning.
# Needs perf, and dotnet-counters and dotnet-trace (dotnet tool install -g dotnet-counters dotnet-trace).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
export PATH="$PATH:$HOME/.dotnet/tools"

outstanding=64 seconds=10 server_cpu=0 loadgen_cpu=1 out="" build=1 port=47900 server_env=()
while [ $# -gt 0 ]; do
  case "$1" in
    --outstanding) outstanding=$2; shift 2 ;;
    --seconds) seconds=$2; shift 2 ;;
    --server-cpu) server_cpu=$2; shift 2 ;;
    --loadgen-cpu) loadgen_cpu=$2; shift 2 ;;
    --out) out=$2; shift 2 ;;
    --server-env) server_env+=("$2"); shift 2 ;;
    --no-build) build=0; shift ;;
    -h|--help) sed -n '2,/^set /{/^#/p}' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "profile.sh: unknown option $1" >&2; exit 1 ;;
  esac
done
for tool in perf dotnet-counters dotnet-trace; do
  command -v "$tool" >/dev/null || { echo "profile.sh: $tool not found" >&2; exit 1; }
done

bin="$here/bin"
mkdir -p "$bin"
[ -n "$out" ] || out="$bin/profile-$(date +%Y%m%d-%H%M%S)"
mkdir -p "$out"
gcc -O2 -Wall -Wextra -Werror -o "$bin/loadgen" "$here/loadgen.c"
dht_dll="$root/src/DhtNet.Cli/bin/Release/net10.0/dht.dll"
[ "$build" = 1 ] && dotnet build "$root/src/DhtNet.Cli" -c Release -nologo -v q >&2

server_pid="" load_pid=""
cleanup() {
  for pid in $load_pid $server_pid; do
    kill "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  done
}
trap cleanup EXIT

# Perf maps name the JIT's code for perf; W^X off so perf sees that code at the addresses the maps
# name (with it on, JIT code runs from a double mapping that perf cannot resolve).
env DOTNET_PerfMapEnabled=1 DOTNET_EnableWriteXorExecute=0 "${server_env[@]}" taskset -c "$server_cpu" dotnet "$dht_dll" node --port "$port" --bind 127.0.0.1 \
  --bootstrap none --log-level warning >"$out/server.log" 2>&1 &
server_pid=$!
ddur() { printf '00:00:%02d' "$1"; }
# Warm-up (tables fill, tiered JIT settles), then one long run that spans every collection below.
taskset -c "$loadgen_cpu" "$bin/loadgen" --server "127.0.0.1:$port" --outstanding "$outstanding" --warmup 0 --duration 8 --label warmup >/dev/null
total=$((seconds * 4 + 20))
printf '%s\n' "${server_env[@]}" >"$out/server-env.txt"
taskset -c "$loadgen_cpu" "$bin/loadgen" --server "127.0.0.1:$port" --outstanding "$outstanding" --warmup 1 --duration "$total" \
  --label dhtnet --server-pid "$server_pid" >"$out/load.txt" &
load_pid=$!
sleep 2

echo "profile.sh: counters ($seconds s)" >&2
dotnet-counters collect -p "$server_pid" --refresh-interval 1 --format csv -o "$out/counters.csv" \
  --counters System.Runtime,DhtNet.Krpc --duration "$(ddur "$seconds")" >/dev/null

echo "profile.sh: perf ($seconds s)" >&2
perf record -F 999 -g -p "$server_pid" -o "$out/perf.data" -- sleep "$seconds" 2>"$out/perf-record.log" >/dev/null
report() { perf report -i "$out/perf.data" --stdio -g none "$@" 2>/dev/null | grep -v -e '^$' -e '^#' | head -60 || true; }
{
  echo "## by thread and library (share of the server's on-CPU samples)"
  report --no-children --sort comm,dso
  echo
  echo "## top symbols, self"
  report --no-children --sort dso,symbol
  echo
  echo "## top symbols, with children"
  report --children --sort symbol
} >"$out/perf.txt"

echo "profile.sh: thread time ($seconds s)" >&2
dotnet-trace collect -p "$server_pid" --profile dotnet-sampled-thread-time --duration "$(ddur "$seconds")" \
  -o "$out/threadtime.nettrace" >/dev/null
{
  echo "## exclusive"
  dotnet-trace report "$out/threadtime.nettrace" topN -n 25
  echo "## inclusive"
  dotnet-trace report "$out/threadtime.nettrace" topN -n 40 --inclusive
} >"$out/threadtime.txt" 2>&1

echo "profile.sh: allocations ($seconds s)" >&2
dotnet-trace collect -p "$server_pid" --profile gc-verbose --duration "$(ddur "$seconds")" -o "$out/gc.nettrace" >/dev/null

wait "$load_pid" || true
load_pid=""
cat "$out/load.txt"
echo "profile.sh: results in $out" >&2
