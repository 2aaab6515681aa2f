/*
 * nfs_notify.c - tell file watchers and poll()ers what the engine changed.
 *
 * The kernel raises no inotify event for content that a FUSE daemon
 * changes by itself, but it does when a path is touched through the
 * mount: utimensat() on it reaches our setattr (a no-op that succeeds)
 * and the kernel then raises IN_ATTRIB for inotifywait, entr and systemd
 * path units.  So:
 *
 *   engine thread --nfs_notify_change()--> queue --> notifier thread
 *                                                   utimensat(MOUNT/path)
 *                                                   fuse_notify_poll(ph)
 *
 * The engine's callback only enqueues, under a mutex with a condition
 * variable (Redis bio.c style), coalescing changes of the same unit and
 * handle into one entry; the notifier lets a batch gather for BATCH_MS
 * before it delivers it, so a burst (the four transactions of one
 * submission) costs one touch per file, well within the 100 ms watchers
 * are promised.  Each touch is a path walk and a setattr through FUSE.  The
 * notifier is a thread of its own: never a FUSE handler (its touches are
 * served by the FUSE threads) and never holding an engine lock.
 *
 * Poll: each open `events` description keeps at most one poll handle
 * (libfuse example/poll.c): a new one replaces and destroys the old; when
 * the log grows, the notifier notifies and destroys every kept handle.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "nfs.h"

#define QUEUE_MAX 4096
#define BATCH_MS 10                /* coalescing window; watchers need 100 */

struct change {
	char unit[ND_UNIT_ID_MAX + 1];  /* "" for engine-wide changes */
	uint64_t hid;
	unsigned what;
	TAILQ_ENTRY(change) link;
};

static pthread_mutex_t q_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t q_cond = PTHREAD_COND_INITIALIZER;
static TAILQ_HEAD(, change) queue = TAILQ_HEAD_INITIALIZER(queue);
static size_t qlen;
static bool stopping, running;
static pthread_t thread;

static pthread_mutex_t poll_lock = PTHREAD_MUTEX_INITIALIZER;
static LIST_HEAD(, nfs_file) pollers = LIST_HEAD_INITIALIZER(pollers);

void nfs_notify_change(void *ctx, const nd_change *ch)
{
	const char *unit = ch->unit ? ch->unit : "";
	uint64_t hid = (ch->what & ND_CH_HANDLE) ? ch->hid : 0;
	struct change *c;

	pthread_mutex_lock(&q_lock);
	if (!stopping) {
		TAILQ_FOREACH(c, &queue, link)
			if (c->hid == hid && strcmp(c->unit, unit) == 0)
				break;
		if (c != NULL) {
			c->what |= ch->what;
		} else if (qlen < QUEUE_MAX &&
		    (c = calloc(1, sizeof *c)) != NULL) {
			strlcpy(c->unit, unit, sizeof c->unit);
			c->hid = hid;
			c->what = ch->what;
			TAILQ_INSERT_TAIL(&queue, c, link);
			qlen++;
		}
		pthread_cond_signal(&q_cond);
	}
	pthread_mutex_unlock(&q_lock);
}

static bool is_stopping(void)
{
	bool s;

	pthread_mutex_lock(&q_lock);
	s = stopping;
	pthread_mutex_unlock(&q_lock);
	return s;
}

/* Touch MOUNT/rel (its times become now), raising IN_ATTRIB. */
static void touch(const char *rel)
{
	char path[PATH_MAX];

	if (is_stopping())
		return;
	if (snprintf(path, sizeof path, "%s/%s", nfs.mountpoint, rel) >=
	    (int)sizeof path)
		return;
	utimensat(AT_FDCWD, path, NULL, 0);
}

static void touch_unit(const char *unit, const char *file)
{
	char rel[PATH_MAX];

	snprintf(rel, sizeof rel, "units/%s/%s", unit, file);
	touch(rel);
}

/* Wake every poll()er of `events`. */
static void poll_wake(void)
{
	struct fuse_pollhandle **phs = NULL;
	struct nfs_file *f;
	size_t n = 0, i;

	pthread_mutex_lock(&poll_lock);
	LIST_FOREACH(f, &pollers, pollers)
		n += f->ph != NULL;
	if (n > 0 && (phs = calloc(n, sizeof *phs)) != NULL) {
		i = 0;
		LIST_FOREACH(f, &pollers, pollers) {
			if (f->ph != NULL) {
				phs[i++] = f->ph;
				f->ph = NULL;
			}
		}
	}
	pthread_mutex_unlock(&poll_lock);
	if (phs == NULL)
		return;
	for (i = 0; i < n; i++) {
		fuse_notify_poll(phs[i]);
		fuse_pollhandle_destroy(phs[i]);
	}
	free(phs);
}

static const struct {
	unsigned bit;
	const char *file;
} unit_files[] = {
	{ ND_CH_STATE, "state" },
	{ ND_CH_STATUS, "status" },
	{ ND_CH_ACTIVE, "active" },
	{ ND_CH_VERSIONS, "versions" },
	{ ND_CH_LOG, "log" },
	{ ND_CH_METRICS, "metrics" },
	{ ND_CH_POLICY, "policy" },
};

static void deliver(const struct change *c)
{
	char rel[64];
	size_t i;

	if (c->what & ND_CH_EVENTS) {
		poll_wake();
		touch("events");
	}
	if (c->unit[0] != '\0')
		for (i = 0; i < sizeof unit_files / sizeof unit_files[0]; i++)
			if (c->what & unit_files[i].bit)
				touch_unit(c->unit, unit_files[i].file);
	if ((c->what & ND_CH_HANDLE) && c->hid != 0) {
		snprintf(rel, sizeof rel, "handles/%" PRIu64 ".json", c->hid);
		touch(rel);
	}
	if (c->what & ND_CH_UNITS)
		touch("units");
}

/* Wait until BATCH_MS after the first change of a batch (or a stop), so
 * that the transactions of one submission, which follow each other within
 * milliseconds, coalesce; then deliver the whole batch. */
static void *notifier(void *arg)
{
	TAILQ_HEAD(, change) batch = TAILQ_HEAD_INITIALIZER(batch);
	struct change *c;
	struct timespec until;

	pthread_mutex_lock(&q_lock);
	for (;;) {
		while (TAILQ_EMPTY(&queue) && !stopping)
			pthread_cond_wait(&q_cond, &q_lock);
		clock_gettime(CLOCK_REALTIME, &until);
		until.tv_nsec += BATCH_MS * 1000000L;
		if (until.tv_nsec >= 1000000000L) {
			until.tv_sec++;
			until.tv_nsec -= 1000000000L;
		}
		while (!stopping &&
		    pthread_cond_timedwait(&q_cond, &q_lock, &until) == 0)
			;
		if (stopping)
			break;
		TAILQ_CONCAT(&batch, &queue, link);
		qlen = 0;
		pthread_mutex_unlock(&q_lock);
		while ((c = TAILQ_FIRST(&batch)) != NULL) {
			TAILQ_REMOVE(&batch, c, link);
			deliver(c);
			free(c);
		}
		pthread_mutex_lock(&q_lock);
	}
	pthread_mutex_unlock(&q_lock);
	return NULL;
}

int nfs_notify_start(void)
{
	int rc = pthread_create(&thread, NULL, notifier, NULL);

	running = rc == 0;
	return rc;
}

void nfs_notify_stop(void)
{
	pthread_mutex_lock(&q_lock);
	stopping = true;
	pthread_cond_broadcast(&q_cond);
	pthread_mutex_unlock(&q_lock);
}

void nfs_notify_join(void)
{
	struct change *c;

	if (running)
		pthread_join(thread, NULL);
	running = false;
	pthread_mutex_lock(&q_lock);
	while ((c = TAILQ_FIRST(&queue)) != NULL) {
		TAILQ_REMOVE(&queue, c, link);
		free(c);
	}
	qlen = 0;
	pthread_mutex_unlock(&q_lock);
}

void nfs_notify_poll_set(struct nfs_file *f, struct fuse_pollhandle *ph)
{
	struct fuse_pollhandle *old;

	pthread_mutex_lock(&poll_lock);
	old = f->ph;
	f->ph = ph;
	if (!f->polling) {
		LIST_INSERT_HEAD(&pollers, f, pollers);
		f->polling = true;
	}
	pthread_mutex_unlock(&poll_lock);
	if (old != NULL)
		fuse_pollhandle_destroy(old);
}

void nfs_notify_poll_drop(struct nfs_file *f)
{
	struct fuse_pollhandle *ph;

	pthread_mutex_lock(&poll_lock);
	if (f->polling) {
		LIST_REMOVE(f, pollers);
		f->polling = false;
	}
	ph = f->ph;
	f->ph = NULL;
	pthread_mutex_unlock(&poll_lock);
	if (ph != NULL)
		fuse_pollhandle_destroy(ph);
}
