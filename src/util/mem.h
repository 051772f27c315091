/* Allocation that aborts on exhaustion, and scope-bound cleanup helpers.
 *
 * No caller checks an x* allocation for NULL.  A `_cleanup_*_` local is
 * released when it leaves scope; hand ownership over with steal_ptr() or
 * steal_fd(), which reset the local in the same expression.
 */
#ifndef BERTH_UTIL_MEM_H
#define BERTH_UTIL_MEM_H

#include <dirent.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

void *xmalloc(size_t n);
void *xcalloc(size_t nmemb, size_t n);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);
char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
char *xvasprintf(const char *fmt, va_list ap);

void cleanup_freep(void *p);
void cleanup_closep(int *fd);
void cleanup_fclosep(FILE **f);
void cleanup_closedirp(DIR **d);
/* Free a NULL-terminated array of strings and the array. */
void strv_free(char **v);
void cleanup_strvp(char ***v);

#define _cleanup_free_     __attribute__((cleanup(cleanup_freep)))
#define _cleanup_close_    __attribute__((cleanup(cleanup_closep)))
#define _cleanup_fclose_   __attribute__((cleanup(cleanup_fclosep)))
#define _cleanup_closedir_ __attribute__((cleanup(cleanup_closedirp)))
#define _cleanup_strv_     __attribute__((cleanup(cleanup_strvp)))

#define steal_ptr(p)                                                                               \
    ({                                                                                             \
        __typeof__(p) stolen_ = (p);                                                               \
        (p) = NULL;                                                                                \
        stolen_;                                                                                   \
    })

#define steal_fd(fd)                                                                               \
    ({                                                                                             \
        int stolen_fd_ = (fd);                                                                     \
        (fd) = -1;                                                                                 \
        stolen_fd_;                                                                                \
    })

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* Number of entries of a NULL-terminated string array. */
size_t strv_len(char *const *v);
/* Append a copy of s; *v may be NULL. */
void strv_push(char ***v, const char *s);
/* Append s, taking ownership. */
void strv_push_take(char ***v, char *s);
/* Deep copy; NULL gives NULL. */
char **strv_dup(char *const *v);

#endif
