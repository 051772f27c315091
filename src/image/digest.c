/* sha256 digests in the "sha256:<hex>" form the Engine API uses. */
#include <openssl/evp.h>
#include <stdio.h>
#include <string.h>

#include "image/image-internal.h"
#include "util/mem.h"

struct image_hash {
    EVP_MD_CTX *ctx;
};

struct image_hash *image_hash_new(void)
{
    struct image_hash *h = xmalloc(sizeof(*h));

    h->ctx = EVP_MD_CTX_new();
    if (!h->ctx || EVP_DigestInit_ex(h->ctx, EVP_sha256(), NULL) != 1)
        abort();
    return h;
}

void image_hash_update(struct image_hash *h, const void *data, size_t len)
{
    EVP_DigestUpdate(h->ctx, data, len);
}

void image_hash_free(struct image_hash *h)
{
    if (!h)
        return;
    EVP_MD_CTX_free(h->ctx);
    free(h);
}

void image_hash_finish(struct image_hash *h, char *out)
{
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int n = 0;

    EVP_DigestFinal_ex(h->ctx, md, &n);
    memcpy(out, "sha256:", 7);
    for (unsigned int i = 0; i < n; i++)
        snprintf(out + 7 + 2 * i, 3, "%02x", md[i]);
    image_hash_free(h);
}

void image_digest(const void *data, size_t len, char *out)
{
    struct image_hash *h = image_hash_new();

    image_hash_update(h, data, len);
    image_hash_finish(h, out);
}

bool image_digest_valid(const char *s)
{
    if (strncmp(s, "sha256:", 7) != 0 || strlen(s) != IMAGE_DIGEST_LEN)
        return false;
    return strspn(s + 7, "0123456789abcdef") == 64;
}

void image_chain_id(const char *parent_chain, const char *diff_id, char *out)
{
    _cleanup_free_ char *joined = NULL;

    if (!parent_chain) {
        snprintf(out, IMAGE_DIGEST_LEN + 1, "%s", diff_id);
        return;
    }
    joined = xasprintf("%s %s", parent_chain, diff_id);
    image_digest(joined, strlen(joined), out);
}
