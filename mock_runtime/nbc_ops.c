/*
 * nbc_ops.c - what Python's operators mean on Noodle values: arithmetic
 * (int64 with OverflowError, floor division and modulo signs, true
 * division, powers), comparisons and ordering, equality and hashing (1,
 * 1.0 and True are equal and hash alike), truth, containment, subscripts
 * and slices, iteration and unpacking.
 *
 * These are the interpreter's slow paths: it inlines int and float fast
 * paths and calls here for everything else, so every function handles
 * every type pair and words its TypeError as CPython 3.11 does.
 * Iterators are lazy (ranges, enumerate, zip, reversed of a list) except
 * reversed() of a str or dict, which materializes a list first.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nbc_internal.h"

const char *
nbc_type_name(nbc_value v)
{
	switch (v.t) {
	case NBC_T_NONE: return "NoneType";
	case NBC_T_BOOL: return "bool";
	case NBC_T_INT: return "int";
	case NBC_T_FLOAT: return "float";
	case NBC_T_STR: return "str";
	case NBC_T_LIST: return "list";
	case NBC_T_TUPLE: return "tuple";
	case NBC_T_DICT: return "dict";
	case NBC_T_RANGE: return "range";
	case NBC_T_ITER: return NBC_ITERP(v)->name;
	case NBC_T_DICTVIEW:
		switch (NBC_VIEW(v)->kind) {
		case NBC_IT_DICT_KEYS: return "dict_keys";
		case NBC_IT_DICT_VALUES: return "dict_values";
		default: return "dict_items";
		}
	default: return "object";
	}
}

int
nbc_index_arg(nbc_vm *vm, nbc_value v, int64_t *out)
{
	if (v.t == NBC_T_INT) {
		*out = v.u.i;
		return 0;
	}
	if (v.t == NBC_T_BOOL) {
		*out = v.u.b;
		return 0;
	}
	return nbc_raise(vm, NBC_EXC_TYPE_ERROR,
	    "'%s' object cannot be interpreted as an integer", nbc_type_name(v));
}

static inline int64_t
as_int(nbc_value v)
{
	return v.t == NBC_T_BOOL ? (int64_t)v.u.b : v.u.i;
}

static inline double
as_float(nbc_value v)
{
	return v.t == NBC_T_FLOAT ? v.u.f : (double)as_int(v);
}

int64_t
nbc_range_len(const nbc_range *r)
{
	__int128 n = 0;

	if (r->step > 0 && r->start < r->stop)
		n = ((__int128)r->stop - r->start - 1) / r->step + 1;
	else if (r->step < 0 && r->start > r->stop)
		n = ((__int128)r->start - r->stop - 1) / -(__int128)r->step + 1;
	return n > INT64_MAX ? INT64_MAX : (int64_t)n;
}

static int
int_overflow(nbc_vm *vm)
{
	return nbc_raise(vm, NBC_EXC_OVERFLOW_ERROR, "integer overflow");
}

int
nbc_key_error(nbc_vm *vm, nbc_value key)
{
	size_t len;
	char *r = nbc_repr(vm, key, &len);

	if (r == NULL)
		return -1;
	nbc_raise(vm, NBC_EXC_KEY_ERROR, "%s", r);
	free(r);
	return -1;
}

/* ---- truth, equality, hashing ------------------------------------------ */

bool
nbc_truthy(nbc_value v)
{
	switch (v.t) {
	case NBC_T_NONE: return false;
	case NBC_T_BOOL: return v.u.b;
	case NBC_T_INT: return v.u.i != 0;
	case NBC_T_FLOAT: return v.u.f != 0.0;
	case NBC_T_STR: return NBC_STR(v)->len > 0;
	case NBC_T_LIST: return NBC_LIST(v)->n > 0;
	case NBC_T_TUPLE: return NBC_TUPLE(v)->n > 0;
	case NBC_T_DICT: return NBC_DICT(v)->n > 0;
	case NBC_T_RANGE: return nbc_range_len(NBC_RANGE(v)) > 0;
	case NBC_T_DICTVIEW: return NBC_DICT(NBC_VIEW(v)->dict)->n > 0;
	default: return true;
	}
}

/* -1, 0, 1 as i <, ==, > f exactly; 2 when f is NaN. */
static int
cmp_int_float(int64_t i, double f)
{
	double fi;
	int64_t t;

	if (f != f)
		return 2;
	if (i > -(1LL << 53) && i < (1LL << 53)) {
		fi = (double)i;
		return fi < f ? -1 : fi > f;
	}
	if (f >= 9223372036854775808.0)
		return -1;
	if (f < -9223372036854775808.0)
		return 1;
	t = (int64_t)f;     /* truncates toward zero */
	if (i != t)
		return i < t ? -1 : 1;
	fi = f - trunc(f);
	return fi > 0 ? -1 : fi < 0;
}

static bool
same(nbc_value a, nbc_value b)
{
	if (a.t != b.t)
		return false;
	switch (a.t) {
	case NBC_T_NONE: return true;
	case NBC_T_BOOL: return a.u.b == b.u.b;
	case NBC_T_INT: return a.u.i == b.u.i;
	case NBC_T_FLOAT: return memcmp(&a.u.f, &b.u.f, sizeof(double)) == 0;
	default: return a.u.o == b.u.o;
	}
}

static bool equal_depth(nbc_value a, nbc_value b, int depth);

static bool
items_equal(const nbc_value *x, size_t nx, const nbc_value *y, size_t ny,
    int depth)
{
	size_t i;

	if (nx != ny)
		return false;
	for (i = 0; i < nx; i++)
		if (!same(x[i], y[i]) && !equal_depth(x[i], y[i], depth + 1))
			return false;
	return true;
}

static bool
equal_depth(nbc_value a, nbc_value b, int depth)
{
	if (NBC_IS_NUM(a) && NBC_IS_NUM(b)) {
		if (a.t == NBC_T_FLOAT && b.t == NBC_T_FLOAT)
			return a.u.f == b.u.f;
		if (a.t == NBC_T_FLOAT)
			return cmp_int_float(as_int(b), a.u.f) == 0;
		if (b.t == NBC_T_FLOAT)
			return cmp_int_float(as_int(a), b.u.f) == 0;
		return as_int(a) == as_int(b);
	}
	if (a.t != b.t)
		return false;
	if (NBC_IS_HEAP(a) && a.u.o == b.u.o)
		return true;
	if (depth > NBC_MAX_NEST)
		return false;
	switch (a.t) {
	case NBC_T_NONE:
		return true;
	case NBC_T_STR:
		return nbc_str_eq(NBC_STR(a), NBC_STR(b));
	case NBC_T_LIST:
		return items_equal(NBC_LIST(a)->items, NBC_LIST(a)->n,
		    NBC_LIST(b)->items, NBC_LIST(b)->n, depth);
	case NBC_T_TUPLE:
		return items_equal(NBC_TUPLE(a)->items, NBC_TUPLE(a)->n,
		    NBC_TUPLE(b)->items, NBC_TUPLE(b)->n, depth);
	case NBC_T_DICT: {
		nbc_dict *x = NBC_DICT(a), *y = NBC_DICT(b);
		nbc_dict_entry *e;
		int64_t pos = 0;

		if (x->n != y->n)
			return false;
		while ((e = nbc_dict_next(x, &pos)) != NULL) {
			int64_t p2 = 0;
			nbc_dict_entry *f;
			bool found = false;

			/* Keys are hashable, so the stored hashes decide. */
			while ((f = nbc_dict_next(y, &p2)) != NULL)
				if (f->hash == e->hash &&
				    equal_depth(f->key, e->key, depth + 1)) {
					found = same(f->value, e->value) ||
					    equal_depth(f->value, e->value,
					    depth + 1);
					break;
				}
			if (!found)
				return false;
		}
		return true;
	}
	case NBC_T_RANGE: {
		nbc_range *x = NBC_RANGE(a), *y = NBC_RANGE(b);
		int64_t n = nbc_range_len(x);

		if (n != nbc_range_len(y))
			return false;
		if (n == 0)
			return true;
		if (x->start != y->start)
			return false;
		return n == 1 || x->step == y->step;
	}
	default:
		return false;
	}
}

bool
nbc_equal(nbc_value a, nbc_value b)
{
	return equal_depth(a, b, 0);
}

static uint64_t
hash_int(int64_t i)
{
	return (uint64_t)i;
}

static int
hash_depth(nbc_vm *vm, nbc_value v, uint64_t *out, int depth)
{
	switch (v.t) {
	case NBC_T_NONE:
		*out = 0xFCA5F0A3D8E1B2C7ULL;
		return 0;
	case NBC_T_BOOL:
	case NBC_T_INT:
		*out = hash_int(as_int(v));
		return 0;
	case NBC_T_FLOAT: {
		double f = v.u.f;
		uint64_t bits;

		if (f == floor(f) && f >= -9223372036854775808.0 &&
		    f < 9223372036854775808.0) {
			*out = hash_int((int64_t)f);
			return 0;
		}
		memcpy(&bits, &f, sizeof(bits));
		*out = bits * 0x9E3779B97F4A7C15ULL;
		return 0;
	}
	case NBC_T_STR:
		*out = nbc_str_hash(NBC_STR(v));
		return 0;
	case NBC_T_TUPLE: {
		nbc_tuple *t = NBC_TUPLE(v);
		uint64_t acc = 0x27D4EB2F165667C5ULL, h;
		size_t i;

		if (t->hash != 0) {
			*out = t->hash;
			return 0;
		}
		if (depth > NBC_MAX_NEST)
			return nbc_raise(vm, NBC_EXC_RECURSION_ERROR,
			    "maximum recursion depth exceeded");
		for (i = 0; i < t->n; i++) {
			if (hash_depth(vm, t->items[i], &h, depth + 1) < 0)
				return -1;
			acc += h * 0xC2B2AE3D27D4EB4FULL;
			acc = (acc << 31) | (acc >> 33);
			acc *= 0x9E3779B185EBCA87ULL;
		}
		acc += t->n ^ 0x27D4EB2F165667C5ULL;
		if (acc == 0)
			acc = 1;
		if (!(t->h.flags & NBC_OF_FROZEN))
			t->hash = acc;
		*out = acc;
		return 0;
	}
	case NBC_T_RANGE: {
		nbc_range *r = NBC_RANGE(v);
		int64_t n = nbc_range_len(r);
		uint64_t h = (uint64_t)n * 0x9E3779B97F4A7C15ULL;

		if (n > 0)
			h ^= (uint64_t)r->start * 0xC2B2AE3D27D4EB4FULL;
		if (n > 1)
			h ^= (uint64_t)r->step * 0x165667B19E3779F9ULL;
		*out = h;
		return 0;
	}
	case NBC_T_ITER:
		*out = (uint64_t)(uintptr_t)v.u.o;
		return 0;
	default:
		return nbc_raise(vm, NBC_EXC_TYPE_ERROR, "unhashable type: '%s'",
		    nbc_type_name(v));
	}
}

int
nbc_hash(nbc_vm *vm, nbc_value v, uint64_t *out)
{
	return hash_depth(vm, v, out, 0);
}

/* ---- ordering ---------------------------------------------------------- */

static const char *
op_symbol(enum nbc_opcode op)
{
	switch (op) {
	case NBC_OP_ADD: return "+";
	case NBC_OP_SUB: return "-";
	case NBC_OP_MUL: return "*";
	case NBC_OP_DIV: return "/";
	case NBC_OP_FLOORDIV: return "//";
	case NBC_OP_MOD: return "%";
	case NBC_OP_POW: return "** or pow()";
	case NBC_OP_LT: return "<";
	case NBC_OP_LE: return "<=";
	case NBC_OP_GT: return ">";
	case NBC_OP_GE: return ">=";
	default: return "?";
	}
}

static bool
cmp_result(enum nbc_opcode op, int c)
{
	switch (op) {
	case NBC_OP_LT: return c < 0;
	case NBC_OP_LE: return c <= 0;
	case NBC_OP_GT: return c > 0;
	default: return c >= 0;
	}
}

static int
compare_depth(nbc_vm *vm, enum nbc_opcode op, nbc_value a, nbc_value b,
    bool *out, int depth)
{
	if (NBC_IS_NUM(a) && NBC_IS_NUM(b)) {
		int c;

		if (a.t == NBC_T_FLOAT && b.t == NBC_T_FLOAT) {
			double x = a.u.f, y = b.u.f;

			switch (op) {
			case NBC_OP_LT: *out = x < y; break;
			case NBC_OP_LE: *out = x <= y; break;
			case NBC_OP_GT: *out = x > y; break;
			default: *out = x >= y; break;
			}
			return 0;
		}
		if (a.t == NBC_T_FLOAT) {
			c = cmp_int_float(as_int(b), a.u.f);
			c = c == 2 ? 2 : -c;
		} else if (b.t == NBC_T_FLOAT) {
			c = cmp_int_float(as_int(a), b.u.f);
		} else {
			int64_t x = as_int(a), y = as_int(b);

			c = x < y ? -1 : x > y;
		}
		*out = c != 2 && cmp_result(op, c);
		return 0;
	}
	if (a.t == NBC_T_STR && b.t == NBC_T_STR) {
		*out = cmp_result(op, nbc_str_cmp(NBC_STR(a), NBC_STR(b)));
		return 0;
	}
	if (a.t == b.t && (a.t == NBC_T_LIST || a.t == NBC_T_TUPLE)) {
		const nbc_value *x, *y;
		size_t nx, ny, i;

		if (a.t == NBC_T_LIST) {
			x = NBC_LIST(a)->items; nx = NBC_LIST(a)->n;
			y = NBC_LIST(b)->items; ny = NBC_LIST(b)->n;
		} else {
			x = NBC_TUPLE(a)->items; nx = NBC_TUPLE(a)->n;
			y = NBC_TUPLE(b)->items; ny = NBC_TUPLE(b)->n;
		}
		if (depth > NBC_MAX_NEST)
			return nbc_raise(vm, NBC_EXC_RECURSION_ERROR,
			    "maximum recursion depth exceeded in comparison");
		for (i = 0; i < nx && i < ny; i++)
			if (!same(x[i], y[i]) && !equal_depth(x[i], y[i], 0))
				return compare_depth(vm, op, x[i], y[i], out,
				    depth + 1);
		*out = cmp_result(op, nx < ny ? -1 : nx > ny);
		return 0;
	}
	return nbc_raise(vm, NBC_EXC_TYPE_ERROR,
	    "'%s' not supported between instances of '%s' and '%s'",
	    op_symbol(op), nbc_type_name(a), nbc_type_name(b));
}

int
nbc_lt(nbc_vm *vm, nbc_value a, nbc_value b, bool *out)
{
	if (a.t == NBC_T_INT && b.t == NBC_T_INT) {
		*out = a.u.i < b.u.i;
		return 0;
	}
	return compare_depth(vm, NBC_OP_LT, a, b, out, 0);
}

/* Insertion sort of a[0..n): compares later < earlier, as timsort does. */
static int
insertion_sort(nbc_vm *vm, nbc_value *a, size_t n)
{
	size_t i, j;
	bool lt;

	for (i = 1; i < n; i++) {
		nbc_value x = a[i];

		for (j = i; j > 0; j--) {
			if (nbc_lt(vm, x, a[j - 1], &lt) < 0)
				return -1;
			if (!lt)
				break;
			a[j] = a[j - 1];
		}
		a[j] = x;
	}
	return 0;
}

/*
 * What timsort does with fewer than 64 items (CPython 3.11 listsort): the
 * run at the start (a strictly descending one is reversed), then binary
 * insertion of the rest.  Same comparisons in the same order, so a list
 * of unorderable items fails with the same message as in CPython.
 */
static int
small_sort(nbc_vm *vm, nbc_value *a, size_t n)
{
	size_t run = 2, start, l, r, p, k;
	bool lt, desc;

	if (n < 2)
		return 0;
	if (nbc_lt(vm, a[1], a[0], &desc) < 0)
		return -1;
	for (; run < n; run++) {
		if (nbc_lt(vm, a[run], a[run - 1], &lt) < 0)
			return -1;
		if (lt != desc)
			break;
	}
	if (desc)
		for (k = 0; k < run / 2; k++) {
			nbc_value t = a[k];

			a[k] = a[run - 1 - k];
			a[run - 1 - k] = t;
		}
	for (start = run; start < n; start++) {
		nbc_value pivot = a[start];

		l = 0;
		r = start;
		do {
			p = l + ((r - l) >> 1);
			if (nbc_lt(vm, pivot, a[p], &lt) < 0)
				return -1;
			if (lt)
				r = p;
			else
				l = p + 1;
		} while (l < r);
		for (k = start; k > l; k--)
			a[k] = a[k - 1];
		a[l] = pivot;
	}
	return 0;
}

int
nbc_sort_values(nbc_vm *vm, nbc_value *items, size_t n)
{
	const size_t run = 16;
	nbc_value *tmp, *src, *dst, *sw;
	size_t width, lo;
	ptrdiff_t bytes;
	int r = 0;

	if (nbc_gas(vm, n) < 0)
		return -1;
	if (n < 64)
		return small_sort(vm, items, n);
	for (lo = 0; lo < n; lo += run)
		if (insertion_sort(vm, items + lo, n - lo < run ? n - lo : run) < 0)
			return -1;
	if (n <= run)
		return 0;
	bytes = (ptrdiff_t)(n * sizeof(nbc_value));
	if (nbc_charge(vm, bytes) < 0)
		return -1;
	tmp = malloc((size_t)bytes);
	if (tmp == NULL) {
		nbc_charge(vm, -bytes);
		return nbc_raise_resource(vm, "memory");
	}
	src = items;
	dst = tmp;
	for (width = run; width < n; width *= 2) {
		for (lo = 0; lo < n; lo += 2 * width) {
			size_t mid = lo + width < n ? lo + width : n;
			size_t hi = lo + 2 * width < n ? lo + 2 * width : n;
			size_t p = lo, q = mid, k = lo;

			while (p < mid && q < hi) {
				bool lt;

				if (nbc_lt(vm, src[q], src[p], &lt) < 0) {
					r = -1;
					goto out;
				}
				dst[k++] = lt ? src[q++] : src[p++];
			}
			while (p < mid)
				dst[k++] = src[p++];
			while (q < hi)
				dst[k++] = src[q++];
		}
		sw = src;
		src = dst;
		dst = sw;
	}
out:
	/* src holds every item (sorted, or as the failed pass found them). */
	if (src != items)
		memcpy(items, src, n * sizeof(nbc_value));
	free(tmp);
	nbc_charge(vm, -bytes);
	return r;
}

/* ---- containers: length, containment ----------------------------------- */

int
nbc_len(nbc_vm *vm, nbc_value v, int64_t *out)
{
	switch (v.t) {
	case NBC_T_STR: *out = (int64_t)NBC_STR(v)->nchars; return 0;
	case NBC_T_LIST: *out = (int64_t)NBC_LIST(v)->n; return 0;
	case NBC_T_TUPLE: *out = (int64_t)NBC_TUPLE(v)->n; return 0;
	case NBC_T_DICT: *out = (int64_t)NBC_DICT(v)->n; return 0;
	case NBC_T_DICTVIEW:
		*out = (int64_t)NBC_DICT(NBC_VIEW(v)->dict)->n;
		return 0;
	case NBC_T_RANGE: *out = nbc_range_len(NBC_RANGE(v)); return 0;
	default:
		return nbc_raise(vm, NBC_EXC_TYPE_ERROR,
		    "object of type '%s' has no len()", nbc_type_name(v));
	}
}

static bool
scan(const nbc_value *items, size_t n, nbc_value x)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (same(items[i], x) || nbc_equal(items[i], x))
			return true;
	return false;
}

int
nbc_contains(nbc_vm *vm, nbc_value c, nbc_value x, bool *out)
{
	nbc_value v;
	int r;

	switch (c.t) {
	case NBC_T_STR:
		if (x.t != NBC_T_STR)
			return nbc_raise(vm, NBC_EXC_TYPE_ERROR,
			    "'in <string>' requires string as left operand, "
			    "not %s", nbc_type_name(x));
		*out = nbc_str_contains(NBC_STR(c), NBC_STR(x));
		return 0;
	case NBC_T_LIST:
		if (nbc_gas(vm, NBC_LIST(c)->n) < 0)
			return -1;
		*out = scan(NBC_LIST(c)->items, NBC_LIST(c)->n, x);
		return 0;
	case NBC_T_TUPLE:
		if (nbc_gas(vm, NBC_TUPLE(c)->n) < 0)
			return -1;
		*out = scan(NBC_TUPLE(c)->items, NBC_TUPLE(c)->n, x);
		return 0;
	case NBC_T_DICT:
		r = nbc_dict_get(vm, c, x, &v);
		*out = r == 1;
		return r < 0 ? -1 : 0;
	case NBC_T_RANGE: {
		nbc_range *rg = NBC_RANGE(c);
		int64_t i, n = nbc_range_len(rg);
		__int128 d;

		*out = false;
		if (x.t == NBC_T_FLOAT) {
			if (x.u.f != floor(x.u.f) || !(fabs(x.u.f) < 9.2e18))
				return 0;
			i = (int64_t)x.u.f;
		} else if (NBC_IS_INTLIKE(x)) {
			i = as_int(x);
		} else {
			return 0;
		}
		if (n == 0)
			return 0;
		d = (__int128)i - rg->start;
		if (d % rg->step != 0)
			return 0;
		d /= rg->step;
		*out = d >= 0 && d < n;
		return 0;
	}
	case NBC_T_DICTVIEW: {
		nbc_dictview *dv = NBC_VIEW(c);
		nbc_dict *d = NBC_DICT(dv->dict);
		nbc_dict_entry *e;
		int64_t pos = 0;

		if (dv->kind == NBC_IT_DICT_KEYS)
			return nbc_contains(vm, dv->dict, x, out);
		*out = false;
		if (dv->kind == NBC_IT_DICT_VALUES) {
			while ((e = nbc_dict_next(d, &pos)) != NULL)
				if (same(e->value, x) || nbc_equal(e->value, x)) {
					*out = true;
					break;
				}
			return 0;
		}
		if (x.t != NBC_T_TUPLE || NBC_TUPLE(x)->n != 2)
			return 0;
		r = nbc_dict_get(vm, dv->dict, NBC_TUPLE(x)->items[0], &v);
		if (r < 0)
			return -1;
		*out = r == 1 && (same(v, NBC_TUPLE(x)->items[1]) ||
		    nbc_equal(v, NBC_TUPLE(x)->items[1]));
		return 0;
	}
	case NBC_T_ITER:
		*out = false;
		while ((r = nbc_iter_next(vm, c, &v)) == 1) {
			if (nbc_gas(vm, 1) < 0)
				return -1;
			if (same(v, x) || nbc_equal(v, x)) {
				*out = true;
				return 0;
			}
		}
		return r;
	default:
		return nbc_raise(vm, NBC_EXC_TYPE_ERROR,
		    "argument of type '%s' is not iterable", nbc_type_name(c));
	}
}

/* ---- tuples ------------------------------------------------------------ */

/* A tuple of n items copied from items (all None when items is NULL). */
int
nbc_tuple_new(nbc_vm *vm, const nbc_value *items, size_t n, nbc_value *out)
{
	nbc_tuple *t;
	size_t i;

	if (n > ((size_t)1 << 40))
		return nbc_raise_resource(vm, "memory");
	t = nbc_alloc(vm, NBC_T_TUPLE, sizeof(*t) + n * sizeof(nbc_value));
	if (t == NULL)
		return -1;
	t->n = n;
	t->hash = 0;
	for (i = 0; i < n; i++)
		t->items[i] = items != NULL ? items[i] : nbc_none();
	*out = nbc_obj_value(NBC_T_TUPLE, &t->h);
	return 0;
}

int
nbc_build_tuple(nbc_vm *vm, const nbc_value *items, size_t n,
    nbc_value *out)
{
	return nbc_tuple_new(vm, items, n, out);
}

/* ---- arithmetic -------------------------------------------------------- */

static int
unsupported(nbc_vm *vm, enum nbc_opcode op, nbc_value a, nbc_value b)
{
	return nbc_raise(vm, NBC_EXC_TYPE_ERROR,
	    "unsupported operand type(s) for %s: '%s' and '%s'",
	    op_symbol(op), nbc_type_name(a), nbc_type_name(b));
}

static int
float_pow(nbc_vm *vm, double iv, double iw, nbc_value *out)
{
	double r;
	bool odd;

	if (iw == 0.0) {
		*out = nbc_float(1.0);
		return 0;
	}
	if (iv != iv) {
		*out = nbc_float(iv);
		return 0;
	}
	if (iw != iw) {
		*out = nbc_float(iv == 1.0 ? 1.0 : iw);
		return 0;
	}
	if (isinf(iw)) {
		iv = fabs(iv);
		if (iv == 1.0)
			*out = nbc_float(1.0);
		else if ((iw > 0.0) == (iv > 1.0))
			*out = nbc_float(fabs(iw));
		else
			*out = nbc_float(0.0);
		return 0;
	}
	odd = fmod(fabs(iw), 2.0) == 1.0;
	if (isinf(iv)) {
		if (iw > 0.0)
			*out = nbc_float(odd ? iv : fabs(iv));
		else
			*out = nbc_float(odd ? copysign(0.0, iv) : 0.0);
		return 0;
	}
	if (iv == 0.0) {
		if (iw < 0.0)
			return nbc_raise(vm, NBC_EXC_ZERO_DIVISION_ERROR,
			    "0.0 cannot be raised to a negative power");
		*out = nbc_float(odd ? iv : 0.0);
		return 0;
	}
	if (iv < 0.0 && iw != floor(iw))
		return nbc_raise(vm, NBC_EXC_VALUE_ERROR,
		    "negative number cannot be raised to a fractional power");
	if (iv == 1.0) {
		*out = nbc_float(1.0);
		return 0;
	}
	r = pow(iv, iw);
	if (isinf(r))
		return nbc_raise(vm, NBC_EXC_OVERFLOW_ERROR,
		    "(34, 'Numerical result out of range')");
	*out = nbc_float(r);
	return 0;
}

static int
int_arith(nbc_vm *vm, enum nbc_opcode op, int64_t x, int64_t y,
    nbc_value *out)
{
	int64_t r;

	switch (op) {
	case NBC_OP_ADD:
		if (__builtin_add_overflow(x, y, &r))
			return int_overflow(vm);
		break;
	case NBC_OP_SUB:
		if (__builtin_sub_overflow(x, y, &r))
			return int_overflow(vm);
		break;
	case NBC_OP_MUL:
		if (__builtin_mul_overflow(x, y, &r))
			return int_overflow(vm);
		break;
	case NBC_OP_DIV:
		if (y == 0)
			return nbc_raise(vm, NBC_EXC_ZERO_DIVISION_ERROR,
			    "division by zero");
		if (x > -(1LL << 53) && x < (1LL << 53) &&
		    y > -(1LL << 53) && y < (1LL << 53))
			*out = nbc_float((double)x / (double)y);
		else
			*out = nbc_float((double)((long double)x /
			    (long double)y));
		return 0;
	case NBC_OP_FLOORDIV:
		if (y == 0)
			return nbc_raise(vm, NBC_EXC_ZERO_DIVISION_ERROR,
			    "integer division or modulo by zero");
		if (x == INT64_MIN && y == -1)
			return int_overflow(vm);
		r = x / y;
		if ((x % y != 0) && ((x < 0) != (y < 0)))
			r--;
		break;
	case NBC_OP_MOD:
		if (y == 0)
			return nbc_raise(vm, NBC_EXC_ZERO_DIVISION_ERROR,
			    "integer modulo by zero");
		if (y == -1) {
			r = 0;
			break;
		}
		r = x % y;
		if (r != 0 && ((r < 0) != (y < 0)))
			r += y;
		break;
	case NBC_OP_POW: {
		int64_t base = x, e = y;

		if (e < 0)
			return float_pow(vm, (double)x, (double)y, out);
		r = 1;
		while (e > 0) {
			if ((e & 1) && __builtin_mul_overflow(r, base, &r))
				return int_overflow(vm);
			e >>= 1;
			if (e > 0 && __builtin_mul_overflow(base, base, &base))
				return int_overflow(vm);
		}
		break;
	}
	default:
		return -1;
	}
	*out = nbc_int(r);
	return 0;
}

static int
float_arith(nbc_vm *vm, enum nbc_opcode op, double x, double y,
    nbc_value *out)
{
	double mod, div, fl;

	switch (op) {
	case NBC_OP_ADD: *out = nbc_float(x + y); return 0;
	case NBC_OP_SUB: *out = nbc_float(x - y); return 0;
	case NBC_OP_MUL: *out = nbc_float(x * y); return 0;
	case NBC_OP_DIV:
		if (y == 0.0)
			return nbc_raise(vm, NBC_EXC_ZERO_DIVISION_ERROR,
			    "float division by zero");
		*out = nbc_float(x / y);
		return 0;
	case NBC_OP_FLOORDIV:
		if (y == 0.0)
			return nbc_raise(vm, NBC_EXC_ZERO_DIVISION_ERROR,
			    "float floor division by zero");
		mod = fmod(x, y);
		div = (x - mod) / y;
		if (mod != 0.0) {
			if ((y < 0) != (mod < 0))
				div -= 1.0;
		}
		if (div != 0.0) {
			fl = floor(div);
			if (div - fl > 0.5)
				fl += 1.0;
		} else {
			fl = copysign(0.0, x / y);
		}
		*out = nbc_float(fl);
		return 0;
	case NBC_OP_MOD:
		if (y == 0.0)
			return nbc_raise(vm, NBC_EXC_ZERO_DIVISION_ERROR,
			    "float modulo");
		mod = fmod(x, y);
		if (mod != 0.0) {
			if ((y < 0) != (mod < 0))
				mod += y;
		} else {
			mod = copysign(0.0, y);
		}
		*out = nbc_float(mod);
		return 0;
	case NBC_OP_POW:
		return float_pow(vm, x, y, out);
	default:
		return -1;
	}
}

static int
seq_repeat(nbc_vm *vm, nbc_value seq, int64_t n, nbc_value *out)
{
	const nbc_value *items;
	size_t len, total, i;
	nbc_list *l;

	if (seq.t == NBC_T_STR)
		return nbc_str_repeat(vm, seq, n, out);
	if (seq.t == NBC_T_LIST) {
		items = NBC_LIST(seq)->items;
		len = NBC_LIST(seq)->n;
	} else {
		items = NBC_TUPLE(seq)->items;
		len = NBC_TUPLE(seq)->n;
	}
	if (n < 0)
		n = 0;
	if (__builtin_mul_overflow(len, (uint64_t)n, &total) ||
	    total > ((size_t)1 << 40))
		return nbc_raise_resource(vm, "memory");
	if (seq.t == NBC_T_TUPLE) {
		nbc_tuple *t;

		if (n == 1) {
			*out = seq;
			return 0;
		}
		if (nbc_tuple_new(vm, NULL, total, out) < 0)
			return -1;
		t = NBC_TUPLE(*out);
		for (i = 0; i < total; i++)
			t->items[i] = items[i % len];
		return 0;
	}
	if (nbc_list_new(vm, total, out) < 0)
		return -1;
	l = NBC_LIST(*out);
	items = NBC_LIST(seq)->items;
	for (i = 0; i < total; i++)
		l->items[i] = items[i % len];
	l->n = total;
	return 0;
}

static int
seq_concat(nbc_vm *vm, nbc_value a, nbc_value b, nbc_value *out)
{
	if (a.t == NBC_T_STR)
		return nbc_str_concat(vm, a, b, out);
	if (a.t == NBC_T_LIST) {
		nbc_list *x = NBC_LIST(a), *y = NBC_LIST(b), *l;

		if (nbc_list_new(vm, x->n + y->n, out) < 0)
			return -1;
		l = NBC_LIST(*out);
		if (x->n)
			memcpy(l->items, x->items, x->n * sizeof(nbc_value));
		if (y->n)
			memcpy(l->items + x->n, y->items,
			    y->n * sizeof(nbc_value));
		l->n = x->n + y->n;
		return 0;
	} else {
		nbc_tuple *x = NBC_TUPLE(a), *y = NBC_TUPLE(b), *t;

		if (y->n == 0) {
			*out = a;
			return 0;
		}
		if (x->n == 0) {
			*out = b;
			return 0;
		}
		if (nbc_tuple_new(vm, NULL, x->n + y->n, out) < 0)
			return -1;
		t = NBC_TUPLE(*out);
		memcpy(t->items, x->items, x->n * sizeof(nbc_value));
		memcpy(t->items + x->n, y->items, y->n * sizeof(nbc_value));
		return 0;
	}
}

static bool
is_seq(nbc_value v)
{
	return v.t == NBC_T_STR || v.t == NBC_T_LIST || v.t == NBC_T_TUPLE;
}

/* nbc_binary but for str + str. */
static __attribute__((noinline)) int
binary_general(nbc_vm *vm, enum nbc_opcode op, nbc_value a, nbc_value b,
    nbc_value *out)
{
	bool r;
	int rc;

	switch (op) {
	case NBC_OP_ADD: case NBC_OP_SUB: case NBC_OP_MUL: case NBC_OP_DIV:
	case NBC_OP_FLOORDIV: case NBC_OP_MOD: case NBC_OP_POW:
		if (NBC_IS_NUM(a) && NBC_IS_NUM(b)) {
			if (a.t == NBC_T_FLOAT || b.t == NBC_T_FLOAT)
				return float_arith(vm, op, as_float(a),
				    as_float(b), out);
			return int_arith(vm, op, as_int(a), as_int(b), out);
		}
		if (op == NBC_OP_ADD && is_seq(a)) {
			if (b.t == a.t)
				return seq_concat(vm, a, b, out);
			return nbc_raise(vm, NBC_EXC_TYPE_ERROR,
			    "can only concatenate %s (not \"%s\") to %s",
			    nbc_type_name(a), nbc_type_name(b),
			    nbc_type_name(a));
		}
		if (op == NBC_OP_MUL && (is_seq(a) || is_seq(b))) {
			nbc_value seq = is_seq(a) ? a : b;
			nbc_value n = is_seq(a) ? b : a;

			if (NBC_IS_INTLIKE(n))
				return seq_repeat(vm, seq, as_int(n), out);
			return nbc_raise(vm, NBC_EXC_TYPE_ERROR,
			    "can't multiply sequence by non-int of type '%s'",
			    nbc_type_name(n));
		}
		if (op == NBC_OP_MOD && a.t == NBC_T_STR)
			return nbc_str_format(vm, a, b, out);
		return unsupported(vm, op, a, b);
	case NBC_OP_EQ:
		*out = nbc_bool(nbc_equal(a, b));
		return 0;
	case NBC_OP_NE:
		*out = nbc_bool(!nbc_equal(a, b));
		return 0;
	case NBC_OP_LT: case NBC_OP_LE: case NBC_OP_GT: case NBC_OP_GE:
		if (compare_depth(vm, op, a, b, &r, 0) < 0)
			return -1;
		*out = nbc_bool(r);
		return 0;
	case NBC_OP_IN:
	case NBC_OP_NOT_IN:
		rc = nbc_contains(vm, b, a, &r);
		if (rc < 0)
			return -1;
		*out = nbc_bool(op == NBC_OP_IN ? r : !r);
		return 0;
	case NBC_OP_IS:
		*out = nbc_bool(same(a, b));
		return 0;
	case NBC_OP_IS_NOT:
		*out = nbc_bool(!same(a, b));
		return 0;
	default:
		return nbc_raise(vm, NBC_EXC_RUNTIME_ERROR,
		    "bad binary operator %d", (int)op);
	}
}

int
nbc_binary(nbc_vm *vm, enum nbc_opcode op, nbc_value a, nbc_value b,
    nbc_value *out)
{
	if (op == NBC_OP_ADD && a.t == NBC_T_STR && b.t == NBC_T_STR)
		return nbc_str_concat(vm, a, b, out);
	return binary_general(vm, op, a, b, out);
}

int
nbc_unary(nbc_vm *vm, enum nbc_opcode op, nbc_value a, nbc_value *out)
{
	switch (op) {
	case NBC_OP_NOT:
		*out = nbc_bool(!nbc_truthy(a));
		return 0;
	case NBC_OP_NEG:
		if (a.t == NBC_T_FLOAT) {
			*out = nbc_float(-a.u.f);
			return 0;
		}
		if (NBC_IS_INTLIKE(a)) {
			if (as_int(a) == INT64_MIN)
				return int_overflow(vm);
			*out = nbc_int(-as_int(a));
			return 0;
		}
		return nbc_raise(vm, NBC_EXC_TYPE_ERROR,
		    "bad operand type for unary -: '%s'", nbc_type_name(a));
	case NBC_OP_POS:
		if (a.t == NBC_T_FLOAT) {
			*out = a;
			return 0;
		}
		if (NBC_IS_INTLIKE(a)) {
			*out = nbc_int(as_int(a));
			return 0;
		}
		return nbc_raise(vm, NBC_EXC_TYPE_ERROR,
		    "bad operand type for unary +: '%s'", nbc_type_name(a));
	default:
		return nbc_raise(vm, NBC_EXC_RUNTIME_ERROR,
		    "bad unary operator %d", (int)op);
	}
}

/* ---- subscripts and slices --------------------------------------------- */

int
nbc_subscr(nbc_vm *vm, nbc_value obj, nbc_value idx, nbc_value *out)
{
	int64_t i, n;

	switch (obj.t) {
	case NBC_T_LIST:
	case NBC_T_TUPLE:
		if (!NBC_IS_INTLIKE(idx))
			return nbc_raise(vm, NBC_EXC_TYPE_ERROR,
			    "%s indices must be integers or slices, not %s",
			    nbc_type_name(obj), nbc_type_name(idx));
		i = as_int(idx);
		n = obj.t == NBC_T_LIST ? (int64_t)NBC_LIST(obj)->n :
		    (int64_t)NBC_TUPLE(obj)->n;
		if (i < 0)
			i += n;
		if (i < 0 || i >= n)
			return nbc_raise(vm, NBC_EXC_INDEX_ERROR,
			    "%s index out of range", nbc_type_name(obj));
		*out = obj.t == NBC_T_LIST ? NBC_LIST(obj)->items[i] :
		    NBC_TUPLE(obj)->items[i];
		return 0;
	case NBC_T_STR:
		if (!NBC_IS_INTLIKE(idx))
			return nbc_raise(vm, NBC_EXC_TYPE_ERROR,
			    "string indices must be integers, not '%s'",
			    nbc_type_name(idx));
		return nbc_str_getitem(vm, obj, as_int(idx), out);
	case NBC_T_DICT: {
		int r = nbc_dict_get(vm, obj, idx, out);

		if (r < 0)
			return -1;
		return r == 0 ? nbc_key_error(vm, idx) : 0;
	}
	case NBC_T_RANGE: {
		nbc_range *rg = NBC_RANGE(obj);

		if (!NBC_IS_INTLIKE(idx))
			return nbc_raise(vm, NBC_EXC_TYPE_ERROR,
			    "range indices must be integers or slices, not %s",
			    nbc_type_name(idx));
		i = as_int(idx);
		n = nbc_range_len(rg);
		if (i < 0)
			i += n;
		if (i < 0 || i >= n)
			return nbc_raise(vm, NBC_EXC_INDEX_ERROR,
			    "range object index out of range");
		*out = nbc_int((int64_t)((__int128)rg->start +
		    (__int128)i * rg->step));
		return 0;
	}
	default:
		return nbc_raise(vm, NBC_EXC_TYPE_ERROR,
		    "'%s' object is not subscriptable", nbc_type_name(obj));
	}
}

int
nbc_store_subscr(nbc_vm *vm, nbc_value obj, nbc_value idx, nbc_value val)
{
	nbc_list *l;
	int64_t i;

	switch (obj.t) {
	case NBC_T_LIST:
		l = NBC_LIST(obj);
		if (!NBC_IS_INTLIKE(idx))
			return nbc_raise(vm, NBC_EXC_TYPE_ERROR,
			    "list indices must be integers or slices, not %s",
			    nbc_type_name(idx));
		i = as_int(idx);
		if (i < 0)
			i += (int64_t)l->n;
		if (i < 0 || i >= (int64_t)l->n)
			return nbc_raise(vm, NBC_EXC_INDEX_ERROR,
			    "list assignment index out of range");
		l->items[i] = val;
		return 0;
	case NBC_T_DICT:
		return nbc_dict_set(vm, obj, idx, val);
	default:
		return nbc_raise(vm, NBC_EXC_TYPE_ERROR,
		    "'%s' object does not support item assignment",
		    nbc_type_name(obj));
	}
}

static int
slice_arg(nbc_vm *vm, nbc_value v, bool *given, int64_t *out)
{
	*given = v.t != NBC_T_NONE;
	if (!*given)
		return 0;
	if (!NBC_IS_INTLIKE(v))
		return nbc_raise(vm, NBC_EXC_TYPE_ERROR, "slice indices must be "
		    "integers or None or have an __index__ method");
	*out = as_int(v);
	return 0;
}

/* PySlice_Unpack + PySlice_AdjustIndices: the count of selected items. */
static int
slice_indices(nbc_vm *vm, int64_t len, nbc_value vstart, nbc_value vstop,
    nbc_value vstep, int64_t *start, int64_t *stop, int64_t *step,
    int64_t *count)
{
	bool hs, he, hst;
	int64_t s = 0, e = 0, st = 1;

	if (slice_arg(vm, vstart, &hs, &s) < 0 ||
	    slice_arg(vm, vstop, &he, &e) < 0 ||
	    slice_arg(vm, vstep, &hst, &st) < 0)
		return -1;
	if (hst && st == 0)
		return nbc_raise(vm, NBC_EXC_VALUE_ERROR,
		    "slice step cannot be zero");
	if (!hst)
		st = 1;
	if (st < -INT64_MAX)
		st = -INT64_MAX;
	if (!hs)
		s = st < 0 ? INT64_MAX : 0;
	if (!he)
		e = st < 0 ? INT64_MIN : INT64_MAX;
	if (s < 0) {
		s += len;
		if (s < 0)
			s = st < 0 ? -1 : 0;
	} else if (s >= len) {
		s = st < 0 ? len - 1 : len;
	}
	if (e < 0) {
		e = e < INT64_MIN + len ? -1 : e + len;
		if (e < 0)
			e = st < 0 ? -1 : 0;
	} else if (e >= len) {
		e = st < 0 ? len - 1 : len;
	}
	*count = 0;
	if (st < 0) {
		if (e < s)
			*count = (s - e - 1) / -st + 1;
	} else if (s < e) {
		*count = (e - s - 1) / st + 1;
	}
	*start = s;
	*stop = e;
	*step = st;
	return 0;
}

int
nbc_slice(nbc_vm *vm, nbc_value obj, nbc_value vstart, nbc_value vstop,
    nbc_value vstep, nbc_value *out)
{
	int64_t len, start = 0, stop = 0, step = 1, count = 0, k;

	switch (obj.t) {
	case NBC_T_LIST: case NBC_T_TUPLE: case NBC_T_STR: case NBC_T_RANGE:
		break;
	case NBC_T_DICT:
		return nbc_raise(vm, NBC_EXC_TYPE_ERROR,
		    "unhashable type: 'slice'");
	default:
		return nbc_raise(vm, NBC_EXC_TYPE_ERROR,
		    "'%s' object is not subscriptable", nbc_type_name(obj));
	}
	if (nbc_len(vm, obj, &len) < 0 ||
	    slice_indices(vm, len, vstart, vstop, vstep, &start, &stop, &step,
	    &count) < 0)
		return -1;
	switch (obj.t) {
	case NBC_T_STR:
		return nbc_str_slice(vm, obj, start, step, count, out);
	case NBC_T_LIST: {
		nbc_list *src = NBC_LIST(obj), *l;

		if (nbc_list_new(vm, (size_t)count, out) < 0)
			return -1;
		l = NBC_LIST(*out);
		for (k = 0; k < count; k++)
			l->items[k] = src->items[start + k * step];
		l->n = (size_t)count;
		return 0;
	}
	case NBC_T_TUPLE: {
		nbc_tuple *src = NBC_TUPLE(obj), *t;

		if (step == 1 && count == len) {
			*out = obj;
			return 0;
		}
		if (nbc_tuple_new(vm, NULL, (size_t)count, out) < 0)
			return -1;
		t = NBC_TUPLE(*out);
		for (k = 0; k < count; k++)
			t->items[k] = src->items[start + k * step];
		return 0;
	}
	default: {
		nbc_range *rg = NBC_RANGE(obj), *r;
		__int128 ns = (__int128)rg->start + (__int128)start * rg->step;
		/* the step as given: slice_indices clamps -2**63 */
		__int128 nst = (__int128)rg->step *
		    (vstep.t == NBC_T_NONE ? 1 : as_int(vstep));
		__int128 ne = (__int128)rg->start + (__int128)stop * rg->step;

		if (ns > INT64_MAX || ns < INT64_MIN || nst > INT64_MAX ||
		    nst < INT64_MIN || ne > INT64_MAX || ne < INT64_MIN)
			return int_overflow(vm);
		r = nbc_alloc(vm, NBC_T_RANGE, sizeof(*r));
		if (r == NULL)
			return -1;
		r->start = (int64_t)ns;
		r->stop = (int64_t)ne;
		r->step = (int64_t)nst;
		*out = nbc_obj_value(NBC_T_RANGE, &r->h);
		return 0;
	}
	}
}

/* ---- iteration --------------------------------------------------------- */

static int
new_iter(nbc_vm *vm, uint32_t kind, const char *name, nbc_value src,
    nbc_value *out)
{
	nbc_iterobj *it = nbc_alloc(vm, NBC_T_ITER, sizeof(*it));

	if (it == NULL)
		return -1;
	it->kind = kind;
	it->name = name;
	it->src = src;
	it->pos = 0;
	it->stop = 0;
	it->step = 0;
	*out = nbc_obj_value(NBC_T_ITER, &it->h);
	return 0;
}

int
nbc_iter(nbc_vm *vm, nbc_value v, nbc_value *out)
{
	nbc_iterobj *it;

	switch (v.t) {
	case NBC_T_LIST:
		return new_iter(vm, NBC_IT_SEQ, "list_iterator", v, out);
	case NBC_T_TUPLE:
		return new_iter(vm, NBC_IT_SEQ, "tuple_iterator", v, out);
	case NBC_T_STR:
		return new_iter(vm, NBC_IT_STR, nbc_str_ascii(NBC_STR(v)) ?
		    "str_ascii_iterator" : "str_iterator", v, out);
	case NBC_T_RANGE:
		if (new_iter(vm, NBC_IT_RANGE, "range_iterator", v, out) < 0)
			return -1;
		it = NBC_ITERP(*out);
		it->pos = NBC_RANGE(v)->start;
		it->stop = NBC_RANGE(v)->stop;
		it->step = NBC_RANGE(v)->step;
		return 0;
	case NBC_T_DICT:
		if (new_iter(vm, NBC_IT_DICT_KEYS, "dict_keyiterator", v,
		    out) < 0)
			return -1;
		NBC_ITERP(*out)->stop = (int64_t)NBC_DICT(v)->n;
		return 0;
	case NBC_T_DICTVIEW: {
		nbc_dictview *dv = NBC_VIEW(v);
		const char *name = dv->kind == NBC_IT_DICT_KEYS ?
		    "dict_keyiterator" : dv->kind == NBC_IT_DICT_VALUES ?
		    "dict_valueiterator" : "dict_itemiterator";

		if (new_iter(vm, dv->kind, name, dv->dict, out) < 0)
			return -1;
		NBC_ITERP(*out)->stop = (int64_t)NBC_DICT(dv->dict)->n;
		return 0;
	}
	case NBC_T_ITER:
		*out = v;
		return 0;
	default:
		return nbc_raise(vm, NBC_EXC_TYPE_ERROR,
		    "'%s' object is not iterable", nbc_type_name(v));
	}
}

int
nbc_iter_next(nbc_vm *vm, nbc_value itv, nbc_value *out)
{
	nbc_iterobj *it = NBC_ITERP(itv);
	nbc_value src = it->src;

	switch (it->kind) {
	case NBC_IT_SEQ:
	case NBC_IT_LIST:
	case NBC_IT_REVERSED: {
		/* a list may shrink while it is iterated: check pos each time */
		const nbc_value *items;
		size_t n;

		if (src.t == NBC_T_LIST) {
			items = NBC_LIST(src)->items;
			n = NBC_LIST(src)->n;
		} else {
			items = NBC_TUPLE(src)->items;
			n = NBC_TUPLE(src)->n;
		}
		if (it->pos < 0 || (size_t)it->pos >= n) {
			it->pos = -1;
			return 0;
		}
		*out = items[it->kind == NBC_IT_REVERSED ? it->pos-- : it->pos++];
		return 1;
	}
	case NBC_IT_STR: {
		nbc_str *s = NBC_STR(src);
		uint32_t cp;

		if ((size_t)it->pos >= s->len)
			return 0;
		if (nbc_str_char_at(vm, s, (size_t)it->pos, out) < 0)
			return -1;
		it->pos += (int64_t)nbc_utf8_decode(s->data + it->pos, &cp);
		return 1;
	}
	case NBC_IT_RANGE:
		if (it->step > 0 ? it->pos >= it->stop : it->pos <= it->stop)
			return 0;
		*out = nbc_int(it->pos);
		if (__builtin_add_overflow(it->pos, it->step, &it->pos))
			it->pos = it->stop;
		return 1;
	case NBC_IT_DICT_KEYS:
	case NBC_IT_DICT_VALUES:
	case NBC_IT_DICT_ITEMS: {
		nbc_dict *d = NBC_DICT(src);
		nbc_dict_entry *e;

		if (it->pos < 0)
			return 0;
		if ((int64_t)d->n != it->stop) {
			it->pos = -1;
			return nbc_raise(vm, NBC_EXC_RUNTIME_ERROR,
			    "dictionary changed size during iteration");
		}
		e = nbc_dict_next(d, &it->pos);
		if (e == NULL) {
			it->pos = -1;
			return 0;
		}
		if (it->kind == NBC_IT_DICT_KEYS) {
			*out = e->key;
		} else if (it->kind == NBC_IT_DICT_VALUES) {
			*out = e->value;
		} else {
			nbc_value kv[2] = { e->key, e->value };

			if (nbc_tuple_new(vm, kv, 2, out) < 0)
				return -1;
		}
		return 1;
	}
	case NBC_IT_ENUMERATE: {
		nbc_value pair[2];
		int r = nbc_iter_next(vm, src, &pair[1]);

		if (r <= 0)
			return r;
		pair[0] = nbc_int(it->pos);
		if (__builtin_add_overflow(it->pos, 1, &it->pos))
			return int_overflow(vm);
		if (nbc_tuple_new(vm, pair, 2, out) < 0)
			return -1;
		return 1;
	}
	case NBC_IT_ZIP: {
		nbc_tuple *its = NBC_TUPLE(src), *t;
		size_t i;
		int r;

		if (its->n == 0 || it->pos < 0)
			return 0;
		if (nbc_tuple_new(vm, NULL, its->n, out) < 0)
			return -1;
		t = NBC_TUPLE(*out);
		for (i = 0; i < its->n; i++) {
			r = nbc_iter_next(vm, its->items[i], &t->items[i]);
			if (r <= 0) {
				if (r == 0)
					it->pos = -1;
				return r;
			}
		}
		return 1;
	}
	default:
		return nbc_raise(vm, NBC_EXC_RUNTIME_ERROR, "bad iterator");
	}
}

/* Iterators for enumerate(), zip() and reversed() (nbc_builtins.c). */
int
nbc_make_enumerate(nbc_vm *vm, nbc_value v, int64_t start, nbc_value *out)
{
	nbc_value inner;

	if (nbc_iter(vm, v, &inner) < 0 ||
	    new_iter(vm, NBC_IT_ENUMERATE, "enumerate", inner, out) < 0)
		return -1;
	NBC_ITERP(*out)->pos = start;
	return 0;
}

int
nbc_make_zip(nbc_vm *vm, const nbc_value *args, size_t n, nbc_value *out)
{
	nbc_value its;
	size_t i;

	if (nbc_tuple_new(vm, NULL, n, &its) < 0)
		return -1;
	for (i = 0; i < n; i++)
		if (nbc_iter(vm, args[i], &NBC_TUPLE(its)->items[i]) < 0)
			return -1;
	return new_iter(vm, NBC_IT_ZIP, "zip", its, out);
}

int
nbc_make_reversed(nbc_vm *vm, nbc_value v, nbc_value *out)
{
	nbc_value list;
	nbc_list *l;
	size_t i;

	switch (v.t) {
	case NBC_T_LIST:
	case NBC_T_TUPLE:
		if (new_iter(vm, NBC_IT_REVERSED, v.t == NBC_T_LIST ?
		    "list_reverseiterator" : "reversed", v, out) < 0)
			return -1;
		NBC_ITERP(*out)->pos = (v.t == NBC_T_LIST ?
		    (int64_t)NBC_LIST(v)->n : (int64_t)NBC_TUPLE(v)->n) - 1;
		return 0;
	case NBC_T_RANGE: {
		nbc_range *r = NBC_RANGE(v);
		int64_t n = nbc_range_len(r);
		__int128 last = (__int128)r->start + (__int128)(n - 1) * r->step;
		__int128 stop = (__int128)r->start - r->step;

		if (new_iter(vm, NBC_IT_RANGE, "range_iterator", v, out) < 0)
			return -1;
		if (n == 0) {
			NBC_ITERP(*out)->pos = 0;
			NBC_ITERP(*out)->stop = 0;
			NBC_ITERP(*out)->step = 1;
			return 0;
		}
		if (stop > INT64_MAX || stop < INT64_MIN ||
		    r->step == INT64_MIN)
			break;      /* no room for the end marker: materialize */
		NBC_ITERP(*out)->pos = (int64_t)last;
		NBC_ITERP(*out)->stop = (int64_t)stop;
		NBC_ITERP(*out)->step = -r->step;
		return 0;
	}
	case NBC_T_STR:
	case NBC_T_DICT:
	case NBC_T_DICTVIEW:
		break;
	default:
		return nbc_raise(vm, NBC_EXC_TYPE_ERROR,
		    "'%s' object is not reversible", nbc_type_name(v));
	}
	if (nbc_to_list(vm, v, &list) < 0)
		return -1;
	l = NBC_LIST(list);
	for (i = 0; i < l->n / 2; i++) {
		nbc_value t = l->items[i];

		l->items[i] = l->items[l->n - 1 - i];
		l->items[l->n - 1 - i] = t;
	}
	return new_iter(vm, NBC_IT_LIST, v.t == NBC_T_STR ? "reversed" :
	    v.t == NBC_T_RANGE ? "range_iterator" : "dict_reversekeyiterator",
	    list, out);
}

int
nbc_to_list(nbc_vm *vm, nbc_value v, nbc_value *out)
{
	nbc_value it, item;
	nbc_list *l;
	int64_t n, i;
	int r;

	switch (v.t) {
	case NBC_T_LIST:
	case NBC_T_TUPLE: {
		const nbc_value *items = v.t == NBC_T_LIST ?
		    NBC_LIST(v)->items : NBC_TUPLE(v)->items;

		n = v.t == NBC_T_LIST ? (int64_t)NBC_LIST(v)->n :
		    (int64_t)NBC_TUPLE(v)->n;
		if (nbc_list_new(vm, (size_t)n, out) < 0)
			return -1;
		l = NBC_LIST(*out);
		if (n > 0)
			memcpy(l->items, items, (size_t)n * sizeof(nbc_value));
		l->n = (size_t)n;
		return 0;
	}
	case NBC_T_RANGE: {
		nbc_range *rg = NBC_RANGE(v);

		n = nbc_range_len(rg);
		if ((uint64_t)n > ((uint64_t)1 << 40))
			return nbc_raise_resource(vm, "memory");
		if (nbc_list_new(vm, (size_t)n, out) < 0)
			return -1;
		l = NBC_LIST(*out);
		for (i = 0; i < n; i++)
			l->items[i] = nbc_int(rg->start + i * rg->step);
		l->n = (size_t)n;
		return 0;
	}
	default:
		break;
	}
	if (nbc_iter(vm, v, &it) < 0)
		return -1;
	n = 0;
	if (v.t == NBC_T_STR)
		n = (int64_t)NBC_STR(v)->nchars;
	else if (v.t == NBC_T_DICT)
		n = (int64_t)NBC_DICT(v)->n;
	else if (v.t == NBC_T_DICTVIEW)
		n = (int64_t)NBC_DICT(NBC_VIEW(v)->dict)->n;
	if (nbc_list_new(vm, (size_t)n, out) < 0)
		return -1;
	while ((r = nbc_iter_next(vm, it, &item)) == 1)
		if (nbc_gas(vm, 1) < 0 || nbc_list_append(vm, *out, item) < 0)
			return -1;
	return r;
}

int
nbc_unpack(nbc_vm *vm, nbc_value v, size_t n, nbc_value *dst)
{
	const nbc_value *items;
	size_t have, i;
	nbc_value it, item;
	int r;

	if (v.t == NBC_T_LIST || v.t == NBC_T_TUPLE) {
		items = v.t == NBC_T_LIST ? NBC_LIST(v)->items :
		    NBC_TUPLE(v)->items;
		have = v.t == NBC_T_LIST ? NBC_LIST(v)->n : NBC_TUPLE(v)->n;
		if (have > n)
			return nbc_raise(vm, NBC_EXC_VALUE_ERROR,
			    "too many values to unpack (expected %zu)", n);
		if (have < n)
			return nbc_raise(vm, NBC_EXC_VALUE_ERROR,
			    "not enough values to unpack (expected %zu, got %zu)",
			    n, have);
		for (i = 0; i < n; i++)
			dst[i] = items[i];
		return 0;
	}
	if (v.t != NBC_T_STR && v.t != NBC_T_DICT && v.t != NBC_T_RANGE &&
	    v.t != NBC_T_ITER && v.t != NBC_T_DICTVIEW)
		return nbc_raise(vm, NBC_EXC_TYPE_ERROR,
		    "cannot unpack non-iterable %s object", nbc_type_name(v));
	if (nbc_iter(vm, v, &it) < 0)
		return -1;
	for (i = 0; i < n; i++) {
		r = nbc_iter_next(vm, it, &dst[i]);
		if (r < 0)
			return -1;
		if (r == 0)
			return nbc_raise(vm, NBC_EXC_VALUE_ERROR,
			    "not enough values to unpack (expected %zu, got %zu)",
			    n, i);
	}
	r = nbc_iter_next(vm, it, &item);
	if (r < 0)
		return -1;
	if (r == 1)
		return nbc_raise(vm, NBC_EXC_VALUE_ERROR,
		    "too many values to unpack (expected %zu)", n);
	return 0;
}
