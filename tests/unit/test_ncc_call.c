/*
 * test_ncc_call.c - ncc_parse_call and ncc_parse_literal: the literal
 * forms users type into `call` and `noodle run`, and the errors (with the
 * column) for everything else.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ncc.h"

/* "name|repr(arg)|repr(arg)..." or "ERR col: message" */
static const char *
call_of(const char *text)
{
	static char buf[1024];
	char *name;
	nbc_lit *args;
	size_t nargs, n;
	nbc_error err;

	if (ncc_parse_call(text, strlen(text), &name, &args, &nargs, &err) != 0) {
		ck_assert_ptr_null(name);
		snprintf(buf, sizeof buf, "ERR %d: %s", err.line, err.message);
		return buf;
	}
	n = (size_t)snprintf(buf, sizeof buf, "%s", name);
	for (size_t i = 0; i < nargs; i++) {
		char *r = nbc_lit_repr(&args[i], NULL);
		n += (size_t)snprintf(buf + n, sizeof buf - n, "|%s", r);
		free(r);
		nbc_lit_free(&args[i]);
	}
	free(args);
	free(name);
	return buf;
}

START_TEST(test_calls)
{
	ck_assert_str_eq(call_of("f()"), "f");
	ck_assert_str_eq(call_of("f()\n"), "f");
	ck_assert_str_eq(call_of("  add(1, -2, +3)  \n"), "add|1|-2|3");
	ck_assert_str_eq(call_of("g('a' \"b\", 'it\\'s\\n', '\\u00e9')"),
	    "g|'ab'|\"it's\\n\"|'\xc3\xa9'");
	ck_assert_str_eq(call_of("h(1.5, -0.0, 1e3, .5, 0x10, -9223372036854775808)"),
	    "h|1.5|-0.0|1000.0|0.5|16|-9223372036854775808");
	ck_assert_str_eq(call_of("k(True, False, None)"), "k|True|False|None");
	ck_assert_str_eq(call_of("k([1, [2, 3]], (1,), (), (1), {'a': [1], 2: None},)"),
	    "k|[1, [2, 3]]|(1,)|()|1|{'a': [1], 2: None}");
	ck_assert_str_eq(call_of("k(\n  1,\n  2\n)"), "k|1|2");
	ck_assert_str_eq(call_of("k(--1)"), "k|1");
}
END_TEST

START_TEST(test_call_errors)
{
	ck_assert_str_eq(call_of(""), "ERR 1: expected a function name");
	ck_assert_str_eq(call_of("1(2)"), "ERR 1: expected a function name");
	ck_assert_str_eq(call_of("f"), "ERR 2: expected '('");
	ck_assert_str_eq(call_of("f(x)"), "ERR 3: expected a literal");
	ck_assert_str_eq(call_of("f(1 2)"), "ERR 5: invalid syntax");
	ck_assert_str_eq(call_of("f(1) g"), "ERR 6: unexpected text after the end");
	ck_assert_str_eq(call_of("f(1+2)"), "ERR 4: invalid syntax");
	ck_assert_str_eq(call_of("f('abc)"),
	    "ERR 3: unterminated string literal (detected at line 1)");
	ck_assert_str_eq(call_of("f(9223372036854775808)"),
	    "ERR 3: integer literal too large (int is 64-bit)");
	ck_assert_str_eq(call_of("f({1})"), "ERR 5: expected ':'");
	ck_assert_str_eq(call_of("f(-'a')"), "ERR 4: expected a number after the sign");
	ck_assert_str_eq(call_of("f(1j)"), "ERR 3: complex numbers are not supported");
	ck_assert_str_eq(call_of("f(f'x')"),
	    "ERR 3: only plain string literals are accepted");
	ck_assert_str_eq(call_of("f([1, 2)"),
	    "ERR 8: closing parenthesis ')' does not match opening parenthesis '['");
	ck_assert_str_eq(call_of("f(1"), "ERR 2: '(' was never closed");
}
END_TEST

START_TEST(test_call_nul)
{
	char *name;
	nbc_lit *args;
	size_t nargs;
	nbc_error err;

	ck_assert_int_eq(ncc_parse_call("f('\0')", 7, &name, &args, &nargs, &err),
	    -1);
	ck_assert_ptr_nonnull(strstr(err.message, "NUL"));
}
END_TEST

START_TEST(test_literal)
{
	nbc_lit v;
	nbc_error err;

	ck_assert_int_eq(ncc_parse_literal("-42", 3, &v, &err), 0);
	ck_assert_int_eq(v.type, NBC_LIT_INT);
	ck_assert_int_eq(v.u.i, -42);
	nbc_lit_free(&v);
	ck_assert_int_eq(ncc_parse_literal("'a\\0b'", 6, &v, &err), 0);
	ck_assert_int_eq(v.type, NBC_LIT_STR);
	ck_assert_uint_eq(v.u.str.len, 3);
	ck_assert_int_eq(memcmp(v.u.str.s, "a\0b", 3), 0);
	nbc_lit_free(&v);
	ck_assert_int_eq(ncc_parse_literal("{'k': (1, [2.5])}\n", 18, &v, &err), 0);
	ck_assert_int_eq(v.type, NBC_LIT_DICT);
	ck_assert_uint_eq(v.u.seq.n, 1);
	ck_assert_int_eq(v.u.seq.items[1].type, NBC_LIT_TUPLE);
	nbc_lit_free(&v);
	ck_assert_int_eq(ncc_parse_literal("1, 2", 4, &v, &err), -1);
	ck_assert_str_eq(err.message, "unexpected text after the end");
	ck_assert_int_eq(err.line, 2);
	ck_assert_int_eq(ncc_parse_literal("abc", 3, &v, &err), -1);
	ck_assert_str_eq(err.message, "expected a literal");
	ck_assert_int_eq(ncc_parse_literal("", 0, &v, &err), -1);
}
END_TEST

START_TEST(test_deep_literal)
{
	char buf[512];
	nbc_lit v;
	nbc_error err;

	/* within the nesting bound it parses; beyond, it is an error */
	memset(buf, '[', 90);
	memset(buf + 90, ']', 90);
	ck_assert_int_eq(ncc_parse_literal(buf, 180, &v, &err), 0);
	nbc_lit_free(&v);
	memset(buf, '[', 200);
	memset(buf + 200, ']', 200);
	ck_assert_int_eq(ncc_parse_literal(buf, 400, &v, &err), -1);
	ck_assert_str_eq(err.message, "too many nested parentheses");
}
END_TEST

static Suite *
call_suite(void)
{
	Suite *s = suite_create("ncc_call");
	TCase *tc = tcase_create("call");

	tcase_add_test(tc, test_calls);
	tcase_add_test(tc, test_call_errors);
	tcase_add_test(tc, test_call_nul);
	tcase_add_test(tc, test_literal);
	tcase_add_test(tc, test_deep_literal);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(call_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
