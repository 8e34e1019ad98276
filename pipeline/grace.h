/* SPDX-License-Identifier: MIT */
/*
 * grace: what ThreadSanitizer is told about an RCU grace period, for the
 * objects published behind a C11 atomic pointer and freed after
 * synchronize_rcu() (settings.c, filters.c).
 *
 * TSan cannot see a grace period (liburcu waits with membarrier and
 * futexes it does not instrument): each reader releases the object it
 * read before leaving its section (grace_reader_done), the writer
 * acquires it after synchronize_rcu() (grace_writer_waited), which is the
 * order the grace period guarantees. Without TSan these are nothing.
 */
#ifndef NEEDLE_GRACE_H
#define NEEDLE_GRACE_H

#if defined(__SANITIZE_THREAD__)
#define NEEDLE_TSAN 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define NEEDLE_TSAN 1
#endif
#endif
#ifdef NEEDLE_TSAN
void __tsan_acquire(void *addr);
void __tsan_release(void *addr);
#define grace_reader_done(p) __tsan_release(p)
#define grace_writer_waited(p) __tsan_acquire(p)
#else
#define grace_reader_done(p) ((void)(p))
#define grace_writer_waited(p) ((void)(p))
#endif

#endif
