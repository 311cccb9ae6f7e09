#!/usr/bin/python3
"""Drives one libtorrent 2.0 DHT session for the DhtNet interop tests.

Protocol: one JSON command per stdin line, {"id": n, "cmd": "...", ...}; one JSON object per
stdout line: replies {"id": n, "ok": true, ...} or {"id": n, "ok": false, "error": "..."},
events {"event": "...", ...}. Binary values travel as base64, ids, hashes and keys as hex.
The process exits when stdin closes. Every command is listed in PROTOCOL.md.

libtorrent reports everything through alerts, and some operations (get_peers, announce) have no
completion alert in the 2.0 bindings, so the DHT log alerts are parsed for the traversal
lifecycle: "[n] NEW target: X" and "[n] COMPLETED ... type: T", and the node's
"sending announce_peer [ ih: X p: P nodes: N ]".
"""
import base64
import hashlib
import json
import os
import queue
import re
import shutil
import sys
import tempfile
import threading
import time

import libtorrent as lt

# --- ed25519 public key from a seed (RFC 8032 section 5.1.5); libtorrent's binding wants both
# the 64-byte expanded secret key and the public key, and offers no key-derivation helper.
_P = 2 ** 255 - 19
_D = (-121665 * pow(121666, _P - 2, _P)) % _P
_Q = 2 ** 252 + 27742317777372353535851937790883648493


def _inv(x):
    return pow(x, _P - 2, _P)


def _recover_x(y, sign):
    x2 = (y * y - 1) * _inv(_D * y * y + 1) % _P
    x = pow(x2, (_P + 3) // 8, _P)
    if (x * x - x2) % _P != 0:
        x = x * pow(2, (_P - 1) // 4, _P) % _P
    if x & 1 != sign:
        x = _P - x
    return x


_BY = 4 * _inv(5) % _P
_BX = _recover_x(_BY, 0)
_B = (_BX, _BY, 1, _BX * _BY % _P)


def _point_add(p, q):
    x1, y1, z1, t1 = p
    x2, y2, z2, t2 = q
    a = (y1 - x1) * (y2 - x2) % _P
    b = (y1 + x1) * (y2 + x2) % _P
    c = 2 * t1 * t2 * _D % _P
    d = 2 * z1 * z2 % _P
    e, f, g, h = b - a, d - c, d + c, b + a
    return (e * f % _P, g * h % _P, f * g % _P, e * h % _P)


def _scalar_mult(s, p):
    result = (0, 1, 1, 0)
    while s > 0:
        if s & 1:
            result = _point_add(result, p)
        p = _point_add(p, p)
        s >>= 1
    return result


def ed25519_keys(seed):
    """Returns (expanded 64-byte secret key as libtorrent stores it, 32-byte public key)."""
    h = bytearray(hashlib.sha512(seed).digest())
    h[0] &= 248
    h[31] &= 63
    h[31] |= 64
    a = int.from_bytes(h[:32], "little")
    x, y, z, _ = _scalar_mult(a, _B)
    zi = _inv(z)
    x, y = x * zi % _P, y * zi % _P
    pk = bytearray(y.to_bytes(32, "little"))
    pk[31] |= (x & 1) << 7
    return bytes(h), bytes(pk)


# --- output

_out_lock = threading.Lock()


def write(obj):
    with _out_lock:
        sys.stdout.write(json.dumps(obj) + "\n")
        sys.stdout.flush()


def event(name, **fields):
    fields["event"] = name
    write(fields)


def b64(data):
    return base64.b64encode(data).decode("ascii")


def unb64(text):
    return base64.b64decode(text) if text else b""


def sha1_hex(h):
    return str(h)


def ep_text(host, port):
    """ "host:port" with an IPv6 host in brackets, as libtorrent's own messages write endpoints."""
    return "[%s]:%d" % (host, port) if ":" in host else "%s:%d" % (host, port)


def split_ep(text):
    """ "host:port" or "[v6]:port" -> (host, port)."""
    host, port = text.rsplit(":", 1)
    return host.strip("[]"), int(port)


def to_sha1(hex_text):
    raw = bytes.fromhex(hex_text)
    if len(raw) != 20:
        raise ValueError("expected 20 bytes of hex")
    return lt.sha1_hash(raw)


def item_value(cmd):
    if cmd.get("vBencoded"):
        return lt.bdecode(unb64(cmd["vBencoded"]))
    if "v" in cmd:
        return unb64(cmd["v"])
    raise ValueError("v (base64 bytes) or vBencoded (base64 of a bencoded value) is required")


def value_fields(value):
    fields = {"found": True, "vBencoded": b64(lt.bencode(value))}
    if isinstance(value, bytes):
        fields["v"] = b64(value)
    return fields


def salt_of(alert):
    """The alert's salt as bytes: the binding hands it over as str (UTF-8 decoded)."""
    try:
        salt = alert.salt
    except Exception:
        return None
    return salt if isinstance(salt, bytes) else salt.encode("utf-8", "surrogateescape")


def alert_item(alert):
    """The item of an item alert, or None when none was found (the binding raises then)."""
    try:
        item = alert.item
    except RuntimeError:
        return None
    if isinstance(item, dict) and "value" in item:
        return item["value"]
    return item


_NEW = re.compile(r"\[(\d+)\] NEW target: ([0-9a-f]{40})")
_COMPLETED = re.compile(r"\[(\d+)\] COMPLETED .*type: (\S+)")
_ANNOUNCE = re.compile(r"sending announce_peer \[ ih: ([0-9a-f]{40})\s+p: (\d+) nodes: (\d+) \]")
_NODE_ID = re.compile(r"DHT tracker with node id: ([0-9a-f]{40})")
# "==> [127.0.0.1:6881] ..." or "==> [[::1]:6881] ...": the endpoint is inside the outer brackets.
_PKT = re.compile(r"^(<==|==>) \[(\[[^\]]+\]:\d+|[^\]]+)\]")


def is_reply_from(alert, facts):
    """True for an incoming KRPC response packet; facts["endpoint"] then says from where."""
    if facts.get("direction") != "in":
        return False
    try:
        return lt.bdecode(bytes(alert.pkt_buf)).get(b"y") == b"r"
    except Exception:
        return False


class Waiter:
    """One pending command: sees every alert (and parsed log fact) until it replies."""

    def __init__(self, cmd_id, timeout_s, on_alert, on_timeout):
        self.cmd_id = cmd_id
        self.deadline = time.monotonic() + timeout_s
        self.on_alert = on_alert
        self.on_timeout = on_timeout
        self.done = False


class Driver:
    def __init__(self):
        self.ses = None
        self.trace = False
        self.node_id = None
        self.port = None
        self.waiters = []
        self.traversals = {}  # traversal number -> target hex, from the log
        self.temp_dir = tempfile.mkdtemp(prefix="dhtnet-lt-")
        self.torrents = {}

    # --- replies

    def reply(self, cmd_id, **fields):
        fields["id"] = cmd_id
        fields["ok"] = True
        write(fields)

    def fail(self, cmd_id, message):
        write({"id": cmd_id, "ok": False, "error": str(message)})

    def wait(self, cmd, timeout_default, on_alert, on_timeout=None):
        timeout_s = cmd.get("timeoutMs", timeout_default) / 1000.0
        if on_timeout is None:
            def on_timeout():
                self.fail(cmd["id"], "timed out")
        waiter = Waiter(cmd["id"], timeout_s, on_alert, on_timeout)
        self.waiters.append(waiter)
        return waiter

    # --- alert pump

    def pump(self, wait_ms):
        if self.ses is None:
            return
        self.ses.wait_for_alert(wait_ms)
        for alert in self.ses.pop_alerts():
            facts = self.facts(alert)
            self.forward(alert, facts)
            for waiter in list(self.waiters):
                if waiter.done:
                    continue
                try:
                    waiter.done = bool(waiter.on_alert(alert, facts))
                except Exception as e:  # a waiter's bug fails its command, not the driver
                    waiter.done = True
                    self.fail(waiter.cmd_id, "%s: %s" % (type(e).__name__, e))
            self.waiters = [w for w in self.waiters if not w.done]
        now = time.monotonic()
        for waiter in list(self.waiters):
            if now >= waiter.deadline:
                waiter.done = True
                waiter.on_timeout()
        self.waiters = [w for w in self.waiters if not w.done]

    def facts(self, alert):
        """Parses the log lines the waiters care about into a small dict."""
        if isinstance(alert, lt.dht_log_alert):
            text = alert.log_message()
            m = _NEW.search(text)
            if m:
                self.traversals[m.group(1)] = m.group(2)
                return {"new": m.group(2), "traversal": m.group(1)}
            m = _COMPLETED.search(text)
            if m:
                target = self.traversals.pop(m.group(1), None)
                return {"completed": target, "type": m.group(2), "traversal": m.group(1)}
            m = _ANNOUNCE.search(text)
            if m:
                return {"announced": m.group(1), "port": int(m.group(2)), "nodes": int(m.group(3))}
            m = _NODE_ID.search(text)
            if m:
                self.node_id = m.group(1)
                return {"nodeId": m.group(1)}
        elif isinstance(alert, lt.dht_pkt_alert):
            m = _PKT.match(alert.message())
            if m:
                return {"direction": "in" if m.group(1) == "<==" else "out", "endpoint": m.group(2)}
        return {}

    def forward(self, alert, facts):
        if isinstance(alert, lt.dht_announce_alert):
            event("announce", infoHash=sha1_hex(alert.info_hash), peer=ep_text(str(alert.ip), alert.port))
        elif alert.category() & lt.alert_category.error:
            event("error", type=type(alert).__name__, message=alert.message())
        elif self.trace and isinstance(alert, lt.dht_pkt_alert) and facts:
            event("packet", direction=facts["direction"], endpoint=facts["endpoint"], bytes=b64(bytes(alert.pkt_buf)))
        elif self.trace and isinstance(alert, lt.dht_log_alert):
            # message() starts with the module ("DHT traversal: ..."); the module enum has no converter.
            event("log", message=alert.message())

    # --- commands

    def handle(self, cmd):
        name = cmd.get("cmd")
        handler = getattr(self, "cmd_" + str(name), None)
        if handler is None:
            return self.fail(cmd.get("id"), "unknown command %s" % name)
        if name != "start" and self.ses is None:
            return self.fail(cmd.get("id"), "start first")
        try:
            handler(cmd)
        except Exception as e:  # one bad command must not end the driver
            self.fail(cmd.get("id"), "%s: %s" % (type(e).__name__, e))

    def cmd_start(self, cmd):
        if self.ses is not None:
            return self.fail(cmd["id"], "already started")
        self.trace = bool(cmd.get("trace"))
        host = cmd.get("host", "127.0.0.1")
        mask = (lt.alert_category.dht | lt.alert_category.dht_log | lt.alert_category.error
                | lt.alert_category.dht_operation | lt.alert_category.status)
        settings = {
            # A concrete address: 0.0.0.0 or a device name would make no DHT node on loopback.
            "listen_interfaces": ep_text(host, cmd.get("port", 0)),
            "enable_dht": True,
            "dht_bootstrap_nodes": "",
            "enable_lsd": False,
            "enable_upnp": False,
            "enable_natpmp": False,
            # Everything runs on 127.0.0.1: per-/24 limits would merge all nodes into one.
            "dht_restrict_routing_ips": False,
            "dht_restrict_search_ips": False,
            "dht_block_ratelimit": 100000,
            "dht_upload_rate_limit": 10000000,
            "alert_queue_size": 100000,
            "alert_mask": mask,
        }
        if "enforceNodeId" in cmd:
            settings["dht_enforce_node_id"] = bool(cmd["enforceNodeId"])
        if "readOnly" in cmd:
            settings["dht_read_only"] = bool(cmd["readOnly"])
        self.ses = lt.session(settings)
        bootstrap = [str(text) for text in (cmd.get("bootstrap") or [])]
        answered = []
        state = {"started": False}

        def finish():
            self.reply(cmd["id"], port=self.port, nodeId=self.node_id, bootstrapAnswered=answered)

        # Replies once the DHT node exists and every bootstrap node has answered its first query.
        def on_alert(alert, facts):
            if not state["started"]:
                if self.node_id is None:
                    return False
                state["started"] = True
                self.port = self.ses.listen_port()
                for text in bootstrap:
                    self.ses.add_dht_node(split_ep(text))
            elif is_reply_from(alert, facts) and facts["endpoint"] in bootstrap and facts["endpoint"] not in answered:
                answered.append(facts["endpoint"])
            if len(answered) < len(bootstrap):
                return False
            finish()
            return True

        def on_timeout():
            if state["started"]:
                finish()
            else:
                self.fail(cmd["id"], "the DHT node did not start")

        self.wait(cmd, 10000, on_alert, on_timeout)

    def cmd_addNode(self, cmd):
        host, port = cmd["host"], int(cmd["port"])
        endpoint = ep_text(host, port)

        # libtorrent pings a new node with a get_peers; its reply means the node is in the table.
        def on_alert(alert, facts):
            if is_reply_from(alert, facts) and facts["endpoint"] == endpoint:
                self.reply(cmd["id"], answered=True)
                return True
            return False

        self.wait(cmd, 5000, on_alert, lambda: self.reply(cmd["id"], answered=False))
        self.ses.add_dht_node((host, port))

    def cmd_announce(self, cmd):
        info_hash = cmd["infoHash"].lower()
        if info_hash not in self.torrents:
            params = lt.add_torrent_params()
            params.info_hashes = lt.info_hash_t(to_sha1(info_hash))
            params.save_path = os.path.join(self.temp_dir, info_hash)
            params.flags &= ~lt.torrent_flags.paused
            params.flags &= ~lt.torrent_flags.auto_managed
            params.flags |= lt.torrent_flags.upload_mode
            self.torrents[info_hash] = self.ses.add_torrent(params)
        else:
            self.torrents[info_hash].force_dht_announce()

        def on_alert(alert, facts):
            if facts.get("announced") == info_hash:
                self.reply(cmd["id"], port=facts["port"], nodes=facts["nodes"])
                return True
            return False

        self.wait(cmd, 20000, on_alert)

    def cmd_lookup(self, cmd):
        info_hash = cmd["infoHash"].lower()
        peers = []
        state = {"traversal": None}

        def on_alert(alert, facts):
            if isinstance(alert, lt.dht_get_peers_reply_alert) and sha1_hex(alert.info_hash) == info_hash:
                for ip, port in alert.peers():
                    text = ep_text(str(ip), port)
                    if text not in peers:
                        peers.append(text)
            elif facts.get("new") == info_hash and state["traversal"] is None:
                state["traversal"] = facts["traversal"]
            elif facts.get("completed") == info_hash and facts.get("traversal") == state["traversal"]:
                self.reply(cmd["id"], peers=peers)
                return True
            return False

        self.wait(cmd, 20000, on_alert, lambda: self.reply(cmd["id"], peers=peers, timedOut=True))
        self.ses.dht_get_peers(to_sha1(info_hash))

    def cmd_put(self, cmd):
        if cmd.get("seed"):
            return self.put_mutable(cmd)
        value = item_value(cmd)
        target = sha1_hex(self.ses.dht_put_immutable_item(value))

        def on_alert(alert, facts):
            if isinstance(alert, lt.dht_put_alert) and sha1_hex(alert.target) == target:
                self.reply(cmd["id"], hash=target, nodes=alert.num_success)
                return True
            return False

        self.wait(cmd, 20000, on_alert)

    def put_mutable(self, cmd):
        # The binding signs a byte-string value itself and picks seq = (highest seq found) + 1.
        if cmd.get("vBencoded"):
            raise ValueError("libtorrent's binding can only put a byte-string mutable value (v)")
        secret, public = ed25519_keys(bytes.fromhex(cmd["seed"]))
        salt = unb64(cmd.get("salt"))
        target = hashlib.sha1(public + salt).hexdigest()

        def on_alert(alert, facts):
            if isinstance(alert, lt.dht_put_alert) and bytes(alert.public_key) == public and salt_of(alert) == salt:
                self.reply(cmd["id"], hash=target, publicKey=public.hex(), seq=alert.seq,
                           sig=bytes(alert.signature).hex(), nodes=alert.num_success)
                return True
            return False

        self.wait(cmd, 20000, on_alert)
        self.ses.dht_put_mutable_item(secret, public, unb64(cmd["v"]), salt)

    def cmd_get(self, cmd):
        if cmd.get("publicKey") or cmd.get("seed"):
            return self.get_mutable(cmd)
        target = cmd["hash"].lower()

        def on_alert(alert, facts):
            if isinstance(alert, lt.dht_immutable_item_alert) and sha1_hex(alert.target) == target:
                value = alert_item(alert)
                self.reply(cmd["id"], **(value_fields(value) if value is not None else {"found": False}))
                return True
            return False

        self.wait(cmd, 20000, on_alert)
        self.ses.dht_get_immutable_item(to_sha1(target))

    def get_mutable(self, cmd):
        public = bytes.fromhex(cmd["publicKey"]) if cmd.get("publicKey") else ed25519_keys(bytes.fromhex(cmd["seed"]))[1]
        salt = unb64(cmd.get("salt"))

        # Non-authoritative alerts come as newer items arrive; the authoritative one ends the get.
        def on_alert(alert, facts):
            if not isinstance(alert, lt.dht_mutable_item_alert) or bytes(alert.key) != public or salt_of(alert) != salt:
                return False
            if not alert.authoritative:
                return False
            value = alert_item(alert)
            if value is None:
                self.reply(cmd["id"], found=False)
            else:
                fields = value_fields(value)
                fields.update(seq=alert.seq, k=public.hex(), sig=bytes(alert.signature).hex())
                self.reply(cmd["id"], **fields)
            return True

        self.wait(cmd, 20000, on_alert)
        self.ses.dht_get_mutable_item(public, salt)

    def cmd_sample(self, cmd):
        host, port = cmd["host"], int(cmd["port"])

        def on_alert(alert, facts):
            if isinstance(alert, lt.dht_sample_infohashes_alert) and tuple(alert.endpoint) == (host, port):
                nodes = [{"id": sha1_hex(n["nid"]), "host": n["endpoint"][0], "port": n["endpoint"][1]} for n in alert.nodes]
                self.reply(cmd["id"], interval=int(alert.interval.total_seconds()), num=alert.num_infohashes,
                           samples=[sha1_hex(s) for s in alert.samples], nodes=nodes)
                return True
            return False

        self.wait(cmd, 10000, on_alert, lambda: self.reply(cmd["id"], timedOut=True))
        self.ses.dht_sample_infohashes((host, port), to_sha1(cmd.get("target", "00" * 20)))

    def cmd_stats(self, cmd):
        def on_alert(alert, facts):
            if isinstance(alert, lt.dht_stats_alert):
                buckets = [{"nodes": b["num_nodes"], "replacements": b["num_replacements"]} for b in alert.routing_table]
                self.reply(cmd["id"], buckets=buckets, nodes=sum(b["nodes"] for b in buckets),
                           activeRequests=len(alert.active_requests))
                return True
            return False

        self.wait(cmd, 5000, on_alert)
        self.ses.post_dht_stats()

    def cmd_nodes(self, cmd):
        def on_alert(alert, facts):
            if isinstance(alert, lt.dht_live_nodes_alert):
                nodes = [{"id": sha1_hex(n["nid"]), "host": n["endpoint"][0], "port": n["endpoint"][1]} for n in alert.nodes]
                self.reply(cmd["id"], nodes=nodes)
                return True
            return False

        self.wait(cmd, 5000, on_alert)
        self.ses.dht_live_nodes(to_sha1(self.node_id))

    def cmd_directRequest(self, cmd):
        self.fail(cmd["id"], "not supported: the libtorrent %s Python bindings have no dht_direct_request" % lt.__version__)

    def cmd_stop(self, cmd):
        self.close()
        self.reply(cmd["id"])

    def close(self):
        if self.ses is not None:
            for waiter in self.waiters:
                self.fail(waiter.cmd_id, "stopped")
            self.waiters = []
            self.ses = None  # the session's destructor aborts it
        shutil.rmtree(self.temp_dir, ignore_errors=True)


def read_stdin(commands):
    for line in sys.stdin:
        if line.strip():
            commands.put(line)
    commands.put(None)


def main():
    driver = Driver()
    commands = queue.Queue()
    threading.Thread(target=read_stdin, args=(commands,), daemon=True).start()
    try:
        while True:
            try:
                # Block on stdin only while there is no session whose alerts need pumping.
                line = commands.get(timeout=0.02 if driver.ses is not None else 1.0)
            except queue.Empty:
                line = ""
            if line is None:
                break
            if line:
                try:
                    cmd = json.loads(line)
                except ValueError as e:
                    event("error", message="bad command line: %s" % e)
                    continue
                driver.handle(cmd)
            driver.pump(20 if commands.empty() else 0)
    finally:
        driver.close()


if __name__ == "__main__":
    main()
