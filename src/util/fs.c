#include "util/fs.h"

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/mem.h"

int fs_mkdir_p(const char *path, mode_t mode, struct berr *err)
{
    _cleanup_free_ char *copy = xstrdup(path);

    for (char *p = copy + 1; *p; p++) {
        if (*p != '/')
            continue;
        *p = '\0';
        if (mkdir(copy, mode) < 0 && errno != EEXIST)
            return berr_system(err, errno, "mkdir %s", copy);
        *p = '/';
    }
    if (mkdir(copy, mode) < 0 && errno != EEXIST)
        return berr_system(err, errno, "mkdir %s", copy);
    return 0;
}

static int write_then_rename(const char *path, const void *data, size_t len, mode_t mode, bool sync,
                             struct berr *err)
{
    _cleanup_free_ char *tmp = xasprintf("%s.tmp-%d", path, (int)gettid());
    _cleanup_close_ int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
    const char *p = data;

    if (fd < 0)
        return berr_system(err, errno, "create %s", tmp);

    while (len > 0) {
        ssize_t n = write(fd, p, len);

        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            int saved = errno;

            unlink(tmp);
            return berr_system(err, saved, "write %s", tmp);
        }
        p += n;
        len -= (size_t)n;
    }

    if ((sync && fsync(fd) < 0) || rename(tmp, path) < 0) {
        int saved = errno;

        unlink(tmp);
        return berr_system(err, saved, "write %s", path);
    }
    return 0;
}

int fs_write_atomic(const char *path, const void *data, size_t len, mode_t mode, struct berr *err)
{
    return write_then_rename(path, data, len, mode, true, err);
}

int fs_write_replace(const char *path, const void *data, size_t len, mode_t mode, struct berr *err)
{
    return write_then_rename(path, data, len, mode, false, err);
}

int fs_read_file(const char *path, char **out, size_t *len, struct berr *err)
{
    _cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC);
    _cleanup_free_ char *buf = NULL;
    size_t cap = 4096;
    size_t used = 0;

    if (fd < 0)
        return berr_set(err, errno == ENOENT ? BERR_NOT_FOUND : BERR_SYSTEM, errno, "open %s",
                        path);

    buf = xmalloc(cap);
    for (;;) {
        ssize_t n;

        if (used + 1 >= cap) {
            cap *= 2;
            buf = xrealloc(buf, cap);
        }
        n = read(fd, buf + used, cap - used - 1);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return berr_system(err, errno, "read %s", path);
        if (n == 0)
            break;
        used += (size_t)n;
    }

    buf[used] = '\0';
    if (len)
        *len = used;
    *out = steal_ptr(buf);
    return 0;
}

static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st;
    (void)ftw;
    if (flag == FTW_DP)
        return rmdir(path) < 0 && errno != ENOENT ? -1 : 0;
    return unlink(path) < 0 && errno != ENOENT ? -1 : 0;
}

int fs_remove_all(const char *path, struct berr *err)
{
    struct stat st;

    if (lstat(path, &st) < 0)
        return errno == ENOENT ? 0 : berr_system(err, errno, "stat %s", path);
    if (!S_ISDIR(st.st_mode)) {
        if (unlink(path) < 0 && errno != ENOENT)
            return berr_system(err, errno, "remove %s", path);
        return 0;
    }
    if (nftw(path, remove_entry, 32, FTW_DEPTH | FTW_PHYS | FTW_MOUNT) < 0)
        return berr_system(err, errno, "remove %s", path);
    return 0;
}

int fs_exists(const char *path)
{
    struct stat st;

    return lstat(path, &st) == 0;
}
