/*
 * ncc.c - the compiler driver: ncc_compile and its result.
 *
 * Pipeline: check the bytes (size, NUL, UTF-8) -> prepare the text ('\n'
 * line ends, the common leading indentation removed) -> parse (ncc_parse.c)
 * -> if there was no syntax error: semantic pass (ncc_sema.c), contract,
 * self-tests, capabilities and __version__ -> if there was no error at all:
 * code generation (ncc_gen.c).  Diagnostics are then sorted by position and
 * copied out of the arena into the malloc'd result.
 *
 * Also here: the context's arena, diagnostics, vectors and maps shared by
 * the compiler's parts (ncc_ast.h).
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ncc_ast.h"

/* ---- arena ------------------------------------------------------------- */

struct ncc_chunk {
	ncc_chunk *next;
	size_t used, size;
	max_align_t data[];
};

#define CHUNK_SIZE (64u * 1024u)

void
ncc_ctx_init(ncc_ctx *c, jmp_buf *oom)
{
	memset(c, 0, sizeof *c);
	c->oom = oom;
}

void
ncc_ctx_free(ncc_ctx *c)
{
	ncc_chunk *k = c->chunks;

	while (k != NULL) {
		ncc_chunk *next = k->next;
		free(k);
		k = next;
	}
	c->chunks = NULL;
}

void *
ncc_alloc(ncc_ctx *c, size_t n)
{
	ncc_chunk *k = c->chunks;
	size_t align = sizeof(max_align_t);

	n = (n + align - 1) / align * align;
	if (n == 0)
		n = align;
	if (k == NULL || k->size - k->used < n) {
		size_t size = n > CHUNK_SIZE / 4 ? n : CHUNK_SIZE;
		k = malloc(sizeof *k + size);
		if (k == NULL)
			longjmp(*c->oom, 1);
		k->size = size;
		k->used = 0;
		if (n > CHUNK_SIZE / 4 && c->chunks != NULL) {
			/* a big block: keep filling the current chunk */
			k->next = c->chunks->next;
			c->chunks->next = k;
		} else {
			k->next = c->chunks;
			c->chunks = k;
		}
	}
	void *p = (char *)k->data + k->used;
	k->used += n;
	memset(p, 0, n);
	return p;
}

char *
ncc_strndup(ncc_ctx *c, const char *s, size_t n)
{
	char *d = ncc_alloc(c, n + 1);
	memcpy(d, s, n);
	d[n] = '\0';
	return d;
}

static char *
vformat(ncc_ctx *c, const char *fmt, va_list ap)
{
	char buf[512];
	va_list ap2;

	va_copy(ap2, ap);
	int n = vsnprintf(buf, sizeof buf, fmt, ap2);
	va_end(ap2);
	if (n < 0)
		n = 0;
	if ((size_t)n < sizeof buf)
		return ncc_strndup(c, buf, (size_t)n);
	char *s = ncc_alloc(c, (size_t)n + 1);
	vsnprintf(s, (size_t)n + 1, fmt, ap);
	return s;
}

char *
ncc_printf(ncc_ctx *c, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	char *s = vformat(c, fmt, ap);
	va_end(ap);
	return s;
}

/* Keep at most this many diagnostics of each kind while compiling. */
#define DIAG_STORE (NCC_MAX_DIAGS * 4)

static void
add_diag(ncc_ctx *c, ncc_diag **v, size_t *n, size_t *cap, int line, int col,
    const char *fmt, va_list ap)
{
	if (*n >= DIAG_STORE) {
		c->dropped++;
		return;
	}
	if (*n == *cap) {
		size_t nc = *cap ? *cap * 2 : 16;
		ncc_diag *nv = ncc_alloc(c, nc * sizeof *nv);
		if (*n)
			memcpy(nv, *v, *n * sizeof *nv);
		*v = nv;
		*cap = nc;
	}
	(*v)[*n].line = line;
	(*v)[*n].col = col;
	(*v)[*n].message = vformat(c, fmt, ap);
	(*n)++;
}

void
ncc_error(ncc_ctx *c, int line, int col, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	add_diag(c, &c->errors, &c->nerrors, &c->cap_errors, line, col, fmt, ap);
	va_end(ap);
}

void
ncc_warning(ncc_ctx *c, int line, int col, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	add_diag(c, &c->warnings, &c->nwarnings, &c->cap_warnings, line, col,
	    fmt, ap);
	va_end(ap);
}

void
ncc_vec_push(ncc_ctx *c, ncc_vec *v, void *item)
{
	if (v->n == v->cap) {
		size_t nc = v->cap ? v->cap * 2 : 4;
		void **ni = ncc_alloc(c, nc * sizeof *ni);
		if (v->n)
			memcpy(ni, v->items, v->n * sizeof *ni);
		v->items = ni;
		v->cap = nc;
	}
	v->items[v->n++] = item;
}

static uint32_t
hash_str(const char *s)
{
	uint32_t h = 2166136261u;

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 16777619u;
	return h;
}

void
ncc_map_put(ncc_ctx *c, ncc_map *m, const char *key, int val)
{
	if ((m->n + 1) * 2 > m->cap) {
		size_t nc = m->cap ? m->cap * 2 : 16;
		const char **nk = ncc_alloc(c, nc * sizeof *nk);
		int *nv = ncc_alloc(c, nc * sizeof *nv);
		for (size_t i = 0; i < m->cap; i++) {
			if (m->keys[i] == NULL)
				continue;
			size_t j = hash_str(m->keys[i]) & (nc - 1);
			while (nk[j] != NULL)
				j = (j + 1) & (nc - 1);
			nk[j] = m->keys[i];
			nv[j] = m->vals[i];
		}
		m->keys = nk;
		m->vals = nv;
		m->cap = nc;
	}
	size_t j = hash_str(key) & (m->cap - 1);
	while (m->keys[j] != NULL) {
		if (strcmp(m->keys[j], key) == 0) {
			m->vals[j] = val;
			return;
		}
		j = (j + 1) & (m->cap - 1);
	}
	m->keys[j] = key;
	m->vals[j] = val;
	m->n++;
}

bool
ncc_map_get(const ncc_map *m, const char *key, int *val)
{
	if (m->cap == 0)
		return false;
	size_t j = hash_str(key) & (m->cap - 1);
	while (m->keys[j] != NULL) {
		if (strcmp(m->keys[j], key) == 0) {
			if (val != NULL)
				*val = m->vals[j];
			return true;
		}
		j = (j + 1) & (m->cap - 1);
	}
	return false;
}

/* ---- source preparation ------------------------------------------------ */

/* First NUL or invalid UTF-8 byte: reports it and returns false. */
static bool
check_bytes(ncc_ctx *c, const char *src, size_t len)
{
	const unsigned char *s = (const unsigned char *)src;
	int line = 1;
	size_t line_start = 0;

	for (size_t i = 0; i < len;) {
		unsigned char b = s[i];
		size_t n = 1;
		uint32_t cp = b;
		if (b == '\n') {
			line++;
			line_start = i + 1;
		} else if (b == 0) {
			ncc_error(c, line, (int)(i - line_start) + 1,
			    "source code cannot contain null bytes");
			return false;
		} else if (b >= 0x80) {
			if (b >= 0xC2 && b <= 0xDF)
				n = 2, cp = b & 0x1F;
			else if (b >= 0xE0 && b <= 0xEF)
				n = 3, cp = b & 0x0F;
			else if (b >= 0xF0 && b <= 0xF4)
				n = 4, cp = b & 0x07;
			else
				n = 0;
			bool ok = n > 0 && i + n <= len;
			for (size_t k = 1; ok && k < n; k++) {
				if ((s[i + k] & 0xC0) != 0x80)
					ok = false;
				else
					cp = (cp << 6) | (s[i + k] & 0x3F);
			}
			if (ok && ((n == 3 && (cp < 0x800 || (cp >= 0xD800
			    && cp <= 0xDFFF))) || (n == 4 && (cp < 0x10000
			    || cp > 0x10FFFF))))
				ok = false;
			if (!ok) {
				ncc_error(c, line, (int)(i - line_start) + 1,
				    "invalid UTF-8 byte 0x%02x", b);
				return false;
			}
		}
		i += n;
	}
	return true;
}

static bool
blank_or_comment(const char *s, const char *end)
{
	while (s < end && (*s == ' ' || *s == '\t' || *s == '\f'))
		s++;
	return s == end || *s == '#';
}

/*
 * '\r\n' and '\r' become '\n'; the longest whitespace prefix common to all
 * lines with code is removed (blank and comment lines do not count), as
 * textwrap.dedent does.  Returns src itself when nothing changes.
 */
static const char *
prepare(ncc_ctx *c, const char *src, size_t len, size_t *outlen)
{
	const char *text = src;
	size_t n = len;

	if (memchr(src, '\r', len) != NULL) {
		char *t = ncc_alloc(c, len + 1);
		size_t o = 0;
		for (size_t i = 0; i < len; i++) {
			if (src[i] == '\r') {
				t[o++] = '\n';
				if (i + 1 < len && src[i + 1] == '\n')
					i++;
			} else {
				t[o++] = src[i];
			}
		}
		text = t;
		n = o;
	}
	/* the common prefix */
	const char *prefix = NULL;
	size_t plen = 0;
	for (const char *s = text, *end = text + n; s < end;) {
		const char *e = memchr(s, '\n', (size_t)(end - s));
		if (e == NULL)
			e = end;
		if (!blank_or_comment(s, e)) {
			size_t w = 0;
			while (s + w < e && (s[w] == ' ' || s[w] == '\t'))
				w++;
			if (prefix == NULL) {
				prefix = s;
				plen = w;
			} else {
				size_t k = 0;
				while (k < plen && k < w && s[k] == prefix[k])
					k++;
				plen = k;
			}
			if (plen == 0)
				break;
		}
		s = e + 1;
	}
	if (plen == 0) {
		*outlen = n;
		return text;
	}
	c->colshift = (int)plen;
	char *t = ncc_alloc(c, n + 1);
	size_t o = 0;
	for (const char *s = text, *end = text + n; s < end;) {
		const char *e = memchr(s, '\n', (size_t)(end - s));
		if (e == NULL)
			e = end;
		size_t k = 0;
		while (k < plen && s + k < e && s[k] == prefix[k])
			k++;
		memcpy(t + o, s + k, (size_t)(e - s) - k);
		o += (size_t)(e - s) - k;
		if (e < end)
			t[o++] = '\n';
		s = e + 1;
	}
	*outlen = o;
	return t;
}

/* ---- results ----------------------------------------------------------- */

static char *
xstrdup(const char *s, jmp_buf *oom)
{
	char *d = strdup(s != NULL ? s : "");
	if (d == NULL)
		longjmp(*oom, 1);
	return d;
}

static void *
xcalloc(size_t n, size_t size, jmp_buf *oom)
{
	void *p = calloc(n ? n : 1, size);
	if (p == NULL)
		longjmp(*oom, 1);
	return p;
}

typedef struct ordered_diag {
	ncc_diag d;
	size_t seq;
} ordered_diag;

static int
diag_cmp(const void *a, const void *b)
{
	const ordered_diag *x = a, *y = b;

	if (x->d.line != y->d.line)
		return x->d.line < y->d.line ? -1 : 1;
	if (x->d.col != y->d.col)
		return x->d.col < y->d.col ? -1 : 1;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/* Copy diagnostics out, sorted by position, at most NCC_MAX_DIAGS + 1. */
static void
copy_diags(const ncc_diag *v, size_t n, size_t dropped, ncc_diag **out,
    size_t *nout, jmp_buf *oom)
{
	ordered_diag *tmp;
	size_t keep = n < NCC_MAX_DIAGS ? n : NCC_MAX_DIAGS;
	bool more = n > NCC_MAX_DIAGS || dropped > 0;

	if (n == 0)
		return;
	tmp = xcalloc(n, sizeof *tmp, oom);
	for (size_t i = 0; i < n; i++) {
		tmp[i].d = v[i];
		tmp[i].seq = i;
	}
	qsort(tmp, n, sizeof *tmp, diag_cmp);
	*out = calloc(keep + (more ? 1 : 0), sizeof **out);
	if (*out == NULL) {
		free(tmp);
		longjmp(*oom, 1);
	}
	for (size_t i = 0; i < keep + (more ? 1 : 0); i++) {
		const ncc_diag *d = &tmp[i < n ? i : n - 1].d;
		(*out)[i].line = d->line;
		(*out)[i].col = d->col;
		(*out)[i].message = strdup(i < keep ? d->message
		    : "too many errors");
		(*nout)++;
		if ((*out)[i].message == NULL) {
			free(tmp);
			longjmp(*oom, 1);
		}
	}
	free(tmp);
}

static bool
is_public(const char *name)
{
	return name[0] != '_' && strncmp(name, "test_", 5) != 0;
}

static void
fill_facts(ncs_module *m, ncc_result *res, jmp_buf *oom)
{
	size_t npub = 0, ntests = 0;

	for (size_t i = 0; i < m->nfuncs; i++) {
		if (is_public(m->funcs[i]->name))
			npub++;
		else if (strncmp(m->funcs[i]->name, "test_", 5) == 0)
			ntests++;
	}
	res->contract.funcs = xcalloc(npub, sizeof(ncc_func), oom);
	res->tests = xcalloc(ntests, sizeof(ncc_test), oom);
	for (size_t i = 0; i < m->nfuncs; i++) {
		const ncc_fdef *f = m->funcs[i];
		if (strncmp(f->name, "test_", 5) == 0) {
			ncc_test *t = &res->tests[res->ntests++];
			t->name = xstrdup(f->name, oom);
			t->line = f->line;
			continue;
		}
		if (!is_public(f->name))
			continue;
		ncc_func *cf = &res->contract.funcs[res->contract.nfuncs++];
		cf->line = f->line;
		cf->name = xstrdup(f->name, oom);
		cf->ret = xstrdup(f->ret, oom);
		cf->params = xcalloc(f->nparams, sizeof(ncc_param), oom);
		for (size_t k = 0; k < f->nparams; k++) {
			cf->params[k].name = xstrdup(f->params[k].name, oom);
			cf->params[k].type = xstrdup(f->params[k].type, oom);
			cf->params[k].has_default = f->params[k].dflt != NULL;
			cf->nparams++;
		}
	}
	res->capuses = xcalloc(m->capuses.n, sizeof(ncc_capuse), oom);
	for (size_t i = 0; i < m->capuses.n; i++)
		res->capuses[res->ncapuses++] = *(ncc_capuse *)m->capuses.items[i];
	res->caps = m->caps;
	if (m->version != NULL) {
		res->version = xstrdup(m->version, oom);
		res->version_line = m->version_line;
	}
}

int
ncc_compile(const char *src, size_t len, ncc_result *res)
{
	jmp_buf oom;
	ncc_ctx ctx;
	ncs_module m;

	memset(res, 0, sizeof *res);
	memset(&m, 0, sizeof m);
	ncc_ctx_init(&ctx, &oom);
	if (setjmp(oom) != 0) {
		ncc_ctx_free(&ctx);
		ncc_result_free(res);
		memset(res, 0, sizeof *res);
		return -1;
	}
	if (len > NCC_MAX_SOURCE) {
		ncc_error(&ctx, 1, 1, "source too large (%zu bytes; the limit is %u)",
		    len, NCC_MAX_SOURCE);
	} else if (src == NULL && len > 0) {
		ncc_error(&ctx, 1, 1, "no source");
	} else if (check_bytes(&ctx, src != NULL ? src : "", len)) {
		size_t plen;
		const char *text = prepare(&ctx, src != NULL ? src : "", len,
		    &plen);
		ncc_block mod = ncp_module(&ctx, text, plen);
		if (!ctx.syntax_error) {
			ncs_check(&ctx, &mod, &m);
			fill_facts(&m, res, &oom);
			if (ctx.nerrors == 0 && ncg_generate(&ctx, &mod, &m,
			    &res->blob, &res->blob_len) == 0)
				res->ok = true;
		}
	}
	copy_diags(ctx.errors, ctx.nerrors, ctx.dropped, &res->errors,
	    &res->nerrors, &oom);
	copy_diags(ctx.warnings, ctx.nwarnings, 0, &res->warnings,
	    &res->nwarnings, &oom);
	if (res->nerrors > 0 && res->ok) {
		res->ok = false;
		free(res->blob);
		res->blob = NULL;
		res->blob_len = 0;
	}
	ncc_ctx_free(&ctx);
	return 0;
}

static void
free_diags(ncc_diag *d, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(d[i].message);
	free(d);
}

void
ncc_contract_free(ncc_contract *c)
{
	for (size_t i = 0; i < c->nfuncs; i++) {
		ncc_func *f = &c->funcs[i];
		for (size_t k = 0; k < f->nparams; k++) {
			free(f->params[k].name);
			free(f->params[k].type);
		}
		free(f->params);
		free(f->name);
		free(f->ret);
	}
	free(c->funcs);
	c->funcs = NULL;
	c->nfuncs = 0;
}

void
ncc_result_free(ncc_result *res)
{
	free(res->blob);
	free_diags(res->errors, res->nerrors);
	free_diags(res->warnings, res->nwarnings);
	ncc_contract_free(&res->contract);
	free(res->capuses);
	for (size_t i = 0; i < res->ntests; i++)
		free(res->tests[i].name);
	free(res->tests);
	free(res->version);
	memset(res, 0, sizeof *res);
}
