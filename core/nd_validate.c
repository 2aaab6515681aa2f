/*
 * nd_validate.c - the ValidationEngine: the six gates of SPEC.md section 3.
 *
 *   1 compile        ncc_compile: every error with line and column
 *   2 contract       the public functions (ncc_result.contract)
 *   3 compatibility  the version number (declared __version__, or the bump
 *                    of the contract diff against the newest version) and
 *                    semver against the newest and the ACTIVE version
 *   4 capabilities   each use of a capability the policy does not grant
 *   5 verify+load    nbc_verify, then nbc_load_module as "UNIT@VERSION"
 *                    beside the active version
 *   6 self-test      every test_* function, under the unit's gas, memory
 *                    and capabilities
 *
 * Gates run in order on a worker thread, with no engine lock: everything
 * they need of the unit is copied into an nd_vctx first.  Each gate
 * records {name, passed, ms, errors}; every error is {gate, line, col,
 * message} and also goes to the result's errors[]; the first failing gate
 * stops the pipeline, and a module loaded by gate 5 is unloaded again
 * when gate 6 fails.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "nd_internal.h"

typedef struct gates {
	cJSON *v, *gates, *errors, *warnings;
	cJSON *cur_errors;
	const char *cur;
	struct timespec t0;
	bool ok;
} gates;

static double since_ms(const struct timespec *t0)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)(t.tv_sec - t0->tv_sec) * 1e3 +
	    (double)(t.tv_nsec - t0->tv_nsec) / 1e6;
}

static void gate_begin(gates *g, const char *name)
{
	g->cur = name;
	g->cur_errors = cJSON_CreateArray();
	g->ok = true;
	clock_gettime(CLOCK_MONOTONIC, &g->t0);
}

static cJSON *diag(const char *gate, int line, int col, const char *msg)
{
	cJSON *d = cJSON_CreateObject();

	cJSON_AddStringToObject(d, "gate", gate);
	cJSON_AddNumberToObject(d, "line", line);
	cJSON_AddNumberToObject(d, "col", col);
	cJSON_AddStringToObject(d, "message", msg);
	return d;
}

static void gate_error(gates *g, int line, int col, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static void gate_error(gates *g, int line, int col, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	cJSON_AddItemToArray(g->cur_errors, diag(g->cur, line, col, msg));
	cJSON_AddItemToArray(g->errors, diag(g->cur, line, col, msg));
	g->ok = false;
}

static void gate_warning(gates *g, int line, int col, const char *msg)
{
	cJSON_AddItemToArray(g->warnings, diag(g->cur, line, col, msg));
}

/* Close the current gate's record; returns whether it passed. */
static bool gate_end(gates *g)
{
	cJSON *r = cJSON_CreateObject();

	cJSON_AddStringToObject(r, "name", g->cur);
	cJSON_AddBoolToObject(r, "passed", g->ok);
	cJSON_AddNumberToObject(r, "ms", since_ms(&g->t0));
	cJSON_AddItemToObject(r, "errors", g->cur_errors);
	cJSON_AddItemToArray(g->gates, r);
	g->cur_errors = NULL;
	return g->ok;
}

void nd_vctx_free(nd_vctx *c)
{
	ncc_contract_free(&c->newest);
	ncc_contract_free(&c->active);
	free(c->existing);
	memset(c, 0, sizeof(*c));
}

void nd_vresult_free(nd_vresult *r)
{
	cJSON_Delete(r->validation);
	if (r->has_contract)
		ncc_contract_free(&r->contract);
	if (r->mod)
		nbc_module_release(r->mod);
	memset(r, 0, sizeof(*r));
}

static int func_line(const ncc_contract *c, const char *name)
{
	size_t i;

	for (i = 0; name && i < c->nfuncs; i++)
		if (strcmp(c->funcs[i].name, name) == 0)
			return c->funcs[i].line;
	return 0;
}

/* Gate 3. */
static void gate_compat(gates *g, const nd_vctx *ctx, const ncc_result *cr,
    nd_vresult *r)
{
	int vline = cr->version ? cr->version_line : 0;
	ncc_diff d = { 0 };
	char nb[ND_VER_MAX], ab[ND_VER_MAX];
	size_t i;

	if (ctx->has_newest) {
		if (ncc_contract_diff(&ctx->newest, &cr->contract, &d) < 0) {
			gate_error(g, 0, 0, "out of memory");
			return;
		}
		strlcpy(r->bump, ncc_bump_name(d.bump == NCC_BUMP_NONE ?
		    NCC_BUMP_PATCH : d.bump), sizeof(r->bump));
		ncc_semver_format(&ctx->newest_sv, nb, sizeof(nb));
		for (i = 0; i < d.nchanges; i++) {
			char msg[512];

			snprintf(msg, sizeof(msg), "%s: %s (%s against %s)",
			    d.changes[i].function, d.changes[i].message,
			    d.changes[i].breaking ? "breaking" : "compatible", nb);
			gate_warning(g, func_line(&cr->contract,
			    d.changes[i].function), 0, msg);
		}
	} else {
		strlcpy(r->bump, "major", sizeof(r->bump));
	}
	if (cr->version) {
		if (ncc_semver_parse(cr->version, &r->sv) < 0) {
			gate_error(g, vline, 0, "__version__ '%s' is not "
			    "MAJOR.MINOR.PATCH", cr->version);
			goto out;
		}
		for (i = 0; i < ctx->nexisting; i++)
			if (ncc_semver_cmp(&ctx->existing[i], &r->sv) == 0)
				break;
		if (i < ctx->nexisting)
			gate_error(g, vline, 0, "version %s already exists",
			    cr->version);
		else if (ctx->has_newest &&
		    ncc_semver_cmp(&r->sv, &ctx->newest_sv) < 0)
			gate_error(g, vline, 0, "version %s is lower than the "
			    "newest version %s", cr->version, nb);
	} else if (!ctx->has_newest) {
		r->sv = (ncc_semver){ 1, 0, 0 };
	} else {
		r->sv = ctx->newest_sv;
		if (d.bump == NCC_BUMP_MAJOR)
			r->sv.major++, r->sv.minor = 0, r->sv.patch = 0;
		else if (d.bump == NCC_BUMP_MINOR)
			r->sv.minor++, r->sv.patch = 0;
		else
			r->sv.patch++;
	}
	ncc_semver_format(&r->sv, r->version, sizeof(r->version));
	if (ctx->has_newest && d.bump == NCC_BUMP_MAJOR &&
	    (!cr->version || r->sv.major <= ctx->newest_sv.major)) {
		for (i = 0; i < d.nchanges; i++)
			if (d.changes[i].breaking)
				gate_error(g, func_line(&cr->contract,
				    d.changes[i].function), 0,
				    "breaking change against %s needs a declared "
				    "__version__ with a MAJOR above %u: %s: %s", nb,
				    ctx->newest_sv.major, d.changes[i].function,
				    d.changes[i].message);
	}
	if (g->ok && ctx->has_active) {
		nd_err e;

		ncc_semver_format(&ctx->active_sv, ab, sizeof(ab));
		if (nd_compat_check(&ctx->active, &ctx->active_sv, &cr->contract,
		    &r->sv, &e))
			gate_error(g, vline, 0, "%s", e.msg);
	}
out:
	ncc_diff_free(&d);
}

int nd_compat_check(const ncc_contract *active, const ncc_semver *active_sv,
    const ncc_contract *target, const ncc_semver *target_sv, nd_err *err)
{
	ncc_diff d = { 0 };
	char ab[ND_VER_MAX], tb[ND_VER_MAX], list[400] = "";
	size_t i;
	int r = 0;

	if (ncc_semver_cmp(target_sv, active_sv) <= 0)
		return 0;       /* going back is always allowed */
	if (ncc_contract_diff(active, target, &d) < 0)
		return nd_seterr(err, ENOMEM, "out of memory");
	if (d.bump == NCC_BUMP_MAJOR && target_sv->major <= active_sv->major) {
		ncc_semver_format(active_sv, ab, sizeof(ab));
		ncc_semver_format(target_sv, tb, sizeof(tb));
		for (i = 0; i < d.nchanges; i++) {
			if (!d.changes[i].breaking)
				continue;
			if (list[0])
				strlcat(list, "; ", sizeof(list));
			strlcat(list, d.changes[i].function, sizeof(list));
			strlcat(list, ": ", sizeof(list));
			strlcat(list, d.changes[i].message, sizeof(list));
		}
		r = nd_seterr(err, EBUSY, "version %s breaks the contract of the "
		    "active version %s and needs a MAJOR above %u: %s", tb, ab,
		    active_sv->major, list);
	}
	ncc_diff_free(&d);
	return r;
}

/* Gate 6: every test_* function. */
static void gate_selftest(gates *g, const nd_vctx *ctx, const ncc_result *cr,
    nbc_module *m)
{
	nbc_limits lim;
	nbc_host host = { 0 };
	size_t i;

	nbc_limits_default(&lim);
	lim.gas = ctx->pol.gas;
	lim.memory = ctx->pol.memory;
	host.caps = ctx->pol.caps;
	host.seed = 1;
	for (i = 0; i < cr->ntests; i++) {
		nbc_result res;

		memset(&res, 0, sizeof(res));
		nbc_call(m, cr->tests[i].name, NULL, 0, &lim, &host, &res);
		if (!res.ok)
			gate_error(g, res.line > 0 ? res.line : cr->tests[i].line,
			    0, "%s failed: %s: %s", cr->tests[i].name,
			    nbc_exc_name(res.exc), res.message ? res.message : "");
		nbc_result_free(&res);
	}
}

void nd_validate(const nd_vctx *ctx, const char *src, size_t len,
    nd_vresult *r)
{
	struct timespec t0;
	ncc_result cr;
	gates g;
	size_t i;

	memset(r, 0, sizeof(*r));
	memset(&cr, 0, sizeof(cr));
	clock_gettime(CLOCK_MONOTONIC, &t0);
	g.v = cJSON_CreateObject();
	g.gates = cJSON_CreateArray();
	g.errors = cJSON_CreateArray();
	g.warnings = cJSON_CreateArray();

	gate_begin(&g, "compile");
	if (ncc_compile(src, len, &cr) < 0)
		gate_error(&g, 0, 0, "out of memory");
	for (i = 0; i < cr.nerrors; i++)
		gate_error(&g, cr.errors[i].line, cr.errors[i].col, "%s",
		    cr.errors[i].message);
	for (i = 0; i < cr.nwarnings; i++)
		gate_warning(&g, cr.warnings[i].line, cr.warnings[i].col,
		    cr.warnings[i].message);
	if (!cr.ok && g.ok)
		gate_error(&g, 0, 0, "compilation failed");
	if (!gate_end(&g))
		goto done;

	gate_begin(&g, "contract");
	if (ncc_contract_copy(&r->contract, &cr.contract) < 0)
		gate_error(&g, 0, 0, "out of memory");
	else
		r->has_contract = true;
	r->caps = cr.caps;
	if (!gate_end(&g))
		goto done;

	gate_begin(&g, "compatibility");
	gate_compat(&g, ctx, &cr, r);
	if (!gate_end(&g))
		goto done;

	gate_begin(&g, "capabilities");
	for (i = 0; i < cr.ncapuses; i++) {
		char granted[64];

		if (cr.capuses[i].cap & ctx->pol.caps)
			continue;
		nd_caps_words(ctx->pol.caps, granted, sizeof(granted));
		gate_error(&g, cr.capuses[i].line, cr.capuses[i].col,
		    "capability '%s' is not granted by the unit's policy "
		    "(capabilities = %s)", nd_cap_name(cr.capuses[i].cap),
		    granted);
	}
	if (!gate_end(&g))
		goto done;

	gate_begin(&g, "verify+load");
	{
		nbc_error ne = { "", 0 };
		nbc_limits lim;

		nbc_limits_default(&lim);
		lim.gas = ctx->pol.gas;
		lim.memory = ctx->pol.memory;
		nd_version_modid(r->modid, ctx->unit, r->version);
		if (nbc_verify(cr.blob, cr.blob_len, &ne) < 0)
			gate_error(&g, ne.line, 0, "bytecode refused by the "
			    "verifier: %s", ne.message);
		else if (nbc_load_module(ctx->rt, cr.blob, cr.blob_len, r->modid,
		    &lim, &ne) < 0)
			gate_error(&g, ne.line, 0, "load failed: %s", ne.message);
		else if (!(r->mod = nbc_module_get(ctx->rt, r->modid)))
			gate_error(&g, 0, 0, "module %s vanished", r->modid);
	}
	if (!gate_end(&g))
		goto done;

	gate_begin(&g, "self-test");
	gate_selftest(&g, ctx, &cr, r->mod);
	if (!gate_end(&g)) {
		nbc_unload_module(ctx->rt, r->modid);
		nbc_module_release(r->mod);
		r->mod = NULL;
		goto done;
	}
	r->passed = true;
done:
	r->ms = since_ms(&t0);
	cJSON_AddBoolToObject(g.v, "passed", r->passed);
	cJSON_AddNumberToObject(g.v, "ms", r->ms);
	cJSON_AddItemToObject(g.v, "gates", g.gates);
	cJSON_AddItemToObject(g.v, "errors", g.errors);
	cJSON_AddItemToObject(g.v, "warnings", g.warnings);
	r->validation = g.v;
	if (!r->caps)
		r->caps = cr.caps;
	ncc_result_free(&cr);
}
