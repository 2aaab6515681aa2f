/*
 * nbc_vm.c - the interpreter: translation of verified code into the
 * loaded form of nbc_vm.h, and the dispatch loop.
 *
 * Translation.  Each instruction becomes one 16-byte nbc_ins slot; jump
 * targets become slot indices, and a jump to an unconditional jump goes
 * straight to its end.  Then a peephole pass writes superinstructions
 * over the first slot of common sequences (x, y locals, k a constant):
 *
 *   LOAD_LOCAL x, LOAD_CONST k, ADD|SUB|MUL|MOD|INPLACE_MUL|INPLACE_MOD
 *                                                     -> LK_<op>
 *   LOAD_LOCAL x, LOAD_CONST k, ADD|SUB|INPLACE_ADD|INPLACE_SUB,
 *   STORE_LOCAL y                                     -> LK_<op>_ST
 *   ADD|SUB|INPLACE_ADD|INPLACE_SUB, STORE_LOCAL y    -> <op>_ST
 *   LOAD_CONST k, ADD|INPLACE_ADD                     -> K_<op>
 *   LOAD_LOCAL x, LOAD_CONST k, <cmp>, JUMP_IF_FALSE  -> LK_<cmp>_JF
 *   LOAD_CONST k, <cmp>, JUMP_IF_FALSE                -> K_<cmp>_JF
 *   <cmp>, JUMP_IF_FALSE                              -> <cmp>_JF
 *   LOAD_LOCAL x, LOAD_LOCAL y                        -> LOAD_LOCAL2
 *   FOR_ITER t, STORE_LOCAL x                         -> FOR_ITER_STORE
 *   LOAD_LOCAL x, RETURN                              -> RETURN_LOCAL
 *   JUMP backwards                                    -> JUMP_BACK
 *   ADD, LOAD_CONST k, ADD                            -> ADD_K_ADD
 *   CALL_BUILTIN str 1, ADD [, LOAD_CONST k, ADD]     -> STR_ADD[_K_ADD]
 *   CALL_BUILTIN str 1, LOAD_CONST k, ADD             -> STR_K_ADD
 *   CALL_METHOD append 1, POP                         -> APPEND_POP
 *   LOAD_LOCAL d, LOAD_LOCAL x, LOAD_CONST k,
 *   CALL_METHOD get 2                                 -> DICT_GET_LLK
 *   LOAD_LOCAL o, LOAD_LOCAL x, STORE_SUBSCR          -> STORE_SUBSCR_LL
 *   LOAD_CONST k, LOAD_LOCAL x                        -> LOAD_CONST_LOCAL
 *   d[x] = d.get(x, k) + j (9 instructions, d and x locals, k and j
 *   constants)                                        -> DICT_COUNT
 *   JUMP back to a FOR_ITER_STORE                     -> LOOP_FOR
 *
 * The string ones build a chain of concatenations of strs (and of str()
 * of an int) with one allocation and no intermediate str
 * (nbc_str_concat3, nbc_str_concat_int); the dict ones look up a str key
 * inline, trying first the entry the last such lookup found, so
 * `d[k] = d.get(k, 0) + 1` hashes and probes once (DICT_COUNT: once in
 * all, adding ints in place).  Any other operand types take the path of
 * the separate instructions, in their order.
 *
 * The later slots of a sequence keep their own instruction, so a jump
 * into the middle of one still runs correctly; a superinstruction charges
 * the gas of every instruction it stands for.  The INPLACE_ forms (what
 * `x += k`, `x -= y`, `d[k] += 1`, `x *= k`, `x //= k` ... compile to)
 * have the same int and float fast paths as their binary operator and
 * differ only in their slow path (inplace_slow: lists in place, and the
 * augmented operator in the unsupported-operand message), so an
 * augmented assignment never fuses into a plain binary operator.
 *
 * Execution.  One value stack per call holds every frame: a frame's
 * locals are the slots from its base (the callee's arguments are left
 * where the caller pushed them), its temporaries follow.  Frames are
 * records of (function, return slot, base) in a separate array; a call
 * costs no malloc unless the stack or the frame array must grow (both
 * double, and both are charged to the memory budget).  pc, sp, base and
 * the gas counter live in locals; vm->sp is written only at safe points
 * (calls and backward jumps), where the collector may run.
 *
 * Dispatch is by computed goto where the compiler has it, else by switch
 * (define NBC_VM_USE_SWITCH), through the vmdispatch / vmcase / vmbreak
 * macros as Lua's lvm.c does.  Int and float arithmetic and comparisons
 * are inlined with overflow checks; everything else goes through the
 * value half (nbc_internal.h), except the in-place list forms of `+=` and
 * `*=` and the messages of augmented operators (inplace_slow).
 */
#include <stdlib.h>
#include <string.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

#include "nbc_vm.h"

#define likely(x)   __builtin_expect(!!(x), 1)
#define unlikely(x) __builtin_expect(!!(x), 0)

/* Superinstructions, numbered after the real opcodes. */
#define NBC_SUPERS(X) \
	X(LK_ADD) X(LK_SUB) X(LK_MUL) X(LK_MOD) X(LK_ADD_ST) X(LK_SUB_ST) \
	X(ADD_ST) X(SUB_ST) X(K_ADD) \
	X(LK_INPLACE_MUL) X(LK_INPLACE_ADD_ST) X(INPLACE_ADD_ST) \
	X(K_INPLACE_ADD) X(INPLACE_SUB_ST) X(LK_INPLACE_SUB_ST) \
	X(LK_INPLACE_MOD) \
	X(LK_EQ_JF) X(LK_NE_JF) X(LK_LT_JF) X(LK_LE_JF) X(LK_GT_JF) \
	X(LK_GE_JF) \
	X(K_EQ_JF) X(K_NE_JF) X(K_LT_JF) X(K_LE_JF) X(K_GT_JF) X(K_GE_JF) \
	X(EQ_JF) X(NE_JF) X(LT_JF) X(LE_JF) X(GT_JF) X(GE_JF) \
	X(LOAD_LOCAL2) X(FOR_ITER_STORE) X(RETURN_LOCAL) X(JUMP_BACK) \
	X(ADD_K_ADD) X(STR_ADD) X(STR_K_ADD) X(STR_ADD_K_ADD) X(APPEND_POP) \
	X(DICT_GET_LLK) X(STORE_SUBSCR_LL) X(LOAD_CONST_LOCAL) X(LOOP_FOR) \
	X(DICT_COUNT)

enum {
	NBC_SUPER_BASE = NBC_OP__COUNT - 1,
#define NBC_X_SUPER(name) OP_##name,
	NBC_SUPERS(NBC_X_SUPER)
#undef NBC_X_SUPER
	OP__COUNT
};

/* ---- translation -------------------------------------------------------- */

static bool is_cmp(unsigned op)
{
	return op >= NBC_OP_EQ && op <= NBC_OP_GE;
}

/* The <cmp>_JF superinstruction for comparison op; base is OP_EQ_JF,
 * OP_K_EQ_JF or OP_LK_EQ_JF (each family is in nbc_opcodes.h's order). */
static uint8_t cmp_jf(unsigned op, unsigned base)
{
	return (uint8_t)(base + (op - NBC_OP_EQ));
}

/* The additive ops that fuse with a following STORE_LOCAL, and their
 * <op>_ST and LK_<op>_ST superinstructions. */
static bool is_addsub(unsigned op)
{
	return op == NBC_OP_ADD || op == NBC_OP_SUB ||
	    op == NBC_OP_INPLACE_ADD || op == NBC_OP_INPLACE_SUB;
}

static uint8_t addsub_st(unsigned op)
{
	switch (op) {
	case NBC_OP_ADD: return OP_ADD_ST;
	case NBC_OP_SUB: return OP_SUB_ST;
	case NBC_OP_INPLACE_ADD: return OP_INPLACE_ADD_ST;
	default: return OP_INPLACE_SUB_ST;
	}
}

static uint8_t lk_addsub_st(unsigned op)
{
	switch (op) {
	case NBC_OP_ADD: return OP_LK_ADD_ST;
	case NBC_OP_SUB: return OP_LK_SUB_ST;
	case NBC_OP_INPLACE_ADD: return OP_LK_INPLACE_ADD_ST;
	default: return OP_LK_INPLACE_SUB_ST;
	}
}

static uint8_t lk_arith(unsigned op)
{
	switch (op) {
	case NBC_OP_ADD: return OP_LK_ADD;
	case NBC_OP_SUB: return OP_LK_SUB;
	case NBC_OP_MUL: return OP_LK_MUL;
	case NBC_OP_MOD: return OP_LK_MOD;
	case NBC_OP_INPLACE_MUL: return OP_LK_INPLACE_MUL;
	case NBC_OP_INPLACE_MOD: return OP_LK_INPLACE_MOD;
	default: return 0;
	}
}

/* Follow chains of unconditional jumps (a few hops: cycles stay put). */
static void thread_jumps(nbc_ins *c, uint32_t n)
{
	for (uint32_t i = 0; i < n; i++) {
		unsigned op = c[i].op;

		if (op != NBC_OP_JUMP && op != NBC_OP_JUMP_IF_FALSE &&
		    op != NBC_OP_JUMP_IF_TRUE)
			continue;
		for (int hop = 0; hop < 4 && c[c[i].a].op == NBC_OP_JUMP; hop++)
			c[i].a = c[c[i].a].a;
	}
}

/* Whether c[i ..] is d[x] = d.get(x, k) + j with locals d, x and
 * constants k, j (DICT_COUNT). */
static bool is_dict_count(const nbc_ins *c, uint32_t i, uint32_t n)
{
	static const uint8_t seq[9] = { NBC_OP_LOAD_LOCAL, NBC_OP_LOAD_LOCAL,
		NBC_OP_LOAD_CONST, NBC_OP_CALL_METHOD, NBC_OP_LOAD_CONST,
		NBC_OP_ADD, NBC_OP_LOAD_LOCAL, NBC_OP_LOAD_LOCAL,
		NBC_OP_STORE_SUBSCR };

	if (n - i < 9)
		return false;
	for (uint32_t k = 0; k < 9; k++)
		if (c[i + k].op != seq[k])
			return false;
	return c[i + 3].a == NBC_M_GET && c[i + 3].b == 2 &&
	    c[i + 6].a == c[i].a && c[i + 7].a == c[i + 1].a;
}

/*
 * Write superinstructions.  Slot i is rewritten from the original
 * instructions at i, i+1, ... (slots after i are still unrewritten when
 * i is visited).  Conditional jumps fuse only when they go forwards, so a
 * backward branch always passes a safe point.
 */
static void fuse(nbc_ins *c, uint32_t n)
{
	for (uint32_t i = 0; i < n; i++) {
		unsigned o[5];

		for (uint32_t k = 0; k < 5; k++)
			o[k] = i + k < n ? c[i + k].op : NBC_OP__COUNT;
#define FWD(k) (o[k] == NBC_OP_JUMP_IF_FALSE && c[i + (k)].a > i)
/* the local pair at 1 starts a STORE_SUBSCR_LL or DICT_GET_LLK: fusing
 * into the pair would leave the longer sequence unfused */
#define LL_NEXT (o[1] == NBC_OP_LOAD_LOCAL && o[2] == NBC_OP_LOAD_LOCAL && \
	(o[3] == NBC_OP_STORE_SUBSCR || (o[3] == NBC_OP_LOAD_CONST && \
	o[4] == NBC_OP_CALL_METHOD && c[i + 4].a == NBC_M_GET && \
	c[i + 4].b == 2)))
#define STR1(k) (o[k] == NBC_OP_CALL_BUILTIN && \
	c[i + (k)].a == NBC_BI_STR && c[i + (k)].b == 1)
		if (is_dict_count(c, i, n)) {
			/* j stays in slot i + 4 (LOAD_CONST or K_ADD: a is
			 * the constant either way) */
			c[i].op = OP_DICT_COUNT;
			c[i].b = c[i + 1].a;
			c[i].c = c[i + 2].a;
			c[i].n = 9;
		} else if (o[0] == NBC_OP_LOAD_LOCAL &&
		    o[1] == NBC_OP_LOAD_LOCAL &&
		    o[2] == NBC_OP_LOAD_CONST && o[3] == NBC_OP_CALL_METHOD &&
		    c[i + 3].a == NBC_M_GET && c[i + 3].b == 2) {
			c[i].op = OP_DICT_GET_LLK;
			c[i].b = c[i + 1].a;
			c[i].c = c[i + 2].a;
			c[i].n = 4;
		} else if (o[0] == NBC_OP_LOAD_LOCAL &&
		    o[1] == NBC_OP_LOAD_LOCAL && o[2] == NBC_OP_STORE_SUBSCR) {
			c[i].op = OP_STORE_SUBSCR_LL;
			c[i].b = c[i + 1].a;
			c[i].n = 3;
		} else if (STR1(0) && o[1] == NBC_OP_ADD &&
		    o[2] == NBC_OP_LOAD_CONST && o[3] == NBC_OP_ADD) {
			c[i].op = OP_STR_ADD_K_ADD;
			c[i].c = c[i + 2].a;
			c[i].n = 4;
		} else if (STR1(0) && o[1] == NBC_OP_ADD) {
			c[i].op = OP_STR_ADD;
			c[i].n = 2;
		} else if (STR1(0) && o[1] == NBC_OP_LOAD_CONST &&
		    o[2] == NBC_OP_ADD) {
			c[i].op = OP_STR_K_ADD;
			c[i].c = c[i + 1].a;
			c[i].n = 3;
		} else if (o[0] == NBC_OP_ADD && o[1] == NBC_OP_LOAD_CONST &&
		    o[2] == NBC_OP_ADD) {
			c[i].op = OP_ADD_K_ADD;
			c[i].a = c[i + 1].a;
			c[i].n = 3;
		} else if (o[0] == NBC_OP_CALL_METHOD && c[i].a == NBC_M_APPEND &&
		    c[i].b == 1 && o[1] == NBC_OP_POP) {
			c[i].op = OP_APPEND_POP;
			c[i].n = 2;
		} else if (o[0] == NBC_OP_LOAD_LOCAL && o[1] == NBC_OP_LOAD_CONST &&
		    is_cmp(o[2]) && FWD(3)) {
			c[i].op = cmp_jf(o[2], OP_LK_EQ_JF);
			c[i].b = c[i + 1].a;
			c[i].c = c[i + 3].a;
			c[i].n = 4;
		} else if (o[0] == NBC_OP_LOAD_LOCAL &&
		    o[1] == NBC_OP_LOAD_CONST &&
		    is_addsub(o[2]) && o[3] == NBC_OP_STORE_LOCAL) {
			c[i].op = lk_addsub_st(o[2]);
			c[i].b = c[i + 1].a;
			c[i].c = c[i + 3].a;
			c[i].n = 4;
		} else if (o[0] == NBC_OP_LOAD_LOCAL &&
		    o[1] == NBC_OP_LOAD_CONST && lk_arith(o[2])) {
			c[i].op = lk_arith(o[2]);
			c[i].b = c[i + 1].a;
			c[i].n = 3;
		} else if (o[0] == NBC_OP_LOAD_CONST && is_cmp(o[1]) && FWD(2)) {
			c[i].op = cmp_jf(o[1], OP_K_EQ_JF);
			c[i].c = c[i + 2].a;
			c[i].n = 3;
		} else if (is_cmp(o[0]) && FWD(1)) {
			c[i].op = cmp_jf(o[0], OP_EQ_JF);
			c[i].c = c[i + 1].a;
			c[i].n = 2;
		} else if (is_addsub(o[0]) && o[1] == NBC_OP_STORE_LOCAL) {
			c[i].op = addsub_st(o[0]);
			c[i].a = c[i + 1].a;
			c[i].n = 2;
		} else if (o[0] == NBC_OP_LOAD_CONST &&
		    (o[1] == NBC_OP_ADD || o[1] == NBC_OP_INPLACE_ADD)) {
			c[i].op = o[1] == NBC_OP_ADD ? OP_K_ADD : OP_K_INPLACE_ADD;
			c[i].n = 2;
		} else if (o[0] == NBC_OP_LOAD_LOCAL &&
		    o[1] == NBC_OP_LOAD_LOCAL && !LL_NEXT) {
			c[i].op = OP_LOAD_LOCAL2;
			c[i].b = c[i + 1].a;
			c[i].n = 2;
		} else if (o[0] == NBC_OP_LOAD_LOCAL && o[1] == NBC_OP_RETURN) {
			c[i].op = OP_RETURN_LOCAL;
			c[i].n = 2;
		} else if (o[0] == NBC_OP_FOR_ITER &&
		    o[1] == NBC_OP_STORE_LOCAL) {
			c[i].op = OP_FOR_ITER_STORE;
			c[i].b = c[i + 1].a;
			c[i].n = 2;
		} else if (o[0] == NBC_OP_LOAD_CONST &&
		    o[1] == NBC_OP_LOAD_LOCAL && o[2] != NBC_OP_LOAD_LOCAL) {
			c[i].op = OP_LOAD_CONST_LOCAL;
			c[i].b = c[i + 1].a;
			c[i].n = 2;
		} else if (o[0] == NBC_OP_JUMP && c[i].a <= i) {
			/* the loop's head is before i: already rewritten */
			c[i].op = c[c[i].a].op == OP_FOR_ITER_STORE ?
			    OP_LOOP_FOR : OP_JUMP_BACK;
		}
#undef STR1
#undef LL_NEXT
#undef FWD
	}
}

static char *name_dup(const nbc_name *n)
{
	return strndup(n->s ? n->s : "", n->len);
}

static int translate_func(nbc_loaded *mod, const nbc_image *img, uint32_t fi,
    nbc_value *defaults)
{
	const nbc_fdesc *f = &img->funcs[fi];
	nbc_func *g = &mod->funcs[fi];
	uint32_t *slot, n = 0;

	g->name = name_dup(&f->name);
	g->nparams = f->nparams;
	g->ndefaults = f->ndefaults;
	g->nlocals = f->nlocals;
	g->max_stack = f->max_stack;
	g->framesize = f->nlocals + f->max_stack;
	g->line = (int)f->line;
	g->defaults = defaults;
	for (uint32_t i = 0; i < f->ndefaults; i++)
		defaults[i] = mod->consts[nbc_rd32(f->defaults + 4 * (size_t)i)];
	g->local_names = calloc(f->nlocals + 1, sizeof(char *));
	slot = malloc((size_t)f->code_len * sizeof(*slot));
	g->code = calloc(f->code_len, sizeof(nbc_ins));
	g->lines = calloc(f->code_len, sizeof(int));
	if (!g->name || !g->local_names || !slot || !g->code || !g->lines) {
		free(slot);
		return -1;
	}
	for (uint32_t i = 0; i < f->nlocals; i++)
		if (!(g->local_names[i] = name_dup(&f->locals[i]))) {
			free(slot);
			return -1;
		}
	for (uint32_t off = 0; off < f->code_len; n++) {
		unsigned op = f->code[off];

		slot[off] = n;
		g->code[n].op = (uint8_t)op;
		g->code[n].n = 1;
		if (nbc_op_nops[op] >= 1)
			g->code[n].a = nbc_rd32(f->code + off + 1);
		if (nbc_op_nops[op] >= 2)
			g->code[n].b = nbc_rd32(f->code + off + 5);
		g->lines[n] = nbc_fdesc_line(f, off);
		off += 1 + 4u * nbc_op_nops[op];
	}
	g->ncode = n;
	for (uint32_t i = 0; i < n; i++)
		if (nbc_op_jumps[g->code[i].op])
			g->code[i].a = slot[g->code[i].a];
	free(slot);
	thread_jumps(g->code, n);
	fuse(g->code, n);
	return 0;
}

int nbc_vm_translate(nbc_loaded *mod, const nbc_image *img, nbc_error *err)
{
	size_t ndef = 0;

	for (uint32_t i = 0; i < img->nfuncs; i++)
		ndef += img->funcs[i].ndefaults;
	mod->funcs = calloc(img->nfuncs, sizeof(nbc_func));
	mod->defaults = calloc(ndef + 1, sizeof(nbc_value));
	if (!mod->funcs || !mod->defaults)
		return nbc_fail(err, 0, "out of memory");
	mod->nfuncs = img->nfuncs;
	ndef = 0;
	for (uint32_t i = 0; i < img->nfuncs; i++) {
		if (translate_func(mod, img, i, mod->defaults + ndef) < 0)
			return nbc_fail(err, 0, "out of memory");
		ndef += img->funcs[i].ndefaults;
	}
	return 0;
}

void nbc_vm_funcs_free(nbc_loaded *mod)
{
	for (uint32_t i = 0; mod->funcs && i < mod->nfuncs; i++) {
		nbc_func *g = &mod->funcs[i];

		for (uint32_t j = 0; g->local_names && j < g->nlocals; j++)
			free(g->local_names[j]);
		free(g->local_names);
		free(g->name);
		free(g->code);
		free(g->lines);
	}
	free(mod->funcs);
	free(mod->defaults);
	mod->funcs = NULL;
	mod->defaults = NULL;
}

/* ---- the machine -------------------------------------------------------- */

typedef struct vframe {
	const nbc_func *fn;
	const nbc_ins *ret;          /* slot to resume in fn */
	nbc_value *base;
} vframe;

typedef struct machine {
	nbc_value *stack, *end;      /* end: one past the last slot */
	size_t charged;              /* bytes of stack and frames charged */
	vframe *frames;
	uint32_t cap;                /* frames allocated */
} machine;

/*
 * Make room for need slots above the used ones, moving the stack (and the
 * bases of the nfr saved frames) if it must grow.  -1 with ResourceError.
 * The caller recomputes its pointers from m->stack.
 */
static int stack_grow(nbc_vm *vm, machine *m, uint32_t nfr, size_t used,
    size_t need)
{
	size_t size = (size_t)(m->end - m->stack), nsize = size ? size : 256;
	nbc_value *ns;

	while (nsize < used + need)
		nsize *= 2;
	if (nbc_charge(vm, (ptrdiff_t)((nsize - size) * sizeof(nbc_value))) < 0)
		return -1;
	m->charged += (nsize - size) * sizeof(nbc_value);
	ns = reallocarray(m->stack, nsize, sizeof(nbc_value));
	if (!ns)
		return nbc_raise_resource(vm, "memory");
	for (uint32_t i = 0; i < nfr; i++)
		m->frames[i].base = ns + (m->frames[i].base - m->stack);
	m->stack = ns;
	m->end = ns + nsize;
	vm->stack = ns;
	vm->sp = ns + used;
	return 0;
}

static int frames_grow(nbc_vm *vm, machine *m)
{
	uint32_t ncap = m->cap ? m->cap * 2 : 64;
	vframe *nf;

	if (ncap > vm->limits.depth)
		ncap = vm->limits.depth;
	if (nbc_charge(vm, (ptrdiff_t)((ncap - m->cap) * sizeof(vframe))) < 0)
		return -1;
	m->charged += (ncap - m->cap) * sizeof(vframe);
	nf = reallocarray(m->frames, ncap, sizeof(vframe));
	if (!nf)
		return nbc_raise_resource(vm, "memory");
	m->frames = nf;
	m->cap = ncap;
	return 0;
}

/*
 * *p = int i with one 16-byte store.  Values are copied 16 bytes at a
 * time; an int written as two stores (type, then payload) and read back
 * at once by the next instruction (STORE_LOCAL, LOAD_LOCAL of a loop
 * variable) cannot be forwarded from the store buffer and stalls the
 * load for a dozen cycles.
 */
static inline void set_int(nbc_value *p, int64_t i)
{
#ifdef __SSE2__
	_mm_storeu_si128((__m128i *)(void *)p,
	    _mm_set_epi64x(i, (int64_t)NBC_T_INT));
#else
	*p = nbc_int(i);
#endif
}

/* The next item of iterator it: 1 item, 0 exhausted, -1 error.  Lists,
 * tuples and ranges inline; the rest through the value half. */
static inline int iter_next(nbc_vm *vm, nbc_value it, nbc_value *item)
{
	struct nbc_iter *p;

	if (unlikely(it.t != NBC_T_ITER))
		return nbc_raise(vm, NBC_EXC_TYPE_ERROR,
		    "'%s' object is not an iterator", nbc_type_name(it));
	p = (struct nbc_iter *)it.u.o;
	if (p->kind == NBC_IT_RANGE) {
		if (p->step > 0 ? p->pos >= p->stop : p->pos <= p->stop)
			return 0;
		set_int(item, p->pos);
		if (__builtin_add_overflow(p->pos, p->step, &p->pos))
			p->pos = p->stop;
		return 1;
	}
	if (p->kind == NBC_IT_SEQ && p->src.t == NBC_T_LIST) {
		nbc_list *l = (nbc_list *)p->src.u.o;

		if (p->pos < 0 || (size_t)p->pos >= l->n) {
			p->pos = -1;      /* stays exhausted, as CPython's */
			return 0;
		}
		*item = l->items[p->pos++];
		return 1;
	}
	return nbc_iter_next(vm, it, item);
}

/* The entry of str key x in dict o: the one *hint names if it holds x,
 * else a lookup, whose entry *hint then names; NULL when x is absent. */
static inline nbc_dict_entry *dict_entry(const nbc_value *o, nbc_value x,
    size_t *hint)
{
	nbc_dict *d = (nbc_dict *)o->u.o;
	nbc_dict_entry *e = nbc_dict_hint(d, x, *hint);
	int64_t ix;

	if (e != NULL)
		return e;
	ix = nbc_dict_find_str(d, x);
	if (ix < 0)
		return NULL;
	*hint = (size_t)ix;
	return &d->entries[ix];
}

static inline bool truthy(nbc_value v)
{
	if (likely(v.t == NBC_T_BOOL))
		return v.u.b;
	return nbc_truthy(v);
}

/* str() of an exception argument, for RAISE and ASSERT_FAIL. */
static int raise_with(nbc_vm *vm, enum nbc_exc exc, const nbc_value *arg)
{
	char *msg;
	size_t len;

	if (!arg)
		return nbc_raise(vm, exc, "%s", "");
	msg = nbc_tostr(vm, *arg, &len);
	if (!msg)
		return -1;
	nbc_raise(vm, exc, "%s", msg);
	free(msg);
	return -1;
}

int nbc_gas(nbc_vm *vm, uint64_t n)
{
	if (vm->gas_left < n) {
		vm->gas_left = 0;
		return nbc_raise(vm, NBC_EXC_RESOURCE_ERROR,
		    "instruction budget exhausted");
	}
	vm->gas_left -= n;
	return 0;
}

/* Int fast paths: false when the slow path must decide (overflow, a
 * zero or negative divisor). */
static inline bool fast_add(int64_t a, int64_t b, int64_t *r)
{
	return !__builtin_add_overflow(a, b, r);
}

static inline bool fast_sub(int64_t a, int64_t b, int64_t *r)
{
	return !__builtin_sub_overflow(a, b, r);
}

static inline bool fast_mul(int64_t a, int64_t b, int64_t *r)
{
	return !__builtin_mul_overflow(a, b, r);
}

static inline bool fast_mod(int64_t a, int64_t b, int64_t *r)
{
	int64_t m;

	if (b <= 0)
		return false;
	m = a % b;
	*r = m < 0 ? m + b : m;
	return true;
}

static inline bool fast_floordiv(int64_t a, int64_t b, int64_t *r)
{
	if (b <= 0)
		return false;
	*r = a / b - ((a % b) != 0 && a < 0);
	return true;
}

/* ADD SUB MUL MOD after the int fast path failed: float ADD SUB MUL
 * inline, the rest through the value half.  out may alias a. */
static inline int arith_slow(nbc_vm *vm, unsigned op, const nbc_value *a,
    const nbc_value *b, nbc_value *out)
{
	if (a->t == NBC_T_FLOAT && b->t == NBC_T_FLOAT && op != NBC_OP_MOD) {
		double x = a->u.f, y = b->u.f;

		*out = nbc_float(op == NBC_OP_ADD ? x + y :
		    op == NBC_OP_SUB ? x - y : x * y);
		return 0;
	}
	return nbc_binary(vm, (enum nbc_opcode)op, *a, *b, out);
}

/*
 * `a *= n` on a list a: repeat its items in place, n <= 0 empties it.
 * ResourceError for a size beyond any budget, as MUL's.
 */
static int list_irepeat(nbc_vm *vm, nbc_list *l, int64_t n)
{
	size_t len = l->n, total;

	if (n <= 0) {
		l->n = 0;
		return 0;
	}
	if (__builtin_mul_overflow(len, (uint64_t)n, &total) ||
	    total > ((size_t)1 << 40))
		return nbc_raise_resource(vm, "memory");
	if (nbc_list_reserve(vm, l, total) < 0)
		return -1;
	for (size_t i = len; i < total; i++)
		l->items[i] = l->items[i - len];
	l->n = total;
	return 0;
}

/* The binary operator of INPLACE_ opcode op, and its symbol in *sym. */
static enum nbc_opcode inplace_base(unsigned op, const char **sym)
{
	switch (op) {
	case NBC_OP_INPLACE_ADD: *sym = "+"; return NBC_OP_ADD;
	case NBC_OP_INPLACE_MUL: *sym = "*"; return NBC_OP_MUL;
	case NBC_OP_INPLACE_SUB: *sym = "-"; return NBC_OP_SUB;
	case NBC_OP_INPLACE_DIV: *sym = "/"; return NBC_OP_DIV;
	case NBC_OP_INPLACE_FLOORDIV: *sym = "//"; return NBC_OP_FLOORDIV;
	default: *sym = "%"; return NBC_OP_MOD;
	}
}

/*
 * An INPLACE_ opcode after its int fast path failed.  Float +, -, *
 * inline; a list a (not a frozen constant) is extended by any iterable b
 * (`+=`, list.extend) or repeated by an int b (`*=`) on the same object,
 * which is the result; everything else is the binary operator, with
 * CPython's augmented operator ("-=", "//=" ...) in the unsupported-operand
 * message.  out may alias a.
 */
static int inplace_slow(nbc_vm *vm, unsigned op, const nbc_value *a,
    const nbc_value *b, nbc_value *out)
{
	const char *sym;
	enum nbc_opcode bop = inplace_base(op, &sym);
	static const char prefix[] = "unsupported operand type(s) for ";
	size_t plen = sizeof(prefix) - 1, slen = strlen(sym);
	nbc_value self = *a, ignored;
	char *msg;

	if (a->t == NBC_T_FLOAT && b->t == NBC_T_FLOAT &&
	    (bop == NBC_OP_ADD || bop == NBC_OP_SUB || bop == NBC_OP_MUL)) {
		*out = nbc_float(bop == NBC_OP_ADD ? a->u.f + b->u.f :
		    bop == NBC_OP_SUB ? a->u.f - b->u.f : a->u.f * b->u.f);
		return 0;
	}
	if (a->t == NBC_T_LIST && !(a->u.o->flags & NBC_OF_FROZEN)) {
		if (bop == NBC_OP_ADD) {
			if (nbc_list_method(vm, NBC_M_EXTEND, self, b, 1,
			    &ignored) < 0)
				return -1;
			*out = self;
			return 0;
		}
		if (bop == NBC_OP_MUL && NBC_IS_INTLIKE(*b)) {
			if (list_irepeat(vm, NBC_LIST(self),
			    b->t == NBC_T_BOOL ? b->u.b : b->u.i) < 0)
				return -1;
			*out = self;
			return 0;
		}
	}
	if (nbc_binary(vm, bop, *a, *b, out) == 0)
		return 0;
	msg = vm->exc_msg;
	if (vm->exc == NBC_EXC_TYPE_ERROR && msg &&
	    strncmp(msg, prefix, plen) == 0 &&
	    strncmp(msg + plen, sym, slen) == 0 && msg[plen + slen] == ':') {
		size_t len = strlen(msg);
		char *m = realloc(msg, len + 2);

		if (m) {
			memmove(m + plen + slen + 1, m + plen + slen,
			    len - plen - slen + 1);
			m[plen + slen] = '=';
			vm->exc_msg = m;
		}
	}
	return -1;
}

#if defined(__GNUC__) && !defined(NBC_VM_USE_SWITCH)
#define vmdispatch(o)  goto *disp[o];
#define vmcase(l)      L_##l:
#define vmbreak        do { ins = pc++; \
		if (unlikely(--gas < 0)) goto out_of_gas; \
		goto *disp[ins->op]; } while (0)
#else
#define vmdispatch(o)  switch (o)
#define vmcase(l)      case l:
#define vmbreak        break
#endif

/* vm->gas_left is current only across calls that may charge it. */
#define GAS_OUT()      (vm->gas_left = gas < 0 ? 0 : (uint64_t)gas)
#define GAS_IN()       (gas = (int64_t)vm->gas_left)

/* Leave with the error of sub-instruction k of the current slot. */
#define FAIL_AT(k)     do { pc += (k); goto error; } while (0)
#define SAFEPOINT()    do { if (unlikely(vm->bytes > vm->gc_threshold)) { \
		vm->sp = sp; nbc_gc_maybe(vm); } } while (0)

/* Int and float comparison fast paths, else the value half. */
#define COMPARE(a, b, CMP, OPC, res, failk) do { \
		if (likely((a)->t == NBC_T_INT && (b)->t == NBC_T_INT)) \
			res = (a)->u.i CMP (b)->u.i; \
		else if ((a)->t == NBC_T_FLOAT && (b)->t == NBC_T_FLOAT) \
			res = (a)->u.f CMP (b)->u.f; \
		else { nbc_value r_; \
			if (nbc_binary(vm, OPC, *(a), *(b), &r_) < 0) \
				FAIL_AT(failk); \
			res = truthy(r_); } \
	} while (0)

int nbc_vm_run(nbc_vm *vm, uint32_t fn, const nbc_value *args,
    uint32_t nargs, nbc_value *result)
{
#if defined(__GNUC__) && !defined(NBC_VM_USE_SWITCH)
	static const void *const disp[OP__COUNT] = {
#define NBC_X_LABEL(name, nops, pops, pushes, jump, doc) &&L_NBC_OP_##name,
		NBC_OPCODES(NBC_X_LABEL)
#undef NBC_X_LABEL
#define NBC_X_SLABEL(name) &&L_OP_##name,
		NBC_SUPERS(NBC_X_SLABEL)
#undef NBC_X_SLABEL
	};
#endif
	const nbc_loaded *mod = vm->mod;
	const nbc_value *K = mod->consts;
	nbc_value *gcache = vm->gcache;
	machine m = { 0 };
	const nbc_func *cur = &mod->funcs[fn];
	const nbc_ins *code = cur->code, *pc = code, *ins;
	nbc_value *sp, *base, *send;
	vframe *frames;
	uint32_t nfr = 0, froom, depth1 = vm->limits.depth - 1;
	int64_t gas = vm->gas_left > INT64_MAX ? INT64_MAX :
	    (int64_t)vm->gas_left;
	uint32_t uslot = 0;
	size_t hint = 0;             /* entry of the last inline dict lookup */
	nbc_value retv;
	int rc = -1;

	/* froom: frames that may be pushed before the slow path (grow the
	 * array, or RecursionError at the depth limit). */
	if (frames_grow(vm, &m) < 0 ||
	    stack_grow(vm, &m, 0, 0, (size_t)cur->framesize + 64) < 0)
		goto done;
	frames = m.frames;
	froom = m.cap < depth1 ? m.cap : depth1;
	base = m.stack;
	send = m.end;
	for (uint32_t i = 0; i < cur->nlocals; i++)
		base[i] = i < nargs ? args[i] : nbc_unset();
	for (uint32_t i = nargs; i < cur->nparams; i++)
		base[i] = cur->defaults[i - (cur->nparams - cur->ndefaults)];
	sp = base + cur->nlocals;
	vm->sp = sp;

	for (;;) {
		ins = pc++;
		if (unlikely(--gas < 0))
			goto out_of_gas;
		vmdispatch(ins->op) {
		vmcase(NBC_OP_NOP)
			vmbreak;
		vmcase(NBC_OP_POP)
			sp--;
			vmbreak;
		vmcase(NBC_OP_DUP)
			sp[0] = sp[-1];
			sp++;
			vmbreak;
		vmcase(NBC_OP_DUP2)
			sp[0] = sp[-2];
			sp[1] = sp[-1];
			sp += 2;
			vmbreak;
		vmcase(NBC_OP_ROT2) {
			nbc_value t = sp[-1];

			sp[-1] = sp[-2];
			sp[-2] = t;
			vmbreak;
		}
		vmcase(NBC_OP_ROT3) {
			nbc_value t = sp[-1];

			sp[-1] = sp[-2];
			sp[-2] = sp[-3];
			sp[-3] = t;
			vmbreak;
		}
		vmcase(NBC_OP_LOAD_CONST)
			*sp++ = K[ins->a];
			vmbreak;
		vmcase(NBC_OP_LOAD_LOCAL)
			if (unlikely(nbc_is_unset(base[ins->a]))) {
				uslot = ins->a;
				goto unbound;
			}
			*sp++ = base[ins->a];
			vmbreak;
		vmcase(OP_LOAD_LOCAL2)
			if (unlikely(nbc_is_unset(base[ins->a]))) {
				uslot = ins->a;
				goto unbound;
			}
			sp[0] = base[ins->a];
			sp[1] = base[ins->b];
			if (unlikely(nbc_is_unset(base[ins->b]))) {
				uslot = ins->b;
				pc++;
				goto unbound;
			}
			sp += 2;
			gas--;
			pc++;
			vmbreak;
		vmcase(OP_LOAD_CONST_LOCAL) {
			nbc_value x = base[ins->b];

			if (unlikely(nbc_is_unset(x))) {
				uslot = ins->b;
				pc++;
				goto unbound;
			}
			sp[0] = K[ins->a];
			sp[1] = x;
			sp += 2;
			gas--;
			pc++;
			vmbreak;
		}
		vmcase(NBC_OP_STORE_LOCAL)
			base[ins->a] = *--sp;
			vmbreak;
		vmcase(NBC_OP_LOAD_GLOBAL) {
			nbc_value v = gcache[ins->a];

			if (unlikely(nbc_is_unset(v))) {
				nbc_value fz = mod->globals[ins->a];

				if (nbc_is_unset(fz)) {
					nbc_raise(vm, NBC_EXC_RUNTIME_ERROR,
					    "module constant '%s' is not set",
					    mod->global_names[ins->a]);
					goto error;
				}
				if (nbc_value_thaw(vm, fz, &v) < 0)
					goto error;
				gcache[ins->a] = v;
			}
			*sp++ = v;
			vmbreak;
		}
		vmcase(NBC_OP_STORE_GLOBAL)
			gcache[ins->a] = *--sp;
			vmbreak;
#define ARITH_SLOW(o, a, b, out) arith_slow(vm, o, a, b, out)
#define INPLACE_SLOW(o, a, b, out) \
		(GAS_OUT(), rc = inplace_slow(vm, o, a, b, out), GAS_IN(), rc)
#define ARITH_CASE(NAME, FAST, SLOW) \
		vmcase(NBC_OP_##NAME) { \
			nbc_value *a = sp - 2, *b = sp - 1; \
			int64_t r; \
			if (likely(a->t == NBC_T_INT && b->t == NBC_T_INT && \
			    FAST(a->u.i, b->u.i, &r))) \
				set_int(a, r); \
			else if (SLOW(NBC_OP_##NAME, a, b, a) < 0) \
				goto error; \
			sp--; \
			vmbreak; \
		} \
		vmcase(OP_##NAME##_ST) { \
			nbc_value *a = sp - 2, *b = sp - 1, *d = &base[ins->a]; \
			int64_t r; \
			if (likely(a->t == NBC_T_INT && b->t == NBC_T_INT && \
			    FAST(a->u.i, b->u.i, &r))) \
				set_int(d, r); \
			else if (SLOW(NBC_OP_##NAME, a, b, d) < 0) \
				goto error; \
			sp -= 2; \
			gas--; \
			pc++; \
			vmbreak; \
		} \
		vmcase(OP_LK_##NAME##_ST) { \
			const nbc_value *l = &base[ins->a], *k = &K[ins->b]; \
			nbc_value *d = &base[ins->c]; \
			int64_t r; \
			if (likely(l->t == NBC_T_INT && k->t == NBC_T_INT && \
			    FAST(l->u.i, k->u.i, &r))) { \
				set_int(d, r); \
			} else { \
				if (unlikely(nbc_is_unset(*l))) { \
					uslot = ins->a; \
					goto unbound; \
				} \
				if (SLOW(NBC_OP_##NAME, l, k, d) < 0) \
					FAIL_AT(2); \
			} \
			gas -= 3; \
			pc += 3; \
			vmbreak; \
		}
		ARITH_CASE(ADD, fast_add, ARITH_SLOW)
		ARITH_CASE(SUB, fast_sub, ARITH_SLOW)
		ARITH_CASE(INPLACE_ADD, fast_add, INPLACE_SLOW)
		ARITH_CASE(INPLACE_SUB, fast_sub, INPLACE_SLOW)
#undef ARITH_CASE
#define LK_CASE(NAME, FAST, SLOW) \
		vmcase(OP_LK_##NAME) { \
			const nbc_value *l = &base[ins->a], *k = &K[ins->b]; \
			int64_t r; \
			if (likely(l->t == NBC_T_INT && k->t == NBC_T_INT && \
			    FAST(l->u.i, k->u.i, &r))) { \
				set_int(sp, r); \
			} else { \
				if (unlikely(nbc_is_unset(*l))) { \
					uslot = ins->a; \
					goto unbound; \
				} \
				if (SLOW(NBC_OP_##NAME, l, k, sp) < 0) \
					FAIL_AT(2); \
			} \
			sp++; \
			gas -= 2; \
			pc += 2; \
			vmbreak; \
		}
		LK_CASE(ADD, fast_add, ARITH_SLOW)
		LK_CASE(SUB, fast_sub, ARITH_SLOW)
		LK_CASE(MUL, fast_mul, ARITH_SLOW)
		LK_CASE(MOD, fast_mod, ARITH_SLOW)
		LK_CASE(INPLACE_MUL, fast_mul, INPLACE_SLOW)
		LK_CASE(INPLACE_MOD, fast_mod, INPLACE_SLOW)
#undef LK_CASE
#define BINARY_SLOW(o, a, b, out) nbc_binary(vm, o, *(a), *(b), out)
#define BINOP_CASE(NAME, FAST, SLOW) \
		vmcase(NBC_OP_##NAME) { \
			nbc_value *a = sp - 2, *b = sp - 1; \
			int64_t r; \
			if (likely(a->t == NBC_T_INT && b->t == NBC_T_INT && \
			    FAST(a->u.i, b->u.i, &r))) \
				set_int(a, r); \
			else if (SLOW(NBC_OP_##NAME, a, b, a) < 0) \
				goto error; \
			sp--; \
			vmbreak; \
		}
		BINOP_CASE(MUL, fast_mul, ARITH_SLOW)
		BINOP_CASE(INPLACE_MUL, fast_mul, INPLACE_SLOW)
		BINOP_CASE(FLOORDIV, fast_floordiv, BINARY_SLOW)
		BINOP_CASE(MOD, fast_mod, BINARY_SLOW)
		BINOP_CASE(INPLACE_FLOORDIV, fast_floordiv, INPLACE_SLOW)
		BINOP_CASE(INPLACE_MOD, fast_mod, INPLACE_SLOW)
#undef BINOP_CASE
#undef BINARY_SLOW
		vmcase(NBC_OP_INPLACE_DIV)
			if (INPLACE_SLOW(NBC_OP_INPLACE_DIV, &sp[-2], &sp[-1],
			    &sp[-2]) < 0)
				goto error;
			sp--;
			vmbreak;
#define K_ADD_CASE(NAME, SLOW) \
		vmcase(OP_K_##NAME) { \
			nbc_value *a = sp - 1; \
			const nbc_value *k = &K[ins->a]; \
			int64_t r; \
			if (likely(a->t == NBC_T_INT && k->t == NBC_T_INT && \
			    fast_add(a->u.i, k->u.i, &r))) \
				set_int(a, r); \
			else if (SLOW(NBC_OP_##NAME, a, k, a) < 0) \
				FAIL_AT(1); \
			gas--; \
			pc++; \
			vmbreak; \
		}
		K_ADD_CASE(ADD, ARITH_SLOW)
		K_ADD_CASE(INPLACE_ADD, INPLACE_SLOW)
#undef K_ADD_CASE
		vmcase(OP_ADD_K_ADD) {
			nbc_value *a = sp - 2, *b = sp - 1;
			const nbc_value *k = &K[ins->a];
			int64_t r;

			if (likely(a->t == NBC_T_INT && b->t == NBC_T_INT &&
			    k->t == NBC_T_INT && fast_add(a->u.i, b->u.i, &r) &&
			    fast_add(r, k->u.i, &r))) {
				set_int(a, r);
			} else if (a->t == NBC_T_STR && b->t == NBC_T_STR &&
			    k->t == NBC_T_STR) {
				if (nbc_str_concat3(vm, *a, *b, *k, a) < 0)
					goto error;
			} else {
				if (ARITH_SLOW(NBC_OP_ADD, a, b, a) < 0)
					goto error;
				if (ARITH_SLOW(NBC_OP_ADD, a, k, a) < 0)
					FAIL_AT(2);
			}
			sp--;
			gas -= 2;
			pc += 2;
			vmbreak;
		}
#undef ARITH_SLOW
#undef INPLACE_SLOW
/* str(x) in place on the stack, as CALL_BUILTIN would do it. */
#define STR_OF(x) do { nbc_value s_; \
		GAS_OUT(); \
		rc = nbc_call_builtin(vm, NBC_BI_STR, x, 1, &s_); \
		GAS_IN(); \
		if (rc < 0) \
			goto error; \
		*(x) = s_; \
	} while (0)
		vmcase(OP_STR_ADD) {
			nbc_value *a = sp - 2, *x = sp - 1;

			if (likely(a->t == NBC_T_STR && x->t == NBC_T_INT)) {
				if (nbc_str_concat_int(vm, a, x->u.i, NULL, a) < 0)
					goto error;
			} else {
				STR_OF(x);
				if (nbc_binary(vm, NBC_OP_ADD, *a, *x, a) < 0)
					FAIL_AT(1);
			}
			sp--;
			gas--;
			pc++;
			vmbreak;
		}
		vmcase(OP_STR_K_ADD) {
			nbc_value *x = sp - 1;
			const nbc_value *k = &K[ins->c];

			if (likely(x->t == NBC_T_INT && k->t == NBC_T_STR)) {
				if (nbc_str_concat_int(vm, NULL, x->u.i, k, x) < 0)
					goto error;
			} else {
				STR_OF(x);
				if (nbc_binary(vm, NBC_OP_ADD, *x, *k, x) < 0)
					FAIL_AT(2);
			}
			gas -= 2;
			pc += 2;
			vmbreak;
		}
		vmcase(OP_STR_ADD_K_ADD) {
			nbc_value *a = sp - 2, *x = sp - 1;
			const nbc_value *k = &K[ins->c];

			if (likely(a->t == NBC_T_STR && x->t == NBC_T_INT &&
			    k->t == NBC_T_STR)) {
				if (nbc_str_concat_int(vm, a, x->u.i, k, a) < 0)
					goto error;
			} else {
				STR_OF(x);
				if (nbc_binary(vm, NBC_OP_ADD, *a, *x, a) < 0)
					FAIL_AT(1);
				if (nbc_binary(vm, NBC_OP_ADD, *a, *k, a) < 0)
					FAIL_AT(3);
			}
			sp--;
			gas -= 3;
			pc += 3;
			vmbreak;
		}
#undef STR_OF
		vmcase(NBC_OP_DIV)
		vmcase(NBC_OP_POW)
		vmcase(NBC_OP_IS)
		vmcase(NBC_OP_IS_NOT)
			if (nbc_binary(vm, (enum nbc_opcode)ins->op, sp[-2],
			    sp[-1], &sp[-2]) < 0)
				goto error;
			sp--;
			vmbreak;
		vmcase(NBC_OP_IN)
		vmcase(NBC_OP_NOT_IN)
			GAS_OUT();
			rc = nbc_binary(vm, (enum nbc_opcode)ins->op, sp[-2],
			    sp[-1], &sp[-2]);
			GAS_IN();
			if (rc < 0)
				goto error;
			sp--;
			vmbreak;
#define CMP_CASE(NAME, CMP) \
		vmcase(NBC_OP_##NAME) { \
			bool r; \
			COMPARE(sp - 2, sp - 1, CMP, NBC_OP_##NAME, r, 0); \
			sp[-2] = nbc_bool(r); \
			sp--; \
			vmbreak; \
		} \
		vmcase(OP_##NAME##_JF) { \
			bool r; \
			COMPARE(sp - 2, sp - 1, CMP, NBC_OP_##NAME, r, 0); \
			sp -= 2; \
			gas--; \
			pc = r ? pc + 1 : code + ins->c; \
			vmbreak; \
		} \
		vmcase(OP_K_##NAME##_JF) { \
			bool r; \
			COMPARE(sp - 1, &K[ins->a], CMP, NBC_OP_##NAME, r, 1); \
			sp--; \
			gas -= 2; \
			pc = r ? pc + 2 : code + ins->c; \
			vmbreak; \
		} \
		vmcase(OP_LK_##NAME##_JF) { \
			const nbc_value *l = &base[ins->a]; \
			bool r; \
			if (unlikely(nbc_is_unset(*l))) { \
				uslot = ins->a; \
				goto unbound; \
			} \
			COMPARE(l, &K[ins->b], CMP, NBC_OP_##NAME, r, 2); \
			gas -= 3; \
			pc = r ? pc + 3 : code + ins->c; \
			vmbreak; \
		}
		CMP_CASE(EQ, ==)
		CMP_CASE(NE, !=)
		CMP_CASE(LT, <)
		CMP_CASE(LE, <=)
		CMP_CASE(GT, >)
		CMP_CASE(GE, >=)
#undef CMP_CASE
		vmcase(NBC_OP_NEG) {
			nbc_value *a = sp - 1;

			if (likely(a->t == NBC_T_INT && a->u.i != INT64_MIN))
				a->u.i = -a->u.i;
			else if (a->t == NBC_T_FLOAT)
				a->u.f = -a->u.f;
			else if (nbc_unary(vm, NBC_OP_NEG, *a, a) < 0)
				goto error;
			vmbreak;
		}
		vmcase(NBC_OP_POS)
			if (sp[-1].t != NBC_T_INT && sp[-1].t != NBC_T_FLOAT &&
			    nbc_unary(vm, NBC_OP_POS, sp[-1], &sp[-1]) < 0)
				goto error;
			vmbreak;
		vmcase(NBC_OP_NOT)
			sp[-1] = nbc_bool(!truthy(sp[-1]));
			vmbreak;
		vmcase(NBC_OP_JUMP)
			pc = code + ins->a;
			vmbreak;
		vmcase(OP_JUMP_BACK)
			pc = code + ins->a;
			SAFEPOINT();
			vmbreak;
		vmcase(OP_LOOP_FOR) {
			/* JUMP_BACK, then the FOR_ITER_STORE at its target f
			 * with no dispatch between them (but its gas) */
			const nbc_ins *f = code + ins->a;
			int r;

			SAFEPOINT();
			pc = f + 1;
			if (unlikely(--gas < 0))
				goto out_of_gas;
			r = iter_next(vm, sp[-1], &base[f->b]);
			if (r < 0)
				goto error;
			if (r == 0) {
				sp--;
				pc = code + f->a;
			} else {
				gas--;
				pc++;
			}
			vmbreak;
		}
		vmcase(NBC_OP_JUMP_IF_FALSE)
			if (!truthy(*--sp)) {
				pc = code + ins->a;
				SAFEPOINT();
			}
			vmbreak;
		vmcase(NBC_OP_JUMP_IF_TRUE)
			if (truthy(*--sp)) {
				pc = code + ins->a;
				SAFEPOINT();
			}
			vmbreak;
		vmcase(NBC_OP_JUMP_IF_FALSE_OR_POP)
			if (!truthy(sp[-1]))
				pc = code + ins->a;
			else
				sp--;
			vmbreak;
		vmcase(NBC_OP_JUMP_IF_TRUE_OR_POP)
			if (truthy(sp[-1]))
				pc = code + ins->a;
			else
				sp--;
			vmbreak;
		vmcase(NBC_OP_GET_ITER)
			if (nbc_iter(vm, sp[-1], &sp[-1]) < 0)
				goto error;
			vmbreak;
		vmcase(NBC_OP_FOR_ITER) {
			int r = iter_next(vm, sp[-1], sp);

			if (r < 0)
				goto error;
			if (r == 0) {
				sp--;
				pc = code + ins->a;
			} else {
				sp++;
			}
			vmbreak;
		}
		vmcase(OP_FOR_ITER_STORE) {
			int r = iter_next(vm, sp[-1], &base[ins->b]);

			if (r < 0)
				goto error;
			if (r == 0) {
				sp--;
				pc = code + ins->a;
			} else {
				gas--;
				pc++;
			}
			vmbreak;
		}
		vmcase(NBC_OP_UNPACK) {
			nbc_value v = *--sp;
			uint32_t n = ins->a;

			if (nbc_unpack(vm, v, n, sp) < 0)
				goto error;
			for (uint32_t i = 0; i < n / 2; i++) {
				nbc_value t = sp[i];

				sp[i] = sp[n - 1 - i];
				sp[n - 1 - i] = t;
			}
			sp += n;
			vmbreak;
		}
		vmcase(NBC_OP_BUILD_LIST) {
			nbc_value r;

			sp -= ins->a;
			if (nbc_build_list(vm, sp, ins->a, &r) < 0)
				goto error;
			*sp++ = r;
			vmbreak;
		}
		vmcase(NBC_OP_BUILD_TUPLE) {
			nbc_value r;

			sp -= ins->a;
			if (nbc_build_tuple(vm, sp, ins->a, &r) < 0)
				goto error;
			*sp++ = r;
			vmbreak;
		}
		vmcase(NBC_OP_BUILD_DICT) {
			nbc_value r;

			sp -= 2 * (size_t)ins->a;
			if (nbc_build_dict(vm, sp, ins->a, &r) < 0)
				goto error;
			*sp++ = r;
			vmbreak;
		}
		vmcase(NBC_OP_LIST_APPEND_LOCAL)
			if (unlikely(base[ins->a].t != NBC_T_LIST)) {
				nbc_raise(vm, NBC_EXC_TYPE_ERROR,
				    "append target is not a list");
				goto error;
			}
			if (nbc_list_append(vm, base[ins->a], *--sp) < 0)
				goto error;
			vmbreak;
		vmcase(NBC_OP_SUBSCR) {
			nbc_value *o = sp - 2, *x = sp - 1;

			if (o->t == NBC_T_DICT && x->t == NBC_T_STR) {
				nbc_dict_entry *e = dict_entry(o, *x, &hint);

				if (e != NULL) {
					*o = e->value;
					sp--;
					vmbreak;
				}
			}
			if (o->t == NBC_T_LIST && x->t == NBC_T_INT) {
				nbc_list *l = (nbc_list *)o->u.o;
				int64_t i = x->u.i < 0 ? x->u.i + (int64_t)l->n :
				    x->u.i;

				if (i >= 0 && (uint64_t)i < l->n) {
					*o = l->items[i];
					sp--;
					vmbreak;
				}
			}
			if (nbc_subscr(vm, *o, *x, o) < 0)
				goto error;
			sp--;
			vmbreak;
		}
		vmcase(NBC_OP_STORE_SUBSCR)
			if (nbc_store_subscr(vm, sp[-2], sp[-1], sp[-3]) < 0)
				goto error;
			sp -= 3;
			vmbreak;
		vmcase(OP_DICT_COUNT) {
			const nbc_value *o = &base[ins->a], *x = &base[ins->b];
			const nbc_value *k = &K[ins->c], *j = &K[ins[4].a];
			int64_t r;

			if (likely(o->t == NBC_T_DICT && x->t == NBC_T_STR &&
			    j->t == NBC_T_INT)) {
				nbc_dict_entry *e = dict_entry(o, *x, &hint);

				if (e != NULL && e->value.t == NBC_T_INT &&
				    fast_add(e->value.u.i, j->u.i, &r)) {
					set_int(&e->value, r);
					gas -= 8;
					pc += 8;
					vmbreak;
				}
				if (e == NULL && k->t == NBC_T_INT &&
				    fast_add(k->u.i, j->u.i, &r)) {
					if (nbc_dict_set(vm, *o, *x, nbc_int(r)) < 0)
						FAIL_AT(8);
					gas -= 8;
					pc += 8;
					vmbreak;
				}
			}
			/* else the get as DICT_GET_LLK, then the rest */
			goto dict_get_llk;
		}
		vmcase(OP_DICT_GET_LLK)
dict_get_llk: {
			const nbc_value *o = &base[ins->a], *x = &base[ins->b];

			if (likely(o->t == NBC_T_DICT && x->t == NBC_T_STR)) {
				nbc_dict_entry *e = dict_entry(o, *x, &hint);

				*sp++ = e != NULL ? e->value : K[ins->c];
			} else {
				nbc_value av[2];

				if (unlikely(nbc_is_unset(*o))) {
					uslot = ins->a;
					goto unbound;
				}
				if (unlikely(nbc_is_unset(*x))) {
					uslot = ins->b;
					pc++;
					goto unbound;
				}
				av[0] = *x;
				av[1] = K[ins->c];
				GAS_OUT();
				rc = nbc_call_method(vm, NBC_M_GET, *o, av, 2, sp);
				GAS_IN();
				if (rc < 0)
					FAIL_AT(3);
				sp++;
			}
			gas -= 3;
			pc += 3;
			vmbreak;
		}
		vmcase(OP_STORE_SUBSCR_LL) {
			const nbc_value *o = &base[ins->a], *x = &base[ins->b];

			if (likely(o->t == NBC_T_DICT && x->t == NBC_T_STR)) {
				nbc_dict_entry *e = dict_entry(o, *x, &hint);

				if (e != NULL)
					e->value = sp[-1];
				else if (nbc_dict_set(vm, *o, *x, sp[-1]) < 0)
					FAIL_AT(2);
			} else {
				if (unlikely(nbc_is_unset(*o))) {
					uslot = ins->a;
					goto unbound;
				}
				if (unlikely(nbc_is_unset(*x))) {
					uslot = ins->b;
					pc++;
					goto unbound;
				}
				if (nbc_store_subscr(vm, *o, *x, sp[-1]) < 0)
					FAIL_AT(2);
			}
			sp--;
			gas -= 2;
			pc += 2;
			vmbreak;
		}
		vmcase(NBC_OP_SLICE)
			if (nbc_slice(vm, sp[-4], sp[-3], sp[-2], sp[-1],
			    &sp[-4]) < 0)
				goto error;
			sp -= 3;
			vmbreak;
		vmcase(NBC_OP_CALL_FUNC) {
			const nbc_func *callee = &mod->funcs[ins->a];
			nbc_value *nb = sp - ins->b;

			if (unlikely(nfr >= froom)) {
				if (nfr >= depth1) {
					nbc_raise(vm, NBC_EXC_RECURSION_ERROR,
					    "maximum recursion depth exceeded");
					goto error;
				}
				if (frames_grow(vm, &m) < 0)
					goto error;
				frames = m.frames;
				froom = m.cap < depth1 ? m.cap : depth1;
			}
			if (unlikely(nb + callee->framesize > send)) {
				size_t so = (size_t)(sp - m.stack);
				size_t bo = (size_t)(base - m.stack);

				if (stack_grow(vm, &m, nfr, so, callee->framesize) < 0)
					goto error;
				sp = m.stack + so;
				base = m.stack + bo;
				send = m.end;
				nb = sp - ins->b;
			}
			if (unlikely(ins->b != callee->nlocals)) {
				for (uint32_t i = ins->b; i < callee->nparams; i++)
					nb[i] = callee->defaults[i -
					    (callee->nparams - callee->ndefaults)];
				for (uint32_t i = callee->nparams;
				    i < callee->nlocals; i++)
					nb[i] = nbc_unset();
			}
			frames[nfr].fn = cur;
			frames[nfr].ret = pc;
			frames[nfr].base = base;
			nfr++;
			cur = callee;
			code = pc = callee->code;
			base = nb;
			sp = nb + callee->nlocals;
			SAFEPOINT();
			vmbreak;
		}
		vmcase(NBC_OP_CALL_BUILTIN) {
			nbc_value r;

			sp -= ins->b;
			GAS_OUT();
			rc = nbc_call_builtin(vm, (enum nbc_builtin)ins->a, sp,
			    ins->b, &r);
			GAS_IN();
			if (rc < 0)
				goto error;
			*sp++ = r;
			vmbreak;
		}
		vmcase(NBC_OP_CALL_METHOD)
			sp -= ins->b;
			GAS_OUT();
			rc = nbc_call_method(vm, (enum nbc_method)ins->a, sp[-1],
			    sp, ins->b, &sp[-1]);
			GAS_IN();
			if (rc < 0)
				goto error;
			vmbreak;
		vmcase(OP_APPEND_POP) {
			nbc_value *l = sp - 2;

			if (likely(l->t == NBC_T_LIST)) {
				nbc_list *li = (nbc_list *)l->u.o;

				if (likely(li->n < li->cap))
					li->items[li->n++] = sp[-1];
				else if (nbc_list_append(vm, *l, sp[-1]) < 0)
					goto error;
			} else {
				GAS_OUT();
				rc = nbc_call_method(vm, NBC_M_APPEND, *l, sp - 1, 1,
				    l);
				GAS_IN();
				if (rc < 0)
					goto error;
			}
			sp -= 2;
			gas--;
			pc++;
			vmbreak;
		}
		vmcase(NBC_OP_PRINT)
			sp -= (size_t)ins->a + 2;
			GAS_OUT();
			rc = nbc_print(vm, sp, ins->a, sp[ins->a], sp[ins->a + 1]);
			GAS_IN();
			if (rc < 0)
				goto error;
			*sp++ = nbc_none();
			vmbreak;
		vmcase(OP_RETURN_LOCAL)
			retv = base[ins->a];
			if (unlikely(nbc_is_unset(retv))) {
				uslot = ins->a;
				goto unbound;
			}
			/* the RETURN's gas: no dispatch follows to check it */
			pc++;
			if (unlikely(--gas < 0))
				goto out_of_gas;
			goto do_return;
		vmcase(NBC_OP_RETURN) {
			vframe *f;

			retv = sp[-1];
do_return:
			if (unlikely(nfr == 0)) {
				*result = retv;
				rc = 0;
				goto done;
			}
			f = &frames[--nfr];
			sp = base;
			*sp++ = retv;
			base = f->base;
			cur = f->fn;
			code = cur->code;
			pc = f->ret;
			vmbreak;
		}
		vmcase(NBC_OP_RAISE)
			raise_with(vm, (enum nbc_exc)ins->a,
			    ins->b ? &sp[-1] : NULL);
			goto error;
		vmcase(NBC_OP_ASSERT_FAIL)
			raise_with(vm, NBC_EXC_ASSERTION_ERROR,
			    ins->a ? &sp[-1] : NULL);
			goto error;
		}
	}

unbound:
	nbc_raise(vm, NBC_EXC_UNBOUND_LOCAL_ERROR, "cannot access local "
	    "variable '%s' where it is not associated with a value",
	    cur->local_names[uslot]);
	goto error;
out_of_gas:
	gas = 0;
	nbc_raise(vm, NBC_EXC_RESOURCE_ERROR, "instruction budget exhausted");
error:
	rc = -1;
	if (!vm->raised)
		nbc_raise(vm, NBC_EXC_RUNTIME_ERROR, "internal error");
	vm->exc_line = cur->lines[(pc - 1) - code];
done:
	vm->gas_left = gas < 0 ? 0 : (uint64_t)gas;
	vm->stack = NULL;
	vm->sp = NULL;
	free(m.stack);
	free(m.frames);
	nbc_charge(vm, -(ptrdiff_t)m.charged);
	return rc;
}
