#!/usr/bin/env bash
# Installs the real peers the interop tests drive: libtorrent's Python bindings and aria2 from
# the Debian archive, and bittorrent-dht and js-libp2p from the npm lockfile committed beside the drivers;
# and what the HTTP API tests drive: Debian's chromium (the dashboard) and the IPFS HTTP clients
# (ipfs-http-client, kubo-rpc-client, @helia/delegated-routing-v1-http-api-client) from the same lockfile.
# Idempotent: installs only what is missing. Exits non-zero naming what could not be installed.
set -uo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
peers="$root/tests/DhtNet.Interop.Tests/peers"

fail() { echo "install-peers: $*" >&2; exit 1; }

# The Debian bindings live in the system interpreter, not in whatever python3 is first on PATH.
python=/usr/bin/python3

missing=()
dpkg -s python3-libtorrent >/dev/null 2>&1 || missing+=(python3-libtorrent)
dpkg -s aria2 >/dev/null 2>&1 || missing+=(aria2)
dpkg -s chromium >/dev/null 2>&1 || missing+=(chromium)

if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" -ne 0 ]; then
    fail "missing Debian packages: ${missing[*]}; run this script as root or: sudo apt-get install -y ${missing[*]}"
  fi
  command -v apt-get >/dev/null 2>&1 || fail "apt-get not found; install ${missing[*]} by hand"
  echo "install-peers: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -q || fail "apt-get update failed"
  apt-get install -y -q "${missing[@]}" || fail "apt-get install ${missing[*]} failed"
fi

"$python" -c 'import libtorrent' 2>/dev/null \
  || fail "$python cannot import libtorrent although python3-libtorrent is installed"
command -v aria2c >/dev/null 2>&1 || fail "aria2c is not on PATH although aria2 is installed"
[ -x /usr/bin/chromium ] || fail "/usr/bin/chromium is missing although chromium is installed"

command -v node >/dev/null 2>&1 || fail "node is not installed (needed for bittorrent-dht): apt-get install -y nodejs npm"
command -v npm >/dev/null 2>&1 || fail "npm is not installed (needed for bittorrent-dht): apt-get install -y npm"

# npm ci reinstalls from scratch, so skip it when the tree already matches the lockfile.
stamp="$peers/node_modules/.package-lock.json"
if [ ! -f "$stamp" ] || [ "$peers/package-lock.json" -nt "$stamp" ] \
   || [ ! -f "$peers/node_modules/bittorrent-dht/package.json" ] \
   || [ ! -f "$peers/node_modules/libp2p/package.json" ] \
   || [ ! -f "$peers/node_modules/ipfs-http-client/package.json" ] \
   || [ ! -f "$peers/node_modules/kubo-rpc-client/package.json" ] \
   || [ ! -f "$peers/node_modules/@helia/delegated-routing-v1-http-api-client/package.json" ]; then
  echo "install-peers: npm ci in $peers"
  (cd "$peers" && npm ci --no-audit --no-fund) || fail "npm ci in $peers failed"
fi
(cd "$peers" && node -e 'import("bittorrent-dht").then(() => process.exit(0), e => { console.error(e); process.exit(1); })') \
  || fail "node cannot load bittorrent-dht from $peers/node_modules"
# js-libp2p 3 needs Promise.withResolvers, which Node 20 lacks: the driver loads polyfill.mjs first.
(cd "$peers" && node --import ./polyfill.mjs -e 'Promise.all(["libp2p", "@libp2p/tcp", "@chainsafe/libp2p-noise", "@chainsafe/libp2p-yamux", "@libp2p/identify", "@libp2p/ping"].map(m => import(m))).then(() => process.exit(0), e => { console.error(e); process.exit(1); })') \
  || fail "node cannot load js-libp2p from $peers/node_modules"
(cd "$peers" && node --import ./polyfill.mjs -e 'Promise.all(["ipfs-http-client", "kubo-rpc-client", "@helia/delegated-routing-v1-http-api-client"].map(p => import(p))).then(() => process.exit(0), e => { console.error(e); process.exit(1); })') \
  || fail "node cannot load the IPFS HTTP clients from $peers/node_modules"

version() { node -p 'JSON.parse(require("fs").readFileSync(process.argv[1], "utf8")).version' "$peers/node_modules/$1/package.json"; }
echo "install-peers: libtorrent $("$python" -c 'import libtorrent; print(libtorrent.__version__)'), $(aria2c --version | head -n 1), bittorrent-dht $(version bittorrent-dht), libp2p $(version libp2p)"
