#!/usr/bin/python3
"""One libtorrent 2.0 DHT node for the serving harness: listens on IP:PORT, bootstraps from no one,
and serves until SIGTERM or SIGINT. The limits that would make libtorrent drop or ban
a single busy sender are lifted (see the interop notes), so what is measured is its serving path;
with a third argument "defaults" they are kept, as a public node runs (the flood test)."""
import signal
import sys

import libtorrent as lt


def main():
    if len(sys.argv) not in (3, 4) or (len(sys.argv) == 4 and sys.argv[3] != "defaults"):
        sys.exit("usage: libtorrent-server.py IP PORT [defaults]")
    ip, port = sys.argv[1], int(sys.argv[2])
    # Blocked before libtorrent starts its threads, so they inherit the mask and sigwait gets the signal.
    signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGTERM, signal.SIGINT})
    settings = {
        "listen_interfaces": f"{ip}:{port}",
        "enable_dht": True,
        "dht_bootstrap_nodes": "",
        "enable_lsd": False,
        "enable_upnp": False,
        "enable_natpmp": False,
        "alert_mask": 0,
    }
    if len(sys.argv) == 3:
        settings.update({
            # Every test node is on 127.0.0.1: one node per /24 would collapse them into one.
            "dht_restrict_routing_ips": False,
            "dht_restrict_search_ips": False,
            # 50 packets per 10 s per address would ban the load generator at once.
            "dht_block_ratelimit": 100000000,
            # The default 8000 B/s drops replies.
            "dht_upload_rate_limit": 1000000000,
        })
    session = lt.session(settings)
    print("ready", flush=True)
    signal.sigwait({signal.SIGTERM, signal.SIGINT})
    del session


if __name__ == "__main__":
    main()
