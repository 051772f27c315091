/* Images in and out as archives: docker load, docker import, docker save. */
#include <stdlib.h>
#include <string.h>

#include "engine/images-internal.h"
#include "engine/images.h"
#include "util/json.h"
#include "util/log.h"
#include "util/mem.h"

#define HOST_OS "linux"

static json_t *stream_msg(const char *fmt, const char *a, const char *b)
{
    _cleanup_free_ char *text = xasprintf(fmt, a, b);

    return json_pack("{s:s}", "stream", text);
}

/* ---- load ---- */

struct load_emit {
    engine_image_emit_fn emit;
    void *ctx;
};

static void layer_done(void *ctx, const char *id12, int64_t size)
{
    struct load_emit *le = ctx;
    _cleanup_free_ char *id = xstrndup(id12, 12);

    (void)size;
    le->emit(le->ctx,
             json_pack("{s:s,s:{},s:s}", "status", "Loading layer", "progressDetail", "id", id));
}

static void report(struct engine *e, const struct image_loaded *l, engine_image_emit_fn emit,
                   void *ctx)
{
    for (size_t i = 0; l->tags[i]; i++) {
        if (l->replaced[i] && *l->replaced[i])
            emit(ctx, stream_msg("The image %s already exists, renaming the old one with ID %s "
                                 "to empty string\n",
                                 l->tags[i], l->replaced[i]));
        emit(ctx, stream_msg("Loaded image: %s\n%s", l->tags[i], ""));
    }
    if (!l->tags[0])
        emit(ctx, stream_msg("Loaded image ID: %s\n%s", l->id, ""));
    engine_image_event(e, "load", l->id, l->id);
}

int engine_image_load(struct engine *e, int fd, bool quiet, engine_image_emit_fn emit, void *ctx,
                      struct berr *err)
{
    struct load_emit le = {emit, ctx};
    struct image_load_cb cb = {.layer_done = quiet ? NULL : layer_done, .ctx = &le};
    struct image_loaded *loaded = NULL;
    size_t n = 0;

    if (image_load(e->images, fd, &cb, &loaded, &n, err) < 0)
        return -1;
    for (size_t i = 0; i < n; i++)
        report(e, &loaded[i], emit, ctx);
    image_loaded_free(loaded, n);
    return 0;
}

/* ---- import ---- */

static int import_target(const struct engine_import_opts *o, char **full, char **familiar,
                         struct berr *err)
{
    struct image_ref r;

    *full = *familiar = NULL;
    if (!o->repo || !*o->repo)
        return 0;
    if (image_ref_parse(o->repo, &r, err) < 0)
        return -1;
    if (r.digest) {
        image_ref_release(&r);
        return berr_invalid(err, "cannot import digest reference");
    }
    if (o->tag && *o->tag) {
        free(r.tag);
        r.tag = xstrdup(o->tag);
    }
    image_ref_default_tag(&r);
    *full = image_ref_full(&r);
    *familiar = image_ref_familiar(&r);
    image_ref_release(&r);
    return 0;
}

static int import_platform(const char *platform, char **os, char **arch, char **variant,
                           struct berr *err)
{
    _cleanup_strv_ char **parts = NULL;
    char *save = NULL;
    _cleanup_free_ char *copy = xstrdup(platform ? platform : "");

    for (char *p = strtok_r(copy, "/", &save); p; p = strtok_r(NULL, "/", &save))
        strv_push(&parts, p);
    *os = xstrdup(parts && parts[0] ? parts[0] : HOST_OS);
    *arch = xstrdup(parts && parts[0] && parts[1] ? parts[1] : image_host_arch());
    *variant = parts && parts[0] && parts[1] && parts[2] ? xstrdup(parts[2]) : NULL;
    if (strcmp(*os, HOST_OS) != 0)
        return berr_invalid(err, "operating system is not supported");
    return 0;
}

int engine_image_import(struct engine *e, int fd, const struct engine_import_opts *o,
                        engine_image_emit_fn emit, void *ctx, struct berr *err)
{
    _cleanup_free_ char *full = NULL;
    _cleanup_free_ char *familiar = NULL;
    _cleanup_free_ char *comment = NULL;
    _cleanup_free_ char *os = NULL;
    _cleanup_free_ char *arch = NULL;
    _cleanup_free_ char *variant = NULL;
    _cleanup_free_ char *id = NULL;
    struct image_import_opts io;

    if (import_target(o, &full, &familiar, err) < 0 ||
        import_platform(o->platform, &os, &arch, &variant, err) < 0)
        return -1;
    comment = o->message && *o->message ? xstrdup(o->message)
                                        : xasprintf("Imported from %s", o->src ? o->src : "-");
    io = (struct image_import_opts){
        .changes = o->changes, .comment = comment, .arch = arch, .os = os, .variant = variant};
    if (image_import(e->images, fd, &io, &id, err) < 0)
        return -1;
    if (full && image_tag(e->images, id, full, NULL, err) < 0)
        return -1;
    engine_image_event(e, "import", id, id);
    emit(ctx, json_pack("{s:s}", "status", id));
    return 0;
}

/* ---- save ---- */

struct engine_save_plan {
    struct image_save_item *items;
    size_t n;
};

static void plan_add(struct engine_save_plan *p, const char *id, const char *ref)
{
    struct image_save_item *it = NULL;

    for (size_t i = 0; i < p->n; i++) {
        if (!strcmp(p->items[i].id, id))
            it = &p->items[i];
    }
    if (!it) {
        p->items = xrealloc(p->items, (p->n + 1) * sizeof(*p->items));
        it = &p->items[p->n++];
        it->id = xstrdup(id);
        it->refs = xcalloc(1, sizeof(char *));
    }
    if (ref)
        strv_push(&it->refs, ref);
}

/* A name without tag saves every tag of its repository, as dockerd. */
static int plan_name(struct engine *e, struct engine_save_plan *p, const char *name,
                     struct berr *err)
{
    _cleanup_free_ char *id = NULL;
    _cleanup_free_ char *full = NULL;
    _cleanup_strv_ char **ids = NULL;
    struct image_ref r;
    bool id_like = image_digest_valid(name) || image_is_id_prefix(name, name);

    if (!id_like && image_ref_parse(name, &r, err) < 0)
        return -1;
    if (!id_like && !r.tag && !r.digest) {
        _cleanup_free_ char *repo = image_ref_full(&r);
        size_t len = strlen(repo);
        image_ref_release(&r);
        if (image_list_ids(e->images, &ids, err) < 0)
            return -1;
        for (size_t i = 0; ids[i]; i++) {
            _cleanup_strv_ char **refs = NULL;
            if (image_refs_of(e->images, ids[i], &refs, err) < 0)
                return -1;
            for (size_t j = 0; refs[j]; j++) {
                if (!strncmp(refs[j], repo, len) && refs[j][len] == ':')
                    plan_add(p, ids[i], refs[j]);
            }
        }
        for (size_t i = 0; i < p->n; i++) {
            for (size_t j = 0; p->items[i].refs[j]; j++) {
                if (!strncmp(p->items[i].refs[j], repo, len))
                    return 0;
            }
        }
    } else if (!id_like) {
        if (r.tag)
            full = image_ref_full(&r);
        image_ref_release(&r);
    }
    if (image_resolve(e->images, name, &id, err) < 0)
        return -1;
    plan_add(p, id, full && !strchr(full, '@') ? full : NULL);
    return 0;
}

int engine_image_save_plan(struct engine *e, char *const *names, struct engine_save_plan **out,
                           struct berr *err)
{
    struct engine_save_plan *p = xcalloc(1, sizeof(*p));

    if (!names || !names[0]) {
        free(p);
        return berr_invalid(err, "no images specified");
    }
    for (size_t i = 0; names[i]; i++) {
        if (plan_name(e, p, names[i], err) < 0) {
            engine_save_plan_free(p);
            return -1;
        }
    }
    *out = p;
    return 0;
}

int engine_image_save(struct engine *e, struct engine_save_plan *plan,
                      int (*write)(void *ctx, const void *buf, size_t len), void *ctx,
                      struct berr *err)
{
    if (image_save(e->images, plan->items, plan->n, write, ctx, err) < 0)
        return -1;
    for (size_t i = 0; i < plan->n; i++)
        engine_image_event(e, "save", plan->items[i].id, plan->items[i].id);
    return 0;
}

void engine_save_plan_free(struct engine_save_plan *plan)
{
    if (!plan)
        return;
    for (size_t i = 0; i < plan->n; i++) {
        free((char *)plan->items[i].id);
        strv_free(plan->items[i].refs);
    }
    free(plan->items);
    free(plan);
}
