/*
 * nfs.h - noodlefs internals, shared by the daemon's four files:
 *
 *   noodlefs.c    main: options, the engine, mounting, the FUSE loop.
 *   nfs_nodes.c   the node table (one row per kind of file or folder of
 *                 SPEC.md section 5, with its mode and handlers), path
 *                 routing, the per-open file state and the staging files.
 *   nfs_ops.c     the FUSE callbacks: a few lines each, routing a path to
 *                 its row and calling the row's handler.
 *   nfs_notify.c  the watcher-notifier: a queue fed by the engine's notify
 *                 callback and a thread that touches changed paths through
 *                 the mount and wakes poll()ers of `events`.
 *
 * Handlers return 0 (or a byte count) on success and a NEGATIVE errno on
 * failure, as FUSE wants; the engine's positive errno values are negated
 * where they cross over.
 */
#ifndef NFS_H
#define NFS_H

#define FUSE_USE_VERSION 312

#include <fuse.h>
#include <fuse_lowlevel.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/queue.h>
#include <sys/stat.h>
#include <time.h>

#include "noodle.h"

#define NFS_STAGE_MAX_PER_UNIT 32  /* staging files at once in one unit */
#define NFS_STAGE_MAX 1024         /* ... and in the whole mount */
#define NFS_ENTRY_TIMEOUT 1.0     /* seconds the kernel keeps a name and
                                    * attributes (see nfs_ops.c) */
#define NFS_KC_TEXT_MAX 65536      /* largest text served from the kernel's
                                    * page cache (nfs_nodes.c) */
#define NFS_KC_MAX 8192            /* page-cache records kept at once */
#define NFS_THREAD_RESERVE 64      /* FUSE threads beyond ND_MAX_WAITERS */
#define NFS_INTR_SIGNAL SIGUSR1    /* wakes a thread whose request is
                                    * interrupted (fuse_config intr) */

/* The daemon, one per process. */
struct nfs_daemon {
	nd_engine *eng;
	char mountpoint[PATH_MAX];      /* absolute */
	size_t max_source;
	uid_t uid;                      /* owner of the engine-wide nodes */
	gid_t gid;
	struct timespec started;
	bool debug;                     /* -d: engine errors go to stderr */
	bool single;                    /* -s: one thread serves requests, so
	                                 * no page cache (nfs_nodes.c) */
};
extern struct nfs_daemon nfs;

/* ---- the node table (nfs_nodes.c) --------------------------------------- */

enum nfs_kind {
	NK_ROOT, NK_VERSION, NK_EVENTS, NK_UNITS, NK_HANDLES, NK_HANDLE,
	NK_UNIT, NK_SUBMIT, NK_STATE, NK_STATUS, NK_ACTIVE, NK_WAIT, NK_CTL,
	NK_POLICY, NK_CALL, NK_METRICS, NK_LOG, NK_VERSIONS, NK_VER,
	NK_VER_SOURCE, NK_VER_STATE, NK_VER_CONTRACT, NK_VER_BYTECODE,
	NK_STAGE,
};

struct nfs_node;
struct nfs_stage;
struct nfs_kc;

/* A routed path: its row and what its pattern captured. */
struct nfs_path {
	const struct nfs_node *node;
	char unit[ND_UNIT_ID_MAX + 1];
	char ver[64];
	uint64_t hid;
	char name[NAME_MAX + 1];        /* NK_STAGE: the staging file's name */
	bool exists;                    /* false only for a new last component */
	nd_unit_info info;              /* when the path is in a unit */
};

/* One open file description (fi->fh). */
struct nfs_file {
	struct nfs_path p;
	pthread_mutex_t lock;
	int flags;                      /* open(2) flags */
	uid_t uid;                      /* the last writer (or the opener) */
	char *text;                     /* snapshot, or the last reply */
	size_t len;
	bool have_text;
	size_t reply_pos;               /* replies: next byte to read */
	char *req;                      /* request bytes since the last flush */
	size_t req_len;
	off_t req_base;                 /* file offset of the request's byte 0 */
	unsigned nreq;                  /* requests ended on this description */
	bool dirty;                     /* bytes received since the last flush */
	bool too_big;                   /* EFBIG seen: submit nothing */
	bool submitted;                 /* this description made a submission */
	uint64_t hid;                   /* ... with this handle */
	struct nfs_stage *stage;        /* NK_STAGE */
	struct fuse_pollhandle *ph;     /* NK_EVENTS: the pending poll */
	uint64_t seen;                  /* NK_EVENTS: end of the furthest read */
	LIST_ENTRY(nfs_file) pollers;
	bool polling;                   /* on the notifier's poller list */
	struct nfs_kc *kc;              /* read-only snapshot files: the
	                                 * path's page-cache record */
	bool cached;                    /* reads come from the page cache */
};

struct nfs_node {
	const char *pattern;            /* "/units/%u/status"; %u unit id,
	                                 * %v version, %h handle file, %s any
	                                 * other name (a staging file) */
	enum nfs_kind kind;
	mode_t mode;                    /* file type and permission bits */
	bool unit_owned;                /* owned by the unit's owner */
	/* Whole content now (snapshot files), or NULL. */
	int (*render)(const struct nfs_path *p, char **out, size_t *len);
	int (*open)(struct nfs_file *f);
	int (*read)(struct nfs_file *f, char *buf, size_t size, off_t off);
	int (*write)(struct nfs_file *f, const char *buf, size_t size,
	    off_t off);
	int (*flush)(struct nfs_file *f);
	void (*release)(struct nfs_file *f);
};

/* Route path to its row.  With may_be_new, the last component need not
 * exist (p->exists tells).  -ENOENT when nothing matches, -EINVAL for a
 * malformed unit id where one is expected and may_be_new is set. */
int nfs_route(const char *path, struct nfs_path *p, bool may_be_new);
/* stat() of a routed, existing path. */
void nfs_node_stat(const struct nfs_path *p, struct stat *st);
/* fstat() of an open description whose path is gone (hard_remove). */
void nfs_file_stat(struct nfs_file *f, struct stat *st);
/* List a routed folder: calls add(ctx, name) for each entry. */
int nfs_node_list(const struct nfs_path *p,
    int (*add)(void *ctx, const char *name), void *ctx);
/* Whether uid may write the unit's files (its owner or root). */
bool nfs_may_write_unit(const struct nfs_path *p, uid_t uid);

/* Open a routed path (flags as open(2)); *out is the new description.
 * path is the mount-relative path the kernel asked for ("/units/u/status"),
 * which the page cache of read-only snapshot files is invalidated by;
 * (*out)->cached tells whether the description reads through the page
 * cache (else it is direct_io). */
int nfs_file_open(const struct nfs_path *p, const char *path, int flags,
    uid_t uid, struct nfs_file **out);
/* The notifier's toucher's description (nfs_notify.c): no snapshot, not a
 * reader of the page cache; it is only closed. */
int nfs_file_touch(const struct nfs_path *p, struct nfs_file **out);
int nfs_file_read(struct nfs_file *f, char *buf, size_t size, off_t off);
int nfs_file_write(struct nfs_file *f, const char *buf, size_t size,
    off_t off, uid_t uid);
int nfs_file_flush(struct nfs_file *f);
int nfs_file_truncate(struct nfs_file *f, off_t size);
void nfs_file_release(struct nfs_file *f);
int nfs_file_poll(struct nfs_file *f, struct fuse_pollhandle *ph,
    unsigned *revents);

/* Staging files: any other name created in a unit folder. */
int nfs_stage_create(const struct nfs_path *p, mode_t mode, uid_t uid,
    gid_t gid);
int nfs_stage_unlink(const struct nfs_path *p);
int nfs_stage_truncate(const struct nfs_path *p, off_t size);
int nfs_stage_setattr(const struct nfs_path *p, const mode_t *mode,
    const uid_t *uid, const gid_t *gid, const struct timespec tv[2]);
/* Rename a staging file onto to (submit, policy or another staging name
 * of the same unit), for caller uid. */
int nfs_stage_rename(const struct nfs_path *from, const struct nfs_path *to,
    uid_t uid, unsigned flags);
/* unlink of submit hides it until the next create of it (install(1)). */
int nfs_submit_hide(const char *unit);
void nfs_submit_unhide(const char *unit);
/* Drop every staging file of a retired unit. */
void nfs_stage_drop_unit(const char *unit);

/* Page cache of read-only snapshot files (nfs_nodes.c says how and why):
 * a SETATTR of path (touch, chmod, chown; p routed from it, path NULL
 * when unknown) may move its cache to the current text; an O_CREAT open
 * of an existing file keeps that from happening for a while; a retired
 * unit's records are forgotten. */
void nfs_kc_setattr(const struct nfs_path *p, const char *path);
void nfs_kc_created(const struct nfs_path *p);
void nfs_kc_drop_unit(const char *unit);

/* Report an engine error on stderr when debugging; returns -code. */
int nfs_fail(const char *what, int code, const nd_err *err);

/* ---- the watcher-notifier (nfs_notify.c) -------------------------------- */

/* The engine's notify callback: enqueue only (never blocks for long). */
void nfs_notify_change(void *ctx, const nd_change *ch);
/* Fork the toucher process for nfs.mountpoint: call it while the daemon
 * is single-threaded, before the engine is opened and the mount made.
 * Returns 0 or an errno value. */
int nfs_notify_init(void);
/* Start the notifier thread. */
int nfs_notify_start(void);
/* Ask it to stop (touches nothing more); nfs_notify_join waits for it
 * and for the toucher. */
void nfs_notify_stop(void);
void nfs_notify_join(void);
/* Keep ph as f's pending poll (destroying the one it replaces); the
 * notifier calls fuse_notify_poll on it when the event log grows. */
void nfs_notify_poll_set(struct nfs_file *f, struct fuse_pollhandle *ph);
/* Forget f (at release). */
void nfs_notify_poll_drop(struct nfs_file *f);
/* Whether pid (a FUSE request's caller) is the toucher: it opens changed
 * read-only files write-only and closes them unwritten (IN_CLOSE_WRITE). */
bool nfs_notify_is_toucher(pid_t pid);

/* ---- the FUSE callbacks (nfs_ops.c) ------------------------------------- */

extern const struct fuse_operations nfs_ops;

#endif
