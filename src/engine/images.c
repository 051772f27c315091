/* Engine side of the images domain: start-up hook (filled in by its module). */
#include "engine/engine-internal.h"
#include "engine/images.h"

int engine_images_init(struct engine *e, struct berr *err)
{
    (void)e;
    (void)err;
    return 0;
}

int engine_image_get(struct engine *e, const char *ref, char **id_out, json_t **config_out,
                     struct berr *err)
{
    (void)e;
    (void)id_out;
    (void)config_out;
    return berr_not_found(err, "No such image: %s", ref);
}

int engine_image_layer_dirs(struct engine *e, const char *image_id, char ***dirs_out,
                            struct berr *err)
{
    (void)e;
    (void)dirs_out;
    return berr_not_found(err, "No such image: %s", image_id);
}
