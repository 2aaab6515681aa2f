/*
 * nbc_lit.c - literals: the plain owned values that carry call arguments
 * in and results out of a call heap (nbc.h), their repr and str, their
 * conversion to and from heap values, and the small public helpers that
 * go with results (nbc_result_free, nbc_exc_name, nbc_limits_default).
 *
 * A literal is a malloc'd tree independent of any call; converting one to
 * a value copies it into the call heap (charged to the budget), and a
 * value becomes a literal by a deep copy out of it.  Ranges, iterators
 * and dict views become lists.  Nesting deeper than NBC_MAX_NEST (which is
 * also how a list that contains itself ends) raises RecursionError.
 */
#include <stdlib.h>
#include <string.h>

#include "nbc_internal.h"

void
nbc_limits_default(nbc_limits *l)
{
	l->gas = NBC_DEFAULT_GAS;
	l->memory = NBC_DEFAULT_MEMORY;
	l->depth = NBC_DEFAULT_DEPTH;
	l->output = NBC_DEFAULT_OUTPUT;
}

const char *
nbc_exc_name(enum nbc_exc e)
{
	static const char *const names[NBC_EXC__COUNT] = {
#define NBC_X_NAME(id, name) name,
		NBC_EXCEPTIONS(NBC_X_NAME)
#undef NBC_X_NAME
	};

	if ((unsigned)e >= NBC_EXC__COUNT)
		return "Exception";
	return names[e];
}

void
nbc_lit_free(nbc_lit *v)
{
	size_t i, n;

	if (v == NULL)
		return;
	switch (v->type) {
	case NBC_LIT_STR:
		free(v->u.str.s);
		break;
	case NBC_LIT_LIST:
	case NBC_LIT_TUPLE:
	case NBC_LIT_DICT:
		n = v->type == NBC_LIT_DICT ? 2 * v->u.seq.n : v->u.seq.n;
		for (i = 0; i < n; i++)
			nbc_lit_free(&v->u.seq.items[i]);
		free(v->u.seq.items);
		break;
	default:
		break;
	}
	memset(v, 0, sizeof(*v));
	v->type = NBC_LIT_NONE;
}

void
nbc_result_free(nbc_result *r)
{
	if (r == NULL)
		return;
	nbc_lit_free(&r->value);
	free(r->message);
	free(r->output);
	memset(r, 0, sizeof(*r));
	r->value.type = NBC_LIT_NONE;
}

static size_t
lit_nitems(const nbc_lit *v)
{
	return v->type == NBC_LIT_DICT ? 2 * v->u.seq.n : v->u.seq.n;
}

int
nbc_lit_copy(nbc_lit *dst, const nbc_lit *src)
{
	size_t i, n;

	memset(dst, 0, sizeof(*dst));
	dst->type = src->type;
	switch (src->type) {
	case NBC_LIT_STR:
		dst->u.str.s = malloc(src->u.str.len + 1);
		if (dst->u.str.s == NULL)
			goto fail;
		if (src->u.str.len > 0)
			memcpy(dst->u.str.s, src->u.str.s, src->u.str.len);
		dst->u.str.s[src->u.str.len] = '\0';
		dst->u.str.len = src->u.str.len;
		return 0;
	case NBC_LIT_LIST:
	case NBC_LIT_TUPLE:
	case NBC_LIT_DICT:
		n = lit_nitems(src);
		dst->u.seq.items = calloc(n ? n : 1, sizeof(nbc_lit));
		if (dst->u.seq.items == NULL)
			goto fail;
		dst->u.seq.n = src->u.seq.n;
		for (i = 0; i < n; i++)
			if (nbc_lit_copy(&dst->u.seq.items[i],
			    &src->u.seq.items[i]) < 0) {
				nbc_lit_free(dst);
				return -1;
			}
		return 0;
	default:
		dst->u = src->u;
		return 0;
	}
fail:
	dst->type = NBC_LIT_NONE;
	return -1;
}

/* ---- repr / str -------------------------------------------------------- */

static bool
utf8_valid(const char *s, size_t len)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t i = 0, k, j;

	while (i < len) {
		uint32_t cp;

		if (u[i] < 0x80) {
			i++;
			continue;
		}
		if (u[i] >= 0xC2 && u[i] <= 0xDF)
			k = 1, cp = u[i] & 0x1F;
		else if (u[i] >= 0xE0 && u[i] <= 0xEF)
			k = 2, cp = u[i] & 0x0F;
		else if (u[i] >= 0xF0 && u[i] <= 0xF4)
			k = 3, cp = u[i] & 0x07;
		else
			return false;
		if (i + k >= len)
			return false;
		for (j = 1; j <= k; j++) {
			if ((u[i + j] & 0xC0) != 0x80)
				return false;
			cp = (cp << 6) | (u[i + j] & 0x3F);
		}
		if ((k == 2 && (cp < 0x800 || (cp >= 0xD800 && cp <= 0xDFFF))) ||
		    (k == 3 && (cp < 0x10000 || cp > 0x10FFFF)))
			return false;
		i += k + 1;
	}
	return true;
}

/* A literal str's repr; bytes that are not UTF-8 are shown as \xNN. */
static bool
lit_str_repr(nbc_buf *b, const char *s, size_t len)
{
	nbc_buf t;
	size_t i;
	bool ok;

	if (utf8_valid(s, len))
		return nbc_str_repr_buf(b, s, len);
	nbc_buf_init(&t, NULL);
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		ok = c < 0x80 ? nbc_buf_addc(&t, (char)c) :
		    nbc_buf_printf(&t, "\\x%02x", c);
		if (!ok) {
			nbc_buf_free(&t);
			return false;
		}
	}
	ok = nbc_buf_addc(b, '\'') && nbc_buf_add(b, t.p, t.len) &&
	    nbc_buf_addc(b, '\'');
	nbc_buf_free(&t);
	return ok;
}

static bool
lit_repr_buf(nbc_buf *b, const nbc_lit *v, int depth)
{
	char num[40];
	size_t i;

	if (depth > NBC_MAX_NEST)
		return nbc_buf_add(b, "...", 3);
	switch (v->type) {
	case NBC_LIT_NONE:
		return nbc_buf_add(b, "None", 4);
	case NBC_LIT_BOOL:
		return v->u.b ? nbc_buf_add(b, "True", 4) :
		    nbc_buf_add(b, "False", 5);
	case NBC_LIT_INT:
		return nbc_buf_printf(b, "%lld", (long long)v->u.i);
	case NBC_LIT_FLOAT:
		nbc_float_repr(v->u.f, num, sizeof(num));
		return nbc_buf_add(b, num, strlen(num));
	case NBC_LIT_STR:
		return lit_str_repr(b, v->u.str.s, v->u.str.len);
	case NBC_LIT_LIST:
	case NBC_LIT_TUPLE:
		if (!nbc_buf_addc(b, v->type == NBC_LIT_LIST ? '[' : '('))
			return false;
		for (i = 0; i < v->u.seq.n; i++)
			if ((i > 0 && !nbc_buf_add(b, ", ", 2)) ||
			    !lit_repr_buf(b, &v->u.seq.items[i], depth + 1))
				return false;
		if (v->type == NBC_LIT_TUPLE && v->u.seq.n == 1 &&
		    !nbc_buf_addc(b, ','))
			return false;
		return nbc_buf_addc(b, v->type == NBC_LIT_LIST ? ']' : ')');
	case NBC_LIT_DICT:
		if (!nbc_buf_addc(b, '{'))
			return false;
		for (i = 0; i < v->u.seq.n; i++)
			if ((i > 0 && !nbc_buf_add(b, ", ", 2)) ||
			    !lit_repr_buf(b, &v->u.seq.items[2 * i], depth + 1) ||
			    !nbc_buf_add(b, ": ", 2) ||
			    !lit_repr_buf(b, &v->u.seq.items[2 * i + 1],
			    depth + 1))
				return false;
		return nbc_buf_addc(b, '}');
	default:
		return nbc_buf_add(b, "None", 4);
	}
}

char *
nbc_lit_repr(const nbc_lit *v, size_t *len)
{
	nbc_buf b;

	nbc_buf_init(&b, NULL);
	if (!lit_repr_buf(&b, v, 0)) {
		nbc_buf_free(&b);
		return NULL;
	}
	return nbc_buf_finish(&b, len);
}

char *
nbc_lit_str(const nbc_lit *v, size_t *len)
{
	nbc_buf b;

	if (v->type != NBC_LIT_STR)
		return nbc_lit_repr(v, len);
	nbc_buf_init(&b, NULL);
	if (!nbc_buf_add(&b, v->u.str.s, v->u.str.len)) {
		nbc_buf_free(&b);
		return NULL;
	}
	return nbc_buf_finish(&b, len);
}

/* ---- values <-> literals ----------------------------------------------- */

static int
from_lit(nbc_vm *vm, const nbc_lit *l, nbc_value *out, int depth)
{
	size_t i;

	*out = nbc_none();
	if (depth > NBC_MAX_NEST)
		return nbc_raise(vm, NBC_EXC_RECURSION_ERROR,
		    "maximum recursion depth exceeded");
	switch (l->type) {
	case NBC_LIT_NONE:
		return 0;
	case NBC_LIT_BOOL:
		*out = nbc_bool(l->u.b);
		return 0;
	case NBC_LIT_INT:
		*out = nbc_int(l->u.i);
		return 0;
	case NBC_LIT_FLOAT:
		*out = nbc_float(l->u.f);
		return 0;
	case NBC_LIT_STR:
		if (!utf8_valid(l->u.str.s, l->u.str.len))
			return nbc_raise(vm, NBC_EXC_VALUE_ERROR,
			    "str argument is not valid UTF-8");
		return nbc_str_new(vm, l->u.str.s, l->u.str.len, out);
	case NBC_LIT_LIST: {
		nbc_list *lst;

		if (nbc_list_new(vm, l->u.seq.n, out) < 0)
			return -1;
		lst = NBC_LIST(*out);
		for (i = 0; i < l->u.seq.n; i++) {
			if (from_lit(vm, &l->u.seq.items[i], &lst->items[i],
			    depth + 1) < 0)
				return -1;
			lst->n = i + 1;
		}
		return 0;
	}
	case NBC_LIT_TUPLE: {
		nbc_tuple *t;

		if (nbc_tuple_new(vm, NULL, l->u.seq.n, out) < 0)
			return -1;
		t = NBC_TUPLE(*out);
		for (i = 0; i < l->u.seq.n; i++)
			if (from_lit(vm, &l->u.seq.items[i], &t->items[i],
			    depth + 1) < 0)
				return -1;
		return 0;
	}
	case NBC_LIT_DICT: {
		nbc_value k, v;

		if (nbc_dict_new(vm, out) < 0)
			return -1;
		for (i = 0; i < l->u.seq.n; i++)
			if (from_lit(vm, &l->u.seq.items[2 * i], &k,
			    depth + 1) < 0 ||
			    from_lit(vm, &l->u.seq.items[2 * i + 1], &v,
			    depth + 1) < 0 ||
			    nbc_dict_set(vm, *out, k, v) < 0)
				return -1;
		return 0;
	}
	default:
		return nbc_raise(vm, NBC_EXC_TYPE_ERROR, "bad literal type %d",
		    (int)l->type);
	}
}

int
nbc_value_from_lit(nbc_vm *vm, const nbc_lit *l, nbc_value *out)
{
	return from_lit(vm, l, out, 0);
}

static int
seq_to_lit(nbc_vm *vm, nbc_lit_type type, const nbc_value *items, size_t n,
    nbc_lit *out, int depth);

static int
to_lit(nbc_vm *vm, nbc_value v, nbc_lit *out, int depth)
{
	memset(out, 0, sizeof(*out));
	out->type = NBC_LIT_NONE;
	if (depth > NBC_MAX_NEST)
		return nbc_raise(vm, NBC_EXC_RECURSION_ERROR,
		    "maximum recursion depth exceeded");
	switch (v.t) {
	case NBC_T_NONE:
		return 0;
	case NBC_T_BOOL:
		out->type = NBC_LIT_BOOL;
		out->u.b = v.u.b;
		return 0;
	case NBC_T_INT:
		out->type = NBC_LIT_INT;
		out->u.i = v.u.i;
		return 0;
	case NBC_T_FLOAT:
		out->type = NBC_LIT_FLOAT;
		out->u.f = v.u.f;
		return 0;
	case NBC_T_STR: {
		nbc_str *s = NBC_STR(v);

		out->u.str.s = malloc(s->len + 1);
		if (out->u.str.s == NULL)
			return nbc_raise_resource(vm, "memory");
		memcpy(out->u.str.s, s->data, s->len);
		out->u.str.s[s->len] = '\0';
		out->u.str.len = s->len;
		out->type = NBC_LIT_STR;
		return 0;
	}
	case NBC_T_LIST:
		return seq_to_lit(vm, NBC_LIT_LIST, NBC_LIST(v)->items,
		    NBC_LIST(v)->n, out, depth);
	case NBC_T_TUPLE:
		return seq_to_lit(vm, NBC_LIT_TUPLE, NBC_TUPLE(v)->items,
		    NBC_TUPLE(v)->n, out, depth);
	case NBC_T_DICT: {
		nbc_dict *d = NBC_DICT(v);
		nbc_dict_entry *e;
		int64_t pos = 0;
		size_t i = 0;

		out->u.seq.items = calloc(d->n ? 2 * d->n : 1, sizeof(nbc_lit));
		if (out->u.seq.items == NULL)
			return nbc_raise_resource(vm, "memory");
		out->type = NBC_LIT_DICT;
		while ((e = nbc_dict_next(d, &pos)) != NULL && i < d->n) {
			out->u.seq.n = i + 1;
			if (to_lit(vm, e->key, &out->u.seq.items[2 * i],
			    depth + 1) < 0 ||
			    to_lit(vm, e->value, &out->u.seq.items[2 * i + 1],
			    depth + 1) < 0) {
				nbc_lit_free(out);
				return -1;
			}
			i++;
		}
		return 0;
	}
	default: {
		nbc_value list;

		if (nbc_to_list(vm, v, &list) < 0)
			return -1;
		return seq_to_lit(vm, NBC_LIT_LIST, NBC_LIST(list)->items,
		    NBC_LIST(list)->n, out, depth);
	}
	}
}

static int
seq_to_lit(nbc_vm *vm, nbc_lit_type type, const nbc_value *items, size_t n,
    nbc_lit *out, int depth)
{
	size_t i;

	out->u.seq.items = calloc(n ? n : 1, sizeof(nbc_lit));
	if (out->u.seq.items == NULL)
		return nbc_raise_resource(vm, "memory");
	out->type = type;
	for (i = 0; i < n; i++) {
		out->u.seq.n = i + 1;
		if (to_lit(vm, items[i], &out->u.seq.items[i], depth + 1) < 0) {
			nbc_lit_free(out);
			return -1;
		}
	}
	out->u.seq.n = n;
	return 0;
}

int
nbc_value_to_lit(nbc_vm *vm, nbc_value v, nbc_lit *out)
{
	return to_lit(vm, v, out, 0);
}
