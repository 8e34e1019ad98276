/* SPDX-License-Identifier: MIT */
#include "flusher.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdlib.h>

struct flusher {
	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	bool wanted, stop;       /* under lock */
	unsigned long runs;      /* under lock */
	void (*job)(void *arg);
	void *arg;
};

static void *flusher_main(void *arg)
{
	struct flusher *f = arg;

	pthread_mutex_lock(&f->lock);
	for (;;) {
		while (!f->wanted && !f->stop)
			pthread_cond_wait(&f->cond, &f->lock);
		if (f->stop)
			break;
		f->wanted = false;
		pthread_mutex_unlock(&f->lock);
		f->job(f->arg); /* kicks meanwhile set wanted: one more run */
		pthread_mutex_lock(&f->lock);
		f->runs++;
	}
	pthread_mutex_unlock(&f->lock);
	return NULL;
}

struct flusher *flusher_start(void (*job)(void *arg), void *arg)
{
	struct flusher *f = calloc(1, sizeof(*f));
	sigset_t all, old;
	int r;

	if (!f)
		return NULL;
	f->job = job;
	f->arg = arg;
	pthread_mutex_init(&f->lock, NULL);
	pthread_cond_init(&f->cond, NULL);
	/* Signals are the main thread's (run.c): the thread starts with all
	 * of them blocked, whoever starts it. */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	r = pthread_create(&f->thread, NULL, flusher_main, f);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (r) {
		pthread_cond_destroy(&f->cond);
		pthread_mutex_destroy(&f->lock);
		free(f);
		errno = r;
		return NULL;
	}
	pthread_setname_np(f->thread, "needle-flush");
	return f;
}

void flusher_kick(struct flusher *f)
{
	pthread_mutex_lock(&f->lock);
	if (!f->wanted) {
		f->wanted = true;
		pthread_cond_signal(&f->cond);
	}
	pthread_mutex_unlock(&f->lock);
}

void flusher_stop(struct flusher *f)
{
	if (!f)
		return;
	pthread_mutex_lock(&f->lock);
	f->stop = true;
	pthread_cond_signal(&f->cond);
	pthread_mutex_unlock(&f->lock);
	pthread_join(f->thread, NULL);
	pthread_cond_destroy(&f->cond);
	pthread_mutex_destroy(&f->lock);
	free(f);
}

unsigned long flusher_runs(struct flusher *f)
{
	unsigned long n;

	pthread_mutex_lock(&f->lock);
	n = f->runs;
	pthread_mutex_unlock(&f->lock);
	return n;
}
