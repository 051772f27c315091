/* The content store: blobs named by their sha256 under blobs/sha256/.
 * A blob is written to a temporary file, synced, checked against its
 * digest and only then renamed to its name, so no reader ever sees a
 * partial blob under a digest. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "image/image-internal.h"
#include "util/fs.h"
#include "util/mem.h"

static int write_all(int fd, const void *data, size_t len)
{
    const char *p = data;

    while (len > 0) {
        ssize_t w = write(fd, p, len);
        if (w < 0) {
            if (errno == EINTR)
                continue;
            return -1;
        }
        p += w;
        len -= (size_t)w;
    }
    return 0;
}

/* Hash what actually reached the file, not what we meant to write. */
static int verify_file(const char *path, const char *digest, struct berr *err)
{
    _cleanup_free_ char *data = NULL;
    char got[IMAGE_DIGEST_LEN + 1];
    size_t len;

    if (fs_read_file(path, &data, &len, err) < 0)
        return -1;
    image_digest(data, len, got);
    if (strcmp(got, digest) != 0)
        return berr_system(err, 0, "blob %s: content hashes to %s", digest, got);
    return 0;
}

int blob_put(struct image_store *is, const void *data, size_t len, char *digest_out,
             struct berr *err)
{
    _cleanup_free_ char *tmp = xasprintf("%s/blob-XXXXXX", is->tmp);
    _cleanup_free_ char *dest = NULL;
    _cleanup_close_ int fd = -1;

    image_digest(data, len, digest_out);
    dest = xasprintf("%s/%s", is->blobs, digest_out + 7);
    if (fs_exists(dest))
        return 0;

    fd = mkstemp(tmp);
    if (fd < 0)
        return berr_system(err, errno, "create %s", tmp);
    if (write_all(fd, data, len) < 0 || fsync(fd) < 0 || fchmod(fd, 0644) < 0) {
        berr_system(err, errno, "write %s", tmp);
        unlink(tmp);
        return -1;
    }
    if (verify_file(tmp, digest_out, err) < 0 || rename(tmp, dest) < 0) {
        if (!berr_is_set(err))
            berr_system(err, errno, "rename %s", dest);
        unlink(tmp);
        return -1;
    }
    return 0;
}
