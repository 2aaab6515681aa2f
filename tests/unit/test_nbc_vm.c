/*
 * test_nbc_vm.c - the interpreter and the module table, driven through
 * nbc.h with modules written by the builder (no compiler): arithmetic and
 * its fast and slow paths, jumps and loops, calls with defaults,
 * recursion and its limit, the instruction budget, unbound locals,
 * module constants (thawed per call), side-by-side modules, unload while
 * a call runs, four threads calling at once, statistics, print output.
 */
#include <check.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "nbc_internal.h"

/* Emit into function fn of builder bb on line ln (all three in scope). */
#define E(op, a, b2) nbc_emit(bb, fn, NBC_OP_##op, (a), (b2), ln)

/* The runtime every test loads into, freed by the last test. */
static nbc_runtime *the_rt;

static nbc_runtime *shared(void)
{
	if (!the_rt)
		the_rt = nbc_runtime_new();
	return the_rt;
}

static nbc_runtime *load(nbc_builder *bb, const char *id)
{
	nbc_runtime *rt = shared();
	uint8_t *blob;
	size_t len;
	nbc_error err;

	ck_assert_msg(nbc_builder_finish(bb, &blob, &len, &err) == 0, "%s",
	    err.message);
	nbc_builder_free(bb);
	ck_assert_msg(nbc_load_module(rt, blob, len, id, NULL, &err) == 0,
	    "%s", err.message);
	free(blob);
	return rt;
}

static void call(nbc_runtime *rt, const char *id, const char *fname,
    const nbc_lit *args, size_t n, const nbc_limits *lim, nbc_result *res)
{
	nbc_module *m = nbc_module_get(rt, id);
	nbc_host host = { .caps = NBC_CAP_LOG };

	ck_assert_ptr_nonnull(m);
	nbc_call(m, fname, args, n, lim, &host, res);
	nbc_module_release(m);
}

static nbc_lit I(int64_t v)
{
	nbc_lit l = { .type = NBC_LIT_INT };

	l.u.i = v;
	return l;
}

static int64_t call_int(nbc_runtime *rt, const char *id, const char *f,
    const nbc_lit *args, size_t n)
{
	nbc_result r;
	int64_t v;

	call(rt, id, f, args, n, NULL, &r);
	ck_assert_msg(r.ok, "%s raised %s: %s", f, nbc_exc_name(r.exc),
	    r.message);
	ck_assert_int_eq(r.value.type, NBC_LIT_INT);
	v = r.value.u.i;
	nbc_result_free(&r);
	return v;
}

/* Expect the call to raise exc with a message containing needle. */
static void call_raises(nbc_runtime *rt, const char *id, const char *f,
    const nbc_lit *args, size_t n, const nbc_limits *lim, enum nbc_exc exc,
    const char *needle, int line)
{
	nbc_result r;

	call(rt, id, f, args, n, lim, &r);
	ck_assert_msg(!r.ok, "%s did not raise", f);
	ck_assert_msg(r.exc == exc, "%s raised %s: %s", f, nbc_exc_name(r.exc),
	    r.message);
	ck_assert_msg(strstr(r.message, needle), "message: %s", r.message);
	if (line)
		ck_assert_int_eq(r.line, line);
	nbc_result_free(&r);
}

static void module_init_none(nbc_builder *bb)
{
	uint32_t fn = 0, ln = 1;

	E(LOAD_CONST, nbc_const_none(bb), 0);
	E(RETURN, 0, 0);
}

/* def binop_OP(a, b): return a OP b   for each arithmetic opcode */
static const struct { const char *name; enum nbc_opcode op; } binops[] = {
	{ "add", NBC_OP_ADD }, { "sub", NBC_OP_SUB }, { "mul", NBC_OP_MUL },
	{ "div", NBC_OP_DIV }, { "floordiv", NBC_OP_FLOORDIV },
	{ "mod", NBC_OP_MOD }, { "lt", NBC_OP_LT }, { "ge", NBC_OP_GE },
	{ "eq", NBC_OP_EQ },
};

static void arith_module(const char *id)
{
	nbc_builder *bb = nbc_builder_new();

	module_init_none(bb);
	for (size_t i = 0; i < sizeof(binops) / sizeof(binops[0]); i++) {
		uint32_t fn = nbc_func_declare(bb, binops[i].name, 2, 10);
		uint32_t ln = 11;

		nbc_func_local_name(bb, fn, 0, "a");
		nbc_func_local_name(bb, fn, 1, "b");
		E(LOAD_LOCAL, 0, 0);
		E(LOAD_LOCAL, 1, 0);
		nbc_emit(bb, fn, binops[i].op, 0, 0, 12);
		E(RETURN, 0, 0);
	}
	load(bb, id);
}

START_TEST(arithmetic)
{
	nbc_runtime *rt;
	nbc_lit a[2];
	nbc_result r;

	arith_module("arith");
	rt = shared();
	a[0] = I(7);
	a[1] = I(-2);
	ck_assert_int_eq(call_int(rt, "arith", "add", a, 2), 5);
	ck_assert_int_eq(call_int(rt, "arith", "sub", a, 2), 9);
	ck_assert_int_eq(call_int(rt, "arith", "mul", a, 2), -14);
	/* Python's floor division and modulo signs. */
	ck_assert_int_eq(call_int(rt, "arith", "floordiv", a, 2), -4);
	ck_assert_int_eq(call_int(rt, "arith", "mod", a, 2), -1);
	a[0] = I(-7);
	a[1] = I(2);
	ck_assert_int_eq(call_int(rt, "arith", "floordiv", a, 2), -4);
	ck_assert_int_eq(call_int(rt, "arith", "mod", a, 2), 1);
	/* Overflow is an error, not a wrap. */
	a[0] = I(INT64_MAX);
	a[1] = I(1);
	call_raises(rt, "arith", "add", a, 2, NULL, NBC_EXC_OVERFLOW_ERROR, "",
	    12);
	a[0] = I(INT64_MIN);
	call_raises(rt, "arith", "sub", a, 2, NULL, NBC_EXC_OVERFLOW_ERROR, "",
	    12);
	a[1] = I(-1);
	call_raises(rt, "arith", "floordiv", a, 2, NULL,
	    NBC_EXC_OVERFLOW_ERROR, "", 12);
	a[0] = I(1);
	a[1] = I(0);
	call_raises(rt, "arith", "mod", a, 2, NULL,
	    NBC_EXC_ZERO_DIVISION_ERROR, "", 12);
	call_raises(rt, "arith", "div", a, 2, NULL,
	    NBC_EXC_ZERO_DIVISION_ERROR, "division by zero", 12);
	/* Mixed int and float go through the slow path. */
	a[0] = I(1);
	a[1].type = NBC_LIT_FLOAT;
	a[1].u.f = 0.5;
	call(rt, "arith", "add", a, 2, NULL, &r);
	ck_assert(r.ok);
	ck_assert_int_eq(r.value.type, NBC_LIT_FLOAT);
	ck_assert(r.value.u.f == 1.5);
	nbc_result_free(&r);
	call(rt, "arith", "lt", a, 2, NULL, &r);
	ck_assert(r.ok && r.value.type == NBC_LIT_BOOL && !r.value.u.b);
	nbc_result_free(&r);
	a[0].type = NBC_LIT_FLOAT;
	a[0].u.f = 0.5;
	call(rt, "arith", "eq", a, 2, NULL, &r);
	ck_assert(r.ok && r.value.type == NBC_LIT_BOOL && r.value.u.b);
	nbc_result_free(&r);
	/* A type error from the value half keeps the line. */
	a[0].type = NBC_LIT_STR;
	a[0].u.str.s = (char *)"x";
	a[0].u.str.len = 1;
	call_raises(rt, "arith", "sub", a, 2, NULL, NBC_EXC_TYPE_ERROR,
	    "unsupported operand", 12);
	call_raises(rt, "arith", "ge", a, 2, NULL, NBC_EXC_TYPE_ERROR,
	    "not supported", 12);
}
END_TEST

/*
 * def loops(n):            # line 20
 *     s = 0
 *     i = 0
 *     while i < n:         # LK_LT_JF
 *         s = s + i * 2
 *         i = i + 1        # LK_ADD
 *     for j in range(n):   # FOR_ITER_STORE
 *         s = s - j
 *     return s
 * def fib(n):              # line 30
 *     if n < 2: return n
 *     return fib(n - 1) + fib(n - 2)
 * def deep(n): return deep(n + 1)
 * def spin(): while True: pass
 * def unbound(c): if c: x = 1; return x
 * def dflt(a, b=10): return a - b
 */
static void core_module(nbc_builder *bb, int64_t k)
{
	uint32_t fn, ln, top, jf, loop, done, d[1], fib, deep;
	uint32_t c0 = nbc_const_int(bb, 0), c1 = nbc_const_int(bb, 1);
	uint32_t c2 = nbc_const_int(bb, 2);

	module_init_none(bb);
	fn = nbc_func_declare(bb, "loops", 1, 20);
	ln = 21;
	nbc_func_set_nlocals(bb, fn, 4);
	nbc_func_local_name(bb, fn, 0, "n");
	nbc_func_local_name(bb, fn, 1, "s");
	nbc_func_local_name(bb, fn, 2, "i");
	nbc_func_local_name(bb, fn, 3, "j");
	E(LOAD_CONST, c0, 0);
	E(STORE_LOCAL, 1, 0);
	E(LOAD_CONST, c0, 0);
	E(STORE_LOCAL, 2, 0);
	top = nbc_here(bb, fn);
	E(LOAD_LOCAL, 2, 0);
	E(LOAD_LOCAL, 0, 0);
	E(LT, 0, 0);
	jf = E(JUMP_IF_FALSE, 0, 0);
	E(LOAD_LOCAL, 1, 0);
	E(LOAD_LOCAL, 2, 0);
	E(LOAD_CONST, c2, 0);
	E(MUL, 0, 0);
	E(ADD, 0, 0);
	E(STORE_LOCAL, 1, 0);
	E(LOAD_LOCAL, 2, 0);
	E(LOAD_CONST, c1, 0);
	E(ADD, 0, 0);
	E(STORE_LOCAL, 2, 0);
	E(JUMP, top, 0);
	nbc_patch(bb, fn, jf, nbc_here(bb, fn));
	E(LOAD_LOCAL, 0, 0);
	E(CALL_BUILTIN, NBC_BI_RANGE, 1);
	E(GET_ITER, 0, 0);
	loop = E(FOR_ITER, 0, 0);
	E(STORE_LOCAL, 3, 0);
	E(LOAD_LOCAL, 1, 0);
	E(LOAD_LOCAL, 3, 0);
	E(SUB, 0, 0);
	E(STORE_LOCAL, 1, 0);
	E(JUMP, loop, 0);
	done = nbc_here(bb, fn);
	nbc_patch(bb, fn, loop, done);
	E(LOAD_LOCAL, 1, 0);
	E(RETURN, 0, 0);

	fib = fn = nbc_func_declare(bb, "fib", 1, 30);
	ln = 31;
	E(LOAD_LOCAL, 0, 0);
	E(LOAD_CONST, c2, 0);
	E(LT, 0, 0);
	jf = E(JUMP_IF_FALSE, 0, 0);
	E(LOAD_LOCAL, 0, 0);
	E(RETURN, 0, 0);
	nbc_patch(bb, fn, jf, nbc_here(bb, fn));
	ln = 32;
	E(LOAD_LOCAL, 0, 0);
	E(LOAD_CONST, c1, 0);
	E(SUB, 0, 0);
	E(CALL_FUNC, fib, 1);
	E(LOAD_LOCAL, 0, 0);
	E(LOAD_CONST, c2, 0);
	E(SUB, 0, 0);
	E(CALL_FUNC, fib, 1);
	E(ADD, 0, 0);
	E(RETURN, 0, 0);

	deep = fn = nbc_func_declare(bb, "deep", 1, 40);
	ln = 41;
	E(LOAD_LOCAL, 0, 0);
	E(LOAD_CONST, c1, 0);
	E(ADD, 0, 0);
	E(CALL_FUNC, deep, 1);
	E(RETURN, 0, 0);

	fn = nbc_func_declare(bb, "spin", 0, 50);
	ln = 51;
	top = E(NOP, 0, 0);
	E(JUMP, top, 0);

	fn = nbc_func_declare(bb, "unbound", 1, 60);
	ln = 61;
	nbc_func_set_nlocals(bb, fn, 2);
	nbc_func_local_name(bb, fn, 0, "c");
	nbc_func_local_name(bb, fn, 1, "x");
	E(LOAD_LOCAL, 0, 0);
	jf = E(JUMP_IF_FALSE, 0, 0);
	E(LOAD_CONST, c1, 0);
	E(STORE_LOCAL, 1, 0);
	nbc_patch(bb, fn, jf, nbc_here(bb, fn));
	ln = 62;
	E(LOAD_LOCAL, 1, 0);
	E(RETURN, 0, 0);

	fn = nbc_func_declare(bb, "dflt", 2, 70);
	ln = 71;
	d[0] = nbc_const_int(bb, 10);
	nbc_func_set_defaults(bb, fn, d, 1);
	nbc_func_local_name(bb, fn, 0, "a");
	nbc_func_local_name(bb, fn, 1, "b");
	E(LOAD_LOCAL, 0, 0);
	E(LOAD_LOCAL, 1, 0);
	E(SUB, 0, 0);
	E(RETURN, 0, 0);

	fn = nbc_func_declare(bb, "k", 0, 80);
	ln = 81;
	E(LOAD_CONST, nbc_const_int(bb, k), 0);
	E(RETURN, 0, 0);
}

START_TEST(loops_and_calls)
{
	nbc_runtime *rt;
	nbc_builder *bb = nbc_builder_new();
	nbc_lit a[2];
	int64_t s = 0;

	core_module(bb, 1);
	rt = load(bb, "core");
	for (int64_t n = 0; n < 100; n++)
		s += n * 2 - n;
	a[0] = I(100);
	ck_assert_int_eq(call_int(rt, "core", "loops", a, 1), s);
	a[0] = I(0);
	ck_assert_int_eq(call_int(rt, "core", "loops", a, 1), 0);
	a[0] = I(20);
	ck_assert_int_eq(call_int(rt, "core", "fib", a, 1), 6765);
	a[0] = I(3);
	ck_assert_int_eq(call_int(rt, "core", "dflt", a, 1), -7);
	a[1] = I(1);
	ck_assert_int_eq(call_int(rt, "core", "dflt", a, 2), 2);
}
END_TEST

START_TEST(limits)
{
	nbc_runtime *rt = shared();
	nbc_limits lim = { .gas = 5000, .depth = 50 };
	nbc_lit a[3];
	nbc_result r;
	nbc_module *m;
	uint32_t mn, mx;

	a[0] = I(0);
	call_raises(rt, "core", "deep", a, 1, NULL, NBC_EXC_RECURSION_ERROR,
	    "maximum recursion depth exceeded", 41);
	call_raises(rt, "core", "deep", a, 1, &lim, NBC_EXC_RECURSION_ERROR,
	    "maximum recursion depth exceeded", 41);
	/* The instruction budget is exact. */
	call(rt, "core", "spin", NULL, 0, &lim, &r);
	ck_assert(!r.ok);
	ck_assert_int_eq(r.exc, NBC_EXC_RESOURCE_ERROR);
	ck_assert_str_eq(r.message, "instruction budget exhausted");
	ck_assert_uint_eq(r.instructions, 5000);
	ck_assert_int_eq(r.line, 51);
	nbc_result_free(&r);
	a[0] = I(0);
	call_raises(rt, "core", "unbound", a, 1, NULL,
	    NBC_EXC_UNBOUND_LOCAL_ERROR, "cannot access local variable 'x' "
	    "where it is not associated with a value", 62);
	a[0].type = NBC_LIT_BOOL;
	a[0].u.b = true;
	ck_assert_int_eq(call_int(rt, "core", "unbound", a, 1), 1);
	/* Calls that cannot start. */
	m = nbc_module_get(rt, "core");
	ck_assert_int_eq(nbc_call(m, "nope", NULL, 0, NULL, NULL, &r), -1);
	ck_assert(!r.ok && r.exc == NBC_EXC_TYPE_ERROR);
	nbc_result_free(&r);
	ck_assert_int_eq(nbc_call(m, "<module>", NULL, 0, NULL, NULL, &r), -1);
	nbc_result_free(&r);
	ck_assert_int_eq(nbc_call(m, "dflt", NULL, 0, NULL, NULL, &r), -1);
	ck_assert_str_eq(r.message,
	    "dflt() missing 1 required positional argument: 'a'");
	nbc_result_free(&r);
	a[0] = a[1] = a[2] = I(1);
	ck_assert_int_eq(nbc_call(m, "dflt", a, 3, NULL, NULL, &r), -1);
	ck_assert_str_eq(r.message,
	    "dflt() takes from 1 to 2 positional arguments but 3 were given");
	nbc_result_free(&r);
	ck_assert_int_eq(nbc_call(m, "fib", a, 2, NULL, NULL, &r), -1);
	ck_assert_str_eq(r.message,
	    "fib() takes 1 positional argument but 2 were given");
	nbc_result_free(&r);
	ck_assert_int_eq(nbc_module_function(m, "dflt", &mn, &mx), 0);
	ck_assert_uint_eq(mn, 1);
	ck_assert_uint_eq(mx, 2);
	ck_assert_int_eq(nbc_module_function(m, "<module>", &mn, &mx), -1);
	ck_assert_uint_eq(nbc_module_function_count(m), 7);
	ck_assert_str_eq(nbc_module_function_name(m, 0), "loops");
	nbc_module_release(m);
}
END_TEST

/*
 * Module constants: TABLE = [1, 2] (a list: thawed per call) and
 * NAME = "v".  grow() appends to TABLE and returns len(TABLE): 3 on every
 * call, since each call starts from the frozen value.
 */
START_TEST(constants_and_side_by_side)
{
	nbc_runtime *rt = shared();
	nbc_builder *bb = nbc_builder_new();
	uint32_t fn = 0, ln = 1, g, gs;
	nbc_result r;

	g = nbc_global(bb, "TABLE");
	gs = nbc_global(bb, "NAME");
	E(LOAD_CONST, nbc_const_int(bb, 1), 0);
	E(LOAD_CONST, nbc_const_int(bb, 2), 0);
	E(BUILD_LIST, 2, 0);
	E(STORE_GLOBAL, g, 0);
	E(LOAD_CONST, nbc_const_str(bb, "v", 1), 0);
	E(STORE_GLOBAL, gs, 0);
	E(LOAD_CONST, nbc_const_none(bb), 0);
	E(RETURN, 0, 0);
	fn = nbc_func_declare(bb, "grow", 0, 5);
	E(LOAD_GLOBAL, g, 0);
	E(LOAD_CONST, nbc_const_int(bb, 9), 0);
	E(CALL_METHOD, NBC_M_APPEND, 1);
	E(POP, 0, 0);
	E(LOAD_GLOBAL, g, 0);
	E(CALL_BUILTIN, NBC_BI_LEN, 1);
	E(RETURN, 0, 0);
	fn = nbc_func_declare(bb, "name", 0, 6);
	E(LOAD_GLOBAL, gs, 0);
	E(RETURN, 0, 0);
	core_module(bb, 2);
	load(bb, "core2");
	ck_assert_int_eq(call_int(rt, "core2", "grow", NULL, 0), 3);
	ck_assert_int_eq(call_int(rt, "core2", "grow", NULL, 0), 3);
	call(rt, "core2", "name", NULL, 0, NULL, &r);
	ck_assert(r.ok && r.value.type == NBC_LIT_STR);
	ck_assert_str_eq(r.value.u.str.s, "v");
	nbc_result_free(&r);
	/* Same function names, different constants, side by side. */
	ck_assert_int_eq(call_int(rt, "core", "k", NULL, 0), 1);
	ck_assert_int_eq(call_int(rt, "core2", "k", NULL, 0), 2);
}
END_TEST

START_TEST(load_errors)
{
	nbc_runtime *rt = shared();
	nbc_builder *bb = nbc_builder_new();
	uint32_t fn = 0, ln = 3;
	uint8_t *blob;
	size_t len;
	nbc_error err;

	E(LOAD_CONST, nbc_const_int(bb, 1), 0);
	E(LOAD_CONST, nbc_const_int(bb, 0), 0);
	E(DIV, 0, 0);
	E(RETURN, 0, 0);
	ck_assert_int_eq(nbc_builder_finish(bb, &blob, &len, &err), 0);
	nbc_builder_free(bb);
	ck_assert_int_eq(nbc_load_module(rt, blob, len, "bad", NULL, &err), -1);
	ck_assert_msg(strstr(err.message, "ZeroDivisionError"), "%s",
	    err.message);
	ck_assert_int_eq(err.line, 3);
	ck_assert_ptr_null(nbc_module_get(rt, "bad"));
	free(blob);
	/* A taken id is refused. */
	bb = nbc_builder_new();
	module_init_none(bb);
	ck_assert_int_eq(nbc_builder_finish(bb, &blob, &len, &err), 0);
	nbc_builder_free(bb);
	ck_assert_int_eq(nbc_load_module(rt, blob, len, "core", NULL, &err),
	    -1);
	ck_assert_int_eq(nbc_load_module(rt, blob, len, "fresh", NULL, &err),
	    0);
	ck_assert_int_eq(nbc_unload_module(rt, "fresh"), 0);
	ck_assert_int_eq(nbc_unload_module(rt, "fresh"), -1);
	blob[len - 1] ^= 0xff;
	ck_assert_int_eq(nbc_load_module(rt, blob, len, "x", NULL, &err), -1);
	free(blob);
}
END_TEST

START_TEST(print_output)
{
	nbc_runtime *rt = shared();
	nbc_builder *bb = nbc_builder_new();
	uint32_t fn, ln = 2;
	nbc_result r;
	nbc_module *m;
	nbc_host nolog = { .caps = NBC_CAP_TIME };

	module_init_none(bb);
	nbc_set_caps(bb, NBC_CAP_LOG);
	fn = nbc_func_declare(bb, "hello", 0, 2);
	E(LOAD_CONST, nbc_const_str(bb, "hi", 2), 0);
	E(LOAD_CONST, nbc_const_int(bb, 3), 0);
	E(LOAD_CONST, nbc_const_none(bb), 0);
	E(LOAD_CONST, nbc_const_none(bb), 0);
	E(PRINT, 2, 0);
	E(RETURN, 0, 0);
	load(bb, "printer");
	call(rt, "printer", "hello", NULL, 0, NULL, &r);
	ck_assert(r.ok);
	ck_assert_int_eq(r.value.type, NBC_LIT_NONE);
	ck_assert_uint_eq(r.output_len, 5);
	ck_assert_int_eq(memcmp(r.output, "hi 3\n", 5), 0);
	nbc_result_free(&r);
	/* Without the log capability granted, print raises. */
	m = nbc_module_get(rt, "printer");
	nbc_call(m, "hello", NULL, 0, NULL, &nolog, &r);
	ck_assert(!r.ok);
	ck_assert_int_eq(r.exc, NBC_EXC_RUNTIME_ERROR);
	nbc_result_free(&r);
	nbc_module_release(m);
}
END_TEST

/*
 * The superinstructions' slow paths: each pattern the interpreter fuses,
 * given operands that leave the int fast path.
 *   f_lk_st(x):  y = x + 1; return y           LK_ADD_ST
 *   f_lk(x):     return x * 3                  LK_MUL (+ RETURN)
 *   f_mod(x, k): return x % k                  ADD-free MOD
 *   f_kcmp(x):   if x + 0 < 5: return 1; return 2   K_ADD, K_LT_JF
 *   f_st(x, y):  z = x - y; return z           SUB_ST
 */
START_TEST(fused_slow_paths)
{
	nbc_runtime *rt = shared();
	nbc_builder *bb = nbc_builder_new();
	uint32_t fn, ln = 90, jf;
	nbc_lit a[2];
	nbc_result r;

	module_init_none(bb);
	fn = nbc_func_declare(bb, "f_lk_st", 1, 90);
	nbc_func_set_nlocals(bb, fn, 2);
	E(LOAD_LOCAL, 0, 0);
	E(LOAD_CONST, nbc_const_int(bb, 1), 0);
	E(ADD, 0, 0);
	E(STORE_LOCAL, 1, 0);
	E(LOAD_LOCAL, 1, 0);
	E(RETURN, 0, 0);
	fn = nbc_func_declare(bb, "f_lk", 1, 90);
	E(LOAD_LOCAL, 0, 0);
	E(LOAD_CONST, nbc_const_int(bb, 3), 0);
	E(MUL, 0, 0);
	E(RETURN, 0, 0);
	fn = nbc_func_declare(bb, "f_kmod", 1, 90);
	E(LOAD_LOCAL, 0, 0);
	E(LOAD_CONST, nbc_const_float(bb, 1.0), 0);
	E(MOD, 0, 0);
	E(RETURN, 0, 0);
	fn = nbc_func_declare(bb, "f_mod", 2, 90);
	E(LOAD_LOCAL, 0, 0);
	E(LOAD_LOCAL, 1, 0);
	E(MOD, 0, 0);
	E(RETURN, 0, 0);
	fn = nbc_func_declare(bb, "f_kcmp", 1, 90);
	E(LOAD_LOCAL, 0, 0);
	E(LOAD_CONST, nbc_const_int(bb, 0), 0);
	E(ADD, 0, 0);
	ln = 91;
	E(LOAD_CONST, nbc_const_int(bb, 5), 0);
	E(LT, 0, 0);
	jf = E(JUMP_IF_FALSE, 0, 0);
	E(LOAD_CONST, nbc_const_int(bb, 1), 0);
	E(RETURN, 0, 0);
	nbc_patch(bb, fn, jf, nbc_here(bb, fn));
	E(LOAD_CONST, nbc_const_int(bb, 2), 0);
	E(RETURN, 0, 0);
	fn = nbc_func_declare(bb, "f_st", 2, 90);
	ln = 92;
	nbc_func_set_nlocals(bb, fn, 3);
	E(LOAD_LOCAL, 0, 0);
	E(LOAD_LOCAL, 1, 0);
	E(SUB, 0, 0);
	E(STORE_LOCAL, 2, 0);
	E(LOAD_LOCAL, 2, 0);
	E(RETURN, 0, 0);
	load(bb, "fused");

	a[0] = I(41);
	ck_assert_int_eq(call_int(rt, "fused", "f_lk_st", a, 1), 42);
	a[0] = I(INT64_MAX);
	call_raises(rt, "fused", "f_lk_st", a, 1, NULL, NBC_EXC_OVERFLOW_ERROR,
	    "", 90);
	call_raises(rt, "fused", "f_lk", a, 1, NULL, NBC_EXC_OVERFLOW_ERROR,
	    "", 90);
	a[0] = I(-7);
	ck_assert_int_eq(call_int(rt, "fused", "f_lk", a, 1), -21);
	a[0].type = NBC_LIT_FLOAT;
	a[0].u.f = -2.5;
	call(rt, "fused", "f_kmod", a, 1, NULL, &r);
	ck_assert(r.ok && r.value.type == NBC_LIT_FLOAT && r.value.u.f == 0.5);
	nbc_result_free(&r);
	call(rt, "fused", "f_lk", a, 1, NULL, &r);
	ck_assert(r.ok && r.value.type == NBC_LIT_FLOAT && r.value.u.f == -7.5);
	nbc_result_free(&r);
	a[0] = I(-7);
	a[1] = I(-3);
	ck_assert_int_eq(call_int(rt, "fused", "f_mod", a, 2), -1);
	a[1] = I(3);
	ck_assert_int_eq(call_int(rt, "fused", "f_mod", a, 2), 2);
	a[1] = I(0);
	call_raises(rt, "fused", "f_mod", a, 2, NULL,
	    NBC_EXC_ZERO_DIVISION_ERROR, "", 90);
	a[0] = I(4);
	ck_assert_int_eq(call_int(rt, "fused", "f_kcmp", a, 1), 1);
	a[0] = I(5);
	ck_assert_int_eq(call_int(rt, "fused", "f_kcmp", a, 1), 2);
	a[0].type = NBC_LIT_FLOAT;
	a[0].u.f = 4.5;
	ck_assert_int_eq(call_int(rt, "fused", "f_kcmp", a, 1), 1);
	a[0].type = NBC_LIT_STR;
	a[0].u.str.s = (char *)"s";
	a[0].u.str.len = 1;
	call_raises(rt, "fused", "f_kcmp", a, 1, NULL, NBC_EXC_TYPE_ERROR,
	    "", 90);
	a[0].type = NBC_LIT_FLOAT;
	a[0].u.f = 1.5;
	a[1].type = NBC_LIT_FLOAT;
	a[1].u.f = 0.25;
	call(rt, "fused", "f_st", a, 2, NULL, &r);
	ck_assert(r.ok && r.value.type == NBC_LIT_FLOAT && r.value.u.f == 1.25);
	nbc_result_free(&r);
	a[0] = I(INT64_MIN);
	a[1] = I(1);
	call_raises(rt, "fused", "f_st", a, 2, NULL, NBC_EXC_OVERFLOW_ERROR,
	    "", 92);
}
END_TEST

/* The repr of what f returns for args (the call must succeed). */
static void expect_repr(nbc_runtime *rt, const char *id, const char *f,
    const nbc_lit *args, size_t n, const char *want)
{
	nbc_result r;
	char *got;

	call(rt, id, f, args, n, NULL, &r);
	ck_assert_msg(r.ok, "%s raised %s: %s", f, nbc_exc_name(r.exc),
	    r.message);
	got = nbc_lit_repr(&r.value, NULL);
	ck_assert_ptr_nonnull(got);
	ck_assert_msg(strcmp(got, want) == 0, "%s returned %s, expected %s", f,
	    got, want);
	free(got);
	nbc_result_free(&r);
}

/* Emit a = [1, 2]; b = a into locals 1 and 2 of fn. */
static void emit_alias(nbc_builder *bb, uint32_t fn)
{
	uint32_t ln = 95;

	E(LOAD_CONST, nbc_const_int(bb, 1), 0);
	E(LOAD_CONST, nbc_const_int(bb, 2), 0);
	E(BUILD_LIST, 2, 0);
	E(DUP, 0, 0);
	E(STORE_LOCAL, 1, 0);
	E(STORE_LOCAL, 2, 0);
}

/*
 * INPLACE_ADD and INPLACE_MUL, plain and in every superinstruction they
 * fuse into: a list operand is changed in place (seen through a second
 * local), any iterable extends it, n <= 0 empties it; other types are the
 * binary operator with CPython's "+=" message.
 *   def ia(a, b): return a += b        (unfused; likewise im for *=)
 *   def alias_add(x): a = [1, 2]; b = a; a += x; return (b, a is b)
 *   def alias_mul(x): a = [1, 2]; b = a; a *= x; return (b, a is b)
 *   def k_add(): a = [1, 2]; b = a; a += "xy"; return b   (LK_..._ST)
 *   def k_add_nost(): a = [1, 2]; b = a; (a + (3,)) in place; return b
 *   def k_mul(): a = [1, 2]; b = a; a *= 2; return b      (LK_INPLACE_MUL)
 */
START_TEST(inplace_ops)
{
	nbc_runtime *rt = shared();
	nbc_builder *bb = nbc_builder_new();
	uint32_t fn, ln = 95, k3[1];
	nbc_lit a[2];

	module_init_none(bb);
	fn = nbc_func_declare(bb, "ia", 2, 95);
	E(LOAD_LOCAL, 0, 0);
	E(LOAD_LOCAL, 1, 0);
	E(INPLACE_ADD, 0, 0);
	E(RETURN, 0, 0);
	fn = nbc_func_declare(bb, "im", 2, 95);
	E(LOAD_LOCAL, 0, 0);
	E(LOAD_LOCAL, 1, 0);
	E(INPLACE_MUL, 0, 0);
	E(RETURN, 0, 0);
	for (int mul = 0; mul < 2; mul++) {
		fn = nbc_func_declare(bb, mul ? "alias_mul" : "alias_add", 1, 95);
		nbc_func_set_nlocals(bb, fn, 3);
		emit_alias(bb, fn);
		E(LOAD_LOCAL, 1, 0);
		E(LOAD_LOCAL, 0, 0);
		nbc_emit(bb, fn, mul ? NBC_OP_INPLACE_MUL : NBC_OP_INPLACE_ADD,
		    0, 0, ln);
		E(STORE_LOCAL, 1, 0);
		E(LOAD_LOCAL, 2, 0);
		E(LOAD_LOCAL, 2, 0);
		E(LOAD_LOCAL, 1, 0);
		E(IS, 0, 0);
		E(BUILD_TUPLE, 2, 0);
		E(RETURN, 0, 0);
	}
	fn = nbc_func_declare(bb, "k_add", 0, 95);
	nbc_func_set_nlocals(bb, fn, 3);
	emit_alias(bb, fn);
	E(LOAD_LOCAL, 1, 0);
	E(LOAD_CONST, nbc_const_str(bb, "xy", 2), 0);
	E(INPLACE_ADD, 0, 0);
	E(STORE_LOCAL, 1, 0);
	E(LOAD_LOCAL, 2, 0);
	E(RETURN, 0, 0);
	fn = nbc_func_declare(bb, "k_add_nost", 0, 95);
	nbc_func_set_nlocals(bb, fn, 3);
	emit_alias(bb, fn);
	k3[0] = nbc_const_int(bb, 3);
	E(LOAD_LOCAL, 1, 0);
	E(LOAD_CONST, nbc_const_tuple(bb, k3, 1), 0);
	E(INPLACE_ADD, 0, 0);
	E(POP, 0, 0);
	E(LOAD_LOCAL, 2, 0);
	E(RETURN, 0, 0);
	fn = nbc_func_declare(bb, "k_mul", 0, 95);
	nbc_func_set_nlocals(bb, fn, 3);
	emit_alias(bb, fn);
	E(LOAD_LOCAL, 1, 0);
	E(LOAD_CONST, nbc_const_int(bb, 2), 0);
	E(INPLACE_MUL, 0, 0);
	E(STORE_LOCAL, 1, 0);
	E(LOAD_LOCAL, 2, 0);
	E(RETURN, 0, 0);
	load(bb, "inplace");

	/* ints and floats: the fast paths, overflow as ADD and MUL */
	a[0] = I(40);
	a[1] = I(2);
	ck_assert_int_eq(call_int(rt, "inplace", "ia", a, 2), 42);
	ck_assert_int_eq(call_int(rt, "inplace", "im", a, 2), 80);
	a[0] = I(INT64_MAX);
	call_raises(rt, "inplace", "ia", a, 2, NULL, NBC_EXC_OVERFLOW_ERROR,
	    "", 95);
	call_raises(rt, "inplace", "im", a, 2, NULL, NBC_EXC_OVERFLOW_ERROR,
	    "", 95);
	a[0].type = NBC_LIT_FLOAT;
	a[0].u.f = 1.5;
	expect_repr(rt, "inplace", "ia", a, 2, "3.5");
	expect_repr(rt, "inplace", "im", a, 2, "3.0");
	/* str and tuple: a new value, as the binary operator */
	a[0].type = NBC_LIT_STR;
	a[0].u.str.s = (char *)"ab";
	a[0].u.str.len = 2;
	a[1] = a[0];
	expect_repr(rt, "inplace", "ia", a, 2, "'abab'");
	a[1] = I(3);
	expect_repr(rt, "inplace", "im", a, 2, "'ababab'");
	call_raises(rt, "inplace", "ia", a, 2, NULL, NBC_EXC_TYPE_ERROR,
	    "can only concatenate str (not \"int\") to str", 95);
	/* int += str names the += operator, *= likewise */
	a[0] = I(1);
	a[1].type = NBC_LIT_STR;
	a[1].u.str.s = (char *)"ab";
	a[1].u.str.len = 2;
	call_raises(rt, "inplace", "ia", a, 2, NULL, NBC_EXC_TYPE_ERROR,
	    "unsupported operand type(s) for +=: 'int' and 'str'", 95);
	a[0].type = NBC_LIT_NONE;
	a[1] = I(2);
	call_raises(rt, "inplace", "im", a, 2, NULL, NBC_EXC_TYPE_ERROR,
	    "unsupported operand type(s) for *=: 'NoneType' and 'int'", 95);

	/* list += iterable, in place */
	a[0].type = NBC_LIT_STR;
	a[0].u.str.s = (char *)"xy";
	a[0].u.str.len = 2;
	expect_repr(rt, "inplace", "alias_add", a, 1,
	    "([1, 2, 'x', 'y'], True)");
	a[0].type = NBC_LIT_TUPLE;
	a[0].u.seq.items = a + 1;
	a[0].u.seq.n = 1;
	a[1] = I(7);
	expect_repr(rt, "inplace", "alias_add", a, 1, "([1, 2, 7], True)");
	a[0].type = NBC_LIT_LIST;
	expect_repr(rt, "inplace", "alias_add", a, 1, "([1, 2, 7], True)");
	a[0] = I(5);
	call_raises(rt, "inplace", "alias_add", a, 1, NULL,
	    NBC_EXC_TYPE_ERROR, "'int' object is not iterable", 95);
	expect_repr(rt, "inplace", "k_add", NULL, 0, "[1, 2, 'x', 'y']");
	expect_repr(rt, "inplace", "k_add_nost", NULL, 0, "[1, 2, 3]");

	/* list *= n, in place; n <= 0 empties; a huge n is ResourceError */
	a[0] = I(3);
	expect_repr(rt, "inplace", "alias_mul", a, 1,
	    "([1, 2, 1, 2, 1, 2], True)");
	a[0] = I(1);
	expect_repr(rt, "inplace", "alias_mul", a, 1, "([1, 2], True)");
	a[0] = I(0);
	expect_repr(rt, "inplace", "alias_mul", a, 1, "([], True)");
	a[0] = I(-4);
	expect_repr(rt, "inplace", "alias_mul", a, 1, "([], True)");
	a[0].type = NBC_LIT_BOOL;
	a[0].u.b = true;
	expect_repr(rt, "inplace", "alias_mul", a, 1, "([1, 2], True)");
	a[0] = I(INT64_MAX);
	call_raises(rt, "inplace", "alias_mul", a, 1, NULL,
	    NBC_EXC_RESOURCE_ERROR, "", 95);
	a[0] = I((int64_t)1 << 39);
	call_raises(rt, "inplace", "alias_mul", a, 1, NULL,
	    NBC_EXC_RESOURCE_ERROR, "", 95);
	a[0].type = NBC_LIT_FLOAT;
	a[0].u.f = 2.0;
	call_raises(rt, "inplace", "alias_mul", a, 1, NULL,
	    NBC_EXC_TYPE_ERROR,
	    "can't multiply sequence by non-int of type 'float'", 95);
	expect_repr(rt, "inplace", "k_mul", NULL, 0, "[1, 2, 1, 2]");
	/* int *= list: a new list from the binary operator */
	a[0] = I(2);
	a[1].type = NBC_LIT_LIST;
	a[1].u.seq.items = a;
	a[1].u.seq.n = 1;
	expect_repr(rt, "inplace", "im", a, 2, "[2, 2]");
}
END_TEST

/* The augmented arithmetic opcodes of inplace_arith, with their symbols
 * and the ZeroDivisionError of int OP= 0 (CPython's). */
static const struct {
	const char *sym;
	enum nbc_opcode op;
	const char *zero;
} augops[] = {
	{ "-", NBC_OP_INPLACE_SUB, NULL },
	{ "/", NBC_OP_INPLACE_DIV, "division by zero" },
	{ "//", NBC_OP_INPLACE_FLOORDIV, "integer division or modulo by zero" },
	{ "%", NBC_OP_INPLACE_MOD, "integer modulo by zero" },
};

/* Whether f(a, b) (b an int) returns the int want. */
static void expect_int2(nbc_runtime *rt, const char *f, nbc_lit a0,
    int64_t b, int64_t want)
{
	nbc_lit a[2] = { a0, I(b) };

	ck_assert_int_eq(call_int(rt, "augops", f, a, 2), want);
}

/*
 * INPLACE_SUB, INPLACE_DIV, INPLACE_FLOORDIV and INPLACE_MOD, plain and
 * fused (`x -= y` is INPLACE_SUB_ST, `x -= 3` LK_INPLACE_SUB_ST, `x %= 3`
 * LK_INPLACE_MOD): the binary operator's results and ZeroDivisionError,
 * and CPython's augmented operator in the unsupported-operand message;
 * other TypeErrors keep their message.  For each op (sym in the name):
 *   def p<sym>(a, b): return a OP b               (unfused)
 *   def s<sym>(a, b): a OP= b; return a           (<op>_ST)
 *   def k<sym>(a, b): a OP= 3; return a           (LK_<op>[_ST])
 */
START_TEST(inplace_arith)
{
	nbc_runtime *rt = shared();
	nbc_builder *bb = nbc_builder_new();
	uint32_t fn, ln = 96;
	char name[16], want[96];
	nbc_lit a[2];
	nbc_result r;

	module_init_none(bb);
	for (size_t i = 0; i < sizeof(augops) / sizeof(augops[0]); i++) {
		snprintf(name, sizeof(name), "p%s", augops[i].sym);
		fn = nbc_func_declare(bb, name, 2, 96);
		E(LOAD_LOCAL, 0, 0);
		E(LOAD_LOCAL, 1, 0);
		nbc_emit(bb, fn, augops[i].op, 0, 0, ln);
		E(RETURN, 0, 0);
		snprintf(name, sizeof(name), "s%s", augops[i].sym);
		fn = nbc_func_declare(bb, name, 2, 96);
		E(LOAD_LOCAL, 0, 0);
		E(LOAD_LOCAL, 1, 0);
		nbc_emit(bb, fn, augops[i].op, 0, 0, ln);
		E(STORE_LOCAL, 0, 0);
		E(LOAD_LOCAL, 0, 0);
		E(RETURN, 0, 0);
		snprintf(name, sizeof(name), "k%s", augops[i].sym);
		fn = nbc_func_declare(bb, name, 2, 96);
		E(LOAD_LOCAL, 0, 0);
		E(LOAD_CONST, nbc_const_int(bb, 3), 0);
		nbc_emit(bb, fn, augops[i].op, 0, 0, ln);
		E(STORE_LOCAL, 0, 0);
		E(LOAD_LOCAL, 0, 0);
		E(RETURN, 0, 0);
	}
	load(bb, "augops");

	/* ints: the fast paths, Python's floor semantics */
	expect_int2(rt, "p-", I(40), 2, 38);
	expect_int2(rt, "s-", I(-40), 2, -42);
	expect_int2(rt, "k-", I(2), 0, -1);
	expect_int2(rt, "p//", I(-7), 2, -4);
	expect_int2(rt, "s//", I(7), -2, -4);
	expect_int2(rt, "k//", I(-7), 0, -3);
	expect_int2(rt, "p%", I(-7), 3, 2);
	expect_int2(rt, "s%", I(7), -3, -2);
	expect_int2(rt, "k%", I(-7), 0, 2);
	a[0] = I(7);
	a[1] = I(2);
	expect_repr(rt, "augops", "p/", a, 2, "3.5");
	expect_repr(rt, "augops", "k/", a, 2, "2.3333333333333335");
	/* overflow as SUB */
	a[0] = I(INT64_MIN);
	a[1] = I(1);
	call_raises(rt, "augops", "s-", a, 2, NULL, NBC_EXC_OVERFLOW_ERROR,
	    "", 96);
	call_raises(rt, "augops", "k-", a, 2, NULL, NBC_EXC_OVERFLOW_ERROR,
	    "", 96);
	/* floats */
	a[0].type = NBC_LIT_FLOAT;
	a[0].u.f = 7.5;
	a[1].type = NBC_LIT_FLOAT;
	a[1].u.f = 0.25;
	expect_repr(rt, "augops", "p-", a, 2, "7.25");
	expect_repr(rt, "augops", "s-", a, 2, "7.25");
	expect_repr(rt, "augops", "k-", a, 2, "4.5");
	expect_repr(rt, "augops", "s/", a, 2, "30.0");
	expect_repr(rt, "augops", "s//", a, 2, "30.0");
	expect_repr(rt, "augops", "p%", a, 2, "0.0");
	expect_repr(rt, "augops", "k%", a, 2, "1.5");
	/* division by zero: the binary operator's message */
	for (size_t i = 1; i < sizeof(augops) / sizeof(augops[0]); i++) {
		a[0] = I(5);
		a[1] = I(0);
		snprintf(name, sizeof(name), "s%s", augops[i].sym);
		call_raises(rt, "augops", name, a, 2, NULL,
		    NBC_EXC_ZERO_DIVISION_ERROR, augops[i].zero, 96);
		snprintf(name, sizeof(name), "p%s", augops[i].sym);
		call(rt, "augops", name, a, 2, NULL, &r);
		ck_assert(!r.ok && r.exc == NBC_EXC_ZERO_DIVISION_ERROR);
		ck_assert_str_eq(r.message, augops[i].zero);
		nbc_result_free(&r);
	}
	/* int OP= str and list OP= int name the augmented operator, in every
	 * form (the k forms with a str local) */
	for (size_t i = 0; i < sizeof(augops) / sizeof(augops[0]); i++) {
		const char *fs[] = { "p", "s" };

		a[0] = I(1);
		a[1].type = NBC_LIT_STR;
		a[1].u.str.s = (char *)"ab";
		a[1].u.str.len = 2;
		snprintf(want, sizeof(want), "unsupported operand type(s) for "
		    "%s=: 'int' and 'str'", augops[i].sym);
		for (size_t j = 0; j < 2; j++) {
			snprintf(name, sizeof(name), "%s%s", fs[j],
			    augops[i].sym);
			call(rt, "augops", name, a, 2, NULL, &r);
			ck_assert(!r.ok && r.exc == NBC_EXC_TYPE_ERROR);
			ck_assert_str_eq(r.message, want);
			ck_assert_int_eq(r.line, 96);
			nbc_result_free(&r);
		}
		a[0].type = NBC_LIT_LIST;
		a[0].u.seq.items = a + 1;
		a[0].u.seq.n = 1;
		a[1] = I(2);
		snprintf(want, sizeof(want), "unsupported operand type(s) for "
		    "%s=: 'list' and 'int'", augops[i].sym);
		snprintf(name, sizeof(name), "k%s", augops[i].sym);
		call(rt, "augops", name, a, 2, NULL, &r);
		ck_assert(!r.ok && r.exc == NBC_EXC_TYPE_ERROR);
		ck_assert_str_eq(r.message, want);
		ck_assert_int_eq(r.line, 96);
		nbc_result_free(&r);
	}
	/* str %= int formats; a formatting error keeps its own message */
	a[0].type = NBC_LIT_STR;
	a[0].u.str.s = (char *)"n=%d";
	a[0].u.str.len = 4;
	expect_repr(rt, "augops", "k%", a, 2, "'n=3'");
	a[0].u.str.s = (char *)"ab";
	a[0].u.str.len = 2;
	call(rt, "augops", "s%", a, 2, NULL, &r);
	ck_assert(!r.ok && r.exc == NBC_EXC_TYPE_ERROR);
	ck_assert_str_eq(r.message,
	    "not all arguments converted during string formatting");
	nbc_result_free(&r);
}
END_TEST

/*
 * The collector at safe points: a loop that makes garbage every round
 * under a small memory budget, so the collector runs many times while
 * values live on the stack, in locals of two frames and in the constant
 * cache (a thawed list).  Under ASan a missing root is a use after free.
 *   G = [5]
 *   def helper(t): return len([t, t])
 *   def churn(n):
 *       i = 0; acc = 0
 *       while i < n:
 *           t = [i, i + 1]
 *           acc = acc + t[1] - t[0]
 *           acc = acc + helper(t)
 *           G[0] + acc
 *           i = i + 1
 *       return acc + G[0]
 */
START_TEST(gc_roots)
{
	nbc_runtime *rt = shared();
	nbc_builder *bb = nbc_builder_new();
	uint32_t fn = 0, ln = 100, g, helper, top, jf;
	uint32_t c0 = nbc_const_int(bb, 0), c1 = nbc_const_int(bb, 1);
	nbc_limits lim = { .memory = 256 << 10 };
	nbc_lit a = I(20000);
	nbc_result r;

	g = nbc_global(bb, "G");
	E(LOAD_CONST, nbc_const_int(bb, 5), 0);
	E(BUILD_LIST, 1, 0);
	E(STORE_GLOBAL, g, 0);
	E(LOAD_CONST, nbc_const_none(bb), 0);
	E(RETURN, 0, 0);
	helper = fn = nbc_func_declare(bb, "helper", 1, 101);
	E(LOAD_LOCAL, 0, 0);
	E(LOAD_LOCAL, 0, 0);
	E(BUILD_LIST, 2, 0);
	E(CALL_BUILTIN, NBC_BI_LEN, 1);
	E(RETURN, 0, 0);
	fn = nbc_func_declare(bb, "churn", 1, 102);
	nbc_func_set_nlocals(bb, fn, 4);
	E(LOAD_CONST, c0, 0);
	E(STORE_LOCAL, 1, 0);
	E(LOAD_CONST, c0, 0);
	E(STORE_LOCAL, 2, 0);
	top = nbc_here(bb, fn);
	E(LOAD_LOCAL, 1, 0);
	E(LOAD_LOCAL, 0, 0);
	E(LT, 0, 0);
	jf = E(JUMP_IF_FALSE, 0, 0);
	E(LOAD_LOCAL, 1, 0);
	E(LOAD_LOCAL, 1, 0);
	E(LOAD_CONST, c1, 0);
	E(ADD, 0, 0);
	E(BUILD_LIST, 2, 0);
	E(STORE_LOCAL, 3, 0);
	E(LOAD_LOCAL, 2, 0);
	E(LOAD_LOCAL, 3, 0);
	E(LOAD_CONST, c1, 0);
	E(SUBSCR, 0, 0);
	E(ADD, 0, 0);
	E(LOAD_LOCAL, 3, 0);
	E(LOAD_CONST, c0, 0);
	E(SUBSCR, 0, 0);
	E(SUB, 0, 0);
	E(STORE_LOCAL, 2, 0);
	E(LOAD_LOCAL, 2, 0);
	E(LOAD_LOCAL, 3, 0);
	E(CALL_FUNC, helper, 1);
	E(ADD, 0, 0);
	E(STORE_LOCAL, 2, 0);
	E(LOAD_GLOBAL, g, 0);
	E(LOAD_CONST, c0, 0);
	E(SUBSCR, 0, 0);
	E(LOAD_LOCAL, 2, 0);
	E(ADD, 0, 0);
	E(POP, 0, 0);
	E(LOAD_LOCAL, 1, 0);
	E(LOAD_CONST, c1, 0);
	E(ADD, 0, 0);
	E(STORE_LOCAL, 1, 0);
	E(JUMP, top, 0);
	nbc_patch(bb, fn, jf, nbc_here(bb, fn));
	E(LOAD_LOCAL, 2, 0);
	E(LOAD_GLOBAL, g, 0);
	E(LOAD_CONST, c0, 0);
	E(SUBSCR, 0, 0);
	E(ADD, 0, 0);
	E(RETURN, 0, 0);
	load(bb, "churn");
	call(rt, "churn", "churn", &a, 1, &lim, &r);
	ck_assert_msg(r.ok, "%s", r.message);
	ck_assert_int_eq(r.value.u.i, 3 * 20000 + 5);
	nbc_result_free(&r);
}
END_TEST

/* nbc_gas: the budget builtins charge for work done in C. */
START_TEST(gas_charge)
{
	nbc_limits lim = { .gas = 10 };
	nbc_vm vm;

	nbc_vm_init(&vm, &lim, NULL);
	ck_assert_int_eq(nbc_gas(&vm, 4), 0);
	ck_assert_uint_eq(vm.gas_left, 6);
	ck_assert_int_eq(nbc_gas(&vm, 6), 0);
	ck_assert(!vm.raised);
	ck_assert_int_eq(nbc_gas(&vm, 1), -1);
	ck_assert(vm.raised);
	ck_assert_int_eq(vm.exc, NBC_EXC_RESOURCE_ERROR);
	ck_assert_str_eq(vm.exc_msg, "instruction budget exhausted");
	nbc_vm_release(&vm);
}
END_TEST

/*
 * The superinstructions for strs, dicts, append and for loops (nbc_vm.c)
 * charge the instructions they stand for, on their fast paths and when
 * the operands send them to the general path, and give the same results.
 */
static nbc_lit S(const char *s)
{
	nbc_lit l = { .type = NBC_LIT_STR };

	l.u.str.s = (char *)s;
	l.u.str.len = strlen(s);
	return l;
}

static nbc_lit empty(nbc_lit_type t)
{
	nbc_lit l = { .type = t };

	return l;
}

/* Call f and expect repr(result) and the instructions it took. */
static void call_repr(nbc_runtime *rt, const char *f, const nbc_lit *args,
    size_t n, const nbc_limits *lim, const char *want, uint64_t ninstr)
{
	nbc_result r;
	char *rep;

	call(rt, "fusedgas", f, args, n, lim, &r);
	ck_assert_msg(r.ok, "%s raised %s: %s", f, nbc_exc_name(r.exc),
	    r.message);
	rep = nbc_lit_repr(&r.value, NULL);
	ck_assert_str_eq(rep, want);
	ck_assert_uint_eq(r.instructions, ninstr);
	free(rep);
	nbc_result_free(&r);
}

START_TEST(fused_gas)
{
	nbc_runtime *rt = shared();
	nbc_builder *bb = nbc_builder_new();
	uint32_t fn, ln = 120, loop, fi, k0, k1;
	nbc_limits lim = { .gas = 0 };
	nbc_lit a[2];
	nbc_result r;

	module_init_none(bb);
	/* def cat(x): return "a" + str(x) + ";"          7 instructions */
	fn = nbc_func_declare(bb, "cat", 1, ln);
	E(LOAD_CONST, nbc_const_str(bb, "a", 1), 0);
	E(LOAD_LOCAL, 0, 0);
	E(CALL_BUILTIN, NBC_BI_STR, 1);
	E(ADD, 0, 0);
	E(LOAD_CONST, nbc_const_str(bb, ";", 1), 0);
	E(ADD, 0, 0);
	E(RETURN, 0, 0);
	/* def cat3(a, b): return a + b + "!"             6 instructions */
	fn = nbc_func_declare(bb, "cat3", 2, ln);
	E(LOAD_LOCAL, 0, 0);
	E(LOAD_LOCAL, 1, 0);
	E(ADD, 0, 0);
	E(LOAD_CONST, nbc_const_str(bb, "!", 1), 0);
	E(ADD, 0, 0);
	E(RETURN, 0, 0);
	/* def count(d, k): d[k] = d.get(k, 0) + 1; return d.get(k, 0)
	 *                                               14 instructions */
	fn = nbc_func_declare(bb, "count", 2, ln);
	k0 = nbc_const_int(bb, 0);
	k1 = nbc_const_int(bb, 1);
	E(LOAD_LOCAL, 0, 0);
	E(LOAD_LOCAL, 1, 0);
	E(LOAD_CONST, k0, 0);
	E(CALL_METHOD, NBC_M_GET, 2);
	E(LOAD_CONST, k1, 0);
	E(ADD, 0, 0);
	E(LOAD_LOCAL, 0, 0);
	E(LOAD_LOCAL, 1, 0);
	E(STORE_SUBSCR, 0, 0);
	E(LOAD_LOCAL, 0, 0);
	E(LOAD_LOCAL, 1, 0);
	E(LOAD_CONST, k0, 0);
	E(CALL_METHOD, NBC_M_GET, 2);
	E(RETURN, 0, 0);
	/* def fill(l, n): for i in range(n): l.append(i)   return l
	 *                                               7n + 6 instructions */
	fn = nbc_func_declare(bb, "fill", 2, ln);
	nbc_func_set_nlocals(bb, fn, 3);
	E(LOAD_LOCAL, 1, 0);
	E(CALL_BUILTIN, NBC_BI_RANGE, 1);
	E(GET_ITER, 0, 0);
	loop = nbc_here(bb, fn);
	fi = E(FOR_ITER, 0, 0);
	E(STORE_LOCAL, 2, 0);
	E(LOAD_LOCAL, 0, 0);
	E(LOAD_LOCAL, 2, 0);
	E(CALL_METHOD, NBC_M_APPEND, 1);
	E(POP, 0, 0);
	E(JUMP, loop, 0);
	nbc_patch(bb, fn, fi, nbc_here(bb, fn));
	E(LOAD_LOCAL, 0, 0);
	E(RETURN, 0, 0);
	load(bb, "fusedgas");

	a[0] = I(-45);
	call_repr(rt, "cat", a, 1, NULL, "'a-45;'", 7);
	a[0].type = NBC_LIT_FLOAT;
	a[0].u.f = 1.5;
	call_repr(rt, "cat", a, 1, NULL, "'a1.5;'", 7);
	a[0] = S("s");
	call_repr(rt, "cat", a, 1, NULL, "'as;'", 7);
	a[0] = S("x");
	a[1] = S("y");
	call_repr(rt, "cat3", a, 2, NULL, "'xy!'", 6);
	a[1] = S("");
	call_repr(rt, "cat3", a, 2, NULL, "'x!'", 6);
	a[0] = empty(NBC_LIT_DICT);
	a[1] = S("w");
	call_repr(rt, "count", a, 2, NULL, "1", 14);
	a[1] = I(3);
	call_repr(rt, "count", a, 2, NULL, "1", 14);
	a[0] = empty(NBC_LIT_LIST);
	a[1] = I(3);
	call_repr(rt, "fill", a, 2, NULL, "[0, 1, 2]", 27);
	/* the budget is exact across the fused loop back edge */
	lim.gas = 27;
	call_repr(rt, "fill", a, 2, &lim, "[0, 1, 2]", 27);
	for (lim.gas = 26; lim.gas > 20; lim.gas--) {
		call(rt, "fusedgas", "fill", a, 2, &lim, &r);
		ck_assert(!r.ok);
		ck_assert_int_eq(r.exc, NBC_EXC_RESOURCE_ERROR);
		ck_assert_uint_eq(r.instructions, lim.gas);
		nbc_result_free(&r);
	}
	/* the general paths: a receiver that is not a list or dict */
	a[0] = S("text");
	call_raises(rt, "fusedgas", "fill", a, 2, NULL,
	    NBC_EXC_ATTRIBUTE_ERROR, "'str' object has no attribute 'append'",
	    120);
	call_raises(rt, "fusedgas", "count", a, 2, NULL,
	    NBC_EXC_ATTRIBUTE_ERROR, "'str' object has no attribute 'get'",
	    120);
}
END_TEST

/* ---- threads ------------------------------------------------------------ */

typedef struct job {
	nbc_module *m;
	const char *fname;
	int64_t arg;
	int64_t out;
	bool ok;
	int rounds;
} job;

static void *run_job(void *p)
{
	job *j = p;
	nbc_lit a = I(j->arg);
	nbc_result r;

	j->ok = true;
	for (int i = 0; i < j->rounds; i++) {
		nbc_call(j->m, j->fname, &a, 1, NULL, NULL, &r);
		if (!r.ok || r.value.type != NBC_LIT_INT)
			j->ok = false;
		else
			j->out = r.value.u.i;
		nbc_result_free(&r);
	}
	return NULL;
}

START_TEST(threads_and_unload)
{
	nbc_runtime *rt = shared();
	nbc_builder *bb = nbc_builder_new();
	pthread_t th[4];
	job jobs[4];
	nbc_module_stats st;
	nbc_module *m;

	core_module(bb, 3);
	load(bb, "threads");
	m = nbc_module_get(rt, "threads");
	for (int i = 0; i < 4; i++) {
		jobs[i] = (job){ m, "fib", 15 + i, 0, false, 5 };
		ck_assert_int_eq(pthread_create(&th[i], NULL, run_job,
		    &jobs[i]), 0);
	}
	/* Unload while the calls run: they finish on their reference. */
	ck_assert_int_eq(nbc_unload_module(rt, "threads"), 0);
	ck_assert_ptr_null(nbc_module_get(rt, "threads"));
	for (int i = 0; i < 4; i++)
		pthread_join(th[i], NULL);
	ck_assert(jobs[0].ok && jobs[0].out == 610);
	ck_assert(jobs[1].ok && jobs[1].out == 987);
	ck_assert(jobs[2].ok && jobs[2].out == 1597);
	ck_assert(jobs[3].ok && jobs[3].out == 2584);
	nbc_module_stats_get(m, &st);
	ck_assert_uint_eq(st.calls, 20);
	ck_assert_uint_eq(st.errors, 0);
	ck_assert_uint_gt(st.instructions, 20 * 1000);
	ck_assert_uint_gt(st.ns, 0);
	nbc_module_release(m);
}
END_TEST

START_TEST(stats_count_errors)
{
	nbc_runtime *rt = shared();
	nbc_module *m = nbc_module_get(rt, "core");
	nbc_module_stats before, after;
	nbc_lit a = I(0);
	nbc_result r;

	nbc_module_stats_get(m, &before);
	nbc_call(m, "unbound", &a, 1, NULL, NULL, &r);
	ck_assert(!r.ok);
	nbc_result_free(&r);
	nbc_call(m, "k", NULL, 0, NULL, NULL, &r);
	ck_assert(r.ok);
	ck_assert_uint_eq(r.instructions, 2);
	nbc_result_free(&r);
	nbc_module_stats_get(m, &after);
	ck_assert_uint_eq(after.calls - before.calls, 2);
	ck_assert_uint_eq(after.errors - before.errors, 1);
	ck_assert_uint_ge(after.instructions - before.instructions, 4);
	nbc_module_release(m);
	nbc_runtime_free(rt);
	the_rt = NULL;
}
END_TEST

int main(void)
{
	Suite *s = suite_create("nbc_vm");
	TCase *tc = tcase_create("vm");
	SRunner *sr;
	int failed;

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, arithmetic);
	tcase_add_test(tc, loops_and_calls);
	tcase_add_test(tc, limits);
	tcase_add_test(tc, constants_and_side_by_side);
	tcase_add_test(tc, load_errors);
	tcase_add_test(tc, print_output);
	tcase_add_test(tc, fused_slow_paths);
	tcase_add_test(tc, inplace_ops);
	tcase_add_test(tc, inplace_arith);
	tcase_add_test(tc, gc_roots);
	tcase_add_test(tc, gas_charge);
	tcase_add_test(tc, fused_gas);
	tcase_add_test(tc, threads_and_unload);
	tcase_add_test(tc, stats_count_errors);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	/* The tests share one runtime and build on each other's modules. */
	srunner_set_fork_status(sr, CK_NOFORK);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
