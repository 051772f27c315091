/* The one error type of berth.
 *
 * A function that can fail returns a negative int (or NULL) and fills the
 * caller's `struct berr`, passed last.  On success the error is left alone.
 * The message is complete when set: when an errno is given its text is
 * appended once, and callers add context on the way up with berr_wrap().
 * The kind decides the HTTP status the API answers with.
 */
#ifndef BERTH_UTIL_ERR_H
#define BERTH_UTIL_ERR_H

#include <stdarg.h>
#include <stdbool.h>

enum berr_kind {
    BERR_NONE = 0,
    BERR_INVALID,         /* bad input from the client: 400 */
    BERR_NOT_FOUND,       /* 404 */
    BERR_CONFLICT,        /* 409 */
    BERR_FORBIDDEN,       /* 403 */
    BERR_UNAVAILABLE,     /* 503 */
    BERR_NOT_IMPLEMENTED, /* 501 */
    BERR_NOT_MODIFIED,    /* 304, no body */
    BERR_SYSTEM,          /* the kernel, the disk or a helper failed: 500 */
};

struct berr {
    enum berr_kind kind;
    int errnum; /* errno at the failure, 0 when none */
    char *msg;  /* owned; NULL while no error is set */
};

#define BERR_INIT                                                                                  \
    {                                                                                              \
        BERR_NONE, 0, NULL                                                                         \
    }

/* Set the error (replacing any earlier one).  When errnum is not 0,
 * ": strerror(errnum)" is appended.  Always returns -1. */
int berr_set(struct berr *err, enum berr_kind kind, int errnum, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
int berr_vset(struct berr *err, enum berr_kind kind, int errnum, const char *fmt, va_list ap);

/* Shorthands for the common kinds; all return -1. */
#define berr_invalid(err, ...)        berr_set((err), BERR_INVALID, 0, __VA_ARGS__)
#define berr_not_found(err, ...)      berr_set((err), BERR_NOT_FOUND, 0, __VA_ARGS__)
#define berr_conflict(err, ...)       berr_set((err), BERR_CONFLICT, 0, __VA_ARGS__)
#define berr_forbidden(err, ...)      berr_set((err), BERR_FORBIDDEN, 0, __VA_ARGS__)
#define berr_system(err, errnum, ...) berr_set((err), BERR_SYSTEM, (errnum), __VA_ARGS__)

/* Prepend context: "ctx: old message".  The kind and errno are kept.
 * Returns -1 so a caller can write `return berr_wrap(err, "...")`. */
int berr_wrap(struct berr *err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Free the message and reset to BERR_INIT. */
void berr_clear(struct berr *err);

/* Move src into dst (dst cleared first); src is reset. */
void berr_move(struct berr *dst, struct berr *src);

static inline bool berr_is_set(const struct berr *err)
{
    return err->kind != BERR_NONE;
}

/* The message, or "" when no error is set. */
const char *berr_msg(const struct berr *err);

/* HTTP status for a kind (500 for BERR_SYSTEM and BERR_NONE). */
int berr_http_status(enum berr_kind kind);

#define _cleanup_berr_ __attribute__((cleanup(berr_clear)))

#endif
