/*
 * nbc_methods.c - list and tuple storage and methods, and CALL_METHOD's
 * dispatch by receiver type.
 *
 * A list's item array grows by half again (amortized O(1) append) and is
 * charged to the memory budget before it is allocated.  nbc_call_method
 * checks the argument count against the nbc_names.h table, then hands the
 * call to the receiver type's implementation (nbc_str.c, nbc_dict.c, or
 * the list and tuple methods here); a type without the method raises
 * AttributeError as CPython does.
 */
#include <stdlib.h>
#include <string.h>

#include "nbc_internal.h"

static const struct {
	const char *name;
	int min, max;
} method_info[NBC_M__COUNT] = {
#define NBC_X_INFO(id, name, mn, mx) { name, mn, mx },
	NBC_METHODS(NBC_X_INFO)
#undef NBC_X_INFO
};

/* ---- lists ------------------------------------------------------------- */

int
nbc_list_reserve(nbc_vm *vm, nbc_list *l, size_t need)
{
	size_t ncap;
	nbc_value *items;

	if (need <= l->cap)
		return 0;
	if (need > ((size_t)1 << 40))
		return nbc_raise_resource(vm, "memory");
	ncap = l->cap + l->cap / 2 + 4;
	if (ncap < need)
		ncap = need;
	if (nbc_charge(vm, (ptrdiff_t)((ncap - l->cap) * sizeof(nbc_value))) < 0)
		return -1;
	items = realloc(l->items, ncap * sizeof(nbc_value));
	if (items == NULL) {
		nbc_charge(vm, -(ptrdiff_t)((ncap - l->cap) * sizeof(nbc_value)));
		return nbc_raise_resource(vm, "memory");
	}
	l->items = items;
	l->cap = ncap;
	return 0;
}

int
nbc_list_new(nbc_vm *vm, size_t cap, nbc_value *out)
{
	nbc_list *l = nbc_alloc(vm, NBC_T_LIST, sizeof(*l));

	if (l == NULL)
		return -1;
	l->n = l->cap = 0;
	l->items = NULL;
	*out = nbc_obj_value(NBC_T_LIST, &l->h);
	if (cap > 0 && nbc_list_reserve(vm, l, cap) < 0)
		return -1;
	return 0;
}

int
nbc_list_append(nbc_vm *vm, nbc_value list, nbc_value item)
{
	nbc_list *l = NBC_LIST(list);

	if (l->n == l->cap && nbc_list_reserve(vm, l, l->n + 1) < 0)
		return -1;
	l->items[l->n++] = item;
	return 0;
}

int
nbc_build_list(nbc_vm *vm, const nbc_value *items, size_t n, nbc_value *out)
{
	nbc_list *l;

	if (nbc_list_new(vm, n, out) < 0)
		return -1;
	l = NBC_LIST(*out);
	if (n > 0)
		memcpy(l->items, items, n * sizeof(nbc_value));
	l->n = n;
	return 0;
}

static int
not_in(nbc_vm *vm, nbc_value x, const char *fmt)
{
	size_t len;
	char *r = nbc_repr(vm, x, &len);

	if (r == NULL)
		return -1;
	nbc_raise(vm, NBC_EXC_VALUE_ERROR, fmt, r);
	free(r);
	return -1;
}

static int64_t
count_of(const nbc_value *items, size_t n, nbc_value x)
{
	int64_t c = 0;
	size_t i;

	for (i = 0; i < n; i++)
		if (nbc_equal(items[i], x))
			c++;
	return c;
}

static int64_t
index_of(const nbc_value *items, size_t n, nbc_value x)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (nbc_equal(items[i], x))
			return (int64_t)i;
	return -1;
}

int
nbc_list_method(nbc_vm *vm, enum nbc_method id, nbc_value self,
    const nbc_value *args, size_t n, nbc_value *out)
{
	nbc_list *l = NBC_LIST(self);
	int64_t i;
	size_t k;

	*out = nbc_none();
	switch (id) {
	case NBC_M_APPEND:
		return nbc_list_append(vm, self, args[0]);
	case NBC_M_EXTEND:
		if (args[0].t == NBC_T_LIST || args[0].t == NBC_T_TUPLE) {
			const nbc_value *src = args[0].t == NBC_T_LIST ?
			    NBC_LIST(args[0])->items : NBC_TUPLE(args[0])->items;
			size_t m = args[0].t == NBC_T_LIST ?
			    NBC_LIST(args[0])->n : NBC_TUPLE(args[0])->n;

			if (nbc_list_reserve(vm, l, l->n + m) < 0)
				return -1;
			if (args[0].t == NBC_T_LIST)
				src = NBC_LIST(args[0])->items;
			if (m > 0)
				memmove(l->items + l->n, src,
				    m * sizeof(nbc_value));
			l->n += m;
			return 0;
		} else {
			nbc_value it, item;
			int r;

			if (nbc_iter(vm, args[0], &it) < 0)
				return -1;
			while ((r = nbc_iter_next(vm, it, &item)) == 1)
				if (nbc_gas(vm, 1) < 0 ||
				    nbc_list_append(vm, self, item) < 0)
					return -1;
			return r;
		}
	case NBC_M_POP:
		if (n > 1)
			return nbc_raise(vm, NBC_EXC_TYPE_ERROR,
			    "pop expected at most 1 argument, got %zu", n);
		i = -1;
		if (n == 1 && nbc_index_arg(vm, args[0], &i) < 0)
			return -1;
		if (l->n == 0)
			return nbc_raise(vm, NBC_EXC_INDEX_ERROR,
			    "pop from empty list");
		if (i < 0)
			i += (int64_t)l->n;
		if (i < 0 || i >= (int64_t)l->n)
			return nbc_raise(vm, NBC_EXC_INDEX_ERROR,
			    "pop index out of range");
		*out = l->items[i];
		memmove(l->items + i, l->items + i + 1,
		    (l->n - (size_t)i - 1) * sizeof(nbc_value));
		l->n--;
		return 0;
	case NBC_M_INSERT:
		if (nbc_index_arg(vm, args[0], &i) < 0)
			return -1;
		if (i < 0) {
			i += (int64_t)l->n;
			if (i < 0)
				i = 0;
		} else if (i > (int64_t)l->n) {
			i = (int64_t)l->n;
		}
		if (nbc_list_reserve(vm, l, l->n + 1) < 0)
			return -1;
		memmove(l->items + i + 1, l->items + i,
		    (l->n - (size_t)i) * sizeof(nbc_value));
		l->items[i] = args[1];
		l->n++;
		return 0;
	case NBC_M_INDEX:
		if (nbc_gas(vm, l->n) < 0)
			return -1;
		i = index_of(l->items, l->n, args[0]);
		if (i < 0)
			return not_in(vm, args[0], "%s is not in list");
		*out = nbc_int(i);
		return 0;
	case NBC_M_COUNT:
		if (nbc_gas(vm, l->n) < 0)
			return -1;
		*out = nbc_int(count_of(l->items, l->n, args[0]));
		return 0;
	case NBC_M_REVERSE:
		for (k = 0; k < l->n / 2; k++) {
			nbc_value t = l->items[k];

			l->items[k] = l->items[l->n - 1 - k];
			l->items[l->n - 1 - k] = t;
		}
		return 0;
	case NBC_M_SORT:
		return nbc_sort_values(vm, l->items, l->n);
	case NBC_M_COPY:
		return nbc_build_list(vm, l->items, l->n, out);
	default:
		return 1;
	}
}

static int
tuple_method(nbc_vm *vm, enum nbc_method id, nbc_value self,
    const nbc_value *args, nbc_value *out)
{
	nbc_tuple *t = NBC_TUPLE(self);
	int64_t i;

	switch (id) {
	case NBC_M_COUNT:
		*out = nbc_int(count_of(t->items, t->n, args[0]));
		return 0;
	case NBC_M_INDEX:
		i = index_of(t->items, t->n, args[0]);
		if (i < 0)
			return nbc_raise(vm, NBC_EXC_VALUE_ERROR,
			    "tuple.index(x): x not in tuple");
		*out = nbc_int(i);
		return 0;
	default:
		return 1;
	}
}

/* ---- dispatch ---------------------------------------------------------- */

_Static_assert(NBC_M__COUNT <= 64, "method masks are 64 bits");

#define M(id) (1ull << NBC_M_##id)

/* Which methods each receiver type has. */
static uint64_t
methods_of(uint32_t t)
{
	switch (t) {
	case NBC_T_STR:
		return M(UPPER) | M(LOWER) | M(STRIP) | M(LSTRIP) | M(RSTRIP) |
		    M(SPLIT) | M(JOIN) | M(REPLACE) | M(STARTSWITH) |
		    M(ENDSWITH) | M(FIND) | M(COUNT) | M(ISDIGIT) | M(ISALPHA) |
		    M(INDEX);
	case NBC_T_LIST:
		return M(APPEND) | M(EXTEND) | M(POP) | M(INSERT) | M(INDEX) |
		    M(COUNT) | M(REVERSE) | M(SORT) | M(COPY);
	case NBC_T_TUPLE:
		return M(COUNT) | M(INDEX);
	case NBC_T_DICT:
		return M(GET) | M(KEYS) | M(VALUES) | M(ITEMS) | M(POP) |
		    M(UPDATE) | M(COPY);
	default:
		return 0;
	}
}

#undef M

static __attribute__((noinline)) int
call_method_general(nbc_vm *vm, enum nbc_method id, nbc_value self,
    const nbc_value *args, size_t n, nbc_value *out)
{
	const char *name;
	int r;

	if ((unsigned)id >= NBC_M__COUNT)
		return nbc_raise(vm, NBC_EXC_RUNTIME_ERROR, "bad method id %d",
		    (int)id);
	name = method_info[id].name;
	if (!(methods_of(self.t) & (1ull << id)))
		return nbc_raise(vm, NBC_EXC_ATTRIBUTE_ERROR,
		    "'%s' object has no attribute '%s'", nbc_type_name(self),
		    name);
	if (n < (size_t)method_info[id].min || n > (size_t)method_info[id].max) {
		int lim = n < (size_t)method_info[id].min ?
		    method_info[id].min : method_info[id].max;

		if (method_info[id].max == 0)
			return nbc_raise(vm, NBC_EXC_TYPE_ERROR,
			    "%s.%s() takes no arguments (%zu given)",
			    nbc_type_name(self), name, n);
		if (method_info[id].min == 1 && method_info[id].max == 1)
			return nbc_raise(vm, NBC_EXC_TYPE_ERROR,
			    "%s.%s() takes exactly one argument (%zu given)",
			    nbc_type_name(self), name, n);
		return nbc_raise(vm, NBC_EXC_TYPE_ERROR,
		    "%s expected at %s %d argument%s, got %zu", name,
		    n < (size_t)method_info[id].min ? "least" : "most", lim,
		    lim == 1 ? "" : "s", n);
	}
	switch (self.t) {
	case NBC_T_STR:
		r = nbc_str_method(vm, id, self, args, n, out);
		break;
	case NBC_T_LIST:
		r = nbc_list_method(vm, id, self, args, n, out);
		break;
	case NBC_T_TUPLE:
		r = tuple_method(vm, id, self, args, out);
		break;
	case NBC_T_DICT:
		r = nbc_dict_method(vm, id, self, args, n, out);
		break;
	default:
		r = 1;
		break;
	}
	if (r == 1)
		return nbc_raise(vm, NBC_EXC_ATTRIBUTE_ERROR,
		    "'%s' object has no attribute '%s'", nbc_type_name(self),
		    name);
	return r;
}

int
nbc_call_method(nbc_vm *vm, enum nbc_method id, nbc_value self,
    const nbc_value *args, size_t n, nbc_value *out)
{
	/* the hottest calls first, past the general checks they pass */
	if (self.t == NBC_T_LIST && id == NBC_M_APPEND && n == 1) {
		nbc_list *l = NBC_LIST(self);

		*out = nbc_none();
		if (l->n == l->cap && nbc_list_reserve(vm, l, l->n + 1) < 0)
			return -1;
		l->items[l->n++] = args[0];
		return 0;
	}
	if (self.t == NBC_T_DICT && id == NBC_M_GET && (n == 1 || n == 2))
		return nbc_dict_get_or(vm, self, args[0],
		    n > 1 ? args[1] : nbc_none(), out);
	return call_method_general(vm, id, self, args, n, out);
}
