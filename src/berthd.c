/* berthd: parse the configuration, start the engine, serve the API until
 * SIGTERM or SIGINT, then stop in order. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/api.h"
#include "engine/config.h"
#include "engine/engine.h"
#include "util/log.h"
#include "util/mem.h"

static int wait_for_stop_signal(void)
{
    sigset_t set;
    int sig = 0;

    sigemptyset(&set);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    sigwait(&set, &sig);
    return sig;
}

int main(int argc, char **argv)
{
    struct berth_config cfg = {0};
    struct berr err = BERR_INIT;
    struct engine *engine = NULL;
    struct api_server *srv = NULL;
    sigset_t set;
    int rc;

    /* Block the stop signals in every thread; the main thread takes them
     * with sigwait. */
    sigemptyset(&set);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    pthread_sigmask(SIG_BLOCK, &set, NULL);

    rc = config_load(&cfg, argc, argv, &err);
    if (rc == CONFIG_EXIT) {
        config_release(&cfg);
        return 0;
    }
    if (rc < 0) {
        fprintf(stderr, "berthd: %s\n", berr_msg(&err));
        berr_clear(&err);
        config_release(&cfg);
        return 1;
    }
    log_set_level((enum log_level)log_level_parse(cfg.debug ? "debug" : cfg.log_level));
    if (cfg.validate) {
        printf("configuration OK\n");
        config_release(&cfg);
        return 0;
    }

    log_info("starting berthd %s", BERTH_VERSION);
    if (engine_new(&cfg, &engine, &err) < 0 ||
        api_server_start(engine, cfg.hosts, &srv, &err) < 0) {
        log_error("failed to start daemon: %s", berr_msg(&err));
        fprintf(stderr, "berthd: failed to start daemon: %s\n", berr_msg(&err));
        berr_clear(&err);
        engine_free(engine);
        config_release(&cfg);
        return 1;
    }
    log_info("daemon has completed initialization");

    rc = wait_for_stop_signal();
    log_info("processing signal '%s'", strsignal(rc));

    engine_begin_shutdown(engine);
    api_server_stop(srv);
    engine_free(engine);
    config_release(&cfg);
    log_info("daemon shut down");
    return 0;
}
