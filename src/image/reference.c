/* Image references, normalised the way the docker CLI and dockerd do:
 * "busybox" is docker.io/library/busybox:latest, a first component with a
 * dot, a colon or "localhost" is a registry host. */
#include <ctype.h>
#include <string.h>

#include "image/image-internal.h"
#include "util/mem.h"

#define REF_NAME_MAX 255

static bool is_lower_alnum(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

/* One path component: [a-z0-9]+ joined by ".", "_", "__" or runs of "-". */
static bool component_valid(const char *s, size_t n)
{
    size_t i = 0;

    if (n == 0 || !is_lower_alnum(s[0]) || !is_lower_alnum(s[n - 1]))
        return false;
    while (i < n) {
        if (is_lower_alnum(s[i])) {
            i++;
            continue;
        }
        size_t j = i;
        while (j < n && !is_lower_alnum(s[j]))
            j++;
        size_t len = j - i;
        bool dashes = strspn(s + i, "-") >= len;
        bool ok = dashes || (len == 1 && (s[i] == '.' || s[i] == '_')) ||
                  (len == 2 && s[i] == '_' && s[i + 1] == '_');
        if (!ok)
            return false;
        i = j;
    }
    return true;
}

static bool path_valid(const char *path)
{
    const char *p = path;

    for (;;) {
        const char *slash = strchr(p, '/');
        size_t n = slash ? (size_t)(slash - p) : strlen(p);
        if (!component_valid(p, n))
            return false;
        if (!slash)
            return true;
        p = slash + 1;
    }
}

static bool domain_valid(const char *d)
{
    for (const char *p = d; *p; p++) {
        if (!isalnum((unsigned char)*p) && !strchr(".-:[]", *p))
            return false;
    }
    return *d != '\0';
}

static bool tag_valid(const char *t)
{
    size_t n = strlen(t);

    if (n == 0 || n > 128 || !(isalnum((unsigned char)t[0]) || t[0] == '_'))
        return false;
    for (size_t i = 1; i < n; i++) {
        if (!isalnum((unsigned char)t[i]) && !strchr("_.-", t[i]))
            return false;
    }
    return true;
}

static bool is_hex64(const char *s)
{
    return strlen(s) == 64 && strspn(s, "0123456789abcdef") == 64;
}

/* Split "name[:tag][@digest]" into its parts, in place. */
static int split_tag_digest(char *s, char **tag, char **digest, struct berr *err)
{
    char *at = strchr(s, '@');
    char *slash, *colon;

    *tag = NULL;
    *digest = NULL;
    if (at) {
        *at = '\0';
        *digest = at + 1;
        if (!image_digest_valid(*digest))
            return berr_invalid(err, "invalid reference format");
    }
    slash = strrchr(s, '/');
    colon = strrchr(slash ? slash : s, ':');
    if (colon) {
        *colon = '\0';
        *tag = colon + 1;
        if (!tag_valid(*tag))
            return berr_invalid(err, "invalid reference format");
    }
    return 0;
}

static void split_domain(const char *name, char **domain, char **rest)
{
    const char *slash = strchr(name, '/');
    _cleanup_free_ char *first = slash ? xstrndup(name, (size_t)(slash - name)) : NULL;
    bool host = false;

    if (first) {
        bool lower = true;
        for (const char *p = first; *p; p++)
            lower = lower && !isupper((unsigned char)*p);
        host = strpbrk(first, ".:") || !strcmp(first, "localhost") || !lower;
    }
    if (!host) {
        *domain = xstrdup("docker.io");
        *rest = xstrdup(name);
    } else {
        *domain = xstrdup(strcmp(first, "index.docker.io") ? first : "docker.io");
        *rest = xstrdup(slash + 1);
    }
    if (!strcmp(*domain, "docker.io") && !strchr(*rest, '/')) {
        char *lib = xasprintf("library/%s", *rest);
        free(*rest);
        *rest = lib;
    }
}

int image_ref_parse(const char *s, struct image_ref *out, struct berr *err)
{
    _cleanup_free_ char *copy = xstrdup(s);
    char *tag, *digest;

    memset(out, 0, sizeof(*out));
    if (is_hex64(s))
        return berr_invalid(err,
                            "invalid repository name (%s), cannot specify 64-byte "
                            "hexadecimal strings",
                            s);
    if (*s == '\0' || strlen(s) > REF_NAME_MAX + 200)
        return berr_invalid(err, "invalid reference format");
    if (split_tag_digest(copy, &tag, &digest, err) < 0)
        return -1;

    split_domain(copy, &out->domain, &out->path);
    for (const char *p = out->path; *p; p++) {
        if (isupper((unsigned char)*p)) {
            berr_invalid(err, "invalid reference format: repository name (%s) must be lowercase",
                         out->path);
            image_ref_release(out);
            return -1;
        }
    }
    if (!domain_valid(out->domain) || !path_valid(out->path) ||
        strlen(out->domain) + strlen(out->path) + 1 > REF_NAME_MAX) {
        image_ref_release(out);
        return berr_invalid(err, "invalid reference format");
    }
    out->tag = tag ? xstrdup(tag) : NULL;
    out->digest = digest ? xstrdup(digest) : NULL;
    return 0;
}

void image_ref_default_tag(struct image_ref *r)
{
    if (!r->tag && !r->digest)
        r->tag = xstrdup("latest");
}

void image_ref_release(struct image_ref *r)
{
    free(r->domain);
    free(r->path);
    free(r->tag);
    free(r->digest);
    memset(r, 0, sizeof(*r));
}

static char *with_suffix(char *name, const struct image_ref *r)
{
    char *s;

    if (r->digest && r->tag)
        s = xasprintf("%s:%s@%s", name, r->tag, r->digest);
    else if (r->digest)
        s = xasprintf("%s@%s", name, r->digest);
    else if (r->tag)
        s = xasprintf("%s:%s", name, r->tag);
    else
        return name;
    free(name);
    return s;
}

char *image_ref_full(const struct image_ref *r)
{
    return with_suffix(xasprintf("%s/%s", r->domain, r->path), r);
}

char *image_ref_familiar_name(const struct image_ref *r)
{
    if (strcmp(r->domain, "docker.io") != 0)
        return xasprintf("%s/%s", r->domain, r->path);
    if (!strncmp(r->path, "library/", 8) && !strchr(r->path + 8, '/'))
        return xstrdup(r->path + 8);
    return xstrdup(r->path);
}

char *image_ref_familiar(const struct image_ref *r)
{
    return with_suffix(image_ref_familiar_name(r), r);
}

char *image_ref_familiarize(const char *full)
{
    struct image_ref r;
    struct berr err = BERR_INIT;
    char *s;

    if (image_ref_parse(full, &r, &err) < 0) {
        berr_clear(&err);
        return xstrdup(full);
    }
    s = image_ref_familiar(&r);
    image_ref_release(&r);
    return s;
}

bool image_is_id_prefix(const char *id, const char *s)
{
    const char *hex = strncmp(id, "sha256:", 7) ? id : id + 7;

    if (!strncmp(s, "sha256:", 7))
        s += 7;
    return *s && strspn(s, "0123456789abcdef") == strlen(s) && !strncmp(hex, s, strlen(s));
}
