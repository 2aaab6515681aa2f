/*
 * ncc_contract.c - contracts compared (gate 3, `noodle diff`) and semantic
 * versions.
 *
 * The rules are LANGUAGE.md's §Compatibility, nothing more:
 *   breaking    a public function removed; a parameter without default
 *               added; a parameter removed; a parameter's type changed
 *               (except to `any`, or `int` to `float`); a default dropped
 *               (a caller that omitted the argument breaks); a return
 *               type changed (except from `any` to a concrete type).
 *   compatible  a new public function; a new parameter with a default; a
 *               parameter renamed; a parameter type widened (to `any`,
 *               `int` to `float`); a default added; a return type made
 *               concrete.
 * Parameters are matched by position, since calls are positional.
 * The bump: MAJOR if anything breaks, MINOR if anything changed, else PATCH.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ncc.h"

typedef struct diffbuf {
	ncc_change *v;
	size_t n, cap;
	bool oom;
} diffbuf;

static void
add_change(diffbuf *d, bool breaking, const char *fn, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static void
add_change(diffbuf *d, bool breaking, const char *fn, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	if (d->oom)
		return;
	if (d->n == d->cap) {
		size_t nc = d->cap ? d->cap * 2 : 8;
		ncc_change *nv = reallocarray(d->v, nc, sizeof *nv);
		if (nv == NULL) {
			d->oom = true;
			return;
		}
		d->v = nv;
		d->cap = nc;
	}
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	ncc_change *c = &d->v[d->n];
	c->breaking = breaking;
	c->function = strdup(fn);
	c->message = strdup(msg);
	if (c->function == NULL || c->message == NULL) {
		free(c->function);
		free(c->message);
		d->oom = true;
		return;
	}
	d->n++;
}

static const ncc_func *
find_func(const ncc_contract *c, const char *name)
{
	for (size_t i = 0; i < c->nfuncs; i++)
		if (strcmp(c->funcs[i].name, name) == 0)
			return &c->funcs[i];
	return NULL;
}

static bool
is_any(const char *t)
{
	return strcmp(t, "any") == 0;
}

static void
diff_params(diffbuf *d, const ncc_func *o, const ncc_func *n)
{
	size_t common = o->nparams < n->nparams ? o->nparams : n->nparams;

	for (size_t i = 0; i < common; i++) {
		const ncc_param *a = &o->params[i], *b = &n->params[i];
		if (strcmp(a->name, b->name) != 0)
			add_change(d, false, n->name, "parameter '%s' renamed to '%s'",
			    a->name, b->name);
		if (strcmp(a->type, b->type) != 0) {
			bool widened = is_any(b->type) || (strcmp(a->type, "int") == 0
			    && strcmp(b->type, "float") == 0);
			add_change(d, !widened, n->name,
			    "parameter '%s' type changed from %s to %s", b->name,
			    a->type, b->type);
		}
		if (a->has_default && !b->has_default)
			add_change(d, true, n->name,
			    "parameter '%s' no longer has a default", b->name);
		else if (!a->has_default && b->has_default)
			add_change(d, false, n->name,
			    "parameter '%s' now has a default", b->name);
	}
	for (size_t i = common; i < n->nparams; i++)
		add_change(d, !n->params[i].has_default, n->name,
		    n->params[i].has_default ? "parameter '%s' added with a default"
		    : "parameter '%s' added without a default", n->params[i].name);
	for (size_t i = common; i < o->nparams; i++)
		add_change(d, true, n->name, "parameter '%s' removed",
		    o->params[i].name);
}

int
ncc_contract_diff(const ncc_contract *old, const ncc_contract *new_,
    ncc_diff *out)
{
	diffbuf d = {0};
	bool breaking = false;

	memset(out, 0, sizeof *out);
	for (size_t i = 0; i < old->nfuncs; i++) {
		const ncc_func *o = &old->funcs[i];
		const ncc_func *n = find_func(new_, o->name);
		if (n == NULL) {
			add_change(&d, true, o->name, "function removed");
			continue;
		}
		diff_params(&d, o, n);
		if (strcmp(o->ret, n->ret) != 0)
			add_change(&d, !is_any(o->ret), n->name,
			    "return type changed from %s to %s", o->ret, n->ret);
	}
	for (size_t i = 0; i < new_->nfuncs; i++)
		if (find_func(old, new_->funcs[i].name) == NULL)
			add_change(&d, false, new_->funcs[i].name, "function added");
	out->changes = d.v;
	out->nchanges = d.n;
	if (d.oom) {
		ncc_diff_free(out);
		return -1;
	}
	for (size_t i = 0; i < d.n; i++)
		breaking |= d.v[i].breaking;
	out->bump = breaking ? NCC_BUMP_MAJOR : d.n > 0 ? NCC_BUMP_MINOR
	    : NCC_BUMP_PATCH;
	return 0;
}

void
ncc_diff_free(ncc_diff *d)
{
	for (size_t i = 0; i < d->nchanges; i++) {
		free(d->changes[i].function);
		free(d->changes[i].message);
	}
	free(d->changes);
	memset(d, 0, sizeof *d);
}

const char *
ncc_bump_name(ncc_bump b)
{
	switch (b) {
	case NCC_BUMP_PATCH: return "patch";
	case NCC_BUMP_MINOR: return "minor";
	case NCC_BUMP_MAJOR: return "major";
	default: return "none";
	}
}

int
ncc_contract_copy(ncc_contract *dst, const ncc_contract *src)
{
	memset(dst, 0, sizeof *dst);
	dst->funcs = calloc(src->nfuncs ? src->nfuncs : 1, sizeof *dst->funcs);
	if (dst->funcs == NULL)
		return -1;
	for (size_t i = 0; i < src->nfuncs; i++) {
		const ncc_func *s = &src->funcs[i];
		ncc_func *f = &dst->funcs[i];
		dst->nfuncs++;
		f->line = s->line;
		f->name = strdup(s->name);
		f->ret = strdup(s->ret);
		f->params = calloc(s->nparams ? s->nparams : 1, sizeof *f->params);
		if (f->name == NULL || f->ret == NULL || f->params == NULL)
			goto fail;
		for (size_t k = 0; k < s->nparams; k++) {
			f->nparams++;
			f->params[k].name = strdup(s->params[k].name);
			f->params[k].type = strdup(s->params[k].type);
			f->params[k].has_default = s->params[k].has_default;
			if (f->params[k].name == NULL || f->params[k].type == NULL)
				goto fail;
		}
	}
	return 0;
fail:
	ncc_contract_free(dst);
	return -1;
}

/* ---- semantic versions ------------------------------------------------ */

static const char *
semver_part(const char *s, uint32_t *out)
{
	uint64_t v = 0;
	const char *start = s;

	while (*s >= '0' && *s <= '9') {
		v = v * 10 + (uint64_t)(*s - '0');
		if (v > UINT32_MAX)
			return NULL;
		s++;
	}
	if (s == start || (s - start > 1 && *start == '0'))
		return NULL;
	*out = (uint32_t)v;
	return s;
}

int
ncc_semver_parse(const char *s, ncc_semver *out)
{
	ncc_semver v;

	if (s == NULL || (s = semver_part(s, &v.major)) == NULL || *s++ != '.'
	    || (s = semver_part(s, &v.minor)) == NULL || *s++ != '.'
	    || (s = semver_part(s, &v.patch)) == NULL || *s != '\0')
		return -1;
	if (out != NULL)
		*out = v;
	return 0;
}

int
ncc_semver_cmp(const ncc_semver *a, const ncc_semver *b)
{
	if (a->major != b->major)
		return a->major < b->major ? -1 : 1;
	if (a->minor != b->minor)
		return a->minor < b->minor ? -1 : 1;
	if (a->patch != b->patch)
		return a->patch < b->patch ? -1 : 1;
	return 0;
}

void
ncc_semver_format(const ncc_semver *v, char *buf, size_t size)
{
	snprintf(buf, size, "%u.%u.%u", v->major, v->minor, v->patch);
}
