/*
 * nd_internal.h - what the parts of libnoodle's engine share (prefix nd_).
 *
 *   nd_version.c   a DeployableUnit: one version of a unit, its state
 *                  table, health flags, load/activate/unload.
 *   nd_handle.c    an update handle: its state table, its JSON.
 *   nd_policy.c    the policy file: parse and render.
 *   nd_validate.c  the ValidationEngine: the six gates.
 *   nd_manager.c   the UpdateManager: submit, worker pool, ctl, rollouts,
 *                  calls, and the transaction that changes state.
 *   nd_engine.c    open/close, the unit table, recovery.
 *   nd_persist.c   the state folder: crash-safe writes, the lock.
 *   nd_events.c    the append-only event log.
 *   nd_journal.c   the write-ahead journal: group commit, replay.
 *   nd_render.c    what the files show (status, metrics, log, ...).
 *   nd_sha256.c    SHA-256.
 *
 * Locks, in the order they are taken:
 *   u->mut     one per unit: serializes every change of that unit (submit,
 *              validation commit, ctl, policy, canary decision, retire).
 *              Held across disk writes; never by a reader.
 *   e->lock    the in-memory state: held briefly, never across disk I/O,
 *              runtime calls of user code or the notify callback.
 *   jr.mut     the journal: its records, the event log's seq and size
 *              (nd_journal.c); never held across user code.
 * A change is built as a transaction (nd_txn): new file contents are
 * written to temporaries, under u->mut only, then committed through the
 * journal (one record, one shared fdatasync, then renames); once durable
 * it is applied in memory in one e->lock section (so callers see the swap
 * at once), then its events are published and watchers notified.  A
 * failed write leaves memory and the files as they were.
 */
#ifndef ND_INTERNAL_H
#define ND_INTERNAL_H

#include <pthread.h>
#include <stdatomic.h>
#include <sys/queue.h>

#include <cjson/cJSON.h>

#include "ncc.h"
#include "noodle.h"

#define ND_VER_MAX 32
#define ND_MODID_MAX (ND_UNIT_ID_MAX + ND_VER_MAX + 2)
#define ND_LOG_MAX (1u << 20)     /* bytes of a unit's log kept */

/* ---- errors and time (nd_persist.c) ------------------------------------ */

int nd_seterr(nd_err *err, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
int64_t nd_now_ms(void);
/* RFC 3339 UTC with milliseconds: "2026-11-27T09:31:28.123Z". */
void nd_time_fmt(int64_t ms, char buf[32]);
int64_t nd_time_parse(const char *s);     /* -1 if malformed */
/* User name of uid (decimal uid if it has none). */
void nd_user_name(uid_t uid, char *buf, size_t size);

/* ---- SHA-256 (nd_sha256.c) --------------------------------------------- */

void nd_sha256_hex(const void *data, size_t len, char out[65]);

/* ---- persistence (nd_persist.c) ---------------------------------------- */

/*
 * A batch of files replaced together.  The engine's batches go through
 * the journal (pb->j set, nd_jcommit).  Without one (the format file):
 * each add writes a temporary file beside its target and starts its
 * writeback; nd_pb_commit fsyncs them all, then renames them and fsyncs
 * their folders; abort removes the temporaries.  Nothing is visible until
 * the renames, so a failed add or fsync changes nothing.
 */
#define ND_PB_MAX 16
struct nd_journal;
typedef struct nd_pbatch {
	struct { char *path; char *tmp; int fd;
		char *data; size_t len; } f[ND_PB_MAX];
	int n;
	/* Set: the batch goes through this journal (nd_jcommit): adds keep
	 * a copy of the data for the record, nothing is fsynced here, and a
	 * file that exists is rewritten in place after the commit (tmp
	 * NULL) instead of through a temporary. */
	struct nd_journal *j;
	char *mkdirs[4];         /* folders made for this batch (removed on abort) */
	int nmkdirs;
} nd_pbatch;

void nd_pb_init(nd_pbatch *pb);
int nd_pb_add(nd_pbatch *pb, const char *path, const void *data, size_t len,
    nd_err *err);
int nd_pb_add_json(nd_pbatch *pb, const char *path, const cJSON *j,
    nd_err *err);
/* A new file with the same bytes as the file from (data, len): a hard
 * link to it where the journal covers the batch (from must never be
 * rewritten), else a copy.  The journal's record still holds data. */
int nd_pb_add_link(nd_pbatch *pb, const char *path, const char *from,
    const void *data, size_t len, nd_err *err);
/* Make a folder for this batch (its parent is synced at commit). */
int nd_pb_mkdir(nd_pbatch *pb, const char *path, nd_err *err);
int nd_pb_commit(nd_pbatch *pb, nd_err *err);
void nd_pb_abort(nd_pbatch *pb);
/* The journal's end of a batch: rename every temporary into place and
 * write every rewritten file in place, syncing nothing; -1 if one failed
 * (the rest are done). */
int nd_pb_rename_all(nd_pbatch *pb);
/* write()/pwrite() all of data, through the fault hook; -1 with errno. */
int nd_write_all(int fd, const void *data, size_t len);
int nd_pwrite_all(int fd, const void *data, size_t len, uint64_t off);
/* Overwrite path in place with data (no fsync); -1 with errno. */
int nd_write_inplace(const char *path, const void *data, size_t len);

/* Test hook: after n more successful writes or fsyncs, every write and
 * fsync fails with EIO until the hook is reset with n < 0. */
void nd_persist_fail_after(long n);
/* Called before each write and fsync: -1 (errno EIO) when the hook fires. */
int nd_persist_check(void);

int nd_mkdir_durable(const char *path, nd_err *err);
int nd_fsync_dir(const char *path);
/* Read a whole file (NUL-terminated); NULL with errno on failure. */
char *nd_read_file(const char *path, size_t *len);
/* Read and parse a JSON file; NULL if missing or malformed. */
cJSON *nd_read_json(const char *path);
/* Remove a folder tree. */
int nd_rmtree(const char *path);

/* The state folder's lock: flock on DIR/lock holding our pid. */
int nd_lock_take(const char *dir, int *fd, nd_err *err);
/* Check or write DIR/format. */
int nd_format_check(const char *dir, nd_err *err);

/* ---- event log (nd_events.c) ------------------------------------------- */

/* The event log's file.  Its seq and size change only under the
 * journal's mutex (nd_journal.c orders every append). */
typedef struct nd_events {
	int fd;
	char *path;
	uint64_t seq;
	_Atomic uint64_t size;
} nd_events;

int nd_events_open(nd_events *ev, const char *dir, bool *repaired,
    nd_err *err);
void nd_events_close(nd_events *ev);
/* A new event object {type, unit} to which the caller adds fields. */
cJSON *nd_event_new(const char *type, const char *unit);
/* The events of the array (consumed) as JSON lines, numbered from
 * ev->seq + 1 (ev->seq advances); NULL and *len 0 when there are none. */
char *nd_events_format(nd_events *ev, cJSON *events, size_t *len);
/* Append lines to the file (not synced: the journal holds them until
 * its checkpoint); -1 with errno on failure. */
int nd_events_write(nd_events *ev, const char *buf, size_t len);
/* Append those lines of buf whose seq is above ev->seq (a journal
 * replay: the log may already hold some of them). */
int nd_events_redo(nd_events *ev, const char *buf, size_t len);

/* ---- the journal (nd_journal.c) ---------------------------------------- */

struct nd_jwait;
typedef struct nd_journal {
	int fd;                      /* DIR/journal */
	char *path, *dir;
	nd_events *ev;
	pthread_mutex_t mut;         /* everything below, and ev's seq/size */
	pthread_cond_t cv;
	uint64_t gen;                /* records of this generation count */
	uint64_t alloc;              /* zeros written up to here */
	uint64_t size;               /* end of the last record written */
	uint64_t good;               /* end of the last record made durable */
	uint64_t limit;              /* checkpoint once size passes this */
	uint64_t next_ticket, pub_ticket;
	unsigned inflight;           /* tickets taken, not yet published */
	TAILQ_HEAD(, nd_jwait) waiting;   /* records written, not yet synced */
	TAILQ_HEAD(, nd_jwait) pubq;      /* changes waiting for their turn */
	bool syncing, ckpt;
	bool redo;                   /* a rename failed: the checkpoint redoes */
	unsigned skipped;            /* replayed files whose folder was gone */
} nd_journal;

/* One change going through the journal (the caller's, on its stack). */
typedef struct nd_jticket {
	uint64_t ticket;
	char *lines;                 /* its events, published at nd_jpublish */
	size_t len;
	bool failed;
} nd_jticket;

#define ND_JOURNAL_LIMIT (4u << 20)
/* Open DIR/journal with ev open: replay what a crash left, then
 * checkpoint. */
int nd_journal_open(nd_journal *j, const char *dir, nd_events *ev,
    nd_err *err);
/* Checkpoint and close. */
void nd_journal_close(nd_journal *j);
/*
 * Commit one change: the batch pb (may be NULL; its temporaries written)
 * and the events (consumed).  durable: one record holding both is
 * appended and synced (the fdatasync shared by every change committed at
 * the same time), then the temporaries renamed into place; otherwise they
 * are renamed at once and the events are not journaled.  EIO: nothing
 * changed (the batch is aborted).  On success the caller applies the
 * change in memory and then calls nd_jpublish; on failure it must call
 * nd_jpublish too (which then publishes nothing).
 */
int nd_jcommit(nd_journal *j, nd_pbatch *pb, cJSON *events, bool durable,
    nd_jticket *tk, nd_err *err);
/* Write tk's events to the log, in the order of the commits. */
void nd_jpublish(nd_journal *j, nd_jticket *tk);
/* Make every file the journal covers durable (syncfs), then empty the
 * journal.  Waits for the changes in flight; blocks new ones meanwhile. */
int nd_journal_checkpoint(nd_journal *j, nd_err *err);
/* Whether records wait for a checkpoint. */
bool nd_journal_pending(nd_journal *j);

/* ---- policy (nd_policy.c) ---------------------------------------------- */

enum nd_activation { ND_ACT_MANUAL, ND_ACT_AUTO, ND_ACT_CANARY };

typedef struct nd_policy {
	uint32_t caps;
	enum nd_activation activation;
	int canary_percent;          /* 0..100 */
	uint64_t canary_min_calls;   /* >= 1 */
	double canary_max_error_rate;/* 0..1 */
	int keep_loaded;             /* >= 0 */
	uint64_t gas;
	uint64_t memory;
} nd_policy;

void nd_policy_default(nd_policy *p);
/* Parse a whole policy file (missing keys take their defaults). */
int nd_policy_parse(const char *text, size_t len, nd_policy *out, nd_err *err);
char *nd_policy_render(const nd_policy *p, size_t *len);
/* Capability mask as words ("log time"), and as a JSON array. */
void nd_caps_words(uint32_t caps, char *buf, size_t size);
cJSON *nd_caps_json(uint32_t caps);
uint32_t nd_caps_from_json(const cJSON *a);
const char *nd_cap_name(uint32_t bit);

/* ---- versions: the DeployableUnit (nd_version.c) ------------------------ */

enum nd_vstate { ND_V_BUILDING, ND_V_VALIDATED, ND_V_LOADED, ND_V_ACTIVE,
	ND_V_CANARY, ND_V_RETIRED, ND_V_FAILED, ND_V__COUNT };

#define ND_HIST_N 9
extern const double nd_hist_bounds[ND_HIST_N];   /* seconds; last is +Inf */
typedef struct nd_hist {
	uint64_t b[ND_HIST_N];       /* non-cumulative counts */
	uint64_t count;
	double sum;
} nd_hist;
void nd_hist_add(nd_hist *h, double seconds);

typedef struct nd_version {
	TAILQ_ENTRY(nd_version) link;    /* unit's list, ascending semver */
	char unit[ND_UNIT_ID_MAX + 1];
	char ver[ND_VER_MAX];
	ncc_semver sv;
	enum nd_vstate state;
	uint64_t hid;
	char sha256[65];
	ncc_contract contract;
	uint32_t caps;
	int64_t created_ms;
	int64_t loaded_at_ms;            /* 0 when not loaded */
	uint8_t *blob;                   /* standalone versions only */
	size_t blob_len;
	nbc_module *mod;                 /* our reference while loaded */
	char modid[ND_MODID_MAX];
	/* figures, under e->lock */
	uint64_t calls, errors, instructions;
	nd_hist lat;
	uint64_t c_calls, c_errors;      /* since the canary started */
	char *last_error;                /* why it failed (standalone) */
} nd_version;

const char *nd_vstate_name(enum nd_vstate s);
int nd_vstate_parse(const char *s);           /* -1 if unknown */
/* Whether from -> to is in the table; the event it emits (NULL: none of
 * its own, the command's event covers it). */
bool nd_vtrans_allowed(enum nd_vstate from, enum nd_vstate to);
const char *nd_vtrans_event(enum nd_vstate from, enum nd_vstate to);
/* The one place a version's state is assigned: EBUSY if the table refuses
 * the transition (the state is then unchanged). */
int nd_version_transition(nd_version *v, enum nd_vstate to, nd_err *err);

/* A standalone DeployableUnit (the plan's Task 1): state BUILDING. */
nd_version *nd_version_new(const char *unit, const char *ver,
    const uint8_t *blob, size_t len);
void nd_version_free(nd_version *v);
/* Verify (-> VALIDATED) and load under "UNIT@VER" (-> LOADED); on failure
 * FAILED with last_error.  Returns true on success. */
bool nd_version_load(nd_version *v, nbc_runtime *rt, const nbc_limits *lim);
int nd_version_activate(nd_version *v, nd_err *err);     /* LOADED -> ACTIVE */
/* Unload from the runtime (LOADED -> RETIRED). */
int nd_version_unload(nd_version *v, nbc_runtime *rt, nd_err *err);
bool nd_version_is_healthy(const nd_version *v);
bool nd_version_is_active(const nd_version *v);
void nd_version_modid(char *buf, const char *unit, const char *ver);

/* ---- handles (nd_handle.c) ---------------------------------------------- */

enum nd_hstate { ND_H_QUEUED, ND_H_VALIDATING, ND_H_VALIDATED,
	ND_H_VALIDATION_FAILED, ND_H_CANARY, ND_H_ACTIVE, ND_H_ROLLED_BACK,
	ND_H_SUPERSEDED, ND_H__COUNT };

typedef struct nd_handle {
	uint64_t id;
	char unit[ND_UNIT_ID_MAX + 1];
	char version[ND_VER_MAX];        /* "" until numbered */
	enum nd_hstate state;
	uid_t uid;
	char user[64];
	int64_t submitted_ms, finished_ms;    /* finished 0: not yet */
	size_t source_bytes;
	char sha256[65];
	char bump[8];                    /* "" until known */
	uint32_t caps;
	cJSON *contract;                 /* NULL until known */
	cJSON *validation;               /* NULL until validated */
	TAILQ_ENTRY(nd_handle) qlink;    /* unit's queue while QUEUED */
} nd_handle;

const char *nd_hstate_name(enum nd_hstate s);
int nd_hstate_parse(const char *s);
bool nd_htrans_allowed(enum nd_hstate from, enum nd_hstate to);
const char *nd_htrans_event(enum nd_hstate from, enum nd_hstate to);
int nd_handle_transition(nd_handle *h, enum nd_hstate to, nd_err *err);
bool nd_hstate_pending(enum nd_hstate s);      /* QUEUED or VALIDATING */

nd_handle *nd_handle_new(void);
nd_handle *nd_handle_clone(const nd_handle *h);
void nd_handle_free(nd_handle *h);
/* Swap the contents of two handles (keeping each one's queue link). */
void nd_handle_swap(nd_handle *a, nd_handle *b);
cJSON *nd_handle_json(const nd_handle *h);
nd_handle *nd_handle_from_json(const cJSON *j);

/* ---- contract JSON (nd_render.c) ---------------------------------------- */

cJSON *nd_contract_json(const ncc_contract *c);
int nd_contract_from_json(const cJSON *j, ncc_contract *out);

/* ---- validation (nd_validate.c) ----------------------------------------- */

/* What the gates need to know of the unit, copied under the lock. */
typedef struct nd_vctx {
	const char *unit;
	nd_policy pol;
	bool has_newest, has_active;
	ncc_semver newest_sv, active_sv;
	ncc_contract newest, active;    /* copies */
	ncc_semver *existing;           /* every numbered version */
	size_t nexisting;
	nbc_runtime *rt;
} nd_vctx;
void nd_vctx_free(nd_vctx *c);

typedef struct nd_vresult {
	bool passed;
	cJSON *validation;       /* {passed, ms, gates[], errors[], warnings[]} */
	char version[ND_VER_MAX];/* the number it has or would have had ("" none) */
	ncc_semver sv;
	char bump[8];
	uint32_t caps;
	ncc_contract contract;
	bool has_contract;
	nbc_module *mod;         /* our reference when passed */
	char modid[ND_MODID_MAX];
	double ms;
} nd_vresult;
void nd_vresult_free(nd_vresult *r);

/* Run the six gates on src.  Always fills *r. */
void nd_validate(const nd_vctx *ctx, const char *src, size_t len,
    nd_vresult *r);
/* Gate 3's check for activating target over active (newer versions
 * only): 0, or EBUSY with the breaking changes in err. */
int nd_compat_check(const ncc_contract *active, const ncc_semver *active_sv,
    const ncc_contract *target, const ncc_semver *target_sv, nd_err *err);

/* ---- engine state ------------------------------------------------------- */

typedef struct nd_unit {
	TAILQ_ENTRY(nd_unit) link;       /* e->units or e->retired */
	TAILQ_ENTRY(nd_unit) rlink;      /* e->ready */
	char id[ND_UNIT_ID_MAX + 1];
	uid_t owner;
	int64_t created_ms, updated_ms;
	nd_policy pol;
	TAILQ_HEAD(nd_vlist, nd_version) versions;
	nd_version *active, *canary;
	int canary_pct;
	nd_version **hist;               /* earlier actives; top is previous */
	size_t nhist;
	uint64_t route_n;
	TAILQ_HEAD(nd_hqueue, nd_handle) queue;   /* QUEUED handles, in order */
	int npending;                    /* QUEUED + VALIDATING */
	bool busy, inready, retired, deciding;
	uint64_t last_handle;
	char *last_error;
	pthread_mutex_t mut;
	uint64_t upd_validated, upd_failed;
	nd_hist vdur;
	char *log;                       /* ring of the last ND_LOG_MAX bytes */
	size_t log_len;
} nd_unit;

struct nd_engine {
	char *dir;
	int lock_fd;
	nd_config cfg;
	size_t max_source;
	int max_pending;
	int nworkers;
	nbc_runtime *rt;
	pthread_mutex_t lock;
	pthread_cond_t job_cv;
	pthread_cond_t idle_cv;
	pthread_mutex_t create_mut;
	TAILQ_HEAD(nd_ulist, nd_unit) units, retired;
	TAILQ_HEAD(nd_rlist, nd_unit) ready;
	nd_handle **handles;             /* ascending id */
	size_t nhandles, handles_cap;
	uint64_t next_hid;
	int npending;
	int nwaiters;
	bool stopping;
	pthread_t *workers;
	/* validation results waiting to be committed (nd_manager.c) */
	struct nd_cjob *cjobs, **cjobs_tail;
	pthread_cond_t commit_cv;
	bool commit_stopping;
	pthread_t *committers;
	int ncommitters;
	nd_events ev;
	nd_journal jr;
};

/* Lookups; e->lock held. */
nd_unit *nd_unit_find(nd_engine *e, const char *id);
/* The unit a caller may change (its owner, or root): 0 and *u, or
 * ENOENT/EACCES with a message.  Takes e->lock. */
int nd_unit_writable(nd_engine *e, const char *id, uid_t caller,
    nd_unit **u, nd_err *err);
nd_handle *nd_handle_find(nd_engine *e, uint64_t hid);
nd_version *nd_version_find(nd_unit *u, const char *ver);
/* The unit's one word (EMPTY, UPDATING, ACTIVE, CANARY); e->lock held. */
const char *nd_unit_state_word(const nd_unit *u);
char *nd_unit_path(const nd_engine *e, const char *unit, const char *rest);
char *nd_handle_path(const nd_engine *e, uint64_t hid, const char *ext);

/* ---- transactions (nd_manager.c) ---------------------------------------- */

#define ND_TXN_MAX 24
typedef struct nd_txn {
	nd_engine *e;
	nd_unit *u;
	nd_pbatch pb;
	struct { nd_version *v; enum nd_vstate to; } vch[ND_TXN_MAX];
	int nvch;                        /* in order; one version may recur */
	struct { nd_handle *h; nd_handle *nh; } hch[ND_TXN_MAX];
	int nhch;
	nd_version *newv;                /* a version added by the commit */
	nd_handle *newh;                 /* a handle added (QUEUED) */
	uint64_t newh_id;                /* its id, for the notification */
	bool route_set;                  /* new routing below */
	nd_version *active, *canary;
	int canary_pct;
	nd_version **hist;
	size_t nhist;
	bool pol_set;
	nd_policy pol;
	char *last_error;                /* new last_error (NULL keeps it) */
	int vresult;                     /* 1 validated, 2 failed: metrics */
	double vms;
	cJSON *events;
	unsigned what;                   /* nd_change bits for the unit */
	bool committed;
	bool unit_file;                  /* write unit.json */
	/* Memory only, never written: a handle going from QUEUED to
	 * VALIDATING, or put back to QUEUED after the disk refused its
	 * result.  On disk it stays QUEUED, which recovery treats alike.
	 * Its events are published but not journaled. */
	bool memonly;
} nd_txn;

void nd_txn_init(nd_txn *t, nd_engine *e, nd_unit *u);
/* Free the transaction; after a commit, notify watchers (so call it with
 * no engine lock held). */
void nd_txn_free(nd_txn *t);
/* Stage a transition (checked against the table from the state staged so
 * far: EBUSY if refused).  Unless quiet, the table's event is added and
 * *ev (may be NULL) points at it so the caller can add fields. */
int nd_txn_version(nd_txn *t, nd_version *v, enum nd_vstate to, bool quiet,
    cJSON **ev, nd_err *err);
/* The state v will have when the transaction applies. */
enum nd_vstate nd_txn_vstate(const nd_txn *t, const nd_version *v);
/* Stage new contents for a handle; returns the copy to edit. */
nd_handle *nd_txn_handle(nd_txn *t, nd_handle *h);
/* Stage a handle transition on its copy, with the table's event. */
int nd_txn_handle_state(nd_txn *t, nd_handle *h, enum nd_hstate to,
    nd_err *err);
/* Stage routing changes (copies the current routing first). */
void nd_txn_route(nd_txn *t);
void nd_txn_event(nd_txn *t, cJSON *ev);
/* Persist, apply, log.  EIO when the state folder failed: nothing
 * changed then.  u->mut held (when there is a unit). */
int nd_txn_commit(nd_txn *t, nd_err *err);
/* unit.json as it will be after the transaction t.  Takes e->lock
 * briefly (to read the state of the versions' handles). */
cJSON *nd_unit_json(const nd_unit *u, const nd_txn *t);

void nd_notify(nd_engine *e, const char *unit, uint64_t hid, unsigned what);

/* Workers (nd_manager.c). */
int nd_workers_start(nd_engine *e);
void nd_workers_stop(nd_engine *e);
/* Put u on the ready list if it has queued work; e->lock held. */
void nd_unit_schedule(nd_engine *e, nd_unit *u);
/* Add text to a unit's log; e->lock held. */
void nd_unit_log_add(nd_unit *u, const char *ver, const char *out, size_t len);

#endif
