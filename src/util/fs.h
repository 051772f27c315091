/* File-system helpers.  All return 0 or -1 with err set, naming the path. */
#ifndef BERTH_UTIL_FS_H
#define BERTH_UTIL_FS_H

#include <stddef.h>
#include <sys/types.h>

#include "util/err.h"

/* mkdir -p with mode for the directories it creates. */
int fs_mkdir_p(const char *path, mode_t mode, struct berr *err);

/* Write data to path atomically: a temporary file beside it, fsync, rename.
 * A reader sees the old content or the new one, never a part. */
int fs_write_atomic(const char *path, const void *data, size_t len, mode_t mode, struct berr *err);

/* The same replace-by-rename without the fsync: for files that are
 * written anew at every use (a crash loses nothing that matters). */
int fs_write_replace(const char *path, const void *data, size_t len, mode_t mode, struct berr *err);

/* Read a whole file; *out is NUL-terminated and owned by the caller. */
int fs_read_file(const char *path, char **out, size_t *len, struct berr *err);

/* rm -rf that does not cross mount points and tolerates a missing path. */
int fs_remove_all(const char *path, struct berr *err);

/* Does path exist (lstat)? */
int fs_exists(const char *path);

#endif
