/* Docker's default seccomp policy, expressed as a deny list: everything is
 * allowed except the syscalls Docker's profile leaves out, some of which a
 * capability brings back (as the profile's "includes.caps" rules do). */
#include <stdbool.h>
#include <string.h>

#include "runtime/runtime-internal.h"
#include "util/mem.h"

struct denied {
    const char *cap; /* NULL: denied whatever the capabilities */
    const char *const *names;
};

static const char *const always[] = {
    "acct",
    "add_key",
    "get_kernel_syms",
    "keyctl",
    "kexec_file_load",
    "kexec_load",
    "lookup_dcookie",
    "nfsservctl",
    "query_module",
    "request_key",
    "uselib",
    "userfaultfd",
    "ustat",
    "vm86",
    "vm86old",
    "sysfs",
    "_sysctl",
    "create_module",
    "move_pages",
    "mbind",
    "get_mempolicy",
    "set_mempolicy",
    NULL,
};
static const char *const sys_admin[] = {
    "bpf",
    "fanotify_init",
    "mount",
    "umount",
    "umount2",
    "name_to_handle_at",
    "perf_event_open",
    "pivot_root",
    "quotactl",
    "setns",
    "unshare",
    "swapon",
    "swapoff",
    "fsconfig",
    "fsmount",
    "fsopen",
    "fspick",
    "move_mount",
    "open_tree",
    "mount_setattr",
    NULL,
};
static const char *const sys_ptrace[] = {"ptrace", "process_vm_readv", "process_vm_writev", "kcmp",
                                         NULL};
static const char *const sys_module[] = {"init_module", "finit_module", "delete_module", NULL};
static const char *const sys_time[] = {"settimeofday",  "stime",    "clock_settime",
                                       "clock_adjtime", "adjtimex", NULL};
static const char *const sys_boot[] = {"reboot", NULL};
static const char *const sys_rawio[] = {"iopl", "ioperm", NULL};
static const char *const dac_read[] = {"open_by_handle_at", NULL};

static const struct denied denied[] = {
    {NULL, always},
    {"CAP_SYS_ADMIN", sys_admin},
    {"CAP_SYS_PTRACE", sys_ptrace},
    {"CAP_SYS_MODULE", sys_module},
    {"CAP_SYS_TIME", sys_time},
    {"CAP_SYS_BOOT", sys_boot},
    {"CAP_SYS_RAWIO", sys_rawio},
    {"CAP_DAC_READ_SEARCH", dac_read},
};

static bool has_cap(const json_t *caps, const char *cap)
{
    size_t i;
    json_t *c;

    json_array_foreach(caps, i, c)
    {
        if (json_is_string(c) && !strcmp(json_string_value(c), cap))
            return true;
    }
    return false;
}

json_t *runtime_seccomp_default(const json_t *caps)
{
    json_t *names = json_array();
    json_t *rules;

    for (size_t i = 0; i < ARRAY_SIZE(denied); i++) {
        if (denied[i].cap && has_cap(caps, denied[i].cap))
            continue;
        for (size_t j = 0; denied[i].names[j]; j++)
            json_array_append_new(names, json_string(denied[i].names[j]));
    }

    /* clone3 answers ENOSYS so that libcs fall back to clone. */
    rules = json_pack("[{s:o,s:s,s:i},{s:[s],s:s,s:i}]", "names", names, "action", "SCMP_ACT_ERRNO",
                      "errnoRet", 1, "names", "clone3", "action", "SCMP_ACT_ERRNO", "errnoRet", 38);
    return json_pack("{s:s,s:[s,s,s],s:o}", "defaultAction", "SCMP_ACT_ALLOW", "architectures",
                     "SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32", "syscalls", rules);
}
