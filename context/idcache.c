/* SPDX-License-Identifier: MIT */
#include "idcache.h"

#include <grp.h>
#include <pwd.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#define IDCACHE_SLOTS 1024 /* direct-mapped: a miss only costs a lookup */

struct entry {
	uint32_t id;
	bool valid, has_name;
	char name[64];
};

struct idcache {
	struct entry users[IDCACHE_SLOTS];
	struct entry groups[IDCACHE_SLOTS];
};

struct idcache *idcache_new(void)
{
	return calloc(1, sizeof(struct idcache));
}

void idcache_free(struct idcache *c)
{
	free(c);
}

static const char *lookup(struct entry *table, uint32_t id, bool user)
{
	struct entry *e = &table[id % IDCACHE_SLOTS];
	char buf[4096];

	if (!e->valid || e->id != id) {
		const char *name = NULL;

		if (user) {
			struct passwd pw, *res = NULL;

			if (getpwuid_r(id, &pw, buf, sizeof(buf), &res) == 0 && res)
				name = res->pw_name;
		} else {
			struct group gr, *res = NULL;

			if (getgrgid_r(id, &gr, buf, sizeof(buf), &res) == 0 && res)
				name = res->gr_name;
		}
		e->id = id;
		e->valid = true;
		e->has_name = name && strlen(name) < sizeof(e->name);
		if (e->has_name)
			strcpy(e->name, name);
	}
	return e->has_name ? e->name : NULL;
}

const char *idcache_user(void *cache, uint32_t uid)
{
	return lookup(((struct idcache *)cache)->users, uid, true);
}

const char *idcache_group(void *cache, uint32_t gid)
{
	return lookup(((struct idcache *)cache)->groups, gid, false);
}
