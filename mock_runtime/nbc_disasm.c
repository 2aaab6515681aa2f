/*
 * nbc_disasm.c - a readable listing of a verified blob, as the
 * versions/VER/bytecode file and `noodle disasm` show it:
 *
 *   ; NBC module, format 1, caps: log
 *   ; constants
 *       k0  5
 *       k1  'hello'
 *       k2  (k0, k1)
 *   ; globals
 *       g0  LIMIT
 *   ; function 1: add(a, b=k0)  line 3  locals 2  max_stack 2
 *   offset line OPNAME operand ; comment
 *       0     4 LOAD_LOCAL 0 ; a
 *
 * The comment names the constant (its repr), local, global, function,
 * builtin, method or exception an operand refers to.  Tuple constants are
 * listed by reference to their items, so a hostile pool of nested shared
 * tuples cannot make the listing grow exponentially.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nbc_format.h"

static const char *const builtin_names[] = {
#define NBC_X_BI(id, name, mn, mx, caps) name,
	NBC_BUILTINS(NBC_X_BI)
#undef NBC_X_BI
};

static const char *const method_names[] = {
#define NBC_X_M(id, name, mn, mx) name,
	NBC_METHODS(NBC_X_M)
#undef NBC_X_M
};

typedef struct out {
	char *p;
	size_t len, cap;
	bool oom;
} out;

static void o_add(out *o, const char *s, size_t n)
{
	if (o->oom)
		return;
	if (o->len + n + 1 > o->cap) {
		size_t ncap = o->cap ? o->cap : 1024;
		char *np;

		while (ncap < o->len + n + 1)
			ncap *= 2;
		np = realloc(o->p, ncap);
		if (!np) {
			o->oom = true;
			return;
		}
		o->p = np;
		o->cap = ncap;
	}
	memcpy(o->p + o->len, s, n);
	o->len += n;
	o->p[o->len] = 0;
}

static void o_printf(out *o, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void o_printf(out *o, const char *fmt, ...)
{
	char buf[512];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (n > 0)
		o_add(o, buf, (size_t)n < sizeof(buf) ? (size_t)n :
		    sizeof(buf) - 1);
}

/* The repr of constant k, at most about max bytes (longer is cut "..."). */
static void o_const(out *o, const nbc_image *img, uint32_t k, size_t max)
{
	const nbc_kdesc *c = &img->consts[k];
	nbc_lit lit = { .type = NBC_LIT_NONE };
	char *s;
	size_t n;

	switch (c->tag) {
	case NBC_K_TUPLE:
		o_add(o, "(", 1);
		for (uint32_t i = 0; i < c->len; i++)
			o_printf(o, "%sk%u", i ? ", " : "",
			    nbc_rd32(c->items + 4 * (size_t)i));
		o_add(o, c->len == 1 ? ",)" : ")", c->len == 1 ? 2 : 1);
		return;
	case NBC_K_FALSE: case NBC_K_TRUE:
		lit.type = NBC_LIT_BOOL;
		lit.u.b = c->tag == NBC_K_TRUE;
		break;
	case NBC_K_INT:
		lit.type = NBC_LIT_INT;
		lit.u.i = c->i;
		break;
	case NBC_K_FLOAT:
		lit.type = NBC_LIT_FLOAT;
		lit.u.f = c->f;
		break;
	case NBC_K_STR:
		lit.type = NBC_LIT_STR;
		lit.u.str.s = (char *)c->s;
		lit.u.str.len = c->len;
		break;
	default:
		break;
	}
	s = nbc_lit_repr(&lit, &n);
	if (!s) {
		o->oom = true;
		return;
	}
	if (n > max) {
		/* Cut on a UTF-8 boundary. */
		while (max > 0 && ((unsigned char)s[max] & 0xc0) == 0x80)
			max--;
		o_add(o, s, max);
		o_add(o, "...", 3);
	} else {
		o_add(o, s, n);
	}
	free(s);
}

static void o_name(out *o, const nbc_name *n)
{
	o_add(o, n->s, n->len);
}

static void o_local(out *o, const nbc_fdesc *f, uint32_t slot)
{
	if (f->locals[slot].len)
		o_name(o, &f->locals[slot]);
	else
		o_printf(o, "$%u", slot);
}

static void o_header(out *o, const nbc_image *img, uint32_t fn)
{
	const nbc_fdesc *f = &img->funcs[fn];

	o_printf(o, "\n; function %u: ", fn);
	o_name(o, &f->name);
	o_add(o, "(", 1);
	for (uint32_t i = 0; i < f->nparams; i++) {
		uint32_t firstdef = f->nparams - f->ndefaults;

		if (i)
			o_add(o, ", ", 2);
		o_local(o, f, i);
		if (i >= firstdef)
			o_printf(o, "=k%u", nbc_rd32(f->defaults +
			    4 * (size_t)(i - firstdef)));
	}
	o_printf(o, ")  line %u  locals %u  max_stack %u\n", f->line,
	    f->nlocals, f->max_stack);
}

static void o_code(out *o, const nbc_image *img, uint32_t fn)
{
	const nbc_fdesc *f = &img->funcs[fn];

	for (uint32_t off = 0; off < f->code_len && !o->oom; ) {
		unsigned op = f->code[off];
		uint32_t A = 0, B = 0;

		if (nbc_op_nops[op] >= 1)
			A = nbc_rd32(f->code + off + 1);
		if (nbc_op_nops[op] >= 2)
			B = nbc_rd32(f->code + off + 5);
		o_printf(o, "%6u %5d %s", off, nbc_fdesc_line(f, off),
		    nbc_op_names[op]);
		if (nbc_op_nops[op] >= 1)
			o_printf(o, " %u", A);
		if (nbc_op_nops[op] >= 2)
			o_printf(o, " %u", B);
		switch (op) {
		case NBC_OP_LOAD_CONST:
			o_add(o, " ; ", 3);
			o_const(o, img, A, 60);
			break;
		case NBC_OP_LOAD_LOCAL: case NBC_OP_STORE_LOCAL:
		case NBC_OP_LIST_APPEND_LOCAL:
			o_add(o, " ; ", 3);
			o_local(o, f, A);
			break;
		case NBC_OP_LOAD_GLOBAL: case NBC_OP_STORE_GLOBAL:
			o_add(o, " ; ", 3);
			o_name(o, &img->globals[A]);
			break;
		case NBC_OP_CALL_FUNC:
			o_add(o, " ; ", 3);
			o_name(o, &img->funcs[A].name);
			break;
		case NBC_OP_CALL_BUILTIN:
			o_printf(o, " ; %s", builtin_names[A]);
			break;
		case NBC_OP_CALL_METHOD:
			o_printf(o, " ; .%s", method_names[A]);
			break;
		case NBC_OP_RAISE:
			o_printf(o, " ; %s", nbc_exc_name((enum nbc_exc)A));
			break;
		default:
			break;
		}
		o_add(o, "\n", 1);
		off += 1 + 4u * nbc_op_nops[op];
	}
}

char *nbc_disasm(const uint8_t *blob, size_t len, nbc_error *err)
{
	nbc_image img;
	out o = { 0 };

	if (nbc_verify(blob, len, err) < 0 ||
	    nbc_image_parse(blob, len, &img, err) < 0)
		return NULL;
	o_printf(&o, "; NBC module, format %u, caps:", img.version);
#define NBC_X_CAP(id, name) \
	if (img.caps & NBC_CAP_##id) o_add(&o, " " name, sizeof(name));
	NBC_CAPS(NBC_X_CAP)
#undef NBC_X_CAP
	if (!img.caps)
		o_add(&o, " none", 5);
	o_add(&o, "\n; constants\n", 13);
	for (uint32_t k = 0; k < img.nconsts && !o.oom; k++) {
		o_printf(&o, "    k%-4u ", k);
		o_const(&o, &img, k, 200);
		o_add(&o, "\n", 1);
	}
	o_add(&o, "; globals\n", 10);
	for (uint32_t g = 0; g < img.nglobals && !o.oom; g++) {
		o_printf(&o, "    g%-4u ", g);
		o_name(&o, &img.globals[g]);
		o_add(&o, "\n", 1);
	}
	for (uint32_t fn = 0; fn < img.nfuncs && !o.oom; fn++) {
		o_header(&o, &img, fn);
		o_code(&o, &img, fn);
	}
	nbc_image_free(&img);
	if (o.oom) {
		free(o.p);
		nbc_fail(err, 0, "out of memory");
		return NULL;
	}
	return o.p;
}
