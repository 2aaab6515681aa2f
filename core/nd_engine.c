/*
 * nd_engine.c - the engine's life: open (with recovery), close, and the
 * table of units (create, retire, list, lookups).
 *
 * Open takes the state folder's lock, checks its format, loads every
 * handle and unit, and recovers, as noodle.h says: versions that were
 * LOADED, ACTIVE or CANARY are compiled from their stored source (whose
 * sha256 must still match) and loaded again; a running canary is aborted
 * to the stable version (canary_aborted); VALIDATING handles go back to
 * QUEUED (requeued) and every queued handle is validated again, in order.
 * A file that does not parse, or a source that no longer matches its
 * sha256, is reported as a `corrupt` event and skipped (a version that
 * cannot be loaded again is retired) while the rest loads.  Then the
 * workers start.
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "nd_internal.h"

bool nd_unit_id_valid(const char *id)
{
	size_t i;

	if (!id || !((id[0] >= 'a' && id[0] <= 'z') || (id[0] >= 'A' &&
	    id[0] <= 'Z') || (id[0] >= '0' && id[0] <= '9')))
		return false;
	for (i = 1; id[i]; i++) {
		char c = id[i];

		if (i >= ND_UNIT_ID_MAX)
			return false;
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-'))
			return false;
	}
	return true;
}

nd_unit *nd_unit_find(nd_engine *e, const char *id)
{
	nd_unit *u;

	if (!id)
		return NULL;
	TAILQ_FOREACH(u, &e->units, link)
		if (strcmp(u->id, id) == 0)
			return u;
	return NULL;
}

int nd_unit_writable(nd_engine *e, const char *id, uid_t caller,
    nd_unit **up, nd_err *err)
{
	nd_unit *u;
	int r = 0;

	pthread_mutex_lock(&e->lock);
	u = nd_unit_find(e, id);
	if (!u)
		r = nd_seterr(err, ENOENT, "no unit '%s'", id ? id : "");
	else if (caller != 0 && caller != u->owner)
		r = nd_seterr(err, EACCES, "unit '%s' belongs to uid %u", id,
		    (unsigned)u->owner);
	pthread_mutex_unlock(&e->lock);
	*up = u;
	return r;
}

nd_handle *nd_handle_find(nd_engine *e, uint64_t hid)
{
	size_t lo = 0, hi = e->nhandles;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;

		if (e->handles[mid]->id == hid)
			return e->handles[mid];
		if (e->handles[mid]->id < hid)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

nd_version *nd_version_find(nd_unit *u, const char *ver)
{
	nd_version *v;

	TAILQ_FOREACH(v, &u->versions, link)
		if (strcmp(v->ver, ver) == 0)
			return v;
	return NULL;
}

const char *nd_unit_state_word(const nd_unit *u)
{
	if (u->npending > 0)
		return "UPDATING";
	if (u->canary)
		return "CANARY";
	if (u->active)
		return "ACTIVE";
	return "EMPTY";
}

char *nd_unit_path(const nd_engine *e, const char *unit, const char *rest)
{
	char *p;

	if (asprintf(&p, "%s/units/%s%s%s", e->dir, unit, rest ? "/" : "",
	    rest ? rest : "") < 0)
		return NULL;
	return p;
}

char *nd_handle_path(const nd_engine *e, uint64_t hid, const char *ext)
{
	char *p;

	if (asprintf(&p, "%s/handles/%llu.%s", e->dir, (unsigned long long)hid,
	    ext) < 0)
		return NULL;
	return p;
}

static nd_unit *unit_alloc(const char *id, uid_t owner)
{
	nd_unit *u = calloc(1, sizeof(*u));

	if (!u)
		return NULL;
	strlcpy(u->id, id, sizeof(u->id));
	u->owner = owner;
	u->created_ms = u->updated_ms = nd_now_ms();
	nd_policy_default(&u->pol);
	TAILQ_INIT(&u->versions);
	TAILQ_INIT(&u->queue);
	pthread_mutex_init(&u->mut, NULL);
	return u;
}

static void unit_free(nd_unit *u)
{
	nd_version *v;

	while ((v = TAILQ_FIRST(&u->versions))) {
		TAILQ_REMOVE(&u->versions, v, link);
		nd_version_free(v);
	}
	free(u->hist);
	free(u->last_error);
	free(u->log);
	pthread_mutex_destroy(&u->mut);
	free(u);
}

/* Report a corrupt file as an event. */
static void corrupt(cJSON *events, const char *unit, const char *file,
    const char *reason)
{
	cJSON *ev = nd_event_new("corrupt", unit);

	cJSON_AddStringToObject(ev, "file", file);
	cJSON_AddStringToObject(ev, "reason", reason);
	cJSON_AddItemToArray(events, ev);
}

static int mkdirs(const char *path)
{
	char buf[4096], *p;

	if (strlcpy(buf, path, sizeof(buf)) >= sizeof(buf))
		return -1;
	for (p = buf + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(buf, 0755) < 0 && errno != EEXIST)
			return -1;
		*p = '/';
	}
	return mkdir(buf, 0755) < 0 && errno != EEXIST ? -1 : 0;
}

static int cmp_handle(const void *a, const void *b)
{
	const nd_handle *x = *(nd_handle *const *)a, *y = *(nd_handle *const *)b;

	return x->id < y->id ? -1 : x->id > y->id;
}

static void load_handles(nd_engine *e, cJSON *events)
{
	char *dir;
	DIR *d;
	struct dirent *de;
	uint64_t max = 0;

	if (asprintf(&dir, "%s/handles", e->dir) < 0)
		return;
	d = opendir(dir);
	while (d && (de = readdir(d))) {
		char *end, *p;
		unsigned long long id = strtoull(de->d_name, &end, 10);
		nd_handle *h;
		cJSON *j;

		if (end == de->d_name || *end != '.')
			continue;
		if (strcmp(end, ".json") && strcmp(end, ".source"))
			continue;
		if (id > max)
			max = id;
		if (strcmp(end, ".json"))
			continue;
		if (asprintf(&p, "%s/%s", dir, de->d_name) < 0)
			continue;
		j = nd_read_json(p);
		h = j ? nd_handle_from_json(j) : NULL;
		cJSON_Delete(j);
		if (!h || h->id != id) {
			corrupt(events, NULL, p + strlen(e->dir) + 1,
			    "not a valid handle");
			nd_handle_free(h);
		} else {
			if (e->nhandles == e->handles_cap) {
				e->handles_cap = e->handles_cap ?
				    e->handles_cap * 2 : 64;
				e->handles = reallocarray(e->handles,
				    e->handles_cap, sizeof(*e->handles));
			}
			e->handles[e->nhandles++] = h;
		}
		free(p);
	}
	if (d)
		closedir(d);
	free(dir);
	if (e->nhandles)
		qsort(e->handles, e->nhandles, sizeof(*e->handles), cmp_handle);
	e->next_hid = max + 1;
}

static const char *jstr(const cJSON *j, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(j, key);

	return cJSON_IsString(v) ? v->valuestring : NULL;
}

/* Compile v's stored source and load it again; false with a reason. */
static bool reload(nd_engine *e, nd_unit *u, nd_version *v, char *why,
    size_t whylen)
{
	char *p = nd_unit_path(e, u->id, "versions/"), *sp, *src, sha[65];
	ncc_result cr;
	nbc_error ne = { "", 0 };
	nbc_limits lim;
	size_t len;
	bool ok = false;

	if (asprintf(&sp, "%s%s/source", p, v->ver) < 0)
		sp = NULL;
	free(p);
	src = sp ? nd_read_file(sp, &len) : NULL;
	free(sp);
	if (!src) {
		snprintf(why, whylen, "source of %s cannot be read", v->ver);
		return false;
	}
	nd_sha256_hex(src, len, sha);
	if (strcmp(sha, v->sha256) != 0) {
		snprintf(why, whylen, "source of %s no longer matches its sha256",
		    v->ver);
		free(src);
		return false;
	}
	memset(&cr, 0, sizeof(cr));
	nbc_limits_default(&lim);
	lim.gas = u->pol.gas;
	lim.memory = u->pol.memory;
	if (ncc_compile(src, len, &cr) < 0 || !cr.ok)
		snprintf(why, whylen, "source of %s does not compile", v->ver);
	else if (nbc_load_module(e->rt, cr.blob, cr.blob_len, v->modid, &lim,
	    &ne) < 0)
		snprintf(why, whylen, "%s does not load: %s", v->ver, ne.message);
	else if (!(v->mod = nbc_module_get(e->rt, v->modid)))
		snprintf(why, whylen, "%s vanished", v->ver);
	else
		ok = true;
	ncc_result_free(&cr);
	free(src);
	return ok;
}

static nd_version *load_version(nd_engine *e, nd_unit *u, const cJSON *ent,
    cJSON *events)
{
	const char *ver = jstr(ent, "version"), *st = jstr(ent, "state");
	const cJSON *hid = cJSON_GetObjectItemCaseSensitive(ent, "handle");
	char *p, *mp;
	cJSON *meta;
	nd_version *v;
	int state;
	ncc_semver sv;

	if (!ver || ncc_semver_parse(ver, &sv) < 0 ||
	    (state = nd_vstate_parse(st)) < 0) {
		corrupt(events, u->id, "unit.json", "bad version entry");
		return NULL;
	}
	p = nd_unit_path(e, u->id, "versions/");
	if (asprintf(&mp, "%s%s/meta.json", p, ver) < 0)
		mp = NULL;
	free(p);
	meta = mp ? nd_read_json(mp) : NULL;
	free(mp);
	v = nd_version_new(u->id, ver, NULL, 0);
	if (!meta || !jstr(meta, "source_sha256") ||
	    nd_contract_from_json(cJSON_GetObjectItemCaseSensitive(meta,
	    "contract"), &v->contract) < 0) {
		char f[128];

		snprintf(f, sizeof(f), "versions/%s/meta.json", ver);
		corrupt(events, u->id, f, "missing or malformed");
		cJSON_Delete(meta);
		nd_version_free(v);
		return NULL;
	}
	strlcpy(v->sha256, jstr(meta, "source_sha256"), sizeof(v->sha256));
	v->caps = nd_caps_from_json(cJSON_GetObjectItemCaseSensitive(meta,
	    "capabilities"));
	v->created_ms = nd_time_parse(jstr(meta, "created"));
	v->hid = cJSON_IsNumber(hid) ? (uint64_t)hid->valuedouble : 0;
	v->state = (enum nd_vstate)state;      /* as stored: not a transition */
	cJSON_Delete(meta);
	return v;
}

/*
 * unit.json's version entry ent records the state of the version's handle
 * (handle_state): the truth for a handle past validation, whose file a
 * rollout command rewrites without syncing it (nd_persist.c).  Set the
 * handle, already loaded from its file, to it; a handle whose file shows
 * no validated state yet is left to recovery.
 */
static void handle_state_from(nd_engine *e, const nd_unit *u,
    const cJSON *ent)
{
	const cJSON *hid = cJSON_GetObjectItemCaseSensitive(ent, "handle");
	const char *hs = jstr(ent, "handle_state");
	int st = hs ? nd_hstate_parse(hs) : -1;
	nd_handle *h;

	if (!cJSON_IsNumber(hid) || st < 0 || nd_hstate_pending(st) ||
	    st == ND_H_VALIDATION_FAILED)
		return;
	h = nd_handle_find(e, (uint64_t)hid->valuedouble);
	if (!h || strcmp(h->unit, u->id) || nd_hstate_pending(h->state) ||
	    h->state == ND_H_VALIDATION_FAILED)
		return;
	h->state = (enum nd_hstate)st;      /* as stored: not a transition */
}

/* Load one unit folder; recovery is staged later. */
static nd_unit *load_unit(nd_engine *e, const char *id, cJSON *events,
    char **active_ver, char **canary_ver, int *canary_pct, cJSON **hist)
{
	char *p = nd_unit_path(e, id, "unit.json"), *pol;
	cJSON *j = p ? nd_read_json(p) : NULL, *it;
	const cJSON *owner, *lh, *c;
	nd_unit *u;
	size_t n;

	free(p);
	owner = cJSON_GetObjectItemCaseSensitive(j, "owner");
	if (!j || !cJSON_IsNumber(owner) || !jstr(j, "id") ||
	    strcmp(jstr(j, "id"), id) != 0) {
		corrupt(events, id, "unit.json", "missing or malformed");
		cJSON_Delete(j);
		return NULL;
	}
	u = unit_alloc(id, (uid_t)owner->valuedouble);
	u->created_ms = nd_time_parse(jstr(j, "created"));
	u->updated_ms = nd_time_parse(jstr(j, "updated"));
	lh = cJSON_GetObjectItemCaseSensitive(j, "last_handle");
	u->last_handle = cJSON_IsNumber(lh) ? (uint64_t)lh->valuedouble : 0;
	if (jstr(j, "last_error"))
		u->last_error = strdup(jstr(j, "last_error"));
	p = nd_unit_path(e, id, "policy");
	pol = p ? nd_read_file(p, &n) : NULL;
	free(p);
	if (pol && nd_policy_parse(pol, n, &u->pol, NULL) != 0)
		corrupt(events, id, "policy", "does not parse; defaults used");
	free(pol);
	cJSON_ArrayForEach(it, cJSON_GetObjectItemCaseSensitive(j, "versions")) {
		nd_version *v = load_version(e, u, it, events);
		nd_version *x;

		if (!v)
			continue;
		TAILQ_FOREACH(x, &u->versions, link)
			if (ncc_semver_cmp(&v->sv, &x->sv) <= 0)
				break;
		if (x && ncc_semver_cmp(&v->sv, &x->sv) == 0) {
			nd_version_free(v);
			continue;
		}
		if (x)
			TAILQ_INSERT_BEFORE(x, v, link);
		else
			TAILQ_INSERT_TAIL(&u->versions, v, link);
	}
	cJSON_ArrayForEach(it, cJSON_GetObjectItemCaseSensitive(j, "versions"))
		handle_state_from(e, u, it);
	*active_ver = jstr(j, "active") ? strdup(jstr(j, "active")) : NULL;
	c = cJSON_GetObjectItemCaseSensitive(j, "canary");
	*canary_ver = jstr(c, "version") ? strdup(jstr(c, "version")) : NULL;
	*canary_pct = cJSON_IsNumber(cJSON_GetObjectItemCaseSensitive(c,
	    "percent")) ? cJSON_GetObjectItemCaseSensitive(c, "percent")->valueint
	    : 0;
	*hist = cJSON_DetachItemFromObjectCaseSensitive(j, "history");
	cJSON_Delete(j);
	return u;
}

/* Reload modules and stage the recovery of u as one transaction. */
static void recover_unit(nd_engine *e, nd_unit *u, const char *active_ver,
    const char *canary_ver, int canary_pct, const cJSON *hist, cJSON *events)
{
	nd_version *v;
	nd_txn t;
	const cJSON *it;
	size_t i;
	char why[256];

	u->active = active_ver ? nd_version_find(u, active_ver) : NULL;
	if (u->active && u->active->state != ND_V_ACTIVE)
		u->active = NULL;
	u->canary = canary_ver ? nd_version_find(u, canary_ver) : NULL;
	if (u->canary && u->canary->state != ND_V_CANARY)
		u->canary = NULL;
	u->canary_pct = canary_pct;
	cJSON_ArrayForEach(it, hist) {
		v = cJSON_IsString(it) ? nd_version_find(u, it->valuestring) : NULL;
		if (!v || v == u->active)
			continue;
		u->hist = reallocarray(u->hist, u->nhist + 1, sizeof(*u->hist));
		u->hist[u->nhist++] = v;
	}

	nd_txn_init(&t, e, u);
	nd_txn_route(&t);
	t.unit_file = false;
	TAILQ_FOREACH(v, &u->versions, link) {
		bool loaded = v->state == ND_V_LOADED || v->state == ND_V_ACTIVE ||
		    v->state == ND_V_CANARY;

		if (loaded && (v->state != ND_V_ACTIVE || v == u->active) &&
		    (v->state != ND_V_CANARY || v == u->canary) &&
		    reload(e, u, v, why, sizeof(why))) {
			v->loaded_at_ms = nd_now_ms();
			continue;
		}
		if (!loaded)
			continue;
		if (v->state == ND_V_ACTIVE || v->state == ND_V_CANARY)
			snprintf(why, sizeof(why), "%s is %s but the unit does "
			    "not route to it", v->ver, nd_vstate_name(v->state));
		corrupt(events, u->id, "versions", why);
		if (v == t.active)
			t.active = NULL;
		if (v == t.canary)
			t.canary = NULL;
		if (v->state != ND_V_LOADED)
			nd_txn_version(&t, v, ND_V_LOADED, true, NULL, NULL);
		nd_txn_version(&t, v, ND_V_RETIRED, false, NULL, NULL);
	}
	if (t.canary) {
		cJSON *ev;

		nd_txn_version(&t, t.canary, ND_V_LOADED, false, &ev, NULL);
		if (ev)
			cJSON_AddStringToObject(ev, "reason", "recovery after a "
			    "restart: the canary was aborted to the stable "
			    "version");
		for (i = 0; i < e->nhandles; i++)
			if (e->handles[i]->id == t.canary->hid &&
			    e->handles[i]->state == ND_H_CANARY)
				nd_txn_handle_state(&t, e->handles[i],
				    ND_H_ROLLED_BACK, NULL);
		t.canary = NULL;
		t.canary_pct = 0;
	}
	for (i = 0; i < e->nhandles; i++) {
		nd_handle *h = e->handles[i];

		if (strcmp(h->unit, u->id) != 0)
			continue;
		if (h->id > u->last_handle)
			u->last_handle = h->id;     /* submit does not rewrite unit.json */
		if (!nd_hstate_pending(h->state))
			continue;
		u->npending++;
		e->npending++;
		if (h->state == ND_H_QUEUED)
			TAILQ_INSERT_TAIL(&u->queue, h, qlink);
		else
			nd_txn_handle_state(&t, h, ND_H_QUEUED, NULL);
	}
	if (t.nvch || t.nhch || t.canary != u->canary || t.active != u->active)
		nd_txn_commit(&t, NULL);
	nd_txn_free(&t);
}

static int cmp_unit(const void *a, const void *b)
{
	const nd_unit *x = *(nd_unit *const *)a, *y = *(nd_unit *const *)b;

	if (x->created_ms != y->created_ms)
		return x->created_ms < y->created_ms ? -1 : 1;
	return strcmp(x->id, y->id);
}

static void load_units(nd_engine *e, cJSON *events)
{
	char *dir;
	DIR *d;
	struct dirent *de;
	struct loaded {
		nd_unit *u;
		char *active, *canary;
		int pct;
		cJSON *hist;
	} *l = NULL;
	nd_unit **sorted;
	size_t n = 0, i;

	if (asprintf(&dir, "%s/units", e->dir) < 0)
		return;
	d = opendir(dir);
	while (d && (de = readdir(d))) {
		struct loaded x;

		if (de->d_name[0] == '.') {
			if (!strncmp(de->d_name, ".retired-", 9)) {
				char *p;

				if (asprintf(&p, "%s/%s", dir, de->d_name) >= 0) {
					nd_rmtree(p);
					free(p);
				}
			}
			continue;
		}
		if (!nd_unit_id_valid(de->d_name))
			continue;
		x.u = load_unit(e, de->d_name, events, &x.active, &x.canary,
		    &x.pct, &x.hist);
		if (!x.u)
			continue;
		l = reallocarray(l, n + 1, sizeof(*l));
		l[n++] = x;
	}
	if (d)
		closedir(d);
	free(dir);
	sorted = calloc(n + 1, sizeof(*sorted));
	for (i = 0; i < n; i++)
		sorted[i] = l[i].u;
	qsort(sorted, n, sizeof(*sorted), cmp_unit);
	for (i = 0; i < n; i++)
		TAILQ_INSERT_TAIL(&e->units, sorted[i], link);
	for (i = 0; i < n; i++) {
		recover_unit(e, l[i].u, l[i].active, l[i].canary, l[i].pct,
		    l[i].hist, events);
		free(l[i].active);
		free(l[i].canary);
		cJSON_Delete(l[i].hist);
	}
	free(sorted);
	free(l);
}

int nd_engine_open(const nd_config *cfg, nd_engine **out, nd_err *err)
{
	nd_engine *e;
	cJSON *events;
	bool repaired = false;
	nd_unit *u;
	char *p;
	int r;

	*out = NULL;
	if (!cfg || !cfg->state_dir || !cfg->state_dir[0])
		return nd_seterr(err, EINVAL, "no state folder given");
	if (mkdirs(cfg->state_dir) < 0)
		return nd_seterr(err, EIO, "cannot create state folder %s: %s",
		    cfg->state_dir, strerror(errno));
	e = calloc(1, sizeof(*e));
	if (!e)
		return nd_seterr(err, ENOMEM, "out of memory");
	e->dir = strdup(cfg->state_dir);
	e->cfg = *cfg;
	e->cfg.state_dir = e->dir;
	e->lock_fd = -1;
	e->ev.fd = -1;
	e->max_source = cfg->max_source ? cfg->max_source : ND_DEFAULT_MAX_SOURCE;
	e->max_pending = cfg->max_pending > 0 ? cfg->max_pending :
	    ND_DEFAULT_MAX_PENDING;
	e->nworkers = cfg->workers > 0 ? cfg->workers :
	    (int)sysconf(_SC_NPROCESSORS_ONLN);
	if (e->nworkers < 1)
		e->nworkers = 1;
	pthread_mutex_init(&e->lock, NULL);
	pthread_mutex_init(&e->create_mut, NULL);
	pthread_cond_init(&e->job_cv, NULL);
	pthread_cond_init(&e->commit_cv, NULL);
	{
		pthread_condattr_t ca;

		pthread_condattr_init(&ca);
		pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
		pthread_cond_init(&e->idle_cv, &ca);
		pthread_condattr_destroy(&ca);
	}
	TAILQ_INIT(&e->units);
	TAILQ_INIT(&e->retired);
	TAILQ_INIT(&e->ready);
	r = nd_lock_take(e->dir, &e->lock_fd, err);
	if (!r)
		r = nd_format_check(e->dir, err);
	if (!r)
		r = nd_events_open(&e->ev, e->dir, &repaired, err);
	if (!r)
		r = nd_journal_open(&e->jr, e->dir, &e->ev, err);
	if (r) {
		nd_engine_close(e);
		return r;
	}
	if (asprintf(&p, "%s/units", e->dir) >= 0) {
		r = nd_mkdir_durable(p, err);
		free(p);
	}
	if (!r && asprintf(&p, "%s/handles", e->dir) >= 0) {
		r = nd_mkdir_durable(p, err);
		free(p);
	}
	e->rt = nbc_runtime_new();
	if (!r && !e->rt)
		r = nd_seterr(err, ENOMEM, "out of memory");
	if (r) {
		nd_engine_close(e);
		return r;
	}
	events = cJSON_CreateArray();
	if (repaired)
		corrupt(events, NULL, "events.jsonl", "a last line cut short was "
		    "removed");
	if (e->jr.skipped) {
		char why[128];

		snprintf(why, sizeof(why), "%u changes to files whose folder is "
		    "gone were not replayed", e->jr.skipped);
		corrupt(events, NULL, "journal", why);
	}
	load_handles(e, events);
	load_units(e, events);
	{
		nd_jticket tk;

		nd_jcommit(&e->jr, NULL, events, true, &tk, NULL);
		nd_jpublish(&e->jr, &tk);
	}
	r = nd_workers_start(e);
	if (r) {
		nd_engine_close(e);
		return nd_seterr(err, r, "cannot start the workers");
	}
	pthread_mutex_lock(&e->lock);
	TAILQ_FOREACH(u, &e->units, link)
		nd_unit_schedule(e, u);
	pthread_mutex_unlock(&e->lock);
	*out = e;
	return 0;
}

void nd_engine_close(nd_engine *e)
{
	nd_unit *u;
	size_t i;

	if (!e)
		return;
	if (e->workers || e->committers)
		nd_workers_stop(e);
	while ((u = TAILQ_FIRST(&e->units))) {
		TAILQ_REMOVE(&e->units, u, link);
		unit_free(u);
	}
	while ((u = TAILQ_FIRST(&e->retired))) {
		TAILQ_REMOVE(&e->retired, u, link);
		unit_free(u);
	}
	for (i = 0; i < e->nhandles; i++)
		nd_handle_free(e->handles[i]);
	free(e->handles);
	if (e->rt)
		nbc_runtime_free(e->rt);
	nd_journal_close(&e->jr);
	if (e->ev.path)
		nd_events_close(&e->ev);
	if (e->lock_fd >= 0)
		close(e->lock_fd);
	pthread_mutex_destroy(&e->lock);
	pthread_mutex_destroy(&e->create_mut);
	pthread_cond_destroy(&e->job_cv);
	pthread_cond_destroy(&e->commit_cv);
	pthread_cond_destroy(&e->idle_cv);
	free(e->dir);
	free(e);
}

int nd_unit_create(nd_engine *e, const char *id, uid_t owner, nd_err *err)
{
	nd_unit *u;
	nd_txn t;
	char *p, *vp;
	cJSON *ev;
	int r;

	if (!nd_unit_id_valid(id))
		return nd_seterr(err, EINVAL, "'%s' is not a unit id "
		    "([A-Za-z0-9][A-Za-z0-9._-]{0,63})", id ? id : "");
	pthread_mutex_lock(&e->create_mut);
	pthread_mutex_lock(&e->lock);
	u = nd_unit_find(e, id);
	pthread_mutex_unlock(&e->lock);
	if (u) {
		pthread_mutex_unlock(&e->create_mut);
		return nd_seterr(err, EEXIST, "unit '%s' exists", id);
	}
	p = nd_unit_path(e, id, NULL);
	vp = nd_unit_path(e, id, "versions");
	nd_rmtree(p);
	u = unit_alloc(id, owner);
	r = !p || !vp || !u ? nd_seterr(err, ENOMEM, "out of memory") : 0;
	if (!r)
		r = nd_mkdir_durable(p, err);
	if (!r)
		r = nd_mkdir_durable(vp, err);
	if (!r) {
		nd_txn_init(&t, e, u);
		t.unit_file = true;
		t.pol_set = true;
		t.pol = u->pol;
		t.what |= ND_CH_UNITS | ND_CH_STATUS;
		ev = nd_event_new("unit_created", id);
		cJSON_AddNumberToObject(ev, "owner", (double)owner);
		nd_txn_event(&t, ev);
		r = nd_txn_commit(&t, err);
		if (!r) {
			pthread_mutex_lock(&e->lock);
			TAILQ_INSERT_TAIL(&e->units, u, link);
			pthread_mutex_unlock(&e->lock);
		}
		pthread_mutex_unlock(&e->create_mut);
		nd_txn_free(&t);
	} else {
		pthread_mutex_unlock(&e->create_mut);
	}
	if (r) {
		if (p)
			nd_rmtree(p);
		if (u)
			unit_free(u);
	}
	free(p);
	free(vp);
	return r;
}

int nd_unit_retire(nd_engine *e, const char *id, uid_t caller, nd_err *err)
{
	nbc_module **mods = NULL;
	size_t nmods = 0, i;
	nd_version *v;
	nd_unit *u;
	char *from, *to = NULL, *units;
	cJSON *evs;
	int r = 0;

	r = nd_unit_writable(e, id, caller, &u, err);
	if (r)
		return r;
	pthread_mutex_lock(&u->mut);
	pthread_mutex_lock(&e->lock);
	if (u->retired)
		r = nd_seterr(err, ENOENT, "no unit '%s'", id);
	else if (u->active || u->canary || u->npending || u->busy)
		r = nd_seterr(err, EBUSY, "unit '%s' has an active version, a "
		    "canary or pending submissions", id);
	pthread_mutex_unlock(&e->lock);
	from = nd_unit_path(e, id, NULL);
	if (!r && (asprintf(&to, "%s/units/.retired-%s-%lld", e->dir, id,
	    (long long)nd_now_ms()) < 0 || !from))
		r = nd_seterr(err, ENOMEM, "out of memory");
	/* no record of the journal may bring the unit's files back */
	if (!r)
		r = nd_journal_checkpoint(&e->jr, err);
	if (!r && (nd_persist_check() < 0 || rename(from, to) < 0))
		r = nd_seterr(err, EIO, "retire %s: %s", id, strerror(errno));
	if (!r && asprintf(&units, "%s/units", e->dir) >= 0) {
		if (nd_fsync_dir(units) < 0)
			r = nd_seterr(err, EIO, "sync %s: %s", units,
			    strerror(errno));
		free(units);
	}
	if (!r) {
		pthread_mutex_lock(&e->lock);
		u->retired = true;
		TAILQ_REMOVE(&e->units, u, link);
		TAILQ_INSERT_TAIL(&e->retired, u, link);
		TAILQ_FOREACH(v, &u->versions, link) {
			if (!v->mod)
				continue;
			mods = reallocarray(mods, nmods + 1, sizeof(*mods));
			mods[nmods++] = v->mod;
			v->mod = NULL;
		}
		pthread_mutex_unlock(&e->lock);
		for (i = 0; i < nmods; i++) {
			nbc_unload_module(e->rt, nbc_module_id(mods[i]));
			nbc_module_release(mods[i]);
		}
		free(mods);
		evs = cJSON_CreateArray();
		cJSON_AddItemToArray(evs, nd_event_new("unit_retired", id));
		{
			nd_jticket tk;

			nd_jcommit(&e->jr, NULL, evs, true, &tk, NULL);
			nd_jpublish(&e->jr, &tk);
		}
	}
	pthread_mutex_unlock(&u->mut);
	if (!r) {
		nd_rmtree(to);
		nd_notify(e, id, 0, ND_CH_UNITS | ND_CH_STATE | ND_CH_STATUS);
		nd_notify(e, NULL, 0, ND_CH_EVENTS);
	}
	free(from);
	free(to);
	return r;
}

int nd_unit_list(nd_engine *e, char ***ids, size_t *n)
{
	nd_unit *u;
	size_t i = 0;

	pthread_mutex_lock(&e->lock);
	TAILQ_FOREACH(u, &e->units, link)
		i++;
	*ids = calloc(i + 1, sizeof(char *));
	if (!*ids) {
		pthread_mutex_unlock(&e->lock);
		return ENOMEM;
	}
	i = 0;
	TAILQ_FOREACH(u, &e->units, link)
		(*ids)[i++] = strdup(u->id);
	pthread_mutex_unlock(&e->lock);
	*n = i;
	return 0;
}

void nd_strv_free(char **v, size_t n)
{
	size_t i;

	if (!v)
		return;
	for (i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

int nd_unit_info_get(nd_engine *e, const char *id, nd_unit_info *out)
{
	nd_unit *u;

	pthread_mutex_lock(&e->lock);
	u = nd_unit_find(e, id);
	if (u) {
		out->owner = u->owner;
		out->created_ms = u->created_ms;
		out->updated_ms = u->updated_ms;
	}
	pthread_mutex_unlock(&e->lock);
	return u ? 0 : ENOENT;
}

int nd_unit_owner(nd_engine *e, const char *unit, uid_t *owner)
{
	nd_unit_info info;
	int r = nd_unit_info_get(e, unit, &info);

	if (!r)
		*owner = info.owner;
	return r;
}

int nd_handle_list(nd_engine *e, uint64_t **hids, size_t *n)
{
	size_t i;

	pthread_mutex_lock(&e->lock);
	*hids = calloc(e->nhandles + 1, sizeof(uint64_t));
	if (!*hids) {
		pthread_mutex_unlock(&e->lock);
		return ENOMEM;
	}
	for (i = 0; i < e->nhandles; i++)
		(*hids)[i] = e->handles[i]->id;
	*n = e->nhandles;
	pthread_mutex_unlock(&e->lock);
	return 0;
}
