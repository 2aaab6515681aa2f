/*
 * nd_persist.c - the state folder: its layout, crash-safe writes, the lock.
 *
 * Layout of the state folder (format 2; format 1 had no journal and is
 * upgraded at open):
 *
 *   format                      "1\n": the layout's version; a newer one is refused
 *   lock                        flock()ed by the daemon; holds its pid
 *   events.jsonl                the event log, JSON Lines, append only
 *   journal                     write-ahead records of the changes not
 *                               yet checkpointed (nd_journal.c); empty
 *                               after a clean close
 *   handles/HID.json            one update handle, as handles/HID.json shows it
 *   handles/HID.source          the source submitted with that handle
 *   units/ID/unit.json          owner, times, routing (active, history of
 *                               earlier actives, canary), last handle and
 *                               error, and every numbered version with its
 *                               state: the truth for what runs
 *   units/ID/policy             the policy file, as written
 *   units/ID/data/              the unit's files for fs.read/fs.write
 *                               (made by nd_call on first use)
 *   units/ID/versions/VER/source     the version's source, byte for byte
 *   units/ID/versions/VER/meta.json  version, handle, source_sha256,
 *                               capabilities, contract, created
 *
 * The next handle id is one above the highest handle file, so ids are
 * never reused; a unit's last handle is the highest of its handles (a
 * submission writes no unit.json).  A retired unit's folder is renamed
 * to units/.retired-ID-MS and removed.
 *
 * How a change reaches the disk (nd_journal.c has the details): its new
 * files are written to temporaries beside them (NAME.tmp.N, ignored at
 * open); one record holding every file of the change and its events is
 * appended to `journal` and made durable by an fdatasync shared with the
 * changes committed at the same time; only then are the temporaries
 * renamed into place and the files it rewrites overwritten in place, none
 * of them synced: until the journal's checkpoint (syncfs, then the
 * journal emptied) the journal is what makes them durable, and a crash
 * replays it at the next open.  So a change is on disk whole or not at
 * all, and a failed write or sync leaves the earlier state.  A handle
 * going from QUEUED to VALIDATING is not written at all: recovery
 * validates both states again.  Without a journal (the format file, the
 * tests of nd_pbatch) a batch is synced itself: temporaries fsync()ed,
 * renamed, their folders fsync()ed.
 *
 * Once a handle has a version, unit.json records the handle's state too
 * (the version entry's handle_state): at open, unit.json's handle_state
 * wins over a handle file that lags behind it.
 *
 * Also here: error values, times, user names, and the fault injection
 * hook for tests (nd_persist_fail_after).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "nd_internal.h"

static _Atomic long fail_after = -1;
static _Atomic unsigned long tmp_counter;

int nd_seterr(nd_err *err, int code, const char *fmt, ...)
{
	va_list ap;

	if (err) {
		err->code = code;
		va_start(ap, fmt);
		vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
		va_end(ap);
	}
	return code;
}

int64_t nd_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void nd_time_fmt(int64_t ms, char buf[32])
{
	time_t s = (time_t)(ms / 1000);
	struct tm tm;
	size_t n;

	gmtime_r(&s, &tm);
	n = strftime(buf, 32, "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(buf + n, 32 - n, ".%03uZ", (unsigned)(ms % 1000) % 1000u);
}

int64_t nd_time_parse(const char *s)
{
	struct tm tm;
	int ms = 0, n = 0;

	if (!s)
		return -1;
	memset(&tm, 0, sizeof(tm));
	if (sscanf(s, "%4d-%2d-%2dT%2d:%2d:%2d.%3dZ%n", &tm.tm_year,
	    &tm.tm_mon, &tm.tm_mday, &tm.tm_hour, &tm.tm_min, &tm.tm_sec, &ms,
	    &n) != 7 || s[n] != '\0')
		return -1;
	tm.tm_year -= 1900;
	tm.tm_mon -= 1;
	return (int64_t)timegm(&tm) * 1000 + ms;
}

void nd_user_name(uid_t uid, char *buf, size_t size)
{
	struct passwd pw, *res = NULL;
	char tmp[1024];

	if (getpwuid_r(uid, &pw, tmp, sizeof(tmp), &res) == 0 && res)
		strlcpy(buf, res->pw_name, size);
	else
		snprintf(buf, size, "%u", (unsigned)uid);
}

void nd_persist_fail_after(long n)
{
	fail_after = n;
}

int nd_persist_check(void)
{
	long n = fail_after;

	while (n > 0) {
		if (atomic_compare_exchange_weak(&fail_after, &n, n - 1))
			return 0;
	}
	if (n == 0) {
		errno = EIO;
		return -1;
	}
	return 0;
}

int nd_write_all(int fd, const void *data, size_t len)
{
	const char *p = data;

	while (len) {
		ssize_t w;

		if (nd_persist_check() < 0)
			return -1;
		w = write(fd, p, len);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return -1;
		p += w;
		len -= (size_t)w;
	}
	return 0;
}

static int sync_fd(int fd)
{
	if (nd_persist_check() < 0)
		return -1;
	return fsync(fd);
}

int nd_fsync_dir(const char *path)
{
	int fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC), r;

	if (fd < 0)
		return -1;
	r = sync_fd(fd);
	close(fd);
	return r;
}

static char *parent_of(const char *path)
{
	char *p = strdup(path), *s;

	if (!p)
		return NULL;
	s = strrchr(p, '/');
	if (s && s != p)
		*s = '\0';
	else if (s)
		s[1] = '\0';
	else
		strcpy(p, ".");
	return p;
}

int nd_mkdir_durable(const char *path, nd_err *err)
{
	char *parent;
	int r;

	if (mkdir(path, 0755) < 0 && errno != EEXIST)
		return nd_seterr(err, EIO, "mkdir %s: %s", path, strerror(errno));
	parent = parent_of(path);
	if (!parent)
		return nd_seterr(err, ENOMEM, "out of memory");
	r = nd_fsync_dir(parent);
	free(parent);
	if (r < 0)
		return nd_seterr(err, EIO, "fsync of the folder of %s: %s", path,
		    strerror(errno));
	return 0;
}

void nd_pb_init(nd_pbatch *pb)
{
	memset(pb, 0, sizeof(*pb));
}

int nd_pwrite_all(int fd, const void *data, size_t len, uint64_t off)
{
	const char *p = data;

	while (len) {
		ssize_t w;

		if (nd_persist_check() < 0)
			return -1;
		w = pwrite(fd, p, len, (off_t)off);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return -1;
		p += w;
		off += (uint64_t)w;
		len -= (size_t)w;
	}
	return 0;
}

int nd_write_inplace(const char *path, const void *data, size_t len)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0644), r;

	if (fd < 0)
		return -1;
	r = nd_pwrite_all(fd, data, len, 0);
	if (r == 0 && ftruncate(fd, (off_t)len) < 0)
		r = -1;
	close(fd);
	return r;
}

/* nd_pb_add, and nd_pb_add_link when from is set. */
static int pb_add(nd_pbatch *pb, const char *path, const void *data,
    size_t len, const char *from, nd_err *err)
{
	bool journaled = pb->j != NULL;
	char *tmp = NULL;
	int fd = -1;

	if (pb->n == ND_PB_MAX)
		return nd_seterr(err, EIO, "too many files in one change");
	pb->f[pb->n].data = NULL;
	pb->f[pb->n].len = len;
	if (journaled) {
		pb->f[pb->n].data = malloc(len ? len : 1);
		if (!pb->f[pb->n].data)
			return nd_seterr(err, ENOMEM, "out of memory");
		memcpy(pb->f[pb->n].data, data, len);
	}
	/* A file the journal rewrites is written in place once the record
	 * is durable (no new inode; a torn write is redone from the
	 * journal).  A new one is written now to a temporary, so that it
	 * appears whole or not at all. */
	if (!journaled || access(path, F_OK) != 0) {
		if (asprintf(&tmp, "%s.tmp.%lu", path, ++tmp_counter) < 0) {
			free(pb->f[pb->n].data);
			return nd_seterr(err, ENOMEM, "out of memory");
		}
		if (from && journaled && link(from, tmp) == 0)
			goto added;     /* the same bytes, no new inode */
		fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
		if (fd < 0 || nd_write_all(fd, data, len) < 0) {
			nd_seterr(err, EIO, "%s %s: %s", fd < 0 ? "create" :
			    "write", fd < 0 ? tmp : path, strerror(errno));
			if (fd >= 0)
				close(fd);
			unlink(tmp);
			free(tmp);
			free(pb->f[pb->n].data);
			return EIO;
		}
		if (!pb->j)
			sync_file_range(fd, 0, 0, SYNC_FILE_RANGE_WRITE);
	}
added:
	pb->f[pb->n].tmp = tmp;
	pb->f[pb->n].path = strdup(path);
	pb->f[pb->n].fd = fd;
	pb->n++;
	return 0;
}

int nd_pb_add(nd_pbatch *pb, const char *path, const void *data, size_t len,
    nd_err *err)
{
	return pb_add(pb, path, data, len, NULL, err);
}

int nd_pb_add_link(nd_pbatch *pb, const char *path, const char *from,
    const void *data, size_t len, nd_err *err)
{
	return pb_add(pb, path, data, len, from, err);
}

int nd_pb_add_json(nd_pbatch *pb, const char *path, const cJSON *j,
    nd_err *err)
{
	char *s = cJSON_PrintUnformatted(j);
	size_t n;
	int r;

	if (!s)
		return nd_seterr(err, ENOMEM, "out of memory");
	n = strlen(s);
	s = realloc(s, n + 2);
	s[n] = '\n';
	s[n + 1] = '\0';
	r = nd_pb_add(pb, path, s, n + 1, err);
	free(s);
	return r;
}

int nd_pb_mkdir(nd_pbatch *pb, const char *path, nd_err *err)
{
	if (pb->nmkdirs == (int)(sizeof(pb->mkdirs) / sizeof(pb->mkdirs[0])))
		return nd_seterr(err, EIO, "too many folders in one change");
	if (mkdir(path, 0755) < 0 && errno != EEXIST)
		return nd_seterr(err, EIO, "mkdir %s: %s", path, strerror(errno));
	pb->mkdirs[pb->nmkdirs++] = strdup(path);   /* its parent synced at commit */
	return 0;
}

static void pb_clear(nd_pbatch *pb)
{
	int i;

	for (i = 0; i < pb->n; i++) {
		if (pb->f[i].fd >= 0)
			close(pb->f[i].fd);
		free(pb->f[i].tmp);
		free(pb->f[i].path);
		free(pb->f[i].data);
	}
	for (i = 0; i < pb->nmkdirs; i++)
		free(pb->mkdirs[i]);
	pb->n = pb->nmkdirs = 0;
}

int nd_pb_rename_all(nd_pbatch *pb)
{
	int i, r = 0;

	for (i = 0; i < pb->n; i++) {
		if (!pb->f[i].tmp) {
			if (nd_write_inplace(pb->f[i].path, pb->f[i].data,
			    pb->f[i].len) < 0)
				r = -1;
			continue;
		}
		close(pb->f[i].fd);
		pb->f[i].fd = -1;
		if (rename(pb->f[i].tmp, pb->f[i].path) < 0) {
			unlink(pb->f[i].tmp);
			r = -1;
		}
	}
	pb_clear(pb);
	return r;
}

int nd_pb_commit(nd_pbatch *pb, nd_err *err)
{
	char *dirs[ND_PB_MAX + 4];
	int ndirs = 0, i, j, r = 0;

	for (i = 0; i < pb->n; i++) {
		if (sync_fd(pb->f[i].fd) < 0) {
			r = nd_seterr(err, EIO, "fsync %s: %s", pb->f[i].path,
			    strerror(errno));
			nd_pb_abort(pb);
			return r;
		}
	}
	for (i = 0; i < pb->n; i++) {
		close(pb->f[i].fd);
		pb->f[i].fd = -1;
	}
	for (i = 0; i < pb->n; i++) {
		if (rename(pb->f[i].tmp, pb->f[i].path) < 0) {
			r = nd_seterr(err, EIO, "rename %s: %s", pb->f[i].path,
			    strerror(errno));
			for (j = i; j < pb->n; j++)
				unlink(pb->f[j].tmp);
			break;
		}
	}
	for (i = 0; i < pb->n + pb->nmkdirs; i++) {
		char *d;

		d = parent_of(i < pb->n ? pb->f[i].path :
		    pb->mkdirs[i - pb->n]);

		for (j = 0; d && j < ndirs; j++)
			if (strcmp(dirs[j], d) == 0)
				break;
		if (d && j == ndirs)
			dirs[ndirs++] = d;
		else
			free(d);
	}
	for (i = 0; i < ndirs; i++) {
		if (!r && nd_fsync_dir(dirs[i]) < 0)
			r = nd_seterr(err, EIO, "fsync %s: %s", dirs[i],
			    strerror(errno));
		free(dirs[i]);
	}
	pb_clear(pb);
	return r;
}

void nd_pb_abort(nd_pbatch *pb)
{
	int i;

	for (i = 0; i < pb->n; i++)
		if (pb->f[i].tmp)
			unlink(pb->f[i].tmp);
	for (i = pb->nmkdirs - 1; i >= 0; i--)
		rmdir(pb->mkdirs[i]);
	pb_clear(pb);
}

char *nd_read_file(const char *path, size_t *len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	struct stat st;
	char *buf;
	size_t n = 0;

	if (fd < 0)
		return NULL;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		errno = EINVAL;
		return NULL;
	}
	buf = malloc((size_t)st.st_size + 1);
	while (buf && n < (size_t)st.st_size) {
		ssize_t r = read(fd, buf + n, (size_t)st.st_size - n);

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		n += (size_t)r;
	}
	close(fd);
	if (!buf)
		return NULL;
	buf[n] = '\0';
	if (len)
		*len = n;
	return buf;
}

cJSON *nd_read_json(const char *path)
{
	size_t n;
	char *s = nd_read_file(path, &n);
	cJSON *j;

	if (!s)
		return NULL;
	j = cJSON_ParseWithLength(s, n);
	free(s);
	return j;
}

int nd_rmtree(const char *path)
{
	DIR *d = opendir(path);
	struct dirent *de;

	if (!d)
		return unlink(path);
	while ((de = readdir(d))) {
		char *p;

		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		if (asprintf(&p, "%s/%s", path, de->d_name) < 0)
			break;
		if (de->d_type == DT_DIR)
			nd_rmtree(p);
		else
			unlink(p);
		free(p);
	}
	closedir(d);
	return rmdir(path);
}

int nd_lock_take(const char *dir, int *fdp, nd_err *err)
{
	char *path, pid[32];
	int fd, n;

	if (asprintf(&path, "%s/lock", dir) < 0)
		return nd_seterr(err, ENOMEM, "out of memory");
	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
	free(path);
	if (fd < 0)
		return nd_seterr(err, EIO, "open %s/lock: %s", dir,
		    strerror(errno));
	if (flock(fd, LOCK_EX | LOCK_NB) < 0) {
		int e = errno;

		n = (int)pread(fd, pid, sizeof(pid) - 1, 0);
		pid[n > 0 ? n : 0] = '\0';
		pid[strcspn(pid, "\n")] = '\0';
		close(fd);
		if (e == EWOULDBLOCK)
			return nd_seterr(err, EBUSY,
			    "state folder %s is in use by process %s", dir,
			    pid[0] ? pid : "(unknown)");
		return nd_seterr(err, EIO, "lock %s: %s", dir, strerror(e));
	}
	n = snprintf(pid, sizeof(pid), "%ld\n", (long)getpid());
	if (ftruncate(fd, 0) < 0 || pwrite(fd, pid, (size_t)n, 0) != n) {
		close(fd);
		return nd_seterr(err, EIO, "write %s/lock: %s", dir,
		    strerror(errno));
	}
	*fdp = fd;
	return 0;
}

int nd_format_check(const char *dir, nd_err *err)
{
	char *path, *s;
	long f = 0;
	int r = 0;
	nd_pbatch pb;

	if (asprintf(&path, "%s/format", dir) < 0)
		return nd_seterr(err, ENOMEM, "out of memory");
	s = nd_read_file(path, NULL);
	if (s) {
		char *end;

		f = strtol(s, &end, 10);
		if (end == s || (*end && *end != '\n') || f < 1)
			r = nd_seterr(err, EINVAL,
			    "state folder %s: format file is malformed", dir);
		else if (f > ND_STATE_FORMAT)
			r = nd_seterr(err, EINVAL,
			    "state folder %s has format %ld, newer than this "
			    "version's %d", dir, f, ND_STATE_FORMAT);
		free(s);
	} else if (errno != ENOENT) {
		r = nd_seterr(err, EIO, "read %s: %s", path, strerror(errno));
	}
	/* a new folder, or format 1 (the same files without a journal):
	 * from now on it needs a daemon that replays the journal */
	if (!r && f < ND_STATE_FORMAT) {
		char buf[16];
		int n = snprintf(buf, sizeof(buf), "%d\n", ND_STATE_FORMAT);

		nd_pb_init(&pb);
		r = nd_pb_add(&pb, path, buf, (size_t)n, err);
		if (!r)
			r = nd_pb_commit(&pb, err);
		else
			nd_pb_abort(&pb);
	}
	free(path);
	return r;
}
