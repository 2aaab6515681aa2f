/*
 * nbc_str.c - Noodle's str: immutable UTF-8 text indexed by code point.
 *
 * A str keeps its byte length, its number of code points and whether it is
 * all ASCII (then indexing and slicing are O(1) byte arithmetic; otherwise
 * they walk the bytes).  The hash is computed on first use and cached.  The
 * empty str and the 128 one-character ASCII strs are shared static frozen
 * objects, so iterating or indexing ASCII text allocates nothing.
 *
 * Also here: the str methods of LANGUAGE.md, printf-style '%' formatting,
 * and the character classes Python uses (whitespace for split/strip,
 * isdigit/isalpha and upper/lower for ASCII and Latin-1, then glibc's
 * C.UTF-8 tables for the rest; printable characters for repr).
 */
#include <locale.h>
#include <math.h>
#include <pthread.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <wctype.h>

#include "nbc_internal.h"

/* ---- UTF-8 and character classes -------------------------------------- */

size_t
nbc_utf8_decode(const char *s, uint32_t *cp)
{
	const unsigned char *u = (const unsigned char *)s;

	if (u[0] < 0x80) {
		*cp = u[0];
		return 1;
	}
	if (u[0] < 0xE0) {
		*cp = ((uint32_t)(u[0] & 0x1F) << 6) | (u[1] & 0x3F);
		return 2;
	}
	if (u[0] < 0xF0) {
		*cp = ((uint32_t)(u[0] & 0x0F) << 12) |
		    ((uint32_t)(u[1] & 0x3F) << 6) | (u[2] & 0x3F);
		return 3;
	}
	*cp = ((uint32_t)(u[0] & 0x07) << 18) | ((uint32_t)(u[1] & 0x3F) << 12) |
	    ((uint32_t)(u[2] & 0x3F) << 6) | (u[3] & 0x3F);
	return 4;
}

size_t
nbc_utf8_encode(uint32_t cp, char *out)
{
	if (cp < 0x80) {
		out[0] = (char)cp;
		return 1;
	}
	if (cp < 0x800) {
		out[0] = (char)(0xC0 | (cp >> 6));
		out[1] = (char)(0x80 | (cp & 0x3F));
		return 2;
	}
	if (cp < 0x10000) {
		out[0] = (char)(0xE0 | (cp >> 12));
		out[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
		out[2] = (char)(0x80 | (cp & 0x3F));
		return 3;
	}
	out[0] = (char)(0xF0 | (cp >> 18));
	out[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
	out[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
	out[3] = (char)(0x80 | (cp & 0x3F));
	return 4;
}

static pthread_once_t statics_once = PTHREAD_ONCE_INIT;
static locale_t utf8_locale;
static nbc_str *char_strs[128];
static nbc_str *empty_str;

static nbc_str *
static_str(const char *s, size_t len)
{
	nbc_str *st = calloc(1, sizeof(*st) + len + 1);

	if (st == NULL)
		abort();
	st->h.type = NBC_T_STR;
	st->h.flags = NBC_OF_FROZEN;
	st->h.size = sizeof(*st) + len + 1;
	st->data = st->inl;
	memcpy(st->inl, s, len);
	st->len = st->nchars = len;
	nbc_str_hash(st);
	return st;
}

static void
statics_init(void)
{
	char c;
	int i;

	utf8_locale = newlocale(LC_CTYPE_MASK, "C.UTF-8", (locale_t)0);
	empty_str = static_str("", 0);
	for (i = 0; i < 128; i++) {
		c = (char)i;
		char_strs[i] = static_str(&c, 1);
	}
}

static inline void
statics(void)
{
	pthread_once(&statics_once, statics_init);
}

/* The zero of each run of ten decimal digits (Unicode Nd) in the BMP
 * scripts most text uses. */
static const uint32_t nd_zeros[] = {
	0x0660, 0x06F0, 0x07C0, 0x0966, 0x09E6, 0x0A66, 0x0AE6, 0x0B66,
	0x0BE6, 0x0C66, 0x0CE6, 0x0D66, 0x0DE6, 0x0E50, 0x0ED0, 0x0F20,
	0x1040, 0x1090, 0x17E0, 0x1810, 0x1946, 0x19D0, 0x1A80, 0x1A90,
	0x1B50, 0x1BB0, 0x1C40, 0x1C50, 0xA620, 0xA8D0, 0xA900, 0xA9D0,
	0xA9F0, 0xAA50, 0xABF0, 0xFF10,
};

int
nbc_cp_decimal(uint32_t c)
{
	size_t i;

	if (c >= '0' && c <= '9')
		return (int)(c - '0');
	if (c < 0x660)
		return -1;
	for (i = 0; i < sizeof(nd_zeros) / sizeof(nd_zeros[0]); i++)
		if (c >= nd_zeros[i] && c < nd_zeros[i] + 10)
			return (int)(c - nd_zeros[i]);
	return -1;
}

bool
nbc_cp_space(uint32_t c)
{
	if (c < 0x80)
		return c == ' ' || (c >= 9 && c <= 13) || (c >= 28 && c <= 31);
	return c == 0x85 || c == 0xA0 || c == 0x1680 ||
	    (c >= 0x2000 && c <= 0x200A) || c == 0x2028 || c == 0x2029 ||
	    c == 0x202F || c == 0x205F || c == 0x3000;
}

static bool
is_digit(uint32_t c)
{
	if (c < 0x100)
		return (c >= '0' && c <= '9') || c == 0xB2 || c == 0xB3 ||
		    c == 0xB9;
	return nbc_cp_decimal(c) >= 0 || (c >= 0x2070 && c <= 0x2079 &&
	    c != 0x2072 && c != 0x2073) || (c >= 0x2080 && c <= 0x2089) ||
	    (c >= 0x2460 && c <= 0x2468) || (c >= 0x2474 && c <= 0x247C) ||
	    (c >= 0x2488 && c <= 0x2490) || c == 0x24EA ||
	    (c >= 0x2776 && c <= 0x277E) || (c >= 0x2780 && c <= 0x2788) ||
	    (c >= 0x278A && c <= 0x2792);
}

static bool
is_alpha(uint32_t c)
{
	if (c < 0x80)
		return (c | 0x20) >= 'a' && (c | 0x20) <= 'z';
	if (c < 0x100)
		return c == 0xAA || c == 0xB5 || c == 0xBA ||
		    (c >= 0xC0 && c != 0xD7 && c != 0xF7);
	return utf8_locale != (locale_t)0 && iswalpha_l((wint_t)c, utf8_locale);
}

bool
nbc_cp_printable(uint32_t c)
{
	if (c < 0x20 || c == 0x7F)
		return false;
	if (c < 0x7F)
		return true;
	if (c <= 0xA0 || c == 0xAD)
		return false;
	if (c < 0x100)
		return true;
	if (c == 0x1680 || (c >= 0x2000 && c <= 0x200F) ||
	    (c >= 0x2028 && c <= 0x202F) || (c >= 0x205F && c <= 0x206F) ||
	    c == 0x3000 || c == 0xFEFF || (c >= 0xFFF9 && c <= 0xFFFB) ||
	    (c >= 0xD800 && c <= 0xF8FF) || c >= 0xF0000 ||
	    (c >= 0x600 && c <= 0x605) || c == 0x61C || c == 0x6DD ||
	    c == 0x70F || c == 0x180E || (c >= 0xE0000 && c <= 0xE0FFF))
		return false;
	statics();
	return utf8_locale == (locale_t)0 || iswprint_l((wint_t)c, utf8_locale);
}

static uint32_t
to_upper(uint32_t c)
{
	if (c < 0x80)
		return (c >= 'a' && c <= 'z') ? c - 32 : c;
	if (c < 0x100) {
		if (c == 0xB5)
			return 0x39C;
		if (c == 0xFF)
			return 0x178;
		if (c >= 0xE0 && c != 0xF7 && c != 0xDF)
			return c - 32;
		return c;
	}
	return utf8_locale != (locale_t)0 ?
	    (uint32_t)towupper_l((wint_t)c, utf8_locale) : c;
}

static uint32_t
to_lower(uint32_t c)
{
	if (c < 0x80)
		return (c >= 'A' && c <= 'Z') ? c + 32 : c;
	if (c < 0x100)
		return (c >= 0xC0 && c <= 0xDE && c != 0xD7) ? c + 32 : c;
	return utf8_locale != (locale_t)0 ?
	    (uint32_t)towlower_l((wint_t)c, utf8_locale) : c;
}

/* ---- construction ------------------------------------------------------ */

/*
 * A new str of len bytes (data[len] is NUL; the caller fills the rest and
 * sets nchars if the str is not ASCII).  A plain str keeps its bytes where
 * buf would be, saving buf's 8 bytes; with room (NBC_OF_STRBUF: an append
 * buffer, nbc_str_concat) the bytes are in inl, after buf.
 */
static inline nbc_str *
str_alloc_in(nbc_vm *vm, size_t len, bool room, nbc_value *out)
{
	size_t head = room ? sizeof(nbc_str) : offsetof(nbc_str, buf);
	nbc_str *s;

	if (len > ((size_t)1 << 48)) {
		nbc_raise_resource(vm, "memory");
		return NULL;
	}
	s = nbc_alloc(vm, NBC_T_STR, head + len + 1);
	if (s == NULL)
		return NULL;
	s->len = len;
	s->nchars = len;
	s->hash = 0;
	s->data = (char *)s + head;
	s->data[len] = '\0';
	*out = nbc_obj_value(NBC_T_STR, &s->h);
	return s;
}

static inline nbc_str *
str_alloc(nbc_vm *vm, size_t len, nbc_value *out)
{
	return str_alloc_in(vm, len, false, out);
}

nbc_str *
nbc_str_alloc(nbc_vm *vm, size_t len, nbc_value *out)
{
	return str_alloc(vm, len, out);
}

/* Results of concatenation at least this long get an append buffer. */
#define APPEND_MIN 256

/*
 * x + y by appending y in place into the buffer x's bytes end, when x
 * ends exactly where that buffer's used part ends and there is room: the
 * result is a small str that points into the buffer.  1 done, 0 not
 * possible, -1 error.
 */
static int
str_append(nbc_vm *vm, nbc_str *x, nbc_str *y, nbc_value *out)
{
	nbc_str *base = x->h.flags & NBC_OF_STRVIEW ? x->buf.base : x, *r;
	size_t end, room;

	if (!(base->h.flags & NBC_OF_STRBUF))
		return 0;
	end = (size_t)(x->data - base->inl) + x->len;
	room = base->h.size - sizeof(*base) - 1;
	if (end != base->buf.used || y->len > room - end)
		return 0;
	r = nbc_alloc(vm, NBC_T_STR, sizeof(*r));
	if (r == NULL)
		return -1;
	memcpy(base->inl + end, y->data, y->len);
	base->buf.used = end + y->len;
	base->inl[base->buf.used] = '\0';
	r->h.flags |= NBC_OF_STRVIEW;
	r->buf.base = base;
	r->data = x->data;
	r->len = x->len + y->len;
	r->nchars = x->nchars + y->nchars;
	r->hash = 0;
	*out = nbc_obj_value(NBC_T_STR, &r->h);
	return 1;
}

void
nbc_str_measure(nbc_str *s)
{
	const unsigned char *p = (const unsigned char *)s->data;
	size_t i = 0, n;
	uint64_t w, high = 0;

	for (; i + 8 <= s->len; i += 8) {
		memcpy(&w, p + i, 8);
		high |= w;
	}
	for (; i < s->len; i++)
		high |= p[i];
	if (!(high & 0x8080808080808080ULL)) {
		s->nchars = s->len;
		return;
	}
	for (i = 0, n = 0; i < s->len; i++)
		n += (p[i] & 0xC0) != 0x80;
	s->nchars = n;
}

int
nbc_str_new(nbc_vm *vm, const char *s, size_t len, nbc_value *out)
{
	nbc_str *st;

	if (len <= 1) {
		if (len == 0 || (unsigned char)s[0] < 0x80) {
			statics();
			st = len == 0 ? empty_str : char_strs[(unsigned char)s[0]];
			*out = nbc_obj_value(NBC_T_STR, &st->h);
			return 0;
		}
	}
	st = str_alloc(vm, len, out);
	if (st == NULL)
		return -1;
	memcpy(st->data, s, len);
	nbc_str_measure(st);
	return 0;
}

/* The decimal digits of i, written backwards ending at end; their start. */
static inline char *
int_digits(int64_t i, char *end)
{
	static const char pairs[] =
	    "00010203040506070809101112131415161718192021222324252627282930"
	    "31323334353637383940414243444546474849505152535455565758596061"
	    "62636465666768697071727374757677787980818283848586878889909192"
	    "93949596979899";
	char *p = end;
	uint64_t u = i < 0 ? (uint64_t)0 - (uint64_t)i : (uint64_t)i;

	while (u >= 100) {
		unsigned d = (unsigned)(u % 100);

		u /= 100;
		p -= 2;
		memcpy(p, pairs + 2 * d, 2);
	}
	if (u >= 10) {
		p -= 2;
		memcpy(p, pairs + 2 * u, 2);
	} else {
		*--p = (char)('0' + u);
	}
	if (i < 0)
		*--p = '-';
	return p;
}

int
nbc_str_from_int(nbc_vm *vm, int64_t i, nbc_value *out)
{
	char tmp[24], *p = int_digits(i, tmp + sizeof(tmp));
	size_t len = (size_t)(tmp + sizeof(tmp) - p);
	nbc_str *s;

	if (len == 1) {
		statics();
		*out = nbc_obj_value(NBC_T_STR, &char_strs[(unsigned char)*p]->h);
		return 0;
	}
	s = str_alloc(vm, len, out);
	if (s == NULL)
		return -1;
	memcpy(s->data, p, len);
	return 0;
}

int
nbc_str_char_at(nbc_vm *vm, const nbc_str *s, size_t off, nbc_value *out)
{
	uint32_t cp;
	size_t n = nbc_utf8_decode(s->data + off, &cp);

	return nbc_str_new(vm, s->data + off, n, out);
}

uint64_t
nbc_str_hash(nbc_str *s)
{
	const unsigned char *p = (const unsigned char *)s->data;
	uint64_t h = 0x243F6A8885A308D3ULL ^ (s->len * 0x9E3779B97F4A7C15ULL);
	size_t i = 0;
	uint64_t k;

	if (s->hash != 0)
		return s->hash;
	for (; i + 8 <= s->len; i += 8) {
		memcpy(&k, p + i, 8);
		k *= 0x87C37B91114253D5ULL;
		k = (k << 31) | (k >> 33);
		h = (h ^ k) * 0x4CF5AD432745937FULL;
		h = (h << 27) | (h >> 37);
	}
	k = 0;
	for (; i < s->len; i++)
		k = (k << 8) | p[i];
	h ^= k * 0x87C37B91114253D5ULL;
	h ^= h >> 33;
	h *= 0xFF51AFD7ED558CCDULL;
	h ^= h >> 33;
	h *= 0xC4CEB9FE1A85EC53ULL;
	h ^= h >> 33;
	if (h == 0)
		h = 1;
	s->hash = h;
	return h;
}

int
nbc_str_cmp(const nbc_str *a, const nbc_str *b)
{
	size_t n = a->len < b->len ? a->len : b->len;
	int c = memcmp(a->data, b->data, n);

	if (c != 0)
		return c;
	return a->len < b->len ? -1 : a->len > b->len;
}

bool
nbc_str_eq(const nbc_str *a, const nbc_str *b)
{
	if (a == b)
		return true;
	if (a->len != b->len || (a->hash && b->hash && a->hash != b->hash))
		return false;
	return memcmp(a->data, b->data, a->len) == 0;
}

int
nbc_str_concat(nbc_vm *vm, nbc_value a, nbc_value b, nbc_value *out)
{
	nbc_str *x = NBC_STR(a), *y = NBC_STR(b), *s;

	if (y->len == 0) {
		*out = a;
		return 0;
	}
	if (x->len == 0) {
		*out = b;
		return 0;
	}
	switch (str_append(vm, x, y, out)) {
	case 1:
		return 0;
	case -1:
		return -1;
	default:
		break;
	}
	if (x->len + y->len >= APPEND_MIN) {
		/* the start of a long str: leave as much room to append */
		size_t cap = (x->len + y->len) * 2;

		s = str_alloc_in(vm, cap, true, out);
		if (s == NULL)
			return -1;
		s->h.flags |= NBC_OF_STRBUF;
		s->len = x->len + y->len;
		s->buf.used = s->len;
	} else {
		s = str_alloc(vm, x->len + y->len, out);
		if (s == NULL)
			return -1;
	}
	memcpy(s->data, x->data, x->len);
	memcpy(s->data + x->len, y->data, y->len);
	s->data[s->len] = '\0';
	s->nchars = x->nchars + y->nchars;
	return 0;
}

/* memcpy for the short pieces that join and chains of concatenations
 * copy by the thousand: inline moves up to 16 bytes instead of a library
 * call each. */
static inline void
copy_short(char *d, const char *s, size_t n)
{
	uint64_t x, y;
	uint32_t u, v;

	if (n >= 8 && n <= 16) {
		memcpy(&x, s, 8);
		memcpy(&y, s + n - 8, 8);
		memcpy(d, &x, 8);
		memcpy(d + n - 8, &y, 8);
	} else if (n >= 4 && n < 8) {
		memcpy(&u, s, 4);
		memcpy(&v, s + n - 4, 4);
		memcpy(d, &u, 4);
		memcpy(d + n - 4, &v, 4);
	} else if (n < 4) {
		for (size_t i = 0; i < n; i++)
			d[i] = s[i];
	} else {
		memcpy(d, s, n);
	}
}

/*
 * The pieces of a chain of concatenations: when every piece is non-empty
 * and the result is short (no append buffer wanted) and the first piece
 * has no append buffer to extend in place, the result is built with one
 * allocation and no intermediate str (0, or -1 on error); else 1 with
 * *out untouched, and the caller concatenates pair by pair, as the
 * separate additions would.
 */
typedef struct str_piece {
	const char *p;
	size_t len, nchars;
} str_piece;

static inline int
concat_pieces(nbc_vm *vm, const str_piece *pc, size_t n, nbc_value *out)
{
	size_t len = 0, nchars = 0;
	nbc_str *s;
	char *d;

	for (size_t k = 0; k < n; k++) {
		if (pc[k].len == 0)
			return 1;
		len += pc[k].len;
		nchars += pc[k].nchars;
	}
	if (len >= APPEND_MIN)
		return 1;
	s = str_alloc(vm, len, out);
	if (s == NULL)
		return -1;
	d = s->data;
	for (size_t k = 0; k < n; k++) {
		copy_short(d, pc[k].p, pc[k].len);
		d += pc[k].len;
	}
	s->nchars = nchars;
	return 0;
}

static inline str_piece
piece_of(nbc_value v)
{
	str_piece r = { NBC_STR(v)->data, NBC_STR(v)->len, NBC_STR(v)->nchars };

	return r;
}

static inline bool
has_append_buffer(nbc_value v)
{
	return (NBC_STR(v)->h.flags & (NBC_OF_STRBUF | NBC_OF_STRVIEW)) != 0;
}

int
nbc_str_concat3(nbc_vm *vm, nbc_value a, nbc_value b, nbc_value c,
    nbc_value *out)
{
	str_piece pc[3] = { piece_of(a), piece_of(b), piece_of(c) };
	int r = has_append_buffer(a) ? 1 : concat_pieces(vm, pc, 3, out);

	if (r <= 0)
		return r;
	if (nbc_str_concat(vm, a, b, out) < 0)
		return -1;
	return nbc_str_concat(vm, *out, c, out);
}

int
nbc_str_concat_int(nbc_vm *vm, const nbc_value *a, int64_t i,
    const nbc_value *c, nbc_value *out)
{
	char tmp[24], *p = int_digits(i, tmp + sizeof(tmp));
	nbc_value av = a != NULL ? *a : nbc_none(), cv = c != NULL ? *c :
	    nbc_none(), r;
	str_piece pc[3];
	size_t n = 0;
	int rc;

	if (a != NULL)
		pc[n++] = piece_of(av);
	pc[n].p = p;
	pc[n].len = pc[n].nchars = (size_t)(tmp + sizeof(tmp) - p);
	n++;
	if (c != NULL)
		pc[n++] = piece_of(cv);
	rc = a != NULL && has_append_buffer(av) ? 1 :
	    concat_pieces(vm, pc, n, out);
	if (rc <= 0)
		return rc;
	if (nbc_str_from_int(vm, i, &r) < 0)
		return -1;
	if (a != NULL && nbc_str_concat(vm, av, r, &r) < 0)
		return -1;
	if (c != NULL && nbc_str_concat(vm, r, cv, &r) < 0)
		return -1;
	*out = r;
	return 0;
}

int
nbc_str_repeat(nbc_vm *vm, nbc_value v, int64_t n, nbc_value *out)
{
	nbc_str *x = NBC_STR(v), *s;
	size_t total, done;

	if (n <= 0 || x->len == 0)
		return nbc_str_new(vm, "", 0, out);
	if (n == 1) {
		*out = v;
		return 0;
	}
	if (__builtin_mul_overflow(x->len, (uint64_t)n, &total))
		return nbc_raise_resource(vm, "memory");
	s = str_alloc(vm, total, out);
	if (s == NULL)
		return -1;
	memcpy(s->data, x->data, x->len);
	for (done = x->len; done < total; done *= 2)
		memcpy(s->data + done, s->data,
		    done <= total - done ? done : total - done);
	s->nchars = x->nchars * (size_t)n;
	return 0;
}

bool
nbc_str_contains(const nbc_str *hay, const nbc_str *needle)
{
	return needle->len == 0 ||
	    memmem(hay->data, hay->len, needle->data, needle->len) != NULL;
}

size_t
nbc_str_offset(const nbc_str *s, int64_t i)
{
	const unsigned char *p = (const unsigned char *)s->data;
	size_t off = 0;

	if (nbc_str_ascii(s))
		return (size_t)i;
	for (; i > 0; i--) {
		off++;
		while (off < s->len && (p[off] & 0xC0) == 0x80)
			off++;
	}
	return off;
}

int
nbc_str_getitem(nbc_vm *vm, nbc_value v, int64_t i, nbc_value *out)
{
	nbc_str *s = NBC_STR(v);

	if (i < 0)
		i += (int64_t)s->nchars;
	if (i < 0 || (uint64_t)i >= s->nchars)
		return nbc_raise(vm, NBC_EXC_INDEX_ERROR,
		    "string index out of range");
	return nbc_str_char_at(vm, s, nbc_str_offset(s, i), out);
}

/* Characters start, start+step, ... (count of them) of v; indices valid. */
int
nbc_str_slice(nbc_vm *vm, nbc_value v, int64_t start, int64_t step,
    int64_t count, nbc_value *out)
{
	nbc_str *s = NBC_STR(v), *r;
	nbc_buf b;
	size_t off;
	int64_t k, j;

	if (count <= 0)
		return nbc_str_new(vm, "", 0, out);
	if (step == 1 && (size_t)count == s->nchars) {
		*out = v;
		return 0;
	}
	if (nbc_str_ascii(s)) {
		r = str_alloc(vm, (size_t)count, out);
		if (r == NULL)
			return -1;
		for (k = 0; k < count; k++)
			r->data[k] = s->data[start + k * step];
		return 0;
	}
	off = nbc_str_offset(s, start);
	if (step == 1)
		return nbc_str_new(vm, s->data + off,
		    nbc_str_offset(s, start + count) - off, out);
	nbc_buf_init(&b, vm);
	for (k = 0; k < count; k++) {
		uint32_t cp;
		size_t n = nbc_utf8_decode(s->data + off, &cp);

		if (!nbc_buf_add(&b, s->data + off, n)) {
			nbc_buf_free(&b);
			return -1;
		}
		if (k + 1 == count)
			break;
		if (step > 0) {
			for (j = 0; j < step; j++) {
				off++;
				while (off < s->len &&
				    (s->data[off] & 0xC0) == 0x80)
					off++;
			}
		} else {
			for (j = 0; j < -step; j++) {
				off--;
				while (off > 0 && (s->data[off] & 0xC0) == 0x80)
					off--;
			}
		}
	}
	return nbc_buf_to_str(&b, out);
}

/* ---- methods ----------------------------------------------------------- */

static int
arg_str(nbc_vm *vm, nbc_value v, const char *what)
{
	if (v.t == NBC_T_STR)
		return 0;
	return nbc_raise(vm, NBC_EXC_TYPE_ERROR, "%s, not %s", what,
	    nbc_type_name(v));
}

static int
str_case(nbc_vm *vm, nbc_value self, bool upper, nbc_value *out)
{
	nbc_str *s = NBC_STR(self), *r;
	nbc_buf b;
	size_t i;

	if (nbc_str_ascii(s)) {
		r = str_alloc(vm, s->len, out);
		if (r == NULL)
			return -1;
		for (i = 0; i < s->len; i++) {
			char c = s->data[i];

			if (upper && c >= 'a' && c <= 'z')
				c -= 32;
			else if (!upper && c >= 'A' && c <= 'Z')
				c += 32;
			r->data[i] = c;
		}
		return 0;
	}
	statics();
	nbc_buf_init(&b, vm);
	for (i = 0; i < s->len;) {
		uint32_t cp;
		char enc[4];
		bool ok;

		i += nbc_utf8_decode(s->data + i, &cp);
		if (upper && cp == 0xDF) {
			ok = nbc_buf_add(&b, "SS", 2);
		} else {
			cp = upper ? to_upper(cp) : to_lower(cp);
			ok = nbc_buf_add(&b, enc, nbc_utf8_encode(cp, enc));
		}
		if (!ok) {
			nbc_buf_free(&b);
			return -1;
		}
	}
	return nbc_buf_to_str(&b, out);
}

/* Whether cp is in the set chars (NULL: whitespace). */
static bool
in_strip_set(uint32_t cp, const nbc_str *chars)
{
	size_t i;
	uint32_t c;

	if (chars == NULL)
		return nbc_cp_space(cp);
	for (i = 0; i < chars->len;) {
		i += nbc_utf8_decode(chars->data + i, &c);
		if (c == cp)
			return true;
	}
	return false;
}

/* how: 1 left, 2 right, 3 both. */
static int
str_strip(nbc_vm *vm, nbc_value self, const nbc_value *args, size_t n,
    int how, nbc_value *out)
{
	nbc_str *s = NBC_STR(self), *chars = NULL;
	size_t lo = 0, hi = s->len;
	uint32_t cp;

	if (n > 0 && args[0].t != NBC_T_NONE) {
		if (args[0].t != NBC_T_STR)
			return nbc_raise(vm, NBC_EXC_TYPE_ERROR,
			    "%s arg must be None or str",
			    how == 3 ? "strip" : how == 1 ? "lstrip" : "rstrip");
		chars = NBC_STR(args[0]);
	}
	if (how & 1)
		while (lo < hi) {
			size_t k = nbc_utf8_decode(s->data + lo, &cp);

			if (!in_strip_set(cp, chars))
				break;
			lo += k;
		}
	if (how & 2)
		while (hi > lo) {
			size_t p = hi - 1;

			while (p > lo && (s->data[p] & 0xC0) == 0x80)
				p--;
			nbc_utf8_decode(s->data + p, &cp);
			if (!in_strip_set(cp, chars))
				break;
			hi = p;
		}
	if (lo == 0 && hi == s->len) {
		*out = self;
		return 0;
	}
	return nbc_str_new(vm, s->data + lo, hi - lo, out);
}

static int
push_piece(nbc_vm *vm, nbc_value list, const char *p, size_t len)
{
	nbc_value piece;

	if (nbc_str_new(vm, p, len, &piece) < 0)
		return -1;
	return nbc_list_append(vm, list, piece);
}

static int
str_split(nbc_vm *vm, nbc_value self, const nbc_value *args, size_t n,
    nbc_value *out)
{
	nbc_str *s = NBC_STR(self), *sep = NULL;
	int64_t maxsplit = -1;
	size_t i = 0, start;
	uint32_t cp;

	if (n > 0 && args[0].t != NBC_T_NONE) {
		if (args[0].t != NBC_T_STR)
			return nbc_raise(vm, NBC_EXC_TYPE_ERROR,
			    "must be str or None, not %s", nbc_type_name(args[0]));
		sep = NBC_STR(args[0]);
		if (sep->len == 0)
			return nbc_raise(vm, NBC_EXC_VALUE_ERROR,
			    "empty separator");
	}
	if (n > 1 && nbc_index_arg(vm, args[1], &maxsplit) < 0)
		return -1;
	if (nbc_list_new(vm, 0, out) < 0)
		return -1;
	if (sep != NULL) {
		const char *p = s->data, *end = s->data + s->len, *q;

		while (maxsplit != 0 && (q = memmem(p, (size_t)(end - p),
		    sep->data, sep->len)) != NULL) {
			if (push_piece(vm, *out, p, (size_t)(q - p)) < 0)
				return -1;
			p = q + sep->len;
			if (maxsplit > 0)
				maxsplit--;
		}
		return push_piece(vm, *out, p, (size_t)(end - p));
	}
	for (;;) {
		size_t k;

		while (i < s->len) {
			k = nbc_utf8_decode(s->data + i, &cp);
			if (!nbc_cp_space(cp))
				break;
			i += k;
		}
		if (i >= s->len)
			return 0;
		if (maxsplit == 0)
			return push_piece(vm, *out, s->data + i, s->len - i);
		start = i;
		while (i < s->len) {
			k = nbc_utf8_decode(s->data + i, &cp);
			if (nbc_cp_space(cp))
				break;
			i += k;
		}
		if (push_piece(vm, *out, s->data + start, i - start) < 0)
			return -1;
		if (maxsplit > 0)
			maxsplit--;
	}
}

static int
str_join(nbc_vm *vm, nbc_value self, nbc_value iterable, nbc_value *out)
{
	nbc_str *sep = NBC_STR(self), *r;
	nbc_value items;
	nbc_list *l;
	size_t i, total = 0, nchars = 0;
	char *p;

	if (iterable.t == NBC_T_LIST) {
		items = iterable;
	} else if (nbc_to_list(vm, iterable, &items) < 0) {
		return -1;
	}
	l = NBC_LIST(items);
	for (i = 0; i < l->n; i++) {
		nbc_str *it;

		if (l->items[i].t != NBC_T_STR)
			return nbc_raise(vm, NBC_EXC_TYPE_ERROR,
			    "sequence item %zu: expected str instance, %s found",
			    i, nbc_type_name(l->items[i]));
		/* the items are scattered: fetch a few ahead */
		if (i + 8 < l->n && l->items[i + 8].t == NBC_T_STR)
			__builtin_prefetch(l->items[i + 8].u.o);
		it = NBC_STR(l->items[i]);
		total += it->len;
		nchars += it->nchars;
	}
	if (l->n == 1) {
		*out = l->items[0];
		return 0;
	}
	if (l->n > 1) {
		total += sep->len * (l->n - 1);
		nchars += sep->nchars * (l->n - 1);
	}
	r = str_alloc(vm, total, out);
	if (r == NULL)
		return -1;
	p = r->data;
	for (i = 0; i < l->n; i++) {
		nbc_str *it = NBC_STR(l->items[i]);

		if (i + 8 < l->n)
			__builtin_prefetch(NBC_STR(l->items[i + 8])->data);
		if (i > 0 && sep->len > 0) {
			copy_short(p, sep->data, sep->len);
			p += sep->len;
		}
		copy_short(p, it->data, it->len);
		p += it->len;
	}
	r->nchars = nchars;
	return 0;
}

static int
str_replace(nbc_vm *vm, nbc_value self, const nbc_value *args, size_t n,
    nbc_value *out)
{
	nbc_str *s = NBC_STR(self), *old, *new;
	int64_t count = -1;
	nbc_buf b;
	const char *p, *end, *q;

	if (args[0].t != NBC_T_STR)
		return nbc_raise(vm, NBC_EXC_TYPE_ERROR,
		    "replace() argument 1 must be str, not %s",
		    nbc_type_name(args[0]));
	if (args[1].t != NBC_T_STR)
		return nbc_raise(vm, NBC_EXC_TYPE_ERROR,
		    "replace() argument 2 must be str, not %s",
		    nbc_type_name(args[1]));
	if (n > 2 && nbc_index_arg(vm, args[2], &count) < 0)
		return -1;
	old = NBC_STR(args[0]);
	new = NBC_STR(args[1]);
	nbc_buf_init(&b, vm);
	p = s->data;
	end = s->data + s->len;
	if (old->len == 0) {
		while (count != 0) {
			uint32_t cp;

			if (!nbc_buf_add(&b, new->data, new->len))
				goto fail;
			if (count > 0)
				count--;
			if (p == end)
				break;
			{
				size_t k = nbc_utf8_decode(p, &cp);

				if (!nbc_buf_add(&b, p, k))
					goto fail;
				p += k;
			}
		}
	} else {
		while (count != 0 && (q = memmem(p, (size_t)(end - p),
		    old->data, old->len)) != NULL) {
			if (!nbc_buf_add(&b, p, (size_t)(q - p)) ||
			    !nbc_buf_add(&b, new->data, new->len))
				goto fail;
			p = q + old->len;
			if (count > 0)
				count--;
		}
	}
	if (!nbc_buf_add(&b, p, (size_t)(end - p)))
		goto fail;
	return nbc_buf_to_str(&b, out);
fail:
	nbc_buf_free(&b);
	return -1;
}

static int
str_affix(nbc_vm *vm, nbc_value self, nbc_value arg, bool start,
    nbc_value *out)
{
	nbc_str *s = NBC_STR(self);
	const char *name = start ? "startswith" : "endswith";
	const nbc_value *cands = &arg;
	size_t n = 1, i;

	if (arg.t == NBC_T_TUPLE) {
		cands = NBC_TUPLE(arg)->items;
		n = NBC_TUPLE(arg)->n;
	} else if (arg.t != NBC_T_STR) {
		return nbc_raise(vm, NBC_EXC_TYPE_ERROR,
		    "%s first arg must be str or a tuple of str, not %s", name,
		    nbc_type_name(arg));
	}
	for (i = 0; i < n; i++) {
		nbc_str *a;

		if (cands[i].t != NBC_T_STR)
			return nbc_raise(vm, NBC_EXC_TYPE_ERROR,
			    "tuple for %s must only contain str, not %s", name,
			    nbc_type_name(cands[i]));
		a = NBC_STR(cands[i]);
		if (a->len <= s->len && memcmp(start ? s->data :
		    s->data + s->len - a->len, a->data, a->len) == 0) {
			*out = nbc_bool(true);
			return 0;
		}
	}
	*out = nbc_bool(false);
	return 0;
}

static int64_t
chars_before(const nbc_str *s, size_t off)
{
	size_t i, n = 0;

	if (nbc_str_ascii(s))
		return (int64_t)off;
	for (i = 0; i < off; i++)
		n += (s->data[i] & 0xC0) != 0x80;
	return (int64_t)n;
}

static int
str_find(nbc_vm *vm, nbc_value self, nbc_value arg, bool index,
    nbc_value *out)
{
	nbc_str *s = NBC_STR(self), *sub;
	const char *q;

	if (arg_str(vm, arg, "must be str") < 0)
		return -1;
	sub = NBC_STR(arg);
	q = sub->len == 0 ? s->data :
	    memmem(s->data, s->len, sub->data, sub->len);
	if (q == NULL) {
		if (index)
			return nbc_raise(vm, NBC_EXC_VALUE_ERROR,
			    "substring not found");
		*out = nbc_int(-1);
		return 0;
	}
	*out = nbc_int(chars_before(s, (size_t)(q - s->data)));
	return 0;
}

static int
str_count(nbc_vm *vm, nbc_value self, nbc_value arg, nbc_value *out)
{
	nbc_str *s = NBC_STR(self), *sub;
	const char *p, *end, *q;
	int64_t c = 0;

	if (arg_str(vm, arg, "must be str") < 0)
		return -1;
	sub = NBC_STR(arg);
	if (sub->len == 0) {
		*out = nbc_int((int64_t)s->nchars + 1);
		return 0;
	}
	p = s->data;
	end = s->data + s->len;
	while ((q = memmem(p, (size_t)(end - p), sub->data, sub->len)) != NULL) {
		c++;
		p = q + sub->len;
	}
	*out = nbc_int(c);
	return 0;
}

static int
str_class(nbc_value self, bool (*pred)(uint32_t), nbc_value *out)
{
	nbc_str *s = NBC_STR(self);
	size_t i;
	uint32_t cp;

	statics();
	for (i = 0; i < s->len;) {
		i += nbc_utf8_decode(s->data + i, &cp);
		if (!pred(cp)) {
			*out = nbc_bool(false);
			return 0;
		}
	}
	*out = nbc_bool(s->len > 0);
	return 0;
}

int
nbc_str_method(nbc_vm *vm, enum nbc_method id, nbc_value self,
    const nbc_value *args, size_t n, nbc_value *out)
{
	switch (id) {
	case NBC_M_UPPER:
		return str_case(vm, self, true, out);
	case NBC_M_LOWER:
		return str_case(vm, self, false, out);
	case NBC_M_STRIP:
		return str_strip(vm, self, args, n, 3, out);
	case NBC_M_LSTRIP:
		return str_strip(vm, self, args, n, 1, out);
	case NBC_M_RSTRIP:
		return str_strip(vm, self, args, n, 2, out);
	case NBC_M_SPLIT:
		return str_split(vm, self, args, n, out);
	case NBC_M_JOIN:
		return str_join(vm, self, args[0], out);
	case NBC_M_REPLACE:
		return str_replace(vm, self, args, n, out);
	case NBC_M_STARTSWITH:
		return str_affix(vm, self, args[0], true, out);
	case NBC_M_ENDSWITH:
		return str_affix(vm, self, args[0], false, out);
	case NBC_M_FIND:
		return str_find(vm, self, args[0], false, out);
	case NBC_M_INDEX:
		return str_find(vm, self, args[0], true, out);
	case NBC_M_COUNT:
		return str_count(vm, self, args[0], out);
	case NBC_M_ISDIGIT:
		return str_class(self, is_digit, out);
	case NBC_M_ISALPHA:
		return str_class(self, is_alpha, out);
	default:
		return 1;
	}
}

/* ---- printf-style formatting (str % args) ------------------------------ */

typedef struct fmt_spec {
	bool left, plus, space, alt, zero;
	int width;           /* -1: none */
	int prec;            /* -1: none */
	char type;
} fmt_spec;

/* Pad text of nchars code points to the spec's width. */
static bool
pad_add(nbc_buf *b, const fmt_spec *sp, const char *s, size_t len,
    size_t nchars)
{
	size_t pad = sp->width > 0 && (size_t)sp->width > nchars ?
	    (size_t)sp->width - nchars : 0;
	size_t i;

	if (!sp->left)
		for (i = 0; i < pad; i++)
			if (!nbc_buf_addc(b, ' '))
				return false;
	if (!nbc_buf_add(b, s, len))
		return false;
	if (sp->left)
		for (i = 0; i < pad; i++)
			if (!nbc_buf_addc(b, ' '))
				return false;
	return true;
}

/* A C printf format for a number conversion of sp. */
static void
c_format(const fmt_spec *sp, const char *lenmod, char type, char *f,
    size_t size)
{
	char *p = f;

	*p++ = '%';
	if (sp->left)
		*p++ = '-';
	if (sp->plus)
		*p++ = '+';
	if (sp->space)
		*p++ = ' ';
	if (sp->alt && type != 'o')
		*p++ = '#';
	if (sp->zero && !sp->left)
		*p++ = '0';
	*p = '\0';
	if (sp->width >= 0)
		snprintf(p, size - (size_t)(p - f), "%d", sp->width);
	p += strlen(p);
	if (sp->prec >= 0)
		snprintf(p, size - (size_t)(p - f), ".%d", sp->prec);
	p += strlen(p);
	snprintf(p, size - (size_t)(p - f), "%s%c", lenmod, type);
}

/*
 * An integer conversion as Python does it: the digits of the magnitude,
 * zero-extended to the precision, after the sign and the '#' prefix;
 * then padded to the width with zeros (flag '0') or spaces.
 */
static bool
format_int(nbc_buf *b, const fmt_spec *sp, int64_t i)
{
	uint64_t mag = i < 0 ? (uint64_t)0 - (uint64_t)i : (uint64_t)i;
	unsigned base = sp->type == 'x' || sp->type == 'X' ? 16 :
	    sp->type == 'o' ? 8 : 10;
	const char *dig = sp->type == 'X' ? "0123456789ABCDEF" :
	    "0123456789abcdef";
	char digits[80], pre[4];
	size_t nd = 0, np = 0, body, k;

	do {
		digits[nd++] = dig[mag % base];
		mag /= base;
	} while (mag != 0);
	while (sp->prec > 0 && nd < (size_t)sp->prec && nd < sizeof(digits))
		digits[nd++] = '0';
	if (i < 0)
		pre[np++] = '-';
	else if (sp->plus)
		pre[np++] = '+';
	else if (sp->space)
		pre[np++] = ' ';
	if (sp->alt && base != 10) {
		pre[np++] = '0';
		pre[np++] = sp->type == 'o' ? 'o' : sp->type;
	}
	body = np + nd;
	if (!sp->left && !sp->zero)
		for (k = body; sp->width > 0 && k < (size_t)sp->width; k++)
			if (!nbc_buf_addc(b, ' '))
				return false;
	if (!nbc_buf_add(b, pre, np))
		return false;
	if (!sp->left && sp->zero)
		for (k = body; sp->width > 0 && k < (size_t)sp->width; k++)
			if (!nbc_buf_addc(b, '0'))
				return false;
	while (nd > 0)
		if (!nbc_buf_addc(b, digits[--nd]))
			return false;
	if (sp->left)
		for (k = body; sp->width > 0 && k < (size_t)sp->width; k++)
			if (!nbc_buf_addc(b, ' '))
				return false;
	return true;
}

/* ascii(): the non-ASCII characters of a repr escaped, in place. */
static bool
ascii_escape(nbc_buf *t)
{
	nbc_buf o;
	size_t i = 0;

	nbc_buf_init(&o, t->vm);
	while (i < t->len) {
		uint32_t cp;
		size_t k = nbc_utf8_decode(t->p + i, &cp);
		bool ok = cp < 0x80 ? nbc_buf_add(&o, t->p + i, k) :
		    cp < 0x100 ? nbc_buf_printf(&o, "\\x%02x", cp) :
		    cp < 0x10000 ? nbc_buf_printf(&o, "\\u%04x", cp) :
		    nbc_buf_printf(&o, "\\U%08x", cp);

		if (!ok) {
			nbc_buf_free(&o);
			return false;
		}
		i += k;
	}
	nbc_buf_free(t);
	*t = o;
	return true;
}

static int
format_one(nbc_vm *vm, nbc_buf *b, const fmt_spec *sp, nbc_value v)
{
	char f[48];

	switch (sp->type) {
	case 's':
	case 'r':
	case 'a': {
		nbc_buf t;
		const char *s;
		size_t slen, nch = 0, i;
		int r;

		nbc_buf_init(&t, vm);
		r = sp->type == 's' ? nbc_str_buf(vm, &t, v) :
		    nbc_repr_buf(vm, &t, v);
		if (r == 0 && sp->type == 'a' && !ascii_escape(&t))
			r = nbc_raise_resource(vm, "memory");
		if (r < 0) {
			nbc_buf_free(&t);
			return -1;
		}
		s = t.p ? t.p : "";
		slen = t.len;
		for (i = 0; i < slen; i++) {
			if ((s[i] & 0xC0) == 0x80)
				continue;
			if (sp->prec >= 0 && nch == (size_t)sp->prec) {
				slen = i;
				break;
			}
			nch++;
		}
		r = pad_add(b, sp, s, slen, nch) ? 0 : -1;
		nbc_buf_free(&t);
		return r;
	}
	case 'c': {
		char enc[4];
		uint32_t cp;

		if (v.t == NBC_T_STR && NBC_STR(v)->nchars == 1) {
			return pad_add(b, sp, NBC_STR(v)->data, NBC_STR(v)->len,
			    1) ? 0 : -1;
		}
		if (!NBC_IS_INTLIKE(v))
			return nbc_raise(vm, NBC_EXC_TYPE_ERROR,
			    "%%c requires int or char");
		if (v.u.i < 0 || v.u.i > 0x10FFFF ||
		    (v.u.i >= 0xD800 && v.u.i <= 0xDFFF))
			return nbc_raise(vm, NBC_EXC_OVERFLOW_ERROR,
			    "%%c arg not in range(0x110000)");
		cp = (uint32_t)(v.t == NBC_T_BOOL ? v.u.b : v.u.i);
		return pad_add(b, sp, enc, nbc_utf8_encode(cp, enc), 1) ? 0 : -1;
	}
	case 'd': case 'i': case 'u': case 'x': case 'X': case 'o': {
		int64_t i;

		if (v.t == NBC_T_BOOL) {
			i = v.u.b;
		} else if (v.t == NBC_T_INT) {
			i = v.u.i;
		} else if (v.t == NBC_T_FLOAT && (sp->type == 'd' ||
		    sp->type == 'i' || sp->type == 'u')) {
			double d = v.u.f;

			if (d != d)
				return nbc_raise(vm, NBC_EXC_VALUE_ERROR,
				    "cannot convert float NaN to integer");
			if (d >= 9223372036854775808.0 ||
			    d < -9223372036854775808.0)
				return nbc_raise(vm, NBC_EXC_OVERFLOW_ERROR,
				    isinf(d) ?
				    "cannot convert float infinity to integer" :
				    "integer overflow");
			i = (int64_t)d;
		} else if (sp->type == 'd' || sp->type == 'i' ||
		    sp->type == 'u') {
			return nbc_raise(vm, NBC_EXC_TYPE_ERROR,
			    "%%%c format: a real number is required, not %s",
			    sp->type, nbc_type_name(v));
		} else {
			return nbc_raise(vm, NBC_EXC_TYPE_ERROR,
			    "%%%c format: an integer is required, not %s",
			    sp->type, nbc_type_name(v));
		}
		return format_int(b, sp, i) ? 0 : -1;
	}
	case 'f': case 'F': case 'e': case 'E': case 'g': case 'G': {
		double d;

		if (v.t == NBC_T_FLOAT)
			d = v.u.f;
		else if (v.t == NBC_T_INT)
			d = (double)v.u.i;
		else if (v.t == NBC_T_BOOL)
			d = v.u.b;
		else
			return nbc_raise(vm, NBC_EXC_TYPE_ERROR,
			    "must be real number, not %s", nbc_type_name(v));
		if (!isfinite(d) && sp->zero && !sp->left) {
			/* Python zero-pads inf and nan too, after the sign */
			fmt_spec s2 = *sp;
			char t[16];
			size_t tl, signl, k;

			s2.zero = false;
			s2.width = -1;
			c_format(&s2, "", sp->type, f, sizeof(f));
			tl = (size_t)snprintf(t, sizeof(t), f, d);
			signl = t[0] == '-' || t[0] == '+' || t[0] == ' ';
			if (!nbc_buf_add(b, t, signl))
				return -1;
			for (k = tl; sp->width > 0 && k < (size_t)sp->width; k++)
				if (!nbc_buf_addc(b, '0'))
					return -1;
			return nbc_buf_add(b, t + signl, tl - signl) ? 0 : -1;
		}
		c_format(sp, "", sp->type, f, sizeof(f));
		return nbc_buf_printf(b, f, d) ? 0 : -1;
	}
	default:
		return nbc_raise(vm, NBC_EXC_VALUE_ERROR,
		    "unsupported format character '%c'", sp->type);
	}
}

/* A '*' width or precision: the next argument, an int. */
static int
star_arg(nbc_vm *vm, const nbc_value *items, size_t nitems, size_t *next,
    int *out)
{
	nbc_value v;

	if (*next >= nitems)
		return nbc_raise(vm, NBC_EXC_TYPE_ERROR,
		    "not enough arguments for format string");
	v = items[(*next)++];
	if (!NBC_IS_INTLIKE(v))
		return nbc_raise(vm, NBC_EXC_TYPE_ERROR, "* wants int");
	if (v.u.i > 10000 || v.u.i < -10000)
		return nbc_raise_resource(vm, "memory");
	*out = v.t == NBC_T_BOOL ? v.u.b : (int)v.u.i;
	return 0;
}

int
nbc_str_format(nbc_vm *vm, nbc_value fmtv, nbc_value args, nbc_value *out)
{
	nbc_str *fmt = NBC_STR(fmtv);
	const nbc_value *items = &args;
	size_t nitems = 1, next = 0, i = 0;
	nbc_buf b;
	const char *s = fmt->data;
	nbc_value keyval = nbc_none();
	bool keyed;

	if (args.t == NBC_T_TUPLE) {
		items = NBC_TUPLE(args)->items;
		nitems = NBC_TUPLE(args)->n;
	}
	nbc_buf_init(&b, vm);
	while (i < fmt->len) {
		fmt_spec sp = { false, false, false, false, false, -1, -1, 0 };
		const char *pct = memchr(s + i, '%', fmt->len - i);
		size_t stop = pct ? (size_t)(pct - s) : fmt->len;

		if (!nbc_buf_add(&b, s + i, stop - i))
			goto fail;
		if (pct == NULL)
			break;
		i = stop + 1;
		keyed = false;
		if (i < fmt->len && s[i] == '(') {
			/* %(key)s: the value is args[key] */
			size_t depth = 1, k0 = ++i;
			nbc_value key;
			int r;

			while (i < fmt->len && depth > 0) {
				depth += s[i] == '(' ? 1 : s[i] == ')' ? -1 : 0;
				i++;
			}
			if (args.t != NBC_T_DICT) {
				nbc_raise(vm, NBC_EXC_TYPE_ERROR,
				    "format requires a mapping");
				goto fail;
			}
			if (depth > 0) {
				nbc_raise(vm, NBC_EXC_VALUE_ERROR,
				    "incomplete format key");
				goto fail;
			}
			if (nbc_str_new(vm, s + k0, i - 1 - k0, &key) < 0)
				goto fail;
			r = nbc_dict_get(vm, args, key, &keyval);
			if (r == 0)
				nbc_key_error(vm, key);
			if (r <= 0)
				goto fail;
			keyed = true;
		}
		for (; i < fmt->len; i++) {
			if (s[i] == '-')
				sp.left = true;
			else if (s[i] == '+')
				sp.plus = true;
			else if (s[i] == ' ')
				sp.space = true;
			else if (s[i] == '#')
				sp.alt = true;
			else if (s[i] == '0')
				sp.zero = true;
			else
				break;
		}
		if (i < fmt->len && s[i] == '*') {
			if (star_arg(vm, items, nitems, &next, &sp.width) < 0)
				goto fail;
			if (sp.width < 0) {
				sp.left = true;
				sp.width = -sp.width;
			}
			i++;
		} else if (i < fmt->len && s[i] >= '1' && s[i] <= '9') {
			sp.width = 0;
			while (i < fmt->len && s[i] >= '0' && s[i] <= '9' &&
			    sp.width < 100000)
				sp.width = sp.width * 10 + (s[i++] - '0');
		}
		if (i + 1 < fmt->len && s[i] == '.' && s[i + 1] == '*') {
			if (star_arg(vm, items, nitems, &next, &sp.prec) < 0)
				goto fail;
			if (sp.prec < 0)
				sp.prec = 0;
			i += 2;
		} else if (i < fmt->len && s[i] == '.') {
			i++;
			sp.prec = 0;
			while (i < fmt->len && s[i] >= '0' && s[i] <= '9' &&
			    sp.prec < 100000)
				sp.prec = sp.prec * 10 + (s[i++] - '0');
		}
		if (i >= fmt->len) {
			nbc_raise(vm, NBC_EXC_VALUE_ERROR, "incomplete format");
			goto fail;
		}
		sp.type = s[i++];
		if (sp.type == '%' && i == stop + 2) {
			if (!nbc_buf_addc(&b, '%'))
				goto fail;
			continue;
		}
		if (!keyed && next >= nitems) {
			/* CPython takes the argument before it reads the type */
			nbc_raise(vm, NBC_EXC_TYPE_ERROR,
			    "not enough arguments for format string");
			goto fail;
		}
		if (sp.type == '\0' || sp.type == '%' ||
		    strchr("srcadiuxXofFeEgG", sp.type) == NULL) {
			uint32_t cp;

			nbc_utf8_decode(s + i - 1, &cp);
			if (cp >= 0x20 && cp < 0x7F)
				nbc_raise(vm, NBC_EXC_VALUE_ERROR,
				    "unsupported format character '%c' (0x%x) "
				    "at index %lld", (char)cp, cp,
				    (long long)chars_before(fmt, i - 1));
			else
				nbc_raise(vm, NBC_EXC_VALUE_ERROR,
				    "unsupported format character '?' (0x%x) "
				    "at index %lld", cp,
				    (long long)chars_before(fmt, i - 1));
			goto fail;
		}
		if (sp.width > 10000 || sp.prec > 10000) {
			nbc_raise_resource(vm, "memory");
			goto fail;
		}
		if (keyed) {
			if (format_one(vm, &b, &sp, keyval) < 0)
				goto fail;
			continue;
		}
		if (format_one(vm, &b, &sp, items[next++]) < 0)
			goto fail;
	}
	/* like CPython, an argument with __getitem__ (not a tuple or str)
	 * may go unused */
	if (next < nitems && args.t != NBC_T_LIST && args.t != NBC_T_DICT &&
	    args.t != NBC_T_RANGE) {
		nbc_raise(vm, NBC_EXC_TYPE_ERROR,
		    "not all arguments converted during string formatting");
		goto fail;
	}
	return nbc_buf_to_str(&b, out);
fail:
	nbc_buf_free(&b);
	if (!vm->raised)
		nbc_raise_resource(vm, "memory");
	return -1;
}
