/*
 * test_nbc_build.c - the NBC builder and serialized format: a module with
 * functions, constants, jumps and defaults serializes to a blob that
 * verifies, parses back to what was built, and lists in the disassembler;
 * constants and globals deduplicate; max_stack is computed; code that
 * would not verify makes nbc_builder_finish fail.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "nbc.h"
#include "nbc_format.h"

/* def add(a, b=5): return a + b   and a loop with a jump back. */
static nbc_builder *sample(uint32_t *k5, uint32_t *kstr)
{
	nbc_builder *b = nbc_builder_new();
	uint32_t add, loop, g, d[1], top, jf;

	*k5 = nbc_const_int(b, 5);
	*kstr = nbc_const_str(b, "h\xc3\xa9llo", 6);
	g = nbc_global(b, "LIMIT");
	nbc_emit(b, 0, NBC_OP_LOAD_CONST, *k5, 0, 1);
	nbc_emit(b, 0, NBC_OP_STORE_GLOBAL, g, 0, 1);
	nbc_emit(b, 0, NBC_OP_LOAD_CONST, nbc_const_none(b), 0, 1);
	nbc_emit(b, 0, NBC_OP_RETURN, 0, 0, 1);

	add = nbc_func_declare(b, "add", 2, 3);
	d[0] = *k5;
	nbc_func_set_defaults(b, add, d, 1);
	nbc_func_local_name(b, add, 0, "a");
	nbc_func_local_name(b, add, 1, "b");
	nbc_emit(b, add, NBC_OP_LOAD_LOCAL, 0, 0, 4);
	nbc_emit(b, add, NBC_OP_LOAD_LOCAL, 1, 0, 4);
	nbc_emit(b, add, NBC_OP_ADD, 0, 0, 4);
	nbc_emit(b, add, NBC_OP_RETURN, 0, 0, 4);

	/* def loop(n): i = 0; while i < n: i = add(i, 1); return i */
	loop = nbc_func_declare(b, "loop", 1, 6);
	nbc_func_set_nlocals(b, loop, 2);
	nbc_emit(b, loop, NBC_OP_LOAD_CONST, nbc_const_int(b, 0), 0, 7);
	nbc_emit(b, loop, NBC_OP_STORE_LOCAL, 1, 0, 7);
	top = nbc_here(b, loop);
	nbc_emit(b, loop, NBC_OP_LOAD_LOCAL, 1, 0, 8);
	nbc_emit(b, loop, NBC_OP_LOAD_LOCAL, 0, 0, 8);
	nbc_emit(b, loop, NBC_OP_LT, 0, 0, 8);
	jf = nbc_emit(b, loop, NBC_OP_JUMP_IF_FALSE, 0, 0, 8);
	nbc_emit(b, loop, NBC_OP_LOAD_LOCAL, 1, 0, 9);
	nbc_emit(b, loop, NBC_OP_LOAD_CONST, nbc_const_int(b, 1), 0, 9);
	nbc_emit(b, loop, NBC_OP_CALL_FUNC, add, 2, 9);
	nbc_emit(b, loop, NBC_OP_STORE_LOCAL, 1, 0, 9);
	nbc_emit(b, loop, NBC_OP_JUMP, top, 0, 9);
	nbc_patch(b, loop, jf, nbc_here(b, loop));
	nbc_emit(b, loop, NBC_OP_LOAD_LOCAL, 1, 0, 10);
	nbc_emit(b, loop, NBC_OP_RETURN, 0, 0, 10);
	return b;
}

START_TEST(round_trip)
{
	uint32_t k5, kstr;
	nbc_builder *b = sample(&k5, &kstr);
	uint8_t *blob;
	size_t len;
	nbc_error err;
	nbc_image img;

	ck_assert_int_eq(nbc_builder_finish(b, &blob, &len, &err), 0);
	nbc_builder_free(b);
	ck_assert_int_eq(memcmp(blob, NBC_MAGIC, 4), 0);
	ck_assert_int_eq(nbc_verify(blob, len, &err), 0);
	ck_assert_int_eq(nbc_image_parse(blob, len, &img, &err), 0);
	ck_assert_uint_eq(img.nfuncs, 3);
	ck_assert_uint_eq(img.nglobals, 1);
	ck_assert_int_eq(memcmp(img.globals[0].s, "LIMIT", 5), 0);
	ck_assert_uint_eq(img.consts[k5].tag, NBC_K_INT);
	ck_assert_int_eq(img.consts[k5].i, 5);
	ck_assert_uint_eq(img.consts[kstr].tag, NBC_K_STR);
	ck_assert_uint_eq(img.consts[kstr].len, 6);
	ck_assert_int_eq(memcmp(img.consts[kstr].s, "h\xc3\xa9llo", 6), 0);
	ck_assert_uint_eq(img.funcs[1].nparams, 2);
	ck_assert_uint_eq(img.funcs[1].ndefaults, 1);
	ck_assert_uint_eq(nbc_rd32(img.funcs[1].defaults), k5);
	ck_assert_uint_eq(img.funcs[1].max_stack, 2);
	ck_assert_uint_eq(img.funcs[2].max_stack, 2);
	ck_assert_uint_eq(img.funcs[2].nlocals, 2);
	ck_assert_int_eq(memcmp(img.funcs[1].locals[1].s, "b", 1), 0);
	/* Lines: the CALL_FUNC at offset 5+5+5+1+5+5+5 = 31 is on line 9. */
	ck_assert_int_eq(nbc_fdesc_line(&img.funcs[2], 31), 9);
	ck_assert_int_eq(nbc_fdesc_line(&img.funcs[2], 0), 7);
	nbc_image_free(&img);
	free(blob);
}
END_TEST

START_TEST(dedup)
{
	nbc_builder *b = nbc_builder_new();
	uint32_t t[2];

	ck_assert_uint_eq(nbc_const_int(b, 7), nbc_const_int(b, 7));
	ck_assert_uint_ne(nbc_const_int(b, 1), nbc_const_bool(b, true));
	ck_assert_uint_ne(nbc_const_int(b, 1), nbc_const_float(b, 1.0));
	ck_assert_uint_ne(nbc_const_float(b, 0.0), nbc_const_float(b, -0.0));
	ck_assert_uint_eq(nbc_const_str(b, "a\0b", 3), nbc_const_str(b, "a\0b", 3));
	ck_assert_uint_ne(nbc_const_str(b, "a\0b", 3), nbc_const_str(b, "a", 1));
	t[0] = nbc_const_int(b, 1);
	t[1] = nbc_const_int(b, 2);
	ck_assert_uint_eq(nbc_const_tuple(b, t, 2), nbc_const_tuple(b, t, 2));
	ck_assert_uint_ne(nbc_const_tuple(b, t, 2), nbc_const_tuple(b, t, 1));
	ck_assert_uint_eq(nbc_global(b, "X"), nbc_global(b, "X"));
	ck_assert_uint_ne(nbc_global(b, "X"), nbc_global(b, "Y"));
	nbc_builder_free(b);
}
END_TEST

START_TEST(many_constants)
{
	nbc_builder *b = nbc_builder_new();
	uint8_t *blob;
	size_t len;
	nbc_error err;

	for (int i = 0; i < 20000; i++)
		ck_assert_uint_eq(nbc_const_int(b, i * 3), (uint32_t)i);
	for (int i = 0; i < 20000; i++)
		ck_assert_uint_eq(nbc_const_int(b, i * 3), (uint32_t)i);
	nbc_emit(b, 0, NBC_OP_LOAD_CONST, 19999, 0, 1);
	nbc_emit(b, 0, NBC_OP_RETURN, 0, 0, 1);
	ck_assert_int_eq(nbc_builder_finish(b, &blob, &len, &err), 0);
	nbc_builder_free(b);
	free(blob);
}
END_TEST

static void expect_refused(nbc_builder *b, const char *needle)
{
	uint8_t *blob = (uint8_t *)"x";
	size_t len = 1;
	nbc_error err;

	ck_assert_int_eq(nbc_builder_finish(b, &blob, &len, &err), -1);
	ck_assert_ptr_null(blob);
	ck_assert_msg(strstr(err.message, needle) != NULL, "message: %s",
	    err.message);
	nbc_builder_free(b);
}

START_TEST(refuses_bad_code)
{
	nbc_builder *b = nbc_builder_new();

	nbc_emit(b, 0, NBC_OP_LOAD_CONST, nbc_const_none(b), 0, 1);
	expect_refused(b, "falls off");

	b = nbc_builder_new();
	nbc_emit(b, 0, NBC_OP_ADD, 0, 0, 2);
	nbc_emit(b, 0, NBC_OP_RETURN, 0, 0, 2);
	expect_refused(b, "underflow");

	b = nbc_builder_new();
	nbc_emit(b, 0, NBC_OP_JUMP, 3, 0, 1);
	nbc_emit(b, 0, NBC_OP_LOAD_CONST, nbc_const_none(b), 0, 1);
	nbc_emit(b, 0, NBC_OP_RETURN, 0, 0, 1);
	expect_refused(b, "jump target");

	b = nbc_builder_new();
	nbc_emit(b, 0, NBC_OP_LOAD_CONST, nbc_const_none(b), 0, 1);
	nbc_emit(b, 0, NBC_OP_PRINT, 1, 0, 1);
	expect_refused(b, "");        /* PRINT pops A+2: underflow */

	b = nbc_builder_new();
	nbc_emit(b, 0, (enum nbc_opcode)200, 0, 0, 1);
	expect_refused(b, "unknown opcode");

	b = nbc_builder_new();
	nbc_patch(b, 0, 0, 0);
	expect_refused(b, "no jump");
}
END_TEST

START_TEST(disasm_lists)
{
	uint32_t k5, kstr;
	nbc_builder *b = sample(&k5, &kstr);
	uint8_t *blob;
	size_t len;
	nbc_error err;
	char *text;

	ck_assert_int_eq(nbc_builder_finish(b, &blob, &len, &err), 0);
	nbc_builder_free(b);
	text = nbc_disasm(blob, len, &err);
	ck_assert_ptr_nonnull(text);
	ck_assert_ptr_nonnull(strstr(text, "CALL_FUNC"));
	ck_assert_ptr_nonnull(strstr(text, "; add"));
	ck_assert_ptr_nonnull(strstr(text, "LIMIT"));
	ck_assert_ptr_nonnull(strstr(text, "'h\xc3\xa9llo'"));
	free(text);
	blob[0] = 'X';
	ck_assert_ptr_null(nbc_disasm(blob, len, &err));
	free(blob);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("nbc_build");
	TCase *tc = tcase_create("build");
	SRunner *sr;
	int failed;

	tcase_add_test(tc, round_trip);
	tcase_add_test(tc, dedup);
	tcase_add_test(tc, many_constants);
	tcase_add_test(tc, refuses_bad_code);
	tcase_add_test(tc, disasm_lists);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
