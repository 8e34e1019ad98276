/* SPDX-License-Identifier: MIT */
/* idcache: uid/gid to name, looked up once per id (getpwuid_r/getgrgid_r)
 * and remembered; for decode's format_id_name_fn. One per thread. */
#ifndef NEEDLE_IDCACHE_H
#define NEEDLE_IDCACHE_H

#include <stdint.h>

struct idcache;

struct idcache *idcache_new(void);
void idcache_free(struct idcache *c);

/* Names, or NULL when the id has none. Valid while the cache lives. */
const char *idcache_user(void *cache, uint32_t uid);
const char *idcache_group(void *cache, uint32_t gid);

#endif
