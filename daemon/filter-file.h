/* SPDX-License-Identifier: MIT */
/*
 * filter-file: a filter file read from disk and compiled (decode/filter.h),
 * for `needle run` (filter_file) and `needle decode --filter`. User names
 * in uid, auid and euid matches are looked up here, once, when the file
 * is read (getpwnam: /etc/passwd, or what nsswitch says).
 */
#ifndef NEEDLE_FILTER_FILE_H
#define NEEDLE_FILTER_FILE_H

#include "filter.h"

#include <stddef.h>

/* The largest filter file taken. */
#define FILTER_FILE_MAX (1u << 20)

/* Reads and compiles path. Returns the set, or NULL with err holding
 * every error ("PATH:LINE: what is wrong", one a line; give it
 * FILTER_ERRORS_MAX bytes) and errno EINVAL for a bad file, or the cause
 * of a file that cannot be read ("PATH: cannot open: ..."). */
struct filter_set *filter_file_load(const char *path, char *err, size_t err_size);

#endif
