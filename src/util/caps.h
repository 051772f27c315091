/* Linux capability names: one table for the platform's validation and the
 * runtime's spec builder. */
#ifndef BERTH_UTIL_CAPS_H
#define BERTH_UTIL_CAPS_H

/* Every capability the kernel knows, in number order ("CAP_CHOWN", ...),
 * NULL-terminated. */
extern const char *const caps_all[];

/* Entries of caps_all, not counting its NULL. */
#define CAPS_COUNT 41

/* Index in caps_all of "net_admin" or "CAP_NET_ADMIN" (any case), or -1. */
int caps_index(const char *name);

#endif
