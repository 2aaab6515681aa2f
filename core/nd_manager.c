/*
 * nd_manager.c - the UpdateManager: transactions, submissions, the
 * validation worker pool, ctl commands, rollouts and calls.
 *
 * Transactions.  Every change of a unit is an nd_txn: the caller, holding
 * u->mut, stages version and handle transitions (checked against the
 * tables of nd_version.c and nd_handle.c), routing, policy and files;
 * nd_txn_commit writes and syncs every file first (nd_pbatch), then
 * applies it all in one e->lock section - calls see a swap at once - and
 * appends the events.  nd_txn_free notifies watchers after u->mut is let
 * go.  A failed write returns EIO and changes nothing.
 *
 * Worker pool (after Redis's bio.c).  nd_submit stores the source and a
 * QUEUED handle, puts the handle on its unit's queue and the unit on the
 * engine's ready list, and signals job_cv.  Each of the `workers` threads
 * waits on job_cv, takes the first ready unit, marks it busy (so one unit
 * never has two validations at once: its submissions are validated in the
 * order they came) and runs the gates on the head of its queue with no
 * lock held.  Different units validate in parallel.  The result goes to a
 * second queue (cjobs, commit_cv) served by more threads (4 per worker):
 * committing is waiting for the disk, so the workers go on with the next
 * unit while several commits share the file system's journal commits.
 * The unit stays busy until its result is committed.
 *
 * Rollouts.  ctl commands (activate, rollback, canary, promote, abort,
 * unload) happen whole or not at all; a refused one records last_error and
 * a ctl_failed event.  Calls pick the active version, or the canary for
 * canary.percent of calls (an exact share: call n goes to the canary when
 * floor((n+1)p/100) > floor(np/100)), take a reference to its module under
 * e->lock, run without any lock and release it, so a swap never waits for
 * calls and a module is freed only after its last call.  After each canary
 * call, once the canary has canary.min_calls calls, the manager promotes
 * it or rolls it back by itself (SPEC.md section 5b); a policy change that
 * lowers canary.min_calls to the calls the canary has decides at once.
 * The decision's event carries calls, errors, rate and threshold as
 * fields and in its reason.
 *
 * A rollout step of handles that have their versions is recorded in
 * unit.json (each version entry's handle_state) and the handle files are
 * rewritten lazily, so a ctl command makes one durable write (see
 * nd_persist.c).
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/stat.h>
#include <unistd.h>

#include "nd_internal.h"

/* ---- transactions ------------------------------------------------------ */

void nd_txn_init(nd_txn *t, nd_engine *e, nd_unit *u)
{
	memset(t, 0, sizeof(*t));
	t->e = e;
	t->u = u;
	nd_pb_init(&t->pb);
	t->pb.j = &e->jr;
	t->events = cJSON_CreateArray();
}

void nd_notify(nd_engine *e, const char *unit, uint64_t hid, unsigned what)
{
	nd_change ch = { unit, hid, what };

	if (e->cfg.notify && what)
		e->cfg.notify(e->cfg.notify_ctx, &ch);
}

void nd_txn_free(nd_txn *t)
{
	int i;

	if (t->pb.n || t->pb.nmkdirs)
		nd_pb_abort(&t->pb);
	if (t->committed) {
		const char *unit = t->u ? t->u->id : NULL;

		/* the copies hold the same id and unit and are ours alone */
		for (i = 0; i < t->nhch; i++)
			nd_notify(t->e, t->hch[i].nh->unit, t->hch[i].nh->id,
			    ND_CH_HANDLE);
		if (t->newh_id)
			nd_notify(t->e, unit, t->newh_id, ND_CH_HANDLE);
		nd_notify(t->e, unit, 0, t->what);
		nd_notify(t->e, NULL, 0, ND_CH_EVENTS);
	} else {
		if (t->newv) {
			if (t->newv->mod) {
				nbc_unload_module(t->e->rt, t->newv->modid);
			}
			nd_version_free(t->newv);
		}
		nd_handle_free(t->newh);
	}
	for (i = 0; i < t->nhch; i++)
		nd_handle_free(t->hch[i].nh);
	free(t->hist);
	free(t->last_error);
	cJSON_Delete(t->events);
	memset(t, 0, sizeof(*t));
}

enum nd_vstate nd_txn_vstate(const nd_txn *t, const nd_version *v)
{
	int i;

	for (i = t->nvch - 1; i >= 0; i--)
		if (t->vch[i].v == v)
			return t->vch[i].to;
	return v->state;
}

void nd_txn_event(nd_txn *t, cJSON *ev)
{
	cJSON_AddItemToArray(t->events, ev);
}

int nd_txn_version(nd_txn *t, nd_version *v, enum nd_vstate to, bool quiet,
    cJSON **evp, nd_err *err)
{
	enum nd_vstate from = nd_txn_vstate(t, v);
	const char *type;

	if (evp)
		*evp = NULL;
	if (!nd_vtrans_allowed(from, to))
		return nd_seterr(err, EBUSY, "version %s is %s: it cannot become %s",
		    v->ver, nd_vstate_name(from), nd_vstate_name(to));
	if (t->nvch == ND_TXN_MAX)
		return nd_seterr(err, EBUSY, "too many changes at once");
	t->vch[t->nvch].v = v;
	t->vch[t->nvch].to = to;
	t->nvch++;
	t->unit_file = true;
	t->what |= ND_CH_VERSIONS | ND_CH_STATUS | ND_CH_STATE | ND_CH_METRICS;
	type = nd_vtrans_event(from, to);
	if (!quiet && type) {
		cJSON *ev = nd_event_new(type, v->unit);

		cJSON_AddStringToObject(ev, "version", v->ver);
		cJSON_AddNumberToObject(ev, "handle", (double)v->hid);
		nd_txn_event(t, ev);
		if (evp)
			*evp = ev;
	}
	return 0;
}

nd_handle *nd_txn_handle(nd_txn *t, nd_handle *h)
{
	int i;

	if (h == t->newh)
		return h;
	for (i = 0; i < t->nhch; i++)
		if (t->hch[i].h == h)
			return t->hch[i].nh;
	if (t->nhch == ND_TXN_MAX)
		return NULL;
	t->hch[t->nhch].h = h;
	t->hch[t->nhch].nh = nd_handle_clone(h);
	if (!t->hch[t->nhch].nh)
		return NULL;
	return t->hch[t->nhch++].nh;
}

int nd_txn_handle_state(nd_txn *t, nd_handle *h, enum nd_hstate to,
    nd_err *err)
{
	nd_handle *nh = nd_txn_handle(t, h);
	enum nd_hstate from;
	const char *type;
	int r;

	if (!nh)
		return nd_seterr(err, ENOMEM, "out of memory");
	from = nh->state;
	r = nd_handle_transition(nh, to, err);
	if (r)
		return r;
	type = nd_htrans_event(from, to);
	if (type) {
		cJSON *ev = nd_event_new(type, nh->unit);

		cJSON_AddNumberToObject(ev, "handle", (double)nh->id);
		if (nh->version[0])
			cJSON_AddStringToObject(ev, "version", nh->version);
		nd_txn_event(t, ev);
	}
	return 0;
}

void nd_txn_route(nd_txn *t)
{
	nd_unit *u = t->u;

	if (t->route_set)
		return;
	t->route_set = true;
	t->unit_file = true;
	t->active = u->active;
	t->canary = u->canary;
	t->canary_pct = u->canary_pct;
	t->nhist = u->nhist;
	t->hist = calloc(u->nhist + 2, sizeof(*t->hist));
	if (u->nhist)
		memcpy(t->hist, u->hist, u->nhist * sizeof(*t->hist));
	t->what |= ND_CH_ACTIVE | ND_CH_STATE | ND_CH_STATUS | ND_CH_METRICS;
}

static void txn_hist_push(nd_txn *t, nd_version *v)
{
	size_t i, j;

	for (i = j = 0; i < t->nhist; i++)
		if (t->hist[i] != v)
			t->hist[j++] = t->hist[i];
	t->nhist = j;
	t->hist = realloc(t->hist, (t->nhist + 2) * sizeof(*t->hist));
	t->hist[t->nhist++] = v;
}

static void txn_hist_remove(nd_txn *t, nd_version *v)
{
	size_t i, j;

	for (i = j = 0; i < t->nhist; i++)
		if (t->hist[i] != v)
			t->hist[j++] = t->hist[i];
	t->nhist = j;
}

static void json_time(cJSON *j, const char *key, int64_t ms)
{
	char buf[32];

	if (ms <= 0) {
		cJSON_AddNullToObject(j, key);
		return;
	}
	nd_time_fmt(ms, buf);
	cJSON_AddStringToObject(j, key, buf);
}

/* The state h will have when the transaction applies. */
static enum nd_hstate txn_hstate(const nd_txn *t, const nd_handle *h)
{
	int i;

	for (i = 0; i < t->nhch; i++)
		if (t->hch[i].h == h)
			return t->hch[i].nh->state;
	return h->state;
}

/* v's entry in unit.json, with the state its handle will have (hs < 0:
 * none known). */
static cJSON *version_entry(const nd_version *v, enum nd_vstate st, int hs)
{
	cJSON *o = cJSON_CreateObject();

	cJSON_AddStringToObject(o, "version", v->ver);
	cJSON_AddStringToObject(o, "state", nd_vstate_name(st));
	cJSON_AddNumberToObject(o, "handle", (double)v->hid);
	if (hs >= 0)
		cJSON_AddStringToObject(o, "handle_state",
		    nd_hstate_name((enum nd_hstate)hs));
	json_time(o, "loaded_at", v->loaded_at_ms);
	return o;
}

/* The state v's handle will have after t (-1 if it has none); e->lock
 * held. */
static int entry_hstate(const nd_txn *t, const nd_version *v)
{
	const nd_handle *h;
	int i;

	for (i = 0; i < t->nhch; i++)
		if (t->hch[i].nh->id == v->hid)
			return (int)t->hch[i].nh->state;
	h = nd_handle_find(t->e, v->hid);
	return h ? (int)txn_hstate(t, h) : -1;
}

cJSON *nd_unit_json(const nd_unit *u, const nd_txn *t)
{
	cJSON *j = cJSON_CreateObject(), *a;
	const nd_version *v, *active = u->active, *canary = u->canary;
	nd_version *const *hist = u->hist;
	size_t nhist = u->nhist, i;
	int pct = u->canary_pct;
	const char *err = u->last_error;
	bool newv_done = !(t && t->newv);

	if (t && t->route_set) {
		active = t->active;
		canary = t->canary;
		pct = t->canary_pct;
		hist = t->hist;
		nhist = t->nhist;
	}
	if (t && t->last_error)
		err = t->last_error[0] ? t->last_error : NULL;
	cJSON_AddStringToObject(j, "id", u->id);
	cJSON_AddNumberToObject(j, "owner", (double)u->owner);
	json_time(j, "created", u->created_ms);
	json_time(j, "updated", nd_now_ms());
	if (active)
		cJSON_AddStringToObject(j, "active", active->ver);
	else
		cJSON_AddNullToObject(j, "active");
	a = cJSON_AddArrayToObject(j, "history");
	for (i = 0; i < nhist; i++)
		cJSON_AddItemToArray(a, cJSON_CreateString(hist[i]->ver));
	if (canary) {
		cJSON *c = cJSON_AddObjectToObject(j, "canary");

		cJSON_AddStringToObject(c, "version", canary->ver);
		cJSON_AddNumberToObject(c, "percent", pct);
	} else {
		cJSON_AddNullToObject(j, "canary");
	}
	cJSON_AddNumberToObject(j, "last_handle",
	    (double)(t && t->newh ? t->newh->id : u->last_handle));
	if (err)
		cJSON_AddStringToObject(j, "last_error", err);
	else
		cJSON_AddNullToObject(j, "last_error");
	a = cJSON_AddArrayToObject(j, "versions");
	pthread_mutex_lock(&t->e->lock);
	TAILQ_FOREACH(v, &u->versions, link) {
		if (!newv_done && ncc_semver_cmp(&t->newv->sv, &v->sv) < 0) {
			cJSON_AddItemToArray(a, version_entry(t->newv,
			    nd_txn_vstate(t, t->newv), entry_hstate(t, t->newv)));
			newv_done = true;
		}
		cJSON_AddItemToArray(a, version_entry(v, nd_txn_vstate(t, v),
		    entry_hstate(t, v)));
	}
	if (!newv_done)
		cJSON_AddItemToArray(a, version_entry(t->newv,
		    nd_txn_vstate(t, t->newv), entry_hstate(t, t->newv)));
	pthread_mutex_unlock(&t->e->lock);
	return j;
}

static void insert_version(nd_unit *u, nd_version *nv)
{
	nd_version *v;

	TAILQ_FOREACH(v, &u->versions, link) {
		if (ncc_semver_cmp(&nv->sv, &v->sv) < 0) {
			TAILQ_INSERT_BEFORE(v, nv, link);
			return;
		}
	}
	TAILQ_INSERT_TAIL(&u->versions, nv, link);
}

static void handles_insert(nd_engine *e, nd_handle *h)
{
	size_t i;

	if (e->nhandles == e->handles_cap) {
		e->handles_cap = e->handles_cap ? e->handles_cap * 2 : 64;
		e->handles = reallocarray(e->handles, e->handles_cap,
		    sizeof(*e->handles));
	}
	i = e->nhandles;
	while (i > 0 && e->handles[i - 1]->id > h->id) {
		e->handles[i] = e->handles[i - 1];
		i--;
	}
	e->handles[i] = h;
	e->nhandles++;
}

/* Apply the staged changes in memory; e->lock held.  Fills unload[] with
 * modules to release once the lock is let go. */
static int txn_apply(nd_txn *t, nbc_module **unload, int *nunload)
{
	nd_engine *e = t->e;
	nd_unit *u = t->u;
	bool idle_before = u && u->npending == 0, wake = false;
	int i;

	*nunload = 0;
	if (t->newv) {
		insert_version(u, t->newv);
		t->newv = NULL;
	}
	for (i = 0; i < t->nvch; i++) {
		nd_version *v = t->vch[i].v;
		enum nd_vstate to = t->vch[i].to;

		if (nd_version_transition(v, to, NULL) != 0)
			continue;       /* staged against the same table */
		if (to == ND_V_LOADED && !v->loaded_at_ms)
			v->loaded_at_ms = nd_now_ms();
		if (to == ND_V_CANARY)
			v->c_calls = v->c_errors = 0;
		if (to == ND_V_RETIRED && v->mod) {
			unload[(*nunload)++] = v->mod;
			v->mod = NULL;
			v->loaded_at_ms = 0;
		}
	}
	for (i = 0; i < t->nhch; i++) {
		nd_handle *h = t->hch[i].h;
		bool was = nd_hstate_pending(h->state);

		nd_handle_swap(h, t->hch[i].nh);
		if (h->state == ND_H_VALIDATING && t->hch[i].nh->state ==
		    ND_H_QUEUED)
			TAILQ_REMOVE(&u->queue, h, qlink);
		if (h->state == ND_H_QUEUED && t->hch[i].nh->state ==
		    ND_H_VALIDATING)
			TAILQ_INSERT_HEAD(&u->queue, h, qlink);
		if (was && !nd_hstate_pending(h->state)) {
			u->npending--;
			e->npending--;
			wake = true;
		}
	}
	if (t->newh) {
		t->newh_id = t->newh->id;
		handles_insert(e, t->newh);
		TAILQ_INSERT_TAIL(&u->queue, t->newh, qlink);
		u->npending++;
		u->last_handle = t->newh->id;
		t->newh = NULL;
		nd_unit_schedule(e, u);
	}
	if (t->route_set) {
		nd_version **old = u->hist;

		u->active = t->active;
		u->canary = t->canary;
		u->canary_pct = t->canary_pct;
		u->hist = t->hist;
		u->nhist = t->nhist;
		t->hist = old;
	}
	if (t->pol_set)
		u->pol = t->pol;
	if (t->last_error) {
		free(u->last_error);
		u->last_error = t->last_error[0] ? t->last_error : NULL;
		if (!t->last_error[0])
			free(t->last_error);
		t->last_error = NULL;
	}
	if (t->vresult == 1)
		u->upd_validated++;
	if (t->vresult == 2)
		u->upd_failed++;
	if (t->vresult)
		nd_hist_add(&u->vdur, t->vms / 1000.0);
	if (u)
		u->updated_ms = nd_now_ms();
	if (wake) {
		pthread_cond_broadcast(&e->idle_cv);
		if (!idle_before && u->npending == 0)
			t->what |= ND_CH_WAIT;
	}
	return 0;
}

/*
 * Whether unit.json must record the change of handle h to nh: a step
 * between the states a handle has once validated, for a handle whose
 * version is in t's unit (that version's entry keeps its handle_state,
 * which wins at open over a handle file that lags: a state folder of
 * format 1 wrote those files unsynced).
 */
static bool handle_in_unit_json(const nd_txn *t, const nd_handle *h,
    const nd_handle *nh)
{
	const nd_version *v;

	if (!t->u || nd_hstate_pending(h->state) || nd_hstate_pending(nh->state) ||
	    h->state == ND_H_VALIDATION_FAILED ||
	    nh->state == ND_H_VALIDATION_FAILED || strcmp(h->unit, t->u->id))
		return false;
	TAILQ_FOREACH(v, &t->u->versions, link)
		if (v->hid == h->id)
			return true;
	return false;
}

int nd_txn_commit(nd_txn *t, nd_err *err)
{
	nd_engine *e = t->e;
	nbc_module *unload[ND_TXN_MAX];
	nd_jticket tk;
	int i, nunload, r;

	if (t->memonly) {
		if (cJSON_GetArraySize(t->events) > 0)
			t->what |= ND_CH_EVENTS;
		nd_jcommit(&e->jr, NULL, t->events, false, &tk, NULL);
		t->events = NULL;
		goto apply;
	}
	for (i = 0; i < t->nhch; i++) {
		char *p = nd_handle_path(e, t->hch[i].nh->id, "json");
		cJSON *j = nd_handle_json(t->hch[i].nh);

		if (handle_in_unit_json(t, t->hch[i].h, t->hch[i].nh))
			t->unit_file = true;
		r = nd_pb_add_json(&t->pb, p, j, err);
		cJSON_Delete(j);
		free(p);
		if (r)
			goto fail;
	}
	if (t->newh) {
		char *p = nd_handle_path(e, t->newh->id, "json");
		cJSON *j = nd_handle_json(t->newh);

		r = nd_pb_add_json(&t->pb, p, j, err);
		cJSON_Delete(j);
		free(p);
		if (r)
			goto fail;
	}
	if (t->pol_set) {
		size_t n;
		char *s = nd_policy_render(&t->pol, &n);
		char *p = nd_unit_path(e, t->u->id, "policy");

		r = nd_pb_add(&t->pb, p, s, n, err);
		free(s);
		free(p);
		if (r)
			goto fail;
		t->what |= ND_CH_POLICY | ND_CH_STATUS;
	}
	if (t->u && (t->unit_file || t->last_error || t->newv)) {
		char *p = nd_unit_path(e, t->u->id, "unit.json");
		cJSON *j = nd_unit_json(t->u, t);

		r = nd_pb_add_json(&t->pb, p, j, err);
		cJSON_Delete(j);
		free(p);
		if (r)
			goto fail;
		t->what |= ND_CH_STATUS;
	}
	if (cJSON_GetArraySize(t->events) > 0)
		t->what |= ND_CH_EVENTS;
	r = nd_jcommit(&e->jr, &t->pb, t->events, true, &tk, err);
	t->events = NULL;
	if (r) {
		nd_jpublish(&e->jr, &tk);
		return r;
	}
apply:
	pthread_mutex_lock(&e->lock);
	txn_apply(t, unload, &nunload);
	pthread_mutex_unlock(&e->lock);
	for (i = 0; i < nunload; i++) {
		nbc_unload_module(e->rt, nbc_module_id(unload[i]));
		nbc_module_release(unload[i]);
	}
	t->committed = true;
	nd_jpublish(&e->jr, &tk);
	return 0;
fail:
	nd_pb_abort(&t->pb);
	return r ? r : EIO;
}

/* ---- submissions -------------------------------------------------------- */

int nd_submit(nd_engine *e, const char *unit, const char *src, size_t len,
    uid_t uid, uint64_t *hid, nd_err *err)
{
	nd_unit *u;
	nd_handle *h;
	nd_txn t;
	char *p;
	cJSON *ev;
	int r = 0;

	if (len > e->max_source)
		return nd_seterr(err, EFBIG, "source of %zu bytes is over the "
		    "limit of %zu bytes", len, e->max_source);
	r = nd_unit_writable(e, unit, uid, &u, err);
	if (r)
		return r;
	h = nd_handle_new();
	if (!h)
		return nd_seterr(err, ENOMEM, "out of memory");
	strlcpy(h->unit, unit, sizeof(h->unit));
	h->state = ND_H_QUEUED;
	h->uid = uid;
	nd_user_name(uid, h->user, sizeof(h->user));
	h->source_bytes = len;
	nd_sha256_hex(src, len, h->sha256);

	/* The id is taken under u->mut, so a unit's queue is in id order. */
	pthread_mutex_lock(&u->mut);
	pthread_mutex_lock(&e->lock);
	if (u->retired)
		r = nd_seterr(err, ENOENT, "no unit '%s'", unit);
	else if (e->npending >= e->max_pending)
		r = nd_seterr(err, EAGAIN, "%d submissions are pending already "
		    "(max_pending)", e->npending);
	else {
		e->npending++;
		h->id = e->next_hid++;
	}
	pthread_mutex_unlock(&e->lock);
	if (r) {
		pthread_mutex_unlock(&u->mut);
		nd_handle_free(h);
		return r;
	}
	h->submitted_ms = nd_now_ms();
	nd_txn_init(&t, e, u);
	t.newh = h;
	t.what |= ND_CH_STATE | ND_CH_STATUS;
	p = nd_handle_path(e, h->id, "source");
	r = nd_pb_add(&t.pb, p, src, len, err);
	free(p);
	if (!r) {
		ev = nd_event_new("submitted", unit);
		cJSON_AddNumberToObject(ev, "handle", (double)h->id);
		cJSON_AddNumberToObject(ev, "bytes", (double)len);
		cJSON_AddStringToObject(ev, "submitted_by", h->user);
		nd_txn_event(&t, ev);
		*hid = h->id;
		r = nd_txn_commit(&t, err);
	}
	pthread_mutex_unlock(&u->mut);
	nd_txn_free(&t);        /* frees h unless it was committed */
	if (r) {
		pthread_mutex_lock(&e->lock);
		e->npending--;
		pthread_mutex_unlock(&e->lock);
	}
	return r;
}

/* ---- waiting ------------------------------------------------------------ */

static int wait_loop(nd_engine *e, const char *unit, uint64_t hid,
    int timeout_ms, bool (*cancelled)(void *), void *ctx, uint64_t *out,
    nd_err *err)
{
	struct timespec end, now;
	int r = 0;

	clock_gettime(CLOCK_MONOTONIC, &end);
	if (timeout_ms >= 0) {
		end.tv_sec += timeout_ms / 1000;
		end.tv_nsec += (long)(timeout_ms % 1000) * 1000000;
		if (end.tv_nsec >= 1000000000) {
			end.tv_sec++;
			end.tv_nsec -= 1000000000;
		}
	}
	pthread_mutex_lock(&e->lock);
	if (e->nwaiters >= ND_MAX_WAITERS) {
		pthread_mutex_unlock(&e->lock);
		return nd_seterr(err, EAGAIN, "too many waiters");
	}
	e->nwaiters++;
	for (;;) {
		struct timespec slice;
		bool busy;

		if (unit) {
			nd_unit *u = nd_unit_find(e, unit);

			if (!u) {
				r = nd_seterr(err, ENOENT, "no unit '%s'", unit);
				break;
			}
			busy = u->npending > 0;
			if (out)
				*out = u->last_handle;
		} else {
			nd_handle *h = nd_handle_find(e, hid);

			if (!h) {
				r = nd_seterr(err, ENOENT, "no handle %llu",
				    (unsigned long long)hid);
				break;
			}
			busy = nd_hstate_pending(h->state);
		}
		if (!busy)
			break;
		if (e->stopping) {
			r = nd_seterr(err, EINTR, "the engine is closing");
			break;
		}
		clock_gettime(CLOCK_MONOTONIC, &now);
		if (timeout_ms >= 0 && (now.tv_sec > end.tv_sec ||
		    (now.tv_sec == end.tv_sec && now.tv_nsec >= end.tv_nsec))) {
			r = nd_seterr(err, ETIMEDOUT, "still validating");
			break;
		}
		if (cancelled) {
			bool c;

			pthread_mutex_unlock(&e->lock);
			c = cancelled(ctx);
			pthread_mutex_lock(&e->lock);
			if (c) {
				r = nd_seterr(err, EINTR, "wait cancelled");
				break;
			}
		}
		slice = now;
		slice.tv_nsec += 50 * 1000000;
		if (slice.tv_nsec >= 1000000000) {
			slice.tv_sec++;
			slice.tv_nsec -= 1000000000;
		}
		if (timeout_ms >= 0 && (slice.tv_sec > end.tv_sec ||
		    (slice.tv_sec == end.tv_sec && slice.tv_nsec > end.tv_nsec)))
			slice = end;
		pthread_cond_timedwait(&e->idle_cv, &e->lock, &slice);
	}
	e->nwaiters--;
	pthread_mutex_unlock(&e->lock);
	return r;
}

int nd_wait_idle(nd_engine *e, const char *unit, int timeout_ms,
    bool (*cancelled)(void *ctx), void *ctx, uint64_t *hid, nd_err *err)
{
	uint64_t h = 0;
	int r = wait_loop(e, unit, 0, timeout_ms, cancelled, ctx, &h, err);

	if (hid)
		*hid = h;
	return r;
}

int nd_wait_handle(nd_engine *e, uint64_t hid, int timeout_ms,
    bool (*cancelled)(void *ctx), void *ctx, nd_err *err)
{
	return wait_loop(e, NULL, hid, timeout_ms, cancelled, ctx, NULL, err);
}

/* ---- the worker pool ----------------------------------------------------- */

void nd_unit_schedule(nd_engine *e, nd_unit *u)
{
	if (u->busy || u->inready || u->retired || TAILQ_EMPTY(&u->queue))
		return;
	u->inready = true;
	TAILQ_INSERT_TAIL(&e->ready, u, rlink);
	pthread_cond_signal(&e->job_cv);
}

static nd_version *newest_version(nd_unit *u)
{
	return TAILQ_LAST(&u->versions, nd_vlist);
}

/* Copy what the gates need of u; e->lock held. */
static void vctx_fill(nd_engine *e, nd_unit *u, nd_vctx *c)
{
	nd_version *v, *n = newest_version(u);
	size_t i = 0;

	memset(c, 0, sizeof(*c));
	c->unit = u->id;
	c->pol = u->pol;
	c->rt = e->rt;
	if (n) {
		c->has_newest = true;
		c->newest_sv = n->sv;
		ncc_contract_copy(&c->newest, &n->contract);
	}
	if (u->active) {
		c->has_active = true;
		c->active_sv = u->active->sv;
		ncc_contract_copy(&c->active, &u->active->contract);
	}
	TAILQ_FOREACH(v, &u->versions, link)
		i++;
	c->existing = calloc(i + 1, sizeof(*c->existing));
	i = 0;
	TAILQ_FOREACH(v, &u->versions, link)
		c->existing[i++] = v->sv;
	c->nexisting = i;
}

static void fail_result(nd_vresult *r, const char *msg)
{
	cJSON *v = cJSON_CreateObject(), *g, *gate, *d;

	memset(r, 0, sizeof(*r));
	d = cJSON_CreateObject();
	cJSON_AddStringToObject(d, "gate", "compile");
	cJSON_AddNumberToObject(d, "line", 0);
	cJSON_AddNumberToObject(d, "col", 0);
	cJSON_AddStringToObject(d, "message", msg);
	cJSON_AddBoolToObject(v, "passed", false);
	cJSON_AddNumberToObject(v, "ms", 0);
	g = cJSON_AddArrayToObject(v, "gates");
	gate = cJSON_CreateObject();
	cJSON_AddStringToObject(gate, "name", "compile");
	cJSON_AddBoolToObject(gate, "passed", false);
	cJSON_AddNumberToObject(gate, "ms", 0);
	cJSON_AddItemToArray(cJSON_AddArrayToObject(gate, "errors"),
	    cJSON_Duplicate(d, 1));
	cJSON_AddItemToArray(g, gate);
	cJSON_AddItemToArray(cJSON_AddArrayToObject(v, "errors"), d);
	cJSON_AddArrayToObject(v, "warnings");
	r->validation = v;
}

static char *first_error(const cJSON *validation)
{
	const cJSON *errs = cJSON_GetObjectItemCaseSensitive(validation,
	    "errors");
	const cJSON *e0 = cJSON_GetArrayItem(errs, 0);
	const cJSON *m = cJSON_GetObjectItemCaseSensitive(e0, "message");
	const cJSON *g = cJSON_GetObjectItemCaseSensitive(e0, "gate");
	const cJSON *l = cJSON_GetObjectItemCaseSensitive(e0, "line");
	char *s;

	if (!cJSON_IsString(m))
		return strdup("validation failed");
	if (asprintf(&s, "validation failed at gate %s, line %d: %s",
	    cJSON_IsString(g) ? g->valuestring : "?",
	    cJSON_IsNumber(l) ? l->valueint : 0, m->valuestring) < 0)
		return NULL;
	return s;
}

static void stage_after_validated(nd_txn *t, nd_version *v);

/* Commit a validation's outcome for handle h; u->mut held. */
static int commit_result(nd_engine *e, nd_unit *u, nd_handle *h,
    nd_vresult *r)
{
	nd_txn t;
	nd_handle *nh;
	nd_err err;
	int rc;

	nd_txn_init(&t, e, u);
	nh = nd_txn_handle(&t, h);
	if (!nh) {
		nd_txn_free(&t);
		return ENOMEM;
	}
	strlcpy(nh->version, r->version, sizeof(nh->version));
	strlcpy(nh->bump, r->bump, sizeof(nh->bump));
	nh->caps = r->caps;
	cJSON_Delete(nh->contract);
	nh->contract = r->has_contract ? nd_contract_json(&r->contract) : NULL;
	cJSON_Delete(nh->validation);
	nh->validation = cJSON_Duplicate(r->validation, 1);
	nh->finished_ms = nd_now_ms();
	t.vms = r->ms;
	if (r->passed) {
		nd_version *v = nd_version_new(u->id, r->version, NULL, 0);
		char *dir, *p;
		cJSON *meta;

		v->hid = h->id;
		strlcpy(v->sha256, h->sha256, sizeof(v->sha256));
		v->contract = r->contract;
		r->has_contract = false;
		v->caps = r->caps;
		v->mod = r->mod;
		r->mod = NULL;
		v->loaded_at_ms = nd_now_ms();
		t.newv = v;
		t.vresult = 1;
		nd_txn_version(&t, v, ND_V_VALIDATED, false, NULL, NULL);
		nd_txn_version(&t, v, ND_V_LOADED, false, NULL, NULL);
		nd_txn_handle_state(&t, h, ND_H_VALIDATED, NULL);
		stage_after_validated(&t, v);
		dir = nd_unit_path(e, u->id, "versions/");
		if (asprintf(&p, "%s%s", dir, v->ver) < 0)
			p = NULL;
		free(dir);
		rc = p ? nd_pb_mkdir(&t.pb, p, &err) : ENOMEM;
		if (!rc) {
			char *src, *sp, *mp;
			char *hp = nd_handle_path(e, h->id, "source");
			size_t n;

			src = hp ? nd_read_file(hp, &n) : NULL;
			if (asprintf(&sp, "%s/source", p) < 0)
				sp = NULL;
			/* the handle's source, never rewritten: linked */
			rc = src && sp ? nd_pb_add_link(&t.pb, sp, hp, src, n,
			    &err) : EIO;
			free(hp);
			free(src);
			free(sp);
			meta = cJSON_CreateObject();
			cJSON_AddStringToObject(meta, "version", v->ver);
			cJSON_AddNumberToObject(meta, "handle", (double)v->hid);
			cJSON_AddStringToObject(meta, "source_sha256", v->sha256);
			cJSON_AddItemToObject(meta, "capabilities",
			    nd_caps_json(v->caps));
			cJSON_AddItemToObject(meta, "contract",
			    nd_contract_json(&v->contract));
			json_time(meta, "created", v->created_ms);
			if (asprintf(&mp, "%s/meta.json", p) < 0)
				mp = NULL;
			if (!rc)
				rc = mp ? nd_pb_add_json(&t.pb, mp, meta, &err) : EIO;
			free(mp);
			cJSON_Delete(meta);
		}
		free(p);
		if (!rc)
			rc = nd_txn_commit(&t, &err);
	} else {
		t.vresult = 2;
		nd_txn_handle_state(&t, h, ND_H_VALIDATION_FAILED, NULL);
		t.last_error = first_error(r->validation);
		t.what |= ND_CH_STATUS;
		rc = nd_txn_commit(&t, &err);
	}
	pthread_mutex_unlock(&u->mut);
	nd_txn_free(&t);
	pthread_mutex_lock(&u->mut);
	return rc;
}

/* A validation result waiting for its commit. */
struct nd_cjob {
	nd_unit *u;
	nd_handle *h;
	nd_vresult r;
	struct nd_cjob *next;
};

/* Claim the head of u's queue and run the gates; the result to commit,
 * or NULL when there was nothing to validate (*stalled: the claim could
 * not be written; the unit waits for its next submission). */
static struct nd_cjob *validate_one(nd_engine *e, nd_unit *u, bool *stalled)
{
	struct nd_cjob *j;
	nd_handle *h;
	nd_vctx ctx;
	nd_txn t;
	char *src, *p;
	size_t len = 0;
	int rc;

	*stalled = false;
	pthread_mutex_lock(&u->mut);
	pthread_mutex_lock(&e->lock);
	h = TAILQ_FIRST(&u->queue);
	pthread_mutex_unlock(&e->lock);
	if (!h || h->state != ND_H_QUEUED) {
		pthread_mutex_unlock(&u->mut);
		return NULL;
	}
	nd_txn_init(&t, e, u);
	nd_txn_handle_state(&t, h, ND_H_VALIDATING, NULL);
	t.what |= ND_CH_STATUS;
	t.memonly = true;      /* on disk it stays QUEUED: recovery is alike */
	rc = nd_txn_commit(&t, NULL);
	pthread_mutex_lock(&e->lock);
	vctx_fill(e, u, &ctx);
	pthread_mutex_unlock(&e->lock);
	pthread_mutex_unlock(&u->mut);
	nd_txn_free(&t);
	j = rc ? NULL : calloc(1, sizeof(*j));
	if (!j) {
		nd_vctx_free(&ctx);
		*stalled = true;   /* stays QUEUED, until the next submission */
		return NULL;
	}
	j->u = u;
	j->h = h;
	p = nd_handle_path(e, h->id, "source");
	src = nd_read_file(p, &len);
	free(p);
	if (!src) {
		fail_result(&j->r, "the stored source could not be read");
	} else {
		char sha[65];

		nd_sha256_hex(src, len, sha);
		if (strcmp(sha, h->sha256) != 0)
			fail_result(&j->r, "the stored source is corrupt (sha256 "
			    "mismatch)");
		else
			nd_validate(&ctx, src, len, &j->r);
	}
	free(src);
	nd_vctx_free(&ctx);
	return j;
}

static void *worker_main(void *arg)
{
	nd_engine *e = arg;

	pthread_mutex_lock(&e->lock);
	while (!e->stopping) {
		nd_unit *u = TAILQ_FIRST(&e->ready);
		struct nd_cjob *j;
		bool stalled;

		if (!u) {
			pthread_cond_wait(&e->job_cv, &e->lock);
			continue;
		}
		TAILQ_REMOVE(&e->ready, u, rlink);
		u->inready = false;
		u->busy = true;
		pthread_mutex_unlock(&e->lock);
		j = validate_one(e, u, &stalled);
		pthread_mutex_lock(&e->lock);
		if (j) {
			*e->cjobs_tail = j;
			e->cjobs_tail = &j->next;
			pthread_cond_signal(&e->commit_cv);
		} else {
			u->busy = false;
			if (!stalled)
				nd_unit_schedule(e, u);
		}
	}
	pthread_mutex_unlock(&e->lock);
	return NULL;
}

/* The state folder refused a validation's result: the handle goes back
 * to the head of its queue, to be validated again (u->mut held), in
 * memory only: on disk it is still QUEUED. */
static void requeue(nd_engine *e, nd_unit *u, nd_handle *h)
{
	nd_txn t;

	nd_txn_init(&t, e, u);
	t.memonly = true;
	if (nd_txn_handle_state(&t, h, ND_H_QUEUED, NULL) == 0)
		nd_txn_commit(&t, NULL);
	pthread_mutex_unlock(&u->mut);
	nd_txn_free(&t);
	pthread_mutex_lock(&u->mut);
}

static void *committer_main(void *arg)
{
	nd_engine *e = arg;
	int rc;

	pthread_mutex_lock(&e->lock);
	for (;;) {
		struct nd_cjob *j = e->cjobs;

		if (!j) {
			if (e->commit_stopping)
				break;
			pthread_cond_wait(&e->commit_cv, &e->lock);
			continue;
		}
		e->cjobs = j->next;
		if (!e->cjobs)
			e->cjobs_tail = &e->cjobs;
		pthread_mutex_unlock(&e->lock);
		pthread_mutex_lock(&j->u->mut);
		rc = commit_result(e, j->u, j->h, &j->r);
		if (rc)
			requeue(e, j->u, j->h);
		pthread_mutex_unlock(&j->u->mut);
		nd_vresult_free(&j->r);
		pthread_mutex_lock(&e->lock);
		j->u->busy = false;
		if (!rc)        /* after a failed commit: at the next submission */
			nd_unit_schedule(e, j->u);
		free(j);
	}
	pthread_mutex_unlock(&e->lock);
	return NULL;
}

int nd_workers_start(nd_engine *e)
{
	int i;

	e->cjobs = NULL;
	e->cjobs_tail = &e->cjobs;
	e->ncommitters = 4 * e->nworkers > 64 ? 64 : 4 * e->nworkers;
	e->workers = calloc((size_t)e->nworkers, sizeof(pthread_t));
	e->committers = calloc((size_t)e->ncommitters, sizeof(pthread_t));
	if (!e->workers || !e->committers) {
		e->nworkers = e->ncommitters = 0;
		return ENOMEM;
	}
	for (i = 0; i < e->ncommitters; i++)
		if (pthread_create(&e->committers[i], NULL, committer_main,
		    e) != 0) {
			e->ncommitters = i;
			e->nworkers = 0;
			return EAGAIN;
		}
	for (i = 0; i < e->nworkers; i++)
		if (pthread_create(&e->workers[i], NULL, worker_main, e) != 0) {
			e->nworkers = i;
			return EAGAIN;
		}
	return 0;
}

void nd_workers_stop(nd_engine *e)
{
	int i;

	pthread_mutex_lock(&e->lock);
	e->stopping = true;
	pthread_cond_broadcast(&e->job_cv);
	pthread_cond_broadcast(&e->idle_cv);
	pthread_mutex_unlock(&e->lock);
	for (i = 0; e->workers && i < e->nworkers; i++)
		pthread_join(e->workers[i], NULL);
	/* then the committers, once every result is committed */
	pthread_mutex_lock(&e->lock);
	e->commit_stopping = true;
	pthread_cond_broadcast(&e->commit_cv);
	pthread_mutex_unlock(&e->lock);
	for (i = 0; e->committers && i < e->ncommitters; i++)
		pthread_join(e->committers[i], NULL);
	free(e->workers);
	free(e->committers);
	e->workers = NULL;
	e->committers = NULL;
}

/* ---- rollouts ------------------------------------------------------------ */

static void ev_str(cJSON *ev, const char *key, const char *s)
{
	if (!ev)
		return;
	if (s)
		cJSON_AddStringToObject(ev, key, s);
	else
		cJSON_AddNullToObject(ev, key);
}

/* Stage a handle transition when h is in state from (so a handle whose
 * story has ended, e.g. SUPERSEDED, is neither changed nor rewritten). */
static void stage_handle_if(nd_txn *t, uint64_t hid, enum nd_hstate from,
    enum nd_hstate to)
{
	nd_handle *h;

	pthread_mutex_lock(&t->e->lock);
	h = nd_handle_find(t->e, hid);
	pthread_mutex_unlock(&t->e->lock);
	if (h && txn_hstate(t, h) == from)
		nd_txn_handle_state(t, h, to, NULL);
}

/*
 * keep_loaded: of the LOADED versions older than the active one, keep the
 * previous version (the rollback target) and then the newest, up to
 * keep_loaded; stage the others RETIRED.  Versions newer than the active
 * one wait for activation and are kept.
 */
static void stage_keep_loaded(nd_txn *t)
{
	nd_unit *u = t->u;
	nd_version *v, *active = t->route_set ? t->active : u->active;
	nd_version *prev = NULL;
	int keep = t->pol_set ? t->pol.keep_loaded : u->pol.keep_loaded;
	size_t nh = t->route_set ? t->nhist : u->nhist;
	nd_version *const *hist = t->route_set ? t->hist : u->hist;

	if (!active)
		return;
	if (nh && nd_txn_vstate(t, hist[nh - 1]) == ND_V_LOADED &&
	    ncc_semver_cmp(&hist[nh - 1]->sv, &active->sv) < 0) {
		prev = hist[nh - 1];
		if (keep > 0)
			keep--;
		else
			prev = NULL;
	}
	TAILQ_FOREACH_REVERSE(v, &u->versions, nd_vlist, link) {
		cJSON *ev;

		if (v == prev || nd_txn_vstate(t, v) != ND_V_LOADED ||
		    ncc_semver_cmp(&v->sv, &active->sv) >= 0)
			continue;
		if (keep > 0) {
			keep--;
			continue;
		}
		if (nd_txn_version(t, v, ND_V_RETIRED, false, &ev, NULL) == 0)
			ev_str(ev, "reason", "keep_loaded");
	}
}

static void stage_activate(nd_txn *t, nd_version *target)
{
	nd_version *old;
	cJSON *ev;

	nd_txn_route(t);
	old = t->active;
	if (old) {
		nd_txn_version(t, old, ND_V_LOADED, true, NULL, NULL);
		stage_handle_if(t, old->hid, ND_H_ACTIVE, ND_H_SUPERSEDED);
		txn_hist_push(t, old);
	}
	txn_hist_remove(t, target);
	nd_txn_version(t, target, ND_V_ACTIVE, false, &ev, NULL);
	ev_str(ev, "from", old ? old->ver : NULL);
	ev_str(ev, "to", target->ver);
	stage_handle_if(t, target->hid, ND_H_VALIDATED, ND_H_ACTIVE);
	t->active = target;
	stage_keep_loaded(t);
}

static int check_newer(nd_unit *u, nd_version *target, nd_err *err)
{
	if (!u->active)
		return 0;
	return nd_compat_check(&u->active->contract, &u->active->sv,
	    &target->contract, &target->sv, err);
}

static void stage_canary(nd_txn *t, nd_version *v, int pct)
{
	cJSON *ev;

	nd_txn_route(t);
	nd_txn_version(t, v, ND_V_CANARY, false, &ev, NULL);
	if (ev)
		cJSON_AddNumberToObject(ev, "percent", pct);
	stage_handle_if(t, v->hid, ND_H_VALIDATED, ND_H_CANARY);
	txn_hist_remove(t, v);
	t->canary = v;
	t->canary_pct = pct;
}

/* Returns the canary_promoted event (to which the caller may add fields). */
static cJSON *stage_promote(nd_txn *t, const char *reason)
{
	nd_version *c, *old;
	cJSON *ev;

	nd_txn_route(t);
	c = t->canary;
	old = t->active;
	if (old) {
		nd_txn_version(t, old, ND_V_LOADED, true, NULL, NULL);
		stage_handle_if(t, old->hid, ND_H_ACTIVE, ND_H_SUPERSEDED);
		txn_hist_push(t, old);
	}
	nd_txn_version(t, c, ND_V_ACTIVE, false, &ev, NULL);
	ev_str(ev, "from", old ? old->ver : NULL);
	ev_str(ev, "to", c->ver);
	ev_str(ev, "reason", reason);
	stage_handle_if(t, c->hid, ND_H_CANARY, ND_H_ACTIVE);
	t->active = c;
	t->canary = NULL;
	t->canary_pct = 0;
	stage_keep_loaded(t);
	return ev;
}

/* End the canary: aborted (event canary_aborted) or rolled back (event
 * rolled_back) with reason.  Returns that event. */
static cJSON *stage_end_canary(nd_txn *t, bool rolled_back,
    const char *reason)
{
	nd_version *c;
	cJSON *ev;

	nd_txn_route(t);
	c = t->canary;
	nd_txn_version(t, c, ND_V_LOADED, rolled_back, &ev, NULL);
	if (rolled_back) {
		ev = nd_event_new("rolled_back", c->unit);
		cJSON_AddStringToObject(ev, "version", c->ver);
		cJSON_AddNumberToObject(ev, "handle", (double)c->hid);
		ev_str(ev, "from", c->ver);
		ev_str(ev, "to", t->active ? t->active->ver : NULL);
		nd_txn_event(t, ev);
	}
	ev_str(ev, "reason", reason);
	stage_handle_if(t, c->hid, ND_H_CANARY, ND_H_ROLLED_BACK);
	t->canary = NULL;
	t->canary_pct = 0;
	return ev;
}

/* After a validation passes: the activation policy (auto: activate;
 * canary: start a canary, or activate when nothing is active yet) and
 * keep_loaded, staged in the same transaction as the result. */
static void stage_after_validated(nd_txn *t, nd_version *v)
{
	nd_unit *u = t->u;
	nd_err err = { 0, "" };

	if (u->pol.activation == ND_ACT_MANUAL || u->canary) {
		stage_keep_loaded(t);
	} else if (check_newer(u, v, &err) == 0) {
		if (u->pol.activation == ND_ACT_CANARY && u->active)
			stage_canary(t, v, u->pol.canary_percent);
		else
			stage_activate(t, v);
	} else {
		cJSON *ev = nd_event_new("activation_refused", u->id);

		cJSON_AddStringToObject(ev, "version", v->ver);
		cJSON_AddStringToObject(ev, "reason", err.msg);
		nd_txn_event(t, ev);
		free(t->last_error);
		t->last_error = strdup(err.msg);
	}
}

/* ---- ctl ------------------------------------------------------------------ */

static bool stage_decide(nd_txn *t, nd_version *v, const nd_policy *pol);

static int ctl_stage(nd_txn *t, char **w, int nw, nd_err *err)
{
	nd_unit *u = t->u;
	nd_version *v = NULL;
	ncc_semver sv;
	cJSON *ev;

	if (nw >= 2 && (!strcmp(w[0], "activate") || !strcmp(w[0], "canary") ||
	    !strcmp(w[0], "unload"))) {
		if (ncc_semver_parse(w[1], &sv) < 0)
			return nd_seterr(err, EINVAL, "'%s' is not a version "
			    "(MAJOR.MINOR.PATCH)", w[1]);
		v = nd_version_find(u, w[1]);
		if (!v)
			return nd_seterr(err, ENOENT, "unit %s has no version %s",
			    u->id, w[1]);
	}
	if (!strcmp(w[0], "activate") && nw <= 2) {
		if (u->canary)
			return nd_seterr(err, EBUSY, "a canary of %s is running: "
			    "promote or abort it first", u->canary->ver);
		if (!v) {
			nd_version *x;

			TAILQ_FOREACH_REVERSE(x, &u->versions, nd_vlist, link)
				if (x->state == ND_V_LOADED && (!u->active ||
				    ncc_semver_cmp(&x->sv, &u->active->sv) > 0)) {
					v = x;
					break;
				}
			if (!v)
				return nd_seterr(err, ENOENT, "unit %s has no "
				    "validated version newer than the active one",
				    u->id);
		}
		if (v->state == ND_V_ACTIVE)
			return nd_seterr(err, EBUSY, "version %s is already "
			    "active", v->ver);
		if (v->state != ND_V_LOADED)
			return nd_seterr(err, EBUSY, "version %s is %s: only a "
			    "loaded version can be activated", v->ver,
			    nd_vstate_name(v->state));
		if (check_newer(u, v, err))
			return EBUSY;
		stage_activate(t, v);
		return 0;
	}
	if (!strcmp(w[0], "rollback") && nw == 1) {
		nd_version *prev;

		if (u->canary) {
			nd_txn_route(t);
			stage_end_canary(t, true, "rollback requested");
			return 0;
		}
		if (!u->active)
			return nd_seterr(err, EBUSY, "no version is active");
		if (!u->nhist)
			return nd_seterr(err, EBUSY, "no previous version to roll "
			    "back to");
		prev = u->hist[u->nhist - 1];
		if (prev->state != ND_V_LOADED)
			return nd_seterr(err, EBUSY, "previous version %s is %s",
			    prev->ver, nd_vstate_name(prev->state));
		nd_txn_route(t);
		nd_txn_version(t, u->active, ND_V_LOADED, true, NULL, NULL);
		stage_handle_if(t, u->active->hid, ND_H_ACTIVE,
		    ND_H_ROLLED_BACK);
		nd_txn_version(t, prev, ND_V_ACTIVE, true, NULL, NULL);
		t->nhist--;
		t->active = prev;
		ev = nd_event_new("rolled_back", u->id);
		cJSON_AddStringToObject(ev, "version", u->active->ver);
		cJSON_AddStringToObject(ev, "from", u->active->ver);
		cJSON_AddStringToObject(ev, "to", prev->ver);
		cJSON_AddStringToObject(ev, "reason", "rollback requested");
		nd_txn_event(t, ev);
		return 0;
	}
	if (!strcmp(w[0], "canary") && nw == 3) {
		char *end;
		long pct = strtol(w[2], &end, 10);

		if (end == w[2] || (*end && strcmp(end, "%")) || pct < 0 ||
		    pct > 100)
			return nd_seterr(err, EINVAL, "percent '%s' is not a "
			    "whole number from 0 to 100", w[2]);
		if (u->canary)
			return nd_seterr(err, EBUSY, "a canary of %s is running "
			    "already", u->canary->ver);
		if (!u->active)
			return nd_seterr(err, EBUSY, "no version is active to "
			    "share calls with");
		if (v->state != ND_V_LOADED)
			return nd_seterr(err, EBUSY, "version %s is %s: only a "
			    "loaded version can be a canary", v->ver,
			    nd_vstate_name(v->state));
		if (check_newer(u, v, err))
			return EBUSY;
		stage_canary(t, v, (int)pct);
		return 0;
	}
	if (!strcmp(w[0], "promote") && nw == 1) {
		if (!u->canary)
			return nd_seterr(err, EBUSY, "no canary is running");
		stage_promote(t, "promote requested");
		return 0;
	}
	if (!strcmp(w[0], "abort") && nw == 1) {
		if (!u->canary)
			return nd_seterr(err, EBUSY, "no canary is running");
		stage_end_canary(t, false, "abort requested");
		return 0;
	}
	if (!strcmp(w[0], "unload") && nw == 2) {
		if (v->state == ND_V_ACTIVE || v->state == ND_V_CANARY)
			return nd_seterr(err, EBUSY, "version %s is %s", v->ver,
			    nd_vstate_name(v->state));
		if (v->state != ND_V_LOADED)
			return nd_seterr(err, EBUSY, "version %s is not loaded",
			    v->ver);
		nd_txn_version(t, v, ND_V_RETIRED, false, &ev, NULL);
		ev_str(ev, "reason", "unload requested");
		return 0;
	}
	return nd_seterr(err, EINVAL, "unknown or malformed command '%s' "
	    "(activate [VER], rollback, canary VER PERCENT, promote, abort, "
	    "unload VER)", w[0]);
}

/* A refused command or policy: the reason goes to status.last_error and
 * to the event log (type, with the command word when there is one). */
static void stage_refusal(nd_txn *t, const char *type, const char *command,
    int code, const char *reason)
{
	cJSON *ev = nd_event_new(type, t->u->id);

	if (command)
		cJSON_AddStringToObject(ev, "command", command);
	cJSON_AddStringToObject(ev, "error", strerror(code));
	cJSON_AddStringToObject(ev, "reason", reason);
	nd_txn_event(t, ev);
	free(t->last_error);
	t->last_error = strdup(reason);
}

int nd_ctl(nd_engine *e, const char *unit, const char *cmd, size_t len,
    uid_t caller, nd_err *err)
{
	char buf[256], *w[8], *save = NULL, *tok;
	nd_err lerr = { 0, "" };
	nd_unit *u;
	nd_txn t;
	int nw = 0, r;

	r = nd_unit_writable(e, unit, caller, &u, err);
	if (r)
		return r;
	while (len && (cmd[len - 1] == '\n' || cmd[len - 1] == '\r'))
		len--;
	if (len >= sizeof(buf) || memchr(cmd, '\0', len) ||
	    memchr(cmd, '\n', len)) {
		r = nd_seterr(&lerr, EINVAL, "malformed command: one line of "
		    "under %zu bytes expected", sizeof(buf));
	} else {
		memcpy(buf, cmd, len);
		buf[len] = '\0';
		for (tok = strtok_r(buf, " \t", &save); tok && nw < 8;
		    tok = strtok_r(NULL, " \t", &save))
			w[nw++] = tok;
		r = nw == 0 || tok ? nd_seterr(&lerr, EINVAL, "empty or "
		    "malformed command") : 0;
	}
	pthread_mutex_lock(&u->mut);
	if (u->retired) {
		pthread_mutex_unlock(&u->mut);
		return nd_seterr(err, ENOENT, "no unit '%s'", unit);
	}
	nd_txn_init(&t, e, u);
	if (!r)
		r = ctl_stage(&t, w, nw, &lerr);
	if (!r) {
		r = nd_txn_commit(&t, &lerr);
	}
	if (r) {
		nd_txn_free(&t);
		nd_txn_init(&t, e, u);
		stage_refusal(&t, "ctl_failed", nw ? w[0] : "", r, lerr.msg);
		nd_txn_commit(&t, NULL);
	}
	pthread_mutex_unlock(&u->mut);
	nd_txn_free(&t);
	if (r && err) {
		*err = lerr;
		err->code = r;
	}
	return r;
}

int nd_policy_set(nd_engine *e, const char *unit, const char *text,
    size_t len, uid_t caller, nd_err *err)
{
	nd_policy p;
	nd_unit *u;
	nd_txn t;
	nd_err lerr = { 0, "" };
	cJSON *ev;
	int r;

	r = nd_unit_writable(e, unit, caller, &u, err);
	if (r)
		return r;
	r = nd_policy_parse(text, len, &p, &lerr);
	pthread_mutex_lock(&u->mut);
	nd_txn_init(&t, e, u);
	if (r) {
		stage_refusal(&t, "policy_refused", NULL, r, lerr.msg);
		nd_txn_commit(&t, NULL);
		pthread_mutex_unlock(&u->mut);
		nd_txn_free(&t);
		if (err) {
			*err = lerr;
			err->code = r;
		}
		return r;
	}
	t.pol_set = true;
	t.pol = p;
	ev = nd_event_new("policy_changed", unit);
	{
		char *s = nd_policy_render(&p, NULL);

		cJSON_AddStringToObject(ev, "policy", s ? s : "");
		free(s);
	}
	nd_txn_event(&t, ev);
	/* a canary that already has the calls the new policy asks for is
	 * judged now, by the new policy, in the same change */
	if (u->canary)
		stage_decide(&t, u->canary, &p);
	stage_keep_loaded(&t);
	r = nd_txn_commit(&t, err);
	pthread_mutex_unlock(&u->mut);
	nd_txn_free(&t);
	return r;
}

/* ---- calls ------------------------------------------------------------ */

/*
 * Judge the canary v of u by its figures against policy pol (SPEC.md 5b):
 * once it has pol->canary_min_calls calls, stage its rollback (error rate
 * above pol->canary_max_error_rate) or its promotion, the event carrying
 * calls, errors, rate and threshold as fields and in its reason.  Returns
 * whether a decision was staged.  u->mut held.
 */
static bool stage_decide(nd_txn *t, nd_version *v, const nd_policy *pol)
{
	nd_unit *u = t->u;
	char reason[256];
	uint64_t calls, errors;
	double rate;
	bool back;
	cJSON *ev;

	pthread_mutex_lock(&t->e->lock);
	calls = v->c_calls;
	errors = v->c_errors;
	pthread_mutex_unlock(&t->e->lock);
	if (u->canary != v || calls == 0 || calls < pol->canary_min_calls)
		return false;
	rate = (double)errors / (double)calls;
	back = rate > pol->canary_max_error_rate;
	snprintf(reason, sizeof(reason), "canary %s: %llu calls, %llu errors, "
	    "error rate %.4f %s threshold %.4f", v->ver,
	    (unsigned long long)calls, (unsigned long long)errors, rate,
	    back ? "above" : "at or below", pol->canary_max_error_rate);
	if (back) {
		ev = stage_end_canary(t, true, reason);
		free(t->last_error);
		t->last_error = strdup(reason);
	} else {
		ev = stage_promote(t, reason);
	}
	if (ev) {
		cJSON_AddNumberToObject(ev, "calls", (double)calls);
		cJSON_AddNumberToObject(ev, "errors", (double)errors);
		cJSON_AddNumberToObject(ev, "rate", rate);
		cJSON_AddNumberToObject(ev, "threshold",
		    pol->canary_max_error_rate);
	}
	return true;
}

/* Judge the canary v of u after one of its calls. */
static void canary_decide(nd_engine *e, nd_unit *u, nd_version *v)
{
	nd_txn t;

	pthread_mutex_lock(&u->mut);
	nd_txn_init(&t, e, u);
	if (stage_decide(&t, v, &u->pol))
		nd_txn_commit(&t, NULL);
	pthread_mutex_lock(&e->lock);
	u->deciding = false;
	pthread_mutex_unlock(&e->lock);
	pthread_mutex_unlock(&u->mut);
	nd_txn_free(&t);
}

void nd_unit_log_add(nd_unit *u, const char *ver, const char *out, size_t len)
{
	char tbuf[32];
	size_t i = 0;

	if (!len)
		return;
	nd_time_fmt(nd_now_ms(), tbuf);
	while (i < len) {
		const char *nl = memchr(out + i, '\n', len - i);
		size_t n = nl ? (size_t)(nl - (out + i)) : len - i;
		size_t add = strlen(tbuf) + 1 + strlen(ver) + 1 + n + 1;

		if (add > ND_LOG_MAX)
			n = ND_LOG_MAX / 2, add = strlen(tbuf) + strlen(ver) + n + 3;
		if (!u->log)
			u->log = malloc(ND_LOG_MAX);
		if (!u->log)
			return;
		if (u->log_len + add > ND_LOG_MAX) {
			size_t drop = u->log_len + add - ND_LOG_MAX;
			char *p = memchr(u->log + drop, '\n', u->log_len - drop);

			drop = p ? (size_t)(p - u->log) + 1 : u->log_len;
			memmove(u->log, u->log + drop, u->log_len - drop);
			u->log_len -= drop;
		}
		u->log_len += (size_t)snprintf(u->log + u->log_len,
		    ND_LOG_MAX - u->log_len, "%s %s ", tbuf, ver);
		memcpy(u->log + u->log_len, out + i, n);
		u->log_len += n;
		u->log[u->log_len++] = '\n';
		i += (nl ? (size_t)(nl - (out + i)) + 1 : len - i);
	}
}

int nd_call(nd_engine *e, const char *unit, const char *func,
    const nbc_lit *args, size_t nargs, nbc_result *res, char version[32],
    nd_err *err)
{
	nbc_limits lim;
	nbc_host host = { 0 };
	nd_version *v;
	nbc_module *m;
	nd_unit *u;
	char *data = NULL;
	bool decide = false, is_canary;

	memset(res, 0, sizeof(*res));
	nbc_limits_default(&lim);
	pthread_mutex_lock(&e->lock);
	u = nd_unit_find(e, unit);
	if (!u) {
		pthread_mutex_unlock(&e->lock);
		return nd_seterr(err, ENOENT, "no unit '%s'", unit);
	}
	v = u->active;
	if (u->canary && u->canary->mod) {
		uint64_t n = u->route_n++;
		uint64_t p = (uint64_t)u->canary_pct;

		if ((n + 1) * p / 100 > n * p / 100 || !v)
			v = u->canary;
	}
	if (!v || !v->mod) {
		pthread_mutex_unlock(&e->lock);
		return nd_seterr(err, EBUSY, "unit '%s' has no active version",
		    unit);
	}
	is_canary = v == u->canary;
	m = v->mod;
	nbc_module_retain(m);
	lim.gas = u->pol.gas;
	lim.memory = u->pol.memory;
	host.caps = u->pol.caps;
	/* fs.read/fs.write work in the unit's own data folder of the state
	 * folder (units/ID/data), made on first use; retiring the unit
	 * removes it with the rest of the unit's folder. */
	if (host.caps & NBC_CAP_FS)
		data = nd_unit_path(e, unit, "data");
	strlcpy(version, v->ver, 32);
	pthread_mutex_unlock(&e->lock);

	if (data && mkdir(data, 0700) < 0 && errno != EEXIST) {
		free(data);
		data = NULL;
	}
	host.data_dir = data;
	nbc_call(m, func, args, nargs, &lim, &host, res);
	free(data);
	nbc_module_release(m);

	pthread_mutex_lock(&e->lock);
	v->calls++;
	v->errors += !res->ok;
	v->instructions += res->instructions;
	nd_hist_add(&v->lat, (double)res->ns / 1e9);
	if (is_canary && u->canary == v) {
		v->c_calls++;
		v->c_errors += !res->ok;
		if (v->c_calls >= u->pol.canary_min_calls && !u->deciding) {
			u->deciding = true;
			decide = true;
		}
	}
	if (res->output_len)
		nd_unit_log_add(u, v->ver, res->output, res->output_len);
	pthread_mutex_unlock(&e->lock);
	if (res->output_len)
		nd_notify(e, unit, 0, ND_CH_LOG);
	if (decide)
		canary_decide(e, u, v);
	return 0;
}

/* A literal as JSON: ints exactly, floats as Python's repr (null when not
 * finite), tuples as arrays, dicts with string keys as objects (other keys
 * by their repr). */
static cJSON *lit_json(const nbc_lit *v)
{
	char buf[64], *s;
	cJSON *j;
	size_t i;

	switch (v->type) {
	case NBC_LIT_NONE:
		return cJSON_CreateNull();
	case NBC_LIT_BOOL:
		return cJSON_CreateBool(v->u.b);
	case NBC_LIT_INT:
		snprintf(buf, sizeof(buf), "%lld", (long long)v->u.i);
		return cJSON_CreateRaw(buf);
	case NBC_LIT_FLOAT:
		if (!isfinite(v->u.f))
			return cJSON_CreateNull();
		s = nbc_lit_repr(v, NULL);
		j = s ? cJSON_CreateRaw(s) : cJSON_CreateNumber(v->u.f);
		free(s);
		return j;
	case NBC_LIT_STR:
		s = strndup(v->u.str.s, v->u.str.len);
		j = cJSON_CreateString(s ? s : "");
		free(s);
		return j;
	case NBC_LIT_LIST:
	case NBC_LIT_TUPLE:
		j = cJSON_CreateArray();
		for (i = 0; i < v->u.seq.n; i++)
			cJSON_AddItemToArray(j, lit_json(&v->u.seq.items[i]));
		return j;
	case NBC_LIT_DICT:
		j = cJSON_CreateObject();
		for (i = 0; i < v->u.seq.n; i++) {
			const nbc_lit *k = &v->u.seq.items[2 * i];
			char *ks = k->type == NBC_LIT_STR ?
			    strndup(k->u.str.s, k->u.str.len) :
			    nbc_lit_repr(k, NULL);

			cJSON_AddItemToObject(j, ks ? ks : "",
			    lit_json(&v->u.seq.items[2 * i + 1]));
			free(ks);
		}
		return j;
	}
	return cJSON_CreateNull();
}

int nd_call_text(nd_engine *e, const char *unit, const char *text,
    size_t len, char **json, nd_err *err)
{
	nbc_error perr = { "", 0 };
	nbc_result res;
	nbc_lit *args = NULL;
	size_t nargs = 0, i, n;
	char *name = NULL, ver[32] = "", *s;
	cJSON *j;
	int r;

	*json = NULL;
	while (len && (text[len - 1] == '\n' || text[len - 1] == '\r' ||
	    text[len - 1] == ' '))
		len--;
	if (ncc_parse_call(text, len, &name, &args, &nargs, &perr) < 0)
		return nd_seterr(err, EINVAL, "call does not parse at column %d: "
		    "%s", perr.line, perr.message);
	r = nd_call(e, unit, name, args, nargs, &res, ver, err);
	for (i = 0; i < nargs; i++)
		nbc_lit_free(&args[i]);
	free(args);
	free(name);
	if (r)
		return r;
	j = cJSON_CreateObject();
	cJSON_AddBoolToObject(j, "ok", res.ok);
	if (res.ok) {
		cJSON_AddItemToObject(j, "result", lit_json(&res.value));
	} else {
		cJSON *x = cJSON_AddObjectToObject(j, "error");

		cJSON_AddStringToObject(x, "type", nbc_exc_name(res.exc));
		cJSON_AddStringToObject(x, "message",
		    res.message ? res.message : "");
		cJSON_AddNumberToObject(x, "line", res.line);
	}
	cJSON_AddStringToObject(j, "version", ver);
	if (res.ok)
		cJSON_AddNumberToObject(j, "us", (double)(res.ns / 1000));
	nbc_result_free(&res);
	s = cJSON_PrintUnformatted(j);
	cJSON_Delete(j);
	if (!s)
		return nd_seterr(err, ENOMEM, "out of memory");
	n = strlen(s);
	*json = realloc(s, n + 2);
	(*json)[n] = '\n';
	(*json)[n + 1] = '\0';
	return 0;
}
