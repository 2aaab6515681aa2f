/*
 * nfs_nodes.c - the node table of noodlefs, path routing, and what each
 * kind of file does when it is opened, read, written and closed.
 *
 * Design (Plan 9's Dirtab, lxcfs): every file and folder of SPEC.md
 * section 5 is one row of `nodes[]`: a path pattern, a mode, whether the
 * unit's owner owns it, and its handlers.  nfs_route() matches a path
 * against the patterns (first match wins, so the catch-all staging row is
 * last) and checks that what the pattern captured exists.  Folders list
 * the rows below them.
 *
 * Each open is a `struct nfs_file` in fi->fh:
 *  - snapshot files (status, state, ...) render their whole text once, at
 *    open, so every read of a descriptor sees one text, never stale;
 *  - `events` reads the log at the asked offset (it only grows) and its
 *    size grows, so tail -f follows it; poll() wakes on new events;
 *  - `wait` blocks in its first read until the unit is idle;
 *  - request files (submit, policy) gather writes at any offset in a
 *    buffer of their own and act at flush, when bytes came since the last
 *    flush; `ctl` and `call` act at each write;
 *  - replies (submit opened O_RDWR, call) are read from their first byte
 *    whatever the file offset, then end of file.
 *
 * Staging files: any other name created in a unit folder (rsync's
 * .submit.XXXXXX, sed -i's temporary file, an editor's swap file) lives in
 * memory, bounded by max_source bytes and a count per unit and in all;
 * renaming one onto `submit` submits its content, onto `policy` sets the
 * policy.  They are shared by every descriptor that opens them, as files.
 *
 * Read-only snapshot files are also served from the kernel's page cache
 * while their text does not change (see "the kernel's page cache of
 * snapshot files" below).
 *
 * Locking: one mutex per open description; one mutex for the staging
 * table; one per page-cache record and one for their tree.  No lock of
 * ours is held while calling into the engine except a description's own
 * (which only that description's users wait on) and a page-cache
 * record's (which only opens and SETATTRs of that path wait on).
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/tree.h>

#include "nfs.h"

#ifndef __unused
#define __unused __attribute__((unused))   /* sys/tree.h's generated code */
#endif

#define MAX_COMPS 6

/* ---- rendering helpers -------------------------------------------------- */

int nfs_fail(const char *what, int code, const nd_err *err)
{
	if (nfs.debug && code != 0)
		fprintf(stderr, "noodlefs: %s: %s%s%s\n", what, strerror(code),
		    err && err->msg[0] ? ": " : "", err ? err->msg : "");
	return -code;
}

static int r_version(const struct nfs_path *p, char **out, size_t *len)
{
	int n = asprintf(out, "%s\n", ND_VERSION_STRING);

	if (n < 0)
		return -ENOMEM;
	*len = (size_t)n;
	return 0;
}

#define UNIT_RENDER(fn, call) \
	static int fn(const struct nfs_path *p, char **out, size_t *len) \
	{ \
		return -call(nfs.eng, p->unit, out, len); \
	}
UNIT_RENDER(r_state, nd_render_state)
UNIT_RENDER(r_status, nd_render_status)
UNIT_RENDER(r_active, nd_render_active)
UNIT_RENDER(r_policy, nd_render_policy)
UNIT_RENDER(r_metrics, nd_render_metrics)
UNIT_RENDER(r_log, nd_render_log)

static int r_handle(const struct nfs_path *p, char **out, size_t *len)
{
	return -nd_render_handle(nfs.eng, p->hid, out, len);
}

#define VER_RENDER(fn, which) \
	static int fn(const struct nfs_path *p, char **out, size_t *len) \
	{ \
		return -nd_render_version_file(nfs.eng, p->unit, p->ver, \
		    which, out, len); \
	}
VER_RENDER(r_ver_source, ND_VF_SOURCE)
VER_RENDER(r_ver_state, ND_VF_STATE)
VER_RENDER(r_ver_contract, ND_VF_CONTRACT)
VER_RENDER(r_ver_bytecode, ND_VF_BYTECODE)

/* submit read alone: the newest version's source (so `sed -i` edits it),
 * empty when the unit has none. */
static int r_newest_source(const struct nfs_path *p, char **out, size_t *len)
{
	char **vers;
	size_t n;
	int rc = nd_version_list(nfs.eng, p->unit, &vers, &n);

	if (rc != 0)
		return -rc;
	if (n == 0) {
		*out = strdup("");
		*len = 0;
		rc = *out ? 0 : ENOMEM;
	} else {
		rc = nd_render_version_file(nfs.eng, p->unit, vers[n - 1],
		    ND_VF_SOURCE, out, len);
	}
	nd_strv_free(vers, n);
	return -rc;
}

/* ---- text, replies and requests ------------------------------------------ */

static void set_text(struct nfs_file *f, char *text, size_t len)
{
	free(f->text);
	f->text = text;
	f->len = len;
	f->have_text = true;
	f->reply_pos = 0;
}

static int snapshot_open(struct nfs_file *f)
{
	char *text;
	size_t len;
	int rc = f->p.node->render(&f->p, &text, &len);

	if (rc < 0)
		return rc;
	set_text(f, text, len);
	return 0;
}

static int text_read(struct nfs_file *f, char *buf, size_t size, off_t off)
{
	size_t n;

	if (!f->have_text || off < 0 || (size_t)off >= f->len)
		return 0;
	n = f->len - (size_t)off;
	if (n > size)
		n = size;
	memcpy(buf, f->text + off, n);
	return (int)n;
}

/* A reply is read from its first byte whatever the file offset (a shell's
 * `exec 3<>` leaves the offset after what it wrote), then end of file; a
 * read at offset 0 starts it again. */
static int reply_read(struct nfs_file *f, char *buf, size_t size, off_t off)
{
	size_t n;

	if (!f->have_text)
		return 0;
	if (off == 0)
		f->reply_pos = 0;
	n = f->len - f->reply_pos;
	if (n > size)
		n = size;
	memcpy(buf, f->text + f->reply_pos, n);
	f->reply_pos += n;
	return (int)n;
}

/* End the current request: the next write starts a new one. */
static void req_reset(struct nfs_file *f)
{
	f->nreq++;
	free(f->req);
	f->req = NULL;
	f->req_len = 0;
	f->dirty = false;
	f->too_big = false;
}

/* Resize the request to len bytes (zero-filling): EFBIG past max_source. */
static int req_resize(struct nfs_file *f, size_t len)
{
	char *r;

	if (len > nfs.max_source) {
		f->too_big = true;
		f->dirty = true;
		return -EFBIG;
	}
	if (len > f->req_len) {
		r = realloc(f->req, len);
		if (r == NULL)
			return -ENOMEM;
		memset(r + f->req_len, 0, len - f->req_len);
		f->req = r;
	}
	f->req_len = len;
	return 0;
}

/* Put a write into the request.  The first write after a flush starts a
 * new request (and drops the previous reply); its offset is byte 0 of the
 * request unless this is the description's first request, which starts
 * at offset 0 as a file does. */
static int req_write(struct nfs_file *f, const char *buf, size_t size,
    off_t off)
{
	size_t at;
	int rc;

	if (!f->dirty && f->req_len == 0) {
		f->req_base = f->nreq > 0 ? off : 0;
		if (f->p.node->kind == NK_SUBMIT) {
			f->submitted = false;
			f->have_text = false;
		}
	}
	if (f->too_big)
		return -EFBIG;
	if (f->flags & O_APPEND)
		off = f->req_base + (off_t)f->req_len;
	if (off < f->req_base)
		return -EINVAL;
	at = (size_t)(off - f->req_base);
	if (at + size > f->req_len) {
		rc = req_resize(f, at + size);
		if (rc < 0)
			return rc;
	}
	memcpy(f->req + at, buf, size);
	f->dirty = true;
	return (int)size;
}

/* Flush of a request: 0 and nothing to do unless bytes came since the
 * last flush; EFBIG (and nothing done) after an oversized write. */
static int req_pending(struct nfs_file *f)
{
	if (f->too_big) {
		req_reset(f);
		return -EFBIG;
	}
	return f->dirty ? 1 : 0;
}

/* ---- submit --------------------------------------------------------------- */

static int submit_now(struct nfs_file *f)
{
	nd_err err = { 0 };
	uint64_t hid;
	char *text;
	int rc, n;

	rc = req_pending(f);
	if (rc <= 0)
		return rc;
	rc = nd_submit(nfs.eng, f->p.unit, f->req ? f->req : "", f->req_len,
	    f->uid, &hid, &err);
	req_reset(f);
	if (rc != 0)
		return nfs_fail("submit", rc, &err);
	n = asprintf(&text, "%" PRIu64 "\n", hid);
	if (n < 0)
		return -ENOMEM;
	f->hid = hid;
	f->submitted = true;
	set_text(f, text, (size_t)n);
	return 0;
}

static int submit_open(struct nfs_file *f)
{
	if ((f->flags & O_ACCMODE) == O_RDONLY)
		return snapshot_open(f);
	return 0;
}

static int submit_read(struct nfs_file *f, char *buf, size_t size, off_t off)
{
	int rc;

	if ((f->flags & O_ACCMODE) == O_RDONLY)
		return text_read(f, buf, size, off);
	rc = submit_now(f);
	if (rc < 0)
		return rc;
	return f->submitted ? reply_read(f, buf, size, off) : 0;
}

/* A description closed without a flush (it cannot report errors then)
 * still submits what it received, so nothing written is dropped. */
static void submit_release(struct nfs_file *f)
{
	if (f->dirty && !f->too_big)
		submit_now(f);
}

/* ---- ctl, policy, call ---------------------------------------------------- */

static int ctl_write(struct nfs_file *f, const char *buf, size_t size,
    off_t off)
{
	nd_err err = { 0 };
	int rc = nd_ctl(nfs.eng, f->p.unit, buf, size, f->uid, &err);

	return rc != 0 ? nfs_fail("ctl", rc, &err) : (int)size;
}

static int policy_flush(struct nfs_file *f)
{
	nd_err err = { 0 };
	int rc = req_pending(f);

	if (rc <= 0)
		return rc;
	rc = nd_policy_set(nfs.eng, f->p.unit, f->req ? f->req : "",
	    f->req_len, f->uid, &err);
	req_reset(f);
	return rc != 0 ? nfs_fail("policy", rc, &err) : 0;
}

static int call_write(struct nfs_file *f, const char *buf, size_t size,
    off_t off)
{
	nd_err err = { 0 };
	size_t n = size;
	char *json;
	int rc;

	while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == '\r' ||
	    buf[n - 1] == ' ' || buf[n - 1] == '\t'))
		n--;
	if (n == 0)
		return -EINVAL;
	rc = nd_call_text(nfs.eng, f->p.unit, buf, n, &json, &err);
	if (rc != 0)
		return nfs_fail("call", rc, &err);
	set_text(f, json, strlen(json));
	return (int)size;
}

/* ---- events and wait ------------------------------------------------------ */

static int events_read(struct nfs_file *f, char *buf, size_t size, off_t off)
{
	ssize_t n;

	if (off < 0)
		return -EINVAL;
	n = nd_events_read(nfs.eng, buf, size, (uint64_t)off);
	if (n < 0)
		return -EIO;
	if ((uint64_t)off + (uint64_t)n > f->seen)
		f->seen = (uint64_t)off + (uint64_t)n;
	return (int)n;
}

static void events_release(struct nfs_file *f)
{
	nfs_notify_poll_drop(f);
}

/* Ctrl-C on the reader (FUSE interrupt) or the daemon going down. */
static bool wait_cancelled(void *ctx)
{
	struct fuse_context *c = fuse_get_context();

	return fuse_interrupted() ||
	    (c != NULL && c->fuse != NULL &&
	    fuse_session_exited(fuse_get_session(c->fuse)));
}

static int wait_read(struct nfs_file *f, char *buf, size_t size, off_t off)
{
	nd_err err = { 0 };
	uint64_t hid = 0;
	char *text;
	size_t len = 0;
	int rc;

	if (!f->have_text) {
		rc = nd_wait_idle(nfs.eng, f->p.unit, -1, wait_cancelled, NULL,
		    &hid, &err);
		if (rc != 0)
			return nfs_fail("wait", rc, &err);
		if (hid != 0) {
			rc = nd_render_handle(nfs.eng, hid, &text, &len);
			if (rc != 0)
				return -rc;
		} else if ((text = strdup("")) == NULL) {
			return -ENOMEM;
		}
		set_text(f, text, len);
	}
	return text_read(f, buf, size, off);
}

/* ---- the table ------------------------------------------------------------ */

#define DIR_(m) (S_IFDIR | (m))
#define REG_(m) (S_IFREG | (m))

static const struct nfs_node nodes[] = {
	{ "/", NK_ROOT, DIR_(0755), false, NULL, NULL, NULL, NULL, NULL,
	  NULL },
	{ "/version", NK_VERSION, REG_(0444), false, r_version, NULL, NULL,
	  NULL, NULL, NULL },
	{ "/events", NK_EVENTS, REG_(0444), false, NULL, NULL, events_read,
	  NULL, NULL, events_release },
	{ "/units", NK_UNITS, DIR_(01777), false, NULL, NULL, NULL, NULL,
	  NULL, NULL },
	{ "/handles", NK_HANDLES, DIR_(0555), false, NULL, NULL, NULL, NULL,
	  NULL, NULL },
	{ "/handles/%h", NK_HANDLE, REG_(0444), false, r_handle, NULL, NULL,
	  NULL, NULL, NULL },
	{ "/units/%u", NK_UNIT, DIR_(0755), true, NULL, NULL, NULL, NULL,
	  NULL, NULL },
	{ "/units/%u/submit", NK_SUBMIT, REG_(0644), true, r_newest_source,
	  submit_open, submit_read, req_write, submit_now, submit_release },
	{ "/units/%u/state", NK_STATE, REG_(0444), true, r_state, NULL, NULL,
	  NULL, NULL, NULL },
	{ "/units/%u/status", NK_STATUS, REG_(0444), true, r_status, NULL,
	  NULL, NULL, NULL, NULL },
	{ "/units/%u/active", NK_ACTIVE, REG_(0444), true, r_active, NULL,
	  NULL, NULL, NULL, NULL },
	{ "/units/%u/wait", NK_WAIT, REG_(0444), true, NULL, NULL, wait_read,
	  NULL, NULL, NULL },
	{ "/units/%u/ctl", NK_CTL, REG_(0200), true, NULL, NULL, NULL,
	  ctl_write, NULL, NULL },
	{ "/units/%u/policy", NK_POLICY, REG_(0644), true, r_policy,
	  snapshot_open, text_read, req_write, policy_flush, NULL },
	{ "/units/%u/call", NK_CALL, REG_(0666), true, NULL, NULL, reply_read,
	  call_write, NULL, NULL },
	{ "/units/%u/metrics", NK_METRICS, REG_(0444), true, r_metrics, NULL,
	  NULL, NULL, NULL, NULL },
	{ "/units/%u/log", NK_LOG, REG_(0444), true, r_log, NULL, NULL, NULL,
	  NULL, NULL },
	{ "/units/%u/versions", NK_VERSIONS, DIR_(0555), true, NULL, NULL,
	  NULL, NULL, NULL, NULL },
	{ "/units/%u/versions/%v", NK_VER, DIR_(0555), true, NULL, NULL, NULL,
	  NULL, NULL, NULL },
	{ "/units/%u/versions/%v/source", NK_VER_SOURCE, REG_(0444), true,
	  r_ver_source, NULL, NULL, NULL, NULL, NULL },
	{ "/units/%u/versions/%v/state", NK_VER_STATE, REG_(0444), true,
	  r_ver_state, NULL, NULL, NULL, NULL, NULL },
	{ "/units/%u/versions/%v/contract.json", NK_VER_CONTRACT, REG_(0444),
	  true, r_ver_contract, NULL, NULL, NULL, NULL, NULL },
	{ "/units/%u/versions/%v/bytecode", NK_VER_BYTECODE, REG_(0444), true,
	  r_ver_bytecode, NULL, NULL, NULL, NULL, NULL },
	{ "/units/%u/%s", NK_STAGE, REG_(0600), true, NULL, NULL, NULL, NULL,
	  NULL, NULL },
};
#define NNODES (sizeof nodes / sizeof nodes[0])

/* ---- staging files -------------------------------------------------------- */

struct nfs_stage {
	char unit[ND_UNIT_ID_MAX + 1];
	char name[NAME_MAX + 1];
	char *data;
	size_t len;
	mode_t mode;
	uid_t uid;
	gid_t gid;
	struct timespec atime, mtime, ctime;
	int refs;                       /* open descriptions */
	bool linked;                    /* still in the table */
	TAILQ_ENTRY(nfs_stage) link;
};

static pthread_mutex_t stage_lock = PTHREAD_MUTEX_INITIALIZER;
static TAILQ_HEAD(, nfs_stage) stages = TAILQ_HEAD_INITIALIZER(stages);
static size_t nstages;

static struct nfs_stage *stage_find(const char *unit, const char *name)
{
	struct nfs_stage *s;

	TAILQ_FOREACH(s, &stages, link)
		if (strcmp(s->unit, unit) == 0 && strcmp(s->name, name) == 0)
			return s;
	return NULL;
}

static void stage_unlink_locked(struct nfs_stage *s)
{
	TAILQ_REMOVE(&stages, s, link);
	nstages--;
	s->linked = false;
	if (s->refs == 0) {
		free(s->data);
		free(s);
	}
}

int nfs_stage_create(const struct nfs_path *p, mode_t mode, uid_t uid,
    gid_t gid)
{
	struct nfs_stage *s, *it;
	size_t in_unit = 0;
	int rc = 0;

	pthread_mutex_lock(&stage_lock);
	TAILQ_FOREACH(it, &stages, link)
		if (strcmp(it->unit, p->unit) == 0)
			in_unit++;
	if (stage_find(p->unit, p->name) != NULL)
		rc = -EEXIST;
	else if (in_unit >= NFS_STAGE_MAX_PER_UNIT || nstages >= NFS_STAGE_MAX)
		rc = -ENOSPC;
	else if ((s = calloc(1, sizeof *s)) == NULL)
		rc = -ENOMEM;
	if (rc == 0) {
		strlcpy(s->unit, p->unit, sizeof s->unit);
		strlcpy(s->name, p->name, sizeof s->name);
		s->mode = mode & 07777;
		s->uid = uid;
		s->gid = gid;
		clock_gettime(CLOCK_REALTIME, &s->mtime);
		s->atime = s->ctime = s->mtime;
		s->linked = true;
		TAILQ_INSERT_TAIL(&stages, s, link);
		nstages++;
	}
	pthread_mutex_unlock(&stage_lock);
	return rc;
}

int nfs_stage_unlink(const struct nfs_path *p)
{
	struct nfs_stage *s;

	pthread_mutex_lock(&stage_lock);
	s = stage_find(p->unit, p->name);
	if (s != NULL)
		stage_unlink_locked(s);
	pthread_mutex_unlock(&stage_lock);
	return s != NULL ? 0 : -ENOENT;
}

static int stage_resize_locked(struct nfs_stage *s, size_t len)
{
	char *d;

	if (len > nfs.max_source)
		return -EFBIG;
	if (len > s->len) {
		d = realloc(s->data, len);
		if (d == NULL)
			return -ENOMEM;
		memset(d + s->len, 0, len - s->len);
		s->data = d;
	}
	s->len = len;
	clock_gettime(CLOCK_REALTIME, &s->mtime);
	s->ctime = s->mtime;
	return 0;
}

int nfs_stage_truncate(const struct nfs_path *p, off_t size)
{
	struct nfs_stage *s;
	int rc = -ENOENT;

	if (size < 0)
		return -EINVAL;
	pthread_mutex_lock(&stage_lock);
	s = stage_find(p->unit, p->name);
	if (s != NULL)
		rc = stage_resize_locked(s, (size_t)size);
	pthread_mutex_unlock(&stage_lock);
	return rc;
}

int nfs_stage_setattr(const struct nfs_path *p, const mode_t *mode,
    const uid_t *uid, const gid_t *gid, const struct timespec tv[2])
{
	struct nfs_stage *s;
	struct timespec now;

	clock_gettime(CLOCK_REALTIME, &now);
	pthread_mutex_lock(&stage_lock);
	s = stage_find(p->unit, p->name);
	if (s != NULL) {
		if (mode)
			s->mode = *mode & 07777;
		if (uid && *uid != (uid_t)-1)
			s->uid = *uid;
		if (gid && *gid != (gid_t)-1)
			s->gid = *gid;
		if (tv) {
			if (tv[0].tv_nsec != UTIME_OMIT)
				s->atime = tv[0].tv_nsec == UTIME_NOW ? now :
				    tv[0];
			if (tv[1].tv_nsec != UTIME_OMIT)
				s->mtime = tv[1].tv_nsec == UTIME_NOW ? now :
				    tv[1];
		}
		s->ctime = now;
	}
	pthread_mutex_unlock(&stage_lock);
	return s != NULL ? 0 : -ENOENT;
}

/* Copy a staging file's content, to hand it to the engine unlocked. */
static int stage_copy(const struct nfs_path *p, char **data, size_t *len)
{
	struct nfs_stage *s;
	int rc = 0;

	pthread_mutex_lock(&stage_lock);
	s = stage_find(p->unit, p->name);
	if (s == NULL) {
		rc = -ENOENT;
	} else {
		*data = malloc(s->len + 1);
		if (*data == NULL) {
			rc = -ENOMEM;
		} else {
			if (s->len > 0)
				memcpy(*data, s->data, s->len);
			*len = s->len;
		}
	}
	pthread_mutex_unlock(&stage_lock);
	return rc;
}

int nfs_stage_rename(const struct nfs_path *from, const struct nfs_path *to,
    uid_t uid, unsigned flags)
{
	nd_err err = { 0 };
	struct nfs_stage *s, *t;
	uint64_t hid;
	char *data;
	size_t len;
	int rc;

	if (strcmp(from->unit, to->unit) != 0)
		return -EXDEV;
	if (flags & RENAME_EXCHANGE)
		return -EINVAL;
	if (to->node->kind == NK_SUBMIT || to->node->kind == NK_POLICY) {
		if (flags & RENAME_NOREPLACE)
			return -EEXIST;
		rc = stage_copy(from, &data, &len);
		if (rc < 0)
			return rc;
		if (to->node->kind == NK_SUBMIT)
			rc = nd_submit(nfs.eng, to->unit, data, len, uid, &hid,
			    &err);
		else
			rc = nd_policy_set(nfs.eng, to->unit, data, len, uid,
			    &err);
		free(data);
		if (rc != 0)
			return nfs_fail("rename", rc, &err);
		nfs_stage_unlink(from);
		return 0;
	}
	if (to->node->kind != NK_STAGE)
		return -EPERM;
	pthread_mutex_lock(&stage_lock);
	s = stage_find(from->unit, from->name);
	t = stage_find(to->unit, to->name);
	if (s == NULL) {
		rc = -ENOENT;
	} else if (t != NULL && (flags & RENAME_NOREPLACE)) {
		rc = -EEXIST;
	} else {
		if (t != NULL && t != s)
			stage_unlink_locked(t);
		strlcpy(s->name, to->name, sizeof s->name);
		clock_gettime(CLOCK_REALTIME, &s->ctime);
		rc = 0;
	}
	pthread_mutex_unlock(&stage_lock);
	return rc;
}

void nfs_stage_drop_unit(const char *unit)
{
	struct nfs_stage *s, *next;

	pthread_mutex_lock(&stage_lock);
	for (s = TAILQ_FIRST(&stages); s != NULL; s = next) {
		next = TAILQ_NEXT(s, link);
		if (strcmp(s->unit, unit) == 0)
			stage_unlink_locked(s);
	}
	pthread_mutex_unlock(&stage_lock);
}

static int stage_open(struct nfs_file *f)
{
	struct nfs_stage *s;

	pthread_mutex_lock(&stage_lock);
	s = stage_find(f->p.unit, f->p.name);
	if (s != NULL) {
		s->refs++;
		f->stage = s;
		if (f->flags & O_TRUNC)
			stage_resize_locked(s, 0);
	}
	pthread_mutex_unlock(&stage_lock);
	return s != NULL ? 0 : -ENOENT;
}

static int stage_read(struct nfs_file *f, char *buf, size_t size, off_t off)
{
	struct nfs_stage *s = f->stage;
	size_t n = 0;

	pthread_mutex_lock(&stage_lock);
	if (off >= 0 && (size_t)off < s->len) {
		n = s->len - (size_t)off;
		if (n > size)
			n = size;
		memcpy(buf, s->data + off, n);
	}
	pthread_mutex_unlock(&stage_lock);
	return (int)n;
}

static int stage_write(struct nfs_file *f, const char *buf, size_t size,
    off_t off)
{
	struct nfs_stage *s = f->stage;
	int rc = 0;

	pthread_mutex_lock(&stage_lock);
	if (f->flags & O_APPEND)
		off = (off_t)s->len;
	if (off < 0)
		rc = -EINVAL;
	else if ((size_t)off + size > s->len)
		rc = stage_resize_locked(s, (size_t)off + size);
	if (rc == 0) {
		memcpy(s->data + off, buf, size);
		clock_gettime(CLOCK_REALTIME, &s->mtime);
		s->ctime = s->mtime;
	}
	pthread_mutex_unlock(&stage_lock);
	return rc < 0 ? rc : (int)size;
}

static void stage_release(struct nfs_file *f)
{
	struct nfs_stage *s = f->stage;

	pthread_mutex_lock(&stage_lock);
	if (--s->refs == 0 && !s->linked) {
		free(s->data);
		free(s);
	}
	pthread_mutex_unlock(&stage_lock);
	f->stage = NULL;
}

/* ---- unlinked submit files ------------------------------------------------- */

/* install(1) unlinks its target, then creates it with O_EXCL.  So an
 * unlink of `submit` hides it from lookups until the next create of it, or
 * for SUBMIT_HIDE_MS at most; the unit is not changed. */
#define SUBMIT_HIDE_MS 2000

struct hidden {
	char unit[ND_UNIT_ID_MAX + 1];
	struct timespec until;
	TAILQ_ENTRY(hidden) link;
};
static TAILQ_HEAD(, hidden) hiddens = TAILQ_HEAD_INITIALIZER(hiddens);

/* Whether unit's submit is hidden; forgets expired entries (stage_lock). */
static bool hidden_locked(const char *unit)
{
	struct hidden *h, *next;
	struct timespec now;
	bool found = false;

	clock_gettime(CLOCK_MONOTONIC, &now);
	for (h = TAILQ_FIRST(&hiddens); h != NULL; h = next) {
		next = TAILQ_NEXT(h, link);
		if (now.tv_sec > h->until.tv_sec ||
		    (now.tv_sec == h->until.tv_sec &&
		    now.tv_nsec >= h->until.tv_nsec)) {
			TAILQ_REMOVE(&hiddens, h, link);
			free(h);
		} else if (strcmp(h->unit, unit) == 0) {
			found = true;
		}
	}
	return found;
}

int nfs_submit_hide(const char *unit)
{
	struct hidden *h;
	int rc = 0;

	pthread_mutex_lock(&stage_lock);
	if (!hidden_locked(unit)) {
		h = calloc(1, sizeof *h);
		if (h == NULL) {
			rc = -ENOMEM;
		} else {
			strlcpy(h->unit, unit, sizeof h->unit);
			clock_gettime(CLOCK_MONOTONIC, &h->until);
			h->until.tv_sec += SUBMIT_HIDE_MS / 1000;
			TAILQ_INSERT_TAIL(&hiddens, h, link);
		}
	}
	pthread_mutex_unlock(&stage_lock);
	return rc;
}

void nfs_submit_unhide(const char *unit)
{
	struct hidden *h, *next;

	pthread_mutex_lock(&stage_lock);
	for (h = TAILQ_FIRST(&hiddens); h != NULL; h = next) {
		next = TAILQ_NEXT(h, link);
		if (strcmp(h->unit, unit) == 0) {
			TAILQ_REMOVE(&hiddens, h, link);
			free(h);
		}
	}
	pthread_mutex_unlock(&stage_lock);
}

static bool submit_hidden(const char *unit)
{
	bool found;

	pthread_mutex_lock(&stage_lock);
	found = !TAILQ_EMPTY(&hiddens) && hidden_locked(unit);
	pthread_mutex_unlock(&stage_lock);
	return found;
}

/* ---- routing -------------------------------------------------------------- */

static int split(const char *path, char comps[MAX_COMPS][NAME_MAX + 1])
{
	int n = 0;
	const char *s = path, *e;
	size_t len;

	while (*s == '/')
		s++;
	while (*s != '\0') {
		e = strchr(s, '/');
		len = e ? (size_t)(e - s) : strlen(s);
		if (n == MAX_COMPS)
			return -ENOENT;
		if (len > NAME_MAX)
			return -ENAMETOOLONG;
		memcpy(comps[n], s, len);
		comps[n][len] = '\0';
		n++;
		s += len;
		while (*s == '/')
			s++;
	}
	return n;
}

/* "N.json", N decimal without leading zeros. */
static bool parse_hid(const char *name, uint64_t *hid)
{
	uint64_t v = 0;
	const char *s = name;

	if (*s < '1' || *s > '9')
		return false;
	for (; *s >= '0' && *s <= '9'; s++) {
		if (v > (UINT64_MAX - 9) / 10)
			return false;
		v = v * 10 + (uint64_t)(*s - '0');
	}
	if (strcmp(s, ".json") != 0)
		return false;
	*hid = v;
	return true;
}

/* Match path components against one row's pattern, capturing. */
static bool match(const struct nfs_node *n, char comps[][NAME_MAX + 1],
    int ncomps, struct nfs_path *p)
{
	const char *s = n->pattern, *e;
	char pc[NAME_MAX + 1];
	size_t len;
	int i = 0;

	while (*s == '/')
		s++;
	while (*s != '\0') {
		e = strchr(s, '/');
		len = e ? (size_t)(e - s) : strlen(s);
		if (i == ncomps)
			return false;
		memcpy(pc, s, len);
		pc[len] = '\0';
		if (strcmp(pc, "%u") == 0) {
			if (!nd_unit_id_valid(comps[i]))
				return false;
			strlcpy(p->unit, comps[i], sizeof p->unit);
		} else if (strcmp(pc, "%v") == 0) {
			if (strlen(comps[i]) >= sizeof p->ver)
				return false;
			strlcpy(p->ver, comps[i], sizeof p->ver);
		} else if (strcmp(pc, "%h") == 0) {
			if (!parse_hid(comps[i], &p->hid))
				return false;
		} else if (strcmp(pc, "%s") == 0) {
			strlcpy(p->name, comps[i], sizeof p->name);
		} else if (strcmp(pc, comps[i]) != 0) {
			return false;
		}
		i++;
		s += len;
		while (*s == '/')
			s++;
	}
	return i == ncomps;
}

static bool version_exists(const char *unit, const char *ver)
{
	char **vers;
	size_t n, i;
	bool found = false;

	if (nd_version_list(nfs.eng, unit, &vers, &n) != 0)
		return false;
	for (i = 0; i < n && !found; i++)
		found = strcmp(vers[i], ver) == 0;
	nd_strv_free(vers, n);
	return found;
}

static int cmp_hid(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static bool handle_exists(uint64_t hid)
{
	uint64_t *hids;
	size_t n;
	bool found;

	if (nd_handle_list(nfs.eng, &hids, &n) != 0)
		return false;
	found = n > 0 && bsearch(&hid, hids, n, sizeof *hids, cmp_hid);
	free(hids);
	return found;
}

static bool stage_exists(const char *unit, const char *name)
{
	bool found;

	pthread_mutex_lock(&stage_lock);
	found = stage_find(unit, name) != NULL;
	pthread_mutex_unlock(&stage_lock);
	return found;
}

int nfs_route(const char *path, struct nfs_path *p, bool may_be_new)
{
	char comps[MAX_COMPS][NAME_MAX + 1];
	const struct nfs_node *n = NULL;
	int ncomps = split(path, comps);
	size_t i;
	bool last_new;

	if (ncomps < 0)
		return ncomps;
	memset(p, 0, sizeof *p);
	for (i = 0; i < NNODES && n == NULL; i++)
		if (match(&nodes[i], comps, ncomps, p))
			n = &nodes[i];
	if (n == NULL) {
		if (may_be_new && ncomps == 2 && strcmp(comps[0], "units") == 0)
			return -EINVAL;
		return -ENOENT;
	}
	p->node = n;
	p->exists = true;
	if (strstr(n->pattern, "%u") != NULL &&
	    nd_unit_info_get(nfs.eng, p->unit, &p->info) != 0) {
		if (!(may_be_new && n->kind == NK_UNIT))
			return -ENOENT;
		p->exists = false;
		return 0;
	}
	last_new = false;
	switch (n->kind) {
	case NK_VER:
	case NK_VER_SOURCE:
	case NK_VER_STATE:
	case NK_VER_CONTRACT:
	case NK_VER_BYTECODE:
		if (!version_exists(p->unit, p->ver))
			return -ENOENT;
		break;
	case NK_HANDLE:
		if (!handle_exists(p->hid))
			return -ENOENT;
		break;
	case NK_STAGE:
		last_new = !stage_exists(p->unit, p->name);
		break;
	case NK_SUBMIT:
		last_new = submit_hidden(p->unit);
		break;
	default:
		break;
	}
	if (last_new) {
		if (!may_be_new)
			return -ENOENT;
		p->exists = false;
	}
	return 0;
}

/* ---- the kernel's page cache of snapshot files ----------------------------
 *
 * Read-only snapshot files (kc_kind) are served from the kernel's page
 * cache while their text does not change, so that an open/read/close of an
 * unchanged `status` costs one OPEN (and an asynchronous RELEASE) instead
 * of OPEN, READ and the end-of-file READ.  One record per path (`struct
 * nfs_kc`, in a tree keyed by kind, unit, version and handle) keeps `text`,
 * the bytes the page cache holds or will be filled with, or NULL (off:
 * every open is direct_io), and `nopen`, the open descriptions reading
 * through the cache.  The invariants that make a cached read correct:
 *
 *  1. a description reads through the page cache only if its snapshot
 *     (taken at open, which every READ of it returns) equals `text`, and
 *     `text` changes only while nopen == 0: every page is filled by a READ
 *     of such a description, so the cache only ever holds `text`.  (Not
 *     so for mmap: the kernel maps a direct_io description MAP_PRIVATE
 *     through the page cache too (fuse_file_mmap), filled from its own
 *     snapshot; snapshot files are meant for read(2).)
 *  2. every size we report for the path (getattr, hence LOOKUP, GETATTR,
 *     SETATTR and CREATE replies) is len(text) while `text` is set: the
 *     kernel reads no further than its i_size;
 *  3. a switch to a new text invalidates the inode's pages and attributes
 *     (fuse_invalidate_path) AFTER `text` is replaced: a GETATTR or LOOKUP
 *     reply computed before carries an older attr_version and the kernel
 *     drops it (fuse_change_attributes), one computed after carries the
 *     new size;
 *  4. SETATTR and CREATE replies are applied by the kernel whatever their
 *     attr_version (fuse_do_setattr, fuse_create_open), so one computed
 *     before a switch but applied after it would leave a wrong i_size
 *     for a whole attr_timeout.  The kernel runs one SETATTR per inode at
 *     a time (under the inode lock), whatever its attributes, even none
 *     (chown(f, -1, -1) reaches no handler of ours), so a changed text is
 *     switched to only inside a SETATTR of the path: the notifier's touch
 *     after every change is one.  An open that finds the text changed
 *     turns the record off (every open direct_io, sizes rendered) until
 *     then; an open switches only files whose text never changes (/version
 *     and a version's source, contract.json and bytecode), and an O_CREAT
 *     open of an existing file (rare) keeps switches off for
 *     KC_CREATE_QUIET_MS, long past its reply.  A record is made, on, by
 *     the first report of its path (kc_report), which no other reply can
 *     precede; or off by an open or a SETATTR that finds none, and off
 *     too when the path's history may be lost (eviction, below).
 *
 * A SETATTR that finds the text changed while cached descriptors are open
 * waits for them to close (KC_DRAIN_MS at most; they hold no lock the
 * SETATTR holds, and new opens, whose text differs, do not join them);
 * if some stay open, it marks the record `stale`: it goes off when the
 * last of them closes, and stays off until the next SETATTR.
 *
 * At most NFS_KC_MAX records are kept; one that no description holds is
 * evicted to make room, and its path is marked lost (kc_lost): made
 * again, its record starts off.  A retired unit's records are dropped (a
 * unit made again under the same name through the mount gets new inodes
 * from the kernel).
 *
 * Locking: `lock` (per record) orders switches and opens, and is held
 * across the kernel notification; no READ or GETATTR handler waits on it
 * (the invalidation may wait on a page a READ is filling: with nopen == 0
 * only a page a MAP_PRIVATE mapping of a direct_io description faults
 * in, which another thread serves; so with -s, one thread for all
 * requests, nothing is cached: kc_kind is false).  `kc_lock` guards the
 * tree, the counts and the text pointer that getattr reads; nothing
 * blocks under it.
 */

#define KC_CREATE_QUIET_MS 1000
#define KC_DRAIN_MS 5           /* a SETATTR waits for cached readers */

struct nfs_kc {
	RB_ENTRY(nfs_kc) link;
	char key[ND_UNIT_ID_MAX + 96];
	char unit[ND_UNIT_ID_MAX + 1];
	pthread_mutex_t lock;
	pthread_cond_t drained;         /* nopen went to 0 */
	char *text;                     /* NULL: off */
	size_t len;
	unsigned nopen;                 /* descriptions reading through it */
	bool stale;                     /* the text changed while nopen > 0 */
	struct timespec quiet_until;    /* no switch before (CREATE) */
	unsigned refs;                  /* holders: descriptions, handlers */
	bool linked;                    /* in the tree */
};

static int kc_cmp(const struct nfs_kc *a, const struct nfs_kc *b)
{
	return strcmp(a->key, b->key);
}

RB_HEAD(kc_tree, nfs_kc);
RB_GENERATE_STATIC(kc_tree, nfs_kc, link, kc_cmp)

static pthread_mutex_t kc_lock = PTHREAD_MUTEX_INITIALIZER;
static struct kc_tree kcs = RB_INITIALIZER(&kcs);
static size_t nkcs;

static bool kc_kind(enum nfs_kind k)
{
	if (nfs.single)
		return false;
	switch (k) {
	case NK_VERSION:
	case NK_HANDLE:
	case NK_STATE:
	case NK_STATUS:
	case NK_ACTIVE:
	case NK_METRICS:
	case NK_VER_SOURCE:
	case NK_VER_STATE:
	case NK_VER_CONTRACT:
	case NK_VER_BYTECODE:
		return true;
	default:
		return false;
	}
}

static void kc_key(const struct nfs_path *p, char *key, size_t cap)
{
	snprintf(key, cap, "%d/%s/%s/%" PRIu64, (int)p->node->kind, p->unit,
	    p->ver, p->hid);
}

static void kc_free(struct nfs_kc *e)
{
	pthread_cond_destroy(&e->drained);
	pthread_mutex_destroy(&e->lock);
	free(e->text);
	free(e);
}

static bool kc_lost(const char *key, bool mark);

/* Drop a record nothing holds, to make room (kc_lock held). */
static bool kc_evict_locked(void)
{
	struct nfs_kc *e;

	RB_FOREACH(e, kc_tree, &kcs)
		if (e->refs == 0)
			break;
	if (e == NULL)
		return false;
	kc_lost(e->key, true);
	RB_REMOVE(kc_tree, &kcs, e);
	nkcs--;
	kc_free(e);
	return true;
}

/* A new record (off) for p under key, in the tree; NULL, and the path's
 * history marked lost, when there is no room (kc_lock held). */
static struct nfs_kc *kc_new_locked(const struct nfs_path *p,
    const char *key)
{
	struct nfs_kc *e = NULL;

	if ((nkcs < NFS_KC_MAX || kc_evict_locked()) &&
	    (e = calloc(1, sizeof *e)) != NULL) {
		strlcpy(e->key, key, sizeof e->key);
		strlcpy(e->unit, p->unit, sizeof e->unit);
		pthread_mutex_init(&e->lock, NULL);
		pthread_cond_init(&e->drained, NULL);
		e->linked = true;
		RB_INSERT(kc_tree, &kcs, e);
		nkcs++;
	}
	if (e == NULL)
		kc_lost(key, true);
	return e;
}

/* Files whose text never changes while their path exists. */
static bool kc_immutable(enum nfs_kind k)
{
	return k == NK_VERSION || k == NK_VER_SOURCE ||
	    k == NK_VER_CONTRACT || k == NK_VER_BYTECODE;
}

/* The record of p, held (kc_put), made (off) when missing; NULL when
 * there is no room. */
static struct nfs_kc *kc_get(const struct nfs_path *p)
{
	struct nfs_kc find, *e;

	kc_key(p, find.key, sizeof find.key);
	pthread_mutex_lock(&kc_lock);
	e = RB_FIND(kc_tree, &kcs, &find);
	if (e == NULL)
		e = kc_new_locked(p, find.key);
	if (e != NULL)
		e->refs++;
	pthread_mutex_unlock(&kc_lock);
	return e;
}

static void kc_put(struct nfs_kc *e)
{
	bool gone;

	pthread_mutex_lock(&kc_lock);
	gone = --e->refs == 0 && !e->linked;
	pthread_mutex_unlock(&kc_lock);
	if (gone)
		kc_free(e);
}

/* Replace the text (NULL: off); e->lock held, nopen == 0. */
static void kc_set(struct nfs_kc *e, char *text, size_t len)
{
	char *old;

	e->stale = false;
	pthread_mutex_lock(&kc_lock);
	old = e->text;
	e->text = text;
	e->len = text ? len : 0;
	pthread_mutex_unlock(&kc_lock);
	free(old);
}

static bool kc_equal(const struct nfs_kc *e, const char *text, size_t len)
{
	return e->text != NULL && e->len == len &&
	    memcmp(e->text, text, len) == 0;
}

static bool kc_quiet(const struct nfs_kc *e)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return now.tv_sec < e->quiet_until.tv_sec ||
	    (now.tv_sec == e->quiet_until.tv_sec &&
	    now.tv_nsec < e->quiet_until.tv_nsec);
}

/* Switch e (nopen == 0, e->lock held) to a copy of text and drop what the
 * kernel holds of path: pages and attributes (invariant 3).  false, and
 * the record off, when the text is too large or memory is short. */
static bool kc_switch(struct nfs_kc *e, const char *path, const char *text,
    size_t len)
{
	struct fuse_context *c = fuse_get_context();
	char *copy = len <= NFS_KC_TEXT_MAX ? malloc(len + 1) : NULL;

	if (copy == NULL) {
		kc_set(e, NULL, 0);
		return false;
	}
	memcpy(copy, text, len);
	kc_set(e, copy, len);
	if (c != NULL && c->fuse != NULL)
		fuse_invalidate_path(c->fuse, path);
	return true;
}

/* At open: whether description f (its snapshot taken) reads through the
 * page cache.  Read-only opens of kc_kind files only. */
static void kc_open(struct nfs_file *f, const char *path)
{
	struct nfs_kc *e;

	if (!kc_kind(f->p.node->kind) || (f->flags & O_ACCMODE) != O_RDONLY ||
	    !f->have_text || (e = kc_get(&f->p)) == NULL)
		return;
	f->kc = e;
	pthread_mutex_lock(&e->lock);
	if (kc_equal(e, f->text, f->len))
		f->cached = true;
	else if (e->nopen > 0)
		e->stale = true;
	else if (kc_immutable(f->p.node->kind) && !kc_quiet(e) &&
	    path != NULL)
		f->cached = kc_switch(e, path, f->text, f->len);
	else
		kc_set(e, NULL, 0);
	if (f->cached)
		e->nopen++;
	pthread_mutex_unlock(&e->lock);
}

static void kc_release(struct nfs_file *f)
{
	struct nfs_kc *e = f->kc;

	if (e == NULL)
		return;
	pthread_mutex_lock(&e->lock);
	if (f->cached && --e->nopen == 0) {
		pthread_cond_broadcast(&e->drained);
		if (e->stale)
			kc_set(e, NULL, 0);
	}
	pthread_mutex_unlock(&e->lock);
	kc_put(e);
	f->kc = NULL;
}

/* Wait (e->lock held) up to KC_DRAIN_MS for the descriptions reading
 * the old text to close: readers of a changed file close within
 * microseconds, and opens no longer join them.  Whether none is left. */
static bool kc_drain(struct nfs_kc *e)
{
	struct timespec until;

	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_nsec += KC_DRAIN_MS * 1000000L;
	if (until.tv_nsec >= 1000000000L) {
		until.tv_sec++;
		until.tv_nsec -= 1000000000L;
	}
	while (e->nopen > 0 &&
	    pthread_cond_timedwait(&e->drained, &e->lock, &until) == 0)
		;
	return e->nopen == 0;
}

void nfs_kc_setattr(const struct nfs_path *p, const char *path)
{
	struct nfs_kc *e;
	char *text;
	size_t len;

	if (!kc_kind(p->node->kind) || (e = kc_get(p)) == NULL)
		return;
	pthread_mutex_lock(&e->lock);
	if (p->node->render(p, &text, &len) != 0) {
		if (e->nopen == 0)
			kc_set(e, NULL, 0);
		else
			e->stale = true;
	} else {
		if (!kc_equal(e, text, len)) {
			if (!kc_drain(e))
				e->stale = true;
			else if (path == NULL || kc_quiet(e))
				kc_set(e, NULL, 0);
			else
				kc_switch(e, path, text, len);
		}
		free(text);
	}
	pthread_mutex_unlock(&e->lock);
	kc_put(e);
}

void nfs_kc_created(const struct nfs_path *p)
{
	struct nfs_kc *e;

	if (!kc_kind(p->node->kind) || (e = kc_get(p)) == NULL)
		return;
	pthread_mutex_lock(&e->lock);
	clock_gettime(CLOCK_MONOTONIC, &e->quiet_until);
	e->quiet_until.tv_sec += KC_CREATE_QUIET_MS / 1000;
	pthread_mutex_unlock(&e->lock);
	kc_put(e);
}

void nfs_kc_drop_unit(const char *unit)
{
	struct nfs_kc *e, *next;

	pthread_mutex_lock(&kc_lock);
	for (e = RB_MIN(kc_tree, &kcs); e != NULL; e = next) {
		next = RB_NEXT(kc_tree, &kcs, e);
		if (strcmp(e->unit, unit) != 0 || e->unit[0] == '\0')
			continue;
		RB_REMOVE(kc_tree, &kcs, e);
		nkcs--;
		e->linked = false;
		if (e->refs == 0)
			kc_free(e);
	}
	pthread_mutex_unlock(&kc_lock);
}

/* Whether the history of key's path may have been forgotten (its record
 * evicted, or never made for lack of room): a bit per hash of the key. */
static bool kc_lost(const char *key, bool mark)
{
	static uint8_t lost[8192];
	uint32_t h = 2166136261u;       /* FNV-1a */
	bool was;

	for (; *key != '\0'; key++)
		h = (h ^ (uint8_t)*key) * 16777619u;
	h %= sizeof lost * 8;
	was = lost[h / 8] & (1u << (h % 8));
	if (mark)
		lost[h / 8] |= (uint8_t)(1u << (h % 8));
	return was;
}

/* The size to report for p (invariant 2): len(text) while its record is
 * on; else the text now.  The first report of a path makes its record,
 * on with the text just rendered when it is small enough: every report
 * of the path, from the first, is then len(text), so no reply computed
 * before could carry another size (invariant 4).  A path whose history
 * may be lost starts off.  kc_lock only: no lock a switch holds. */
static off_t kc_report(const struct nfs_path *p)
{
	struct nfs_kc find, *e;
	char *text;
	size_t len;
	off_t size = -1;
	bool known;

	kc_key(p, find.key, sizeof find.key);
	pthread_mutex_lock(&kc_lock);
	e = RB_FIND(kc_tree, &kcs, &find);
	if (e != NULL && e->text != NULL)
		size = (off_t)e->len;
	known = e != NULL;
	pthread_mutex_unlock(&kc_lock);
	if (size >= 0)
		return size;
	if (p->node->render(p, &text, &len) != 0)
		return 0;
	size = (off_t)len;
	if (!known) {
		pthread_mutex_lock(&kc_lock);
		e = RB_FIND(kc_tree, &kcs, &find);
		if (e == NULL) {
			e = kc_new_locked(p, find.key);
			if (e != NULL && len <= NFS_KC_TEXT_MAX &&
			    !kc_lost(find.key, false)) {
				e->text = text;
				e->len = len;
				text = NULL;
			}
		}
		if (e != NULL && e->text != NULL)
			size = (off_t)e->len;
		pthread_mutex_unlock(&kc_lock);
	}
	free(text);
	return size;
}

/* ---- attributes and listings ---------------------------------------------- */

static struct timespec ms_to_ts(int64_t ms)
{
	struct timespec ts = { .tv_sec = ms / 1000,
	    .tv_nsec = (ms % 1000) * 1000000 };

	return ts;
}

/* Size: the growing size of `events`; for a snapshot file, what
 * kc_report says (the page cache's text while it holds one: the kernel
 * reads no further), or with -s its text now where that is cheap (short
 * or immutable texts); else 0 (direct_io: reads go to the daemon whatever
 * the size). */
static off_t node_size(const struct nfs_path *p)
{

	char *text;
	size_t len;

	switch (p->node->kind) {
	case NK_EVENTS:
		return (off_t)nd_events_size(nfs.eng);
	case NK_VERSION:
	case NK_STATE:
	case NK_ACTIVE:
	case NK_VER_SOURCE:
	case NK_VER_STATE:
	case NK_VER_CONTRACT:
	case NK_VER_BYTECODE:
		if (kc_kind(p->node->kind))
			return kc_report(p);
		if (p->node->render(p, &text, &len) != 0)
			return 0;
		free(text);
		return (off_t)len;
	default:
		return kc_kind(p->node->kind) ? kc_report(p) : 0;
	}
}

void nfs_node_stat(const struct nfs_path *p, struct stat *st)
{
	const struct nfs_node *n = p->node;
	struct nfs_stage *s;

	memset(st, 0, sizeof *st);
	st->st_mode = n->mode;
	st->st_nlink = S_ISDIR(n->mode) ? 2 : 1;
	st->st_uid = n->unit_owned ? p->info.owner : nfs.uid;
	st->st_gid = nfs.gid;
	st->st_blksize = 4096;
	if (n->unit_owned) {
		st->st_mtim = ms_to_ts(p->info.updated_ms);
		st->st_atim = st->st_ctim = st->st_mtim;
	} else {
		st->st_mtim = st->st_atim = st->st_ctim = nfs.started;
	}
	if (n->kind == NK_STAGE) {
		pthread_mutex_lock(&stage_lock);
		s = stage_find(p->unit, p->name);
		if (s != NULL) {
			st->st_mode = S_IFREG | s->mode;
			st->st_uid = s->uid;
			st->st_gid = s->gid;
			st->st_size = (off_t)s->len;
			st->st_atim = s->atime;
			st->st_mtim = s->mtime;
			st->st_ctim = s->ctime;
		}
		pthread_mutex_unlock(&stage_lock);
	} else if (S_ISREG(n->mode)) {
		st->st_size = node_size(p);
	}
	st->st_blocks = (st->st_size + 511) / 512;
}

void nfs_file_stat(struct nfs_file *f, struct stat *st)
{
	nfs_node_stat(&f->p, st);
	if (f->kc == NULL)
		return;
	pthread_mutex_lock(&kc_lock);
	if (f->kc->text != NULL)
		st->st_size = (off_t)f->kc->len;
	pthread_mutex_unlock(&kc_lock);
	st->st_blocks = (st->st_size + 511) / 512;
}

/* The row's parent pattern is dir's pattern. */
static bool is_child(const struct nfs_node *n, const struct nfs_node *dir)
{
	const char *slash = strrchr(n->pattern, '/');
	size_t plen = (size_t)(slash - n->pattern);

	if (n == dir)
		return false;
	if (plen == 0)
		return strcmp(dir->pattern, "/") == 0;
	return strlen(dir->pattern) == plen &&
	    strncmp(n->pattern, dir->pattern, plen) == 0;
}

/* List v (the result rc of the engine call that made it), freeing it. */
static int list_strv(int rc, char **v, size_t n,
    int (*add)(void *ctx, const char *name), void *ctx)
{
	size_t i;

	if (rc != 0)
		return -rc;
	for (i = 0; i < n && rc == 0; i++)
		rc = add(ctx, v[i]);
	nd_strv_free(v, n);
	return 0;
}

static int list_handles(int (*add)(void *ctx, const char *name), void *ctx)
{
	uint64_t *hids;
	size_t n, i;
	char name[32];
	int rc = nd_handle_list(nfs.eng, &hids, &n);

	if (rc != 0)
		return -rc;
	for (i = 0; i < n && rc == 0; i++) {
		snprintf(name, sizeof name, "%" PRIu64 ".json", hids[i]);
		rc = add(ctx, name);
	}
	free(hids);
	return 0;
}

static int list_stages(const char *unit,
    int (*add)(void *ctx, const char *name), void *ctx)
{
	struct nfs_stage *s;
	char (*names)[NAME_MAX + 1] = NULL;
	size_t n = 0, i;

	pthread_mutex_lock(&stage_lock);
	TAILQ_FOREACH(s, &stages, link)
		n += strcmp(s->unit, unit) == 0;
	if (n > 0 && (names = calloc(n, sizeof *names)) != NULL) {
		i = 0;
		TAILQ_FOREACH(s, &stages, link)
			if (strcmp(s->unit, unit) == 0)
				strlcpy(names[i++], s->name, sizeof names[0]);
	}
	pthread_mutex_unlock(&stage_lock);
	if (n > 0 && names == NULL)
		return -ENOMEM;
	for (i = 0; i < n; i++)
		if (add(ctx, names[i]) != 0)
			break;
	free(names);
	return 0;
}

int nfs_node_list(const struct nfs_path *p,
    int (*add)(void *ctx, const char *name), void *ctx)
{
	const char *last;
	char **v;
	size_t i, n;
	int rc = 0;

	if (!S_ISDIR(p->node->mode))
		return -ENOTDIR;
	for (i = 0; i < NNODES && rc == 0; i++) {
		if (!is_child(&nodes[i], p->node))
			continue;
		last = strrchr(nodes[i].pattern, '/') + 1;
		if (strcmp(last, "%u") == 0) {
			rc = nd_unit_list(nfs.eng, &v, &n);
			rc = list_strv(rc, v, n, add, ctx);
		} else if (strcmp(last, "%v") == 0) {
			rc = nd_version_list(nfs.eng, p->unit, &v, &n);
			rc = list_strv(rc, v, n, add, ctx);
		} else if (strcmp(last, "%h") == 0)
			rc = list_handles(add, ctx);
		else if (strcmp(last, "%s") == 0)
			rc = list_stages(p->unit, add, ctx);
		else
			add(ctx, last);
	}
	return rc;
}

bool nfs_may_write_unit(const struct nfs_path *p, uid_t uid)
{
	return uid == 0 || uid == p->info.owner;
}

/* ---- open descriptions ---------------------------------------------------- */

int nfs_file_open(const struct nfs_path *p, const char *path, int flags,
    uid_t uid, struct nfs_file **out)
{
	const struct nfs_node *n = p->node;
	int acc = flags & O_ACCMODE, rc = 0;
	struct nfs_file *f;

	if (S_ISDIR(n->mode))
		return -EISDIR;
	if (n->kind != NK_STAGE) {
		if (acc != O_WRONLY && !(n->mode & 0444))
			return -EACCES;
		if (acc != O_RDONLY && !(n->mode & 0222))
			return -EACCES;
	}
	if (acc != O_RDONLY && n->unit_owned && n->kind != NK_CALL &&
	    !nfs_may_write_unit(p, uid))
		return -EACCES;
	f = calloc(1, sizeof *f);
	if (f == NULL)
		return -ENOMEM;
	f->p = *p;
	f->flags = flags;
	f->uid = uid;
	pthread_mutex_init(&f->lock, NULL);
	if (n->kind == NK_STAGE)
		rc = stage_open(f);
	else if (n->open)
		rc = n->open(f);
	else if (n->render)
		rc = snapshot_open(f);
	if (rc < 0) {
		pthread_mutex_destroy(&f->lock);
		free(f->text);
		free(f);
		return rc;
	}
	kc_open(f, path);
	*out = f;
	return 0;
}

int nfs_file_touch(const struct nfs_path *p, struct nfs_file **out)
{
	struct nfs_file *f = calloc(1, sizeof *f);

	if (f == NULL)
		return -ENOMEM;
	f->p = *p;
	f->flags = O_RDONLY;
	pthread_mutex_init(&f->lock, NULL);
	*out = f;
	return 0;
}

int nfs_file_read(struct nfs_file *f, char *buf, size_t size, off_t off)
{
	int rc;

	if (f->p.node->kind == NK_STAGE)
		return stage_read(f, buf, size, off);
	pthread_mutex_lock(&f->lock);
	if (f->p.node->read)
		rc = f->p.node->read(f, buf, size, off);
	else
		rc = text_read(f, buf, size, off);
	pthread_mutex_unlock(&f->lock);
	return rc;
}

int nfs_file_write(struct nfs_file *f, const char *buf, size_t size,
    off_t off, uid_t uid)
{
	int rc;

	if (f->p.node->kind == NK_STAGE)
		return stage_write(f, buf, size, off);
	if (f->p.node->write == NULL)
		return -EBADF;
	pthread_mutex_lock(&f->lock);
	f->uid = uid;
	rc = f->p.node->write(f, buf, size, off);
	pthread_mutex_unlock(&f->lock);
	return rc;
}

int nfs_file_flush(struct nfs_file *f)
{
	int rc = 0;

	if (f->p.node->flush == NULL)
		return 0;
	pthread_mutex_lock(&f->lock);
	rc = f->p.node->flush(f);
	pthread_mutex_unlock(&f->lock);
	return rc;
}

/* ftruncate: staging files change size; a request is cut or extended;
 * anything else writable ignores it (O_TRUNC of ctl and call). */
int nfs_file_truncate(struct nfs_file *f, off_t size)
{
	int rc = 0;

	if (size < 0)
		return -EINVAL;
	if (f->p.node->kind == NK_STAGE)
		return nfs_stage_truncate(&f->p, size);
	if (f->p.node->kind != NK_SUBMIT && f->p.node->kind != NK_POLICY)
		return 0;
	pthread_mutex_lock(&f->lock);
	if (size >= f->req_base) {
		if ((size_t)(size - f->req_base) < f->req_len)
			f->req_len = (size_t)(size - f->req_base);
		else
			rc = req_resize(f, (size_t)(size - f->req_base));
		if (rc == 0 && f->req_len > 0)
			f->dirty = true;
	}
	pthread_mutex_unlock(&f->lock);
	return rc;
}

void nfs_file_release(struct nfs_file *f)
{
	if (f->p.node->kind == NK_STAGE) {
		stage_release(f);
	} else if (f->p.node->release) {
		pthread_mutex_lock(&f->lock);
		f->p.node->release(f);
		pthread_mutex_unlock(&f->lock);
	}
	kc_release(f);
	pthread_mutex_destroy(&f->lock);
	free(f->text);
	free(f->req);
	free(f);
}

int nfs_file_poll(struct nfs_file *f, struct fuse_pollhandle *ph,
    unsigned *revents)
{
	uint64_t size;

	if (f->p.node->kind != NK_EVENTS) {
		if (ph)
			fuse_pollhandle_destroy(ph);
		*revents = POLLIN | POLLRDNORM | POLLOUT | POLLWRNORM;
		return 0;
	}
	if (ph)
		nfs_notify_poll_set(f, ph);
	size = nd_events_size(nfs.eng);
	pthread_mutex_lock(&f->lock);
	*revents = size > f->seen ? POLLIN | POLLRDNORM : 0;
	pthread_mutex_unlock(&f->lock);
	return 0;
}
