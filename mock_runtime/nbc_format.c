/*
 * nbc_format.c - the serialized NBC module format and its parser.
 *
 * A blob is a byte string, all integers little-endian:
 *
 *   header    "NBC1"  u16 version (NBC_FORMAT_VERSION)  u16 flags (0)
 *             u32 caps  u32 nconsts  u32 nglobals  u32 nfuncs
 *   constants nconsts times: u8 tag, then by tag
 *               NONE, FALSE, TRUE   nothing
 *               INT                 i64
 *               FLOAT               f64 (IEEE bits)
 *               STR                 u32 len, len bytes of UTF-8
 *               TUPLE               u32 n, n u32 indices of earlier constants
 *   globals   nglobals names
 *   functions nfuncs times:
 *               name  u32 nparams  u32 ndefaults  ndefaults u32 constant
 *               indices (defaults of the last parameters)  u32 nlocals
 *               nlocals names (may be empty)  u32 max_stack  u32 line
 *               u32 code_len  code_len bytes of code (nbc_opcodes.h)
 *               u32 nlines  nlines pairs (u32 code offset, u32 line),
 *               offsets strictly increasing: an instruction's line is that
 *               of the last pair at or before it
 *   name      u32 len, len bytes of UTF-8
 *
 * Nothing may follow the last function.  Function 0 is "<module>".
 *
 * nbc_image_parse() reads this structure with every count bounded by the
 * bytes that remain before anything is allocated, so a hostile length
 * cannot make it read out of bounds or allocate more than the blob's size
 * times a small factor.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nbc_format.h"

const char *const nbc_op_names[NBC_OP__COUNT] = {
#define NBC_X_NAME(name, nops, pops, pushes, jump, doc) #name,
	NBC_OPCODES(NBC_X_NAME)
#undef NBC_X_NAME
};

const uint8_t nbc_op_nops[NBC_OP__COUNT] = {
#define NBC_X_NOPS(name, nops, pops, pushes, jump, doc) nops,
	NBC_OPCODES(NBC_X_NOPS)
#undef NBC_X_NOPS
};

const uint8_t nbc_op_jumps[NBC_OP__COUNT] = {
#define NBC_X_JUMP(name, nops, pops, pushes, jump, doc) jump,
	NBC_OPCODES(NBC_X_JUMP)
#undef NBC_X_JUMP
};

int nbc_fail(nbc_error *err, int line, const char *fmt, ...)
{
	va_list ap;

	if (err) {
		va_start(ap, fmt);
		vsnprintf(err->message, sizeof(err->message), fmt, ap);
		va_end(ap);
		err->line = line;
	}
	return -1;
}

bool nbc_utf8_valid(const char *str, size_t len)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t i = 0;

	while (i < len) {
		unsigned c = s[i];
		size_t n;
		uint32_t cp, min;

		if (c < 0x80) {
			i++;
			continue;
		}
		if ((c & 0xe0) == 0xc0) { n = 1; cp = c & 0x1f; min = 0x80; }
		else if ((c & 0xf0) == 0xe0) { n = 2; cp = c & 0x0f; min = 0x800; }
		else if ((c & 0xf8) == 0xf0) { n = 3; cp = c & 0x07; min = 0x10000; }
		else
			return false;
		if (len - i <= n)
			return false;
		for (size_t k = 1; k <= n; k++) {
			if ((s[i + k] & 0xc0) != 0x80)
				return false;
			cp = cp << 6 | (s[i + k] & 0x3f);
		}
		if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
			return false;
		i += n + 1;
	}
	return true;
}

/* A bounded reader over the blob. */
typedef struct reader {
	const uint8_t *p, *end, *start;
	nbc_error *err;
	bool bad;
} reader;

static int rd_fail(reader *r, const char *what)
{
	if (!r->bad)
		nbc_fail(r->err, 0, "malformed blob: %s at byte %zu", what,
		    (size_t)(r->p - r->start));
	r->bad = true;
	return -1;
}

static size_t rd_left(const reader *r)
{
	return (size_t)(r->end - r->p);
}

static uint32_t rd_u32(reader *r, const char *what)
{
	uint32_t v;

	if (r->bad || rd_left(r) < 4) {
		rd_fail(r, what);
		return 0;
	}
	v = nbc_rd32(r->p);
	r->p += 4;
	return v;
}

static const uint8_t *rd_bytes(reader *r, size_t n, const char *what)
{
	const uint8_t *p = r->p;

	if (r->bad || rd_left(r) < n) {
		rd_fail(r, what);
		return NULL;
	}
	r->p += n;
	return p;
}

/* A count of items each at least unit bytes long, bounded by what is left. */
static uint32_t rd_count(reader *r, size_t unit, uint32_t max, const char *what)
{
	uint32_t n = rd_u32(r, what);

	if (r->bad)
		return 0;
	if (n > max || (size_t)n > rd_left(r) / unit) {
		r->p -= 4;
		rd_fail(r, what);
		return 0;
	}
	return n;
}

static void rd_name(reader *r, nbc_name *out, const char *what)
{
	uint32_t len = rd_count(r, 1, NBC_MAX_NAME, what);
	const uint8_t *s = rd_bytes(r, len, what);

	out->s = (const char *)s;
	out->len = s ? len : 0;
}

static void rd_const(reader *r, nbc_kdesc *k)
{
	const uint8_t *p = rd_bytes(r, 1, "constant tag");
	uint64_t bits;

	if (!p)
		return;
	memset(k, 0, sizeof(*k));
	k->tag = *p;
	switch (k->tag) {
	case NBC_K_NONE: case NBC_K_FALSE: case NBC_K_TRUE:
		break;
	case NBC_K_INT:
		if ((p = rd_bytes(r, 8, "int constant")))
			k->i = (int64_t)nbc_rd64(p);
		break;
	case NBC_K_FLOAT:
		if ((p = rd_bytes(r, 8, "float constant"))) {
			bits = nbc_rd64(p);
			memcpy(&k->f, &bits, sizeof(bits));
		}
		break;
	case NBC_K_STR:
		k->len = rd_count(r, 1, UINT32_MAX, "string length");
		k->s = (const char *)rd_bytes(r, k->len, "string constant");
		break;
	case NBC_K_TUPLE:
		k->len = rd_count(r, 4, UINT32_MAX, "tuple length");
		k->items = rd_bytes(r, (size_t)k->len * 4, "tuple items");
		break;
	default:
		r->p--;
		rd_fail(r, "unknown constant tag");
	}
}

/* First pass over one function: everything but local names, which are
 * read into the pool by the caller in the same order. */
static void rd_func(reader *r, nbc_fdesc *f, nbc_name **pool, size_t *npool,
    size_t *cap)
{
	memset(f, 0, sizeof(*f));
	rd_name(r, &f->name, "function name");
	f->nparams = rd_u32(r, "parameter count");
	f->ndefaults = rd_count(r, 4, NBC_MAX_LOCALS, "default count");
	f->defaults = rd_bytes(r, (size_t)f->ndefaults * 4, "defaults");
	f->nlocals = rd_count(r, 4, NBC_MAX_LOCALS, "local count");
	if (r->bad)
		return;
	if (*npool + f->nlocals > *cap) {
		size_t ncap = (*cap ? *cap * 2 : 64) + f->nlocals;
		nbc_name *np = reallocarray(*pool, ncap, sizeof(**pool));

		if (!np) {
			rd_fail(r, "out of memory");
			return;
		}
		*pool = np;
		*cap = ncap;
	}
	for (uint32_t i = 0; i < f->nlocals; i++)
		rd_name(r, &(*pool)[*npool + i], "local name");
	*npool += f->nlocals;
	f->max_stack_at = (size_t)(r->p - r->start);
	f->max_stack = rd_u32(r, "max stack");
	f->line = rd_u32(r, "function line");
	f->code_len = rd_count(r, 1, NBC_MAX_CODE, "code length");
	f->code = rd_bytes(r, f->code_len, "code");
	f->nlines = rd_count(r, 8, NBC_MAX_CODE, "line table length");
	f->lines = rd_bytes(r, (size_t)f->nlines * 8, "line table");
}

int nbc_image_parse(const uint8_t *blob, size_t len, nbc_image *img,
    nbc_error *err)
{
	reader r = { blob, blob + len, blob, err, false };
	const uint8_t *p;
	size_t npool = 0, cap = 0, at = 0;

	memset(img, 0, sizeof(*img));
	if (!blob || len < 24)
		return nbc_fail(err, 0, "malformed blob: too short for a header");
	if (memcmp(blob, NBC_MAGIC, 4) != 0)
		return nbc_fail(err, 0, "malformed blob: bad magic");
	r.p += 4;
	p = rd_bytes(&r, 4, "version");
	img->version = (uint16_t)(p[0] | p[1] << 8);
	if (img->version != NBC_FORMAT_VERSION)
		return nbc_fail(err, 0, "unsupported blob format version %u",
		    img->version);
	if (p[2] | p[3])
		return nbc_fail(err, 0, "malformed blob: unknown flags");
	img->caps = rd_u32(&r, "caps");
	img->nconsts = rd_count(&r, 1, NBC_MAX_CONSTS, "constant count");
	img->nglobals = rd_count(&r, 4, NBC_MAX_GLOBALS, "global count");
	img->nfuncs = rd_count(&r, 1, NBC_MAX_FUNCS, "function count");
	if (r.bad)
		return -1;
	img->consts = calloc(img->nconsts + 1, sizeof(*img->consts));
	img->globals = calloc(img->nglobals + 1, sizeof(*img->globals));
	img->funcs = calloc(img->nfuncs + 1, sizeof(*img->funcs));
	if (!img->consts || !img->globals || !img->funcs) {
		nbc_image_free(img);
		return nbc_fail(err, 0, "out of memory");
	}
	for (uint32_t i = 0; i < img->nconsts && !r.bad; i++)
		rd_const(&r, &img->consts[i]);
	for (uint32_t i = 0; i < img->nglobals && !r.bad; i++)
		rd_name(&r, &img->globals[i], "global name");
	for (uint32_t i = 0; i < img->nfuncs && !r.bad; i++)
		rd_func(&r, &img->funcs[i], &img->localpool, &npool, &cap);
	if (!r.bad && rd_left(&r) != 0)
		rd_fail(&r, "trailing bytes");
	if (r.bad) {
		nbc_image_free(img);
		return -1;
	}
	/* The pool may have moved while it grew: point functions into it. */
	for (uint32_t i = 0; i < img->nfuncs; i++) {
		img->funcs[i].locals = img->localpool ? img->localpool + at : NULL;
		at += img->funcs[i].nlocals;
	}
	return 0;
}

void nbc_image_free(nbc_image *img)
{
	free(img->consts);
	free(img->globals);
	free(img->funcs);
	free(img->localpool);
	memset(img, 0, sizeof(*img));
}

int nbc_fdesc_line(const nbc_fdesc *f, uint32_t pc)
{
	uint32_t lo = 0, hi = f->nlines;

	/* Binary search for the last pair whose offset is <= pc. */
	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;

		if (nbc_rd32(f->lines + (size_t)mid * 8) <= pc)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo == 0)
		return (int)f->line;
	return (int)nbc_rd32(f->lines + (size_t)(lo - 1) * 8 + 4);
}
