/*
 * test_nbc_verify.c - the verifier refuses every class of malformed blob
 * with a message, and survives mutation: every single-byte change of a
 * few built modules is either refused by nbc_verify or, if accepted,
 * loads and runs under small limits without crashing (run this under
 * ASan/UBSan to make "without crashing" mean something).
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nbc.h"
#include "nbc_format.h"

#define E(op, a, b2) nbc_emit(bb, fn, NBC_OP_##op, (a), (b2), ln)

/*
 * The module every case patches:
 *   <module>: TUPLE = (1, 'abc'); G = 'abc'
 *   f1 "ident"(x):   LOAD_LOCAL 0; RETURN
 *   f2 "branch"(x):  LOAD_LOCAL 0; JUMP_IF_FALSE L; LOAD_CONST 1; RETURN;
 *                    L: LOAD_CONST 2; RETURN
 *   f3 "calls"(x):   LOAD_LOCAL 0; CALL_BUILTIN len 1; CALL_FUNC ident 1;
 *                    LOAD_CONST 'abc'; CALL_METHOD upper 0; POP;
 *                    LOAD_GLOBAL G; POP; RETURN
 *   f4 "shout"():    LOAD_CONST 'abc'; LOAD_CONST None x2; PRINT 1; RETURN
 *   f5 "boom"():     LOAD_CONST 'abc'; RAISE ValueError 1
 */
static uint32_t k_abc, k_tuple;

static uint8_t *sample(size_t *len)
{
	nbc_builder *bb = nbc_builder_new();
	uint32_t fn = 0, ln = 1, g, items[2], jf, ident;
	uint8_t *blob;
	nbc_error err;

	nbc_set_caps(bb, NBC_CAP_LOG);
	items[0] = nbc_const_int(bb, 1);
	items[1] = k_abc = nbc_const_str(bb, "abc", 3);
	k_tuple = nbc_const_tuple(bb, items, 2);
	g = nbc_global(bb, "G");
	E(LOAD_CONST, k_tuple, 0);
	E(STORE_GLOBAL, nbc_global(bb, "TUPLE"), 0);
	E(LOAD_CONST, k_abc, 0);
	E(STORE_GLOBAL, g, 0);
	E(LOAD_CONST, nbc_const_none(bb), 0);
	E(RETURN, 0, 0);

	ident = fn = nbc_func_declare(bb, "ident", 1, 2);
	ln = 3;
	nbc_func_local_name(bb, fn, 0, "x");
	E(LOAD_LOCAL, 0, 0);
	E(RETURN, 0, 0);

	fn = nbc_func_declare(bb, "branch", 1, 4);
	ln = 5;
	E(LOAD_LOCAL, 0, 0);
	jf = E(JUMP_IF_FALSE, 0, 0);
	E(LOAD_CONST, nbc_const_int(bb, 1), 0);
	E(RETURN, 0, 0);
	ln = 6;
	nbc_patch(bb, fn, jf, nbc_here(bb, fn));
	E(LOAD_CONST, nbc_const_int(bb, 2), 0);
	E(RETURN, 0, 0);

	fn = nbc_func_declare(bb, "calls", 1, 7);
	ln = 8;
	E(LOAD_LOCAL, 0, 0);
	E(CALL_BUILTIN, NBC_BI_LEN, 1);
	E(CALL_FUNC, ident, 1);
	E(LOAD_CONST, k_abc, 0);
	E(CALL_METHOD, NBC_M_UPPER, 0);
	E(POP, 0, 0);
	E(LOAD_GLOBAL, g, 0);
	E(POP, 0, 0);
	E(RETURN, 0, 0);

	fn = nbc_func_declare(bb, "shout", 0, 9);
	ln = 10;
	E(LOAD_CONST, k_abc, 0);
	E(LOAD_CONST, nbc_const_none(bb), 0);
	E(LOAD_CONST, nbc_const_none(bb), 0);
	E(PRINT, 1, 0);
	E(RETURN, 0, 0);

	fn = nbc_func_declare(bb, "boom", 0, 11);
	ln = 12;
	E(LOAD_CONST, k_abc, 0);
	E(RAISE, NBC_EXC_VALUE_ERROR, 1);

	ck_assert_msg(nbc_builder_finish(bb, &blob, len, &err) == 0, "%s",
	    err.message);
	nbc_builder_free(bb);
	return blob;
}

/* Offset in blob of byte k of function fn's code. */
static size_t code_at(const uint8_t *blob, size_t len, uint32_t fn, size_t k)
{
	nbc_image img;
	size_t at;

	ck_assert_int_eq(nbc_image_parse(blob, len, &img, NULL), 0);
	at = (size_t)(img.funcs[fn].code - blob) + k;
	nbc_image_free(&img);
	return at;
}

static void refused(const uint8_t *blob, size_t len, const char *needle)
{
	nbc_error err;

	ck_assert_int_eq(nbc_verify(blob, len, &err), -1);
	ck_assert_msg(strstr(err.message, needle) != NULL,
	    "expected '%s', got '%s'", needle, err.message);
	ck_assert_uint_eq(nbc_blob_caps(blob, len), 0);
}

/* Copy the sample, let patch change it, expect refusal with needle. */
#define CASE(needle, patch) do { \
		uint8_t *c = malloc(len + 1); \
		memcpy(c, good, len); \
		{ patch; } \
		refused(c, len, needle); \
		free(c); \
	} while (0)

START_TEST(accepts_and_refuses)
{
	size_t len;
	uint8_t *good = sample(&len);
	nbc_error err;
	nbc_image img;
	uint8_t *tail;

	ck_assert_int_eq(nbc_verify(good, len, &err), 0);
	ck_assert_uint_eq(nbc_blob_caps(good, len), NBC_CAP_LOG);
	/* Every truncation. */
	for (size_t n = 0; n < len; n++)
		ck_assert_int_eq(nbc_verify(good, n, &err), -1);
	ck_assert_int_eq(nbc_verify(NULL, 0, &err), -1);
	/* Trailing bytes. */
	tail = malloc(len + 1);
	memcpy(tail, good, len);
	tail[len] = 0;
	refused(tail, len + 1, "trailing");
	free(tail);
	/* Header. */
	CASE("bad magic", c[0] = 'X');
	CASE("version", c[4] = 9);
	CASE("flags", c[6] = 1);
	CASE("capability", nbc_wr32(c + 8, 0x100));
	CASE("constant count", nbc_wr32(c + 12, 0xffffffffu));
	CASE("function count", nbc_wr32(c + 20, 0x7fffffffu));
	/* Capabilities a blob uses must be declared. */
	CASE("log capability", nbc_wr32(c + 8, 0));
	/* Code, by function: ident (1), branch (2), calls (3), boom (5). */
	CASE("unknown opcode", c[code_at(good, len, 1, 0)] = 0xee);
	CASE("local index", nbc_wr32(c + code_at(good, len, 1, 1), 1));
	CASE("constant index", c[code_at(good, len, 2, 10)] = NBC_OP_LOAD_CONST;
	    nbc_wr32(c + code_at(good, len, 2, 11), 999));
	CASE("underflow", c[code_at(good, len, 1, 0)] = NBC_OP_STORE_LOCAL);
	CASE("STORE_GLOBAL outside", c[code_at(good, len, 1, 0)] =
	    NBC_OP_STORE_GLOBAL);
	CASE("jump target", nbc_wr32(c + code_at(good, len, 2, 6), 1));
	CASE("jump target", nbc_wr32(c + code_at(good, len, 2, 6), 1000));
	/* branch: the first RETURN (offset 15) becomes NOP: depth 1 meets 0. */
	CASE("different stack depths", c[code_at(good, len, 2, 15)] =
	    NBC_OP_NOP);
	/* branch: the last RETURN becomes POP: control falls off the end. */
	CASE("falls off", c[code_at(good, len, 2, 21)] = NBC_OP_POP);
	CASE("wrong argument count for the builtin",
	    nbc_wr32(c + code_at(good, len, 3, 10), 0));
	CASE("unknown builtin", nbc_wr32(c + code_at(good, len, 3, 6), 200));
	CASE("wrong argument count for the function",
	    nbc_wr32(c + code_at(good, len, 3, 19), 2));
	CASE("function index", nbc_wr32(c + code_at(good, len, 3, 15), 0));
	CASE("function index", nbc_wr32(c + code_at(good, len, 3, 15), 77));
	CASE("unknown method", nbc_wr32(c + code_at(good, len, 3, 29), 99));
	CASE("wrong argument count for the method",
	    nbc_wr32(c + code_at(good, len, 3, 33), 1));
	CASE("global index", nbc_wr32(c + code_at(good, len, 3, 39), 5));
	CASE("cannot be raised", nbc_wr32(c + code_at(good, len, 5, 6),
	    NBC_EXC_RESOURCE_ERROR));
	CASE("too many exception", nbc_wr32(c + code_at(good, len, 5, 10), 2));
	CASE("underflow", nbc_wr32(c + code_at(good, len, 4, 16), 2));
	/* Tables. */
	ck_assert_int_eq(nbc_image_parse(good, len, &img, &err), 0);
	CASE("max_stack", nbc_wr32(c + img.funcs[3].max_stack_at, 1));
	CASE("max_stack", nbc_wr32(c + img.funcs[3].max_stack_at, 70000));
	CASE("invalid UTF-8", c[img.consts[k_abc].s - (const char *)good + 1] =
	    0xff);
	CASE("tuple item", nbc_wr32(c + (img.consts[k_tuple].items - good) + 4,
	    k_tuple));
	CASE("bad name", c[img.funcs[1].name.s - (const char *)good] = 0);
	CASE("duplicate function", memcpy(c + (img.funcs[3].name.s -
	    (const char *)good), "ident", 5));
	CASE("function 0", nbc_wr32(c + (img.funcs[0].name.s - 4 -
	    (const char *)good) + 4 + 8, 1));
	CASE("bad parameter counts", nbc_wr32(c + (img.funcs[1].name.s -
	    (const char *)good) + 5, 2));
	CASE("line table", nbc_wr32(c + (img.funcs[2].lines - good) + 8, 0));
	nbc_image_free(&img);
	free(good);
}
END_TEST

/* Tuple constants may nest NBC_MAX_KNEST deep, not deeper. */
START_TEST(tuple_nesting)
{
	for (uint32_t depth = NBC_MAX_KNEST; depth <= NBC_MAX_KNEST + 1;
	    depth++) {
		nbc_builder *bb = nbc_builder_new();
		uint32_t fn = 0, ln = 1, k = nbc_const_int(bb, 1);
		uint8_t *blob;
		size_t len;
		nbc_error err;
		int rc;

		for (uint32_t i = 0; i < depth; i++)
			k = nbc_const_tuple(bb, &k, 1);
		E(LOAD_CONST, k, 0);
		E(RETURN, 0, 0);
		rc = nbc_builder_finish(bb, &blob, &len, &err);
		nbc_builder_free(bb);
		if (depth == NBC_MAX_KNEST) {
			ck_assert_msg(rc == 0, "%s", err.message);
			free(blob);
		} else {
			ck_assert_int_eq(rc, -1);
			ck_assert_ptr_nonnull(strstr(err.message, "nests too deep"));
		}
	}
}
END_TEST

START_TEST(utf8)
{
	ck_assert(nbc_utf8_valid("h\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80", 12));
	ck_assert(!nbc_utf8_valid("\xc0\xaf", 2));          /* overlong */
	ck_assert(!nbc_utf8_valid("\xed\xa0\x80", 3));      /* surrogate */
	ck_assert(!nbc_utf8_valid("\xf4\x90\x80\x80", 4));  /* > U+10FFFF */
	ck_assert(!nbc_utf8_valid("\xe2\x82", 2));          /* truncated */
	ck_assert(!nbc_utf8_valid("\x80", 1));
	ck_assert(nbc_utf8_valid("a\0b", 3));
}
END_TEST

/* A loop and recursion to mutate as well. */
static uint8_t *looper(size_t *len)
{
	nbc_builder *bb = nbc_builder_new();
	uint32_t fn = 0, ln = 1, top, jf, rec;
	uint8_t *blob;
	nbc_error err;

	E(LOAD_CONST, nbc_const_none(bb), 0);
	E(RETURN, 0, 0);
	rec = fn = nbc_func_declare(bb, "count", 1, 2);
	nbc_func_set_nlocals(bb, fn, 2);
	E(LOAD_CONST, nbc_const_int(bb, 0), 0);
	E(STORE_LOCAL, 1, 0);
	top = nbc_here(bb, fn);
	E(LOAD_LOCAL, 1, 0);
	E(LOAD_LOCAL, 0, 0);
	E(LT, 0, 0);
	jf = E(JUMP_IF_FALSE, 0, 0);
	E(LOAD_LOCAL, 1, 0);
	E(LOAD_CONST, nbc_const_int(bb, 1), 0);
	E(ADD, 0, 0);
	E(STORE_LOCAL, 1, 0);
	E(JUMP, top, 0);
	nbc_patch(bb, fn, jf, nbc_here(bb, fn));
	E(LOAD_LOCAL, 1, 0);
	E(LOAD_CONST, nbc_const_int(bb, 0), 0);
	E(GT, 0, 0);
	jf = E(JUMP_IF_FALSE, 0, 0);
	E(LOAD_LOCAL, 0, 0);
	E(LOAD_CONST, nbc_const_int(bb, 1), 0);
	E(SUB, 0, 0);
	E(CALL_FUNC, rec, 1);
	E(RETURN, 0, 0);
	nbc_patch(bb, fn, jf, nbc_here(bb, fn));
	E(LOAD_CONST, nbc_const_str(bb, "done", 4), 0);
	E(LOAD_CONST, nbc_const_int(bb, 3), 0);
	E(BUILD_LIST, 2, 0);
	E(CALL_BUILTIN, NBC_BI_LEN, 1);
	E(RETURN, 0, 0);
	ck_assert_msg(nbc_builder_finish(bb, &blob, len, &err) == 0, "%s",
	    err.message);
	nbc_builder_free(bb);
	return blob;
}

static unsigned accepted;

/* Load an accepted mutant and call each function under small limits. */
static void run_mutant(nbc_runtime *rt, const uint8_t *blob, size_t len)
{
	nbc_limits lim = { .gas = 20000, .memory = 1 << 20, .depth = 30,
		.output = 4096 };
	nbc_host host = { .caps = NBC_CAP_LOG };
	nbc_error err;
	nbc_module *m;
	nbc_lit args[4];

	accepted++;
	if (nbc_load_module(rt, blob, len, "mutant", &lim, &err) < 0)
		return;
	m = nbc_module_get(rt, "mutant");
	ck_assert_ptr_nonnull(m);
	for (int i = 0; i < 4; i++) {
		args[i].type = NBC_LIT_INT;
		args[i].u.i = 3;
	}
	for (size_t f = 0; f < nbc_module_function_count(m); f++) {
		const char *name = nbc_module_function_name(m, f);
		uint32_t mn, mx;
		nbc_result r;

		ck_assert_int_eq(nbc_module_function(m, name, &mn, &mx), 0);
		if (mx > 4)
			continue;
		nbc_call(m, name, args, mx, &lim, &host, &r);
		nbc_result_free(&r);
	}
	nbc_module_release(m);
	ck_assert_int_eq(nbc_unload_module(rt, "mutant"), 0);
}

static void mutate_all(uint8_t *(*make)(size_t *))
{
	size_t len;
	uint8_t *good = make(&len);
	nbc_runtime *rt = nbc_runtime_new();
	uint8_t *c = malloc(len);

	for (size_t i = 0; i < len; i++) {
		const uint8_t vals[] = { (uint8_t)(good[i] ^ 1),
			(uint8_t)(good[i] ^ 0x80), 0, 0xff,
			(uint8_t)(good[i] + 1), (uint8_t)(good[i] - 1) };

		for (size_t v = 0; v < sizeof(vals); v++) {
			if (vals[v] == good[i])
				continue;
			memcpy(c, good, len);
			c[i] = vals[v];
			if (nbc_verify(c, len, NULL) == 0)
				run_mutant(rt, c, len);
		}
	}
	free(c);
	free(good);
	nbc_runtime_free(rt);
}

START_TEST(mutations)
{
	accepted = 0;
	mutate_all(sample);
	mutate_all(looper);
	/* Some mutations (an int constant, a line number) stay valid. */
	ck_assert_uint_gt(accepted, 0);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("nbc_verify");
	TCase *tc = tcase_create("verify");
	SRunner *sr;
	int failed;

	tcase_set_timeout(tc, 100);
	tcase_add_test(tc, accepts_and_refuses);
	tcase_add_test(tc, utf8);
	tcase_add_test(tc, tuple_nesting);
	tcase_add_test(tc, mutations);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
