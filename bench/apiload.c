/* apiload: a small HTTP/1.1 load client for a unix socket.
 *
 *   apiload rps SOCK PATH CONNS SECONDS   requests per second, keep-alive
 *   apiload waitping SOCK TIMEOUT_MS      poll GET /_ping every ms until 200
 *
 * Each connection is a thread sending one request at a time; the answer is
 * read whole (Content-Length or chunked) before the next request. */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

static const char *sock_path;
static const char *req_path;
static atomic_long done;
static atomic_long failed;
static volatile int stop;

static int dial(void)
{
    struct sockaddr_un addr = {.sun_family = AF_UNIX};
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

    snprintf(addr.sun_path, sizeof(addr.sun_path), "%s", sock_path);
    if (fd >= 0 && connect(fd, (struct sockaddr *)&addr, sizeof(addr)) == 0)
        return fd;
    if (fd >= 0)
        close(fd);
    return -1;
}

struct conn {
    int fd;
    char buf[1 << 16];
    size_t len;
};

static int fill(struct conn *c)
{
    ssize_t n;

    if (c->len == sizeof(c->buf))
        return -1;
    n = read(c->fd, c->buf + c->len, sizeof(c->buf) - c->len);
    if (n <= 0)
        return -1;
    c->len += (size_t)n;
    return 0;
}

static void consume(struct conn *c, size_t n)
{
    memmove(c->buf, c->buf + n, c->len - n);
    c->len -= n;
}

/* Read one line ending in \r\n into out (without it). */
static int read_line(struct conn *c, char *out, size_t cap)
{
    char *nl;

    while (!(nl = memmem(c->buf, c->len, "\r\n", 2)))
        if (fill(c) < 0)
            return -1;
    size_t n = (size_t)(nl - c->buf);
    if (n >= cap)
        return -1;
    memcpy(out, c->buf, n);
    out[n] = '\0';
    consume(c, n + 2);
    return 0;
}

static int skip_bytes(struct conn *c, size_t n)
{
    while (n > 0) {
        if (c->len == 0 && fill(c) < 0)
            return -1;
        size_t take = n < c->len ? n : c->len;
        consume(c, take);
        n -= take;
    }
    return 0;
}

/* Read one response; returns the status or -1. */
static int read_response(struct conn *c)
{
    char line[8192];
    int status = 0;
    long length = -1;
    int chunked = 0;

    if (read_line(c, line, sizeof(line)) < 0 || sscanf(line, "HTTP/1.%*d %d", &status) != 1)
        return -1;
    for (;;) {
        if (read_line(c, line, sizeof(line)) < 0)
            return -1;
        if (!line[0])
            break;
        if (!strncasecmp(line, "Content-Length:", 15))
            length = atol(line + 15);
        if (!strncasecmp(line, "Transfer-Encoding:", 18) && strcasestr(line, "chunked"))
            chunked = 1;
    }
    if (chunked) {
        for (;;) {
            long size;

            if (read_line(c, line, sizeof(line)) < 0)
                return -1;
            size = strtol(line, NULL, 16);
            if (size == 0) {
                read_line(c, line, sizeof(line));
                break;
            }
            if (skip_bytes(c, (size_t)size) < 0 || read_line(c, line, sizeof(line)) < 0)
                return -1;
        }
    } else if (length > 0 && skip_bytes(c, (size_t)length) < 0) {
        return -1;
    }
    return status;
}

static void *worker(void *arg)
{
    struct conn *c = calloc(1, sizeof(*c));
    char req[512];
    int n = snprintf(req, sizeof(req), "GET %s HTTP/1.1\r\nHost: berth\r\n\r\n", req_path);

    (void)arg;
    c->fd = dial();
    while (!stop && c->fd >= 0) {
        if (write(c->fd, req, (size_t)n) != n || read_response(c) != 200) {
            atomic_fetch_add(&failed, 1);
            close(c->fd);
            c->len = 0;
            c->fd = dial();
            continue;
        }
        atomic_fetch_add(&done, 1);
    }
    if (c->fd >= 0)
        close(c->fd);
    free(c);
    return NULL;
}

static double now(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int run_rps(int conns, double seconds)
{
    pthread_t *t = calloc((size_t)conns, sizeof(*t));
    double start = now();

    for (int i = 0; i < conns; i++)
        pthread_create(&t[i], NULL, worker, NULL);
    usleep((useconds_t)(seconds * 1e6));
    stop = 1;
    for (int i = 0; i < conns; i++)
        pthread_join(t[i], NULL);
    printf("%.0f\n", (double)atomic_load(&done) / (now() - start));
    if (atomic_load(&failed) > 0)
        fprintf(stderr, "apiload: %ld failed requests\n", atomic_load(&failed));
    free(t);
    return atomic_load(&done) > 0 ? 0 : 1;
}

static int run_waitping(long timeout_ms)
{
    double start = now();

    req_path = "/_ping";
    while ((now() - start) * 1000 < (double)timeout_ms) {
        struct conn c = {.fd = dial()};
        const char *req = "GET /_ping HTTP/1.1\r\nHost: berth\r\n\r\n";

        if (c.fd >= 0 && write(c.fd, req, strlen(req)) == (ssize_t)strlen(req) &&
            read_response(&c) == 200) {
            close(c.fd);
            return 0;
        }
        if (c.fd >= 0)
            close(c.fd);
        usleep(1000);
    }
    return 1;
}

int main(int argc, char **argv)
{
    if (argc == 6 && !strcmp(argv[1], "rps")) {
        sock_path = argv[2];
        req_path = argv[3];
        return run_rps(atoi(argv[4]), atof(argv[5]));
    }
    if (argc == 4 && !strcmp(argv[1], "waitping")) {
        sock_path = argv[2];
        return run_waitping(atol(argv[3]));
    }
    fprintf(stderr, "usage: apiload rps SOCK PATH CONNS SECONDS | waitping SOCK TIMEOUT_MS\n");
    return 2;
}
