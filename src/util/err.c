#include "util/err.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/mem.h"

int berr_vset(struct berr *err, enum berr_kind kind, int errnum, const char *fmt, va_list ap)
{
    char *msg = xvasprintf(fmt, ap);

    if (errnum != 0) {
        char *full = xasprintf("%s: %s", msg, strerror(errnum));

        free(msg);
        msg = full;
    }

    free(err->msg);
    err->kind = kind == BERR_NONE ? BERR_SYSTEM : kind;
    err->errnum = errnum;
    err->msg = msg;
    return -1;
}

int berr_set(struct berr *err, enum berr_kind kind, int errnum, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    berr_vset(err, kind, errnum, fmt, ap);
    va_end(ap);
    return -1;
}

int berr_wrap(struct berr *err, const char *fmt, ...)
{
    _cleanup_free_ char *ctx = NULL;
    va_list ap;

    va_start(ap, fmt);
    ctx = xvasprintf(fmt, ap);
    va_end(ap);

    if (!berr_is_set(err)) {
        err->kind = BERR_SYSTEM;
        err->msg = steal_ptr(ctx);
        return -1;
    }

    char *msg = xasprintf("%s: %s", ctx, err->msg);

    free(err->msg);
    err->msg = msg;
    return -1;
}

void berr_clear(struct berr *err)
{
    free(err->msg);
    err->msg = NULL;
    err->kind = BERR_NONE;
    err->errnum = 0;
}

void berr_move(struct berr *dst, struct berr *src)
{
    berr_clear(dst);
    *dst = *src;
    src->msg = NULL;
    src->kind = BERR_NONE;
    src->errnum = 0;
}

const char *berr_msg(const struct berr *err)
{
    return err->msg ? err->msg : "";
}

int berr_http_status(enum berr_kind kind)
{
    switch (kind) {
    case BERR_INVALID:
        return 400;
    case BERR_NOT_FOUND:
        return 404;
    case BERR_CONFLICT:
        return 409;
    case BERR_FORBIDDEN:
        return 403;
    case BERR_UNAVAILABLE:
        return 503;
    case BERR_NOT_IMPLEMENTED:
        return 501;
    case BERR_NOT_MODIFIED:
        return 304;
    default:
        return 500;
    }
}
