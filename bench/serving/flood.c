/* Flood probe for the serving harness; flood.sh runs it inside a network namespace it created.
 *
 * Three roles, one process, one loop:
 *  - the flood: one socket sends queries (ping/find_node/get_peers, random ids) to the server as fast
 *    as it can, each datagram from the next of --sources consecutive source addresses (chosen per
 *    datagram with IP_PKTINFO); answers coming back are counted, queries from the server ignored.
 *  - the honest client: its own address, --honest-rate queries per second; the share answered within
 *    --timeout-ms is its result.
 *  - the known good contact: its own address and node id; before the flood it joins the server's
 *    routing table (it introduces itself and answers the server's queries, as a live node does), then
 *    it keeps answering and sends --honest-rate queries per second of its own; its answered share is
 *    reported, and whether the server still lists it (find_node for its id) before and after.
 * Phases: --warm seconds (contact joins; nothing measured), --baseline seconds without flood, then
 * --duration seconds of flood. Every socket sends only to --server, which must be in 10.0.0.0/8 or
 * 127.0.0.0/8; the run ends by itself after warm + baseline + duration (at most 300 s) or
 * --max-packets flood datagrams.
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

#define BATCH 64
#define DGRAM 65536
#define PROBES 1024

static uint64_t rng = 0x9E3779B97F4A7C15ull;
static struct sockaddr_in server;

typedef struct {
    const char *name;
    int fd;
    uint8_t id[20];
    uint16_t seq;
    uint64_t sent_at[PROBES]; /* by seq % PROBES; 0 when answered or expired */
    uint64_t sent, answered, late, errors, served;
} prober_t;

static void die(const char *what)
{
    perror(what);
    exit(2);
}

static int udp_socket(const char *ip, uint16_t port)
{
    struct sockaddr_in sa = {0};
    int fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0), one = 1, rcvbuf = 4 << 20;
    sa.sin_family = AF_INET;
    sa.sin_port = htons(port);
    if (fd < 0 || inet_pton(AF_INET, ip, &sa.sin_addr) != 1)
        die(ip);
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof rcvbuf);
    if (bind(fd, (struct sockaddr *)&sa, sizeof sa))
        die("bind");
    return fd;
}

static void probe_send(prober_t *p, int kind, const uint8_t *target, uint64_t now)
{
    uint8_t buf[160], t[20], tid[4];
    p->seq++;
    tid[0] = 'h';
    tid[1] = (uint8_t)kind;
    tid[2] = (uint8_t)(p->seq >> 8);
    tid[3] = (uint8_t)p->seq;
    if (!target) {
        rng_fill(&rng, t, 20);
        target = t;
    }
    size_t n = krpc_query(buf, kind, p->id, target, tid);
    p->sent_at[p->seq % PROBES] = now;
    p->sent++;
    sendto(p->fd, buf, n, 0, (struct sockaddr *)&server, sizeof server);
}

/* Answers a query from the server with our id (the contact is a live, empty node). */
static int answer_query(prober_t *p, const uint8_t *buf, size_t n, const struct sockaddr_in *from)
{
    uint8_t out[256];
    size_t len = krpc_answer(buf, n, p->id, out);
    if (len == 0)
        return -1;
    sendto(p->fd, out, len, 0, (const struct sockaddr *)from, sizeof *from);
    p->served++;
    return 0;
}

/* Handles one datagram on a prober socket. When find_for is set, a find_node reply that lists
 * find_for (its id, address and port) sets *found. */
static void probe_receive(prober_t *p, const uint8_t *buf, size_t n, const struct sockaddr_in *from, uint64_t now, uint64_t timeout_ns,
                          const prober_t *find_for, const struct sockaddr_in *find_addr, int *found)
{
    span_t msg = {buf, n}, traw, t, yraw, y, r, nraw, nodes;
    const uint8_t *q = buf;
    if (benc_skip(&q, buf + n, 0) || q != buf + n || from->sin_addr.s_addr != server.sin_addr.s_addr || from->sin_port != server.sin_port)
        return;
    if (answer_query(p, buf, n, from) == 0)
        return;
    if (benc_dict_get(msg, "t", &traw) || benc_as_string(traw, &t) || t.n != 4 || t.p[0] != 'h')
        return;
    uint16_t seq = (uint16_t)((t.p[2] << 8) | t.p[3]);
    uint64_t at = p->sent_at[seq % PROBES];
    if (at == 0 || (uint16_t)(p->seq - seq) >= PROBES)
        return;
    p->sent_at[seq % PROBES] = 0;
    if (now - at > timeout_ns) {
        p->late++;
        return;
    }
    if (benc_dict_get(msg, "y", &yraw) || benc_as_string(yraw, &y))
        return;
    if (span_is(y, "e")) {
        p->errors++;
        return;
    }
    if (!span_is(y, "r") || benc_dict_get(msg, "r", &r))
        return;
    p->answered++;
    if (find_for && found && t.p[1] == Q_FIND_NODE && benc_dict_get(r, "nodes", &nraw) == 0 && benc_as_string(nraw, &nodes) == 0) {
        for (size_t i = 0; i + 26 <= nodes.n; i += 26)
            if (!memcmp(nodes.p + i, find_for->id, 20) && !memcmp(nodes.p + i + 20, &find_addr->sin_addr, 4)
                && !memcmp(nodes.p + i + 24, &find_addr->sin_port, 2))
                *found = 1;
    }
}

static void receive_probes(prober_t *honest, prober_t *contact, prober_t *checker, const struct sockaddr_in *contact_addr, uint64_t now,
                           uint64_t timeout_ns, int *listed)
{
    static uint8_t buf[DGRAM];
    prober_t *ps[3] = {honest, contact, checker};
    for (int k = 0; k < 3; k++) {
        struct sockaddr_in from;
        socklen_t fl = sizeof from;
        ssize_t n;
        while ((n = recvfrom(ps[k]->fd, buf, DGRAM, MSG_DONTWAIT, (struct sockaddr *)&from, &fl)) > 0) {
            probe_receive(ps[k], buf, (size_t)n, &from, now, timeout_ns, k == 2 ? contact : NULL, contact_addr, k == 2 ? listed : NULL);
            fl = sizeof from;
        }
    }
}

static void reset(prober_t *p)
{
    p->sent = p->answered = p->late = p->errors = p->served = 0;
    memset(p->sent_at, 0, sizeof p->sent_at);
}

static void usage(void)
{
    fprintf(stderr, "usage: flood --server IP:PORT --sources FIRST_IP --count N --honest IP --contact IP\n"
                    "             [--duration S] [--baseline S] [--warm S] [--honest-rate Q] [--timeout-ms MS] [--max-packets N] [--label TEXT]\n");
    exit(1);
}

int main(int argc, char **argv)
{
    const char *server_s = NULL, *sources_s = NULL, *honest_s = NULL, *contact_s = NULL, *label = "-";
    double duration = 20, baseline = 5, warm = 5, honest_rate = 20;
    int timeout_ms = 2000;
    long count = 1000;
    unsigned long long max_packets = 100000000ull;
    for (int a = 1; a < argc; a += 2) {
        if (a + 1 >= argc)
            usage();
        const char *o = argv[a], *v = argv[a + 1];
        if (!strcmp(o, "--server"))
            server_s = v;
        else if (!strcmp(o, "--sources"))
            sources_s = v;
        else if (!strcmp(o, "--count"))
            count = atol(v);
        else if (!strcmp(o, "--honest"))
            honest_s = v;
        else if (!strcmp(o, "--contact"))
            contact_s = v;
        else if (!strcmp(o, "--duration"))
            duration = atof(v);
        else if (!strcmp(o, "--baseline"))
            baseline = atof(v);
        else if (!strcmp(o, "--warm"))
            warm = atof(v);
        else if (!strcmp(o, "--honest-rate"))
            honest_rate = atof(v);
        else if (!strcmp(o, "--timeout-ms"))
            timeout_ms = atoi(v);
        else if (!strcmp(o, "--max-packets"))
            max_packets = strtoull(v, NULL, 10);
        else if (!strcmp(o, "--label"))
            label = v;
        else
            usage();
    }
    if (!server_s || parse_endpoint(server_s, &server) || !sources_s || !honest_s || !contact_s || count < 1 || count > 65536
        || duration <= 0 || baseline < 0 || warm < 0 || warm + baseline + duration > 300 || honest_rate <= 0 || honest_rate > 1000 || timeout_ms < 1)
        usage();
    /* Only the namespace's private range or this machine: nothing may leave for anywhere else. */
    uint8_t first = ((uint8_t *)&server.sin_addr)[0];
    if (first != 10 && first != 127) {
        fprintf(stderr, "flood: refusing to send to %s (only 10.0.0.0/8 inside the test namespace, or 127.0.0.0/8)\n", server_s);
        return 1;
    }
    struct in_addr src0;
    if (inet_pton(AF_INET, sources_s, &src0) != 1)
        usage();
    uint32_t src_base = ntohl(src0.s_addr);

    rng ^= now_ns() ^ ((uint64_t)getpid() << 32);
    prober_t honest = {.name = "honest"}, contact = {.name = "contact"}, checker = {.name = "checker"};
    honest.fd = udp_socket(honest_s, 0);
    /* The listing checks go from the honest address too, but through their own socket, so they are not among its measured queries. */
    checker.fd = udp_socket(honest_s, 0);
    rng_fill(&rng, checker.id, 20);
    contact.fd = udp_socket(contact_s, 6881);
    rng_fill(&rng, honest.id, 20);
    rng_fill(&rng, contact.id, 20);
    struct sockaddr_in contact_addr;
    socklen_t cl = sizeof contact_addr;
    getsockname(contact.fd, (struct sockaddr *)&contact_addr, &cl);
    int flood_fd = udp_socket("0.0.0.0", 0);
    int one = 1;
    setsockopt(flood_fd, IPPROTO_IP, IP_FREEBIND, &one, sizeof one);

    static uint8_t fbuf[BATCH][160], rbuf[BATCH][DGRAM];
    static char cbuf[BATCH][CMSG_SPACE(sizeof(struct in_pktinfo))];
    struct mmsghdr fmsg[BATCH], rmsg[BATCH];
    struct iovec fiov[BATCH], riov[BATCH];
    struct in_pktinfo *source[BATCH];
    memset(fmsg, 0, sizeof fmsg);
    memset(rmsg, 0, sizeof rmsg);
    for (int b = 0; b < BATCH; b++) {
        fiov[b].iov_base = fbuf[b];
        fmsg[b].msg_hdr.msg_iov = &fiov[b];
        fmsg[b].msg_hdr.msg_iovlen = 1;
        fmsg[b].msg_hdr.msg_name = &server;
        fmsg[b].msg_hdr.msg_namelen = sizeof server;
        fmsg[b].msg_hdr.msg_control = cbuf[b];
        fmsg[b].msg_hdr.msg_controllen = sizeof cbuf[b];
        struct cmsghdr *c = CMSG_FIRSTHDR(&fmsg[b].msg_hdr);
        c->cmsg_level = IPPROTO_IP;
        c->cmsg_type = IP_PKTINFO;
        c->cmsg_len = CMSG_LEN(sizeof(struct in_pktinfo));
        source[b] = (struct in_pktinfo *)CMSG_DATA(c);
        riov[b].iov_base = rbuf[b];
        riov[b].iov_len = DGRAM;
        rmsg[b].msg_hdr.msg_iov = &riov[b];
        rmsg[b].msg_hdr.msg_iovlen = 1;
    }

    uint64_t start = now_ns(), timeout_ns = (uint64_t)timeout_ms * 1000000ull;
    uint64_t baseline_at = start + (uint64_t)(warm * 1e9), flood_at = baseline_at + (uint64_t)(baseline * 1e9);
    uint64_t stop_at = flood_at + (uint64_t)(duration * 1e9), interval = (uint64_t)(1e9 / honest_rate);
    uint64_t next_probe = start, next_intro = start, flooded = 0, flood_answers = 0, flood_queries_in = 0, next_src = 0;
    int phase = 0; /* 0 warm, 1 baseline, 2 flood */
    int listed_before = 0, listed_after = 0, kind = 0;
    uint64_t base_honest_sent = 0, base_honest_ans = 0, base_contact_sent = 0, base_contact_ans = 0;
    /* Queries still in flight when a phase ends are settled in the drain after stop_at. */
    for (;;) {
        uint64_t now = now_ns();
        if (phase == 0 && now >= baseline_at) {
            phase = 1;
            /* Listed: one find_node for the contact's id, from the honest client, answered before the baseline ends. */
            reset(&honest);
            reset(&contact);
            next_probe = now;
            probe_send(&checker, Q_FIND_NODE, contact.id, now);
        }
        if (phase == 1 && now >= flood_at) {
            phase = 2;
            base_honest_sent = honest.sent;
            base_honest_ans = honest.answered;
            base_contact_sent = contact.sent;
            base_contact_ans = contact.answered;
            reset(&honest);
            reset(&contact);
        }
        if (now >= stop_at)
            break;
        if (phase >= 1 && now >= next_probe) {
            next_probe += interval;
            kind = (kind + 1) % Q_KINDS;
            probe_send(&honest, kind, NULL, now);
            probe_send(&contact, kind, NULL, now);
        }
        if (phase == 0 && now >= next_intro) {
            next_intro = now + 1000000000ull;
            uint8_t tid[4] = {'i', 0, 0, 0}, buf[160];
            size_t n = krpc_query(buf, Q_FIND_NODE, contact.id, contact.id, tid);
            sendto(contact.fd, buf, n, 0, (struct sockaddr *)&server, sizeof server);
        }
        int busy = 0;
        if (phase == 2 && flooded < max_packets) {
            for (int b = 0; b < BATCH; b++) {
                uint8_t id[20], target[20], tid[4];
                rng_fill(&rng, id, 20);
                rng_fill(&rng, target, 20);
                uint32_t serial = (uint32_t)(flooded + (uint64_t)b);
                memcpy(tid, &serial, 4);
                fiov[b].iov_len = krpc_query(fbuf[b], (int)((flooded + (uint64_t)b) % Q_KINDS), id, target, tid);
                source[b]->ipi_spec_dst.s_addr = htonl(src_base + (uint32_t)next_src);
                next_src = (next_src + 1) % (uint64_t)count;
            }
            int s = sendmmsg(flood_fd, fmsg, BATCH, 0);
            if (s > 0)
                flooded += (uint64_t)s;
            busy = 1;
        }
        int got = recvmmsg(flood_fd, rmsg, BATCH, MSG_DONTWAIT, NULL);
        for (int b = 0; b < got; b++) {
            span_t msg = {rbuf[b], rmsg[b].msg_len}, yraw, y;
            if (benc_dict_get(msg, "y", &yraw) == 0 && benc_as_string(yraw, &y) == 0 && span_is(y, "q"))
                flood_queries_in++;
            else if (phase == 2)
                flood_answers++;
        }
        if (got > 0)
            busy = 1;
        receive_probes(&honest, &contact, &checker, &contact_addr, now, timeout_ns, &listed_before);
        if (!busy) {
            struct pollfd pf[4] = {{flood_fd, POLLIN, 0}, {honest.fd, POLLIN, 0}, {contact.fd, POLLIN, 0}, {checker.fd, POLLIN, 0}};
            poll(pf, 4, 1);
        }
    }

    /* After the flood: replies in flight arrive (up to the timeout); meanwhile the checker asks once
     * more whether the contact is listed. */
    uint64_t drain_until = now_ns() + timeout_ns;
    probe_send(&checker, Q_FIND_NODE, contact.id, now_ns());
    while (now_ns() < drain_until) {
        struct pollfd pf[4] = {{flood_fd, POLLIN, 0}, {honest.fd, POLLIN, 0}, {contact.fd, POLLIN, 0}, {checker.fd, POLLIN, 0}};
        poll(pf, 4, 10);
        while (recvmmsg(flood_fd, rmsg, BATCH, MSG_DONTWAIT, NULL) > 0)
            ;
        receive_probes(&honest, &contact, &checker, &contact_addr, now_ns(), timeout_ns, &listed_after);
    }

    printf("result label=%s sources=%ld flood_seconds=%.1f flood_sent=%llu flood_sent_per_s=%.0f flood_answers_per_s=%.0f flood_queries_in=%llu"
           " baseline_honest=%llu/%llu baseline_contact=%llu/%llu honest_answered=%llu/%llu honest_share=%.1f%% contact_answered=%llu/%llu contact_share=%.1f%%"
           " contact_served=%llu contact_listed_before=%s contact_listed_after=%s\n",
           label, count, duration, (unsigned long long)flooded, (double)flooded / duration, (double)flood_answers / duration,
           (unsigned long long)flood_queries_in, (unsigned long long)base_honest_ans, (unsigned long long)base_honest_sent,
           (unsigned long long)base_contact_ans, (unsigned long long)base_contact_sent, (unsigned long long)honest.answered,
           (unsigned long long)honest.sent, honest.sent ? 100.0 * (double)honest.answered / (double)honest.sent : 0.0,
           (unsigned long long)contact.answered, (unsigned long long)contact.sent,
           contact.sent ? 100.0 * (double)contact.answered / (double)contact.sent : 0.0, (unsigned long long)contact.served,
           listed_before ? "yes" : "no", listed_after ? "yes" : "no");
    return 0;
}
