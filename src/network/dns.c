/* The embedded DNS server of user-defined bridge networks.
 *
 * One thread polls a UDP socket on port 53 of each user network's gateway
 * address (in the daemon's network namespace).  A query for the A record
 * of a container name, alias or short ID on that network is answered from
 * the endpoints; every other query is relayed to the first nameserver of
 * the host's /etc/resolv.conf, answering SERVFAIL when that fails. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "network/network-internal.h"
#include "util/log.h"
#include "util/mem.h"

#define DNS_MAX_SOCKS 64
#define DNS_BUF       1500

struct net_dns {
    struct netctl *ctl;
    pthread_t thread;
    int wake[2];
    int fds[DNS_MAX_SOCKS];
    uint32_t addrs[DNS_MAX_SOCKS];
    size_t n;
    volatile bool stop;
};

static int open_listener(uint32_t addr)
{
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons(53)};
    int one = 1, fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);

    if (fd < 0)
        return -1;
    sa.sin_addr.s_addr = htonl(addr);
    setsockopt(fd, IPPROTO_IP, IP_FREEBIND, &one, sizeof(one));
    if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
        log_warn("embedded DNS: cannot listen on port 53 of %u.%u.%u.%u: %s", addr >> 24,
                 (addr >> 16) & 0xff, (addr >> 8) & 0xff, addr & 0xff, strerror(errno));
        close(fd);
        return -1;
    }
    return fd;
}

/* Bring the listeners in line with the user networks' gateways. */
static void rebind(struct net_dns *d)
{
    uint32_t want[DNS_MAX_SOCKS];
    size_t nwant = 0, kept = 0;
    char dummy[64];

    while (read(d->wake[0], dummy, sizeof(dummy)) > 0)
        ;
    pthread_mutex_lock(&d->ctl->lock);
    for (struct net_network *n = d->ctl->nets; n && nwant < DNS_MAX_SOCKS; n = n->next)
        if (n->has_pool && !strcmp(n->driver, "bridge") &&
            strcmp(n->name, d->ctl->cfg.default_name))
            want[nwant++] = n->gateway;
    pthread_mutex_unlock(&d->ctl->lock);

    for (size_t i = 0; i < d->n; i++) {
        bool keep = false;

        for (size_t k = 0; k < nwant && !keep; k++)
            keep = want[k] == d->addrs[i];
        if (keep) {
            d->fds[kept] = d->fds[i];
            d->addrs[kept++] = d->addrs[i];
        } else {
            close(d->fds[i]);
        }
    }
    d->n = kept;
    for (size_t k = 0; k < nwant; k++) {
        bool have = false;
        int fd;

        for (size_t i = 0; i < d->n && !have; i++)
            have = d->addrs[i] == want[k];
        if (!have && (fd = open_listener(want[k])) >= 0) {
            d->fds[d->n] = fd;
            d->addrs[d->n++] = want[k];
        }
    }
}

/* The question's name as dotted text; *end is the offset after QCLASS. */
static int parse_question(const uint8_t *q, size_t len, char *name, size_t cap, size_t *end,
                          uint16_t *qtype)
{
    size_t off = 12, out = 0;

    if (len < 17 || (q[4] << 8 | q[5]) != 1)
        return -1;
    while (off < len && q[off]) {
        size_t l = q[off++];

        if (l > 63 || off + l > len || out + l + 2 > cap)
            return -1;
        if (out)
            name[out++] = '.';
        memcpy(name + out, q + off, l);
        out += l;
        off += l;
    }
    name[out] = '\0';
    if (off + 5 > len)
        return -1;
    *qtype = (uint16_t)(q[off + 1] << 8 | q[off + 2]);
    *end = off + 5;
    return 0;
}

static size_t build_reply(uint8_t *buf, size_t qend, int rcode, const uint32_t *addr)
{
    size_t off = qend;

    buf[2] = 0x80 | (buf[2] & 0x01); /* QR, keep RD */
    buf[3] = 0x80 | (uint8_t)rcode;  /* RA */
    buf[6] = 0;
    buf[7] = addr ? 1 : 0;
    memset(buf + 8, 0, 4);
    if (!addr)
        return off;
    const uint8_t rr[] = {0xc0,
                          0x0c,
                          0,
                          1,
                          0,
                          1,
                          0,
                          0,
                          0x02,
                          0x58,
                          0,
                          4,
                          (uint8_t)(*addr >> 24),
                          (uint8_t)(*addr >> 16),
                          (uint8_t)(*addr >> 8),
                          (uint8_t)*addr};
    memcpy(buf + off, rr, sizeof(rr));
    return off + sizeof(rr);
}

static int upstream(struct sockaddr_in *sa)
{
    _cleanup_fclose_ FILE *f = fopen("/etc/resolv.conf", "re");
    char line[256], ip[64];

    while (f && fgets(line, sizeof(line), f)) {
        if (sscanf(line, "nameserver %63s", ip) == 1 && inet_pton(AF_INET, ip, &sa->sin_addr)) {
            sa->sin_family = AF_INET;
            sa->sin_port = htons(53);
            return 0;
        }
    }
    return -1;
}

/* Wait up to 2 s for the upstream's reply on fd; false on timeout or when
 * the daemon stops meanwhile (a silent upstream must not hold up the
 * shutdown).  A wake-up for a rebind is left for the main loop. */
static bool wait_upstream(struct net_dns *d, int fd)
{
    struct pollfd p[2] = {{.fd = fd, .events = POLLIN}, {.fd = d->wake[0], .events = POLLIN}};
    struct timespec now, end;
    nfds_t n = 2;

    clock_gettime(CLOCK_MONOTONIC, &end);
    end.tv_sec += 2;
    while (!d->stop) {
        long ms;

        clock_gettime(CLOCK_MONOTONIC, &now);
        ms = (end.tv_sec - now.tv_sec) * 1000 + (end.tv_nsec - now.tv_nsec) / 1000000;
        if (ms <= 0 || (poll(p, n, (int)ms) < 0 && errno != EINTR))
            return false;
        if (p[0].revents & POLLIN)
            return true;
        if (p[1].revents)
            n = 1;
    }
    return false;
}

/* Relay a query; returns the reply length or 0. */
static ssize_t forward(struct net_dns *d, const uint8_t *q, size_t len, uint8_t *reply)
{
    struct sockaddr_in sa = {0};
    _cleanup_close_ int fd = -1;
    ssize_t n;

    if (upstream(&sa) < 0)
        return 0;
    fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (fd < 0 || sendto(fd, q, len, 0, (struct sockaddr *)&sa, sizeof(sa)) < 0)
        return 0;
    if (!wait_upstream(d, fd))
        return 0;
    n = recv(fd, reply, DNS_BUF, 0);
    return n > 12 && !memcmp(reply, q, 2) ? n : 0;
}

static void answer(struct net_dns *d, int fd, uint32_t server)
{
    uint8_t buf[DNS_BUF], reply[DNS_BUF];
    struct sockaddr_in from;
    socklen_t flen = sizeof(from);
    ssize_t len = recvfrom(fd, buf, sizeof(buf) - 32, 0, (struct sockaddr *)&from, &flen);
    char name[256];
    size_t qend, out;
    uint16_t qtype;
    uint32_t addr;
    int found;

    if (len <= 0 || parse_question(buf, (size_t)len, name, sizeof(name), &qend, &qtype) < 0)
        return;
    pthread_mutex_lock(&d->ctl->lock);
    found = net_dns_lookup(d->ctl, server, name, &addr);
    pthread_mutex_unlock(&d->ctl->lock);

    if (found == 0) {
        out = build_reply(buf, qend, 0, qtype == 1 ? &addr : NULL);
        sendto(fd, buf, out, 0, (struct sockaddr *)&from, flen);
        return;
    }
    len = forward(d, buf, (size_t)len, reply);
    if (len > 0) {
        sendto(fd, reply, (size_t)len, 0, (struct sockaddr *)&from, flen);
        return;
    }
    out = build_reply(buf, qend, 2, NULL);
    sendto(fd, buf, out, 0, (struct sockaddr *)&from, flen);
}

static void *dns_thread(void *arg)
{
    struct net_dns *d = arg;
    struct pollfd p[DNS_MAX_SOCKS + 1];

    rebind(d);
    while (!d->stop) {
        p[0] = (struct pollfd){.fd = d->wake[0], .events = POLLIN};
        for (size_t i = 0; i < d->n; i++)
            p[i + 1] = (struct pollfd){.fd = d->fds[i], .events = POLLIN};
        if (poll(p, d->n + 1, -1) < 0 && errno != EINTR)
            break;
        if (p[0].revents)
            rebind(d);
        for (size_t i = 0; i < d->n && !p[0].revents; i++)
            if (p[i + 1].revents & POLLIN)
                answer(d, d->fds[i], d->addrs[i]);
    }
    return NULL;
}

int net_dns_start(struct netctl *c, struct berr *err)
{
    struct net_dns *d = xcalloc(1, sizeof(*d));
    int rc;

    d->ctl = c;
    if (pipe2(d->wake, O_CLOEXEC | O_NONBLOCK) < 0) {
        free(d);
        return berr_system(err, errno, "embedded DNS: pipe");
    }
    rc = pthread_create(&d->thread, NULL, dns_thread, d);
    if (rc != 0) {
        close(d->wake[0]);
        close(d->wake[1]);
        free(d);
        return berr_system(err, rc, "embedded DNS: start thread");
    }
    c->dns = d;
    return 0;
}

void net_dns_refresh(struct netctl *c)
{
    if (c->dns && write(c->dns->wake[1], "r", 1) < 0)
        log_debug("embedded DNS: wake-up pipe full");
}

void net_dns_stop(struct netctl *c)
{
    struct net_dns *d = c->dns;

    if (!d)
        return;
    d->stop = true;
    net_dns_refresh(c);
    pthread_join(d->thread, NULL);
    for (size_t i = 0; i < d->n; i++)
        close(d->fds[i]);
    close(d->wake[0]);
    close(d->wake[1]);
    free(d);
    c->dns = NULL;
}
