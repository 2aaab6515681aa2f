/*
 * nd_render.c - what the files of a unit show, rendered whole at one
 * instant under e->lock (no disk I/O under it: sources are read after).
 *
 *   state      one word and a newline
 *   status     JSON: unit, state, active, previous, canary, versions,
 *              pending, last_handle, last_error, policy, owner, created,
 *              updated (SPEC.md section 5)
 *   active     the active version and a newline, or nothing
 *   policy     the policy file (every key)
 *   metrics    Prometheus text format 0.0.4
 *   log        the unit's print output: "TIME VERSION line" per line
 *   handle     handles/HID.json
 *   versions/VER/{source,state,contract.json,bytecode}
 *
 * Also the JSON of a contract ({"functions": [...]}) and its parser.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nd_internal.h"

/* ---- contract JSON ------------------------------------------------------ */

cJSON *nd_contract_json(const ncc_contract *c)
{
	cJSON *j = cJSON_CreateObject();
	cJSON *fs = cJSON_AddArrayToObject(j, "functions");
	size_t i, k;

	for (i = 0; i < c->nfuncs; i++) {
		const ncc_func *f = &c->funcs[i];
		cJSON *o = cJSON_CreateObject(), *ps;

		cJSON_AddStringToObject(o, "name", f->name);
		cJSON_AddNumberToObject(o, "line", f->line);
		ps = cJSON_AddArrayToObject(o, "params");
		for (k = 0; k < f->nparams; k++) {
			cJSON *p = cJSON_CreateObject();

			cJSON_AddStringToObject(p, "name", f->params[k].name);
			cJSON_AddStringToObject(p, "type", f->params[k].type ?
			    f->params[k].type : "any");
			cJSON_AddBoolToObject(p, "default",
			    f->params[k].has_default);
			cJSON_AddItemToArray(ps, p);
		}
		cJSON_AddStringToObject(o, "returns", f->ret ? f->ret : "any");
		cJSON_AddItemToArray(fs, o);
	}
	return j;
}

static char *jdup(const cJSON *o, const char *key, const char *dflt)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);

	return strdup(cJSON_IsString(v) ? v->valuestring : dflt);
}

int nd_contract_from_json(const cJSON *j, ncc_contract *out)
{
	const cJSON *fs = cJSON_GetObjectItemCaseSensitive(j, "functions");
	const cJSON *f, *p;
	size_t n, i = 0;

	memset(out, 0, sizeof(*out));
	if (!cJSON_IsArray(fs))
		return -1;
	n = (size_t)cJSON_GetArraySize(fs);
	out->funcs = calloc(n + 1, sizeof(*out->funcs));
	if (!out->funcs)
		return -1;
	cJSON_ArrayForEach(f, fs) {
		ncc_func *d = &out->funcs[i++];
		const cJSON *ps = cJSON_GetObjectItemCaseSensitive(f, "params");
		const cJSON *line = cJSON_GetObjectItemCaseSensitive(f, "line");
		size_t k = 0;

		out->nfuncs = i;
		d->name = jdup(f, "name", "");
		d->ret = jdup(f, "returns", "any");
		d->line = cJSON_IsNumber(line) ? line->valueint : 0;
		d->params = calloc((size_t)cJSON_GetArraySize(ps) + 1,
		    sizeof(*d->params));
		cJSON_ArrayForEach(p, ps) {
			d->params[k].name = jdup(p, "name", "");
			d->params[k].type = jdup(p, "type", "any");
			d->params[k].has_default = cJSON_IsTrue(
			    cJSON_GetObjectItemCaseSensitive(p, "default"));
			d->nparams = ++k;
		}
	}
	return 0;
}

/* ---- helpers ------------------------------------------------------------- */

static int give(char *s, char **out, size_t *len)
{
	if (!s)
		return ENOMEM;
	*out = s;
	if (len)
		*len = strlen(s);
	return 0;
}

static int give_json(cJSON *j, char **out, size_t *len)
{
	char *s = cJSON_Print(j);
	size_t n;

	cJSON_Delete(j);
	if (!s)
		return ENOMEM;
	n = strlen(s);
	s = realloc(s, n + 2);
	s[n] = '\n';
	s[n + 1] = '\0';
	*out = s;
	if (len)
		*len = n + 1;
	return 0;
}

static void add_time(cJSON *j, const char *key, int64_t ms)
{
	char buf[32];

	if (ms <= 0) {
		cJSON_AddNullToObject(j, key);
		return;
	}
	nd_time_fmt(ms, buf);
	cJSON_AddStringToObject(j, key, buf);
}

static void add_str(cJSON *j, const char *key, const char *s)
{
	if (s)
		cJSON_AddStringToObject(j, key, s);
	else
		cJSON_AddNullToObject(j, key);
}

static double rate(uint64_t errors, uint64_t calls)
{
	return calls ? (double)errors / (double)calls : 0.0;
}

/* ---- the files ------------------------------------------------------------ */

int nd_render_state(nd_engine *e, const char *unit, char **out, size_t *len)
{
	nd_unit *u;
	char *s = NULL;

	pthread_mutex_lock(&e->lock);
	u = nd_unit_find(e, unit);
	if (u && asprintf(&s, "%s\n", nd_unit_state_word(u)) < 0)
		s = NULL;
	pthread_mutex_unlock(&e->lock);
	return u ? give(s, out, len) : ENOENT;
}

int nd_render_active(nd_engine *e, const char *unit, char **out, size_t *len)
{
	nd_unit *u;
	char *s = NULL;

	pthread_mutex_lock(&e->lock);
	u = nd_unit_find(e, unit);
	if (u && asprintf(&s, "%s%s", u->active ? u->active->ver : "",
	    u->active ? "\n" : "") < 0)
		s = NULL;
	pthread_mutex_unlock(&e->lock);
	return u ? give(s, out, len) : ENOENT;
}

int nd_render_policy(nd_engine *e, const char *unit, char **out, size_t *len)
{
	nd_unit *u;
	nd_policy p;

	pthread_mutex_lock(&e->lock);
	u = nd_unit_find(e, unit);
	if (u)
		p = u->pol;
	pthread_mutex_unlock(&e->lock);
	if (!u)
		return ENOENT;
	return give(nd_policy_render(&p, NULL), out, len);
}

static cJSON *policy_json(const nd_policy *p)
{
	static const char *const act[] = { "manual", "auto", "canary" };
	cJSON *j = cJSON_CreateObject();

	cJSON_AddItemToObject(j, "capabilities", nd_caps_json(p->caps));
	cJSON_AddStringToObject(j, "activation", act[p->activation]);
	cJSON_AddNumberToObject(j, "canary.percent", p->canary_percent);
	cJSON_AddNumberToObject(j, "canary.min_calls",
	    (double)p->canary_min_calls);
	cJSON_AddNumberToObject(j, "canary.max_error_rate",
	    p->canary_max_error_rate);
	cJSON_AddNumberToObject(j, "keep_loaded", p->keep_loaded);
	cJSON_AddNumberToObject(j, "gas", (double)p->gas);
	cJSON_AddNumberToObject(j, "memory", (double)p->memory);
	return j;
}

int nd_render_status(nd_engine *e, const char *unit, char **out, size_t *len)
{
	cJSON *j, *a;
	nd_version *v;
	nd_handle *h;
	nd_unit *u;

	pthread_mutex_lock(&e->lock);
	u = nd_unit_find(e, unit);
	if (!u) {
		pthread_mutex_unlock(&e->lock);
		return ENOENT;
	}
	j = cJSON_CreateObject();
	cJSON_AddStringToObject(j, "unit", u->id);
	cJSON_AddStringToObject(j, "state", nd_unit_state_word(u));
	add_str(j, "active", u->active ? u->active->ver : NULL);
	add_str(j, "previous", u->nhist ? u->hist[u->nhist - 1]->ver : NULL);
	if (u->canary) {
		cJSON *c = cJSON_AddObjectToObject(j, "canary");

		cJSON_AddStringToObject(c, "version", u->canary->ver);
		cJSON_AddNumberToObject(c, "percent", u->canary_pct);
		cJSON_AddNumberToObject(c, "calls", (double)u->canary->c_calls);
		cJSON_AddNumberToObject(c, "errors", (double)u->canary->c_errors);
		cJSON_AddNumberToObject(c, "error_rate",
		    rate(u->canary->c_errors, u->canary->c_calls));
		cJSON_AddNumberToObject(c, "min_calls",
		    (double)u->pol.canary_min_calls);
		cJSON_AddNumberToObject(c, "max_error_rate",
		    u->pol.canary_max_error_rate);
	} else {
		cJSON_AddNullToObject(j, "canary");
	}
	a = cJSON_AddArrayToObject(j, "versions");
	TAILQ_FOREACH(v, &u->versions, link) {
		cJSON *o = cJSON_CreateObject();

		cJSON_AddStringToObject(o, "version", v->ver);
		cJSON_AddStringToObject(o, "state", nd_vstate_name(v->state));
		cJSON_AddNumberToObject(o, "handle", (double)v->hid);
		cJSON_AddItemToObject(o, "capabilities", nd_caps_json(v->caps));
		add_time(o, "loaded_at", v->loaded_at_ms);
		cJSON_AddNumberToObject(o, "calls", (double)v->calls);
		cJSON_AddNumberToObject(o, "errors", (double)v->errors);
		cJSON_AddNumberToObject(o, "error_rate", rate(v->errors,
		    v->calls));
		cJSON_AddNumberToObject(o, "mean_us", v->lat.count ?
		    v->lat.sum / (double)v->lat.count * 1e6 : 0.0);
		cJSON_AddItemToArray(a, o);
	}
	a = cJSON_AddArrayToObject(j, "pending");
	if (u->npending) {
		size_t i;

		for (i = 0; i < e->nhandles; i++) {
			h = e->handles[i];
			if (nd_hstate_pending(h->state) && !strcmp(h->unit, u->id))
				cJSON_AddItemToArray(a,
				    cJSON_CreateNumber((double)h->id));
		}
	}
	if (u->last_handle)
		cJSON_AddNumberToObject(j, "last_handle", (double)u->last_handle);
	else
		cJSON_AddNullToObject(j, "last_handle");
	add_str(j, "last_error", u->last_error);
	cJSON_AddItemToObject(j, "policy", policy_json(&u->pol));
	cJSON_AddNumberToObject(j, "owner", (double)u->owner);
	add_time(j, "created", u->created_ms);
	add_time(j, "updated", u->updated_ms);
	pthread_mutex_unlock(&e->lock);
	return give_json(j, out, len);
}

int nd_render_handle(nd_engine *e, uint64_t hid, char **out, size_t *len)
{
	nd_handle *h;
	cJSON *j = NULL;

	pthread_mutex_lock(&e->lock);
	h = nd_handle_find(e, hid);
	if (h)
		j = nd_handle_json(h);
	pthread_mutex_unlock(&e->lock);
	return h ? give_json(j, out, len) : ENOENT;
}

int nd_render_log(nd_engine *e, const char *unit, char **out, size_t *len)
{
	nd_unit *u;
	char *s = NULL;
	size_t n = 0;

	pthread_mutex_lock(&e->lock);
	u = nd_unit_find(e, unit);
	if (u) {
		n = u->log_len;
		s = malloc(n + 1);
		if (s) {
			if (n)
				memcpy(s, u->log, n);
			s[n] = '\0';
		}
	}
	pthread_mutex_unlock(&e->lock);
	if (!u)
		return ENOENT;
	if (!s)
		return ENOMEM;
	*out = s;
	if (len)
		*len = n;
	return 0;
}

/* A growing text buffer for the metrics. */
typedef struct sbuf { char *s; size_t len, cap; } sbuf;

static void sb_printf(sbuf *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static void sb_printf(sbuf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	for (;;) {
		size_t room = b->cap - b->len;

		va_start(ap, fmt);
		n = vsnprintf(b->s ? b->s + b->len : NULL, b->s ? room : 0, fmt,
		    ap);
		va_end(ap);
		if (n < 0)
			return;
		if (b->s && (size_t)n < room) {
			b->len += (size_t)n;
			return;
		}
		b->cap = (b->cap + (size_t)n + 1) * 2;
		b->s = realloc(b->s, b->cap);
		if (!b->s)
			return;
	}
}

static void sb_head(sbuf *b, const char *name, const char *type,
    const char *help)
{
	sb_printf(b, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

static void sb_hist(sbuf *b, const char *name, const char *labels,
    const nd_hist *h)
{
	uint64_t cum = 0;
	int i;

	for (i = 0; i < ND_HIST_N; i++) {
		cum += h->b[i];
		if (i == ND_HIST_N - 1)
			sb_printf(b, "%s_bucket{%s,le=\"+Inf\"} %llu\n", name,
			    labels, (unsigned long long)cum);
		else
			sb_printf(b, "%s_bucket{%s,le=\"%g\"} %llu\n", name,
			    labels, nd_hist_bounds[i], (unsigned long long)cum);
	}
	sb_printf(b, "%s_sum{%s} %.9f\n", name, labels, h->sum);
	sb_printf(b, "%s_count{%s} %llu\n", name, labels,
	    (unsigned long long)h->count);
}

int nd_render_metrics(nd_engine *e, const char *unit, char **out, size_t *len)
{
	sbuf b = { NULL, 0, 0 };
	nd_version *v;
	nd_unit *u;
	char l[160];
	int s;

	pthread_mutex_lock(&e->lock);
	u = nd_unit_find(e, unit);
	if (!u) {
		pthread_mutex_unlock(&e->lock);
		return ENOENT;
	}
#define EACH_V(fmtline, ...) TAILQ_FOREACH(v, &u->versions, link) { \
		snprintf(l, sizeof(l), "unit=\"%s\",version=\"%s\"", u->id, \
		    v->ver); \
		sb_printf(&b, fmtline, __VA_ARGS__); }
	sb_head(&b, "noodle_calls_total", "counter",
	    "Calls served by each version.");
	EACH_V("noodle_calls_total{%s} %llu\n", l,
	    (unsigned long long)v->calls)
	sb_head(&b, "noodle_call_errors_total", "counter",
	    "Calls that ended with an error, per version.");
	EACH_V("noodle_call_errors_total{%s} %llu\n", l,
	    (unsigned long long)v->errors)
	sb_head(&b, "noodle_call_error_ratio", "gauge",
	    "Errors divided by calls, per version (0 without calls).");
	EACH_V("noodle_call_error_ratio{%s} %g\n", l, rate(v->errors, v->calls))
	sb_head(&b, "noodle_instructions_total", "counter",
	    "Bytecode instructions executed by calls, per version.");
	EACH_V("noodle_instructions_total{%s} %llu\n", l,
	    (unsigned long long)v->instructions)
	sb_head(&b, "noodle_call_duration_seconds", "histogram",
	    "Wall time of calls, per version.");
	TAILQ_FOREACH(v, &u->versions, link) {
		snprintf(l, sizeof(l), "unit=\"%s\",version=\"%s\"", u->id,
		    v->ver);
		sb_hist(&b, "noodle_call_duration_seconds", l, &v->lat);
	}
	sb_head(&b, "noodle_version_state", "gauge",
	    "Rollout state of each version: 1 for its current state.");
	TAILQ_FOREACH(v, &u->versions, link)
		for (s = ND_V_VALIDATED; s < ND_V_FAILED; s++)
			sb_printf(&b, "noodle_version_state{unit=\"%s\","
			    "version=\"%s\",state=\"%s\"} %d\n", u->id, v->ver,
			    nd_vstate_name((enum nd_vstate)s),
			    v->state == (enum nd_vstate)s);
	sb_head(&b, "noodle_canary_calls_total", "counter",
	    "Calls served by the running canary since it started.");
	if (u->canary)
		sb_printf(&b, "noodle_canary_calls_total{unit=\"%s\",version=\"%s\"}"
		    " %llu\n", u->id, u->canary->ver,
		    (unsigned long long)u->canary->c_calls);
	sb_head(&b, "noodle_canary_errors_total", "counter",
	    "Errors of the running canary since it started.");
	if (u->canary)
		sb_printf(&b, "noodle_canary_errors_total{unit=\"%s\","
		    "version=\"%s\"} %llu\n", u->id, u->canary->ver,
		    (unsigned long long)u->canary->c_errors);
	sb_head(&b, "noodle_canary_percent", "gauge",
	    "Share of calls routed to the canary (0 when none).");
	sb_printf(&b, "noodle_canary_percent{unit=\"%s\"} %d\n", u->id,
	    u->canary ? u->canary_pct : 0);
	sb_head(&b, "noodle_updates_total", "counter",
	    "Submissions of the unit by validation result.");
	sb_printf(&b, "noodle_updates_total{unit=\"%s\",result=\"validated\"} "
	    "%llu\n", u->id, (unsigned long long)u->upd_validated);
	sb_printf(&b, "noodle_updates_total{unit=\"%s\",result=\"failed\"} "
	    "%llu\n", u->id, (unsigned long long)u->upd_failed);
	sb_head(&b, "noodle_pending_updates", "gauge",
	    "Submissions queued or validating.");
	sb_printf(&b, "noodle_pending_updates{unit=\"%s\"} %d\n", u->id,
	    u->npending);
	sb_head(&b, "noodle_validation_duration_seconds", "histogram",
	    "Time the validation gates took, per submission.");
	snprintf(l, sizeof(l), "unit=\"%s\"", u->id);
	sb_hist(&b, "noodle_validation_duration_seconds", l, &u->vdur);
#undef EACH_V
	pthread_mutex_unlock(&e->lock);
	if (!b.s)
		return ENOMEM;
	*out = b.s;
	if (len)
		*len = b.len;
	return 0;
}

int nd_version_list(nd_engine *e, const char *unit, char ***vers, size_t *n)
{
	nd_version *v;
	nd_unit *u;
	size_t i = 0;

	pthread_mutex_lock(&e->lock);
	u = nd_unit_find(e, unit);
	if (!u) {
		pthread_mutex_unlock(&e->lock);
		return ENOENT;
	}
	TAILQ_FOREACH(v, &u->versions, link)
		i++;
	*vers = calloc(i + 1, sizeof(char *));
	i = 0;
	if (*vers)
		TAILQ_FOREACH(v, &u->versions, link)
			(*vers)[i++] = strdup(v->ver);
	pthread_mutex_unlock(&e->lock);
	*n = i;
	return *vers ? 0 : ENOMEM;
}

int nd_render_version_file(nd_engine *e, const char *unit, const char *ver,
    enum nd_version_file which, char **out, size_t *len)
{
	char *s = NULL, *p, *src;
	cJSON *cj = NULL;
	nd_version *v = NULL;
	nd_unit *u;
	size_t n;

	pthread_mutex_lock(&e->lock);
	u = nd_unit_find(e, unit);
	if (u)
		v = nd_version_find(u, ver);
	if (v && which == ND_VF_STATE && asprintf(&s, "%s\n",
	    nd_vstate_name(v->state)) < 0)
		s = NULL;
	if (v && which == ND_VF_CONTRACT)
		cj = nd_contract_json(&v->contract);
	pthread_mutex_unlock(&e->lock);
	if (!v)
		return ENOENT;
	if (which == ND_VF_STATE)
		return give(s, out, len);
	if (which == ND_VF_CONTRACT)
		return give_json(cj, out, len);
	p = nd_unit_path(e, unit, "versions/");
	if (!p || asprintf(&s, "%s%s/source", p, ver) < 0)
		s = NULL;
	free(p);
	src = s ? nd_read_file(s, &n) : NULL;
	free(s);
	if (!src)
		return EIO;
	if (which == ND_VF_SOURCE) {
		*out = src;
		if (len)
			*len = n;
		return 0;
	} else {
		ncc_result cr;
		nbc_error ne = { "", 0 };

		memset(&cr, 0, sizeof(cr));
		s = NULL;
		if (ncc_compile(src, n, &cr) == 0 && cr.ok)
			s = nbc_disasm(cr.blob, cr.blob_len, &ne);
		ncc_result_free(&cr);
		free(src);
		if (!s)
			return EIO;
		return give(s, out, len);
	}
}
