/* SPDX-License-Identifier: MIT */
/*
 * resume.c: the next start's side of the progress note (progress.h):
 * reading the note back, the serials the log holds after its positions
 * (logtail.h), and from both, where each decoder starts.
 *
 *   note (floors, seen bits, open serials, positions) --+
 *   log tail after the positions (serials written) -----+--> accounted(s)
 *        --> per decoder: a floor and the serials above it already written
 *
 * A serial is accounted for when the note says so (below its class's
 * floor, or seen and not open) or the log has it; every other serial below
 * the first the new needle receives is counted lost (cause restart).
 */
#include "progress.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A note whose accounted serials span more than this is not worked out
 * (a decoder's floor stuck far behind the others); see progress_seeds(). */
#define PROGRESS_MAX_SPAN (1u << 24)

/* ---- reading a note back ---- */

void progress_note_free(struct progress_note *n)
{
	for (unsigned i = 0; i < PROGRESS_MAX_SHARDS; i++) {
		free(n->shard[i].open);
		n->shard[i].open = NULL;
	}
}

static bool parse_u64(const char *s, int base, uint64_t max, uint64_t *ret)
{
	char *end;
	unsigned long long v;

	if (!s || !*s || *s == '-' || *s == '+')
		return false;
	errno = 0;
	v = strtoull(s, &end, base);
	if (errno || *end || v > max)
		return false;
	*ret = v;
	return true;
}

/* "shard I floor F at D:I:S seen W,W open S,S" or "shard I -" */
static int parse_shard(struct progress_note *n, char *line, const char **why)
{
	char *save, *tok[11];
	unsigned count = 0;
	uint64_t idx, v;
	struct progress_shard *s;

	for (char *t = strtok_r(line, " ", &save); t; t = strtok_r(NULL, " ", &save)) {
		if (count == 11) {
			*why = "too many fields";
			return -EINVAL;
		}
		tok[count++] = t;
	}
	if (count < 3 || !parse_u64(tok[1], 10, n->shards - 1, &idx)) {
		*why = "expected 'shard INDEX ...' with INDEX below the shard count";
		return -EINVAL;
	}
	s = &n->shard[idx];
	if (s->started || s->open) {
		*why = "shard given twice";
		return -EINVAL;
	}
	if (count == 3 && strcmp(tok[2], "-") == 0)
		return 0;
	if (count != 10 || strcmp(tok[2], "floor") || strcmp(tok[4], "at") || strcmp(tok[6], "seen") ||
	    strcmp(tok[8], "open")) {
		*why = "expected 'shard I floor F at DEV:INO:SIZE|- seen WORDS|- open SERIALS|-'";
		return -EINVAL;
	}
	if (!parse_u64(tok[3], 10, UINT32_MAX, &v)) {
		*why = "floor is not a serial";
		return -EINVAL;
	}
	s->started = true;
	s->floor = (uint32_t)v;
	if (strcmp(tok[5], "-") != 0) {
		char *a = tok[5], *b = strchr(a, ':'), *c = b ? strchr(b + 1, ':') : NULL;

		if (!c) {
			*why = "position is not DEV:INO:SIZE";
			return -EINVAL;
		}
		*b = *c = '\0';
		if (!parse_u64(a, 10, UINT64_MAX, &s->pos.dev) ||
		    !parse_u64(b + 1, 10, UINT64_MAX, &s->pos.ino) ||
		    !parse_u64(c + 1, 10, UINT64_MAX, &s->pos.size)) {
			*why = "position is not DEV:INO:SIZE";
			return -EINVAL;
		}
		s->have_pos = true;
	}
	if (strcmp(tok[7], "-") != 0) {
		unsigned w = 0;
		char *save2;

		for (char *t = strtok_r(tok[7], ",", &save2); t; t = strtok_r(NULL, ",", &save2)) {
			if (w == GAPS_WINDOW / 64 || !parse_u64(t, 16, UINT64_MAX, &s->bits[w])) {
				*why = "seen is not a list of hexadecimal words";
				return -EINVAL;
			}
			w++;
		}
	}
	if (strcmp(tok[9], "-") != 0) {
		size_t cap = 0;
		char *save2;

		for (char *t = strtok_r(tok[9], ",", &save2); t; t = strtok_r(NULL, ",", &save2)) {
			if (!parse_u64(t, 10, UINT32_MAX, &v)) {
				*why = "open is not a list of serials";
				return -EINVAL;
			}
			if (!progress_fit(&s->open, &cap, s->nopen + 1))
				return -ENOMEM;
			s->open[s->nopen++] = (uint32_t)v;
		}
	}
	return 0;
}

int progress_load(const char *path, struct progress_note *ret, char *err, size_t err_size)
{
	FILE *f = fopen(path, "re");
	char *line = NULL;
	size_t cap = 0;
	unsigned lineno = 0;
	bool have_boot = false, have_log = false, have_shards = false;
	const char *why = NULL;
	int r = 0;
	ssize_t len;

	memset(ret, 0, sizeof(*ret));
	if (!f)
		return -errno;
	while ((len = getline(&line, &cap, f)) >= 0) {
		uint64_t v;

		lineno++;
		if (len && line[len - 1] == '\n')
			line[--len] = '\0';
		if (lineno == 1) {
			if (strcmp(line, "needle-progress 1") != 0) {
				why = "not a needle progress note of version 1";
				break;
			}
		} else if (strncmp(line, "boot ", 5) == 0 && !have_boot) {
			snprintf(ret->boot, sizeof(ret->boot), "%s", line + 5);
			have_boot = true;
		} else if (strncmp(line, "log ", 4) == 0 && !have_log) {
			char fmt[8], comp[8];
			unsigned logs;
			int at = 0;

			if (sscanf(line + 4, "%7s %7s %u %n", fmt, comp, &logs, &at) != 3 || !at ||
			    (strcmp(fmt, "json") && strcmp(fmt, "raw")) ||
			    (strcmp(comp, "lz4") && strcmp(comp, "plain")) || !line[4 + at] ||
			    strlen(line + 4 + at) >= sizeof(ret->log.path)) {
				why = "expected 'log json|raw lz4|plain NUM_LOGS PATH'";
				break;
			}
			ret->log.format = strcmp(fmt, "json") == 0 ? LOGTAIL_JSON : LOGTAIL_RAW;
			ret->log.lz4 = strcmp(comp, "lz4") == 0;
			ret->log.num_logs = logs;
			snprintf(ret->log.path, sizeof(ret->log.path), "%s", line + 4 + at);
			have_log = true;
		} else if (strncmp(line, "shards ", 7) == 0 && !have_shards) {
			if (!parse_u64(line + 7, 10, PROGRESS_MAX_SHARDS, &v) || v == 0) {
				why = "shards is not a number from 1 to 64";
				break;
			}
			ret->shards = (unsigned)v;
			have_shards = true;
		} else if (strncmp(line, "shard ", 6) == 0 && have_shards) {
			r = parse_shard(ret, line, &why);
			if (r < 0)
				break;
		} else {
			why = "unknown or repeated line (or a shard before 'shards')";
			break;
		}
	}
	free(line);
	fclose(f);
	if (!why && r == 0 && (!have_boot || !have_log || !have_shards)) {
		why = "incomplete: boot, log and shards lines expected";
		lineno = 0;
	}
	if (why || r < 0) {
		if (r == -ENOMEM)
			snprintf(err, err_size, "%s: out of memory", path);
		else if (lineno)
			snprintf(err, err_size, "%s:%u: %s", path, lineno, why);
		else
			snprintf(err, err_size, "%s: %s", path, why);
		progress_note_free(ret);
		return r < 0 ? r : -EINVAL;
	}
	return 0;
}

/* ---- working out where each decoder starts ---- */

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

static bool contains(const uint32_t *sorted, size_t n, uint32_t v)
{
	return n && bsearch(&v, sorted, n, sizeof(v), cmp_u32) != NULL;
}

/* What the note says of serial s (offset d from origin): accounted for? */
struct view {
	const struct progress_note *note;
	uint32_t origin;
	int64_t floor_rel[PROGRESS_MAX_SHARDS]; /* floors, relative to origin */
	uint32_t *open;                         /* every open serial, sorted */
	size_t nopen;
	const uint32_t *written;
	size_t nwritten;
};

static bool accounted(const struct view *v, uint32_t s)
{
	unsigned shards = v->note->shards, i = s % shards;
	int64_t d = (int64_t)(int32_t)(s - v->origin), k;

	if (contains(v->written, v->nwritten, s))
		return true;
	if (contains(v->open, v->nopen, s))
		return false;
	if (d < v->floor_rel[i])
		return true;
	k = (d - v->floor_rel[i]) / shards;
	if (!v->note->shard[i].started || k >= GAPS_WINDOW)
		return false;
	return v->note->shard[i].bits[k / 64] >> (k % 64) & 1;
}

int progress_seeds(const struct progress_note *note, const uint32_t *written, size_t nwritten,
		   unsigned shards, struct progress_seed *ret)
{
	struct view v = { .note = note, .written = written, .nwritten = nwritten };
	bool any = false, have_floor[PROGRESS_MAX_SHARDS] = { false };
	size_t caps[PROGRESS_MAX_SHARDS] = { 0 };
	int64_t lo = 0, hi = 0;
	int r = 0;

	memset(ret, 0, sizeof(*ret) * shards);
	/* Origin: any started shard's floor; everything is measured from it
	 * in signed 32-bit steps, so serials may wrap in between. */
	for (unsigned i = 0; i < note->shards; i++)
		if (note->shard[i].started && !any) {
			v.origin = note->shard[i].floor;
			any = true;
		}
	if (!any)
		return 0; /* the previous needle saw nothing: nothing to carry */
	for (unsigned i = 0; i < note->shards; i++) {
		const struct progress_shard *s = &note->shard[i];

		v.nopen += s->nopen;
		if (!s->started)
			continue;
		v.floor_rel[i] = (int32_t)(s->floor - v.origin);
		if (v.floor_rel[i] < lo)
			lo = v.floor_rel[i];
		if (v.floor_rel[i] - 1 > hi)
			hi = v.floor_rel[i] - 1;
		for (int k = GAPS_WINDOW - 1; k >= 0; k--)
			if (s->bits[k / 64] >> (k % 64) & 1) {
				if (v.floor_rel[i] + (int64_t)k * note->shards > hi)
					hi = v.floor_rel[i] + (int64_t)k * note->shards;
				break;
			}
	}
	/* A shard that saw nothing accounts for nothing of its class above
	 * the lowest floor (below it: before the previous needle). */
	for (unsigned i = 0; i < note->shards; i++)
		if (!note->shard[i].started)
			v.floor_rel[i] = lo + (int64_t)((i - (v.origin + (uint32_t)lo) % note->shards +
							  note->shards) % note->shards);
	v.open = malloc((v.nopen ? v.nopen : 1) * sizeof(*v.open));
	if (!v.open)
		return -ENOMEM;
	v.nopen = 0;
	for (unsigned i = 0; i < note->shards; i++)
		for (size_t k = 0; k < note->shard[i].nopen; k++) {
			uint32_t s = note->shard[i].open[k];
			int64_t d = (int32_t)(s - v.origin);

			v.open[v.nopen++] = s;
			if (d < lo)
				lo = d;
		}
	qsort(v.open, v.nopen, sizeof(*v.open), cmp_u32);
	for (size_t k = 0; k < nwritten; k++) {
		int64_t d = (int32_t)(written[k] - v.origin);

		if (d > hi)
			hi = d;
	}
	if (hi - lo > PROGRESS_MAX_SPAN) {
		free(v.open);
		return -ERANGE;
	}
	/* One pass from the lowest unaccounted candidate to the highest
	 * accounted serial: each new decoder's floor is the first serial of
	 * its class not accounted for; those accounted above it are marks. */
	for (int64_t d = lo; d <= hi; d++) {
		uint32_t s = v.origin + (uint32_t)d;
		unsigned j = s % shards;
		bool acc = accounted(&v, s);

		if (!have_floor[j]) {
			if (!acc) {
				ret[j].floor = s;
				have_floor[j] = true;
			}
			continue;
		}
		if (acc) {
			if (!progress_fit(&ret[j].marks, &caps[j], ret[j].nmarks + 1)) {
				r = -ENOMEM;
				break;
			}
			ret[j].marks[ret[j].nmarks++] = s;
		}
	}
	for (unsigned j = 0; j < shards && !r; j++) {
		if (!have_floor[j]) {
			/* All of its class up to hi is accounted for. */
			uint32_t s = v.origin + (uint32_t)(hi + 1);

			while (s % shards != j)
				s++;
			ret[j].floor = s;
		}
		ret[j].have = true;
	}
	free(v.open);
	if (r < 0)
		progress_seeds_free(ret, shards);
	return r;
}

void progress_seeds_free(struct progress_seed *seeds, unsigned shards)
{
	for (unsigned j = 0; j < shards; j++) {
		free(seeds[j].marks);
		seeds[j].marks = NULL;
		seeds[j].nmarks = 0;
		seeds[j].have = false;
	}
}

bool progress_resume(const char *path, const char *boot, unsigned shards,
		     struct progress_seed *seeds, char *msg, size_t msg_size)
{
	struct progress_note *note = calloc(1, sizeof(*note));
	struct logtail_result tail = { 0 };
	struct sink_position pos[PROGRESS_MAX_SHARDS];
	char err[700], tail_err[700] = "";
	size_t npos = 0;
	bool ok = false;
	int r;

	msg[0] = '\0';
	if (!note) {
		snprintf(msg, msg_size, "out of memory reading %s: events lost before this start "
			 "are not counted", path);
		return false;
	}
	r = progress_load(path, note, err, sizeof(err));
	if (r == -ENOENT)
		goto free_note;
	if (r < 0) {
		snprintf(msg, msg_size, "%s; events lost before this start are not counted", err);
		goto free_note;
	}
	if (!boot[0] || strcmp(note->boot, boot) != 0) {
		snprintf(msg, msg_size, "%s is from an earlier boot (the kernel numbers events "
			 "from 1 again): nothing to carry over", path);
		goto free_note;
	}
	for (unsigned i = 0; i < note->shards; i++)
		if (note->shard[i].started && note->shard[i].have_pos)
			pos[npos++] = note->shard[i].pos;
	r = npos ? logtail_read(note->log.path, note->log.num_logs, note->log.lz4, note->log.format,
				pos, npos, &tail, tail_err, sizeof(tail_err))
		 : 0;
	if (r < 0) {
		/* Unknown is not written: counted lost, and said. */
		memset(&tail, 0, sizeof(tail));
	}
	r = progress_seeds(note, tail.serials, tail.count, shards, seeds);
	if (r == -ERANGE) {
		snprintf(msg, msg_size, "%s spans more serials than a restart works out; events "
			 "lost before this start are not counted", path);
	} else if (r < 0) {
		snprintf(msg, msg_size, "out of memory working out %s; events lost before this "
			 "start are not counted", path);
	} else if (!seeds[0].have) {
		snprintf(msg, msg_size, "%s: the previous needle had received nothing; nothing to "
			 "carry over", path);
	} else {
		size_t len;

		ok = true;
		len = (size_t)snprintf(msg, msg_size,
				       "resuming from %s (what the previous needle wrote, and %zu "
				       "event(s) in %s after the earliest position it notes): serials "
				       "the kernel used meanwhile that no log has count as lost (cause "
				       "restart)",
				       path, tail.count, note->log.path);
		if (tail.cut_line && len < msg_size)
			len += (size_t)snprintf(msg + len, msg_size - len,
						"; the log's last line was cut by a kill: that event "
						"counts as lost");
		if (tail_err[0] && len < msg_size)
			snprintf(msg + len, msg_size - len,
				 "; %s: the events written after the note count as lost", tail_err);
	}
	free(tail.serials);
free_note:
	progress_note_free(note);
	free(note);
	return ok;
}
