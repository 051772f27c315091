/* Helpers shared by the files of runtime/. */
#ifndef BERTH_RUNTIME_INTERNAL_H
#define BERTH_RUNTIME_INTERNAL_H

#include <jansson.h>
#include <sys/types.h>

#include "util/err.h"

/* The default seccomp profile for a container whose bounding set is caps
 * (an array of "CAP_X" strings): syscalls that Docker's profile allows
 * only with a capability are refused unless that capability is held. */
json_t *runtime_seccomp_default(const json_t *caps);

/* Every capability the kernel knows, "CAP_"-prefixed, NULL-terminated. */

/* Forget the container id under the runtime state directory root without
 * the runtime binary, when runc's state shows it stopped (its cgroups and
 * state directory removed).  1 when done or nothing was there, 0 when the
 * runtime must do it. */
int runtime_state_forget(const char *root, const char *id);

/* Start the created container id (init pid) through its exec fifo without
 * the runtime binary.  1 when started, 0 when the runtime must do it, -1
 * with err when the start failed. */
int runtime_state_start(const char *root, const char *id, pid_t pid, struct berr *err);

#endif
