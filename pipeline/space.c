/* SPDX-License-Identifier: MIT */
/* space.c: the levels and their actions (space.h draws them). */
#include "space.h"

#include <string.h>

uint64_t space_limit_bytes(const struct space_limit *l, uint64_t size)
{
	if (l->percent)
		return size / 100 * l->percent + size % 100 * l->percent / 100;
	return l->mib << 20;
}

void space_check(const struct space_policy *p, struct space_state *st,
		 const struct space_sample *s, struct space_verdict *ret)
{
	bool in[SPACE_LEVELS] = { true }, suspend = false;

	memset(ret, 0, sizeof(*ret));
	ret->threshold[SPACE_LOW] = space_limit_bytes(&p->space_left, s->size);
	ret->threshold[SPACE_ADMIN] = space_limit_bytes(&p->admin_space_left, s->size);
	ret->threshold[SPACE_FULL] = SPACE_FULL_BLOCKS * s->block;
	for (int l = SPACE_LOW; l <= SPACE_ADMIN; l++)
		in[l] = s->free < ret->threshold[l] + (st->in[l] ? SPACE_MARGIN : 0);
	in[SPACE_FULL] = s->full_seen || s->free < ret->threshold[SPACE_FULL] ||
			 (st->in[SPACE_FULL] && s->free < ret->threshold[SPACE_ADMIN] + SPACE_MARGIN);
	for (int l = SPACE_LOW; l < SPACE_LEVELS; l++) {
		ret->entered[l] = in[l] && !st->in[l];
		ret->left[l] = !in[l] && st->in[l];
		st->in[l] = in[l];
		if (!in[l])
			continue;
		ret->level = (enum space_level)l;
		ret->rotate |= p->action[l] == SPACE_ROTATE;
		suspend |= p->action[l] == SPACE_SUSPEND;
	}
	ret->suspend = suspend && !st->suspended;
	ret->resume = !suspend && st->suspended;
	st->suspended = suspend;
}

void space_reset(struct space_state *st)
{
	memset(st->in, 0, sizeof(st->in));
}

const char *space_action_name(enum space_action a)
{
	switch (a) {
	case SPACE_IGNORE: return "ignore";
	case SPACE_SYSLOG: return "syslog";
	case SPACE_ROTATE: return "rotate";
	case SPACE_SUSPEND: return "suspend";
	}
	return "?";
}
