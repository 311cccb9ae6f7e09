/* Closed-loop KRPC load generator for the serving harness.
 *
 * One UDP socket keeps N queries outstanding against one server: a mix of ping, find_node and
 * get_peers (and with --announce P, P % announce_peer, each with the token and infohash of the
 * slot's last get_peers answer, so every announce stores a new infohash; with --put P, P % BEP 44
 * immutable puts of a fresh 32-byte string, the slot's get_peers having asked for its target, the
 * SHA-1 of the value, so the token fits the put as it does the announce), each with its own
 * transaction id (2 bytes of slot, 2 bytes of sequence). A reply is
 * counted only when it is a well-formed KRPC "r" message whose "t" is the slot's current id and
 * whose body fits the query (id of 20 bytes; nodes in whole 26-byte entries for find_node; a token
 * and nodes or values for get_peers). "e" replies, malformed replies and late replies are counted
 * apart. A query unanswered after the timeout is counted lost and its slot sends a new one.
 *
 * Before measuring, K contact sockets introduce themselves to the server (ping, then find_node for
 * their own id) and answer whatever it asks them, so the server's routing table holds live nodes
 * and find_node/get_peers answers carry real contacts; the average number of nodes per find_node
 * answer is printed to show it.
 *
 * --echo checks that each reply is the query itself (the C echo floor). With --server-pid, the
 * server's CPU time over the measurement is read from /proc and answers per CPU second printed.
 * Output: one line of key=value pairs, starting with "result".
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

#include "krpc.h"

#define MAX_OUTSTANDING 4096
#define MAX_CONTACTS 256
#define BATCH 64
#define Q_ANNOUNCE Q_KINDS /* after the three kinds of the base mix, chosen by --announce */
#define Q_PUT (Q_KINDS + 1) /* chosen by --put */
#define PUT_VALUE 35 /* "32:" and 32 random bytes */
#define DGRAM 65536 /* bittorrent-dht answers with its whole routing table: replies can pass 2 KB */

typedef struct {
    uint16_t seq;
    uint8_t kind;
    uint8_t busy;
    uint64_t sent;
    uint8_t query[256];
    size_t query_len;
    uint8_t target[20];    /* of the query in flight */
    uint8_t ih[20], token[64];
    uint8_t token_len;     /* 0: no get_peers answer to announce with yet */
    uint8_t value[PUT_VALUE], value_target[20]; /* the next put's value and its SHA-1 (with --put) */
} slot_t;

static slot_t slots[MAX_OUTSTANDING];
static uint8_t my_id[20];
static uint64_t rng = 0x9E3779B97F4A7C15ull;
static int echo_mode;
static int announce_pct, put_pct;

static struct {
    uint64_t answered, kinds[Q_KINDS + 2], errors, invalid, late, lost, queries_in, sent, nodes, nodes_replies;
} st;

/* CPU time (user + system, all threads) the server process has used, in seconds; -1 when unknown.
 * Served queries per CPU second is steadier than queries per wall second on a shared machine. */
static double process_cpu_seconds(int pid)
{
    char path[64], buf[1024];
    if (pid <= 0)
        return -1;
    snprintf(path, sizeof path, "/proc/%d/stat", pid);
    FILE *f = fopen(path, "r");
    if (!f)
        return -1;
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = 0;
    /* Fields after the command name, which is in parentheses and may hold spaces. */
    char *p = strrchr(buf, ')');
    unsigned long long utime, stime;
    if (!p || sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu", &utime, &stime) != 2)
        return -1;
    return (double)(utime + stime) / (double)sysconf(_SC_CLK_TCK);
}

static void die(const char *what)
{
    perror(what);
    exit(2);
}

/* announce_peer for the infohash of the slot's last get_peers answer, with its token. */
static size_t announce_query(slot_t *s, const uint8_t tid[4])
{
    uint8_t *o = s->query;
    o += sprintf((char *)o, "d1:ad2:id20:");
    memcpy(o, my_id, 20), o += 20;
    o += sprintf((char *)o, "9:info_hash20:");
    memcpy(o, s->ih, 20), o += 20;
    o += sprintf((char *)o, "4:porti6881e5:token%u:", s->token_len);
    memcpy(o, s->token, s->token_len), o += s->token_len;
    o += sprintf((char *)o, "e1:q13:announce_peer1:t4:");
    memcpy(o, tid, 4), o += 4;
    o += sprintf((char *)o, "1:y1:qe");
    return (size_t)(o - s->query);
}

/* SHA-1 (FIPS 180-4) of a short message, for BEP 44 immutable targets; no library needed. */
static uint32_t rol32(uint32_t x, int n) { return (x << n) | (x >> (32 - n)); }

static void sha1(const uint8_t *msg, size_t len, uint8_t out[20])
{
    uint32_t h[5] = {0x67452301, 0xEFCDAB89, 0x98BADCFE, 0x10325476, 0xC3D2E1F0};
    uint8_t block[64];
    size_t total = ((len + 8) / 64 + 1) * 64; /* message, 0x80, zeros, 64-bit bit length */
    for (size_t off = 0; off < total; off += 64) {
        for (size_t i = 0; i < 64; i++) {
            size_t at = off + i;
            block[i] = at < len ? msg[at] : at == len ? 0x80 : 0;
        }
        if (off + 64 == total)
            for (int i = 0; i < 8; i++)
                block[63 - i] = (uint8_t)(((uint64_t)len * 8) >> (8 * i));
        uint32_t w[80], a = h[0], b = h[1], c = h[2], d = h[3], e = h[4];
        for (int i = 0; i < 16; i++)
            w[i] = (uint32_t)block[4 * i] << 24 | (uint32_t)block[4 * i + 1] << 16 | (uint32_t)block[4 * i + 2] << 8 | block[4 * i + 3];
        for (int i = 16; i < 80; i++)
            w[i] = rol32(w[i - 3] ^ w[i - 8] ^ w[i - 14] ^ w[i - 16], 1);
        for (int i = 0; i < 80; i++) {
            uint32_t f, k;
            if (i < 20) f = (b & c) | (~b & d), k = 0x5A827999;
            else if (i < 40) f = b ^ c ^ d, k = 0x6ED9EBA1;
            else if (i < 60) f = (b & c) | (b & d) | (c & d), k = 0x8F1BBCDC;
            else f = b ^ c ^ d, k = 0xCA62C1D6;
            uint32_t t = rol32(a, 5) + f + e + k + w[i];
            e = d, d = c, c = rol32(b, 30), b = a, a = t;
        }
        h[0] += a, h[1] += b, h[2] += c, h[3] += d, h[4] += e;
    }
    for (int i = 0; i < 20; i++)
        out[i] = (uint8_t)(h[i / 4] >> (24 - 8 * (i % 4)));
}

/* A fresh value for the slot's next put, and its target, which its get_peers will ask for. */
static void new_put_value(slot_t *s)
{
    memcpy(s->value, "32:", 3);
    rng_fill(&rng, s->value + 3, PUT_VALUE - 3);
    sha1(s->value, PUT_VALUE, s->value_target);
}

/* BEP 44 immutable put of the slot's value, with the token of the get_peers that asked for its target. */
static size_t put_query(slot_t *s, const uint8_t tid[4])
{
    uint8_t *o = s->query;
    o += sprintf((char *)o, "d1:ad2:id20:");
    memcpy(o, my_id, 20), o += 20;
    o += sprintf((char *)o, "5:token%u:", s->token_len);
    memcpy(o, s->token, s->token_len), o += s->token_len;
    o += sprintf((char *)o, "1:v");
    memcpy(o, s->value, PUT_VALUE), o += PUT_VALUE;
    o += sprintf((char *)o, "e1:q3:put1:t4:");
    memcpy(o, tid, 4), o += 4;
    o += sprintf((char *)o, "1:y1:qe");
    return (size_t)(o - s->query);
}

/* Fills slot i with a fresh query; the caller sends slots[i].query. */
static void next_query(int i, uint64_t now)
{
    slot_t *s = &slots[i];
    uint8_t tid[4], target[20];
    s->seq++;
    tid[0] = (uint8_t)(i >> 8);
    tid[1] = (uint8_t)i;
    tid[2] = (uint8_t)(s->seq >> 8);
    tid[3] = (uint8_t)s->seq;
    int pick = (int)(rng_next(&rng) % 100);
    if (announce_pct > 0 && s->token_len > 0 && pick < announce_pct) {
        s->kind = Q_ANNOUNCE;
        s->query_len = announce_query(s, tid);
        s->token_len = 0;
    } else if (put_pct > 0 && s->token_len > 0 && pick >= announce_pct && pick < announce_pct + put_pct
               && memcmp(s->ih, s->value_target, 20) == 0) {
        s->kind = Q_PUT;
        s->query_len = put_query(s, tid);
        s->token_len = 0;
        new_put_value(s);
    } else {
        s->kind = (uint8_t)(rng_next(&rng) % Q_KINDS);
        if (s->kind == Q_GET_PEERS && put_pct > 0) {
            if (s->value[0] == 0)
                new_put_value(s);
            memcpy(target, s->value_target, 20);
        } else {
            rng_fill(&rng, target, 20);
        }
        memcpy(s->target, target, 20);
        s->query_len = krpc_query(s->query, s->kind, my_id, target, tid);
    }
    s->busy = 1;
    s->sent = now;
    st.sent++;
}

typedef struct {
    int fd;
    uint8_t id[20];
} contact_t;

/* Answers a query from the server with the contact's id; -1 when buf was not a query.
 * from == NULL: the connected load socket. */
static int contact_answer(contact_t *c, const uint8_t *buf, size_t n, const struct sockaddr_in *from)
{
    uint8_t out[256];
    size_t len = krpc_answer(buf, n, c->id, out);
    if (len == 0)
        return -1;
    if (from)
        sendto(c->fd, out, len, 0, (const struct sockaddr *)from, sizeof *from);
    else
        send(c->fd, out, len, 0);
    return 0;
}

/* The load socket, seen by the server as one more node: it pings it and the socket answers. */
static contact_t load_node;

/* The first few rejected replies go to standard error, so a rejection can be read, not guessed. */
static void invalid(const uint8_t *buf, size_t n, const char *why)
{
    static int shown;
    st.invalid++;
    if (shown++ >= 5)
        return;
    fprintf(stderr, "loadgen: invalid reply (%s): ", why);
    for (size_t i = 0; i < n && i < 400; i++)
        fprintf(stderr, buf[i] >= 32 && buf[i] < 127 ? "%c" : "\\x%02x", buf[i]);
    fputc('\n', stderr);
}

/* Checks a reply against its slot; returns the slot index when it completes one, else -1. */
static int check_reply(const uint8_t *buf, size_t n, int outstanding)
{
    span_t msg = {buf, n}, traw, t, yraw, y, r, v;
    const uint8_t *q = buf;
    if (!echo_mode && contact_answer(&load_node, buf, n, NULL) == 0) {
        st.queries_in++;
        return -1;
    }
    if (benc_skip(&q, buf + n, 0) || q != buf + n || benc_dict_get(msg, "t", &traw) || benc_as_string(traw, &t) || t.n != 4) {
        invalid(buf, n, "not bencode or no 4-byte t");
        return -1;
    }
    int i = (t.p[0] << 8) | t.p[1];
    uint16_t seq = (uint16_t)((t.p[2] << 8) | t.p[3]);
    if (i >= outstanding || !slots[i].busy || slots[i].seq != seq) {
        st.late++;
        return -1;
    }
    slot_t *s = &slots[i];
    if (echo_mode) {
        if (n == s->query_len && memcmp(buf, s->query, n) == 0) {
            st.answered++;
            st.kinds[s->kind]++;
        } else {
            invalid(buf, n, "echo differs");
        }
        return i;
    }
    if (benc_dict_get(msg, "y", &yraw) || benc_as_string(yraw, &y)) {
        invalid(buf, n, "no y");
        return i;
    }
    if (span_is(y, "e")) {
        st.errors++;
        return i;
    }
    if (!span_is(y, "r") || benc_dict_get(msg, "r", &r) || r.p[0] != 'd' || benc_dict_get(r, "id", &v) || benc_as_string(v, &v) || v.n != 20) {
        invalid(buf, n, "not r or bad id");
        return i;
    }
    if (s->kind == Q_FIND_NODE || s->kind == Q_GET_PEERS) {
        span_t nodes, nraw, vals;
        int has_nodes = benc_dict_get(r, "nodes", &nraw) == 0;
        if (has_nodes && (benc_as_string(nraw, &nodes) || nodes.n % 26 != 0)) {
            invalid(buf, n, "bad nodes");
            return i;
        }
        if (s->kind == Q_FIND_NODE) {
            span_t n6;
            if (!has_nodes && benc_dict_get(r, "nodes6", &n6) != 0) {
                invalid(buf, n, "find_node without nodes");
                return i;
            }
            st.nodes += has_nodes ? nodes.n / 26 : 0;
            st.nodes_replies++;
        } else {
            span_t tok;
            if (benc_dict_get(r, "token", &tok) || benc_as_string(tok, &tok) || tok.n == 0
                || (!has_nodes && benc_dict_get(r, "values", &vals) != 0 && benc_dict_get(r, "nodes6", &vals) != 0)) {
                invalid(buf, n, "get_peers without token or nodes/values");
                return i;
            }
            if (tok.n <= sizeof s->token) {
                memcpy(s->ih, s->target, 20);
                memcpy(s->token, tok.p, tok.n);
                s->token_len = (uint8_t)tok.n;
            }
        }
    }
    st.answered++;
    st.kinds[s->kind]++;
    return i;
}

static void contact_introduce(contact_t *c, int k, const struct sockaddr_in *server)
{
    uint8_t buf[160], tid[4] = {'c', (uint8_t)k, 0, 0};
    size_t n = krpc_query(buf, Q_PING, c->id, c->id, tid);
    sendto(c->fd, buf, n, 0, (const struct sockaddr *)server, sizeof *server);
    tid[3] = 1;
    n = krpc_query(buf, Q_FIND_NODE, c->id, c->id, tid);
    sendto(c->fd, buf, n, 0, (const struct sockaddr *)server, sizeof *server);
}

static void usage(void)
{
    fprintf(stderr, "usage: loadgen --server IP:PORT [--outstanding N] [--duration S] [--warmup S] [--timeout-ms MS]\n"
                    "               [--contacts K] [--bind IP] [--ready-timeout S] [--echo] [--label TEXT] [--server-pid PID]\n"
                    "               [--announce PERCENT] [--put PERCENT]\n");
    exit(1);
}

int main(int argc, char **argv)
{
    struct sockaddr_in server, bind_addr;
    int outstanding = 64, ncontacts = 32;
    double duration = 10, warmup = 3, ready_timeout = 30;
    int timeout_ms = 250, server_pid = 0;
    const char *server_s = NULL, *label = "-", *bind_s = "127.0.0.1";
    for (int a = 1; a < argc; a++) {
        const char *o = argv[a];
        const char *val = a + 1 < argc ? argv[a + 1] : NULL;
        if (!strcmp(o, "--echo")) {
            echo_mode = 1;
            continue;
        }
        if (!val)
            usage();
        a++;
        if (!strcmp(o, "--server"))
            server_s = val;
        else if (!strcmp(o, "--outstanding"))
            outstanding = atoi(val);
        else if (!strcmp(o, "--duration"))
            duration = atof(val);
        else if (!strcmp(o, "--warmup"))
            warmup = atof(val);
        else if (!strcmp(o, "--timeout-ms"))
            timeout_ms = atoi(val);
        else if (!strcmp(o, "--contacts"))
            ncontacts = atoi(val);
        else if (!strcmp(o, "--bind"))
            bind_s = val;
        else if (!strcmp(o, "--ready-timeout"))
            ready_timeout = atof(val);
        else if (!strcmp(o, "--label"))
            label = val;
        else if (!strcmp(o, "--server-pid"))
            server_pid = atoi(val);
        else if (!strcmp(o, "--announce"))
            announce_pct = atoi(val);
        else if (!strcmp(o, "--put"))
            put_pct = atoi(val);
        else
            usage();
    }
    if (!server_s || parse_endpoint(server_s, &server) || outstanding < 1 || outstanding > MAX_OUTSTANDING || ncontacts < 0
        || ncontacts > MAX_CONTACTS || duration <= 0 || warmup < 0 || timeout_ms < 1 || announce_pct < 0 || put_pct < 0
        || announce_pct + put_pct > 100)
        usage();
    if (echo_mode)
        ncontacts = 0;
    memset(&bind_addr, 0, sizeof bind_addr);
    bind_addr.sin_family = AF_INET;
    if (inet_pton(AF_INET, bind_s, &bind_addr.sin_addr) != 1)
        usage();

    rng ^= now_ns() ^ ((uint64_t)getpid() << 32);
    rng_fill(&rng, my_id, 20);
    memcpy(load_node.id, my_id, 20);

    int fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0);
    int rcvbuf = 4 << 20;
    if (fd < 0)
        die("socket");
    setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof rcvbuf);
    if (bind(fd, (struct sockaddr *)&bind_addr, sizeof bind_addr) || connect(fd, (struct sockaddr *)&server, sizeof server))
        die("bind/connect");
    load_node.fd = fd;

    static contact_t contacts[MAX_CONTACTS];
    for (int k = 0; k < ncontacts; k++) {
        contacts[k].fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0);
        if (contacts[k].fd < 0 || bind(contacts[k].fd, (struct sockaddr *)&bind_addr, sizeof bind_addr))
            die("contact socket");
        rng_fill(&rng, contacts[k].id, 20);
    }

    static uint8_t rbuf[BATCH][DGRAM];
    struct mmsghdr rmsg[BATCH], smsg[BATCH];
    struct iovec riov[BATCH], siov[BATCH];
    memset(rmsg, 0, sizeof rmsg);
    memset(smsg, 0, sizeof smsg);
    for (int b = 0; b < BATCH; b++) {
        riov[b].iov_base = rbuf[b];
        riov[b].iov_len = DGRAM;
        rmsg[b].msg_hdr.msg_iov = &riov[b];
        rmsg[b].msg_hdr.msg_iovlen = 1;
        smsg[b].msg_hdr.msg_iov = &siov[b];
        smsg[b].msg_hdr.msg_iovlen = 1;
    }

    /* Ready: the server answers a ping (any well-formed reply with our transaction id). */
    uint64_t t0 = now_ns(), last_ping = 0;
    for (;;) {
        uint64_t now = now_ns();
        if ((double)(now - t0) / 1e9 > ready_timeout) {
            fprintf(stderr, "loadgen: %s did not answer within %.0f s\n", server_s, ready_timeout);
            return 3;
        }
        if (now - last_ping > 200000000ull) {
            next_query(0, now);
            send(fd, slots[0].query, slots[0].query_len, 0);
            last_ping = now;
        }
        struct pollfd pf = {fd, POLLIN, 0};
        poll(&pf, 1, 50);
        ssize_t n = recv(fd, rbuf[0], DGRAM, 0);
        if (n > 0 && check_reply(rbuf[0], (size_t)n, 1) == 0 && (st.answered > 0 || st.errors > 0))
            break;
    }
    slots[0].busy = 0;

    for (int k = 0; k < ncontacts; k++)
        contact_introduce(&contacts[k], k, &server);

    memset(&st, 0, sizeof st);
    uint64_t start = now_ns(), measure_at = start + (uint64_t)(warmup * 1e9), stop_at = measure_at + (uint64_t)(duration * 1e9);
    uint64_t timeout_ns = (uint64_t)timeout_ms * 1000000ull, last_scan = start, last_intro = start;
    int measuring = warmup == 0;
    double cpu_start = measuring ? process_cpu_seconds(server_pid) : 0;
    struct pollfd pfs[1 + MAX_CONTACTS];
    pfs[0].fd = fd;
    pfs[0].events = POLLIN;
    for (int k = 0; k < ncontacts; k++) {
        pfs[1 + k].fd = contacts[k].fd;
        pfs[1 + k].events = POLLIN;
    }

    int nsend = 0;
    for (int i = 0; i < outstanding; i++) {
        next_query(i, start);
        siov[nsend].iov_base = slots[i].query;
        siov[nsend].iov_len = slots[i].query_len;
        if (++nsend == BATCH || i == outstanding - 1) {
            sendmmsg(fd, smsg, (unsigned)nsend, 0);
            nsend = 0;
        }
    }

    for (;;) {
        uint64_t now = now_ns();
        if (!measuring && now >= measure_at) {
            memset(&st, 0, sizeof st);
            measuring = 1;
            cpu_start = process_cpu_seconds(server_pid);
        }
        if (now >= stop_at)
            break;
        int got = recvmmsg(fd, rmsg, BATCH, MSG_DONTWAIT, NULL);
        if (got > 0) {
            nsend = 0;
            for (int b = 0; b < got; b++) {
                if (rmsg[b].msg_hdr.msg_flags & MSG_TRUNC) {
                    invalid(rbuf[b], DGRAM, "longer than 64 KB");
                    continue;
                }
                int i = check_reply(rbuf[b], rmsg[b].msg_len, outstanding);
                if (i < 0)
                    continue;
                next_query(i, now);
                siov[nsend].iov_base = slots[i].query;
                siov[nsend].iov_len = slots[i].query_len;
                nsend++;
            }
            if (nsend > 0)
                sendmmsg(fd, smsg, (unsigned)nsend, 0);
        }
        if (now - last_scan > 5000000ull) {
            last_scan = now;
            for (int i = 0; i < outstanding; i++) {
                if (slots[i].busy && now - slots[i].sent > timeout_ns) {
                    st.lost++;
                    next_query(i, now);
                    send(fd, slots[i].query, slots[i].query_len, 0);
                }
            }
            /* Contacts: answer the server's pings and lookups; say hello again every 2 s. */
            for (int k = 0; k < ncontacts; k++) {
                struct sockaddr_in from;
                socklen_t fl = sizeof from;
                ssize_t n;
                while ((n = recvfrom(contacts[k].fd, rbuf[0], DGRAM, MSG_DONTWAIT, (struct sockaddr *)&from, &fl)) > 0) {
                    contact_answer(&contacts[k], rbuf[0], (size_t)n, &from);
                    fl = sizeof from;
                }
            }
            if (now - last_intro > 2000000000ull) {
                last_intro = now;
                for (int k = 0; k < ncontacts; k++)
                    contact_introduce(&contacts[k], k, &server);
            }
        }
        if (got <= 0) {
            int wait = poll(pfs, 1, 1);
            if (wait < 0 && errno != EINTR)
                die("poll");
        }
    }

    double secs = duration, cpu_end = process_cpu_seconds(server_pid);
    double cpu = cpu_start >= 0 && cpu_end >= 0 ? cpu_end - cpu_start : -1;
    printf("result label=%s outstanding=%d seconds=%.1f qps=%.0f answered=%llu ping=%llu find_node=%llu get_peers=%llu announce_peer=%llu put=%llu errors=%llu invalid=%llu late=%llu lost=%llu queries_in=%llu nodes_per_find_node=%.2f server_cpu_s=%.2f queries_per_cpu_s=%.0f\n",
           label, outstanding, secs, (double)st.answered / secs, (unsigned long long)st.answered, (unsigned long long)st.kinds[Q_PING],
           (unsigned long long)st.kinds[Q_FIND_NODE], (unsigned long long)st.kinds[Q_GET_PEERS], (unsigned long long)st.kinds[Q_ANNOUNCE], (unsigned long long)st.kinds[Q_PUT], (unsigned long long)st.errors,
           (unsigned long long)st.invalid, (unsigned long long)st.late, (unsigned long long)st.lost, (unsigned long long)st.queries_in,
           st.nodes_replies ? (double)st.nodes / (double)st.nodes_replies : 0.0, cpu, cpu > 0 ? (double)st.answered / cpu : -1.0);
    return 0;
}
