/* The HTTP server: libmicrohttpd in thread-per-connection mode on unix
 * sockets, version prefixes, bodies, replies, streams and hijacks. */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <microhttpd.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "api/api-internal.h"
#include "api/api.h"
#include "engine/engine.h"
#include "util/json.h"
#include "util/log.h"
#include "util/mem.h"

/* Bodies of ordinary routes are JSON documents; anything larger than this
 * is refused rather than held in memory. */
#define API_BODY_MAX (64u << 20)

struct api_server {
    struct engine *engine;
    struct MHD_Daemon **daemons;
    char **socket_paths;
    size_t n;
};

enum worker_state { WS_IDLE, WS_RUNNING, WS_DONE, WS_STREAM, WS_HIJACK };

struct api_req {
    struct api_server *srv;
    struct MHD_Connection *conn;
    const struct api_route *route;
    char *method;
    char *path;
    char *version_str; /* as the client wrote it, for messages */
    int version;
    char **pnames;
    char **pvalues;
    struct berr early; /* refused before the handler: bad version, 404 */

    char *body;
    size_t body_len;
    int body_fd;
    bool body_too_large;

    char **extra_headers; /* name, value, name, value, ... */

    /* the reply of a handler that did not stream */
    bool replied;
    int status;
    char *content_type;
    char *data;
    size_t data_len;

    /* the worker of a stream route */
    pthread_mutex_t mu;
    pthread_cond_t cv;
    enum worker_state ws;
    int refs;
    int pipe_r;
    int pipe_w;
    bool gone;
    int sock;
    struct MHD_UpgradeResponseHandle *urh;
    char *early_data;
    size_t early_len;
    bool upgraded;
    bool upgrade_failed;
};

static void req_unref(struct api_req *req)
{
    int refs;

    pthread_mutex_lock(&req->mu);
    refs = --req->refs;
    pthread_mutex_unlock(&req->mu);
    if (refs > 0)
        return;

    if (req->pipe_r >= 0)
        close(req->pipe_r);
    if (req->pipe_w >= 0)
        close(req->pipe_w);
    if (req->body_fd >= 0)
        close(req->body_fd);
    berr_clear(&req->early);
    free(req->method);
    free(req->path);
    free(req->version_str);
    strv_free(req->pnames);
    strv_free(req->pvalues);
    free(req->body);
    free(req->content_type);
    free(req->data);
    free(req->early_data);
    strv_free(req->extra_headers);
    pthread_mutex_destroy(&req->mu);
    pthread_cond_destroy(&req->cv);
    free(req);
}

/* ---- accessors ---- */

struct engine *api_engine(struct api_req *req)
{
    return req->srv->engine;
}

const char *api_method(struct api_req *req)
{
    return req->method;
}

const char *api_path(struct api_req *req)
{
    return req->path;
}

const char *api_param(struct api_req *req, const char *name)
{
    for (size_t i = 0; req->pnames && req->pnames[i]; i++)
        if (!strcmp(req->pnames[i], name))
            return req->pvalues[i];
    return NULL;
}

const char *api_query(struct api_req *req, const char *key)
{
    return MHD_lookup_connection_value(req->conn, MHD_GET_ARGUMENT_KIND, key);
}

struct query_collect {
    const char *key;
    char **values;
};

static enum MHD_Result collect_value(void *cls, enum MHD_ValueKind kind, const char *key,
                                     const char *value)
{
    struct query_collect *qc = cls;

    (void)kind;
    if (!strcmp(key, qc->key))
        strv_push(&qc->values, value ? value : "");
    return MHD_YES;
}

char **api_query_all(struct api_req *req, const char *key)
{
    struct query_collect qc = {key, NULL};

    MHD_get_connection_values(req->conn, MHD_GET_ARGUMENT_KIND, collect_value, &qc);
    return qc.values;
}

bool api_query_bool(struct api_req *req, const char *key, bool dflt)
{
    const char *v = api_query(req, key);

    if (!v)
        return dflt;
    return api_parse_bool(v);
}

int api_query_int(struct api_req *req, const char *key, int64_t dflt, int64_t *out,
                  struct berr *err)
{
    const char *v = api_query(req, key);
    char *end;
    long long n;

    if (!v || !*v) {
        *out = dflt;
        return 0;
    }
    errno = 0;
    n = strtoll(v, &end, 10);
    if (errno || *end)
        return berr_invalid(err, "invalid value for %s: %s", key, v);
    *out = n;
    return 0;
}

json_t *api_query_filters(struct api_req *req, struct berr *err)
{
    return api_parse_filters(api_query(req, "filters"), err);
}

const char *api_header(struct api_req *req, const char *name)
{
    return MHD_lookup_connection_value(req->conn, MHD_HEADER_KIND, name);
}

int api_version(struct api_req *req)
{
    return req->version;
}

const char *api_body(struct api_req *req, size_t *len)
{
    if (len)
        *len = req->body_len;
    return req->body ? req->body : "";
}

int api_body_fd(struct api_req *req)
{
    return req->body_fd;
}

json_t *api_body_json(struct api_req *req, struct berr *err)
{
    const char *ct = api_header(req, "Content-Type");

    return api_parse_json_body(req->body, req->body_len, ct, err);
}

/* ---- replies ---- */

static void set_reply(struct api_req *req, int status, const char *ctype, char *data, size_t len)
{
    if (req->replied) {
        log_error("api: %s %s answered twice", req->method, req->path);
        free(data);
        return;
    }
    req->replied = true;
    req->status = status;
    req->content_type = ctype ? xstrdup(ctype) : NULL;
    req->data = data;
    req->data_len = len;
}

void api_reply_json(struct api_req *req, int status, json_t *body)
{
    char *text = json_dumps_compact(body);
    char *line = xasprintf("%s\n", text);

    free(text);
    json_decref(body);
    set_reply(req, status, "application/json", line, strlen(line));
}

void api_reply_error(struct api_req *req, const struct berr *err)
{
    int status = berr_http_status(err->kind);
    json_t *body;

    if (status == 304) {
        set_reply(req, 304, NULL, NULL, 0);
        return;
    }
    if (status >= 500)
        log_error("%s %s: %s", req->method, req->path, berr_msg(err));
    else
        log_debug("%s %s: %d %s", req->method, req->path, status, berr_msg(err));
    body = json_pack("{s:s}", "message", berr_msg(err));
    api_reply_json(req, status, body);
}

void api_reply_status(struct api_req *req, int status)
{
    set_reply(req, status, NULL, NULL, 0);
}

void api_reply_data(struct api_req *req, int status, const char *content_type, const void *data,
                    size_t len)
{
    char *copy = xmalloc(len + 1);

    memcpy(copy, data, len);
    copy[len] = '\0';
    set_reply(req, status, content_type, copy, len);
}

/* ---- streams ---- */

int api_stream_begin(struct api_req *req, int status, const char *content_type)
{
    int fds[2];

    if (!(req->route->flags & API_ROUTE_STREAM) || req->replied)
        return -1;
    if (pipe2(fds, O_CLOEXEC) < 0)
        return -1;

    pthread_mutex_lock(&req->mu);
    req->pipe_r = fds[0];
    req->pipe_w = fds[1];
    req->status = status;
    req->content_type = xstrdup(content_type);
    req->replied = true;
    req->ws = WS_STREAM;
    pthread_cond_broadcast(&req->cv);
    pthread_mutex_unlock(&req->mu);
    return 0;
}

int api_stream_write(struct api_req *req, const void *data, size_t len)
{
    const char *p = data;

    if (req->gone || req->pipe_w < 0)
        return -1;
    while (len > 0) {
        ssize_t n = write(req->pipe_w, p, len);

        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            req->gone = true;
            return -1;
        }
        p += n;
        len -= (size_t)n;
    }
    return 0;
}

int api_stream_printf(struct api_req *req, const char *fmt, ...)
{
    _cleanup_free_ char *text = NULL;
    va_list ap;

    va_start(ap, fmt);
    text = xvasprintf(fmt, ap);
    va_end(ap);
    return api_stream_write(req, text, strlen(text));
}

int api_stream_json(struct api_req *req, json_t *value)
{
    _cleanup_free_ char *text = json_dumps_compact(value);

    return api_stream_printf(req, "%s\r\n", text);
}

bool api_stream_gone(struct api_req *req)
{
    struct pollfd pfd = {.fd = req->pipe_w, .events = 0};

    /* The write end of a pipe reports POLLERR once the reader (the
     * connection, closed when the client goes away) is gone. */
    if (!req->gone && req->pipe_w >= 0 && poll(&pfd, 1, 0) > 0 &&
        (pfd.revents & (POLLERR | POLLHUP)))
        req->gone = true;
    return req->gone;
}

int api_hijack(struct api_req *req, const char *content_type, const char **early, size_t *early_len)
{
    int sock;

    if (!(req->route->flags & API_ROUTE_STREAM) || req->replied)
        return -1;

    pthread_mutex_lock(&req->mu);
    req->content_type = xstrdup(content_type);
    req->replied = true;
    req->status = 101;
    req->ws = WS_HIJACK;
    pthread_cond_broadcast(&req->cv);
    while (!req->upgraded && !req->upgrade_failed)
        pthread_cond_wait(&req->cv, &req->mu);
    sock = req->upgraded ? req->sock : -1;
    pthread_mutex_unlock(&req->mu);

    /* libmicrohttpd keeps its sockets non-blocking; the handler owns this
     * one now and reads and writes it as a plain blocking stream. */
    if (sock >= 0)
        fcntl(sock, F_SETFL, fcntl(sock, F_GETFL) & ~O_NONBLOCK);

    if (early) {
        *early = req->early_data;
        *early_len = req->early_len;
    }
    return sock;
}

/* ---- libmicrohttpd glue ---- */

void api_add_header(struct api_req *req, const char *name, const char *value)
{
    strv_push(&req->extra_headers, name);
    strv_push(&req->extra_headers, value);
}

static void add_std_headers(struct api_req *req, struct MHD_Response *resp)
{
    for (size_t i = 0; req->extra_headers && req->extra_headers[i]; i += 2)
        MHD_add_response_header(resp, req->extra_headers[i], req->extra_headers[i + 1]);
    MHD_add_response_header(resp, "Api-Version", API_VERSION_MAX);
    MHD_add_response_header(resp, "Docker-Experimental", "false");
    MHD_add_response_header(resp, "Ostype", "linux");
    MHD_add_response_header(resp, "Server", "berth/" BERTH_VERSION " (linux)");
}

static enum MHD_Result queue_reply(struct api_req *req)
{
    struct MHD_Response *resp;
    enum MHD_Result ret;

    if (!req->replied) {
        struct berr err = BERR_INIT;

        berr_system(&err, 0, "%s %s gave no answer", req->method, req->path);
        api_reply_error(req, &err);
        berr_clear(&err);
    }
    resp = MHD_create_response_from_buffer(req->data_len, req->data ? req->data : (void *)"",
                                           MHD_RESPMEM_PERSISTENT);
    add_std_headers(req, resp);
    if (req->content_type)
        MHD_add_response_header(resp, "Content-Type", req->content_type);
    ret = MHD_queue_response(req->conn, (unsigned)req->status, resp);
    MHD_destroy_response(resp);
    return ret;
}

static ssize_t stream_reader(void *cls, uint64_t pos, char *buf, size_t max)
{
    struct api_req *req = cls;
    ssize_t n;

    (void)pos;
    do {
        n = read(req->pipe_r, buf, max);
    } while (n < 0 && errno == EINTR);
    if (n == 0)
        return MHD_CONTENT_READER_END_OF_STREAM;
    if (n < 0)
        return MHD_CONTENT_READER_END_WITH_ERROR;
    return n;
}

static void stream_free(void *cls)
{
    struct api_req *req = cls;

    /* The client is gone or the body ended: a writer still running sees
     * EPIPE from now on. */
    pthread_mutex_lock(&req->mu);
    if (req->pipe_r >= 0) {
        close(req->pipe_r);
        req->pipe_r = -1;
    }
    pthread_mutex_unlock(&req->mu);
    req_unref(req);
}

static void upgrade_handler(void *cls, struct MHD_Connection *conn, void *req_cls,
                            const char *extra_in, size_t extra_in_size, MHD_socket sock,
                            struct MHD_UpgradeResponseHandle *urh)
{
    struct api_req *req = cls;

    (void)conn;
    (void)req_cls;
    pthread_mutex_lock(&req->mu);
    if (extra_in_size > 0) {
        req->early_data = xmalloc(extra_in_size);
        memcpy(req->early_data, extra_in, extra_in_size);
        req->early_len = extra_in_size;
    }
    req->sock = sock;
    req->urh = urh;
    req->upgraded = true;
    pthread_cond_broadcast(&req->cv);
    pthread_mutex_unlock(&req->mu);
}

static void *worker_main(void *arg)
{
    struct api_req *req = arg;

    req->route->handler(req);

    pthread_mutex_lock(&req->mu);
    if (req->ws == WS_STREAM && req->pipe_w >= 0) {
        close(req->pipe_w);
        req->pipe_w = -1;
    } else if (req->ws == WS_HIJACK) {
        if (req->urh)
            MHD_upgrade_action(req->urh, MHD_UPGRADE_ACTION_CLOSE);
    } else {
        req->ws = WS_DONE;
    }
    pthread_cond_broadcast(&req->cv);
    pthread_mutex_unlock(&req->mu);
    req_unref(req);
    return NULL;
}

static enum MHD_Result dispatch_stream(struct api_req *req)
{
    struct MHD_Response *resp = NULL;
    pthread_attr_t attr;
    pthread_t tid;
    enum MHD_Result ret;

    req->refs++; /* the worker's */
    req->ws = WS_RUNNING;
    pthread_attr_init(&attr);
    pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
    if (pthread_create(&tid, &attr, worker_main, req) != 0) {
        pthread_attr_destroy(&attr);
        req->refs--;
        req->ws = WS_IDLE;
        berr_system(&req->early, errno, "start request worker");
        api_reply_error(req, &req->early);
        return queue_reply(req);
    }
    pthread_attr_destroy(&attr);

    pthread_mutex_lock(&req->mu);
    while (req->ws == WS_RUNNING)
        pthread_cond_wait(&req->cv, &req->mu);
    pthread_mutex_unlock(&req->mu);

    switch (req->ws) {
    case WS_STREAM:
        resp = MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, 32 * 1024, stream_reader, req,
                                                 stream_free);
        pthread_mutex_lock(&req->mu);
        req->refs++; /* the response's, dropped in stream_free */
        pthread_mutex_unlock(&req->mu);
        break;
    case WS_HIJACK:
        resp = MHD_create_response_for_upgrade(upgrade_handler, req);
        MHD_add_response_header(resp, MHD_HTTP_HEADER_UPGRADE, "tcp");
        break;
    default:
        return queue_reply(req);
    }

    add_std_headers(req, resp);
    if (req->content_type)
        MHD_add_response_header(resp, "Content-Type", req->content_type);
    ret = MHD_queue_response(req->conn, (unsigned)req->status, resp);
    MHD_destroy_response(resp);
    if (ret != MHD_YES && req->ws == WS_HIJACK) {
        pthread_mutex_lock(&req->mu);
        req->upgrade_failed = true;
        pthread_cond_broadcast(&req->cv);
        pthread_mutex_unlock(&req->mu);
    }
    return ret;
}

static enum MHD_Result dispatch(struct api_req *req)
{
    if (berr_is_set(&req->early)) {
        api_reply_error(req, &req->early);
        return queue_reply(req);
    }
    if (!strcmp(req->method, "OPTIONS")) {
        api_reply_status(req, 200);
        return queue_reply(req);
    }
    if (req->body_too_large) {
        berr_invalid(&req->early, "request body is too large");
        api_reply_error(req, &req->early);
        return queue_reply(req);
    }
    if (req->body_fd >= 0)
        lseek(req->body_fd, 0, SEEK_SET);

    if (req->route->flags & API_ROUTE_STREAM)
        return dispatch_stream(req);

    req->route->handler(req);
    return queue_reply(req);
}

static int open_spool(struct api_server *srv)
{
    _cleanup_free_ char *dir = xasprintf("%s/tmp", engine_data_root(srv->engine));

    return open(dir, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
}

static struct api_req *req_new(struct api_server *srv, struct MHD_Connection *conn, const char *url,
                               const char *method)
{
    struct api_req *req = xcalloc(1, sizeof(*req));
    const char *rest = url;
    int version = 0;
    int split;

    pthread_mutex_init(&req->mu, NULL);
    pthread_cond_init(&req->cv, NULL);
    req->refs = 1;
    req->srv = srv;
    req->conn = conn;
    req->method = xstrdup(method);
    req->body_fd = -1;
    req->pipe_r = -1;
    req->pipe_w = -1;
    req->sock = -1;
    req->version = api_version_number(API_VERSION_MAX);

    split = api_split_version(url, &version, &rest);
    if (split < 0) {
        berr_not_found(&req->early, "page not found");
    } else if (split > 0) {
        req->version_str = xstrndup(url + 2, strcspn(url + 2, "/"));
        req->version = version;
        api_check_version(req->version_str, version, &req->early);
    }
    req->path = xstrdup(rest);

    if (!berr_is_set(&req->early) && strcmp(method, "OPTIONS") != 0) {
        req->route = api_route_match(method, req->path, &req->pnames, &req->pvalues);
        if (!req->route)
            berr_not_found(&req->early, "page not found");
    }
    if (req->route && (req->route->flags & API_ROUTE_BODY_FILE)) {
        req->body_fd = open_spool(srv);
        if (req->body_fd < 0)
            berr_system(&req->early, errno, "spool request body");
    }
    log_debug("api: %s %s", method, url);
    return req;
}

static void take_upload(struct api_req *req, const char *data, size_t size)
{
    if (berr_is_set(&req->early) || req->body_too_large)
        return;

    if (req->body_fd >= 0) {
        while (size > 0) {
            ssize_t n = write(req->body_fd, data, size);

            if (n < 0 && errno == EINTR)
                continue;
            if (n < 0) {
                berr_system(&req->early, errno, "spool request body");
                return;
            }
            data += n;
            size -= (size_t)n;
        }
        return;
    }

    if (req->body_len + size > API_BODY_MAX) {
        req->body_too_large = true;
        return;
    }
    req->body = xrealloc(req->body, req->body_len + size + 1);
    memcpy(req->body + req->body_len, data, size);
    req->body_len += size;
    req->body[req->body_len] = '\0';
}

static enum MHD_Result access_handler(void *cls, struct MHD_Connection *conn, const char *url,
                                      const char *method, const char *version,
                                      const char *upload_data, size_t *upload_data_size,
                                      void **con_cls)
{
    struct api_req *req = *con_cls;

    (void)version;
    if (!req) {
        *con_cls = req_new(cls, conn, url, method);
        return MHD_YES;
    }
    if (*upload_data_size > 0) {
        take_upload(req, upload_data, *upload_data_size);
        *upload_data_size = 0;
        return MHD_YES;
    }
    return dispatch(req);
}

static void request_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
                              enum MHD_RequestTerminationCode toe)
{
    struct api_req *req = *con_cls;

    (void)cls;
    (void)conn;
    (void)toe;
    if (!req)
        return;
    *con_cls = NULL;
    req_unref(req);
}

static void mhd_log(void *cls, const char *fmt, va_list ap)
{
    _cleanup_free_ char *msg = xvasprintf(fmt, ap);
    size_t n = strlen(msg);

    (void)cls;
    while (n > 0 && msg[n - 1] == '\n')
        msg[--n] = '\0';
    log_debug("http: %s", msg);
}

static int listen_unix(const char *path, struct berr *err)
{
    struct sockaddr_un addr = {.sun_family = AF_UNIX};
    _cleanup_close_ int fd = -1;
    struct group *grp;

    if (strlen(path) >= sizeof(addr.sun_path))
        return berr_invalid(err, "socket path too long: %s", path);
    strcpy(addr.sun_path, path);

    /* A socket file nobody answers on is left over from a crash. */
    fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return berr_system(err, errno, "socket");
    if (connect(fd, (struct sockaddr *)&addr, sizeof(addr)) == 0)
        return berr_set(err, BERR_CONFLICT, 0, "another daemon is already listening on %s", path);
    close(steal_fd(fd));
    unlink(path);

    fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return berr_system(err, errno, "socket");
    if (bind(fd, (struct sockaddr *)&addr, sizeof(addr)) < 0)
        return berr_system(err, errno, "bind %s", path);
    if (chmod(path, 0660) < 0)
        return berr_system(err, errno, "chmod %s", path);
    grp = getgrnam("docker");
    if (grp && chown(path, 0, grp->gr_gid) < 0)
        log_warn("could not give %s to group docker: %s", path, strerror(errno));
    if (listen(fd, 128) < 0)
        return berr_system(err, errno, "listen %s", path);
    return steal_fd(fd);
}

int api_server_start(struct engine *e, char *const *hosts, struct api_server **out,
                     struct berr *err)
{
    struct api_server *srv = xcalloc(1, sizeof(*srv));
    size_t n = strv_len(hosts);

    signal(SIGPIPE, SIG_IGN);
    srv->engine = e;
    srv->daemons = xcalloc(n + 1, sizeof(*srv->daemons));
    srv->socket_paths = xcalloc(n + 1, sizeof(char *));

    for (size_t i = 0; i < n; i++) {
        const char *h = hosts[i];
        int fd;

        if (strncmp(h, "unix://", 7) != 0) {
            berr_invalid(err,
                         "unsupported host %s: berthd listens on unix:// sockets only "
                         "(TCP would need TLS with client certificates)",
                         h);
            api_server_stop(srv);
            return -1;
        }
        fd = listen_unix(h + 7, err);
        if (fd < 0) {
            api_server_stop(srv);
            return -1;
        }
        srv->socket_paths[srv->n] = xstrdup(h + 7);
        srv->daemons[srv->n] = MHD_start_daemon(
            MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_THREAD_PER_CONNECTION | MHD_ALLOW_UPGRADE |
                MHD_USE_POLL | MHD_USE_ERROR_LOG | MHD_USE_ITC,
            0, NULL, NULL, access_handler, srv, MHD_OPTION_LISTEN_SOCKET, fd,
            MHD_OPTION_NOTIFY_COMPLETED, request_completed, srv, MHD_OPTION_CONNECTION_TIMEOUT,
            (unsigned)0, MHD_OPTION_EXTERNAL_LOGGER, mhd_log, NULL, MHD_OPTION_THREAD_STACK_SIZE,
            (size_t)(256 * 1024), MHD_OPTION_END);
        if (!srv->daemons[srv->n]) {
            close(fd);
            unlink(h + 7);
            free(srv->socket_paths[srv->n]);
            srv->socket_paths[srv->n] = NULL;
            berr_system(err, 0, "start HTTP server on %s", h);
            api_server_stop(srv);
            return -1;
        }
        srv->n++;
        log_info("API listening on %s", h + 7);
    }

    *out = srv;
    return 0;
}

void api_server_stop(struct api_server *srv)
{
    if (!srv)
        return;

    /* Stop accepting first, then let the requests in flight finish. */
    for (size_t i = 0; i < srv->n; i++) {
        MHD_socket fd = MHD_quiesce_daemon(srv->daemons[i]);

        if (fd >= 0)
            close(fd);
        unlink(srv->socket_paths[i]);
    }
    for (size_t i = 0; i < srv->n; i++) {
        MHD_stop_daemon(srv->daemons[i]);
        free(srv->socket_paths[i]);
    }
    free(srv->daemons);
    free(srv->socket_paths);
    free(srv);
}
