/* Copy-up: fill a new volume with what the image has at its mount path,
 * as dockerd does for a volume mounted over non-empty image content.
 * Every step is relative to an open directory fd and never follows a
 * symlink, so content of the image cannot redirect a write elsewhere. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <linux/openat2.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "util/log.h"
#include "util/mem.h"
#include "volume/volume.h"

static int copy_tree(int src_dir, int dst_dir, const char *path, struct berr *err);

static void copy_meta(int dst_dir, const char *name, const struct stat *st)
{
    struct timespec times[2] = {st->st_atim, st->st_mtim};

    if (fchownat(dst_dir, name, st->st_uid, st->st_gid, AT_SYMLINK_NOFOLLOW) < 0)
        log_debug("copy-up: chown %s: %s", name, strerror(errno));
    if (!S_ISLNK(st->st_mode) && fchmodat(dst_dir, name, st->st_mode & 07777, 0) < 0)
        log_debug("copy-up: chmod %s: %s", name, strerror(errno));
    utimensat(dst_dir, name, times, AT_SYMLINK_NOFOLLOW);
}

static int copy_file(int src_dir, int dst_dir, const char *name, const struct stat *st,
                     const char *path, struct berr *err)
{
    _cleanup_close_ int in = openat(src_dir, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    _cleanup_close_ int out = -1;
    char buf[65536];
    ssize_t n;

    if (in < 0)
        return berr_system(err, errno, "open %s", path);
    out = openat(dst_dir, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
                 st->st_mode & 0777);
    if (out < 0)
        return berr_system(err, errno, "create %s", path);
    while ((n = read(in, buf, sizeof(buf))) > 0) {
        if (write(out, buf, (size_t)n) != n)
            return berr_system(err, errno, "write %s", path);
    }
    if (n < 0)
        return berr_system(err, errno, "read %s", path);
    return 0;
}

static int copy_link(int src_dir, int dst_dir, const char *name, const char *path, struct berr *err)
{
    char target[4096];
    ssize_t n = readlinkat(src_dir, name, target, sizeof(target) - 1);

    if (n < 0)
        return berr_system(err, errno, "readlink %s", path);
    target[n] = '\0';
    if (symlinkat(target, dst_dir, name) < 0)
        return berr_system(err, errno, "symlink %s", path);
    return 0;
}

static int copy_dir(int src_dir, int dst_dir, const char *name, const struct stat *st,
                    const char *path, struct berr *err)
{
    _cleanup_close_ int in = -1;
    _cleanup_close_ int out = -1;

    if (mkdirat(dst_dir, name, st->st_mode & 0777) < 0 && errno != EEXIST)
        return berr_system(err, errno, "mkdir %s", path);
    in = openat(src_dir, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    out = openat(dst_dir, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (in < 0 || out < 0)
        return berr_system(err, errno, "open %s", path);
    return copy_tree(in, out, path, err);
}

static int copy_entry(int src_dir, int dst_dir, const char *name, const char *parent,
                      struct berr *err)
{
    _cleanup_free_ char *path = xasprintf("%s/%s", parent, name);
    struct stat st;
    int rc;

    if (fstatat(src_dir, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
        return berr_system(err, errno, "stat %s", path);
    if (S_ISDIR(st.st_mode))
        rc = copy_dir(src_dir, dst_dir, name, &st, path, err);
    else if (S_ISREG(st.st_mode))
        rc = copy_file(src_dir, dst_dir, name, &st, path, err);
    else if (S_ISLNK(st.st_mode))
        rc = copy_link(src_dir, dst_dir, name, path, err);
    else if (mknodat(dst_dir, name, st.st_mode, st.st_rdev) < 0)
        rc = berr_system(err, errno, "mknod %s", path);
    else
        rc = 0;
    if (rc == 0)
        copy_meta(dst_dir, name, &st);
    return rc;
}

/* Copy the entries of src_dir into dst_dir (both stay open). */
static int copy_tree(int src_dir, int dst_dir, const char *path, struct berr *err)
{
    int fd = dup(src_dir);
    _cleanup_closedir_ DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
    struct dirent *de;

    if (!d) {
        if (fd >= 0)
            close(fd);
        return berr_system(err, errno, "read %s", path);
    }
    while ((de = readdir(d))) {
        if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
            continue;
        if (copy_entry(src_dir, dst_dir, de->d_name, path, err) < 0)
            return -1;
    }
    return 0;
}

static bool dir_empty(int fd)
{
    int dup_fd = dup(fd);
    _cleanup_closedir_ DIR *d = dup_fd >= 0 ? fdopendir(dup_fd) : NULL;
    struct dirent *de;

    if (!d) {
        if (dup_fd >= 0)
            close(dup_fd);
        return false;
    }
    while ((de = readdir(d))) {
        if (strcmp(de->d_name, ".") && strcmp(de->d_name, ".."))
            return false;
    }
    return true;
}

/* Open path as a directory with root as "/" for every symlink on the
 * way, so an image's link cannot lead out of its root file system. */
static int open_in_root(const char *root, const char *path)
{
    _cleanup_close_ int rootfd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    struct open_how how = {
        .flags = O_RDONLY | O_DIRECTORY | O_CLOEXEC,
        .resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS,
    };

    if (rootfd < 0)
        return -1;
    while (*path == '/')
        path++;
    if (!*path)
        return dup(rootfd);
    return (int)syscall(SYS_openat2, rootfd, path, &how, sizeof(how));
}

int volume_copy_up(const char *root, const char *path, const char *dst, struct berr *err)
{
    _cleanup_close_ int in = open_in_root(root, path);
    _cleanup_close_ int out = open(dst, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    const char *src = path;
    struct stat st;

    if (in < 0)
        return 0;
    if (out < 0)
        return berr_system(err, errno, "open %s", dst);
    if (!dir_empty(out))
        return 0;
    if (copy_tree(in, out, src, err) < 0)
        return berr_wrap(err, "copy-up %s", src);
    if (fstat(in, &st) == 0) {
        struct timespec times[2] = {st.st_atim, st.st_mtim};

        if (fchown(out, st.st_uid, st.st_gid) < 0 || fchmod(out, st.st_mode & 07777) < 0)
            log_debug("copy-up: owner of %s: %s", dst, strerror(errno));
        futimens(out, times);
    }
    log_debug("copied %s into %s", src, dst);
    return 0;
}
