/*
 * nbc_repr.c - text of values: repr() and str() exactly as CPython 3.11
 * writes them, print, and the output budget.
 *
 * Floats use the shortest representation that reads back as the same
 * double (the first of %.1e .. %.17e that round-trips), laid out as
 * Python's repr does: positional for exponents -4 <= e < 16 with at least
 * one digit after the point, scientific otherwise ('1e+16', '1e-05').
 * A container that contains itself is written '[...]' / '{...}' (the
 * containers being written are kept on a small stack, as Py_ReprEnter
 * does); nesting deeper than NBC_MAX_NEST raises RecursionError.
 *
 * Text is built in an nbc_buf, which refuses to grow past what is left of
 * the call's memory budget, so repr of a huge value fails cleanly.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nbc_internal.h"

/* ---- buffers ----------------------------------------------------------- */

void
nbc_buf_init(nbc_buf *b, nbc_vm *vm)
{
	b->vm = vm;
	b->p = NULL;
	b->len = b->cap = 0;
	b->oom = false;
}

bool
nbc_buf_reserve(nbc_buf *b, size_t more)
{
	size_t need, ncap;
	char *np;

	if (b->oom)
		return false;
	if (b->p != NULL && more < b->cap - b->len)   /* room for a NUL too */
		return true;
	if (__builtin_add_overflow(b->len, more + 1, &need))
		goto fail;
	ncap = b->cap ? b->cap : 64;
	while (ncap < need) {
		if (ncap > SIZE_MAX / 2)
			goto fail;
		ncap *= 2;
	}
	if (b->vm != NULL) {
		const nbc_vm *vm = b->vm;
		size_t room = vm->limits.memory > vm->bytes ?
		    vm->limits.memory - vm->bytes : 0;

		if (need > room)
			goto fail;
		if (ncap > room)
			ncap = room;
	}
	np = realloc(b->p, ncap);
	if (np == NULL)
		goto fail;
	b->p = np;
	b->cap = ncap;
	return true;
fail:
	b->oom = true;
	if (b->vm != NULL)
		nbc_raise_resource(b->vm, "memory");
	return false;
}

bool
nbc_buf_add(nbc_buf *b, const char *s, size_t n)
{
	if (!nbc_buf_reserve(b, n))
		return false;
	if (n > 0)
		memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = '\0';
	return true;
}

bool
nbc_buf_addc(nbc_buf *b, char c)
{
	return nbc_buf_add(b, &c, 1);
}

bool
nbc_buf_printf(nbc_buf *b, const char *fmt, ...)
{
	char small[128];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(small, sizeof(small), fmt, ap);
	va_end(ap);
	if (n < 0)
		return false;
	if ((size_t)n < sizeof(small))
		return nbc_buf_add(b, small, (size_t)n);
	if (!nbc_buf_reserve(b, (size_t)n))
		return false;
	va_start(ap, fmt);
	vsnprintf(b->p + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
	return true;
}

char *
nbc_buf_finish(nbc_buf *b, size_t *len)
{
	char *p;

	if (b->oom) {
		nbc_buf_free(b);
		return NULL;
	}
	if (b->p == NULL && !nbc_buf_reserve(b, 0))
		return NULL;
	p = b->p;
	if (len != NULL)
		*len = b->len;
	b->p = NULL;
	b->len = b->cap = 0;
	return p;
}

void
nbc_buf_free(nbc_buf *b)
{
	free(b->p);
	b->p = NULL;
	b->len = b->cap = 0;
}

int
nbc_buf_to_str(nbc_buf *b, nbc_value *out)
{
	int r;

	if (b->oom) {
		nbc_buf_free(b);
		return -1;
	}
	r = nbc_str_new(b->vm, b->p != NULL ? b->p : "", b->len, out);
	nbc_buf_free(b);
	return r;
}

/* ---- numbers and strings ----------------------------------------------- */

size_t
nbc_int_text(int64_t i, char *buf)
{
	char tmp[24];
	uint64_t u = i < 0 ? (uint64_t)0 - (uint64_t)i : (uint64_t)i;
	size_t n = 0, k = 0;

	do {
		tmp[n++] = (char)('0' + u % 10);
		u /= 10;
	} while (u != 0);
	if (i < 0)
		buf[k++] = '-';
	while (n > 0)
		buf[k++] = tmp[--n];
	buf[k] = '\0';
	return k;
}

size_t
nbc_float_repr(double f, char *buf, size_t size)
{
	char tmp[40], digits[24];
	int prec, exp, nd = 0, i;
	char *p, *e;
	size_t n = 0;

	if (f != f)
		return (size_t)snprintf(buf, size, "nan");
	if (isinf(f))
		return (size_t)snprintf(buf, size, f > 0 ? "inf" : "-inf");
	if (f == 0.0)
		return (size_t)snprintf(buf, size, signbit(f) ? "-0.0" : "0.0");
	for (prec = 1; prec <= 17; prec++) {
		snprintf(tmp, sizeof(tmp), "%.*e", prec - 1, f);
		if (strtod(tmp, NULL) == f)
			break;
	}
	/* tmp: [-]d[.ddd]e[+-]XX */
	p = tmp;
	if (*p == '-')
		p++;
	e = strchr(p, 'e');
	for (; p < e; p++)
		if (*p != '.')
			digits[nd++] = *p;
	while (nd > 1 && digits[nd - 1] == '0')
		nd--;
	digits[nd] = '\0';
	exp = atoi(e + 1);
	{
		char out[64];

		if (f < 0)
			out[n++] = '-';
		if (exp < -4 || exp >= 16) {
			out[n++] = digits[0];
			if (nd > 1) {
				out[n++] = '.';
				for (i = 1; i < nd; i++)
					out[n++] = digits[i];
			}
			n += (size_t)snprintf(out + n, sizeof(out) - n, "e%c%02d",
			    exp < 0 ? '-' : '+', exp < 0 ? -exp : exp);
		} else if (exp < 0) {
			out[n++] = '0';
			out[n++] = '.';
			for (i = -1; i > exp; i--)
				out[n++] = '0';
			for (i = 0; i < nd; i++)
				out[n++] = digits[i];
		} else {
			for (i = 0; i <= exp; i++)
				out[n++] = i < nd ? digits[i] : '0';
			out[n++] = '.';
			if (nd > exp + 1)
				for (i = exp + 1; i < nd; i++)
					out[n++] = digits[i];
			else
				out[n++] = '0';
		}
		out[n] = '\0';
		return (size_t)snprintf(buf, size, "%s", out);
	}
}

bool
nbc_str_repr_buf(nbc_buf *b, const char *s, size_t len)
{
	bool sq = memchr(s, '\'', len) != NULL, dq = memchr(s, '"', len) != NULL;
	char quote = sq && !dq ? '"' : '\'';
	size_t i = 0, start;

	if (!nbc_buf_reserve(b, len + 2) || !nbc_buf_addc(b, quote))
		return false;
	while (i < len) {
		unsigned char c = (unsigned char)s[i];
		uint32_t cp;
		size_t k;
		char esc[16];

		start = i;
		while (i < len && (c = (unsigned char)s[i]) >= 0x20 && c < 0x7F &&
		    c != '\\' && c != (unsigned char)quote)
			i++;
		if (i > start && !nbc_buf_add(b, s + start, i - start))
			return false;
		if (i >= len)
			break;
		k = nbc_utf8_decode(s + i, &cp);
		if (cp == '\\' || cp == (uint32_t)quote) {
			esc[0] = '\\';
			esc[1] = (char)cp;
			esc[2] = '\0';
		} else if (cp == '\n') {
			strcpy(esc, "\\n");
		} else if (cp == '\r') {
			strcpy(esc, "\\r");
		} else if (cp == '\t') {
			strcpy(esc, "\\t");
		} else if (nbc_cp_printable(cp)) {
			if (!nbc_buf_add(b, s + i, k))
				return false;
			i += k;
			continue;
		} else if (cp < 0x100) {
			snprintf(esc, sizeof(esc), "\\x%02x", cp);
		} else if (cp < 0x10000) {
			snprintf(esc, sizeof(esc), "\\u%04x", cp);
		} else {
			snprintf(esc, sizeof(esc), "\\U%08x", cp);
		}
		if (!nbc_buf_add(b, esc, strlen(esc)))
			return false;
		i += k;
	}
	return nbc_buf_addc(b, quote);
}

/* ---- values ------------------------------------------------------------ */

typedef struct repr_ctx {
	nbc_vm *vm;
	nbc_buf *b;
	const nbc_obj *active[NBC_MAX_NEST + 1];
	int depth;
} repr_ctx;

static int repr_value(repr_ctx *c, nbc_value v);

static int
oom(repr_ctx *c)
{
	if (!c->vm->raised)
		nbc_raise_resource(c->vm, "memory");
	return -1;
}

static int
repr_items(repr_ctx *c, const nbc_value *items, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (i > 0 && !nbc_buf_add(c->b, ", ", 2))
			return oom(c);
		if (repr_value(c, items[i]) < 0)
			return -1;
	}
	return 0;
}

static int
repr_dict_entries(repr_ctx *c, const nbc_dict *d, uint32_t kind)
{
	nbc_dict_entry *e;
	int64_t pos = 0;
	bool first = true;

	while ((e = nbc_dict_next(d, &pos)) != NULL) {
		if (!first && !nbc_buf_add(c->b, ", ", 2))
			return oom(c);
		first = false;
		switch (kind) {
		case NBC_IT_DICT_KEYS:
			if (repr_value(c, e->key) < 0)
				return -1;
			break;
		case NBC_IT_DICT_VALUES:
			if (repr_value(c, e->value) < 0)
				return -1;
			break;
		case NBC_IT_DICT_ITEMS:
			if (!nbc_buf_addc(c->b, '(') ||
			    repr_value(c, e->key) < 0 ||
			    !nbc_buf_add(c->b, ", ", 2) ||
			    repr_value(c, e->value) < 0 ||
			    !nbc_buf_addc(c->b, ')'))
				return c->vm->raised ? -1 : oom(c);
			break;
		default:
			if (repr_value(c, e->key) < 0 ||
			    !nbc_buf_add(c->b, ": ", 2) ||
			    repr_value(c, e->value) < 0)
				return c->vm->raised ? -1 : oom(c);
			break;
		}
	}
	return 0;
}

static int
repr_value(repr_ctx *c, nbc_value v)
{
	nbc_buf *b = c->b;
	char num[40];
	int i, r = 0;

	switch (v.t) {
	case NBC_T_NONE:
		return nbc_buf_add(b, "None", 4) ? 0 : oom(c);
	case NBC_T_BOOL:
		return (v.u.b ? nbc_buf_add(b, "True", 4) :
		    nbc_buf_add(b, "False", 5)) ? 0 : oom(c);
	case NBC_T_INT:
		return nbc_buf_add(b, num, nbc_int_text(v.u.i, num)) ? 0 : oom(c);
	case NBC_T_FLOAT:
		nbc_float_repr(v.u.f, num, sizeof(num));
		return nbc_buf_add(b, num, strlen(num)) ? 0 : oom(c);
	case NBC_T_STR:
		return nbc_str_repr_buf(b, NBC_STR(v)->data, NBC_STR(v)->len) ?
		    0 : oom(c);
	case NBC_T_RANGE: {
		nbc_range *rg = NBC_RANGE(v);

		if (rg->step == 1)
			return nbc_buf_printf(b, "range(%lld, %lld)",
			    (long long)rg->start, (long long)rg->stop) ? 0 : oom(c);
		return nbc_buf_printf(b, "range(%lld, %lld, %lld)",
		    (long long)rg->start, (long long)rg->stop,
		    (long long)rg->step) ? 0 : oom(c);
	}
	case NBC_T_ITER:
		return nbc_buf_printf(b, "<%s object at %p>", NBC_ITERP(v)->name,
		    (void *)v.u.o) ? 0 : oom(c);
	default:
		break;
	}
	/* containers */
	for (i = 0; i < c->depth; i++)
		if (c->active[i] == v.u.o) {
			const char *s = v.t == NBC_T_DICT ? "{...}" :
			    v.t == NBC_T_LIST ? "[...]" : "...";

			return nbc_buf_add(b, s, strlen(s)) ? 0 : oom(c);
		}
	if (c->depth >= NBC_MAX_NEST)
		return nbc_raise(c->vm, NBC_EXC_RECURSION_ERROR,
		    "maximum recursion depth exceeded while getting the repr of "
		    "an object");
	c->active[c->depth++] = v.u.o;
	switch (v.t) {
	case NBC_T_LIST:
		if (!nbc_buf_addc(b, '[') ||
		    repr_items(c, NBC_LIST(v)->items, NBC_LIST(v)->n) < 0 ||
		    !nbc_buf_addc(b, ']'))
			r = -1;
		break;
	case NBC_T_TUPLE:
		if (!nbc_buf_addc(b, '(') ||
		    repr_items(c, NBC_TUPLE(v)->items, NBC_TUPLE(v)->n) < 0 ||
		    (NBC_TUPLE(v)->n == 1 && !nbc_buf_addc(b, ',')) ||
		    !nbc_buf_addc(b, ')'))
			r = -1;
		break;
	case NBC_T_DICT:
		if (!nbc_buf_addc(b, '{') ||
		    repr_dict_entries(c, NBC_DICT(v), 0) < 0 ||
		    !nbc_buf_addc(b, '}'))
			r = -1;
		break;
	case NBC_T_DICTVIEW: {
		nbc_dictview *dv = NBC_VIEW(v);

		if (!nbc_buf_printf(b, "%s([", nbc_type_name(v)) ||
		    repr_dict_entries(c, NBC_DICT(dv->dict), dv->kind) < 0 ||
		    !nbc_buf_add(b, "])", 2))
			r = -1;
		break;
	}
	default:
		r = nbc_raise(c->vm, NBC_EXC_RUNTIME_ERROR, "bad value type %u",
		    v.t);
		break;
	}
	c->depth--;
	if (r < 0 && !c->vm->raised)
		return oom(c);
	return r;
}

int
nbc_repr_buf(nbc_vm *vm, nbc_buf *b, nbc_value v)
{
	repr_ctx *c;
	int r;

	if (!NBC_IS_HEAP(v) || v.t == NBC_T_STR || v.t == NBC_T_RANGE ||
	    v.t == NBC_T_ITER) {
		repr_ctx small;

		small.vm = vm;
		small.b = b;
		small.depth = 0;
		return repr_value(&small, v);
	}
	c = malloc(sizeof(*c));
	if (c == NULL)
		return nbc_raise_resource(vm, "memory");
	c->vm = vm;
	c->b = b;
	c->depth = 0;
	r = repr_value(c, v);
	free(c);
	return r;
}

int
nbc_str_buf(nbc_vm *vm, nbc_buf *b, nbc_value v)
{
	if (v.t == NBC_T_STR) {
		if (nbc_buf_add(b, NBC_STR(v)->data, NBC_STR(v)->len))
			return 0;
		return nbc_raise_resource(vm, "memory");
	}
	return nbc_repr_buf(vm, b, v);
}

char *
nbc_repr(nbc_vm *vm, nbc_value v, size_t *len)
{
	nbc_buf b;

	nbc_buf_init(&b, vm);
	if (nbc_repr_buf(vm, &b, v) < 0) {
		nbc_buf_free(&b);
		return NULL;
	}
	return nbc_buf_finish(&b, len);
}

char *
nbc_tostr(nbc_vm *vm, nbc_value v, size_t *len)
{
	nbc_buf b;

	nbc_buf_init(&b, vm);
	if (nbc_str_buf(vm, &b, v) < 0) {
		nbc_buf_free(&b);
		return NULL;
	}
	return nbc_buf_finish(&b, len);
}

/* ---- output ------------------------------------------------------------ */

int
nbc_output(nbc_vm *vm, const char *s, size_t len)
{
	if (len > vm->limits.output || vm->output_used > vm->limits.output - len)
		return nbc_raise_resource(vm, "output");
	if (vm->out_len + len + 1 > vm->out_cap) {
		size_t ncap = vm->out_cap ? vm->out_cap : 256;
		char *np;

		while (ncap < vm->out_len + len + 1)
			ncap *= 2;
		np = realloc(vm->out, ncap);
		if (np == NULL)
			return nbc_raise_resource(vm, "memory");
		vm->out = np;
		vm->out_cap = ncap;
	}
	memcpy(vm->out + vm->out_len, s, len);
	vm->out_len += len;
	vm->out[vm->out_len] = '\0';
	vm->output_used += len;
	if (vm->host != NULL && vm->host->write != NULL)
		vm->host->write(vm->host->ctx, s, len);
	return 0;
}

/*
 * print(*args, sep=sep, end=end): the line is built whole, then written
 * with one nbc_output.  Needs the log capability when a host is given.
 */
int
nbc_print(nbc_vm *vm, const nbc_value *args, size_t n, nbc_value sep,
    nbc_value end)
{
	nbc_buf b;
	size_t i;
	int r;

	if (vm->host != NULL && nbc_need_cap(vm, NBC_CAP_LOG) < 0)
		return -1;
	if (sep.t != NBC_T_NONE && sep.t != NBC_T_STR)
		return nbc_raise(vm, NBC_EXC_TYPE_ERROR,
		    "sep must be None or a string, not %s", nbc_type_name(sep));
	if (end.t != NBC_T_NONE && end.t != NBC_T_STR)
		return nbc_raise(vm, NBC_EXC_TYPE_ERROR,
		    "end must be None or a string, not %s", nbc_type_name(end));
	nbc_buf_init(&b, vm);
	for (i = 0; i < n; i++) {
		if (i > 0) {
			bool ok = sep.t == NBC_T_STR ?
			    nbc_buf_add(&b, NBC_STR(sep)->data, NBC_STR(sep)->len) :
			    nbc_buf_addc(&b, ' ');

			if (!ok)
				goto fail;
		}
		if (nbc_str_buf(vm, &b, args[i]) < 0)
			goto fail;
		if (b.len > vm->limits.output) {
			nbc_raise_resource(vm, "output");
			goto fail;
		}
	}
	if (!(end.t == NBC_T_STR ?
	    nbc_buf_add(&b, NBC_STR(end)->data, NBC_STR(end)->len) :
	    nbc_buf_addc(&b, '\n')))
		goto fail;
	r = nbc_output(vm, b.p != NULL ? b.p : "", b.len);
	nbc_buf_free(&b);
	return r;
fail:
	nbc_buf_free(&b);
	if (!vm->raised)
		nbc_raise_resource(vm, "memory");
	return -1;
}
