/* Shared by the serving harness's C programs: a bounds-checked bencode walker for checking KRPC
 * replies, and the three query kinds the load is made of. Everything read here came off the wire,
 * so every read is checked against the end of the datagram and nesting is bounded. */
#ifndef DHTNET_SERVING_KRPC_H
#define DHTNET_SERVING_KRPC_H

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define KRPC_MAX_DEPTH 16

typedef struct {
    const uint8_t *p;
    size_t n;
} span_t;

static inline uint64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* xorshift64*: cheap, and the load only needs targets that differ, not secrecy. */
static inline uint64_t rng_next(uint64_t *s)
{
    uint64_t x = *s;
    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    *s = x;
    return x * 0x2545F4914F6CDD1Dull;
}

static inline void rng_fill(uint64_t *s, uint8_t *out, size_t n)
{
    for (size_t i = 0; i < n; i += 8) {
        uint64_t v = rng_next(s);
        size_t k = n - i < 8 ? n - i : 8;
        memcpy(out + i, &v, k);
    }
}

/* Reads a byte string "<len>:<bytes>" at *p; advances *p past it. Returns 0 on success. */
static inline int benc_string(const uint8_t **p, const uint8_t *end, span_t *out)
{
    const uint8_t *q = *p;
    size_t len = 0;
    int digits = 0;
    while (q < end && *q >= '0' && *q <= '9') {
        if (++digits > 7)
            return -1;
        len = len * 10 + (size_t)(*q - '0');
        q++;
    }
    if (digits == 0 || q >= end || *q != ':')
        return -1;
    q++;
    if ((size_t)(end - q) < len)
        return -1;
    out->p = q;
    out->n = len;
    *p = q + len;
    return 0;
}

/* Skips one value of any kind; returns 0 when it is well formed and ends before end. */
static inline int benc_skip(const uint8_t **p, const uint8_t *end, int depth)
{
    const uint8_t *q = *p;
    span_t s;
    if (q >= end || depth > KRPC_MAX_DEPTH)
        return -1;
    switch (*q) {
    case 'i':
        q++;
        if (q < end && *q == '-')
            q++;
        {
            const uint8_t *start = q;
            while (q < end && *q >= '0' && *q <= '9')
                q++;
            if (q == start || q >= end || *q != 'e')
                return -1;
        }
        *p = q + 1;
        return 0;
    case 'l':
        q++;
        while (q < end && *q != 'e')
            if (benc_skip(&q, end, depth + 1))
                return -1;
        if (q >= end)
            return -1;
        *p = q + 1;
        return 0;
    case 'd':
        q++;
        while (q < end && *q != 'e') {
            if (benc_string(&q, end, &s) || benc_skip(&q, end, depth + 1))
                return -1;
        }
        if (q >= end)
            return -1;
        *p = q + 1;
        return 0;
    default:
        if (benc_string(&q, end, &s))
            return -1;
        *p = q;
        return 0;
    }
}

static inline int span_is(span_t s, const char *lit)
{
    size_t n = strlen(lit);
    return s.n == n && memcmp(s.p, lit, n) == 0;
}

/* Finds key in the dictionary that spans exactly [d, d+n); the value (raw bencode) goes to out.
 * Returns 0 when found, 1 when absent, -1 when the dictionary is malformed. */
static inline int benc_dict_get(span_t dict, const char *key, span_t *out)
{
    const uint8_t *q = dict.p, *end = dict.p + dict.n;
    span_t k;
    if (dict.n < 2 || *q != 'd')
        return -1;
    q++;
    while (q < end && *q != 'e') {
        const uint8_t *v;
        if (benc_string(&q, end, &k))
            return -1;
        v = q;
        if (benc_skip(&q, end, 1))
            return -1;
        if (span_is(k, key)) {
            out->p = v;
            out->n = (size_t)(q - v);
            return 0;
        }
    }
    return q < end ? 1 : -1;
}

/* The byte-string content of a raw bencoded value, or -1 when it is not a string. */
static inline int benc_as_string(span_t raw, span_t *out)
{
    const uint8_t *q = raw.p;
    if (benc_string(&q, raw.p + raw.n, out) || q != raw.p + raw.n)
        return -1;
    return 0;
}

enum { Q_PING, Q_FIND_NODE, Q_GET_PEERS, Q_KINDS };

/* Writes one query with a 4-byte transaction id; returns its length. buf holds 160 bytes. */
static inline size_t krpc_query(uint8_t *buf, int kind, const uint8_t id[20], const uint8_t target[20], const uint8_t tid[4])
{
    uint8_t *o = buf;
#define PUT(lit) (memcpy(o, lit, sizeof(lit) - 1), o += sizeof(lit) - 1)
#define PUTB(b, n) (memcpy(o, b, n), o += n)
    PUT("d1:ad2:id20:");
    PUTB(id, 20);
    if (kind == Q_FIND_NODE) {
        PUT("6:target20:");
        PUTB(target, 20);
        PUT("e1:q9:find_node");
    } else if (kind == Q_GET_PEERS) {
        PUT("9:info_hash20:");
        PUTB(target, 20);
        PUT("e1:q9:get_peers");
    } else {
        PUT("e1:q4:ping");
    }
    PUT("1:t4:");
    PUTB(tid, 4);
    PUT("1:y1:qe");
#undef PUT
#undef PUTB
    return (size_t)(o - buf);
}

/* Parses "a.b.c.d:port"; returns 0 on success. */
static inline int parse_endpoint(const char *s, struct sockaddr_in *sa)
{
    char host[64];
    const char *colon = strrchr(s, ':');
    if (!colon || (size_t)(colon - s) >= sizeof host)
        return -1;
    memcpy(host, s, (size_t)(colon - s));
    host[colon - s] = 0;
    memset(sa, 0, sizeof *sa);
    sa->sin_family = AF_INET;
    sa->sin_port = htons((uint16_t)atoi(colon + 1));
    return inet_pton(AF_INET, host, &sa->sin_addr) == 1 ? 0 : -1;
}

/* When msg is a well-formed query, writes the answer a live but empty node gives (its id; no nodes
 * for find_node and get_peers; a token for get_peers) to out (256 bytes) and returns its length;
 * returns 0 for anything else. The test's contacts answer the server's pings and lookups with it. */
static inline size_t krpc_answer(const uint8_t *buf, size_t n, const uint8_t id[20], uint8_t *out)
{
    span_t msg = {buf, n}, yraw, y, traw, t, qraw, qm;
    const uint8_t *q = buf;
    uint8_t *o = out;
    if (benc_skip(&q, buf + n, 0) || q != buf + n || benc_dict_get(msg, "y", &yraw) || benc_as_string(yraw, &y) || !span_is(y, "q")
        || benc_dict_get(msg, "t", &traw) || benc_as_string(traw, &t) || t.n > 32 || benc_dict_get(msg, "q", &qraw) || benc_as_string(qraw, &qm))
        return 0;
    o += sprintf((char *)o, "d1:rd2:id20:");
    memcpy(o, id, 20);
    o += 20;
    if (span_is(qm, "find_node"))
        o += sprintf((char *)o, "5:nodes0:");
    else if (span_is(qm, "get_peers"))
        o += sprintf((char *)o, "5:nodes0:5:token4:tokn");
    o += sprintf((char *)o, "e1:t%zu:", t.n);
    memcpy(o, t.p, t.n);
    o += t.n;
    o += sprintf((char *)o, "1:y1:re");
    return (size_t)(o - out);
}

#endif
