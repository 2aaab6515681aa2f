/*
 * ncc_sema.c - the semantic pass: names, arities, placement, capabilities.
 *
 * Runs on a tree without syntax errors and annotates it for the code
 * generator: every E_NAME gets its slot (local or module constant), every
 * call its target (module function, builtin, method, print), every
 * comprehension its hidden locals.  It reports the compile errors of
 * LANGUAGE.md: undefined names, wrong arity, misplaced return/break/
 * continue, duplicate functions, assignments to module constants inside
 * functions, forbidden imports and constructs outside the subset; and it
 * records each use of a capability with its position.
 *
 * Scopes, as Python's: a name assigned anywhere in a function (or a
 * parameter) is local to the whole function; otherwise it is a module
 * constant, a module function, an imported capability module or a builtin.
 * A comprehension's variables live in their own scope (hidden locals).
 * At module level a name must be defined by an earlier statement.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "ncc_ast.h"

enum { MOD_TIME, MOD_RANDOM, MOD_MATH, MOD_FS };
static const char *const modules[] = { "time", "random", "math", "fs" };

static const struct { const char *name; int mn, mx; uint32_t caps; }
builtins[] = {
#define X(id, name, mn, mx, caps) { name, mn, mx, caps },
	NBC_BUILTINS(X)
#undef X
};

static const struct { const char *name; int mn, mx; } methods[] = {
#define X(id, name, mn, mx) { name, mn, mx },
	NBC_METHODS(X)
#undef X
};

static const char *const exceptions[] = {
#define X(id, name) name,
	NBC_EXCEPTIONS(X)
#undef X
};

static const struct { const char *name; uint32_t bit; } types[] = {
	{ "int", NBC_TYPEBIT_INT }, { "float", NBC_TYPEBIT_FLOAT },
	{ "bool", NBC_TYPEBIT_BOOL }, { "str", NBC_TYPEBIT_STR },
	{ "list", NBC_TYPEBIT_LIST }, { "tuple", NBC_TYPEBIT_TUPLE },
	{ "dict", NBC_TYPEBIT_DICT },
};

/* Python builtins outside Noodle: named as unsupported, not undefined. */
static const char *const python_builtins[] = {
	"set", "frozenset", "map", "filter", "open", "input", "chr", "ord",
	"hex", "bin", "oct", "repr", "type", "id", "hash", "iter", "next",
	"any", "all", "divmod", "pow", "format", "getattr", "setattr",
	"hasattr", "delattr", "callable", "vars", "dir", "globals", "locals",
	"eval", "exec", "compile", "super", "object", "property",
	"staticmethod", "classmethod", "bytes", "bytearray", "memoryview",
	"complex", "slice", "ascii", "issubclass", "__import__", "exit",
	"quit", "help", "breakpoint", "aiter", "anext", "NotImplemented",
	"Ellipsis", "__name__", "__file__", "BaseException",
	"StopIteration", "NameError", "OSError", "IOError", "LookupError",
	"ArithmeticError", "NotImplementedError", "ImportError",
	"FileNotFoundError", "PermissionError", "MemoryError",
	"SystemExit", "KeyboardInterrupt", "GeneratorExit", "Warning",
	"UnicodeError", "UnicodeDecodeError", "UnicodeEncodeError",
	"TimeoutError", "ConnectionError", "EOFError", "SyntaxError",
	"IndentationError", "TabError", "FloatingPointError",
};

/* Most items in one list, tuple or dict display (BUILD_* operand). */
#define MAX_ITEMS 65535u

/* Kinds of module-level names. */
enum { G_CONST, G_FUNC, G_IMPORT };

typedef struct compvar {
	const char *name;
	uint32_t slot;
} compvar;

typedef struct sema {
	ncc_ctx *ctx;
	ncs_module *m;
	ncc_map gkind;            /* name -> G_* */
	ncc_map gindex;           /* name -> slot / function index / module */
	ncc_map gorder;           /* name -> index of the defining statement */
	ncc_map bi, meth, exc, typ, pybi;
	ncc_fdef *fn;             /* current function, or &m->init */
	bool in_func;
	size_t stmt_index;        /* module statement being checked */
	int loops;
	ncc_vec compvars;         /* compvar * stack */
	ncc_vec dups;             /* duplicate definitions, checked too */
	bool too_many_consts, too_many_funcs;   /* reported once */
} sema;

static void
serr(sema *s, int line, int col, const char *fmt, const char *a,
    const char *b)
{
	ncc_error(s->ctx, line, col, fmt, a, b);
}

/* ---- locals ------------------------------------------------------------ */

/*
 * Room for item n of an array of pointers that holds n: the array doubles
 * when n reaches a power of two (16 at least), so growth stays linear.
 */
static void *
grow(ncc_ctx *c, void *items, size_t n)
{
	if (n != 0 && (n < 16 || (n & (n - 1)) != 0))
		return items;
	size_t cap = n < 16 ? 16 : n * 2;
	void **nv = ncc_alloc(c, cap * sizeof *nv);
	if (n > 0)
		memcpy(nv, items, n * sizeof *nv);
	return nv;
}

static uint32_t
new_local(sema *s, ncc_fdef *f, const char *name, int line, int col)
{
	if (f->nlocals >= NCC_MAX_LOCALS) {
		if (!f->too_many)
			ncc_error(s->ctx, line, col,
			    "too many local variables (at most %u)", NCC_MAX_LOCALS);
		f->too_many = true;
		/* bind the name anyway (no code is made), to report no more */
		if (name[0] != '.')
			ncc_map_put(s->ctx, &f->locals, name, 0);
		return 0;
	}
	f->local_names = grow(s->ctx, f->local_names, f->nlocals);
	f->local_names[f->nlocals] = name;
	if (name[0] != '.')
		ncc_map_put(s->ctx, &f->locals, name, (int)f->nlocals);
	return f->nlocals++;
}

static uint32_t
hidden_local(sema *s, const char *name, int line, int col)
{
	return new_local(s, s->fn, ncc_printf(s->ctx, ".%s", name), line, col);
}

/* ---- helpers ----------------------------------------------------------- */

static void
capuse(sema *s, uint32_t cap, int line, int col)
{
	if (cap == 0)
		return;
	ncc_capuse *u = ncc_alloc(s->ctx, sizeof *u);
	u->cap = cap;
	u->line = line;
	u->col = col;
	ncc_vec_push(s->ctx, &s->m->capuses, u);
	s->m->caps |= cap;
}

/* Arity message in CPython's words for builtins and methods. */
static bool
check_arity_builtin(sema *s, const ncc_expr *call, const char *name, int mn,
    int mx)
{
	int n = (int)call->u.call.nargs;

	if (n >= mn && n <= mx)
		return true;
	if (mn == 0 && mx == 0)
		ncc_error(s->ctx, call->line, call->col,
		    "%s() takes no arguments (%d given)", name, n);
	else if (mn == 1 && mx == 1)
		ncc_error(s->ctx, call->line, call->col,
		    "%s() takes exactly one argument (%d given)", name, n);
	else if (mn == mx)
		ncc_error(s->ctx, call->line, call->col,
		    "%s expected %d arguments, got %d", name, mn, n);
	else if (n < mn)
		ncc_error(s->ctx, call->line, call->col,
		    "%s expected at least %d argument%s, got %d", name, mn,
		    mn == 1 ? "" : "s", n);
	else
		ncc_error(s->ctx, call->line, call->col,
		    "%s expected at most %d argument%s, got %d", name, mx,
		    mx == 1 ? "" : "s", n);
	return false;
}

static void
no_kwargs(sema *s, const ncc_expr *call)
{
	if (call->u.call.nkw > 0)
		ncc_error(s->ctx, call->u.call.kw[0].line, call->u.call.kw[0].col,
		    "keyword arguments are not supported");
}

/* Whether a module-level name is visible here (defined before, at module
 * level; anywhere, in a function). */
static bool
global_visible(sema *s, const char *name)
{
	int order;

	if (!ncc_map_get(&s->gorder, name, &order))
		return false;
	return s->in_func || (size_t)order < s->stmt_index;
}

static bool
local_slot(sema *s, const char *name, uint32_t *slot)
{
	for (size_t i = s->compvars.n; i-- > 0;) {
		const compvar *v = s->compvars.items[i];
		if (strcmp(v->name, name) == 0) {
			*slot = v->slot;
			return true;
		}
	}
	int v;
	if (s->in_func && ncc_map_get(&s->fn->locals, name, &v)) {
		*slot = (uint32_t)v;
		return true;
	}
	return false;
}

static void resolve(sema *s, ncc_expr *e);

/* ---- names ------------------------------------------------------------- */

static void
name_value(sema *s, ncc_expr *e)
{
	const char *n = e->u.name;
	uint32_t slot;
	int kind, idx;

	if (local_slot(s, n, &slot)) {
		e->ref = R_LOCAL;
		e->slot = slot;
		return;
	}
	if (global_visible(s, n) && ncc_map_get(&s->gkind, n, &kind)) {
		ncc_map_get(&s->gindex, n, &idx);
		if (kind == G_CONST) {
			e->ref = R_GLOBAL;
			e->slot = (uint32_t)idx;
		} else if (kind == G_FUNC) {
			serr(s, e->line, e->col,
			    "using function '%s' as a value is not supported", n,
			    NULL);
		} else {
			serr(s, e->line, e->col,
			    "using module '%s' as a value is not supported", n, NULL);
		}
		return;
	}
	if (strcmp(n, "print") == 0 || ncc_map_get(&s->bi, n, NULL)) {
		serr(s, e->line, e->col,
		    "using builtin '%s' as a value is not supported", n, NULL);
	} else if (ncc_map_get(&s->exc, n, NULL)) {
		serr(s, e->line, e->col,
		    "using exception '%s' as a value is not supported", n, NULL);
	} else if (ncc_map_get(&s->pybi, n, NULL)) {
		serr(s, e->line, e->col, "builtin '%s' is not supported", n, NULL);
	} else {
		serr(s, e->line, e->col, "undefined name '%s'", n, NULL);
	}
}

/* An imported module named by e (not shadowed), or -1. */
static int
module_of(sema *s, const ncc_expr *e)
{
	uint32_t slot;
	int kind, idx;

	if (e->kind != E_NAME || local_slot(s, e->u.name, &slot))
		return -1;
	if (!global_visible(s, e->u.name)
	    || !ncc_map_get(&s->gkind, e->u.name, &kind) || kind != G_IMPORT)
		return -1;
	ncc_map_get(&s->gindex, e->u.name, &idx);
	return idx;
}

static void
attr_value(sema *s, ncc_expr *e)
{
	int mod = module_of(s, e->u.attr.obj);
	const char *a = e->u.attr.name;

	if (mod == MOD_MATH && (strcmp(a, "pi") == 0 || strcmp(a, "e") == 0
	    || strcmp(a, "inf") == 0)) {
		e->kind = E_FLOAT;
		e->u.f = a[0] == 'p' ? M_PI : a[0] == 'e' ? M_E : INFINITY;
		return;
	}
	if (mod >= 0) {
		char full[64];
		int bi;
		snprintf(full, sizeof full, "%s.%s", modules[mod], a);
		if (ncc_map_get(&s->bi, full, &bi))
			serr(s, e->line, e->col,
			    "using function '%s' as a value is not supported", full,
			    NULL);
		else
			serr(s, e->line, e->col, "module '%s' has no attribute '%s'",
			    modules[mod], a);
		return;
	}
	resolve(s, e->u.attr.obj);
	serr(s, e->line, e->col, "attribute '%s' is not supported", a, NULL);
}

/* ---- calls ------------------------------------------------------------- */

static void
resolve_args(sema *s, ncc_expr *call)
{
	for (size_t i = 0; i < call->u.call.nargs; i++)
		resolve(s, call->u.call.args[i]);
}

static void
call_print(sema *s, ncc_expr *e)
{
	bool sep = false, end = false;

	e->ref = R_PRINT;
	for (size_t i = 0; i < e->u.call.nkw; i++) {
		ncc_kwarg *kw = &e->u.call.kw[i];
		bool *seen = strcmp(kw->name, "sep") == 0 ? &sep
		    : strcmp(kw->name, "end") == 0 ? &end : NULL;
		if (seen == NULL)
			serr(s, kw->line, kw->col,
			    "'%s' is an invalid keyword argument for print()",
			    kw->name, NULL);
		else if (*seen)
			serr(s, kw->line, kw->col, "keyword argument repeated: %s",
			    kw->name, NULL);
		else
			*seen = true;
		resolve(s, kw->value);
	}
	if (e->u.call.nargs > NCC_MAX_ARGS)
		ncc_error(s->ctx, e->line, e->col, "too many arguments");
	capuse(s, NBC_CAP_LOG, e->line, e->col);
	resolve_args(s, e);
}

/* isinstance's second argument: a type name or a tuple of them. */
static void
isinstance_mask(sema *s, ncc_expr *e)
{
	ncc_expr *t = e->u.call.args[1];
	ncc_expr **items = &t;
	size_t n = 1;
	uint32_t mask = 0, slot;

	if (t->kind == E_TUPLE) {
		items = t->u.seq.items;
		n = t->u.seq.n;
	}
	for (size_t i = 0; i < n; i++) {
		int bit;
		if (items[i]->kind != E_NAME || !ncc_map_get(&s->typ,
		    items[i]->u.name, &bit) || local_slot(s, items[i]->u.name,
		    &slot) || ncc_map_get(&s->gkind, items[i]->u.name, NULL)) {
			ncc_error(s->ctx, items[i]->line, items[i]->col,
			    "isinstance() arg 2 must be a type or tuple of types");
			return;
		}
		mask |= (uint32_t)bit;
	}
	e->u.call.mask = mask;
}

static void
call_name(sema *s, ncc_expr *e)
{
	ncc_expr *fn = e->u.call.fn;
	const char *n = fn->u.name;
	uint32_t slot;
	int kind, idx;

	if (local_slot(s, n, &slot)) {
		serr(s, fn->line, fn->col, "'%s' is not a function", n, NULL);
		resolve_args(s, e);
		return;
	}
	if (global_visible(s, n) && ncc_map_get(&s->gkind, n, &kind)) {
		ncc_map_get(&s->gindex, n, &idx);
		if (kind == G_FUNC) {
			const ncc_fdef *f = s->m->funcs[idx - 1];
			size_t mn = 0, mx = f->nparams, got = e->u.call.nargs;
			while (mn < f->nparams && f->params[mn].dflt == NULL)
				mn++;
			e->ref = R_FUNC;
			e->slot = (uint32_t)idx;
			no_kwargs(s, e);
			if (e->u.call.nkw == 0 && (got < mn || got > mx)) {
				if (mn == mx)
					ncc_error(s->ctx, e->line, e->col,
					    "function '%s' takes %zu argument%s, %zu given",
					    n, mx, mx == 1 ? "" : "s", got);
				else
					ncc_error(s->ctx, e->line, e->col,
					    "function '%s' takes %zu to %zu arguments, %zu given",
					    n, mn, mx, got);
			}
		} else if (kind == G_CONST) {
			serr(s, fn->line, fn->col, "'%s' is not a function", n, NULL);
		} else {
			serr(s, fn->line, fn->col, "module '%s' is not callable", n,
			    NULL);
		}
		resolve_args(s, e);
		return;
	}
	if (strcmp(n, "print") == 0) {
		call_print(s, e);
		return;
	}
	if (ncc_map_get(&s->bi, n, &idx)) {
		e->ref = R_BUILTIN;
		e->slot = (uint32_t)idx;
		no_kwargs(s, e);
		bool ok = check_arity_builtin(s, e, n, builtins[idx].mn,
		    builtins[idx].mx);
		if (idx == NBC_BI_ISINSTANCE) {
			if (ok)
				isinstance_mask(s, e);
			if (e->u.call.nargs > 0)
				resolve(s, e->u.call.args[0]);
			return;
		}
		resolve_args(s, e);
		return;
	}
	if (ncc_map_get(&s->exc, n, NULL))
		serr(s, fn->line, fn->col,
		    "exception '%s' can only be created in a 'raise' statement", n,
		    NULL);
	else if (ncc_map_get(&s->pybi, n, NULL))
		serr(s, fn->line, fn->col, "builtin '%s' is not supported", n, NULL);
	else
		serr(s, fn->line, fn->col, "undefined name '%s'", n, NULL);
	resolve_args(s, e);
}

static void
call_attr(sema *s, ncc_expr *e)
{
	ncc_expr *fn = e->u.call.fn;
	const char *a = fn->u.attr.name;
	int mod = module_of(s, fn->u.attr.obj), idx;

	no_kwargs(s, e);
	if (mod >= 0) {
		char full[64];
		snprintf(full, sizeof full, "%s.%s", modules[mod], a);
		if (!ncc_map_get(&s->bi, full, &idx)) {
			serr(s, fn->line, fn->col, "module '%s' has no attribute '%s'",
			    modules[mod], a);
		} else {
			e->ref = R_BUILTIN;
			e->slot = (uint32_t)idx;
			check_arity_builtin(s, e, full, builtins[idx].mn,
			    builtins[idx].mx);
			capuse(s, builtins[idx].caps, e->line, e->col);
		}
		resolve_args(s, e);
		return;
	}
	const ncc_expr *obj = fn->u.attr.obj;
	uint32_t slot;
	if (obj->kind == E_NAME && !local_slot(s, obj->u.name, &slot)
	    && !ncc_map_get(&s->gkind, obj->u.name, NULL)) {
		for (int k = 0; k < 4; k++)
			if (strcmp(obj->u.name, modules[k]) == 0) {
				serr(s, obj->line, obj->col,
				    "module '%s' is not imported (add 'import %s')",
				    modules[k], modules[k]);
				resolve_args(s, e);
				return;
			}
	}
	resolve(s, fn->u.attr.obj);
	if (!ncc_map_get(&s->meth, a, &idx)) {
		serr(s, fn->line, fn->col, "method '%s' is not supported", a, NULL);
	} else {
		e->ref = R_METHOD;
		e->slot = (uint32_t)idx;
		check_arity_builtin(s, e, a, methods[idx].mn, methods[idx].mx);
	}
	resolve_args(s, e);
}

static void
resolve_call(sema *s, ncc_expr *e)
{
	ncc_expr *fn = e->u.call.fn;

	if (e->u.call.nargs > NCC_MAX_ARGS) {
		ncc_error(s->ctx, e->line, e->col, "too many arguments");
		return;
	}
	if (fn->kind == E_NAME) {
		call_name(s, e);
	} else if (fn->kind == E_ATTR) {
		call_attr(s, e);
	} else {
		if (fn->kind != E_BAD)
			ncc_error(s->ctx, fn->line, fn->col,
			    "only functions and methods can be called");
		resolve(s, fn);
		resolve_args(s, e);
	}
}

/* ---- comprehensions ---------------------------------------------------- */

static void
bind_comp_target(sema *s, ncc_expr *t)
{
	if (t->kind == E_NAME) {
		compvar *v = ncc_alloc(s->ctx, sizeof *v);
		v->name = t->u.name;
		v->slot = hidden_local(s, t->u.name, t->line, t->col);
		t->ref = R_LOCAL;
		t->slot = v->slot;
		ncc_vec_push(s->ctx, &s->compvars, v);
	} else if (t->kind == E_TUPLE || t->kind == E_LIST) {
		for (size_t i = 0; i < t->u.seq.n; i++)
			bind_comp_target(s, t->u.seq.items[i]);
	} else if (t->kind != E_BAD) {
		ncc_error(s->ctx, t->line, t->col,
		    "a comprehension variable must be a name");
	}
}

static void
resolve_comp(sema *s, ncc_expr *e)
{
	size_t mark = s->compvars.n;

	e->u.comp.tmp = hidden_local(s, "list", e->line, e->col);
	for (size_t i = 0; i < e->u.comp.nfors; i++) {
		ncc_compfor *cf = &e->u.comp.fors[i];
		resolve(s, cf->iter);
		bind_comp_target(s, cf->target);
		for (size_t k = 0; k < cf->nconds; k++)
			resolve(s, cf->conds[k]);
	}
	resolve(s, e->u.comp.elt);
	s->compvars.n = mark;
}

/* ---- expressions ------------------------------------------------------- */

static void
resolve(sema *s, ncc_expr *e)
{
	if (e == NULL)
		return;
	switch (e->kind) {
	case E_INT:
		if (e->big)
			ncc_error(s->ctx, e->line, e->col,
			    "integer literal too large (int is 64-bit)");
		break;
	case E_FLOAT: case E_STR: case E_BOOL: case E_NONE: case E_BAD:
		break;
	case E_NAME:
		name_value(s, e);
		break;
	case E_LIST: case E_TUPLE: case E_DICT:
		if (e->u.seq.n > MAX_ITEMS) {
			ncc_error(s->ctx, e->line, e->col,
			    "too many items in one display (at most %u)", MAX_ITEMS);
			break;
		}
		for (size_t i = 0; i < (e->kind == E_DICT ? 2 : 1) * e->u.seq.n; i++)
			resolve(s, e->u.seq.items[i]);
		break;
	case E_AND: case E_OR:
		for (size_t i = 0; i < e->u.seq.n; i++)
			resolve(s, e->u.seq.items[i]);
		break;
	case E_BINOP:
		resolve(s, e->u.bin.l);
		resolve(s, e->u.bin.r);
		break;
	case E_UNARY:
		resolve(s, e->u.un.e);
		break;
	case E_COMPARE:
		for (size_t i = 0; i < e->u.cmp.n; i++)
			resolve(s, e->u.cmp.opnds[i]);
		break;
	case E_IFEXP:
		resolve(s, e->u.ifx.cond);
		resolve(s, e->u.ifx.a);
		resolve(s, e->u.ifx.b);
		break;
	case E_CALL:
		resolve_call(s, e);
		break;
	case E_ATTR:
		attr_value(s, e);
		break;
	case E_SUBSCR:
		resolve(s, e->u.sub.obj);
		if (e->u.sub.idx->kind == E_TUPLE)
			for (size_t i = 0; i < e->u.sub.idx->u.seq.n; i++)
				if (e->u.sub.idx->u.seq.items[i]->kind == E_SLICE) {
					ncc_error(s->ctx, e->line, e->col,
					    "multi-dimensional slicing is not supported");
					return;
				}
		resolve(s, e->u.sub.idx);
		break;
	case E_SLICE:
		resolve(s, e->u.slice.lo);
		resolve(s, e->u.slice.hi);
		resolve(s, e->u.slice.step);
		break;
	case E_LISTCOMP:
		resolve_comp(s, e);
		break;
	}
}

/* An assignment target: names bind (already collected), the rest load. */
static void
resolve_target(sema *s, ncc_expr *t)
{
	switch (t->kind) {
	case E_NAME:
		if (s->in_func) {
			name_value(s, t);
		} else {
			int idx;
			ncc_map_get(&s->gindex, t->u.name, &idx);
			t->ref = R_GLOBAL;
			t->slot = (uint32_t)idx;
		}
		break;
	case E_SUBSCR:
		resolve(s, t->u.sub.obj);
		resolve(s, t->u.sub.idx);
		break;
	case E_TUPLE:
	case E_LIST:
		for (size_t i = 0; i < t->u.seq.n; i++)
			resolve_target(s, t->u.seq.items[i]);
		break;
	default:
		break;
	}
}

/* ---- statements --------------------------------------------------------- */

static bool
is_literal(const ncc_expr *e)
{
	switch (e->kind) {
	case E_INT: return !e->big;
	case E_FLOAT: case E_STR: case E_BOOL: case E_NONE: return true;
	case E_TUPLE:
		for (size_t i = 0; i < e->u.seq.n; i++)
			if (!is_literal(e->u.seq.items[i]))
				return false;
		return true;
	default: return false;
	}
}

/* Collect the names a function assigns (its locals), in order. */
static void collect_block(sema *s, ncc_block *b);

static void
collect_target(sema *s, ncc_expr *t)
{
	int kind;

	if (t->kind == E_TUPLE || t->kind == E_LIST) {
		for (size_t i = 0; i < t->u.seq.n; i++)
			collect_target(s, t->u.seq.items[i]);
		return;
	}
	if (t->kind != E_NAME || ncc_map_get(&s->fn->locals, t->u.name, NULL))
		return;
	if (ncc_map_get(&s->gkind, t->u.name, &kind) && kind == G_CONST)
		serr(s, t->line, t->col,
		    "cannot assign to module constant '%s' in a function",
		    t->u.name, NULL);
	new_local(s, s->fn, t->u.name, t->line, t->col);
}

static void
collect_stmt(sema *s, ncc_stmt *st)
{
	switch (st->kind) {
	case S_ASSIGN:
		for (size_t i = 0; i < st->u.assign.n; i++)
			collect_target(s, st->u.assign.targets[i]);
		break;
	case S_AUGASSIGN:
		collect_target(s, st->u.aug.target);
		break;
	case S_ANNOT:
		collect_target(s, st->u.annot.target);
		break;
	case S_FOR:
		collect_target(s, st->u.loop.target);
		collect_block(s, &st->u.loop.body);
		collect_block(s, &st->u.loop.orelse);
		break;
	case S_IF:
	case S_WHILE:
		collect_block(s, &st->u.cond.body);
		collect_block(s, &st->u.cond.orelse);
		break;
	case S_DEF:
		ncc_error(s->ctx, st->line, st->col,
		    "nested functions are not supported");
		break;
	case S_IMPORT:
		ncc_error(s->ctx, st->line, st->col,
		    "'import' is only allowed at module level");
		break;
	default:
		break;
	}
}

static void
collect_block(sema *s, ncc_block *b)
{
	for (size_t i = 0; i < b->n; i++)
		collect_stmt(s, b->items[i]);
}

static void check_block(sema *s, ncc_block *b);

static void
check_raise(sema *s, ncc_stmt *st)
{
	ncc_expr *x = st->u.raise.exc, *name = x;
	int id;

	if (x == NULL) {
		ncc_error(s->ctx, st->line, st->col,
		    "bare 'raise' is not supported");
		return;
	}
	if (x->kind == E_CALL)
		name = x->u.call.fn;
	if (name->kind == E_BAD)
		return;
	if (name->kind != E_NAME || !ncc_map_get(&s->exc, name->u.name, &id)
	    || ncc_map_get(&s->gkind, name->u.name, NULL)) {
		ncc_error(s->ctx, x->line, x->col,
		    "'raise' needs a builtin exception, e.g. raise ValueError(\"...\")");
		if (x->kind == E_CALL)
			resolve_args(s, x);
		return;
	}
	if (id >= NBC_EXC_RAISABLE) {
		serr(s, name->line, name->col, "raising '%s' is not supported",
		    name->u.name, NULL);
		return;
	}
	st->u.raise.id = (uint32_t)id;
	if (x->kind == E_CALL) {
		no_kwargs(s, x);
		if (x->u.call.nargs > 1)
			ncc_error(s->ctx, x->line, x->col,
			    "an exception takes at most one argument here");
		else if (x->u.call.nargs == 1)
			st->u.raise.msg = x->u.call.args[0];
		resolve_args(s, x);
	}
}

static bool
ends_flow(const ncc_stmt *st)
{
	return st->kind == S_RETURN || st->kind == S_RAISE
	    || st->kind == S_BREAK || st->kind == S_CONTINUE;
}

static void
check_stmt(sema *s, ncc_stmt *st)
{
	switch (st->kind) {
	case S_EXPR:
		resolve(s, st->u.expr);
		break;
	case S_ASSIGN:
		resolve(s, st->u.assign.value);
		for (size_t i = 0; i < st->u.assign.n; i++)
			resolve_target(s, st->u.assign.targets[i]);
		break;
	case S_AUGASSIGN:
		resolve_target(s, st->u.aug.target);
		resolve(s, st->u.aug.value);
		break;
	case S_ANNOT:
		if (st->u.annot.value != NULL) {
			resolve(s, st->u.annot.value);
			resolve_target(s, st->u.annot.target);
		}
		break;
	case S_RETURN:
		resolve(s, st->u.expr);
		break;
	case S_BREAK:
		if (s->loops == 0)
			ncc_error(s->ctx, st->line, st->col, "'break' outside loop");
		break;
	case S_CONTINUE:
		if (s->loops == 0)
			ncc_error(s->ctx, st->line, st->col,
			    "'continue' not properly in loop");
		break;
	case S_IF:
		resolve(s, st->u.cond.cond);
		check_block(s, &st->u.cond.body);
		check_block(s, &st->u.cond.orelse);
		break;
	case S_WHILE:
		resolve(s, st->u.cond.cond);
		s->loops++;
		check_block(s, &st->u.cond.body);
		s->loops--;
		check_block(s, &st->u.cond.orelse);
		break;
	case S_FOR:
		resolve(s, st->u.loop.iter);
		resolve_target(s, st->u.loop.target);
		s->loops++;
		check_block(s, &st->u.loop.body);
		s->loops--;
		check_block(s, &st->u.loop.orelse);
		break;
	case S_ASSERT:
		resolve(s, st->u.assrt.cond);
		resolve(s, st->u.assrt.msg);
		break;
	case S_RAISE:
		check_raise(s, st);
		break;
	case S_PASS: case S_IMPORT: case S_DEF: case S_BAD:
		break;
	}
}

static void
check_block(sema *s, ncc_block *b)
{
	for (size_t i = 0; i < b->n; i++) {
		check_stmt(s, b->items[i]);
		if (ends_flow(b->items[i]) && i + 1 < b->n)
			ncc_warning(s->ctx, b->items[i + 1]->line,
			    b->items[i + 1]->col, "unreachable code");
	}
}

static void
check_function(sema *s, ncc_fdef *f)
{
	s->fn = f;
	s->in_func = true;
	s->loops = 0;
	for (size_t i = 0; i < f->nparams; i++) {
		ncc_pdef *p = &f->params[i];
		if (ncc_map_get(&f->locals, p->name, NULL))
			serr(s, p->line, p->col,
			    "duplicate argument '%s' in function definition", p->name,
			    NULL);
		new_local(s, f, p->name, p->line, p->col);
		if (p->dflt != NULL && !is_literal(p->dflt))
			ncc_error(s->ctx, p->dflt->line, p->dflt->col,
			    "a default value must be a literal (number, string, bool, None or tuple)");
	}
	collect_block(s, &f->body);
	check_block(s, &f->body);
	s->in_func = false;
}

/* ---- module ------------------------------------------------------------ */

static bool
semver_ok(const char *v)
{
	ncc_semver sv;
	return ncc_semver_parse(v, &sv) == 0;
}

static void
define_global(sema *s, const char *name, int kind, int index, size_t order)
{
	ncc_map_put(s->ctx, &s->gkind, name, kind);
	ncc_map_put(s->ctx, &s->gindex, name, index);
	if (!ncc_map_get(&s->gorder, name, NULL))
		ncc_map_put(s->ctx, &s->gorder, name, (int)order);
}

/* A module constant named by target t (a name or a tuple of names). */
static bool
declare_const(sema *s, ncc_expr *t, size_t order)
{
	int kind;

	if (t->kind == E_TUPLE || t->kind == E_LIST) {
		bool ok = true;
		for (size_t i = 0; i < t->u.seq.n; i++)
			ok = declare_const(s, t->u.seq.items[i], order) && ok;
		return ok;
	}
	if (t->kind != E_NAME) {
		ncc_error(s->ctx, t->line, t->col,
		    "only names can be assigned at module level");
		return false;
	}
	if (ncc_map_get(&s->gkind, t->u.name, &kind)) {
		if (kind != G_CONST) {
			serr(s, t->line, t->col, "'%s' is already defined as a %s",
			    t->u.name, kind == G_FUNC ? "function" : "module");
			return false;
		}
		return true;
	}
	if (s->m->nglobals >= NCC_MAX_CONSTANTS) {
		if (!s->too_many_consts)
			ncc_error(s->ctx, t->line, t->col,
			    "too many module constants (at most %u)", NCC_MAX_CONSTANTS);
		s->too_many_consts = true;
		return false;
	}
	s->m->globals = grow(s->ctx, s->m->globals, s->m->nglobals);
	s->m->globals[s->m->nglobals] = t->u.name;
	define_global(s, t->u.name, G_CONST, (int)s->m->nglobals++, order);
	return true;
}

static void
version_decl(sema *s, ncc_stmt *st, ncc_expr *value)
{
	ncs_module *m = s->m;

	if (m->version != NULL || m->version_bad) {
		ncc_error(s->ctx, st->line, st->col, "__version__ is declared twice");
		return;
	}
	if (value->kind != E_STR || strlen(value->u.s.s) != value->u.s.len
	    || !semver_ok(value->u.s.s)) {
		m->version_bad = true;
		ncc_error(s->ctx, value->line, value->col,
		    "__version__ must be a string \"MAJOR.MINOR.PATCH\", e.g. \"1.0.0\"");
		return;
	}
	m->version = value->u.s.s;
	m->version_line = value->line;
	m->version_col = value->col;
}

/* First pass: the module's names, in order; what may stand at top level. */
static void
declare_module(sema *s, ncc_block *mod)
{
	for (size_t i = 0; i < mod->n; i++) {
		ncc_stmt *st = mod->items[i];
		int kind, idx;
		switch (st->kind) {
		case S_IMPORT: {
			const char *n = st->u.import.module;
			int which = -1;
			for (int k = 0; k < 4; k++)
				if (strcmp(n, modules[k]) == 0)
					which = k;
			if (which < 0) {
				serr(s, st->line, st->col,
				    "cannot import '%s': only time, random, math and fs can be imported",
				    n, NULL);
			} else if (ncc_map_get(&s->gkind, n, &kind)
			    && kind != G_IMPORT) {
				serr(s, st->line, st->col,
				    "'%s' is already defined", n, NULL);
			} else {
				define_global(s, n, G_IMPORT, which, i);
			}
			break;
		}
		case S_DEF: {
			ncc_fdef *f = st->u.def;
			if (ncc_map_get(&s->gkind, f->name, &kind)) {
				if (kind == G_FUNC) {
					ncc_map_get(&s->gindex, f->name, &idx);
					ncc_error(s->ctx, f->line, f->col,
					    "function '%s' is already defined on line %d",
					    f->name, s->m->funcs[idx - 1]->line);
					ncc_vec_push(s->ctx, &s->dups, f);
				} else {
					serr(s, f->line, f->col,
					    "'%s' is already defined as a %s", f->name,
					    kind == G_CONST ? "module constant" : "module");
				}
				break;
			}
			if (s->m->nfuncs >= NCC_MAX_FUNCTIONS) {
				if (!s->too_many_funcs)
					ncc_error(s->ctx, f->line, f->col,
					    "too many functions (at most %u)",
					    NCC_MAX_FUNCTIONS);
				s->too_many_funcs = true;
				break;
			}
			s->m->funcs = grow(s->ctx, s->m->funcs, s->m->nfuncs);
			s->m->funcs[s->m->nfuncs++] = f;
			f->index = (uint32_t)s->m->nfuncs;
			define_global(s, f->name, G_FUNC, (int)f->index, i);
			break;
		}
		case S_ASSIGN:
			for (size_t k = 0; k < st->u.assign.n; k++)
				if (!declare_const(s, st->u.assign.targets[k], i))
					st->kind = S_BAD;
			if (st->kind == S_ASSIGN && st->u.assign.n == 1
			    && st->u.assign.targets[0]->kind == E_NAME
			    && strcmp(st->u.assign.targets[0]->u.name,
			    "__version__") == 0)
				version_decl(s, st, st->u.assign.value);
			break;
		case S_ANNOT:
			if (st->u.annot.value != NULL
			    && !declare_const(s, st->u.annot.target, i))
				st->kind = S_BAD;
			break;
		case S_EXPR:
			if (i == 0 && st->u.expr->kind == E_STR)
				break;
			ncc_error(s->ctx, st->line, st->col,
			    "only imports, functions and constants are allowed at module level");
			break;
		case S_RETURN:
			ncc_error(s->ctx, st->line, st->col,
			    "'return' outside function");
			break;
		case S_BREAK:
			ncc_error(s->ctx, st->line, st->col, "'break' outside loop");
			break;
		case S_CONTINUE:
			ncc_error(s->ctx, st->line, st->col,
			    "'continue' not properly in loop");
			break;
		case S_PASS:
		case S_BAD:
			break;
		default:
			ncc_error(s->ctx, st->line, st->col,
			    "only imports, functions and constants are allowed at module level");
			st->kind = S_BAD;
			break;
		}
	}
}

static void
init_tables(sema *s)
{
	for (size_t i = 0; i < sizeof builtins / sizeof builtins[0]; i++)
		ncc_map_put(s->ctx, &s->bi, builtins[i].name, (int)i);
	for (size_t i = 0; i < sizeof methods / sizeof methods[0]; i++)
		ncc_map_put(s->ctx, &s->meth, methods[i].name, (int)i);
	for (size_t i = 0; i < sizeof exceptions / sizeof exceptions[0]; i++)
		ncc_map_put(s->ctx, &s->exc, exceptions[i], (int)i);
	for (size_t i = 0; i < sizeof types / sizeof types[0]; i++)
		ncc_map_put(s->ctx, &s->typ, types[i].name, (int)types[i].bit);
	for (size_t i = 0; i < sizeof python_builtins / sizeof python_builtins[0];
	    i++)
		ncc_map_put(s->ctx, &s->pybi, python_builtins[i], 1);
}

void
ncs_check(ncc_ctx *ctx, ncc_block *mod, ncs_module *out)
{
	sema s;

	memset(&s, 0, sizeof s);
	memset(out, 0, sizeof *out);
	s.ctx = ctx;
	s.m = out;
	out->init.name = "<module>";
	out->init.ret = "any";
	init_tables(&s);
	declare_module(&s, mod);
	/* module code, in order */
	s.fn = &out->init;
	for (size_t i = 0; i < mod->n; i++) {
		ncc_stmt *st = mod->items[i];
		s.stmt_index = i;
		if (st->kind == S_ASSIGN || st->kind == S_ANNOT)
			check_stmt(&s, st);
	}
	s.stmt_index = mod->n;
	for (size_t i = 0; i < out->nfuncs; i++)
		check_function(&s, out->funcs[i]);
	for (size_t i = 0; i < s.dups.n; i++)
		check_function(&s, s.dups.items[i]);
}
