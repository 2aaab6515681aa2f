/*
 * nbc_verify.c - the bytecode verifier: refuses any malformed or hostile
 * blob before the loader runs it.
 *
 * Three layers, each assuming the one before:
 *   structure  nbc_image_parse(): every length within the blob.
 *   tables     nbc_verify_tables(): caps, constants (UTF-8 strings, tuples
 *              of earlier constants only), names, signatures, defaults,
 *              line tables.
 *   code       nbc_verify_func(), per function, in two passes:
 *              1. decode: every opcode known, every instruction complete,
 *                 every operand in range (constants, locals, globals,
 *                 callees and their argument counts, builtin / method /
 *                 exception ids and arities from nbc_names.h, the caps
 *                 a builtin or print needs declared), every jump target
 *                 on an instruction boundary;
 *              2. flow: a worklist walk from offset 0 that gives each
 *                 reachable instruction one stack depth, using the POPS
 *                 and PUSHES columns of nbc_opcodes.h and the branch
 *                 effects its comment gives; refuses underflow, two
 *                 different depths at one instruction, a path that falls
 *                 off the end, and a depth above the declared max_stack.
 *
 * What the interpreter may then assume: operands are in range, the stack
 * never underflows or exceeds max_stack, control stays inside the code.
 * What it must still check at run time: value types (a FOR_ITER on a
 * non-iterator, LIST_APPEND_LOCAL on a non-list) and unbound locals.
 */
#include <stdlib.h>
#include <string.h>

#include "nbc_format.h"

static const struct { uint8_t min, max; uint32_t caps; } builtin_arity[] = {
#define NBC_X_BI(id, name, mn, mx, caps) { mn, mx, caps },
	NBC_BUILTINS(NBC_X_BI)
#undef NBC_X_BI
};

static const struct { uint8_t min, max; } method_arity[] = {
#define NBC_X_M(id, name, mn, mx) { mn, mx },
	NBC_METHODS(NBC_X_M)
#undef NBC_X_M
};

/* Stack effect on fall-through, from the table's expressions. */
static int64_t op_pops(unsigned op, int64_t A, int64_t B)
{
	switch (op) {
#define NBC_X_POPS(name, nops, pops, pushes, jump, doc) \
	case NBC_OP_##name: return (pops);
	NBC_OPCODES(NBC_X_POPS)
#undef NBC_X_POPS
	default: return 0;
	}
}

static int64_t op_pushes(unsigned op, int64_t A, int64_t B)
{
	switch (op) {
#define NBC_X_PUSHES(name, nops, pops, pushes, jump, doc) \
	case NBC_OP_##name: return (pushes);
	NBC_OPCODES(NBC_X_PUSHES)
#undef NBC_X_PUSHES
	default: return 0;
	}
}

/* Depth change on the taken branch (nbc_opcodes.h). */
static int64_t branch_effect(unsigned op)
{
	switch (op) {
	case NBC_OP_JUMP_IF_FALSE: case NBC_OP_JUMP_IF_TRUE:
	case NBC_OP_FOR_ITER:
		return -1;
	default:
		return 0;
	}
}

static bool falls_through(unsigned op)
{
	return op != NBC_OP_JUMP && op != NBC_OP_RETURN &&
	    op != NBC_OP_RAISE && op != NBC_OP_ASSERT_FAIL;
}

static bool name_ok(const nbc_name *n, bool nonempty)
{
	if (nonempty && n->len == 0)
		return false;
	return !memchr(n->s, 0, n->len) && nbc_utf8_valid(n->s, n->len);
}

static int name_cmp(const void *a, const void *b)
{
	const nbc_name *x = *(const nbc_name *const *)a;
	const nbc_name *y = *(const nbc_name *const *)b;
	uint32_t n = x->len < y->len ? x->len : y->len;
	int c = memcmp(x->s, y->s, n);

	if (c)
		return c;
	return x->len < y->len ? -1 : x->len > y->len;
}

/* Whether two functions share a name (sorting pointers to the names). */
static int check_unique_funcs(const nbc_image *img, nbc_error *err)
{
	const nbc_name **v = reallocarray(NULL, img->nfuncs, sizeof(*v));
	int rc = 0;

	if (!v)
		return nbc_fail(err, 0, "out of memory");
	for (uint32_t i = 0; i < img->nfuncs; i++)
		v[i] = &img->funcs[i].name;
	qsort(v, img->nfuncs, sizeof(*v), name_cmp);
	for (uint32_t i = 1; i < img->nfuncs && rc == 0; i++)
		if (name_cmp(&v[i - 1], &v[i]) == 0)
			rc = nbc_fail(err, 0, "duplicate function name '%.*s'",
			    (int)v[i]->len, v[i]->s);
	free(v);
	return rc;
}

static int check_func_table(const nbc_image *img, uint32_t fn,
    nbc_error *err)
{
	const nbc_fdesc *f = &img->funcs[fn];
	int nl = (int)(f->name.len > 64 ? 64 : f->name.len);
	uint32_t prev = 0;

	if (!name_ok(&f->name, true))
		return nbc_fail(err, 0, "function %u: bad name", fn);
	if (fn == 0 && (f->nparams != 0 || f->name.len != 8 ||
	    memcmp(f->name.s, "<module>", 8) != 0))
		return nbc_fail(err, 0, "function 0 must be <module> with no "
		    "parameters");
	if (f->nparams > f->nlocals || f->ndefaults > f->nparams)
		return nbc_fail(err, 0, "function %.*s: bad parameter counts",
		    nl, f->name.s);
	for (uint32_t i = 0; i < f->ndefaults; i++)
		if (nbc_rd32(f->defaults + 4 * (size_t)i) >= img->nconsts)
			return nbc_fail(err, 0, "function %.*s: default is not "
			    "a constant", nl, f->name.s);
	for (uint32_t i = 0; i < f->nlocals; i++)
		if (!name_ok(&f->locals[i], false))
			return nbc_fail(err, 0, "function %.*s: bad local name",
			    nl, f->name.s);
	if (f->max_stack > NBC_MAX_STACK || f->line > INT32_MAX)
		return nbc_fail(err, 0, "function %.*s: bad max_stack or line",
		    nl, f->name.s);
	for (uint32_t i = 0; i < f->nlines; i++) {
		uint32_t off = nbc_rd32(f->lines + 8 * (size_t)i);
		uint32_t line = nbc_rd32(f->lines + 8 * (size_t)i + 4);

		if ((i > 0 && off <= prev) || off >= f->code_len ||
		    line > INT32_MAX)
			return nbc_fail(err, 0, "function %.*s: bad line table",
			    nl, f->name.s);
		prev = off;
	}
	return 0;
}

int nbc_verify_tables(const nbc_image *img, nbc_error *err)
{
	if (img->caps & ~(uint32_t)(NBC_CAP_LOG | NBC_CAP_TIME |
	    NBC_CAP_RANDOM | NBC_CAP_FS))
		return nbc_fail(err, 0, "unknown capability bits 0x%x",
		    img->caps);
	uint16_t *nest = calloc(img->nconsts + 1, sizeof(*nest));

	if (!nest)
		return nbc_fail(err, 0, "out of memory");
	for (uint32_t i = 0; i < img->nconsts; i++) {
		const nbc_kdesc *k = &img->consts[i];

		if (k->tag == NBC_K_STR && !nbc_utf8_valid(k->s, k->len)) {
			free(nest);
			return nbc_fail(err, 0, "constant %u: invalid UTF-8", i);
		}
		for (uint32_t j = 0; k->tag == NBC_K_TUPLE && j < k->len; j++) {
			uint32_t item = nbc_rd32(k->items + 4 * (size_t)j);

			if (item >= i || nest[item] >= NBC_MAX_KNEST) {
				free(nest);
				return nbc_fail(err, 0, "constant %u: tuple item "
				    "is not an earlier constant or nests too "
				    "deep", i);
			}
			if (nest[item] + 1 > nest[i])
				nest[i] = (uint16_t)(nest[item] + 1);
		}
	}
	free(nest);
	for (uint32_t i = 0; i < img->nglobals; i++)
		if (!name_ok(&img->globals[i], true))
			return nbc_fail(err, 0, "global %u: bad name", i);
	if (img->nfuncs == 0)
		return nbc_fail(err, 0, "no <module> function");
	for (uint32_t i = 0; i < img->nfuncs; i++)
		if (check_func_table(img, i, err) < 0)
			return -1;
	return check_unique_funcs(img, err);
}

/* Pass 1 for one instruction: its operands. */
static const char *check_operands(const nbc_image *img, uint32_t fn,
    unsigned op, uint32_t A, uint32_t B)
{
	const nbc_fdesc *f = &img->funcs[fn];

	switch (op) {
	case NBC_OP_LOAD_CONST:
		return A < img->nconsts ? NULL : "constant index out of range";
	case NBC_OP_LOAD_LOCAL: case NBC_OP_STORE_LOCAL:
	case NBC_OP_LIST_APPEND_LOCAL:
		return A < f->nlocals ? NULL : "local index out of range";
	case NBC_OP_STORE_GLOBAL:
		if (fn != 0)
			return "STORE_GLOBAL outside <module>";
		/* fall through */
	case NBC_OP_LOAD_GLOBAL:
		return A < img->nglobals ? NULL : "global index out of range";
	case NBC_OP_UNPACK: case NBC_OP_BUILD_LIST: case NBC_OP_BUILD_TUPLE:
	case NBC_OP_BUILD_DICT:
		return A <= NBC_MAX_OPERAND ? NULL : "count too large";
	case NBC_OP_PRINT:
		if (A > 255)
			return "count too large";
		return (img->caps & NBC_CAP_LOG) ? NULL :
		    "print without the log capability declared";
	case NBC_OP_CALL_FUNC: {
		const nbc_fdesc *g;

		if (A == 0 || A >= img->nfuncs)
			return "function index out of range";
		g = &img->funcs[A];
		if (B > g->nparams || B < g->nparams - g->ndefaults)
			return "wrong argument count for the function";
		return NULL;
	}
	case NBC_OP_CALL_BUILTIN:
		if (A >= NBC_BI__COUNT)
			return "unknown builtin";
		if (B < builtin_arity[A].min || B > builtin_arity[A].max)
			return "wrong argument count for the builtin";
		if ((builtin_arity[A].caps & img->caps) != builtin_arity[A].caps)
			return "builtin needs a capability not declared";
		return NULL;
	case NBC_OP_CALL_METHOD:
		if (A >= NBC_M__COUNT)
			return "unknown method";
		if (B < method_arity[A].min || B > method_arity[A].max)
			return "wrong argument count for the method";
		return NULL;
	case NBC_OP_RAISE:
		if (A >= NBC_EXC_RAISABLE)
			return "exception type cannot be raised";
		return B <= 1 ? NULL : "too many exception arguments";
	case NBC_OP_ASSERT_FAIL:
		return A <= 1 ? NULL : "too many assertion arguments";
	default:
		return NULL;
	}
}

/*
 * depth[off]: -2 not an instruction start, -1 start not reached yet,
 * else the stack depth before the instruction.
 */
int nbc_verify_func(const nbc_image *img, uint32_t fn, uint32_t *max_depth,
    nbc_error *err)
{
	const nbc_fdesc *f = &img->funcs[fn];
	const uint8_t *code = f->code;
	uint32_t n = f->code_len, off, nwork = 0;
	int32_t *depth;
	uint32_t *work;
	int64_t maxd = 0;
	int nl = (int)(f->name.len > 64 ? 64 : f->name.len);
	const char *why = NULL;

	if (n == 0)
		return nbc_fail(err, (int)f->line, "function %.*s: no code", nl,
		    f->name.s);
	depth = malloc((size_t)n * sizeof(*depth));
	work = malloc((size_t)n * sizeof(*work));
	if (!depth || !work) {
		free(depth);
		free(work);
		return nbc_fail(err, 0, "out of memory");
	}
	for (uint32_t i = 0; i < n; i++)
		depth[i] = -2;
	/* Pass 1: decode. */
	for (off = 0; off < n && !why; ) {
		unsigned op = code[off];
		uint32_t size, A = 0, B = 0;

		if (op >= NBC_OP__COUNT) {
			why = "unknown opcode";
			break;
		}
		size = 1 + 4u * nbc_op_nops[op];
		if (size > n - off) {
			why = "truncated instruction";
			break;
		}
		if (nbc_op_nops[op] >= 1)
			A = nbc_rd32(code + off + 1);
		if (nbc_op_nops[op] >= 2)
			B = nbc_rd32(code + off + 5);
		why = check_operands(img, fn, op, A, B);
		if (!why)
			depth[off] = -1;
		else
			break;
		off += size;
	}
	for (uint32_t o = 0; !why && o < n; ) {
		unsigned op = code[o];

		if (nbc_op_jumps[op]) {
			uint32_t t = nbc_rd32(code + o + 1);

			if (t >= n || depth[t] == -2) {
				off = o;
				why = "jump target not on an instruction";
			}
		}
		o += 1 + 4u * nbc_op_nops[op];
	}
	/* Pass 2: flow. */
	if (!why) {
		depth[0] = 0;
		work[nwork++] = 0;
	}
	while (!why && nwork > 0) {
		unsigned op;
		uint32_t A = 0, B = 0, next;
		int64_t d, nd, succ[2];
		uint32_t to[2];
		int nsucc = 0;

		off = work[--nwork];
		op = code[off];
		d = depth[off];
		if (nbc_op_nops[op] >= 1)
			A = nbc_rd32(code + off + 1);
		if (nbc_op_nops[op] >= 2)
			B = nbc_rd32(code + off + 5);
		nd = d - op_pops(op, A, B);
		if (nd < 0 || (op == NBC_OP_FOR_ITER && d < 1)) {
			why = "stack underflow";
			break;
		}
		nd += op_pushes(op, A, B);
		if (nd > maxd)
			maxd = nd;
		if (maxd > NBC_MAX_STACK) {
			why = "stack too deep";
			break;
		}
		next = off + 1 + 4u * nbc_op_nops[op];
		if (falls_through(op)) {
			if (next >= n) {
				why = "control falls off the end of the function";
				break;
			}
			to[nsucc] = next;
			succ[nsucc++] = nd;
		}
		if (nbc_op_jumps[op]) {
			to[nsucc] = A;
			succ[nsucc++] = d + branch_effect(op);
		}
		for (int i = 0; i < nsucc && !why; i++) {
			if (depth[to[i]] == -1) {
				depth[to[i]] = (int32_t)succ[i];
				work[nwork++] = to[i];
			} else if (depth[to[i]] != succ[i]) {
				why = "different stack depths meet";
			}
		}
	}
	free(depth);
	free(work);
	if (!why && !max_depth && maxd > f->max_stack)
		why = "stack deeper than the declared max_stack";
	if (why)
		return nbc_fail(err, nbc_fdesc_line(f, off < n ? off : 0),
		    "function %.*s, offset %u: %s", nl, f->name.s, off, why);
	if (max_depth)
		*max_depth = (uint32_t)maxd;
	return 0;
}

int nbc_verify(const uint8_t *blob, size_t len, nbc_error *err)
{
	nbc_image img;
	int rc;

	if (err) {
		err->message[0] = 0;
		err->line = 0;
	}
	if (nbc_image_parse(blob, len, &img, err) < 0)
		return -1;
	rc = nbc_verify_tables(&img, err);
	for (uint32_t i = 0; rc == 0 && i < img.nfuncs; i++)
		rc = nbc_verify_func(&img, i, NULL, err);
	nbc_image_free(&img);
	return rc;
}

uint32_t nbc_blob_caps(const uint8_t *blob, size_t len)
{
	nbc_image img;
	uint32_t caps;

	if (nbc_verify(blob, len, NULL) < 0 ||
	    nbc_image_parse(blob, len, &img, NULL) < 0)
		return 0;
	caps = img.caps;
	nbc_image_free(&img);
	return caps;
}
