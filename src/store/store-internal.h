#ifndef BERTH_STORE_INTERNAL_H
#define BERTH_STORE_INTERNAL_H

extern const char *const *const store_migrations[];
extern const int store_migration_count;

#endif
