/*
 * nd_journal.c - the write-ahead journal of the state folder: one
 * fdatasync makes every change committed at the same time durable.
 *
 * Why: replacing each file crash-safely costs an fsync of the file and
 * one of its folder, and a change writes two to five files and an event;
 * on a disk where an fsync costs half a millisecond, that alone held a
 * submission to a few hundred a second and a swap over a millisecond.
 *
 * A change (nd_jcommit) writes its files' new contents to temporaries
 * beside them (nd_pbatch), as before.  Then, under j->mut, it numbers its
 * events, appends one record to DIR/journal holding the files' paths and
 * contents, the folders it made and its event lines, and joins the queue
 * of records waiting for a sync.  The first waiter to find no sync
 * running becomes the leader: it calls fdatasync() once for every record
 * written so far and marks them all durable (group commit, as in a
 * database's log).  Then each change renames its temporaries into place
 * (no fsync: the journal holds their contents) and, after it has applied
 * the change in memory, publishes its events to events.jsonl in the order
 * the records were written (nd_jpublish: tickets).  A file that exists
 * is not replaced through a temporary but rewritten in place after the
 * sync: no new inode per write (on ext4 without a journal, allocating
 * inodes next to recently freed ones cost more CPU than the gates), and a
 * write torn by a crash is redone from the journal.
 *
 * If the write or the sync fails, every record not yet durable is cut off
 * (the header of the first one zeroed), their changes fail with EIO and
 * their temporaries are removed: the earlier state stays, in memory and
 * on disk.  Their events' seq numbers are skipped.
 *
 * Checkpoint: once the journal passes ND_JOURNAL_LIMIT, at close, at open
 * and before a unit is retired, syncfs() makes the renamed files, the
 * folders and events.jsonl durable, and the journal is emptied: its
 * generation goes up by one, so the records of the last one no longer
 * count.  The file itself is written with zeros once and then reused:
 * appending to preallocated, written blocks changes no metadata, so the
 * fdatasync of a record writes the record alone (half the cost of an
 * append that grows the file, measured on ext4 with a journal).  New
 * changes wait meanwhile (j->ckpt); changes in flight finish first.
 *
 * Replay (at open): records are applied in order, each file written
 * whole in place, folders made, event lines appended if the
 * log does not hold their seq yet; a record cut short or failing its
 * CRC ends the replay (a crash during its write: its change was never
 * acknowledged).  Replaying a record twice gives the same state.  A file
 * whose folder is gone (a unit's folder removed by hand while the daemon
 * was down) is skipped and counted (j->skipped: the engine reports it);
 * any other failure to write stops the open, the journal kept.
 *
 * File: a 16-byte header "NDJH", u32 1, u64 generation; then records,
 * then zeros.  Record: "NDJ1", u32 body length, u32 CRC-32 of the body,
 * u32 the generation's low 32 bits (little endian); body: entries of u8 op ('M' folder, 'F' file, 'E' event
 * lines), 3 zero bytes, u32 path length, u32 data length, the path
 * (relative to DIR), the data.
 *
 * Changes that need no durability (a handle going from QUEUED to
 * VALIDATING) skip the record and the sync but take a ticket, so their
 * events keep their place in the log.
 */
#include <endian.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "nd_internal.h"

#define HDR 16                  /* a record's header */
#define FHDR 16                 /* the file's header */
#define ZERO_STEP (1u << 20)    /* zeros are written this much at a time */

/* A change waiting for its record's sync, or for its turn to publish.
 * Each has its own condition variable: a sync wakes the changes it made
 * durable and the next leader, a publication the next in turn, never all
 * of them (a broadcast to 20 waiting threads cost more than the syncs on
 * tmpfs). */
struct nd_jwait {
	uint64_t end;                /* sync: its record's end */
	uint64_t ticket;             /* publication: its ticket */
	bool done;
	int res;
	pthread_cond_t cv;
	TAILQ_ENTRY(nd_jwait) link;
};

/* ---- CRC-32 (IEEE): no dependency of ours has one -------------------- */

static uint32_t crc_table[256];
static pthread_once_t crc_once = PTHREAD_ONCE_INIT;

static void crc_init(void)
{
	uint32_t i, k, c;

	for (i = 0; i < 256; i++) {
		for (c = i, k = 0; k < 8; k++)
			c = c & 1 ? 0xEDB88320u ^ (c >> 1) : c >> 1;
		crc_table[i] = c;
	}
}

static uint32_t crc32_add(uint32_t crc, const void *data, size_t len)
{
	const uint8_t *p = data;

	pthread_once(&crc_once, crc_init);
	crc = ~crc;
	while (len--)
		crc = crc_table[(crc ^ *p++) & 0xff] ^ (crc >> 8);
	return ~crc;
}

/* ---- records ----------------------------------------------------------- */

struct buf {
	char *p;
	size_t len, cap;
};

static int buf_add(struct buf *b, const void *data, size_t len)
{
	if (b->len + len > b->cap) {
		size_t cap = (b->len + len) * 2 + 256;
		char *np = realloc(b->p, cap);

		if (!np)
			return -1;
		b->p = np;
		b->cap = cap;
	}
	memcpy(b->p + b->len, data, len);
	b->len += len;
	return 0;
}

static int entry_add(struct buf *b, char op, const char *path,
    const void *data, size_t len)
{
	uint8_t e[12] = { (uint8_t)op };
	uint32_t pl = htole32((uint32_t)strlen(path)), dl = htole32((uint32_t)len);

	memcpy(e + 4, &pl, 4);
	memcpy(e + 8, &dl, 4);
	if (buf_add(b, e, sizeof(e)) < 0 || buf_add(b, path, strlen(path)) < 0)
		return -1;
	return len ? buf_add(b, data, len) : 0;
}

/* path relative to the state folder (every batch path lies inside it) */
static const char *rel(const nd_journal *j, const char *path)
{
	size_t n = strlen(j->dir);

	if (strncmp(path, j->dir, n) == 0 && path[n] == '/')
		return path + n + 1;
	return path;
}

/* The body of pb's record, without the events (they are numbered under
 * j->mut).  A header's room is left at the front. */
static int record_files(nd_journal *j, const nd_pbatch *pb, struct buf *b)
{
	uint8_t hdr[HDR] = { 0 };
	int i;

	if (buf_add(b, hdr, HDR) < 0)
		return -1;
	for (i = 0; pb && i < pb->nmkdirs; i++)
		if (entry_add(b, 'M', rel(j, pb->mkdirs[i]), NULL, 0) < 0)
			return -1;
	for (i = 0; pb && i < pb->n; i++)
		if (entry_add(b, 'F', rel(j, pb->f[i].path), pb->f[i].data,
		    pb->f[i].len) < 0)
			return -1;
	return 0;
}

static void record_seal(const nd_journal *j, struct buf *b)
{
	uint32_t len = htole32((uint32_t)(b->len - HDR));
	uint32_t crc = htole32(crc32_add(0, b->p + HDR, b->len - HDR));
	uint32_t gen = htole32((uint32_t)j->gen);

	memcpy(b->p, "NDJ1", 4);
	memcpy(b->p + 4, &len, 4);
	memcpy(b->p + 8, &crc, 4);
	memcpy(b->p + 12, &gen, 4);
}

/* Written zeros up to end at least, a MiB at a time (j->mut held, or at
 * open); once the journal has reached its largest size it is never
 * extended again. */
static int zero_to(nd_journal *j, uint64_t end)
{
	static const char zeros[65536];

	while (j->alloc < end) {
		uint64_t stop = (end / ZERO_STEP + 1) * ZERO_STEP;

		while (j->alloc < stop) {
			size_t n = stop - j->alloc > sizeof(zeros) ?
			    sizeof(zeros) : (size_t)(stop - j->alloc);

			if (nd_pwrite_all(j->fd, zeros, n, j->alloc) < 0)
				return -1;
			j->alloc += n;
		}
	}
	return 0;
}

/* Zero the records in [from, to): they no longer count, and no later,
 * shorter record can leave one of them looking whole behind it. */
static int cut(nd_journal *j, uint64_t from, uint64_t to)
{
	static const char zeros[65536];

	while (from < to) {
		size_t n = to - from > sizeof(zeros) ? sizeof(zeros) :
		    (size_t)(to - from);

		if (nd_pwrite_all(j->fd, zeros, n, from) < 0)
			return -1;
		from += n;
	}
	return 0;
}

/* The file's header with generation gen. */
static int write_fhdr(nd_journal *j, uint64_t gen)
{
	char h[FHDR];
	uint32_t v = htole32(1);
	uint64_t g = htole64(gen);

	memcpy(h, "NDJH", 4);
	memcpy(h + 4, &v, 4);
	memcpy(h + 8, &g, 8);
	return nd_pwrite_all(j->fd, h, FHDR, 0);
}

/* ---- replay ------------------------------------------------------------ */

static bool path_ok(const char *p)
{
	return p[0] && p[0] != '/' && !strstr(p, "..");
}

/* Write one file whole, in place (the checkpoint syncs it). */
static int redo_file(nd_journal *j, const char *relp, const char *data,
    size_t len)
{
	char *path;
	int r;

	if (asprintf(&path, "%s/%s", j->dir, relp) < 0)
		return -1;
	r = nd_write_inplace(path, data, len);
	free(path);
	if (r < 0 && errno == ENOENT) {
		j->skipped++;   /* its folder is gone (removed by hand) */
		r = 0;
	}
	return r;
}

/* Make one folder (its parent gone: skipped). */
static int redo_mkdir(nd_journal *j, const char *relp)
{
	char *path;
	int r = 0;

	if (asprintf(&path, "%s/%s", j->dir, relp) < 0)
		return -1;
	if (mkdir(path, 0755) == 0 || errno == EEXIST)
		r = 0;
	else if (errno == ENOENT)
		j->skipped++;
	else
		r = -1;
	free(path);
	return r;
}

/* Apply one record's body; -1 if it is malformed or a write failed. */
static int redo_record(nd_journal *j, const char *p, size_t len)
{
	const char *end = p + len;

	while (p < end) {
		uint32_t pl, dl;
		char *path;
		int r = 0;

		if ((size_t)(end - p) < 12)
			return -1;
		memcpy(&pl, p + 4, 4);
		memcpy(&dl, p + 8, 4);
		pl = le32toh(pl);
		dl = le32toh(dl);
		if ((size_t)(end - p) - 12 < (size_t)pl + dl)
			return -1;
		path = strndup(p + 12, pl);
		if (!path)
			return -1;
		switch (p[0]) {
		case 'M':
			r = path_ok(path) ? redo_mkdir(j, path) : -1;
			break;
		case 'F':
			r = path_ok(path) ? redo_file(j, path, p + 12 + pl, dl) : -1;
			break;
		case 'E':
			r = nd_events_redo(j->ev, p + 12 + pl, dl);
			break;
		default:
			r = -1;
		}
		free(path);
		if (r < 0)
			return -1;
		p += 12 + pl + dl;
	}
	return 0;
}

/* Apply every whole record of the current generation, in order, up to
 * the first that is cut short, fails its CRC or belongs to another
 * generation; -1 if one could not be applied. */
static int replay(nd_journal *j)
{
	struct stat st;
	char *data;
	size_t off = FHDR, n = 0;

	if (fstat(j->fd, &st) < 0)
		return -1;
	if ((size_t)st.st_size <= FHDR)
		return 0;
	data = malloc((size_t)st.st_size);
	if (!data)
		return -1;
	while (n < (size_t)st.st_size) {
		ssize_t r = pread(j->fd, data + n, (size_t)st.st_size - n,
		    (off_t)n);

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		n += (size_t)r;
	}
	while (n - off >= HDR) {
		uint32_t len, crc, gen;

		memcpy(&len, data + off + 4, 4);
		memcpy(&crc, data + off + 8, 4);
		memcpy(&gen, data + off + 12, 4);
		len = le32toh(len);
		crc = le32toh(crc);
		if (memcmp(data + off, "NDJ1", 4) != 0 ||
		    le32toh(gen) != (uint32_t)j->gen ||
		    n - off - HDR < len ||
		    crc32_add(0, data + off + HDR, len) != crc)
			break;
		if (redo_record(j, data + off + HDR, len) < 0) {
			free(data);
			return -1;
		}
		off += HDR + len;
	}
	free(data);
	return 0;
}

/* Read the file's header into j->gen; a new (or unreadable) file gets a
 * header of generation 1 and its zeros, synced. */
static int load_fhdr(nd_journal *j)
{
	char h[FHDR];
	struct stat st;
	uint64_t g;

	if (fstat(j->fd, &st) < 0)
		return -1;
	if (pread(j->fd, h, FHDR, 0) == FHDR && !memcmp(h, "NDJH", 4)) {
		memcpy(&g, h + 8, 8);
		j->gen = le64toh(g);
		j->alloc = (uint64_t)st.st_size;
		return 0;
	}
	j->gen = 1;
	j->alloc = 0;
	if (ftruncate(j->fd, 0) < 0 || zero_to(j, FHDR) < 0 ||
	    write_fhdr(j, j->gen) < 0 || fsync(j->fd) < 0)
		return -1;
	return 0;
}

/* ---- open, close, checkpoint --------------------------------------------- */

int nd_journal_open(nd_journal *j, const char *dir, nd_events *ev,
    nd_err *err)
{
	memset(j, 0, sizeof(*j));
	j->fd = -1;
	j->ev = ev;
	j->limit = ND_JOURNAL_LIMIT;
	TAILQ_INIT(&j->waiting);
	TAILQ_INIT(&j->pubq);
	if (!(j->dir = strdup(dir)) || asprintf(&j->path, "%s/journal", dir) < 0) {
		free(j->dir);
		j->dir = NULL;
		j->path = NULL;
		return nd_seterr(err, ENOMEM, "out of memory");
	}
	pthread_mutex_init(&j->mut, NULL);
	pthread_cond_init(&j->cv, NULL);
	j->fd = open(j->path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
	if (j->fd < 0 || load_fhdr(j) < 0)
		return nd_seterr(err, EIO, "open %s: %s", j->path,
		    strerror(errno));
	j->size = j->good = FHDR;
	if (replay(j) < 0)
		return nd_seterr(err, EIO, "replay of %s: %s", j->path,
		    strerror(errno));
	if (nd_journal_checkpoint(j, err) != 0)
		return EIO;
	/* the journal file itself, once, if it was just made */
	if (nd_fsync_dir(dir) < 0)
		return nd_seterr(err, EIO, "fsync %s: %s", dir, strerror(errno));
	return 0;
}

void nd_journal_close(nd_journal *j)
{
	if (!j->path)
		return;
	if (j->fd >= 0) {
		nd_journal_checkpoint(j, NULL);
		close(j->fd);
	}
	pthread_mutex_destroy(&j->mut);
	pthread_cond_destroy(&j->cv);
	free(j->path);
	free(j->dir);
	j->path = j->dir = NULL;
	j->fd = -1;
}

int nd_journal_checkpoint(nd_journal *j, nd_err *err)
{
	bool redo;
	int r = 0;

	pthread_mutex_lock(&j->mut);
	if (j->ckpt) {
		/* someone else is at it: wait for theirs */
		while (j->ckpt)
			pthread_cond_wait(&j->cv, &j->mut);
		pthread_mutex_unlock(&j->mut);
		return 0;
	}
	j->ckpt = true;
	while (j->inflight > 0 || j->syncing)
		pthread_cond_wait(&j->cv, &j->mut);
	redo = j->redo;
	pthread_mutex_unlock(&j->mut);
	if (redo && replay(j) < 0)
		r = nd_seterr(err, EIO, "redo of %s: %s", j->path,
		    strerror(errno));
	if (!r && (nd_persist_check() < 0 || syncfs(j->fd) < 0))
		r = nd_seterr(err, EIO, "sync of %s: %s", j->dir,
		    strerror(errno));
	if (!r && (write_fhdr(j, j->gen + 1) < 0 || nd_persist_check() < 0 ||
	    fdatasync(j->fd) < 0)) {
		r = nd_seterr(err, EIO, "empty %s: %s", j->path,
		    strerror(errno));
		/* the records keep counting only under the old generation:
		 * put it back (if this fails too, the disk is gone) */
		if (write_fhdr(j, j->gen) == 0)
			fdatasync(j->fd);
	}
	pthread_mutex_lock(&j->mut);
	if (!r) {
		j->gen++;
		j->size = j->good = FHDR;
		j->redo = false;
	} else {
		/* keep the records; the next checkpoint writes them again */
		j->redo = true;
	}
	j->ckpt = false;
	pthread_cond_broadcast(&j->cv);
	pthread_mutex_unlock(&j->mut);
	return r;
}

/* ---- commit ---------------------------------------------------------------- */

/* Wake the checkpoint if it waits for what just changed (j->mut held). */
static void ckpt_wake(nd_journal *j)
{
	if (j->ckpt && j->inflight == 0 && !j->syncing)
		pthread_cond_broadcast(&j->cv);
}

/* Wait until w's record is durable (or failed), leading a sync when none
 * runs.  j->mut held. */
static int wait_durable(nd_journal *j, struct nd_jwait *w)
{
	while (!w->done) {
		struct nd_jwait *x;
		uint64_t target;
		int r;

		if (j->syncing) {
			pthread_cond_wait(&w->cv, &j->mut);
			continue;
		}
		j->syncing = true;
		target = j->size;
		pthread_mutex_unlock(&j->mut);
		r = nd_persist_check() < 0 || fdatasync(j->fd) < 0 ? -1 : 0;
		pthread_mutex_lock(&j->mut);
		j->syncing = false;
		if (r == 0) {
			j->good = target;
			while ((x = TAILQ_FIRST(&j->waiting)) && x->end <= target) {
				TAILQ_REMOVE(&j->waiting, x, link);
				x->done = true;
				x->res = 0;
				pthread_cond_signal(&x->cv);
			}
		} else {
			/* cut off every record not known durable */
			if (cut(j, j->good, j->size) < 0)
				j->redo = true;
			j->size = j->good;
			while ((x = TAILQ_FIRST(&j->waiting))) {
				TAILQ_REMOVE(&j->waiting, x, link);
				x->done = true;
				x->res = EIO;
				pthread_cond_signal(&x->cv);
			}
		}
		/* records written during the sync: their first leads next */
		if ((x = TAILQ_FIRST(&j->waiting)))
			pthread_cond_signal(&x->cv);
		ckpt_wake(j);
	}
	return w->res;
}

int nd_jcommit(nd_journal *j, nd_pbatch *pb, cJSON *events, bool durable,
    nd_jticket *tk, nd_err *err)
{
	struct buf b = { 0 };
	struct nd_jwait w = { .cv = PTHREAD_COND_INITIALIZER };
	int r = 0;

	memset(tk, 0, sizeof(*tk));
	if (durable && record_files(j, pb, &b) < 0) {
		free(b.p);
		cJSON_Delete(events);
		pthread_mutex_lock(&j->mut);
		tk->ticket = j->next_ticket++;
		j->inflight++;
		tk->failed = true;
		pthread_mutex_unlock(&j->mut);
		if (pb)
			nd_pb_abort(pb);
		return nd_seterr(err, ENOMEM, "out of memory");
	}
	pthread_mutex_lock(&j->mut);
	while (j->ckpt)
		pthread_cond_wait(&j->cv, &j->mut);
	tk->ticket = j->next_ticket++;
	j->inflight++;
	tk->lines = nd_events_format(j->ev, events, &tk->len);
	if (durable && !tk->len && (!pb || (!pb->n && !pb->nmkdirs)))
		durable = false;        /* nothing to record */
	if (durable) {
		if (tk->len && entry_add(&b, 'E', "", tk->lines, tk->len) < 0)
			r = nd_seterr(err, ENOMEM, "out of memory");
		if (!r) {
			record_seal(j, &b);
			if (zero_to(j, j->size + b.len + HDR) < 0 ||
			    nd_pwrite_all(j->fd, b.p, b.len, j->size) < 0) {
				r = nd_seterr(err, EIO, "write %s: %s", j->path,
				    strerror(errno));
				if (cut(j, j->size, j->size + b.len) < 0)
					j->redo = true;
			}
		}
		if (!r) {
			j->size += b.len;
			w.end = j->size;
			TAILQ_INSERT_TAIL(&j->waiting, &w, link);
			if (wait_durable(j, &w) != 0)
				r = nd_seterr(err, EIO, "sync %s: %s", j->path,
				    strerror(EIO));
		}
	}
	if (r)
		tk->failed = true;
	pthread_mutex_unlock(&j->mut);
	pthread_cond_destroy(&w.cv);
	free(b.p);
	if (!pb)
		return r;
	if (r) {
		nd_pb_abort(pb);
		return r;
	}
	if (nd_pb_rename_all(pb) < 0) {
		/* durable in the journal: the checkpoint writes it again */
		pthread_mutex_lock(&j->mut);
		j->redo = true;
		pthread_mutex_unlock(&j->mut);
	}
	return 0;
}

void nd_jpublish(nd_journal *j, nd_jticket *tk)
{
	struct nd_jwait w = { .ticket = tk->ticket,
		.cv = PTHREAD_COND_INITIALIZER }, *x;
	bool full;

	pthread_mutex_lock(&j->mut);
	if (j->pub_ticket != tk->ticket) {
		TAILQ_INSERT_TAIL(&j->pubq, &w, link);
		while (j->pub_ticket != tk->ticket)
			pthread_cond_wait(&w.cv, &j->mut);
		TAILQ_REMOVE(&j->pubq, &w, link);
	}
	if (!tk->failed && tk->len && nd_events_write(j->ev, tk->lines,
	    tk->len) < 0)
		j->redo = true;         /* the journal still holds them */
	j->pub_ticket++;
	j->inflight--;
	TAILQ_FOREACH(x, &j->pubq, link)
		if (x->ticket == j->pub_ticket) {
			pthread_cond_signal(&x->cv);
			break;
		}
	/* past the limit, or a file the journal holds could not be
	 * written: checkpoint (which writes them again first) */
	full = (j->size > j->limit || j->redo) && !j->ckpt;
	ckpt_wake(j);
	pthread_mutex_unlock(&j->mut);
	pthread_cond_destroy(&w.cv);
	free(tk->lines);
	tk->lines = NULL;
	if (full)
		nd_journal_checkpoint(j, NULL);
}

bool nd_journal_pending(nd_journal *j)
{
	bool r;

	pthread_mutex_lock(&j->mut);
	r = j->size > FHDR;
	pthread_mutex_unlock(&j->mut);
	return r;
}
