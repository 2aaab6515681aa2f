/*
 * test_ncc_lex.c - the Noodle lexer: token kinds, INDENT/DEDENT, line
 * joining, numbers, string escapes, and the errors it reports.
 */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ncc_ast.h"

/* Tokens of src rendered one per word: NAME:x INT:5 STR:"..." op ... */
static char *
lex_all(const char *src, char *errs, size_t errsize)
{
	static char out[8192];
	jmp_buf oom;
	ncc_ctx ctx;
	ncx_lexer lx;
	ncx_token t;
	volatile size_t o = 0;

	out[0] = '\0';
	ncc_ctx_init(&ctx, &oom);
	if (setjmp(oom) != 0)
		ck_abort_msg("out of memory");
	ncx_init(&lx, &ctx, src, strlen(src));
	for (int guard = 0; guard < 1000; guard++) {
		ncx_next(&lx, &t);
		char w[256];
		switch (t.type) {
		case T_NAME:
			snprintf(w, sizeof w, "NAME:%.*s", (int)t.len, t.start);
			break;
		case T_INT:
			snprintf(w, sizeof w, "INT:%llu", (unsigned long long)t.v.i);
			break;
		case T_FLOAT:
			snprintf(w, sizeof w, "FLOAT:%g", t.v.f);
			break;
		case T_STR:
			snprintf(w, sizeof w, "STR:%.*s", (int)t.v.s.len, t.v.s.s);
			break;
		case T_NEWLINE: snprintf(w, sizeof w, "NL"); break;
		case T_INDENT: snprintf(w, sizeof w, "IN"); break;
		case T_DEDENT: snprintf(w, sizeof w, "DE"); break;
		case T_ERROR: snprintf(w, sizeof w, "ERR"); break;
		case T_EOF: snprintf(w, sizeof w, "EOF"); break;
		default: snprintf(w, sizeof w, "%s", ncx_name(t.type)); break;
		}
		o += (size_t)snprintf(out + o, sizeof out - o, "%s%s", o ? " " : "",
		    w);
		if (t.type == T_EOF)
			break;
	}
	size_t e = 0;
	if (errs != NULL) {
		errs[0] = '\0';
		for (size_t i = 0; i < ctx.nerrors && e < errsize; i++)
			e += (size_t)snprintf(errs + e, errsize - e, "%s%d:%d: %s",
			    i ? "\n" : "", ctx.errors[i].line, ctx.errors[i].col,
			    ctx.errors[i].message);
	}
	ncc_ctx_free(&ctx);
	return out;
}

START_TEST(test_basic_tokens)
{
	ck_assert_str_eq(lex_all("x = a+1 # c\n", NULL, 0),
	    "NAME:x '=' NAME:a '+' INT:1 NL EOF");
	ck_assert_str_eq(lex_all("a **= b // c != d -> e", NULL, 0),
	    "NAME:a '**=' NAME:b '//' NAME:c '!=' NAME:d '->' NAME:e NL EOF");
	ck_assert_str_eq(lex_all("def if_ not in is", NULL, 0),
	    "'def' NAME:if_ 'not' 'in' 'is' NL EOF");
	ck_assert_str_eq(lex_all("", NULL, 0), "EOF");
	ck_assert_str_eq(lex_all("\n\n  # only a comment\n", NULL, 0), "EOF");
}
END_TEST

START_TEST(test_indentation)
{
	ck_assert_str_eq(lex_all("if a:\n    b\n    c\nd\n", NULL, 0),
	    "'if' NAME:a ':' NL IN NAME:b NL NAME:c NL DE NAME:d NL EOF");
	ck_assert_str_eq(lex_all("if a:\n  if b:\n    c\n\n# x\n", NULL, 0),
	    "'if' NAME:a ':' NL IN 'if' NAME:b ':' NL IN NAME:c NL DE DE EOF");
	/* blank and comment lines in a block change nothing */
	ck_assert_str_eq(lex_all("if a:\n    b\n\n  # c\n    d\n", NULL, 0),
	    "'if' NAME:a ':' NL IN NAME:b NL NAME:d NL DE EOF");
	/* a tab is accepted when used consistently */
	ck_assert_str_eq(lex_all("if a:\n\tb\n\tc\n", NULL, 0),
	    "'if' NAME:a ':' NL IN NAME:b NL NAME:c NL DE EOF");
}
END_TEST

START_TEST(test_indentation_errors)
{
	char errs[512];

	lex_all("if a:\n        b\n\tc\n", errs, sizeof errs);
	ck_assert_str_eq(errs,
	    "3:1: inconsistent use of tabs and spaces in indentation");
	lex_all("if a:\n    b\n  c\n", errs, sizeof errs);
	ck_assert_str_eq(errs,
	    "3:3: unindent does not match any outer indentation level");
}
END_TEST

START_TEST(test_line_joining)
{
	ck_assert_str_eq(lex_all("x = (1,\n  2)\ny", NULL, 0),
	    "NAME:x '=' '(' INT:1 ',' INT:2 ')' NL NAME:y NL EOF");
	ck_assert_str_eq(lex_all("x = 1 + \\\n    2\n", NULL, 0),
	    "NAME:x '=' INT:1 '+' INT:2 NL EOF");
	ck_assert_str_eq(lex_all("f([\n\n  # c\n  1])\n", NULL, 0),
	    "NAME:f '(' '[' INT:1 ']' ')' NL EOF");
}
END_TEST

START_TEST(test_numbers)
{
	ck_assert_str_eq(lex_all("0x_ff 0o17 0b101 1_000 0 00", NULL, 0),
	    "INT:255 INT:15 INT:5 INT:1000 INT:0 INT:0 NL EOF");
	ck_assert_str_eq(lex_all("1.5 .5 1e-3 2. 1_0.5e1_0", NULL, 0),
	    "FLOAT:1.5 FLOAT:0.5 FLOAT:0.001 FLOAT:2 FLOAT:1.05e+11 NL EOF");
	ck_assert_str_eq(lex_all("9223372036854775807 9223372036854775808",
	    NULL, 0), "INT:9223372036854775807 INT:9223372036854775808 NL EOF");
}
END_TEST

START_TEST(test_number_errors)
{
	char errs[512];

	lex_all("x = 92233720368547758070", errs, sizeof errs);
	ck_assert_str_eq(errs, "1:5: integer literal too large (int is 64-bit)");
	lex_all("x = 012", errs, sizeof errs);
	ck_assert_str_eq(errs, "1:5: leading zeros in decimal integer literals "
	    "are not permitted; use an 0o prefix for octal integers");
	lex_all("x = 1__0", errs, sizeof errs);
	ck_assert_str_eq(errs, "1:5: invalid decimal literal");
	lex_all("x = 12abc", errs, sizeof errs);
	ck_assert_str_eq(errs, "1:5: invalid decimal literal");
	lex_all("x = 0x", errs, sizeof errs);
	ck_assert_str_eq(errs, "1:5: invalid hexadecimal literal");
}
END_TEST

START_TEST(test_strings)
{
	ck_assert_str_eq(lex_all("'a\\tb' \"c\\\"d\" 'e\\'f'", NULL, 0),
	    "STR:a\tb STR:c\"d STR:e'f NL EOF");
	ck_assert_str_eq(lex_all("'\\x41\\u00e9\\U0001F600\\101\\n'", NULL, 0),
	    "STR:A\xc3\xa9\xf0\x9f\x98\x80" "A\n NL EOF");
	ck_assert_str_eq(lex_all("'''a\nb''' \"\"\"c\"\"\" r'\\n' 'x\\d'", NULL, 0),
	    "STR:a\nb STR:c STR:\\n STR:x\\d NL EOF");
	ck_assert_str_eq(lex_all("'a\\\nb'", NULL, 0), "STR:ab NL EOF");
}
END_TEST

START_TEST(test_string_nul)
{
	jmp_buf oom;
	ncc_ctx ctx;
	ncx_lexer lx;
	ncx_token t;

	ncc_ctx_init(&ctx, &oom);
	if (setjmp(oom) != 0)
		ck_abort_msg("out of memory");
	ncx_init(&lx, &ctx, "'a\\0b'", 6);
	ncx_next(&lx, &t);
	ck_assert_int_eq(t.type, T_STR);
	ck_assert_uint_eq(t.v.s.len, 3);
	ck_assert_int_eq(memcmp(t.v.s.s, "a\0b", 3), 0);
	ncc_ctx_free(&ctx);
}
END_TEST

START_TEST(test_string_errors)
{
	char errs[512];

	lex_all("x = 'abc\ny = 1\n", errs, sizeof errs);
	ck_assert_str_eq(errs,
	    "1:5: unterminated string literal (detected at line 1)");
	lex_all("x = '''abc\ny = 1\n", errs, sizeof errs);
	ck_assert_str_eq(errs,
	    "1:5: unterminated triple-quoted string literal (detected at line 3)");
	lex_all("x = '\\x4'", errs, sizeof errs);
	ck_assert_str_eq(errs, "1:5: truncated \\xXX escape");
	lex_all("x = '\\ud800'", errs, sizeof errs);
	ck_assert_str_eq(errs, "1:5: surrogate code points are not supported");
}
END_TEST

START_TEST(test_other_errors)
{
	char errs[512];

	ck_assert_str_eq(lex_all("a $ b", errs, sizeof errs),
	    "NAME:a ERR NAME:b NL EOF");
	ck_assert_str_eq(errs, "1:3: invalid syntax");
	lex_all("a \xe2\x82\xac b", errs, sizeof errs);
	ck_assert_str_eq(errs, "1:3: invalid character '\xe2\x82\xac' (U+20AC)");
	lex_all("f(1]", errs, sizeof errs);
	ck_assert_str_eq(errs, "1:4: closing parenthesis ']' does not match "
	    "opening parenthesis '('");
	lex_all("x)", errs, sizeof errs);
	ck_assert_str_eq(errs, "1:2: unmatched ')'");
	lex_all("x = '\xc3\xa9\xc3\xa9' $", errs, sizeof errs);
	ck_assert_str_eq(errs, "1:10: invalid syntax");   /* columns count characters */
	lex_all("x = [1,\n2", errs, sizeof errs);
	ck_assert_str_eq(errs, "1:5: '[' was never closed");
	lex_all("x = 1 \\ y", errs, sizeof errs);
	ck_assert_str_eq(errs,
	    "1:7: unexpected character after line continuation character");
}
END_TEST

START_TEST(test_nesting_bound)
{
	char src[400], errs[512];

	memset(src, '(', 300);
	src[300] = '\0';
	lex_all(src, errs, sizeof errs);
	ck_assert_ptr_nonnull(strstr(errs, "too many nested parentheses"));
}
END_TEST

static Suite *
lex_suite(void)
{
	Suite *s = suite_create("ncc_lex");
	TCase *tc = tcase_create("lex");

	tcase_add_test(tc, test_basic_tokens);
	tcase_add_test(tc, test_indentation);
	tcase_add_test(tc, test_indentation_errors);
	tcase_add_test(tc, test_line_joining);
	tcase_add_test(tc, test_numbers);
	tcase_add_test(tc, test_number_errors);
	tcase_add_test(tc, test_strings);
	tcase_add_test(tc, test_string_nul);
	tcase_add_test(tc, test_string_errors);
	tcase_add_test(tc, test_other_errors);
	tcase_add_test(tc, test_nesting_bound);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(lex_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
