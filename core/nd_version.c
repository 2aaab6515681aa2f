/*
 * nd_version.c - the DeployableUnit: one version of a unit.
 *
 * A version has an id (unit and MAJOR.MINOR.PATCH), its handle, the
 * sha256 of its source, its contract and capabilities, a state, and while
 * loaded a reference to its module "UNIT@VERSION" in the runtime.  Its
 * lifecycle (SPEC.md section 2) is the table below; nd_version_transition
 * is the only code that assigns a state.  In the engine, transitions are
 * staged in a transaction (nd_txn), which persists them, applies them with
 * this function and emits the event the table names.  A standalone
 * version (the plan's Task 1) is driven by nd_version_load/activate/unload.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nd_internal.h"

static const char *const vstate_names[ND_V__COUNT] = {
	"BUILDING", "VALIDATED", "LOADED", "ACTIVE", "CANARY", "RETIRED",
	"FAILED",
};

/* The version lifecycle: every allowed transition and the event it emits
 * (NULL: the event of the command that makes it covers it). */
static const struct {
	enum nd_vstate from, to;
	const char *event;
} vtrans[] = {
	{ ND_V_BUILDING,  ND_V_VALIDATED, NULL },            /* handle's "validated" */
	{ ND_V_BUILDING,  ND_V_FAILED,    NULL },            /* handle's "validation_failed" */
	{ ND_V_VALIDATED, ND_V_LOADED,    "loaded" },
	{ ND_V_LOADED,    ND_V_ACTIVE,    "activated" },
	{ ND_V_ACTIVE,    ND_V_LOADED,    NULL },            /* replaced: the new one's "activated" */
	{ ND_V_LOADED,    ND_V_CANARY,    "canary_started" },
	{ ND_V_CANARY,    ND_V_ACTIVE,    "canary_promoted" },
	{ ND_V_CANARY,    ND_V_LOADED,    "canary_aborted" },
	{ ND_V_LOADED,    ND_V_RETIRED,   "unloaded" },
};

const double nd_hist_bounds[ND_HIST_N] = {
	0.00001, 0.0001, 0.0005, 0.001, 0.005, 0.01, 0.1, 1, 1e300,
};

void nd_hist_add(nd_hist *h, double seconds)
{
	int i;

	for (i = 0; i < ND_HIST_N - 1 && seconds > nd_hist_bounds[i]; i++)
		;
	h->b[i]++;
	h->count++;
	h->sum += seconds;
}

const char *nd_vstate_name(enum nd_vstate s)
{
	return (unsigned)s < ND_V__COUNT ? vstate_names[s] : "?";
}

int nd_vstate_parse(const char *s)
{
	int i;

	for (i = 0; s && i < ND_V__COUNT; i++)
		if (strcmp(s, vstate_names[i]) == 0)
			return i;
	return -1;
}

static int vtrans_find(enum nd_vstate from, enum nd_vstate to)
{
	size_t i;

	for (i = 0; i < sizeof(vtrans) / sizeof(vtrans[0]); i++)
		if (vtrans[i].from == from && vtrans[i].to == to)
			return (int)i;
	return -1;
}

bool nd_vtrans_allowed(enum nd_vstate from, enum nd_vstate to)
{
	return vtrans_find(from, to) >= 0;
}

const char *nd_vtrans_event(enum nd_vstate from, enum nd_vstate to)
{
	int i = vtrans_find(from, to);

	return i < 0 ? NULL : vtrans[i].event;
}

int nd_version_transition(nd_version *v, enum nd_vstate to, nd_err *err)
{
	if (!nd_vtrans_allowed(v->state, to))
		return nd_seterr(err, EBUSY, "version %s is %s: it cannot become %s",
		    v->ver, nd_vstate_name(v->state), nd_vstate_name(to));
	v->state = to;
	return 0;
}

void nd_version_modid(char *buf, const char *unit, const char *ver)
{
	snprintf(buf, ND_MODID_MAX, "%s@%s", unit, ver);
}

nd_version *nd_version_new(const char *unit, const char *ver,
    const uint8_t *blob, size_t len)
{
	nd_version *v = calloc(1, sizeof(*v));

	if (!v)
		return NULL;
	strlcpy(v->unit, unit, sizeof(v->unit));
	strlcpy(v->ver, ver, sizeof(v->ver));
	if (ncc_semver_parse(ver, &v->sv) < 0)
		memset(&v->sv, 0, sizeof(v->sv));
	v->state = ND_V_BUILDING;
	v->created_ms = nd_now_ms();
	if (blob && len) {
		v->blob = malloc(len);
		if (!v->blob) {
			free(v);
			return NULL;
		}
		memcpy(v->blob, blob, len);
		v->blob_len = len;
	}
	nd_version_modid(v->modid, unit, ver);
	return v;
}

void nd_version_free(nd_version *v)
{
	if (!v)
		return;
	if (v->mod)
		nbc_module_release(v->mod);
	ncc_contract_free(&v->contract);
	free(v->blob);
	free(v->last_error);
	free(v);
}

static bool fail(nd_version *v, const char *msg)
{
	free(v->last_error);
	v->last_error = strdup(msg);
	nd_version_transition(v, ND_V_FAILED, NULL);
	return false;
}

bool nd_version_load(nd_version *v, nbc_runtime *rt, const nbc_limits *lim)
{
	nbc_error ne;

	if (v->state != ND_V_BUILDING && v->state != ND_V_VALIDATED)
		return false;
	if (v->state == ND_V_BUILDING) {
		if (nbc_verify(v->blob, v->blob_len, &ne) < 0)
			return fail(v, ne.message);
		nd_version_transition(v, ND_V_VALIDATED, NULL);
	}
	if (nbc_load_module(rt, v->blob, v->blob_len, v->modid, lim, &ne) < 0) {
		free(v->last_error);
		v->last_error = strdup(ne.message);
		return false;
	}
	v->mod = nbc_module_get(rt, v->modid);
	v->loaded_at_ms = nd_now_ms();
	nd_version_transition(v, ND_V_LOADED, NULL);
	return true;
}

int nd_version_activate(nd_version *v, nd_err *err)
{
	return nd_version_transition(v, ND_V_ACTIVE, err);
}

int nd_version_unload(nd_version *v, nbc_runtime *rt, nd_err *err)
{
	int r = nd_version_transition(v, ND_V_RETIRED, err);

	if (r)
		return r;
	nbc_unload_module(rt, v->modid);
	if (v->mod)
		nbc_module_release(v->mod);
	v->mod = NULL;
	v->loaded_at_ms = 0;
	return 0;
}

bool nd_version_is_healthy(const nd_version *v)
{
	switch (v->state) {
	case ND_V_FAILED:
		return false;
	case ND_V_LOADED:
	case ND_V_ACTIVE:
	case ND_V_CANARY:
		return v->mod != NULL;
	default:
		return true;
	}
}

bool nd_version_is_active(const nd_version *v)
{
	return v->state == ND_V_ACTIVE;
}
