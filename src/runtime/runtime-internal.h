/* Helpers shared by the files of runtime/. */
#ifndef BERTH_RUNTIME_INTERNAL_H
#define BERTH_RUNTIME_INTERNAL_H

#include <jansson.h>

/* The default seccomp profile for a container whose bounding set is caps
 * (an array of "CAP_X" strings): syscalls that Docker's profile allows
 * only with a capability are refused unless that capability is held. */
json_t *runtime_seccomp_default(const json_t *caps);

/* Every capability the kernel knows, "CAP_"-prefixed, NULL-terminated. */
extern const char *const runtime_all_caps[];

#endif
