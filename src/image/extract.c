/* Safe extraction of tar archives into a directory.
 *
 * Every entry's path is cleaned ("./" and "." dropped) and refused when it
 * is absolute or has a ".." component.  Its parent is resolved beneath the
 * root with openat2(RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS), so an entry
 * under a symlink (one that points out, or anywhere) is refused rather than
 * followed, and the entry itself is created with *at() calls relative to
 * that parent, never following a symlink at its own name.  Hard links must
 * name a target inside the root in the same way.  Layers (o->layer) also
 * keep owners, modes, xattrs and times, and turn whiteouts into overlayfs
 * form: ".wh.<name>" a 0:0 character device, ".wh..wh..opq" the opaque
 * xattr on its directory.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <archive_entry.h>

#include "image/image-internal.h"
#include "util/fs.h"
#include "util/log.h"
#include "util/mem.h"

#define WHITEOUT_PREFIX ".wh."
#define WHITEOUT_OPAQUE ".wh..wh..opq"
#define OPAQUE_XATTR    "trusted.overlay.opaque"

struct dir_time {
    char *path;
    struct timespec ts[2];
};

struct xctx {
    int root_fd;
    const struct extract_opts *o;
    struct dir_time *dirs;
    size_t n_dirs;
};

void cleanup_archive_readp(struct archive **a)
{
    if (*a)
        archive_read_free(*a);
}

static int openat2_fd(int dirfd, const char *path, int flags, uint64_t resolve)
{
    struct open_how how = {.flags = (uint64_t)flags, .resolve = resolve};

    return (int)syscall(SYS_openat2, dirfd, path, &how, sizeof(how));
}

int open_in_root(int root_fd, const char *path, struct berr *err)
{
    int fd =
        openat2_fd(root_fd, path, O_RDONLY | O_CLOEXEC, RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS);

    if (fd < 0)
        return berr_set(err, errno == ENOENT ? BERR_INVALID : BERR_SYSTEM, errno, "open %s", path);
    return fd;
}

int read_in_root(int root_fd, const char *path, char **out, size_t *len, struct berr *err)
{
    _cleanup_close_ int fd = open_in_root(root_fd, path, err);
    _cleanup_free_ char *proc = NULL;

    if (fd < 0)
        return -1;
    proc = xasprintf("/proc/self/fd/%d", fd);
    return fs_read_file(proc, out, len, err);
}

/* Clean an archive path into out: no empty or "." components; refuse
 * absolute paths and "..".  Returns 0, or -1 when refused. */
static int clean_path(const char *name, char **out)
{
    _cleanup_free_ char *copy = xstrdup(name);
    _cleanup_free_ char *res = xcalloc(1, strlen(name) + 1);
    char *save = NULL;

    if (name[0] == '/')
        return -1;
    for (char *c = strtok_r(copy, "/", &save); c; c = strtok_r(NULL, "/", &save)) {
        if (!strcmp(c, "."))
            continue;
        if (!strcmp(c, ".."))
            return -1;
        if (*res)
            strcat(res, "/");
        strcat(res, c);
    }
    *out = steal_ptr(res);
    return 0;
}

/* Open (creating missing directories) the directory dir beneath root,
 * refusing symlinks anywhere on the way. */
static int open_dir_beneath(struct xctx *x, const char *dir, const char *entry, struct berr *err)
{
    const uint64_t how = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS;
    _cleanup_free_ char *copy = NULL;
    int fd;
    char *save = NULL;

    if (!*dir)
        return fcntl(x->root_fd, F_DUPFD_CLOEXEC, 3);
    fd = openat2_fd(x->root_fd, dir, O_PATH | O_DIRECTORY | O_CLOEXEC, how);
    if (fd >= 0)
        return fd;
    if (errno == ELOOP || errno == EXDEV)
        return berr_invalid(err, "refusing archive entry %s: its path goes through a symlink",
                            entry);
    if (errno == ENOTDIR)
        return berr_invalid(err, "refusing archive entry %s: a parent is not a directory", entry);
    if (errno != ENOENT)
        return berr_system(err, errno, "archive entry %s: open %s", entry, dir);

    /* Create the missing directories one at a time, each beneath root. */
    copy = xstrdup(dir);
    fd = fcntl(x->root_fd, F_DUPFD_CLOEXEC, 3);
    for (char *c = strtok_r(copy, "/", &save); c; c = strtok_r(NULL, "/", &save)) {
        int next;
        if (mkdirat(fd, c, 0755) < 0 && errno != EEXIST) {
            close(fd);
            return berr_system(err, errno, "archive entry %s: mkdir %s", entry, c);
        }
        next = openat2_fd(fd, c, O_PATH | O_DIRECTORY | O_CLOEXEC, how);
        close(fd);
        if (next < 0)
            return berr_invalid(err, "refusing archive entry %s: its path goes through a symlink",
                                entry);
        fd = next;
    }
    return fd;
}

/* Remove what is at name, unless it is a directory and keep_dir. */
static int clear_name(int dir_fd, const char *name, bool keep_dir, const char *entry,
                      struct berr *err)
{
    struct stat st;

    if (fstatat(dir_fd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
        return errno == ENOENT ? 0 : berr_system(err, errno, "archive entry %s: stat", entry);
    if (S_ISDIR(st.st_mode)) {
        if (keep_dir)
            return 0;
        if (unlinkat(dir_fd, name, AT_REMOVEDIR) < 0)
            return berr_system(err, errno, "archive entry %s: replace directory", entry);
        return 0;
    }
    if (unlinkat(dir_fd, name, 0) < 0)
        return berr_system(err, errno, "archive entry %s: replace", entry);
    return 0;
}

static void set_xattrs(int fd, struct archive_entry *ent, const char *entry)
{
    const char *name;
    const void *value;
    size_t size;

    archive_entry_xattr_reset(ent);
    while (archive_entry_xattr_next(ent, &name, &value, &size) == ARCHIVE_OK) {
        if (fsetxattr(fd, name, value, size, 0) < 0)
            log_debug("archive entry %s: xattr %s not kept: %s", entry, name, strerror(errno));
    }
}

static void entry_times(struct archive_entry *ent, struct timespec ts[2])
{
    ts[0].tv_sec =
        archive_entry_atime_is_set(ent) ? archive_entry_atime(ent) : archive_entry_mtime(ent);
    ts[0].tv_nsec = archive_entry_atime_is_set(ent) ? archive_entry_atime_nsec(ent) : 0;
    ts[1].tv_sec = archive_entry_mtime(ent);
    ts[1].tv_nsec = archive_entry_mtime_nsec(ent);
}

/* Owner, mode, xattrs and times of what fd (opened O_PATH-free) refers to. */
static int set_meta_fd(struct xctx *x, int fd, struct archive_entry *ent, const char *entry,
                       struct berr *err)
{
    struct timespec ts[2];

    if (!x->o->layer)
        return 0;
    if (fchown(fd, (uid_t)archive_entry_uid(ent), (gid_t)archive_entry_gid(ent)) < 0)
        return berr_system(err, errno, "archive entry %s: chown", entry);
    if (fchmod(fd, archive_entry_perm(ent)) < 0)
        return berr_system(err, errno, "archive entry %s: chmod", entry);
    set_xattrs(fd, ent, entry);
    entry_times(ent, ts);
    futimens(fd, ts);
    return 0;
}

static int write_data(struct archive *a, int fd, const char *entry, struct berr *err)
{
    const void *buf;
    size_t size;
    la_int64_t offset;
    int r;

    while ((r = archive_read_data_block(a, &buf, &size, &offset)) == ARCHIVE_OK) {
        const char *p = buf;
        size_t left = size;
        while (left > 0) {
            ssize_t w = pwrite(fd, p, left, offset);
            if (w < 0)
                return berr_system(err, errno, "archive entry %s: write", entry);
            p += w;
            left -= (size_t)w;
            offset += w;
        }
    }
    if (r != ARCHIVE_EOF)
        return berr_invalid(err, "archive entry %s: %s", entry, archive_error_string(a));
    return 0;
}

static int make_file(struct xctx *x, struct archive *a, struct archive_entry *ent, int dir_fd,
                     const char *base, const char *entry, struct berr *err)
{
    _cleanup_close_ int fd = -1;

    if (clear_name(dir_fd, base, false, entry, err) < 0)
        return -1;
    fd = openat(dir_fd, base, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (fd < 0)
        return berr_system(err, errno, "archive entry %s: create", entry);
    if (write_data(a, fd, entry, err) < 0)
        return -1;
    if (ftruncate(fd, archive_entry_size(ent)) < 0)
        return berr_system(err, errno, "archive entry %s: truncate", entry);
    if (x->o->content_size)
        *x->o->content_size += archive_entry_size(ent);
    if (!x->o->layer)
        return fchmod(fd, 0644) < 0 ? berr_system(err, errno, "chmod %s", entry) : 0;
    return set_meta_fd(x, fd, ent, entry, err);
}

static int make_dir(struct xctx *x, struct archive_entry *ent, int dir_fd, const char *base,
                    const char *path, struct berr *err)
{
    _cleanup_close_ int fd = -1;
    struct dir_time *d;

    if (clear_name(dir_fd, base, true, path, err) < 0)
        return -1;
    if (mkdirat(dir_fd, base, 0700) < 0 && errno != EEXIST)
        return berr_system(err, errno, "archive entry %s: mkdir", path);
    fd = openat(dir_fd, base, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0)
        return berr_system(err, errno, "archive entry %s: open", path);
    if (!x->o->layer)
        return fchmod(fd, 0755) < 0 ? berr_system(err, errno, "chmod %s", path) : 0;
    if (set_meta_fd(x, fd, ent, path, err) < 0)
        return -1;

    /* Later entries change the directory's mtime: set it again at the end. */
    x->dirs = xrealloc(x->dirs, (x->n_dirs + 1) * sizeof(*x->dirs));
    d = &x->dirs[x->n_dirs++];
    d->path = xstrdup(path);
    entry_times(ent, d->ts);
    return 0;
}

static int make_special(struct xctx *x, struct archive_entry *ent, int dir_fd, const char *base,
                        const char *entry, struct berr *err)
{
    mode_t type = archive_entry_filetype(ent);
    struct timespec ts[2];

    if (clear_name(dir_fd, base, false, entry, err) < 0)
        return -1;
    if (type == AE_IFLNK) {
        if (symlinkat(archive_entry_symlink(ent), dir_fd, base) < 0)
            return berr_system(err, errno, "archive entry %s: symlink", entry);
    } else {
        dev_t dev = makedev(archive_entry_rdevmajor(ent), archive_entry_rdevminor(ent));
        if (mknodat(dir_fd, base, type | archive_entry_perm(ent), dev) < 0)
            return berr_system(err, errno, "archive entry %s: mknod", entry);
    }
    if (!x->o->layer)
        return 0;
    if (fchownat(dir_fd, base, (uid_t)archive_entry_uid(ent), (gid_t)archive_entry_gid(ent),
                 AT_SYMLINK_NOFOLLOW) < 0)
        return berr_system(err, errno, "archive entry %s: chown", entry);
    if (type != AE_IFLNK && fchmodat(dir_fd, base, archive_entry_perm(ent), 0) < 0)
        return berr_system(err, errno, "archive entry %s: chmod", entry);
    entry_times(ent, ts);
    utimensat(dir_fd, base, ts, AT_SYMLINK_NOFOLLOW);
    return 0;
}

static int make_hardlink(struct xctx *x, struct archive_entry *ent, int dir_fd, const char *base,
                         const char *entry, struct berr *err)
{
    _cleanup_free_ char *target = NULL;
    _cleanup_close_ int tdir = -1;
    char *slash;

    if (clean_path(archive_entry_hardlink(ent), &target) < 0 || !*target)
        return berr_invalid(err, "refusing archive entry %s: hard link to %s is outside the layer",
                            entry, archive_entry_hardlink(ent));
    slash = strrchr(target, '/');
    if (slash)
        *slash = '\0';
    tdir = open_dir_beneath(x, slash ? target : "", entry, err);
    if (tdir < 0)
        return -1;
    if (clear_name(dir_fd, base, false, entry, err) < 0)
        return -1;
    if (linkat(tdir, slash ? slash + 1 : target, dir_fd, base, 0) < 0)
        return berr_set(err, errno == ENOENT ? BERR_INVALID : BERR_SYSTEM, errno,
                        "archive entry %s: hard link to %s", entry, archive_entry_hardlink(ent));
    return 0;
}

static int make_whiteout(struct xctx *x, int dir_fd, const char *base, const char *entry,
                         struct berr *err)
{
    const char *name = base + strlen(WHITEOUT_PREFIX);

    if (!strcmp(base, WHITEOUT_OPAQUE)) {
        _cleanup_close_ int fd = openat(dir_fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (fd < 0 || fsetxattr(fd, OPAQUE_XATTR, "y", 1, 0) < 0)
            return berr_system(err, errno, "archive entry %s: mark opaque", entry);
        return 0;
    }
    if (!*name || strchr(name, '/'))
        return berr_invalid(err, "refusing archive entry %s: bad whiteout", entry);
    (void)x;
    if (clear_name(dir_fd, name, false, entry, err) < 0)
        return -1;
    if (mknodat(dir_fd, name, S_IFCHR | 0, makedev(0, 0)) < 0)
        return berr_system(err, errno, "archive entry %s: whiteout", entry);
    return 0;
}

static int apply_entry(struct xctx *x, struct archive *a, struct archive_entry *ent,
                       struct berr *err)
{
    const char *entry = archive_entry_pathname(ent);
    _cleanup_free_ char *path = NULL;
    _cleanup_close_ int dir_fd = -1;
    mode_t type = archive_entry_filetype(ent);
    char *slash, *base;

    if (!entry || clean_path(entry, &path) < 0)
        return berr_invalid(err, "refusing archive entry %s: path is outside the layer",
                            entry ? entry : "(no name)");
    if (!*path)
        return 0; /* the root itself */
    slash = strrchr(path, '/');
    base = slash ? slash + 1 : path;
    if (slash)
        *slash = '\0';
    dir_fd = open_dir_beneath(x, slash ? path : "", entry, err);
    if (dir_fd < 0)
        return -1;

    if (x->o->layer && !strncmp(base, WHITEOUT_PREFIX, strlen(WHITEOUT_PREFIX)))
        return make_whiteout(x, dir_fd, base, entry, err);
    if (archive_entry_hardlink(ent))
        return make_hardlink(x, ent, dir_fd, base, entry, err);
    if (slash)
        *slash = '/';
    switch (type) {
    case AE_IFREG:
        return make_file(x, a, ent, dir_fd, base, entry, err);
    case AE_IFDIR:
        return make_dir(x, ent, dir_fd, base, path, err);
    case AE_IFLNK:
    case AE_IFCHR:
    case AE_IFBLK:
    case AE_IFIFO:
        if (!x->o->layer && type != AE_IFLNK)
            return 0;
        return make_special(x, ent, dir_fd, base, entry, err);
    default:
        log_debug("archive entry %s: type %o skipped", entry, (unsigned)type);
        return 0;
    }
}

static void restore_dir_times(struct xctx *x)
{
    for (size_t i = x->n_dirs; i > 0; i--) {
        struct dir_time *d = &x->dirs[i - 1];
        int fd = openat2_fd(x->root_fd, d->path, O_RDONLY | O_DIRECTORY | O_CLOEXEC,
                            RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS);
        if (fd >= 0) {
            futimens(fd, d->ts);
            close(fd);
        }
        free(d->path);
    }
    free(x->dirs);
}

int extract_archive(struct archive *a, int root_fd, const struct extract_opts *o, struct berr *err)
{
    struct xctx x = {.root_fd = root_fd, .o = o};
    struct archive_entry *ent;
    int r, rc = 0;

    while ((r = archive_read_next_header(a, &ent)) == ARCHIVE_OK || r == ARCHIVE_WARN) {
        if (apply_entry(&x, a, ent, err) < 0) {
            rc = -1;
            break;
        }
    }
    if (rc == 0 && r != ARCHIVE_EOF)
        rc = berr_invalid(err, "read archive: %s", archive_error_string(a));
    restore_dir_times(&x);
    return rc;
}
