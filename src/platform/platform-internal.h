/* Helpers shared by the Linux and Windows implementations of platform/. */
#ifndef BERTH_PLATFORM_INTERNAL_H
#define BERTH_PLATFORM_INTERNAL_H

#include "platform/platform.h"

/* Append a copy of a warning to *warnings and log it as dockerd does. */
void platform_warn(char ***warnings, const char *text);

/* The HostConfig checks every OS runs before its own (dockerd's
 * validateHostConfig): AutoRemove with a restart policy, the restart
 * policy, CapAdd/CapDrop names, then the isolation, which the OS judges
 * through isolation_valid. */
int platform_check_common(const struct platform_host_config *hc,
                          bool (*isolation_valid)(const char *iso), const char *os,
                          struct berr *err);

/* Split an exec-opt "key=value" (both trimmed); out pointers are owned. */
int platform_parse_kv(const char *opt, char **key, char **val, struct berr *err);

/* Isolation names, case-insensitive; NULL is the default. */
bool platform_isolation_is_default(const char *iso);
bool platform_isolation_is_process(const char *iso);
bool platform_isolation_is_hyperv(const char *iso);

#endif
