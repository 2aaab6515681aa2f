/*
 * nbc_build.c - the builder of nbc.h: how a compiler writes a module blob.
 *
 * The builder collects a constant pool (deduplicated through one hash
 * table keyed by the constant's serialized bytes, which also keys global
 * names), the global names, and per function its signature, local names,
 * code bytes and a line table (a pair each time the line changes).
 *
 * nbc_builder_finish() serializes in the layout of nbc_format.c with every
 * max_stack 0, then runs the verifier's flow analysis on each function to
 * compute its real maximum depth and patches it in, then verifies the
 * whole blob: a builder never hands out a blob the loader would refuse.
 *
 * API misuse (a function index out of range, an unknown opcode, malloc
 * failure) cannot be reported by the void functions: it is remembered and
 * makes nbc_builder_finish() fail with the first such message.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nbc_format.h"

typedef struct bfunc {
	char *name;
	uint32_t nparams, ndefaults, nlocals, line;
	uint32_t *defaults;
	char **locals;               /* nlocal_names entries, NULL = unnamed */
	uint32_t nlocal_names;
	uint8_t *code;
	size_t code_len, code_cap;
	uint32_t *lines;             /* pairs: offset, line */
	size_t nlines, lines_cap;
} bfunc;

typedef struct bkey {             /* dedup table entry */
	uint8_t *key;
	size_t len;
	uint64_t hash;
	uint32_t value;
} bkey;

struct nbc_builder {
	uint32_t caps;
	/* serialized constants, back to back, and their count */
	uint8_t *kbuf;
	size_t klen, kcap;
	uint32_t nconsts;
	char **globals;
	uint32_t nglobals, globals_cap;
	bfunc *funcs;
	uint32_t nfuncs, funcs_cap;
	bkey *table;                 /* open addressing, power of two */
	size_t tcap, tused;
	char failed[200];            /* first API misuse, "" if none */
};

static void b_fail(nbc_builder *b, const char *msg)
{
	if (!b->failed[0])
		strlcpy(b->failed, msg, sizeof(b->failed));
}

static bool grow(nbc_builder *b, void **p, size_t *cap, size_t need,
    size_t size)
{
	size_t ncap;
	void *np;

	if (need <= *cap)
		return true;
	ncap = *cap ? *cap : 16;
	while (ncap < need)
		ncap *= 2;
	np = reallocarray(*p, ncap, size);
	if (!np) {
		b_fail(b, "out of memory");
		return false;
	}
	*p = np;
	*cap = ncap;
	return true;
}

nbc_builder *nbc_builder_new(void)
{
	nbc_builder *b = calloc(1, sizeof(*b));

	if (b && nbc_func_declare(b, "<module>", 0, 0) != 0) {
		nbc_builder_free(b);
		return NULL;
	}
	return b;
}

void nbc_builder_free(nbc_builder *b)
{
	if (!b)
		return;
	for (uint32_t i = 0; i < b->nfuncs; i++) {
		bfunc *f = &b->funcs[i];

		free(f->name);
		free(f->defaults);
		for (uint32_t j = 0; j < f->nlocal_names; j++)
			free(f->locals[j]);
		free(f->locals);
		free(f->code);
		free(f->lines);
	}
	for (size_t i = 0; i < b->tcap; i++)
		free(b->table[i].key);
	for (uint32_t i = 0; i < b->nglobals; i++)
		free(b->globals[i]);
	free(b->globals);
	free(b->funcs);
	free(b->table);
	free(b->kbuf);
	free(b);
}

/* ---- dedup table -------------------------------------------------------- */

static uint64_t fnv1a(const uint8_t *p, size_t n)
{
	uint64_t h = 0xcbf29ce484222325ULL;

	for (size_t i = 0; i < n; i++)
		h = (h ^ p[i]) * 0x100000001b3ULL;
	return h;
}

static bkey *table_find(nbc_builder *b, const uint8_t *key, size_t len,
    uint64_t h)
{
	size_t i = h & (b->tcap - 1);

	for (;; i = (i + 1) & (b->tcap - 1)) {
		bkey *e = &b->table[i];

		if (!e->key || (e->hash == h && e->len == len &&
		    memcmp(e->key, key, len) == 0))
			return e;
	}
}

static bool table_grow(nbc_builder *b)
{
	size_t ocap = b->tcap, ncap = ocap ? ocap * 2 : 64;
	bkey *old = b->table;

	b->table = calloc(ncap, sizeof(*b->table));
	if (!b->table) {
		b->table = old;
		b_fail(b, "out of memory");
		return false;
	}
	b->tcap = ncap;
	for (size_t i = 0; i < ocap; i++)
		if (old[i].key)
			*table_find(b, old[i].key, old[i].len, old[i].hash) = old[i];
	free(old);
	return true;
}

/*
 * Look key up; when absent, insert it with the value that add() returns
 * (UINT32_MAX from add means failure: nothing is inserted).
 */
static uint32_t intern(nbc_builder *b, const uint8_t *key, size_t len,
    uint32_t (*add)(nbc_builder *, const uint8_t *, size_t))
{
	uint64_t h = fnv1a(key, len);
	bkey *e;
	uint32_t v;

	if ((b->tused + 1) * 2 > b->tcap && !table_grow(b))
		return 0;
	e = table_find(b, key, len, h);
	if (e->key)
		return e->value;
	v = add(b, key, len);
	if (v == UINT32_MAX)
		return 0;
	e->key = malloc(len ? len : 1);
	if (!e->key) {
		b_fail(b, "out of memory");
		return 0;
	}
	memcpy(e->key, key, len);
	e->len = len;
	e->hash = h;
	e->value = v;
	b->tused++;
	return v;
}

/* ---- constants ---------------------------------------------------------- */

static uint32_t add_const(nbc_builder *b, const uint8_t *key, size_t len)
{
	if (b->nconsts >= NBC_MAX_CONSTS) {
		b_fail(b, "too many constants");
		return UINT32_MAX;
	}
	if (!grow(b, (void **)&b->kbuf, &b->kcap, b->klen + len, 1))
		return UINT32_MAX;
	memcpy(b->kbuf + b->klen, key, len);
	b->klen += len;
	return b->nconsts++;
}

static uint32_t const_fixed(nbc_builder *b, uint8_t tag, uint64_t bits,
    size_t n)
{
	uint8_t key[9];

	key[0] = tag;
	for (size_t i = 0; i < n; i++)
		key[1 + i] = (uint8_t)(bits >> (8 * i));
	return intern(b, key, 1 + n, add_const);
}

uint32_t nbc_const_none(nbc_builder *b)
{
	return const_fixed(b, NBC_K_NONE, 0, 0);
}

uint32_t nbc_const_bool(nbc_builder *b, bool v)
{
	return const_fixed(b, v ? NBC_K_TRUE : NBC_K_FALSE, 0, 0);
}

uint32_t nbc_const_int(nbc_builder *b, int64_t v)
{
	return const_fixed(b, NBC_K_INT, (uint64_t)v, 8);
}

uint32_t nbc_const_float(nbc_builder *b, double v)
{
	uint64_t bits;

	memcpy(&bits, &v, sizeof(bits));
	return const_fixed(b, NBC_K_FLOAT, bits, 8);
}

/* A constant whose payload is a u32 count and then bytes. */
static uint32_t const_var(nbc_builder *b, uint8_t tag, uint32_t n,
    const uint8_t *payload, size_t plen)
{
	uint8_t *key = malloc(5 + plen);
	uint32_t k;

	if (!key) {
		b_fail(b, "out of memory");
		return 0;
	}
	key[0] = tag;
	nbc_wr32(key + 1, n);
	if (plen)
		memcpy(key + 5, payload, plen);
	k = intern(b, key, 5 + plen, add_const);
	free(key);
	return k;
}

uint32_t nbc_const_str(nbc_builder *b, const char *s, size_t len)
{
	if (len > UINT32_MAX - 16) {
		b_fail(b, "string constant too long");
		return 0;
	}
	return const_var(b, NBC_K_STR, (uint32_t)len, (const uint8_t *)s, len);
}

uint32_t nbc_const_tuple(nbc_builder *b, const uint32_t *items, size_t n)
{
	uint8_t *payload;
	uint32_t k;

	if (n > NBC_MAX_CONSTS) {
		b_fail(b, "tuple constant too long");
		return 0;
	}
	payload = malloc(n * 4 + 1);
	if (!payload) {
		b_fail(b, "out of memory");
		return 0;
	}
	for (size_t i = 0; i < n; i++) {
		if (items[i] >= b->nconsts)
			b_fail(b, "tuple item is not a constant");
		nbc_wr32(payload + 4 * i, items[i]);
	}
	k = const_var(b, NBC_K_TUPLE, (uint32_t)n, payload, n * 4);
	free(payload);
	return k;
}

/* ---- globals and functions --------------------------------------------- */

static uint32_t add_global(nbc_builder *b, const uint8_t *key, size_t len)
{
	char *name;

	if (b->nglobals >= NBC_MAX_GLOBALS) {
		b_fail(b, "too many module constants");
		return UINT32_MAX;
	}
	if (b->nglobals == b->globals_cap) {
		size_t cap = b->globals_cap;

		if (!grow(b, (void **)&b->globals, &cap, b->nglobals + 1,
		    sizeof(char *)))
			return UINT32_MAX;
		b->globals_cap = (uint32_t)cap;
	}
	name = strndup((const char *)key + 1, len - 1);
	if (!name) {
		b_fail(b, "out of memory");
		return UINT32_MAX;
	}
	b->globals[b->nglobals] = name;
	return b->nglobals++;
}

uint32_t nbc_global(nbc_builder *b, const char *name)
{
	size_t n = strlen(name);
	uint8_t *key = malloc(n + 1);
	uint32_t g;

	if (!key) {
		b_fail(b, "out of memory");
		return 0;
	}
	key[0] = 0xff;                /* no constant tag: a separate key space */
	memcpy(key + 1, name, n);
	g = intern(b, key, n + 1, add_global);
	free(key);
	return g;
}

static bfunc *func_at(nbc_builder *b, uint32_t fn)
{
	if (fn >= b->nfuncs) {
		b_fail(b, "function index out of range");
		return NULL;
	}
	return &b->funcs[fn];
}

uint32_t nbc_func_declare(nbc_builder *b, const char *name, uint32_t nparams,
    uint32_t line)
{
	bfunc *f;

	if (b->nfuncs >= NBC_MAX_FUNCS) {
		b_fail(b, "too many functions");
		return 0;
	}
	if (b->nfuncs == b->funcs_cap) {
		size_t cap = b->funcs_cap;

		if (!grow(b, (void **)&b->funcs, &cap, b->nfuncs + 1,
		    sizeof(bfunc)))
			return 0;
		b->funcs_cap = (uint32_t)cap;
	}
	f = &b->funcs[b->nfuncs];
	memset(f, 0, sizeof(*f));
	f->name = strdup(name);
	if (!f->name) {
		b_fail(b, "out of memory");
		return 0;
	}
	f->nparams = nparams;
	f->nlocals = nparams;
	f->line = line;
	return b->nfuncs++;
}

void nbc_func_set_nlocals(nbc_builder *b, uint32_t fn, uint32_t nlocals)
{
	bfunc *f = func_at(b, fn);

	if (f)
		f->nlocals = nlocals;
}

void nbc_func_set_defaults(nbc_builder *b, uint32_t fn, const uint32_t *consts,
    uint32_t ndefaults)
{
	bfunc *f = func_at(b, fn);
	uint32_t *d;

	if (!f)
		return;
	d = ndefaults ? reallocarray(NULL, ndefaults, sizeof(*d)) : NULL;
	if (ndefaults && !d) {
		b_fail(b, "out of memory");
		return;
	}
	if (ndefaults)
		memcpy(d, consts, ndefaults * sizeof(*d));
	free(f->defaults);
	f->defaults = d;
	f->ndefaults = ndefaults;
}

void nbc_func_local_name(nbc_builder *b, uint32_t fn, uint32_t slot,
    const char *name)
{
	bfunc *f = func_at(b, fn);
	char *copy;

	if (!f)
		return;
	if (slot >= NBC_MAX_LOCALS) {
		b_fail(b, "local slot out of range");
		return;
	}
	if (slot >= f->nlocal_names) {
		char **nl = reallocarray(f->locals, slot + 1, sizeof(char *));

		if (!nl) {
			b_fail(b, "out of memory");
			return;
		}
		memset(nl + f->nlocal_names, 0,
		    (slot + 1 - f->nlocal_names) * sizeof(char *));
		f->locals = nl;
		f->nlocal_names = slot + 1;
	}
	copy = strdup(name);
	if (!copy) {
		b_fail(b, "out of memory");
		return;
	}
	free(f->locals[slot]);
	f->locals[slot] = copy;
}

/* ---- code --------------------------------------------------------------- */

uint32_t nbc_emit(nbc_builder *b, uint32_t fn, enum nbc_opcode op, uint32_t a,
    uint32_t b2, uint32_t line)
{
	bfunc *f = func_at(b, fn);
	size_t at, n;

	if (!f)
		return 0;
	if ((unsigned)op >= NBC_OP__COUNT) {
		b_fail(b, "unknown opcode");
		return 0;
	}
	at = f->code_len;
	n = 1 + 4 * (size_t)nbc_op_nops[op];
	if (at + n > NBC_MAX_CODE) {
		b_fail(b, "function code too long");
		return 0;
	}
	if (!grow(b, (void **)&f->code, &f->code_cap, at + n, 1))
		return 0;
	f->code[at] = (uint8_t)op;
	if (nbc_op_nops[op] >= 1)
		nbc_wr32(f->code + at + 1, a);
	if (nbc_op_nops[op] >= 2)
		nbc_wr32(f->code + at + 5, b2);
	f->code_len = at + n;
	if (f->nlines == 0 || f->lines[2 * f->nlines - 1] != line) {
		if (!grow(b, (void **)&f->lines, &f->lines_cap,
		    2 * f->nlines + 2, sizeof(uint32_t)))
			return 0;
		f->lines[2 * f->nlines] = (uint32_t)at;
		f->lines[2 * f->nlines + 1] = line;
		f->nlines++;
	}
	return (uint32_t)at;
}

uint32_t nbc_here(nbc_builder *b, uint32_t fn)
{
	bfunc *f = func_at(b, fn);

	return f ? (uint32_t)f->code_len : 0;
}

void nbc_patch(nbc_builder *b, uint32_t fn, uint32_t at, uint32_t target)
{
	bfunc *f = func_at(b, fn);

	if (!f)
		return;
	if ((size_t)at + 5 > f->code_len || f->code[at] >= NBC_OP__COUNT ||
	    !nbc_op_jumps[f->code[at]]) {
		b_fail(b, "patch of an offset that holds no jump");
		return;
	}
	nbc_wr32(f->code + at + 1, target);
}

void nbc_set_caps(nbc_builder *b, uint32_t caps)
{
	b->caps = caps;
}

/* ---- serialization ------------------------------------------------------ */

typedef struct wbuf {
	uint8_t *p;
	size_t len, cap;
	bool oom;
} wbuf;

static void w_bytes(wbuf *w, const void *src, size_t n)
{
	if (w->oom)
		return;
	if (w->len + n > w->cap) {
		size_t ncap = w->cap ? w->cap : 256;
		uint8_t *np;

		while (ncap < w->len + n)
			ncap *= 2;
		np = realloc(w->p, ncap);
		if (!np) {
			w->oom = true;
			return;
		}
		w->p = np;
		w->cap = ncap;
	}
	if (n)
		memcpy(w->p + w->len, src, n);
	w->len += n;
}

static void w_u32(wbuf *w, uint32_t v)
{
	uint8_t le[4];

	nbc_wr32(le, v);
	w_bytes(w, le, 4);
}

static void w_name(wbuf *w, const char *s)
{
	size_t n = s ? strlen(s) : 0;

	w_u32(w, (uint32_t)n);
	w_bytes(w, s, n);
}

static void w_func(wbuf *w, const bfunc *f)
{
	uint32_t nlocals = f->nlocals;

	if (nlocals < f->nparams)
		nlocals = f->nparams;
	if (nlocals < f->nlocal_names)
		nlocals = f->nlocal_names;
	w_name(w, f->name);
	w_u32(w, f->nparams);
	w_u32(w, f->ndefaults);
	for (uint32_t i = 0; i < f->ndefaults; i++)
		w_u32(w, f->defaults[i]);
	w_u32(w, nlocals);
	for (uint32_t i = 0; i < nlocals; i++)
		w_name(w, i < f->nlocal_names ? f->locals[i] : NULL);
	w_u32(w, 0);                  /* max_stack, computed later */
	w_u32(w, f->line);
	w_u32(w, (uint32_t)f->code_len);
	w_bytes(w, f->code, f->code_len);
	w_u32(w, (uint32_t)f->nlines);
	for (size_t i = 0; i < 2 * f->nlines; i++)
		w_u32(w, f->lines[i]);
}

int nbc_builder_finish(nbc_builder *b, uint8_t **blob, size_t *len,
    nbc_error *err)
{
	wbuf w = { 0 };
	uint8_t hdr[8] = { 'N', 'B', 'C', '1',
		NBC_FORMAT_VERSION & 0xff, NBC_FORMAT_VERSION >> 8, 0, 0 };
	nbc_image img;
	nbc_error e;

	*blob = NULL;
	*len = 0;
	if (b->failed[0])
		return nbc_fail(err, 0, "builder: %s", b->failed);
	w_bytes(&w, hdr, sizeof(hdr));
	w_u32(&w, b->caps);
	w_u32(&w, b->nconsts);
	w_u32(&w, b->nglobals);
	w_u32(&w, b->nfuncs);
	w_bytes(&w, b->kbuf, b->klen);
	for (uint32_t i = 0; i < b->nglobals; i++)
		w_name(&w, b->globals[i]);
	for (uint32_t i = 0; i < b->nfuncs; i++)
		w_func(&w, &b->funcs[i]);
	if (w.oom) {
		free(w.p);
		return nbc_fail(err, 0, "out of memory");
	}
	if (nbc_image_parse(w.p, w.len, &img, &e) < 0)
		goto invalid;
	for (uint32_t i = 0; i < img.nfuncs; i++) {
		uint32_t depth;

		if (nbc_verify_func(&img, i, &depth, &e) < 0) {
			nbc_image_free(&img);
			goto invalid;
		}
		nbc_wr32(w.p + img.funcs[i].max_stack_at, depth);
	}
	nbc_image_free(&img);
	if (nbc_verify(w.p, w.len, &e) < 0)
		goto invalid;
	*blob = w.p;
	*len = w.len;
	return 0;
invalid:
	free(w.p);
	return nbc_fail(err, e.line, "builder produced invalid bytecode: %s",
	    e.message);
}
