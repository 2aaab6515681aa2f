/*
 * nbc_builtins.c - CALL_BUILTIN: every function of NBC_BUILTINS
 * (nbc_names.h), with CPython 3.11's results and error messages.
 *
 * nbc_call_builtin checks the argument count against the table and the
 * capability column against what the host granted (RuntimeError
 * "capability 'time' not granted"), then runs the builtin.  Conversions
 * (int(), float(), round()) parse and round as CPython does but stay in
 * int64: a result outside it raises OverflowError "integer overflow".
 *
 * The capability functions: time.* read clock_gettime; random.* draw from
 * the call's xoshiro256** state (nbc_value.c); fs.read/fs.write touch
 * only plain files directly inside host->data_dir (a name that is empty,
 * has a '/' or a NUL, or is '.' or '..' raises ValueError; symlinks are
 * not followed; a missing file raises RuntimeError).
 */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "nbc_internal.h"

static const struct {
	const char *name;
	int min, max;
	uint32_t caps;
} builtin_info[NBC_BI__COUNT] = {
#define NBC_X_INFO(id, name, mn, mx, caps) { name, mn, mx, caps },
	NBC_BUILTINS(NBC_X_INFO)
#undef NBC_X_INFO
};

static int
overflow(nbc_vm *vm)
{
	return nbc_raise(vm, NBC_EXC_OVERFLOW_ERROR, "integer overflow");
}

/* A float to int64 as int() truncates it. */
static int
float_to_int(nbc_vm *vm, double d, nbc_value *out)
{
	if (d != d)
		return nbc_raise(vm, NBC_EXC_VALUE_ERROR,
		    "cannot convert float NaN to integer");
	if (isinf(d))
		return nbc_raise(vm, NBC_EXC_OVERFLOW_ERROR,
		    "cannot convert float infinity to integer");
	if (d >= 9223372036854775808.0 || d < -9223372036854775808.0)
		return overflow(vm);
	*out = nbc_int((int64_t)d);
	return 0;
}

static int
real_arg(nbc_vm *vm, nbc_value v, double *out)
{
	if (v.t == NBC_T_FLOAT)
		*out = v.u.f;
	else if (v.t == NBC_T_INT)
		*out = (double)v.u.i;
	else if (v.t == NBC_T_BOOL)
		*out = v.u.b;
	else
		return nbc_raise(vm, NBC_EXC_TYPE_ERROR,
		    "must be real number, not %s", nbc_type_name(v));
	return 0;
}

/*
 * The text of a number as int() and float() read it: Unicode whitespace
 * becomes ' ' and Unicode decimal digits become ASCII ones; any other
 * non-ASCII character becomes '?', which no number accepts.  malloc'd.
 */
static char *
number_text(nbc_vm *vm, const nbc_str *s, size_t *len)
{
	char *t = malloc(s->len + 1);
	size_t i = 0, n = 0;

	if (t == NULL) {
		nbc_raise_resource(vm, "memory");
		return NULL;
	}
	while (i < s->len) {
		uint32_t cp;
		int d;

		i += nbc_utf8_decode(s->data + i, &cp);
		d = nbc_cp_decimal(cp);
		if (nbc_cp_space(cp))
			t[n++] = ' ';
		else if (d >= 0)
			t[n++] = (char)('0' + d);
		else
			t[n++] = cp < 0x80 ? (char)cp : '?';
	}
	t[n] = '\0';
	*len = n;
	return t;
}

static int
repr_error(nbc_vm *vm, enum nbc_exc exc, const char *prefix, nbc_value v)
{
	size_t len;
	char *r = nbc_repr(vm, v, &len);

	if (r == NULL)
		return -1;
	nbc_raise(vm, exc, "%s%s", prefix, r);
	free(r);
	return -1;
}

static int
digit_value(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'Z')
		return c - 'A' + 10;
	return 99;
}

/* int(s, base) for a str s. */
static int
parse_int(nbc_vm *vm, nbc_value sv, int64_t base, nbc_value *out)
{
	const char *p, *end;
	bool neg = false, ovf = false, any = false, under_ok = false;
	uint64_t acc = 0, lim;
	int64_t base0 = base;
	char msg[64], *text;
	size_t tlen;

	text = number_text(vm, NBC_STR(sv), &tlen);
	if (text == NULL)
		return -1;
	p = text;
	end = text + tlen;
	while (p < end && *p == ' ')
		p++;
	while (end > p && end[-1] == ' ')
		end--;
	if (p < end && (*p == '+' || *p == '-'))
		neg = *p++ == '-';
	if (end - p >= 2 && p[0] == '0') {
		char c = (char)(p[1] | 0x20);

		if ((c == 'x' && (base == 16 || base == 0)) ||
		    (c == 'o' && (base == 8 || base == 0)) ||
		    (c == 'b' && (base == 2 || base == 0))) {
			base = c == 'x' ? 16 : c == 'o' ? 8 : 2;
			p += 2;
			under_ok = true;
		}
	}
	if (base == 0) {
		const char *q;

		base = 10;
		/* a decimal literal with a leading zero must be all zeros */
		if (p < end && *p == '0')
			for (q = p; q < end; q++)
				if (*q != '0' && *q != '_')
					goto bad;
	}
	lim = neg ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX;
	for (; p < end; p++) {
		int d;

		if (*p == '_') {
			if (!under_ok || p + 1 >= end || p[1] == '_')
				goto bad;
			continue;
		}
		d = digit_value(*p);
		if (d >= base)
			goto bad;
		any = true;
		under_ok = true;
		if (acc > (lim - (uint64_t)d) / (uint64_t)base)
			ovf = true;
		else
			acc = acc * (uint64_t)base + (uint64_t)d;
	}
	if (!any)
		goto bad;
	free(text);
	if (ovf)
		return overflow(vm);
	*out = nbc_int(neg ? (int64_t)(0 - acc) : (int64_t)acc);
	return 0;
bad:
	free(text);
	snprintf(msg, sizeof(msg), "invalid literal for int() with base %d: ",
	    (int)base0);
	return repr_error(vm, NBC_EXC_VALUE_ERROR, msg, sv);
}

/* float(s) for a str s: Python's grammar, not strtod's (no hex). */
static int
parse_float(nbc_vm *vm, nbc_value sv, nbc_value *out)
{
	const char *p, *end, *q;
	char buf[400], *text;
	size_t n = 0, tlen;
	bool digits = false;

	text = number_text(vm, NBC_STR(sv), &tlen);
	if (text == NULL)
		return -1;
	p = text;
	end = text + tlen;

	while (p < end && *p == ' ')
		p++;
	while (end > p && end[-1] == ' ')
		end--;
	q = p;
	if (q < end && (*q == '+' || *q == '-'))
		buf[n++] = *q++;
	{
		size_t rest = (size_t)(end - q);

		if ((rest == 3 && strncasecmp(q, "inf", 3) == 0) ||
		    (rest == 8 && strncasecmp(q, "infinity", 8) == 0)) {
			*out = nbc_float(n && buf[0] == '-' ? -INFINITY : INFINITY);
			free(text);
			return 0;
		}
		if (rest == 3 && strncasecmp(q, "nan", 3) == 0) {
			*out = nbc_float(n && buf[0] == '-' ? -NAN : NAN);
			free(text);
			return 0;
		}
	}
#define DIGITS() \
	do { \
		bool prev_digit = false; \
		while (q < end && ((*q >= '0' && *q <= '9') || *q == '_')) { \
			if (*q == '_') { \
				if (!prev_digit || q + 1 >= end || \
				    q[1] < '0' || q[1] > '9') \
					goto bad; \
				prev_digit = false; \
				q++; \
				continue; \
			} \
			if (n + 1 >= sizeof(buf)) \
				goto bad; \
			buf[n++] = *q++; \
			prev_digit = true; \
			digits = true; \
		} \
	} while (0)
	DIGITS();
	if (q < end && *q == '.') {
		buf[n++] = *q++;
		DIGITS();
	}
	if (!digits)
		goto bad;
	if (q < end && (*q == 'e' || *q == 'E')) {
		buf[n++] = *q++;
		if (q < end && (*q == '+' || *q == '-'))
			buf[n++] = *q++;
		digits = false;
		DIGITS();
		if (!digits)
			goto bad;
	}
#undef DIGITS
	if (q != end)
		goto bad;
	buf[n] = '\0';
	free(text);
	*out = nbc_float(strtod(buf, NULL));
	return 0;
bad:
	free(text);
	return repr_error(vm, NBC_EXC_VALUE_ERROR,
	    "could not convert string to float: ", sv);
}

static int
bi_int(nbc_vm *vm, const nbc_value *args, size_t n, nbc_value *out)
{
	int64_t base = 10;

	if (n == 0) {
		*out = nbc_int(0);
		return 0;
	}
	if (n == 2) {
		if (nbc_index_arg(vm, args[1], &base) < 0)
			return -1;
		if (base != 0 && (base < 2 || base > 36))
			return nbc_raise(vm, NBC_EXC_VALUE_ERROR,
			    "int() base must be >= 2 and <= 36, or 0");
		if (args[0].t != NBC_T_STR)
			return nbc_raise(vm, NBC_EXC_TYPE_ERROR,
			    "int() can't convert non-string with explicit base");
		return parse_int(vm, args[0], base, out);
	}
	switch (args[0].t) {
	case NBC_T_INT:
		*out = args[0];
		return 0;
	case NBC_T_BOOL:
		*out = nbc_int(args[0].u.b);
		return 0;
	case NBC_T_FLOAT:
		return float_to_int(vm, args[0].u.f, out);
	case NBC_T_STR:
		return parse_int(vm, args[0], 10, out);
	default:
		return nbc_raise(vm, NBC_EXC_TYPE_ERROR,
		    "int() argument must be a string, a bytes-like object or a "
		    "real number, not '%s'", nbc_type_name(args[0]));
	}
}

static int
bi_float(nbc_vm *vm, const nbc_value *args, size_t n, nbc_value *out)
{
	if (n == 0) {
		*out = nbc_float(0.0);
		return 0;
	}
	switch (args[0].t) {
	case NBC_T_FLOAT:
		*out = args[0];
		return 0;
	case NBC_T_INT:
		*out = nbc_float((double)args[0].u.i);
		return 0;
	case NBC_T_BOOL:
		*out = nbc_float(args[0].u.b);
		return 0;
	case NBC_T_STR:
		return parse_float(vm, args[0], out);
	default:
		return nbc_raise(vm, NBC_EXC_TYPE_ERROR,
		    "float() argument must be a string or a real number, not "
		    "'%s'", nbc_type_name(args[0]));
	}
}

static int
bi_range(nbc_vm *vm, const nbc_value *args, size_t n, nbc_value *out)
{
	int64_t v[3] = { 0, 0, 1 };
	nbc_range *r;
	size_t i;

	for (i = 0; i < n; i++)
		if (nbc_index_arg(vm, args[i], &v[i]) < 0)
			return -1;
	if (n == 1) {
		v[1] = v[0];
		v[0] = 0;
	}
	if (v[2] == 0)
		return nbc_raise(vm, NBC_EXC_VALUE_ERROR,
		    "range() arg 3 must not be zero");
	r = nbc_alloc(vm, NBC_T_RANGE, sizeof(*r));
	if (r == NULL)
		return -1;
	r->start = v[0];
	r->stop = v[1];
	r->step = v[2];
	*out = nbc_obj_value(NBC_T_RANGE, &r->h);
	return 0;
}

/* min() / max(): one iterable or several arguments. */
static int
bi_minmax(nbc_vm *vm, bool is_max, const nbc_value *args, size_t n,
    nbc_value *out)
{
	const char *name = is_max ? "max" : "min";
	enum nbc_opcode op = is_max ? NBC_OP_GT : NBC_OP_LT;
	nbc_value it, item, best, res;
	bool have = false;
	size_t i;
	int r;

	if (n > 1) {
		best = args[0];
		for (i = 1; i < n; i++) {
			if (nbc_binary(vm, op, args[i], best, &res) < 0)
				return -1;
			if (res.u.b)
				best = args[i];
		}
		*out = best;
		return 0;
	}
	if (nbc_iter(vm, args[0], &it) < 0)
		return -1;
	while ((r = nbc_iter_next(vm, it, &item)) == 1) {
		if (nbc_gas(vm, 1) < 0)
			return -1;
		if (!have) {
			best = item;
			have = true;
			continue;
		}
		if (nbc_binary(vm, op, item, best, &res) < 0)
			return -1;
		if (res.u.b)
			best = item;
	}
	if (r < 0)
		return -1;
	if (!have)
		return nbc_raise(vm, NBC_EXC_VALUE_ERROR,
		    "%s() arg is an empty sequence", name);
	*out = best;
	return 0;
}

static int
bi_sum(nbc_vm *vm, const nbc_value *args, size_t n, nbc_value *out)
{
	nbc_value acc = n > 1 ? args[1] : nbc_int(0), it, item;
	int r;

	if (acc.t == NBC_T_STR)
		return nbc_raise(vm, NBC_EXC_TYPE_ERROR,
		    "sum() can't sum strings [use ''.join(seq) instead]");
	if (nbc_iter(vm, args[0], &it) < 0)
		return -1;
	while ((r = nbc_iter_next(vm, it, &item)) == 1) {
		if (nbc_gas(vm, 1) < 0)
			return -1;
		if (acc.t == NBC_T_INT && item.t == NBC_T_INT) {
			if (__builtin_add_overflow(acc.u.i, item.u.i, &acc.u.i))
				return overflow(vm);
			continue;
		}
		if (acc.t == NBC_T_FLOAT && item.t == NBC_T_FLOAT) {
			acc.u.f += item.u.f;
			continue;
		}
		if (nbc_binary(vm, NBC_OP_ADD, acc, item, &acc) < 0)
			return -1;
	}
	if (r < 0)
		return -1;
	*out = acc;
	return 0;
}

static int
bi_dict(nbc_vm *vm, const nbc_value *args, size_t n, nbc_value *out)
{
	if (n == 0)
		return nbc_dict_new(vm, out);
	if (args[0].t == NBC_T_DICT)
		return nbc_dict_copy(vm, args[0], out);
	if (nbc_dict_new(vm, out) < 0)
		return -1;
	return nbc_dict_update(vm, *out, args[0]);
}

static int
bi_isinstance(nbc_vm *vm, nbc_value x, nbc_value maskv, nbc_value *out)
{
	uint32_t bits = 0;
	int64_t mask;

	if (nbc_index_arg(vm, maskv, &mask) < 0)
		return -1;
	switch (x.t) {
	case NBC_T_BOOL: bits = NBC_TYPEBIT_BOOL | NBC_TYPEBIT_INT; break;
	case NBC_T_INT: bits = NBC_TYPEBIT_INT; break;
	case NBC_T_FLOAT: bits = NBC_TYPEBIT_FLOAT; break;
	case NBC_T_STR: bits = NBC_TYPEBIT_STR; break;
	case NBC_T_LIST: bits = NBC_TYPEBIT_LIST; break;
	case NBC_T_TUPLE: bits = NBC_TYPEBIT_TUPLE; break;
	case NBC_T_DICT: bits = NBC_TYPEBIT_DICT; break;
	default: break;
	}
	*out = nbc_bool((bits & (uint64_t)mask) != 0);
	return 0;
}

/* round(x, nd) for a float x: correctly rounded, ties to even. */
static int
round_float(nbc_vm *vm, double x, int64_t nd, nbc_value *out)
{
	char buf[720];
	double r;

	if (!isfinite(x) || x == 0.0 || nd > 330) {
		*out = nbc_float(x);
		return 0;
	}
	if (nd < -330) {
		*out = nbc_float(copysign(0.0, x));
		return 0;
	}
	if (nd >= 0) {
		snprintf(buf, sizeof(buf), "%.*f", (int)nd, x);
	} else {
		int e, keep;

		snprintf(buf, sizeof(buf), "%.17e", x);
		e = atoi(strchr(buf, 'e') + 1);
		keep = e + 1 + (int)nd;
		if (keep <= 0) {
			double unit = pow(10.0, (double)-nd);

			if (keep == 0 && fabs(x) > 0.5 * unit)
				r = copysign(unit, x);
			else
				r = copysign(0.0, x);
			*out = nbc_float(r);
			return 0;
		}
		snprintf(buf, sizeof(buf), "%.*e", keep - 1, x);
	}
	r = strtod(buf, NULL);
	if (isinf(r))
		return nbc_raise(vm, NBC_EXC_OVERFLOW_ERROR,
		    "rounded value too large to represent");
	*out = nbc_float(r);
	return 0;
}

static int
bi_round(nbc_vm *vm, const nbc_value *args, size_t n, nbc_value *out)
{
	nbc_value x = args[0];
	int64_t nd;

	if (!NBC_IS_NUM(x))
		return nbc_raise(vm, NBC_EXC_TYPE_ERROR,
		    "type %s doesn't define __round__ method", nbc_type_name(x));
	if (n < 2 || args[1].t == NBC_T_NONE) {
		if (x.t != NBC_T_FLOAT) {
			*out = nbc_int(x.t == NBC_T_BOOL ? x.u.b : x.u.i);
			return 0;
		}
		return float_to_int(vm, nearbyint(x.u.f), out);
	}
	if (nbc_index_arg(vm, args[1], &nd) < 0)
		return -1;
	if (x.t == NBC_T_FLOAT)
		return round_float(vm, x.u.f, nd, out);
	{
		int64_t v = x.t == NBC_T_BOOL ? x.u.b : x.u.i, p = 1, q, r;
		int64_t k;

		if (nd >= 0) {
			*out = nbc_int(v);
			return 0;
		}
		if (nd < -18) {
			*out = nbc_int(0);
			return 0;
		}
		for (k = 0; k < -nd; k++)
			p *= 10;
		q = v / p;
		r = v % p;
		if (r < 0) {
			r += p;
			q--;
		}
		if (2 * r > p || (2 * r == p && (q & 1)))
			q++;
		if (__builtin_mul_overflow(q, p, &v))
			return overflow(vm);
		*out = nbc_int(v);
		return 0;
	}
}

static int
bi_abs(nbc_vm *vm, nbc_value x, nbc_value *out)
{
	switch (x.t) {
	case NBC_T_FLOAT:
		*out = nbc_float(fabs(x.u.f));
		return 0;
	case NBC_T_BOOL:
		*out = nbc_int(x.u.b);
		return 0;
	case NBC_T_INT:
		if (x.u.i == INT64_MIN)
			return overflow(vm);
		*out = nbc_int(x.u.i < 0 ? -x.u.i : x.u.i);
		return 0;
	default:
		return nbc_raise(vm, NBC_EXC_TYPE_ERROR,
		    "bad operand type for abs(): '%s'", nbc_type_name(x));
	}
}

/* ---- capability modules ------------------------------------------------ */

static int
bi_clock(nbc_vm *vm, clockid_t id, nbc_value *out)
{
	struct timespec ts;

	if (clock_gettime(id, &ts) < 0)
		return nbc_raise(vm, NBC_EXC_RUNTIME_ERROR, "clock: %s",
		    strerror(errno));
	*out = nbc_float((double)ts.tv_sec + (double)ts.tv_nsec * 1e-9);
	return 0;
}

static int
bi_randint(nbc_vm *vm, const nbc_value *args, nbc_value *out)
{
	int64_t a, b;
	uint64_t width, x, lim;

	if (nbc_index_arg(vm, args[0], &a) < 0 ||
	    nbc_index_arg(vm, args[1], &b) < 0)
		return -1;
	if (a > b) {
		__int128 stop = (__int128)b + 1;

		return nbc_raise(vm, NBC_EXC_VALUE_ERROR,
		    "empty range for randrange() (%lld, %lld, %lld)",
		    (long long)a, (long long)stop, (long long)(stop - a));
	}
	width = (uint64_t)b - (uint64_t)a + 1;   /* 0: the whole range */
	if (width == 0) {
		*out = nbc_int((int64_t)nbc_rng_next(vm));
		return 0;
	}
	lim = UINT64_MAX - UINT64_MAX % width;
	do
		x = nbc_rng_next(vm);
	while (x >= lim);
	*out = nbc_int((int64_t)((uint64_t)a + x % width));
	return 0;
}

static int
bi_choice(nbc_vm *vm, nbc_value seq, nbc_value *out)
{
	int64_t n;

	if (nbc_len(vm, seq, &n) < 0)
		return -1;
	if (n == 0)
		return nbc_raise(vm, NBC_EXC_INDEX_ERROR,
		    "Cannot choose from an empty sequence");
	return nbc_subscr(vm, seq,
	    nbc_int((int64_t)(nbc_rng_next(vm) % (uint64_t)n)), out);
}

static bool
valid_utf8(const unsigned char *s, size_t len)
{
	size_t i = 0;

	while (i < len) {
		unsigned char c = s[i];
		size_t k, j;
		uint32_t cp;

		if (c < 0x80) {
			i++;
			continue;
		}
		if (c >= 0xC2 && c <= 0xDF)
			k = 1, cp = c & 0x1F;
		else if (c >= 0xE0 && c <= 0xEF)
			k = 2, cp = c & 0x0F;
		else if (c >= 0xF0 && c <= 0xF4)
			k = 3, cp = c & 0x07;
		else
			return false;
		if (i + k >= len)
			return false;
		for (j = 1; j <= k; j++) {
			if ((s[i + j] & 0xC0) != 0x80)
				return false;
			cp = (cp << 6) | (s[i + j] & 0x3F);
		}
		if ((k == 2 && (cp < 0x800 || (cp >= 0xD800 && cp <= 0xDFFF))) ||
		    (k == 3 && (cp < 0x10000 || cp > 0x10FFFF)))
			return false;
		i += k + 1;
	}
	return true;
}

/* The path of a data file, or -1 with ValueError / RuntimeError. */
static int
data_path(nbc_vm *vm, const char *fn, nbc_value name, char *path,
    size_t size)
{
	const nbc_str *s;

	if (name.t != NBC_T_STR)
		return nbc_raise(vm, NBC_EXC_TYPE_ERROR,
		    "%s() argument 1 must be str, not %s", fn,
		    nbc_type_name(name));
	if (vm->host == NULL || vm->host->data_dir == NULL)
		return nbc_raise(vm, NBC_EXC_RUNTIME_ERROR,
		    "%s: this unit has no data folder", fn);
	s = NBC_STR(name);
	if (s->len == 0 || memchr(s->data, '/', s->len) != NULL ||
	    memchr(s->data, '\0', s->len) != NULL ||
	    (s->len == 1 && s->data[0] == '.') ||
	    memmem(s->data, s->len, "..", 2) != NULL)
		return repr_error(vm, NBC_EXC_VALUE_ERROR,
		    "invalid data file name: ", name);
	if (s->len > size || (size_t)snprintf(path, size, "%s/%.*s",
	    vm->host->data_dir, (int)s->len, s->data) >= size)
		return nbc_raise(vm, NBC_EXC_VALUE_ERROR,
		    "data file name too long");
	return 0;
}

static int
fs_error(nbc_vm *vm, const char *fn, nbc_value name, int err)
{
	size_t len;
	char *r = nbc_repr(vm, name, &len);

	if (r == NULL)
		return -1;
	if (err == ENOENT)
		nbc_raise(vm, NBC_EXC_RUNTIME_ERROR, "%s: no such file: %s", fn, r);
	else
		nbc_raise(vm, NBC_EXC_RUNTIME_ERROR, "%s: %s: %s", fn, r,
		    strerror(err));
	free(r);
	return -1;
}

static int
bi_fs_read(nbc_vm *vm, nbc_value name, nbc_value *out)
{
	char path[4096];
	struct stat st;
	nbc_buf b;
	int fd;
	ssize_t got;

	if (data_path(vm, "fs.read", name, path, sizeof(path)) < 0)
		return -1;
	fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0)
		return fs_error(vm, "fs.read", name, errno);
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		return fs_error(vm, "fs.read", name, EINVAL);
	}
	nbc_buf_init(&b, vm);
	if (!nbc_buf_reserve(&b, (size_t)st.st_size)) {
		close(fd);
		nbc_buf_free(&b);
		return -1;
	}
	for (;;) {
		if (!nbc_buf_reserve(&b, 4096)) {
			close(fd);
			nbc_buf_free(&b);
			return -1;
		}
		got = read(fd, b.p + b.len, b.cap - b.len - 1);
		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0) {
			int err = errno;

			close(fd);
			nbc_buf_free(&b);
			return fs_error(vm, "fs.read", name, err);
		}
		if (got == 0)
			break;
		b.len += (size_t)got;
	}
	close(fd);
	if (!valid_utf8((const unsigned char *)b.p, b.len)) {
		nbc_buf_free(&b);
		return repr_error(vm, NBC_EXC_VALUE_ERROR,
		    "fs.read: not valid UTF-8 text: ", name);
	}
	return nbc_buf_to_str(&b, out);
}

static int
bi_fs_write(nbc_vm *vm, nbc_value name, nbc_value text, nbc_value *out)
{
	char path[4096];
	const nbc_str *s;
	size_t done = 0;
	int fd;

	if (data_path(vm, "fs.write", name, path, sizeof(path)) < 0)
		return -1;
	if (text.t != NBC_T_STR)
		return nbc_raise(vm, NBC_EXC_TYPE_ERROR,
		    "fs.write() argument 2 must be str, not %s",
		    nbc_type_name(text));
	s = NBC_STR(text);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC,
	    0644);
	if (fd < 0)
		return fs_error(vm, "fs.write", name, errno);
	while (done < s->len) {
		ssize_t w = write(fd, s->data + done, s->len - done);

		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0) {
			int err = errno;

			close(fd);
			return fs_error(vm, "fs.write", name, err);
		}
		done += (size_t)w;
	}
	if (close(fd) < 0)
		return fs_error(vm, "fs.write", name, errno);
	*out = nbc_int((int64_t)s->nchars);
	return 0;
}

static int
bi_math(nbc_vm *vm, enum nbc_builtin id, const nbc_value *args, size_t n,
    nbc_value *out)
{
	double x = 0.0, y = 0.0, r;

	if (id == NBC_BI_MATH_FLOOR || id == NBC_BI_MATH_CEIL) {
		if (NBC_IS_INTLIKE(args[0])) {
			*out = nbc_int(args[0].t == NBC_T_BOOL ? args[0].u.b :
			    args[0].u.i);
			return 0;
		}
		if (real_arg(vm, args[0], &x) < 0)
			return -1;
		return float_to_int(vm, id == NBC_BI_MATH_FLOOR ? floor(x) :
		    ceil(x), out);
	}
	if (real_arg(vm, args[0], &x) < 0)
		return -1;
	switch (id) {
	case NBC_BI_MATH_SQRT:
		if (x < 0)
			return nbc_raise(vm, NBC_EXC_VALUE_ERROR,
			    "math domain error");
		r = sqrt(x);
		break;
	case NBC_BI_MATH_FABS:
		r = fabs(x);
		break;
	case NBC_BI_MATH_POW:
		if (real_arg(vm, args[1], &y) < 0)
			return -1;
		if (isfinite(x) && isfinite(y)) {
			if (x == 0.0 && y < 0.0)
				return nbc_raise(vm, NBC_EXC_VALUE_ERROR,
				    "math domain error");
			r = pow(x, y);
			if (r != r)
				return nbc_raise(vm, NBC_EXC_VALUE_ERROR,
				    "math domain error");
			if (isinf(r))
				return nbc_raise(vm, NBC_EXC_OVERFLOW_ERROR,
				    "math range error");
		} else {
			r = pow(x, y);
		}
		break;
	case NBC_BI_MATH_LOG:
		if (x <= 0.0)
			return nbc_raise(vm, NBC_EXC_VALUE_ERROR,
			    "math domain error");
		r = log(x);
		if (n > 1) {
			double lb;

			if (real_arg(vm, args[1], &y) < 0)
				return -1;
			if (y <= 0.0)
				return nbc_raise(vm, NBC_EXC_VALUE_ERROR,
				    "math domain error");
			lb = log(y);
			if (lb == 0.0)
				return nbc_raise(vm, NBC_EXC_ZERO_DIVISION_ERROR,
				    "float division by zero");
			r /= lb;
		}
		break;
	case NBC_BI_MATH_EXP:
		r = exp(x);
		if (isinf(r) && isfinite(x))
			return nbc_raise(vm, NBC_EXC_OVERFLOW_ERROR,
			    "math range error");
		break;
	default:
		return -1;
	}
	*out = nbc_float(r);
	return 0;
}

/* ---- dispatch ---------------------------------------------------------- */

static int
arity_error(nbc_vm *vm, enum nbc_builtin id, size_t n)
{
	const char *name = builtin_info[id].name;
	int mn = builtin_info[id].min, mx = builtin_info[id].max;

	if (mx == 0)
		return nbc_raise(vm, NBC_EXC_TYPE_ERROR,
		    "%s() takes no arguments (%zu given)", name, n);
	if (mn == 1 && mx == 1)
		return nbc_raise(vm, NBC_EXC_TYPE_ERROR,
		    "%s() takes exactly one argument (%zu given)", name, n);
	if (n < (size_t)mn)
		return nbc_raise(vm, NBC_EXC_TYPE_ERROR,
		    "%s expected at least %d argument%s, got %zu", name, mn,
		    mn == 1 ? "" : "s", n);
	return nbc_raise(vm, NBC_EXC_TYPE_ERROR,
	    "%s expected at most %d argument%s, got %zu", name, mx,
	    mx == 1 ? "" : "s", n);
}

static __attribute__((noinline)) int
call_builtin_general(nbc_vm *vm, enum nbc_builtin id, const nbc_value *args,
    size_t n, nbc_value *out)
{
	int64_t i;

	if ((unsigned)id >= NBC_BI__COUNT)
		return nbc_raise(vm, NBC_EXC_RUNTIME_ERROR, "bad builtin id %d",
		    (int)id);
	if (n < (size_t)builtin_info[id].min || n > (size_t)builtin_info[id].max)
		return arity_error(vm, id, n);
	if (builtin_info[id].caps != 0 &&
	    nbc_need_cap(vm, builtin_info[id].caps) < 0)
		return -1;
	switch (id) {
	case NBC_BI_LEN:
		if (nbc_len(vm, args[0], &i) < 0)
			return -1;
		*out = nbc_int(i);
		return 0;
	case NBC_BI_RANGE:
		return bi_range(vm, args, n, out);
	case NBC_BI_STR: {
		nbc_buf b;

		if (n == 0)
			return nbc_str_new(vm, "", 0, out);
		if (args[0].t == NBC_T_STR) {
			*out = args[0];
			return 0;
		}
		if (args[0].t == NBC_T_INT)
			return nbc_str_from_int(vm, args[0].u.i, out);
		nbc_buf_init(&b, vm);
		if (nbc_str_buf(vm, &b, args[0]) < 0) {
			nbc_buf_free(&b);
			return -1;
		}
		return nbc_buf_to_str(&b, out);
	}
	case NBC_BI_INT:
		return bi_int(vm, args, n, out);
	case NBC_BI_FLOAT:
		return bi_float(vm, args, n, out);
	case NBC_BI_BOOL:
		*out = nbc_bool(n > 0 && nbc_truthy(args[0]));
		return 0;
	case NBC_BI_ABS:
		return bi_abs(vm, args[0], out);
	case NBC_BI_MIN:
		return bi_minmax(vm, false, args, n, out);
	case NBC_BI_MAX:
		return bi_minmax(vm, true, args, n, out);
	case NBC_BI_SUM:
		return bi_sum(vm, args, n, out);
	case NBC_BI_SORTED:
		if (nbc_to_list(vm, args[0], out) < 0)
			return -1;
		return nbc_sort_values(vm, NBC_LIST(*out)->items,
		    NBC_LIST(*out)->n);
	case NBC_BI_REVERSED:
		return nbc_make_reversed(vm, args[0], out);
	case NBC_BI_ENUMERATE:
		i = 0;
		if (n > 1 && nbc_index_arg(vm, args[1], &i) < 0)
			return -1;
		return nbc_make_enumerate(vm, args[0], i, out);
	case NBC_BI_ZIP:
		return nbc_make_zip(vm, args, n, out);
	case NBC_BI_LIST:
		if (n == 0)
			return nbc_list_new(vm, 0, out);
		return nbc_to_list(vm, args[0], out);
	case NBC_BI_TUPLE: {
		nbc_value l;

		if (n == 0)
			return nbc_tuple_new(vm, NULL, 0, out);
		if (args[0].t == NBC_T_TUPLE) {
			*out = args[0];
			return 0;
		}
		if (nbc_to_list(vm, args[0], &l) < 0)
			return -1;
		return nbc_tuple_new(vm, NBC_LIST(l)->items, NBC_LIST(l)->n,
		    out);
	}
	case NBC_BI_DICT:
		return bi_dict(vm, args, n, out);
	case NBC_BI_ISINSTANCE:
		return bi_isinstance(vm, args[0], args[1], out);
	case NBC_BI_ROUND:
		return bi_round(vm, args, n, out);
	case NBC_BI_TIME_TIME:
		return bi_clock(vm, CLOCK_REALTIME, out);
	case NBC_BI_TIME_MONOTONIC:
		return bi_clock(vm, CLOCK_MONOTONIC, out);
	case NBC_BI_RANDOM_RANDOM:
		*out = nbc_float((double)(nbc_rng_next(vm) >> 11) *
		    (1.0 / 9007199254740992.0));
		return 0;
	case NBC_BI_RANDOM_RANDINT:
		return bi_randint(vm, args, out);
	case NBC_BI_RANDOM_CHOICE:
		return bi_choice(vm, args[0], out);
	case NBC_BI_FS_READ:
		return bi_fs_read(vm, args[0], out);
	case NBC_BI_FS_WRITE:
		return bi_fs_write(vm, args[0], args[1], out);
	default:
		return bi_math(vm, id, args, n, out);
	}
}

int
nbc_call_builtin(nbc_vm *vm, enum nbc_builtin id, const nbc_value *args,
    size_t n, nbc_value *out)
{
	if (id == NBC_BI_STR && n == 1 && args[0].t == NBC_T_INT)
		return nbc_str_from_int(vm, args[0].u.i, out);
	return call_builtin_general(vm, id, args, n, out);
}
