/*
 * nd_handle.c - the update handle: one submission and its fate.
 *
 * Its lifecycle (SPEC.md section 2) is the table below, and
 * nd_handle_transition is the only code that assigns a handle's state.  A
 * handle's JSON (nd_handle_json) is both what handles/HID.json shows and
 * what the state folder stores, so nd_handle_from_json reads it back.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "nd_internal.h"

static const char *const hstate_names[ND_H__COUNT] = {
	"QUEUED", "VALIDATING", "VALIDATED", "VALIDATION_FAILED", "CANARY",
	"ACTIVE", "ROLLED_BACK", "SUPERSEDED",
};

/* The handle lifecycle and the event each transition emits (NULL: the
 * version's event covers it). */
static const struct {
	enum nd_hstate from, to;
	const char *event;
} htrans[] = {
	{ ND_H_QUEUED,     ND_H_VALIDATING,        "validating" },
	{ ND_H_VALIDATING, ND_H_VALIDATED,         "validated" },
	{ ND_H_VALIDATING, ND_H_VALIDATION_FAILED, "validation_failed" },
	{ ND_H_VALIDATING, ND_H_QUEUED,            "requeued" },  /* recovery */
	{ ND_H_VALIDATED,  ND_H_CANARY,            NULL },
	{ ND_H_VALIDATED,  ND_H_ACTIVE,            NULL },
	{ ND_H_CANARY,     ND_H_ACTIVE,            NULL },
	{ ND_H_CANARY,     ND_H_ROLLED_BACK,       NULL },
	{ ND_H_ACTIVE,     ND_H_ROLLED_BACK,       NULL },
	{ ND_H_ACTIVE,     ND_H_SUPERSEDED,        NULL },
};

const char *nd_hstate_name(enum nd_hstate s)
{
	return (unsigned)s < ND_H__COUNT ? hstate_names[s] : "?";
}

int nd_hstate_parse(const char *s)
{
	int i;

	for (i = 0; s && i < ND_H__COUNT; i++)
		if (strcmp(s, hstate_names[i]) == 0)
			return i;
	return -1;
}

static int htrans_find(enum nd_hstate from, enum nd_hstate to)
{
	size_t i;

	for (i = 0; i < sizeof(htrans) / sizeof(htrans[0]); i++)
		if (htrans[i].from == from && htrans[i].to == to)
			return (int)i;
	return -1;
}

bool nd_htrans_allowed(enum nd_hstate from, enum nd_hstate to)
{
	return htrans_find(from, to) >= 0;
}

const char *nd_htrans_event(enum nd_hstate from, enum nd_hstate to)
{
	int i = htrans_find(from, to);

	return i < 0 ? NULL : htrans[i].event;
}

int nd_handle_transition(nd_handle *h, enum nd_hstate to, nd_err *err)
{
	if (!nd_htrans_allowed(h->state, to))
		return nd_seterr(err, EBUSY, "handle %llu is %s: it cannot become %s",
		    (unsigned long long)h->id, nd_hstate_name(h->state),
		    nd_hstate_name(to));
	h->state = to;
	return 0;
}

bool nd_hstate_pending(enum nd_hstate s)
{
	return s == ND_H_QUEUED || s == ND_H_VALIDATING;
}

nd_handle *nd_handle_new(void)
{
	return calloc(1, sizeof(nd_handle));
}

nd_handle *nd_handle_clone(const nd_handle *h)
{
	nd_handle *c = malloc(sizeof(*c));

	if (!c)
		return NULL;
	*c = *h;
	c->contract = h->contract ? cJSON_Duplicate(h->contract, 1) : NULL;
	c->validation = h->validation ? cJSON_Duplicate(h->validation, 1) : NULL;
	return c;
}

void nd_handle_free(nd_handle *h)
{
	if (!h)
		return;
	cJSON_Delete(h->contract);
	cJSON_Delete(h->validation);
	free(h);
}

void nd_handle_swap(nd_handle *a, nd_handle *b)
{
	nd_handle t = *a;

	*a = *b;
	a->qlink = t.qlink;
	t.qlink = b->qlink;
	*b = t;
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

cJSON *nd_handle_json(const nd_handle *h)
{
	cJSON *j = cJSON_CreateObject();

	cJSON_AddNumberToObject(j, "id", (double)h->id);
	cJSON_AddStringToObject(j, "unit", h->unit);
	if (h->version[0])
		cJSON_AddStringToObject(j, "version", h->version);
	else
		cJSON_AddNullToObject(j, "version");
	cJSON_AddStringToObject(j, "state", nd_hstate_name(h->state));
	cJSON_AddStringToObject(j, "submitted_by", h->user);
	cJSON_AddNumberToObject(j, "uid", (double)h->uid);
	add_time(j, "submitted_at", h->submitted_ms);
	add_time(j, "finished_at", h->finished_ms);
	cJSON_AddNumberToObject(j, "source_bytes", (double)h->source_bytes);
	cJSON_AddStringToObject(j, "source_sha256", h->sha256);
	if (h->bump[0])
		cJSON_AddStringToObject(j, "bump", h->bump);
	else
		cJSON_AddNullToObject(j, "bump");
	cJSON_AddItemToObject(j, "capabilities", nd_caps_json(h->caps));
	if (h->contract)
		cJSON_AddItemToObject(j, "contract",
		    cJSON_Duplicate(h->contract, 1));
	else
		cJSON_AddNullToObject(j, "contract");
	if (h->validation)
		cJSON_AddItemToObject(j, "validation",
		    cJSON_Duplicate(h->validation, 1));
	else
		cJSON_AddNullToObject(j, "validation");
	return j;
}

static const char *jstr(const cJSON *j, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(j, key);

	return cJSON_IsString(v) ? v->valuestring : NULL;
}

nd_handle *nd_handle_from_json(const cJSON *j)
{
	const cJSON *id = cJSON_GetObjectItemCaseSensitive(j, "id");
	const cJSON *uid = cJSON_GetObjectItemCaseSensitive(j, "uid");
	const cJSON *sb = cJSON_GetObjectItemCaseSensitive(j, "source_bytes");
	const cJSON *c = cJSON_GetObjectItemCaseSensitive(j, "contract");
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(j, "validation");
	const char *unit = jstr(j, "unit"), *state = jstr(j, "state");
	nd_handle *h;
	int st;

	if (!cJSON_IsNumber(id) || id->valuedouble < 1 || !unit ||
	    !nd_unit_id_valid(unit) || (st = nd_hstate_parse(state)) < 0 ||
	    !cJSON_IsNumber(uid) || !cJSON_IsNumber(sb) || !jstr(j, "source_sha256"))
		return NULL;
	h = nd_handle_new();
	if (!h)
		return NULL;
	h->id = (uint64_t)id->valuedouble;
	strlcpy(h->unit, unit, sizeof(h->unit));
	if (jstr(j, "version"))
		strlcpy(h->version, jstr(j, "version"), sizeof(h->version));
	h->state = (enum nd_hstate)st;
	h->uid = (uid_t)uid->valuedouble;
	strlcpy(h->user, jstr(j, "submitted_by") ? jstr(j, "submitted_by") : "",
	    sizeof(h->user));
	h->submitted_ms = nd_time_parse(jstr(j, "submitted_at"));
	h->finished_ms = jstr(j, "finished_at") ?
	    nd_time_parse(jstr(j, "finished_at")) : 0;
	h->source_bytes = (size_t)sb->valuedouble;
	strlcpy(h->sha256, jstr(j, "source_sha256"), sizeof(h->sha256));
	if (jstr(j, "bump"))
		strlcpy(h->bump, jstr(j, "bump"), sizeof(h->bump));
	h->caps = nd_caps_from_json(cJSON_GetObjectItemCaseSensitive(j,
	    "capabilities"));
	if (cJSON_IsObject(c))
		h->contract = cJSON_Duplicate(c, 1);
	if (cJSON_IsObject(v))
		h->validation = cJSON_Duplicate(v, 1);
	return h;
}
