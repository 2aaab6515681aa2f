/*
 * nfs_notify.c - tell file watchers and poll()ers what the engine changed.
 *
 * The kernel raises no inotify event for content that a FUSE daemon
 * changes by itself, but it does for what a process does through the
 * mount.  So a changed file is touched there: utimensat() on it reaches
 * our setattr (a no-op that succeeds) and the kernel raises IN_ATTRIB,
 * which inotifywait -e attrib and systemd path units act on (tail -f
 * polls FUSE files); then it is opened write-only and closed unwritten,
 * and the kernel raises IN_CLOSE_WRITE, which entr needs: on Linux entr
 * (5.3, entr.c watch_loop) runs its utility for IN_CLOSE_WRITE (its
 * NOTE_WRITE) but for IN_ATTRIB only if stat() shows another mode or
 * inode, and ours never change.  The daemon lets the toucher process, and
 * it alone, open read-only files for writing; a folder (units, versions)
 * gets IN_ATTRIB alone.  So:
 *
 *   engine thread --nfs_notify_change()--> queue --> notifier thread
 *                                                    | fuse_notify_poll(ph)
 *                                          pipe <----+ "units/ID/state\n"
 *                                           |
 *          toucher process: utimensat(MOUNT/path), open(.., O_WRONLY), close
 *
 * The engine's callback only enqueues, under a mutex with a condition
 * variable (Redis bio.c style), coalescing changes of the same unit and
 * handle into one entry (a change that finds the queue full, at QUEUE_MAX
 * distinct entries, is dropped); the notifier lets a batch gather for
 * BATCH_MS before it delivers it, so a burst (the transactions of one
 * submission) costs one touch per file, well within the 100 ms watchers
 * are promised.  The notifier is a thread of its own: never a FUSE
 * handler, never holding an engine lock.
 *
 * The touches themselves are made by a small process forked before the
 * engine and the mount exist, so it holds neither the engine's lock nor
 * the /dev/fuse descriptor.  A daemon thread blocked in a request on its
 * own mount would make kill -9 of the daemon hang for ever (the request
 * waits for an answer that only the dead daemon could give, and the
 * descriptor that would abort it stays open while that thread lives);
 * the toucher's request instead fails as soon as the daemon is gone, and
 * the toucher exits when its pipe closes.
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
#include <sys/wait.h>
#include <unistd.h>

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
static int touch_fd = -1;                /* the toucher's pipe */
static pid_t toucher_pid;

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

/* Touch path: IN_ATTRIB, then IN_CLOSE_WRITE where the daemon lets the
 * write-only open through (see the top of this file).  entr reads the two
 * together (its inotify shim merges them into one event) or IN_ATTRIB
 * alone first, which it ignores, then IN_CLOSE_WRITE: one run either way.
 * The setattr comes first, as before, for the watchers of IN_ATTRIB. */
static void touch_path(const char *path)
{
	int fd;

	if (utimensat(AT_FDCWD, path, NULL, 0) != 0)
		return;
	fd = open(path, O_WRONLY | O_NOCTTY);
	if (fd >= 0)
		close(fd);
}

/* The toucher process: touch_path(MOUNT/line) for each line read from fd,
 * until end of file.  Forked while the daemon has one thread, it keeps to
 * system calls and its own buffers. */
static void toucher(int fd, const char *mnt)
{
	static char buf[8192], path[PATH_MAX];
	size_t mlen = strlen(mnt), have = 0, i, start;
	ssize_t n;

	memcpy(path, mnt, mlen);
	path[mlen++] = '/';
	for (;;) {
		n = read(fd, buf + have, sizeof buf - have);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			_exit(0);
		have += (size_t)n;
		start = 0;
		for (i = 0; i < have; i++) {
			if (buf[i] != '\n')
				continue;
			if (mlen + (i - start) < sizeof path) {
				memcpy(path + mlen, buf + start, i - start);
				path[mlen + (i - start)] = '\0';
				touch_path(path);
			}
			start = i + 1;
		}
		memmove(buf, buf + start, have - start);
		have -= start;
		if (have == sizeof buf)
			have = 0;
	}
}

int nfs_notify_init(void)
{
	int p[2], null;

	if (pipe2(p, O_CLOEXEC) != 0)
		return errno;
	toucher_pid = fork();
	if (toucher_pid < 0) {
		close(p[0]);
		close(p[1]);
		return errno;
	}
	if (toucher_pid == 0) {
		signal(SIGINT, SIG_IGN);
		signal(SIGHUP, SIG_IGN);
		null = open("/dev/null", O_RDWR);
		if (null >= 0) {
			dup2(null, STDIN_FILENO);
			dup2(null, STDOUT_FILENO);
			dup2(null, STDERR_FILENO);
		}
		if (dup2(p[0], 3) != 3)
			_exit(1);
		close_range(4, ~0u, 0);
		toucher(3, nfs.mountpoint);
	}
	close(p[0]);
	touch_fd = p[1];
	return 0;
}

bool nfs_notify_is_toucher(pid_t pid)
{
	return toucher_pid > 0 && pid == toucher_pid;
}

/* Pass rel (a path under the mount) to the toucher. */
static void touch(char *out, size_t *len, size_t cap, const char *rel)
{
	int n = snprintf(out + *len, cap - *len, "%s\n", rel);

	if (n > 0 && (size_t)n < cap - *len)
		*len += (size_t)n;
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

/* The paths a change touches, as lines into out. */
static void deliver(const struct change *c, char *out, size_t *len,
    size_t cap)
{
	char rel[PATH_MAX];
	size_t i;

	if (c->what & ND_CH_EVENTS) {
		poll_wake();
		touch(out, len, cap, "events");
	}
	if (c->unit[0] != '\0')
		for (i = 0; i < sizeof unit_files / sizeof unit_files[0]; i++)
			if (c->what & unit_files[i].bit) {
				snprintf(rel, sizeof rel, "units/%s/%s",
				    c->unit, unit_files[i].file);
				touch(out, len, cap, rel);
			}
	if ((c->what & ND_CH_HANDLE) && c->hid != 0) {
		snprintf(rel, sizeof rel, "handles/%" PRIu64 ".json", c->hid);
		touch(out, len, cap, rel);
	}
	if (c->what & ND_CH_UNITS)
		touch(out, len, cap, "units");
}

/* Write a batch of lines to the toucher (it may be gone: EPIPE). */
static void send_touches(const char *out, size_t len)
{
	ssize_t n;

	while (len > 0) {
		n = write(touch_fd, out, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return;
		out += n;
		len -= (size_t)n;
	}
}

/* Wait until BATCH_MS after the first change of a batch (or a stop), so
 * that the transactions of one submission, which follow each other within
 * milliseconds, coalesce; then deliver the whole batch. */
static void *notifier(void *arg)
{
	TAILQ_HEAD(, change) batch = TAILQ_HEAD_INITIALIZER(batch);
	static char out[16384];
	size_t len = 0;
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
			deliver(c, out, &len, sizeof out);
			free(c);
			if (len > sizeof out - 4096) {
				send_touches(out, len);
				len = 0;
			}
		}
		send_touches(out, len);
		len = 0;
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
	if (touch_fd >= 0) {
		close(touch_fd);
		touch_fd = -1;
		waitpid(toucher_pid, NULL, 0);
	}
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
