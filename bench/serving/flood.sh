#!/usr/bin/env bash
# Flood test: does an honest client still get its answers while many addresses flood the server?
#
# Creates two network namespaces of its own joined by a veth pair (nothing else is reachable from
# either: no default route), runs the server in one (10.200.0.1) and the flood probe (flood.c) in
# the other. The probe's side owns 10.201.0.0/16 as local addresses (one "local" route: every
# address of the range is assigned, and the flood uses the first --sources of them), plus 10.202.0.1
# for the honest client and 10.202.0.2 for the known good contact. Per source count, a fresh server
# is started, the contact joins its routing table, a baseline is taken without flood, then the
# flood runs. Everything created is removed on exit (trap), also on error or Ctrl+C.
#
#   sudo bash bench/serving/flood.sh [--server dhtnet|libtorrent|echo] [--sources 1000,20000]
#                                    [--duration 20] [--baseline 5] [--warm 5] [--honest-rate 20]
#                                    [--server-cpus 0] [--flood-cpu 1] [--out FILE] [--no-build]
#
# Needs root (ip netns), gcc, taskset. libtorrent runs with its default limits here.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"

server=dhtnet sources=1000,20000 duration=20 baseline=5 warm=5 honest_rate=20
server_cpus=0 flood_cpu=1 out="" build=1 port=6881
while [ $# -gt 0 ]; do
  case "$1" in
    --server) server=$2; shift 2 ;;
    --sources) sources=$2; shift 2 ;;
    --duration) duration=$2; shift 2 ;;
    --baseline) baseline=$2; shift 2 ;;
    --warm) warm=$2; shift 2 ;;
    --honest-rate) honest_rate=$2; shift 2 ;;
    --server-cpus) server_cpus=$2; shift 2 ;;
    --flood-cpu) flood_cpu=$2; shift 2 ;;
    --out) out=$2; shift 2 ;;
    --no-build) build=0; shift ;;
    -h|--help) sed -n '2,/^set /{/^#/p}' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "flood.sh: unknown option $1" >&2; exit 1 ;;
  esac
done
[ "$(id -u)" = 0 ] || { echo "flood.sh: needs root (ip netns)" >&2; exit 1; }

bin="$here/bin"
mkdir -p "$bin"
[ -n "$out" ] || out="$bin/flood-$(date +%Y%m%d-%H%M%S).txt"
: > "$out"
gcc -O2 -Wall -Wextra -Werror -o "$bin/flood" "$here/flood.c"
gcc -O2 -Wall -Wextra -Werror -o "$bin/echo" "$here/echo.c"
gcc -O2 -Wall -Wextra -Werror -o "$bin/loadgen" "$here/loadgen.c"
dht_dll="$root/src/DhtNet.Cli/bin/Release/net10.0/dht.dll"
if [ "$server" = dhtnet ]; then
  [ "$build" = 1 ] && dotnet build "$root/src/DhtNet.Cli" -c Release -nologo -v q >&2
  [ -f "$dht_dll" ] || { echo "flood.sh: $dht_dll missing" >&2; exit 1; }
fi

# Names carry this shell's pid, so two runs (or other users of ip netns) never collide.
ns_srv="dhtnet-flood-srv-$$" ns_cli="dhtnet-flood-cli-$$" veth_srv="dfs$$" veth_cli="dfc$$"
server_pid=""
cleanup() {
  if [ -n "$server_pid" ]; then
    kill "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
  fi
  # Deleting a namespace deletes the veth end inside it, and with it the pair.
  ip netns del "$ns_cli" 2>/dev/null || true
  ip netns del "$ns_srv" 2>/dev/null || true
}
trap cleanup EXIT
trap 'exit 130' INT TERM

ip netns add "$ns_srv"
ip netns add "$ns_cli"
ip link add "$veth_srv" netns "$ns_srv" type veth peer name "$veth_cli" netns "$ns_cli"
ip -n "$ns_srv" link set lo up
ip -n "$ns_cli" link set lo up
ip -n "$ns_srv" addr add 10.200.0.1/24 dev "$veth_srv"
ip -n "$ns_cli" addr add 10.200.0.2/24 dev "$veth_cli"
ip -n "$ns_srv" link set "$veth_srv" up
ip -n "$ns_cli" link set "$veth_cli" up
# The server reaches the flood and probe addresses through one gateway: one neighbour entry, not 20,000.
ip -n "$ns_srv" route add 10.201.0.0/16 via 10.200.0.2
ip -n "$ns_srv" route add 10.202.0.0/24 via 10.200.0.2
ip -n "$ns_cli" route add local 10.201.0.0/16 dev lo
ip -n "$ns_cli" addr add 10.202.0.1/32 dev lo
ip -n "$ns_cli" addr add 10.202.0.2/32 dev lo

start_server() {
  local log="$bin/flood-server-$server.log"
  case "$server" in
    dhtnet) ip netns exec "$ns_srv" taskset -c "$server_cpus" dotnet "$dht_dll" node --port "$port" --bind 10.200.0.1 --bootstrap none --log-level warning >"$log" 2>&1 & ;;
    libtorrent) ip netns exec "$ns_srv" taskset -c "$server_cpus" /usr/bin/python3 "$here/libtorrent-server.py" 10.200.0.1 "$port" defaults >"$log" 2>&1 & ;;
    echo) ip netns exec "$ns_srv" taskset -c "$server_cpus" "$bin/echo" 10.200.0.1 "$port" >"$log" 2>&1 & ;;
    *) echo "flood.sh: unknown server $server" >&2; exit 1 ;;
  esac
  server_pid=$!
  # Ready when it answers: the load generator's ready check, from the gateway address (not one the
  # test measures), followed by a tenth of a second of load with one query outstanding.
  ip netns exec "$ns_cli" "$bin/loadgen" --server "10.200.0.1:$port" --bind 10.200.0.2 --outstanding 1 \
    --warmup 0 --duration 0.1 --contacts 0 --ready-timeout 30 >/dev/null
}

# UDP datagrams the server's namespace received and dropped for a full receive buffer (the kernel's
# counters; only the server receives in that namespace): where a flood is shed before the server sees it.
udp_counters() {
  ip netns exec "$ns_srv" awk '/^Udp:/ { if (++seen == 2) print $2, $6 }' /proc/net/snmp
}

IFS=, read -r -a counts <<<"$sources"
limit=$(awk -v a="$warm" -v b="$baseline" -v c="$duration" 'BEGIN { printf "%d", a + b + c + 30 }')
for count in "${counts[@]}"; do
  start_server
  read -r in_before drops_before < <(udp_counters)
  line=$(ip netns exec "$ns_cli" timeout "$limit" taskset -c "$flood_cpu" "$bin/flood" --server "10.200.0.1:$port" \
    --sources 10.201.0.1 --count "$count" --honest 10.202.0.1 --contact 10.202.0.2 --duration "$duration" \
    --baseline "$baseline" --warm "$warm" --honest-rate "$honest_rate" --label "$server")
  read -r in_after drops_after < <(udp_counters)
  # What the kernel granted for the server's receive buffer (ss shows SO_RCVBUF as the kernel keeps it: twice what was asked).
  rcvbuf=$(ip netns exec "$ns_srv" ss -uamnH "sport = :$port" | grep -o 'rb[0-9]*' | head -1 | tr -d rb)
  line="$line server_udp_received=$((in_after - in_before)) server_udp_rcvbuf_drops=$((drops_after - drops_before)) server_rcvbuf=${rcvbuf:-?}"
  echo "$line" | tee -a "$out"
  kill "$server_pid" 2>/dev/null || true
  wait "$server_pid" 2>/dev/null || true
  server_pid=""
done
echo "raw results: $out" >&2
