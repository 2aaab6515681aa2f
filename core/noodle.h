/*
 * noodle.h - public interface of libnoodle, the update engine.
 *
 * The engine owns units, their versions (DeployableUnits), update handles,
 * the validation worker pool, rollouts (activate, rollback, canary), the
 * event log and the state folder.  It knows nothing of FUSE: noodlefs, the
 * noodle client and any embedder drive it through this header only.
 *
 * Conventions:
 *  - Functions returning int return 0 on success, or a positive errno
 *    value on failure (EINVAL malformed input, ENOENT no such unit, version
 *    or handle, EBUSY not allowed in the current state, EAGAIN too many
 *    pending or waiting, EFBIG source too large, EACCES not the owner,
 *    EEXIST already exists, EIO the state folder failed, ETIMEDOUT a wait
 *    ran out, EINTR a wait was cancelled, ENOMEM).  The reason, for a
 *    person, is in the nd_err the caller passed (which may be NULL).
 *  - Strings returned through char ** are malloc'd and NUL-terminated;
 *    the caller frees them.  *len, where asked, excludes the NUL.
 *  - Every function is thread-safe.  No engine lock is held while the
 *    engine calls the notify callback.
 */
#ifndef NOODLE_H
#define NOODLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "nbc.h"

#define ND_VERSION_STRING "0.1.0"
#define ND_STATE_FORMAT 2          /* the state folder's format version */

#define ND_DEFAULT_MAX_SOURCE (1u << 20)
#define ND_DEFAULT_MAX_PENDING 1024
#define ND_MAX_WAITERS 256         /* blocked nd_wait_idle callers at once */
#define ND_UNIT_ID_MAX 64

typedef struct nd_engine nd_engine;

typedef struct nd_err {
	int code;                  /* positive errno, 0 when no error */
	char msg[512];
} nd_err;

/* What changed, for watchers: a bit set per file of a unit. */
enum nd_change_bits {
	ND_CH_STATE    = 1u << 0,  /* units/ID/state */
	ND_CH_STATUS   = 1u << 1,  /* units/ID/status */
	ND_CH_ACTIVE   = 1u << 2,  /* units/ID/active */
	ND_CH_EVENTS   = 1u << 3,  /* events (the log grew) */
	ND_CH_HANDLE   = 1u << 4,  /* handles/HID.json (hid in the change) */
	ND_CH_VERSIONS = 1u << 5,  /* units/ID/versions/ (added, removed, state) */
	ND_CH_LOG      = 1u << 6,  /* units/ID/log */
	ND_CH_METRICS  = 1u << 7,  /* units/ID/metrics */
	ND_CH_POLICY   = 1u << 8,  /* units/ID/policy */
	ND_CH_UNITS    = 1u << 9,  /* units/ (a unit created or retired) */
	ND_CH_WAIT     = 1u << 10, /* the unit became idle: wake waiters */
};

typedef struct nd_change {
	const char *unit;          /* NULL for engine-wide changes */
	uint64_t hid;              /* with ND_CH_HANDLE */
	unsigned what;             /* nd_change_bits */
} nd_change;

typedef struct nd_config {
	const char *state_dir;     /* required */
	int workers;               /* validation threads; <= 0: CPU count */
	size_t max_source;         /* 0: ND_DEFAULT_MAX_SOURCE */
	int max_pending;           /* 0: ND_DEFAULT_MAX_PENDING */
	/* Called after a change, from an engine thread, with no engine lock
	 * held.  Must not block for long and must not call back into the
	 * engine.  May be NULL. */
	void (*notify)(void *ctx, const nd_change *ch);
	void *notify_ctx;
} nd_config;

/*
 * Open the state folder (creating it), take its lock (EBUSY with a message
 * naming the holder's pid if another process has it), refuse a newer
 * format, load every unit, version and handle, recover (QUEUED and
 * VALIDATING handles validated again, ACTIVE versions loaded and active,
 * canaries aborted to the stable version), and start the workers.
 */
int nd_engine_open(const nd_config *cfg, nd_engine **out, nd_err *err);
/* Stop the workers (running validations finish), release the lock. */
void nd_engine_close(nd_engine *e);

/* ---- units ---------------------------------------------------------------- */

/* Whether id matches [A-Za-z0-9][A-Za-z0-9._-]{0,63}. */
bool nd_unit_id_valid(const char *id);

int nd_unit_create(nd_engine *e, const char *id, uid_t owner, nd_err *err);
/* Retire a unit: EACCES unless caller is the owner or root; EBUSY while it
 * has an active version, a canary or pending handles.  Its handles stay. */
int nd_unit_retire(nd_engine *e, const char *id, uid_t caller, nd_err *err);
/* Unit ids in creation order. */
int nd_unit_list(nd_engine *e, char ***ids, size_t *n);
void nd_strv_free(char **v, size_t n);

typedef struct nd_unit_info {
	uid_t owner;
	int64_t created_ms;        /* Unix time in milliseconds */
	int64_t updated_ms;
} nd_unit_info;
int nd_unit_info_get(nd_engine *e, const char *id, nd_unit_info *out);

/* ---- submissions and waiting -------------------------------------------- */

/*
 * Submit len bytes of source to unit for caller uid.  On return 0 the
 * source and a handle in state QUEUED are durably stored and *hid is set.
 * EFBIG over max_source, EAGAIN when max_pending handles are pending,
 * EACCES unless uid owns the unit or is root, ENOENT no such unit, EIO the
 * state folder failed (nothing is submitted then).
 */
int nd_submit(nd_engine *e, const char *unit, const char *src, size_t len,
    uid_t uid, uint64_t *hid, nd_err *err);

/*
 * Block until unit has no QUEUED or VALIDATING handle, or timeout_ms runs
 * out (ETIMEDOUT; < 0 waits forever), or cancelled(ctx) returns true
 * (EINTR; polled at least every 50 ms).  *hid receives the newest handle
 * of the unit (0 if it has none).  EAGAIN when ND_MAX_WAITERS are waiting.
 */
int nd_wait_idle(nd_engine *e, const char *unit, int timeout_ms,
    bool (*cancelled)(void *ctx), void *ctx, uint64_t *hid, nd_err *err);
/* Same for one handle: until it leaves QUEUED and VALIDATING. */
int nd_wait_handle(nd_engine *e, uint64_t hid, int timeout_ms,
    bool (*cancelled)(void *ctx), void *ctx, nd_err *err);

/* ---- control ---------------------------------------------------------- */

/*
 * One ctl command line (trailing newline allowed): activate [VER],
 * rollback, canary VER PERCENT, promote, abort, unload VER.  Happens whole
 * or not at all.  EINVAL malformed or unknown, ENOENT no such version,
 * EBUSY not allowed now, EACCES not the owner.  The reason also goes to
 * status.last_error and to the event log.
 */
int nd_ctl(nd_engine *e, const char *unit, const char *cmd, size_t len,
    uid_t caller, nd_err *err);

/* Replace the policy with the text of a policy file (key = value lines).
 * EINVAL if any line does not parse; then nothing changes. */
int nd_policy_set(nd_engine *e, const char *unit, const char *text,
    size_t len, uid_t caller, nd_err *err);

/* ---- calls ------------------------------------------------------------ */

/*
 * Parse a call expression `name(literal, ...)` and run it on the version
 * the routing picks (active, or the canary for its share).  *json is the
 * reply of SPEC.md section 5 (`{"ok":true,"result":...,"version":...,
 * "us":...}` or `{"ok":false,"error":{...},"version":...}`), with a final
 * newline.  Returns EINVAL (and no *json) when the text does not parse,
 * ENOENT when the unit does not exist, EBUSY when nothing is active.
 */
int nd_call_text(nd_engine *e, const char *unit, const char *text,
    size_t len, char **json, nd_err *err);

/* The same from C: *res as nbc_call fills it; version receives the
 * version that served the call. */
int nd_call(nd_engine *e, const char *unit, const char *func,
    const nbc_lit *args, size_t nargs, nbc_result *res, char version[32],
    nd_err *err);

/* ---- what the files show ------------------------------------------------ */

/* Each renders one file's whole content at this instant. */
int nd_render_state(nd_engine *e, const char *unit, char **out, size_t *len);
int nd_render_status(nd_engine *e, const char *unit, char **out, size_t *len);
int nd_render_active(nd_engine *e, const char *unit, char **out, size_t *len);
int nd_render_policy(nd_engine *e, const char *unit, char **out, size_t *len);
int nd_render_metrics(nd_engine *e, const char *unit, char **out, size_t *len);
int nd_render_log(nd_engine *e, const char *unit, char **out, size_t *len);
int nd_render_handle(nd_engine *e, uint64_t hid, char **out, size_t *len);

/* Versions of a unit that have folders (passed validation, not retired
 * from the record), oldest first. */
int nd_version_list(nd_engine *e, const char *unit, char ***vers, size_t *n);

enum nd_version_file { ND_VF_SOURCE, ND_VF_STATE, ND_VF_CONTRACT,
	ND_VF_BYTECODE };
int nd_render_version_file(nd_engine *e, const char *unit, const char *ver,
    enum nd_version_file which, char **out, size_t *len);

/* Every handle id, ascending. */
int nd_handle_list(nd_engine *e, uint64_t **hids, size_t *n);
/* Owner of a unit, for stat(): ENOENT if none. */
int nd_unit_owner(nd_engine *e, const char *unit, uid_t *owner);

/* The event log (JSON Lines, append-only): its size, and a read of it. */
uint64_t nd_events_size(nd_engine *e);
ssize_t nd_events_read(nd_engine *e, char *buf, size_t len, uint64_t off);

#endif
