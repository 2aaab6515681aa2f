/*
 * nbc_module.c - the side-by-side module table (the plan's
 * MockNBCRuntime): load_module, unload_module and call.
 *
 * The table is a red-black tree (libbsd sys/tree.h) of modules keyed by
 * module_id behind one mutex, held only to find, insert or remove: never
 * while code runs.  A module is reference counted with C11 atomics: the
 * table holds one reference, every nbc_module_get() another, so
 * unloading only removes it from the table and the memory goes when the
 * last running call releases it.
 *
 * Loading: verify the blob, parse it, build the constant pool in a
 * scratch call heap and freeze it (one frozen tuple of every constant, so
 * sharing is kept and the cost stays linear), translate the functions
 * (nbc_vm.c), run "<module>" under the limits to compute the module
 * constants, and freeze those the same way.  After that a module is
 * immutable: calls on many threads only read it.
 *
 * A call gets its own nbc_vm (heap, budgets, output) and a copy of the
 * module's initial constant cache; constants that hold a list or dict
 * are thawed into the call heap on first use (nbc_vm.c, LOAD_GLOBAL).
 * Per-module statistics are relaxed atomic counters.
 */
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/tree.h>
#include <time.h>

#include "nbc_vm.h"

#ifndef __unused
#define __unused __attribute__((unused))   /* sys/tree.h's generated code */
#endif

struct nbc_module {
	RB_ENTRY(nbc_module) link;
	char *id;
	atomic_uint refs;
	nbc_loaded mod;
	uint32_t *byname;            /* function indices sorted by name */
	atomic_uint_fast64_t calls, errors, instructions, ns;
};

struct nbc_runtime {
	pthread_mutex_t lock;
	RB_HEAD(nbc_modtree, nbc_module) head;
};

static int mod_cmp(const nbc_module *a, const nbc_module *b)
{
	return strcmp(a->id, b->id);
}

RB_GENERATE_STATIC(nbc_modtree, nbc_module, link, mod_cmp)

nbc_runtime *nbc_runtime_new(void)
{
	nbc_runtime *rt = calloc(1, sizeof(*rt));

	if (!rt)
		return NULL;
	pthread_mutex_init(&rt->lock, NULL);
	RB_INIT(&rt->head);
	return rt;
}

void nbc_runtime_free(nbc_runtime *rt)
{
	nbc_module *m;

	if (!rt)
		return;
	while ((m = RB_MIN(nbc_modtree, &rt->head))) {
		RB_REMOVE(nbc_modtree, &rt->head, m);
		nbc_module_release(m);
	}
	pthread_mutex_destroy(&rt->lock);
	free(rt);
}

static void module_free(nbc_module *m)
{
	nbc_loaded *l = &m->mod;

	nbc_vm_funcs_free(l);
	for (uint32_t i = 0; l->global_names && i < l->nglobals; i++)
		free(l->global_names[i]);
	free(l->global_names);
	free(l->consts);
	free(l->globals);
	free(l->gcache_init);
	nbc_frozen_free(l->frozen);
	free(m->byname);
	free(m->id);
	free(m);
}

void nbc_module_retain(nbc_module *m)
{
	atomic_fetch_add_explicit(&m->refs, 1, memory_order_relaxed);
}

void nbc_module_release(nbc_module *m)
{
	if (m && atomic_fetch_sub_explicit(&m->refs, 1,
	    memory_order_acq_rel) == 1)
		module_free(m);
}

const char *nbc_module_id(const nbc_module *m)
{
	return m->id;
}

/* ---- loading ------------------------------------------------------------ */

/*
 * Freeze vals[0..n) into m's frozen list (as one tuple, so values shared
 * between them stay shared) and store the frozen values in out.
 */
static int freeze_all(nbc_vm *vm, nbc_loaded *l, const nbc_value *vals,
    uint32_t n, nbc_value *out)
{
	nbc_value t, ft;

	if (n == 0)
		return 0;
	if (nbc_tuple_new(vm, vals, n, &t) < 0 ||
	    nbc_value_freeze(vm, t, &l->frozen, &ft) < 0)
		return -1;
	memcpy(out, ((nbc_tuple *)ft.u.o)->items, n * sizeof(nbc_value));
	return 0;
}

static int build_consts(nbc_vm *vm, nbc_loaded *l, const nbc_image *img)
{
	nbc_value *v = calloc(img->nconsts + 1, sizeof(*v));
	nbc_value *items = NULL;
	int rc = -1;

	if (!v)
		return nbc_raise_resource(vm, "memory");
	vm->xroots = v;
	vm->nxroots = img->nconsts;
	for (uint32_t i = 0; i < img->nconsts; i++) {
		const nbc_kdesc *k = &img->consts[i];

		switch (k->tag) {
		case NBC_K_NONE: v[i] = nbc_none(); break;
		case NBC_K_FALSE: v[i] = nbc_bool(false); break;
		case NBC_K_TRUE: v[i] = nbc_bool(true); break;
		case NBC_K_INT: v[i] = nbc_int(k->i); break;
		case NBC_K_FLOAT: v[i] = nbc_float(k->f); break;
		case NBC_K_STR:
			if (nbc_str_new(vm, k->s, k->len, &v[i]) < 0)
				goto out;
			break;
		case NBC_K_TUPLE:
			items = reallocarray(NULL, k->len + 1, sizeof(*items));
			if (!items) {
				nbc_raise_resource(vm, "memory");
				goto out;
			}
			for (uint32_t j = 0; j < k->len; j++)
				items[j] = v[nbc_rd32(k->items + 4 * (size_t)j)];
			if (nbc_tuple_new(vm, items, k->len, &v[i]) < 0)
				goto out;
			free(items);
			items = NULL;
			break;
		default:
			v[i] = nbc_none();
		}
	}
	rc = freeze_all(vm, l, v, img->nconsts, l->consts);
out:
	vm->xroots = NULL;
	vm->nxroots = 0;
	free(items);
	free(v);
	return rc;
}

static int byname_cmp(const void *a, const void *b, void *arg)
{
	const nbc_loaded *l = arg;

	return strcmp(l->funcs[*(const uint32_t *)a].name,
	    l->funcs[*(const uint32_t *)b].name);
}

static int index_names(nbc_module *m)
{
	uint32_t n = m->mod.nfuncs - 1;

	m->byname = calloc(n + 1, sizeof(uint32_t));
	if (!m->byname)
		return -1;
	for (uint32_t i = 0; i < n; i++)
		m->byname[i] = i + 1;
	qsort_r(m->byname, n, sizeof(uint32_t), byname_cmp, &m->mod);
	return 0;
}

/* Index of function name in m (never "<module>"), or -1. */
static int64_t find_func(const nbc_module *m, const char *name)
{
	size_t lo = 0, hi = m->mod.nfuncs - 1;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = strcmp(m->mod.funcs[m->byname[mid]].name, name);

		if (c == 0)
			return m->byname[mid];
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return -1;
}

/* Run <module> and freeze the constants it computed. */
static int run_init(nbc_module *m, const nbc_limits *limits, nbc_error *err)
{
	nbc_loaded *l = &m->mod;
	nbc_vm vm;
	nbc_value res, *cache;
	int rc = -1;

	cache = calloc(l->nglobals + 1, sizeof(*cache));
	if (!cache)
		return nbc_fail(err, 0, "out of memory");
	for (uint32_t i = 0; i < l->nglobals; i++)
		cache[i] = nbc_unset();
	nbc_vm_init(&vm, limits, NULL);
	vm.mod = l;
	vm.gcache = cache;
	vm.nglobals = l->nglobals;
	if (nbc_vm_run(&vm, 0, NULL, 0, &res) < 0 ||
	    freeze_all(&vm, l, cache, l->nglobals, l->globals) < 0) {
		nbc_fail(err, vm.exc_line, "%s: %s", nbc_exc_name(vm.exc),
		    vm.exc_msg ? vm.exc_msg : "");
		goto out;
	}
	for (uint32_t i = 0; i < l->nglobals; i++) {
		if (nbc_is_unset(cache[i]))
			l->globals[i] = nbc_unset();
		l->gcache_init[i] = nbc_value_needs_thaw(l->globals[i]) ?
		    nbc_unset() : l->globals[i];
	}
	rc = 0;
out:
	nbc_vm_release(&vm);
	free(cache);
	return rc;
}

static nbc_module *module_build(const uint8_t *blob, size_t len,
    const char *id, const nbc_limits *limits, nbc_error *err)
{
	nbc_module *m = calloc(1, sizeof(*m));
	nbc_loaded *l;
	nbc_image img;
	nbc_vm vm;

	if (!m) {
		nbc_fail(err, 0, "out of memory");
		return NULL;
	}
	if (nbc_image_parse(blob, len, &img, err) < 0) {
		free(m);
		return NULL;
	}
	l = &m->mod;
	atomic_init(&m->refs, 1);
	m->id = strdup(id);
	l->caps = img.caps;
	l->nconsts = img.nconsts;
	l->nglobals = img.nglobals;
	l->consts = calloc(img.nconsts + 1, sizeof(nbc_value));
	l->globals = calloc(img.nglobals + 1, sizeof(nbc_value));
	l->gcache_init = calloc(img.nglobals + 1, sizeof(nbc_value));
	l->global_names = calloc(img.nglobals + 1, sizeof(char *));
	if (!m->id || !l->consts || !l->globals || !l->gcache_init ||
	    !l->global_names) {
		nbc_fail(err, 0, "out of memory");
		goto fail;
	}
	for (uint32_t i = 0; i < img.nglobals; i++) {
		l->globals[i] = nbc_unset();
		l->global_names[i] = strndup(img.globals[i].s,
		    img.globals[i].len);
		if (!l->global_names[i]) {
			nbc_fail(err, 0, "out of memory");
			goto fail;
		}
	}
	nbc_vm_init(&vm, limits, NULL);
	if (build_consts(&vm, l, &img) < 0) {
		nbc_fail(err, 0, "constants: %s", vm.exc_msg ? vm.exc_msg : "");
		nbc_vm_release(&vm);
		goto fail;
	}
	nbc_vm_release(&vm);
	if (nbc_vm_translate(l, &img, err) < 0 || index_names(m) < 0 ||
	    run_init(m, limits, err) < 0)
		goto fail;
	nbc_image_free(&img);
	return m;
fail:
	nbc_image_free(&img);
	module_free(m);
	return NULL;
}

int nbc_load_module(nbc_runtime *rt, const uint8_t *blob, size_t len,
    const char *module_id, const nbc_limits *limits, nbc_error *err)
{
	nbc_module key, *m;
	bool taken;

	if (!module_id || !*module_id)
		return nbc_fail(err, 0, "empty module id");
	if (nbc_verify(blob, len, err) < 0)
		return -1;
	key.id = (char *)module_id;
	pthread_mutex_lock(&rt->lock);
	taken = RB_FIND(nbc_modtree, &rt->head, &key) != NULL;
	pthread_mutex_unlock(&rt->lock);
	if (taken)
		return nbc_fail(err, 0, "module '%s' is already loaded",
		    module_id);
	m = module_build(blob, len, module_id, limits, err);
	if (!m)
		return -1;
	pthread_mutex_lock(&rt->lock);
	taken = RB_INSERT(nbc_modtree, &rt->head, m) != NULL;
	pthread_mutex_unlock(&rt->lock);
	if (taken) {
		module_free(m);
		return nbc_fail(err, 0, "module '%s' is already loaded",
		    module_id);
	}
	return 0;
}

int nbc_unload_module(nbc_runtime *rt, const char *module_id)
{
	nbc_module key, *m;

	key.id = (char *)module_id;
	pthread_mutex_lock(&rt->lock);
	m = RB_FIND(nbc_modtree, &rt->head, &key);
	if (m)
		RB_REMOVE(nbc_modtree, &rt->head, m);
	pthread_mutex_unlock(&rt->lock);
	if (!m)
		return -1;
	nbc_module_release(m);
	return 0;
}

nbc_module *nbc_module_get(nbc_runtime *rt, const char *module_id)
{
	nbc_module key, *m;

	key.id = (char *)module_id;
	pthread_mutex_lock(&rt->lock);
	m = RB_FIND(nbc_modtree, &rt->head, &key);
	if (m)
		nbc_module_retain(m);
	pthread_mutex_unlock(&rt->lock);
	return m;
}

int nbc_module_function(const nbc_module *m, const char *name,
    uint32_t *min_args, uint32_t *max_args)
{
	int64_t fi = find_func(m, name);
	const nbc_func *f;

	if (fi < 0)
		return -1;
	f = &m->mod.funcs[fi];
	if (min_args)
		*min_args = f->nparams - f->ndefaults;
	if (max_args)
		*max_args = f->nparams;
	return 0;
}

size_t nbc_module_function_count(const nbc_module *m)
{
	return m->mod.nfuncs - 1;
}

const char *nbc_module_function_name(const nbc_module *m, size_t i)
{
	return i + 1 < m->mod.nfuncs ? m->mod.funcs[i + 1].name : NULL;
}

void nbc_module_stats_get(const nbc_module *m, nbc_module_stats *out)
{
	out->calls = atomic_load_explicit(&m->calls, memory_order_relaxed);
	out->errors = atomic_load_explicit(&m->errors, memory_order_relaxed);
	out->instructions = atomic_load_explicit(&m->instructions,
	    memory_order_relaxed);
	out->ns = atomic_load_explicit(&m->ns, memory_order_relaxed);
}

/* ---- calls -------------------------------------------------------------- */

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

static int refuse(nbc_result *res, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static int refuse(nbc_result *res, const char *fmt, ...)
{
	va_list ap;

	res->ok = false;
	res->exc = NBC_EXC_TYPE_ERROR;
	va_start(ap, fmt);
	if (vasprintf(&res->message, fmt, ap) < 0)
		res->message = NULL;
	va_end(ap);
	return -1;
}

/* CPython's wording for a call with the wrong number of arguments. */
static int refuse_arity(nbc_result *res, const nbc_func *f, size_t nargs)
{
	uint32_t min = f->nparams - f->ndefaults, missing;
	char names[512] = "";

	if (nargs > f->nparams) {
		if (min == f->nparams)
			return refuse(res, "%s() takes %u positional argument%s "
			    "but %zu %s given", f->name, f->nparams,
			    f->nparams == 1 ? "" : "s", nargs,
			    nargs == 1 ? "was" : "were");
		return refuse(res, "%s() takes from %u to %u positional "
		    "arguments but %zu were given", f->name, min, f->nparams,
		    nargs);
	}
	missing = min - (uint32_t)nargs;
	for (uint32_t i = (uint32_t)nargs, k = 0; i < min; i++, k++) {
		const char *sep = k == 0 ? "" : missing == 2 ? " and " :
		    i + 1 == min ? ", and " : ", ";

		strlcat(names, sep, sizeof(names));
		strlcat(names, "'", sizeof(names));
		strlcat(names, f->local_names[i], sizeof(names));
		strlcat(names, "'", sizeof(names));
	}
	return refuse(res, "%s() missing %u required positional argument%s: %s",
	    f->name, missing, missing == 1 ? "" : "s", names);
}

int nbc_call(nbc_module *m, const char *name, const nbc_lit *args,
    size_t nargs, const nbc_limits *limits, const nbc_host *host,
    nbc_result *res)
{
	const nbc_loaded *l = &m->mod;
	uint64_t t0 = now_ns();
	int64_t fi;
	const nbc_func *f;
	nbc_vm vm;
	nbc_value *cache, *argv, ret;
	int rc;

	memset(res, 0, sizeof(*res));
	fi = find_func(m, name);
	if (fi < 0)
		return refuse(res, "module '%s' has no function '%s'", m->id,
		    name);
	f = &l->funcs[fi];
	if (nargs > f->nparams || nargs < f->nparams - f->ndefaults)
		return refuse_arity(res, f, nargs);
	cache = malloc((l->nglobals + 1) * sizeof(*cache));
	argv = calloc(nargs + 1, sizeof(*argv));
	if (!cache || !argv) {
		free(cache);
		free(argv);
		res->exc = NBC_EXC_RESOURCE_ERROR;
		res->message = strdup("memory budget exhausted");
		return -1;
	}
	memcpy(cache, l->gcache_init, l->nglobals * sizeof(*cache));
	nbc_vm_init(&vm, limits, host);
	vm.mod = (nbc_loaded *)l;
	vm.gcache = cache;
	vm.nglobals = l->nglobals;
	vm.xroots = argv;
	rc = 0;
	for (size_t i = 0; i < nargs && rc == 0; i++) {
		rc = nbc_value_from_lit(&vm, &args[i], &argv[i]);
		vm.nxroots = i + 1;
	}
	if (rc == 0)
		rc = nbc_vm_run(&vm, (uint32_t)fi, argv, (uint32_t)nargs, &ret);
	vm.xroots = NULL;
	vm.nxroots = 0;
	if (rc == 0)
		rc = nbc_value_to_lit(&vm, ret, &res->value);
	res->ok = rc == 0;
	if (!res->ok) {
		nbc_lit_free(&res->value);
		res->exc = vm.raised ? vm.exc : NBC_EXC_RUNTIME_ERROR;
		res->message = vm.exc_msg ? vm.exc_msg : strdup("");
		vm.exc_msg = NULL;
		res->line = vm.exc_line;
	}
	res->output = vm.out;
	res->output_len = vm.out_len;
	vm.out = NULL;
	res->instructions = vm.limits.gas - vm.gas_left;
	nbc_vm_release(&vm);
	free(cache);
	free(argv);
	res->ns = now_ns() - t0;
	atomic_fetch_add_explicit(&m->calls, 1, memory_order_relaxed);
	if (!res->ok)
		atomic_fetch_add_explicit(&m->errors, 1, memory_order_relaxed);
	atomic_fetch_add_explicit(&m->instructions, res->instructions,
	    memory_order_relaxed);
	atomic_fetch_add_explicit(&m->ns, res->ns, memory_order_relaxed);
	return 0;
}
