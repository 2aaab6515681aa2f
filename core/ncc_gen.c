/*
 * ncc_gen.c - code generation: the checked tree to an NBC module blob
 * through the builder of nbc.h.
 *
 * Function 0 is "<module>": it evaluates the module constants in source
 * order (STORE_GLOBAL) and returns None.  Functions follow in definition
 * order, so a call's function index is the one the semantic pass gave.
 * Every function ends with `return None`.
 *
 * Shapes worth knowing (stack shown left to right, top at the right):
 *   a < b < c     a b DUP ROT3 LT JUMP_IF_FALSE_OR_POP L1  c LT  JUMP L2
 *                 L1: ROT2 POP  L2:            (the middle is evaluated once)
 *   a and b       a JUMP_IF_FALSE_OR_POP L  b  L:   (the operand is the value)
 *   if a and not b:   a JUMP_IF_FALSE else  b JUMP_IF_TRUE else  body
 *                 (conditions are compiled as jumps: see branch())
 *   x[i] += v     x i DUP2 SUBSCR v ADD ROT3 STORE_SUBSCR
 *   for           iter GET_ITER  L: FOR_ITER end  <store> body JUMP L  end:
 *                 (break pops the iterator before jumping out)
 *   [e for x in s if c]   BUILD_LIST 0 STORE_LOCAL t  s GET_ITER
 *                 L: FOR_ITER end STORE_LOCAL x  c JUMP_IF_FALSE L
 *                 e LIST_APPEND_LOCAL t  JUMP L  end: LOAD_LOCAL t
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ncc_ast.h"

typedef struct loop {
	uint32_t cont;            /* continue target */
	bool is_for;              /* an iterator is on the stack */
	ncc_vec breaks;           /* offsets of JUMPs to the loop's end */
} loop;

typedef struct gen {
	ncc_ctx *ctx;
	nbc_builder *b;
	ncs_module *m;
	uint32_t fn;
	uint32_t *gslot;          /* builder slot of each module constant */
	loop *loops[NCC_MAX_NESTING + 2];
	int nloops;
} gen;

static uint32_t
emit(gen *g, enum nbc_opcode op, uint32_t a, uint32_t b, int line)
{
	return nbc_emit(g->b, g->fn, op, a, b, (uint32_t)line);
}

static uint32_t
here(gen *g)
{
	return nbc_here(g->b, g->fn);
}

static void
patch_here(gen *g, uint32_t at)
{
	nbc_patch(g->b, g->fn, at, here(g));
}

static void
load_none(gen *g, int line)
{
	emit(g, NBC_OP_LOAD_CONST, nbc_const_none(g->b), 0, line);
}

/* Constant index of a literal (defaults); the tree was checked. */
static uint32_t
lit_const(gen *g, const ncc_expr *e)
{
	switch (e->kind) {
	case E_INT: return nbc_const_int(g->b, e->u.i);
	case E_FLOAT: return nbc_const_float(g->b, e->u.f);
	case E_STR: return nbc_const_str(g->b, e->u.s.s, e->u.s.len);
	case E_BOOL: return nbc_const_bool(g->b, e->u.b);
	case E_TUPLE: {
		uint32_t *items = ncc_alloc(g->ctx, (e->u.seq.n + 1)
		    * sizeof *items);
		for (size_t i = 0; i < e->u.seq.n; i++)
			items[i] = lit_const(g, e->u.seq.items[i]);
		return nbc_const_tuple(g->b, items, e->u.seq.n);
	}
	default: return nbc_const_none(g->b);
	}
}

static void expr(gen *g, const ncc_expr *e);
static void store(gen *g, const ncc_expr *t);
static void block(gen *g, const ncc_block *b);

static void
exprs(gen *g, ncc_expr *const *items, size_t n)
{
	for (size_t i = 0; i < n; i++)
		expr(g, items[i]);
}

static void
patch_all(gen *g, const ncc_vec *jumps, uint32_t target)
{
	for (size_t i = 0; i < jumps->n; i++)
		nbc_patch(g->b, g->fn, (uint32_t)(uintptr_t)jumps->items[i],
		    target);
}

static void
add_jump(gen *g, ncc_vec *jumps, enum nbc_opcode op, int line)
{
	uint32_t at = emit(g, op, 0, 0, line);
	ncc_vec_push(g->ctx, jumps, (void *)(uintptr_t)at);
}

/*
 * A condition in jump context: code that jumps (offsets added to jumps,
 * patched by the caller) when the truth of e is jump_if, and falls through
 * otherwise; the value itself is never kept.  `and`, `or` and `not` become
 * jumps, a literal becomes a JUMP or nothing (`while True:` tests nothing).
 */
static void
branch(gen *g, const ncc_expr *e, bool jump_if, ncc_vec *jumps)
{
	ncc_vec skip = {0};
	int truth = -1;

	switch (e->kind) {
	case E_BOOL: truth = e->u.b; break;
	case E_INT: truth = e->u.i != 0; break;
	case E_FLOAT: truth = e->u.f != 0.0; break;
	case E_STR: truth = e->u.s.len != 0; break;
	case E_NONE: truth = 0; break;
	case E_UNARY:
		if (e->u.un.op == NBC_OP_NOT) {
			branch(g, e->u.un.e, !jump_if, jumps);
			return;
		}
		break;
	case E_AND:
	case E_OR: {
		/* a and b: any false operand decides "false", the last one
		 * decides "true"; a or b the other way round */
		bool decides = e->kind == E_OR;
		for (size_t i = 0; i + 1 < e->u.seq.n; i++)
			branch(g, e->u.seq.items[i], decides,
			    jump_if == decides ? jumps : &skip);
		branch(g, e->u.seq.items[e->u.seq.n - 1], jump_if, jumps);
		patch_all(g, &skip, here(g));
		return;
	}
	default:
		break;
	}
	if (truth >= 0) {
		if ((truth != 0) == jump_if)
			add_jump(g, jumps, NBC_OP_JUMP, e->line);
		return;
	}
	expr(g, e);
	add_jump(g, jumps, jump_if ? NBC_OP_JUMP_IF_TRUE : NBC_OP_JUMP_IF_FALSE,
	    e->line);
}

static void
compare(gen *g, const ncc_expr *e)
{
	size_t n = e->u.cmp.n;
	ncc_vec cleanup = {0};

	expr(g, e->u.cmp.opnds[0]);
	for (size_t i = 1; i < n; i++) {
		expr(g, e->u.cmp.opnds[i]);
		if (i + 1 < n) {
			emit(g, NBC_OP_DUP, 0, 0, e->line);
			emit(g, NBC_OP_ROT3, 0, 0, e->line);
		}
		emit(g, (enum nbc_opcode)e->u.cmp.ops[i - 1], 0, 0, e->line);
		if (i + 1 < n) {
			uint32_t at = emit(g, NBC_OP_JUMP_IF_FALSE_OR_POP, 0, 0,
			    e->line);
			ncc_vec_push(g->ctx, &cleanup, (void *)(uintptr_t)at);
		}
	}
	if (cleanup.n == 0)
		return;
	uint32_t jend = emit(g, NBC_OP_JUMP, 0, 0, e->line);
	for (size_t i = 0; i < cleanup.n; i++)
		patch_here(g, (uint32_t)(uintptr_t)cleanup.items[i]);
	emit(g, NBC_OP_ROT2, 0, 0, e->line);
	emit(g, NBC_OP_POP, 0, 0, e->line);
	patch_here(g, jend);
}

static void
boolop(gen *g, const ncc_expr *e)
{
	enum nbc_opcode op = e->kind == E_AND ? NBC_OP_JUMP_IF_FALSE_OR_POP
	    : NBC_OP_JUMP_IF_TRUE_OR_POP;
	ncc_vec jumps = {0};

	expr(g, e->u.seq.items[0]);
	for (size_t i = 1; i < e->u.seq.n; i++) {
		uint32_t at = emit(g, op, 0, 0, e->line);
		ncc_vec_push(g->ctx, &jumps, (void *)(uintptr_t)at);
		expr(g, e->u.seq.items[i]);
	}
	for (size_t i = 0; i < jumps.n; i++)
		patch_here(g, (uint32_t)(uintptr_t)jumps.items[i]);
}

static void
call(gen *g, const ncc_expr *e)
{
	uint32_t n = (uint32_t)e->u.call.nargs;

	switch (e->ref) {
	case R_PRINT: {
		/* sep and end in source order, then as PRINT wants them */
		bool has_sep = false, has_end = false, end_first = false;
		exprs(g, e->u.call.args, n);
		for (size_t i = 0; i < e->u.call.nkw; i++) {
			bool sep = strcmp(e->u.call.kw[i].name, "sep") == 0;
			end_first |= !sep && !has_sep;
			has_sep |= sep;
			has_end |= !sep;
			expr(g, e->u.call.kw[i].value);
		}
		if (!has_sep)
			load_none(g, e->line);
		if (!has_end)
			load_none(g, e->line);
		if (has_end && (end_first || !has_sep))
			emit(g, NBC_OP_ROT2, 0, 0, e->line);
		emit(g, NBC_OP_PRINT, n, 0, e->line);
		break;
	}
	case R_BUILTIN:
		if (e->slot == NBC_BI_ISINSTANCE) {
			expr(g, e->u.call.args[0]);
			emit(g, NBC_OP_LOAD_CONST, nbc_const_int(g->b,
			    e->u.call.mask), 0, e->line);
		} else {
			exprs(g, e->u.call.args, n);
		}
		emit(g, NBC_OP_CALL_BUILTIN, e->slot, n, e->line);
		break;
	case R_FUNC:
		exprs(g, e->u.call.args, n);
		emit(g, NBC_OP_CALL_FUNC, e->slot, n, e->line);
		break;
	case R_METHOD:
		expr(g, e->u.call.fn->u.attr.obj);
		exprs(g, e->u.call.args, n);
		emit(g, NBC_OP_CALL_METHOD, e->slot, n, e->line);
		break;
	default:
		/* refused by the semantic pass */
		load_none(g, e->line);
		break;
	}
}

static void
comprehension(gen *g, const ncc_expr *e)
{
	uint32_t tmp = e->u.comp.tmp;
	uint32_t tops[NCC_MAX_NESTING + 1], exits[NCC_MAX_NESTING + 1];
	size_t nf = e->u.comp.nfors;

	emit(g, NBC_OP_BUILD_LIST, 0, 0, e->line);
	emit(g, NBC_OP_STORE_LOCAL, tmp, 0, e->line);
	for (size_t i = 0; i < nf && i <= NCC_MAX_NESTING; i++) {
		const ncc_compfor *cf = &e->u.comp.fors[i];
		expr(g, cf->iter);
		emit(g, NBC_OP_GET_ITER, 0, 0, e->line);
		tops[i] = here(g);
		exits[i] = emit(g, NBC_OP_FOR_ITER, 0, 0, e->line);
		store(g, cf->target);
		ncc_vec skip = {0};
		for (size_t k = 0; k < cf->nconds; k++)
			branch(g, cf->conds[k], false, &skip);
		patch_all(g, &skip, tops[i]);
	}
	expr(g, e->u.comp.elt);
	emit(g, NBC_OP_LIST_APPEND_LOCAL, tmp, 0, e->line);
	for (size_t i = nf; i-- > 0;) {
		uint32_t j = emit(g, NBC_OP_JUMP, 0, 0, e->line);
		nbc_patch(g->b, g->fn, j, tops[i]);
		patch_here(g, exits[i]);
	}
	emit(g, NBC_OP_LOAD_LOCAL, tmp, 0, e->line);
}

static void
expr(gen *g, const ncc_expr *e)
{
	switch (e->kind) {
	case E_INT: case E_FLOAT: case E_STR: case E_BOOL: case E_NONE:
		emit(g, NBC_OP_LOAD_CONST, lit_const(g, e), 0, e->line);
		break;
	case E_NAME:
		if (e->ref == R_LOCAL)
			emit(g, NBC_OP_LOAD_LOCAL, e->slot, 0, e->line);
		else
			emit(g, NBC_OP_LOAD_GLOBAL, g->gslot[e->slot], 0, e->line);
		break;
	case E_LIST:
	case E_TUPLE:
		exprs(g, e->u.seq.items, e->u.seq.n);
		emit(g, e->kind == E_LIST ? NBC_OP_BUILD_LIST : NBC_OP_BUILD_TUPLE,
		    (uint32_t)e->u.seq.n, 0, e->line);
		break;
	case E_DICT:
		exprs(g, e->u.seq.items, 2 * e->u.seq.n);
		emit(g, NBC_OP_BUILD_DICT, (uint32_t)e->u.seq.n, 0, e->line);
		break;
	case E_BINOP:
		expr(g, e->u.bin.l);
		expr(g, e->u.bin.r);
		emit(g, (enum nbc_opcode)e->u.bin.op, 0, 0, e->line);
		break;
	case E_UNARY:
		expr(g, e->u.un.e);
		emit(g, (enum nbc_opcode)e->u.un.op, 0, 0, e->line);
		break;
	case E_AND:
	case E_OR:
		boolop(g, e);
		break;
	case E_COMPARE:
		compare(g, e);
		break;
	case E_IFEXP: {
		ncc_vec jelse = {0};
		branch(g, e->u.ifx.cond, false, &jelse);
		expr(g, e->u.ifx.a);
		uint32_t jend = emit(g, NBC_OP_JUMP, 0, 0, e->line);
		patch_all(g, &jelse, here(g));
		expr(g, e->u.ifx.b);
		patch_here(g, jend);
		break;
	}
	case E_CALL:
		call(g, e);
		break;
	case E_SUBSCR:
		expr(g, e->u.sub.obj);
		if (e->u.sub.idx->kind == E_SLICE) {
			const ncc_expr *s = e->u.sub.idx;
			const ncc_expr *parts[3] = { s->u.slice.lo, s->u.slice.hi,
			    s->u.slice.step };
			for (int i = 0; i < 3; i++) {
				if (parts[i] != NULL)
					expr(g, parts[i]);
				else
					load_none(g, e->line);
			}
			emit(g, NBC_OP_SLICE, 0, 0, e->line);
		} else {
			expr(g, e->u.sub.idx);
			emit(g, NBC_OP_SUBSCR, 0, 0, e->line);
		}
		break;
	case E_LISTCOMP:
		comprehension(g, e);
		break;
	case E_ATTR: case E_SLICE: case E_BAD:
		/* refused by the semantic pass */
		load_none(g, e->line);
		break;
	}
}

static void
store(gen *g, const ncc_expr *t)
{
	switch (t->kind) {
	case E_NAME:
		if (t->ref == R_LOCAL)
			emit(g, NBC_OP_STORE_LOCAL, t->slot, 0, t->line);
		else
			emit(g, NBC_OP_STORE_GLOBAL, g->gslot[t->slot], 0, t->line);
		break;
	case E_SUBSCR:
		expr(g, t->u.sub.obj);
		expr(g, t->u.sub.idx);
		emit(g, NBC_OP_STORE_SUBSCR, 0, 0, t->line);
		break;
	case E_TUPLE:
	case E_LIST:
		emit(g, NBC_OP_UNPACK, (uint32_t)t->u.seq.n, 0, t->line);
		for (size_t i = 0; i < t->u.seq.n; i++)
			store(g, t->u.seq.items[i]);
		break;
	default:
		emit(g, NBC_OP_POP, 0, 0, t->line);
		break;
	}
}

/* The opcode of augmented operator op (a binary one from the parser):
 * += and *= are in place on lists (INPLACE_ADD, INPLACE_MUL); every
 * INPLACE_ opcode names the augmented operator in its TypeError, as
 * CPython does. */
static enum nbc_opcode
aug_opcode(unsigned op)
{
	switch (op) {
	case NBC_OP_ADD: return NBC_OP_INPLACE_ADD;
	case NBC_OP_MUL: return NBC_OP_INPLACE_MUL;
	case NBC_OP_SUB: return NBC_OP_INPLACE_SUB;
	case NBC_OP_DIV: return NBC_OP_INPLACE_DIV;
	case NBC_OP_FLOORDIV: return NBC_OP_INPLACE_FLOORDIV;
	case NBC_OP_MOD: return NBC_OP_INPLACE_MOD;
	default: return (enum nbc_opcode)op;
	}
}

static void
augassign(gen *g, const ncc_stmt *st)
{
	const ncc_expr *t = st->u.aug.target;

	if (t->kind == E_NAME) {
		expr(g, t);
		expr(g, st->u.aug.value);
		emit(g, aug_opcode(st->u.aug.op), 0, 0, st->line);
		store(g, t);
		return;
	}
	expr(g, t->u.sub.obj);
	expr(g, t->u.sub.idx);
	emit(g, NBC_OP_DUP2, 0, 0, st->line);
	emit(g, NBC_OP_SUBSCR, 0, 0, st->line);
	expr(g, st->u.aug.value);
	emit(g, aug_opcode(st->u.aug.op), 0, 0, st->line);
	emit(g, NBC_OP_ROT3, 0, 0, st->line);
	emit(g, NBC_OP_STORE_SUBSCR, 0, 0, st->line);
}

static void
loop_body(gen *g, loop *lp, const ncc_block *body)
{
	g->loops[g->nloops++] = lp;
	block(g, body);
	g->nloops--;
}

static void
loop_end(gen *g, loop *lp)
{
	for (size_t i = 0; i < lp->breaks.n; i++)
		patch_here(g, (uint32_t)(uintptr_t)lp->breaks.items[i]);
}

static void
stmt(gen *g, const ncc_stmt *st)
{
	loop lp;

	switch (st->kind) {
	case S_EXPR:
		if (st->u.expr->kind == E_STR)
			break;      /* a docstring, or a string with no effect */
		expr(g, st->u.expr);
		emit(g, NBC_OP_POP, 0, 0, st->line);
		break;
	case S_ASSIGN:
		expr(g, st->u.assign.value);
		for (size_t i = 0; i < st->u.assign.n; i++) {
			if (i + 1 < st->u.assign.n)
				emit(g, NBC_OP_DUP, 0, 0, st->line);
			store(g, st->u.assign.targets[i]);
		}
		break;
	case S_AUGASSIGN:
		augassign(g, st);
		break;
	case S_ANNOT:
		if (st->u.annot.value != NULL) {
			expr(g, st->u.annot.value);
			store(g, st->u.annot.target);
		}
		break;
	case S_RETURN:
		if (st->u.expr != NULL)
			expr(g, st->u.expr);
		else
			load_none(g, st->line);
		emit(g, NBC_OP_RETURN, 0, 0, st->line);
		break;
	case S_IF: {
		ncc_vec jelse = {0};
		branch(g, st->u.cond.cond, false, &jelse);
		block(g, &st->u.cond.body);
		if (st->u.cond.orelse.n > 0) {
			uint32_t jend = emit(g, NBC_OP_JUMP, 0, 0, st->line);
			patch_all(g, &jelse, here(g));
			block(g, &st->u.cond.orelse);
			patch_here(g, jend);
		} else {
			patch_all(g, &jelse, here(g));
		}
		break;
	}
	case S_WHILE: {
		ncc_vec jexit = {0};
		memset(&lp, 0, sizeof lp);
		lp.cont = here(g);
		branch(g, st->u.cond.cond, false, &jexit);
		loop_body(g, &lp, &st->u.cond.body);
		uint32_t j = emit(g, NBC_OP_JUMP, 0, 0, st->line);
		nbc_patch(g->b, g->fn, j, lp.cont);
		patch_all(g, &jexit, here(g));
		block(g, &st->u.cond.orelse);
		loop_end(g, &lp);
		break;
	}
	case S_FOR: {
		memset(&lp, 0, sizeof lp);
		lp.is_for = true;
		expr(g, st->u.loop.iter);
		emit(g, NBC_OP_GET_ITER, 0, 0, st->line);
		lp.cont = here(g);
		uint32_t jexit = emit(g, NBC_OP_FOR_ITER, 0, 0, st->line);
		store(g, st->u.loop.target);
		loop_body(g, &lp, &st->u.loop.body);
		uint32_t j = emit(g, NBC_OP_JUMP, 0, 0, st->line);
		nbc_patch(g->b, g->fn, j, lp.cont);
		patch_here(g, jexit);
		block(g, &st->u.loop.orelse);
		loop_end(g, &lp);
		break;
	}
	case S_BREAK: {
		loop *l = g->loops[g->nloops - 1];
		if (l->is_for)
			emit(g, NBC_OP_POP, 0, 0, st->line);
		uint32_t j = emit(g, NBC_OP_JUMP, 0, 0, st->line);
		ncc_vec_push(g->ctx, &l->breaks, (void *)(uintptr_t)j);
		break;
	}
	case S_CONTINUE: {
		uint32_t j = emit(g, NBC_OP_JUMP, 0, 0, st->line);
		nbc_patch(g->b, g->fn, j, g->loops[g->nloops - 1]->cont);
		break;
	}
	case S_ASSERT: {
		ncc_vec jok = {0};
		branch(g, st->u.assrt.cond, true, &jok);
		if (st->u.assrt.msg != NULL)
			expr(g, st->u.assrt.msg);
		emit(g, NBC_OP_ASSERT_FAIL, st->u.assrt.msg != NULL, 0, st->line);
		patch_all(g, &jok, here(g));
		break;
	}
	case S_RAISE:
		if (st->u.raise.msg != NULL)
			expr(g, st->u.raise.msg);
		emit(g, NBC_OP_RAISE, st->u.raise.id, st->u.raise.msg != NULL,
		    st->line);
		break;
	case S_PASS: case S_IMPORT: case S_DEF: case S_BAD:
		break;
	}
}

static void
block(gen *g, const ncc_block *b)
{
	for (size_t i = 0; i < b->n; i++)
		stmt(g, b->items[i]);
}

static void
function_frame(gen *g, const ncc_fdef *f)
{
	size_t nd = 0;

	nbc_func_set_nlocals(g->b, f->index, f->nlocals);
	for (uint32_t i = 0; i < f->nlocals; i++)
		nbc_func_local_name(g->b, f->index, i, f->local_names[i]);
	for (size_t i = 0; i < f->nparams; i++)
		if (f->params[i].dflt != NULL)
			nd++;
	if (nd > 0) {
		uint32_t *k = ncc_alloc(g->ctx, nd * sizeof *k);
		for (size_t i = 0; i < nd; i++)
			k[i] = lit_const(g, f->params[f->nparams - nd + i].dflt);
		nbc_func_set_defaults(g->b, f->index, k, (uint32_t)nd);
	}
}

static void
function_end(gen *g, int line)
{
	load_none(g, line);
	emit(g, NBC_OP_RETURN, 0, 0, line);
}

int
ncg_generate(ncc_ctx *ctx, ncc_block *mod, ncs_module *m, uint8_t **blob,
    size_t *len)
{
	gen g;
	nbc_error err;
	int rc;

	memset(&g, 0, sizeof g);
	g.ctx = ctx;
	g.m = m;
	g.b = nbc_builder_new();
	if (g.b == NULL)
		longjmp(*ctx->oom, 1);
	g.gslot = ncc_alloc(ctx, (m->nglobals + 1) * sizeof *g.gslot);
	for (size_t i = 0; i < m->nglobals; i++)
		g.gslot[i] = nbc_global(g.b, m->globals[i]);
	m->init.index = 0;       /* the builder declares "<module>" itself */
	for (size_t i = 0; i < m->nfuncs; i++) {
		ncc_fdef *f = m->funcs[i];
		uint32_t idx = nbc_func_declare(g.b, f->name,
		    (uint32_t)f->nparams, (uint32_t)f->line);
		if (idx != f->index) {
			ncc_error(ctx, f->line, f->col,
			    "internal compiler error: function index %u, expected %u",
			    idx, f->index);
			nbc_builder_free(g.b);
			return -1;
		}
	}
	function_frame(&g, &m->init);
	g.fn = 0;
	for (size_t i = 0; i < mod->n; i++)
		if (mod->items[i]->kind == S_ASSIGN || mod->items[i]->kind == S_ANNOT)
			stmt(&g, mod->items[i]);
	function_end(&g, mod->n > 0 ? mod->items[mod->n - 1]->line : 1);
	for (size_t i = 0; i < m->nfuncs; i++) {
		ncc_fdef *f = m->funcs[i];
		int last = f->body.n > 0 ? f->body.items[f->body.n - 1]->line
		    : f->line;
		function_frame(&g, f);
		g.fn = f->index;
		block(&g, &f->body);
		function_end(&g, last);
	}
	nbc_set_caps(g.b, m->caps);
	rc = nbc_builder_finish(g.b, blob, len, &err);
	nbc_builder_free(g.b);
	if (rc != 0) {
		ncc_error(ctx, err.line > 0 ? err.line : 1, 1,
		    "internal compiler error: %s", err.message);
		return -1;
	}
	return 0;
}
