/*
 * test_ncc_contract.c - contract extraction from sources, every diff rule
 * of LANGUAGE.md §Compatibility with the bump it implies, contract copy,
 * and the semver helpers.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ncc.h"

/* Compile old and new, diff their contracts: "bump|B fn: msg|..." */
static const char *
diff_of(const char *old_src, const char *new_src)
{
	static char buf[2048];
	ncc_result a, b;
	ncc_diff d;
	size_t n;

	ck_assert_int_eq(ncc_compile(old_src, strlen(old_src), &a), 0);
	ck_assert_int_eq(ncc_compile(new_src, strlen(new_src), &b), 0);
	ck_assert_msg(a.ok && b.ok, "sources must compile");
	ck_assert_int_eq(ncc_contract_diff(&a.contract, &b.contract, &d), 0);
	n = (size_t)snprintf(buf, sizeof buf, "%s", ncc_bump_name(d.bump));
	for (size_t i = 0; i < d.nchanges && n < sizeof buf; i++)
		n += (size_t)snprintf(buf + n, sizeof buf - n, "|%s %s: %s",
		    d.changes[i].breaking ? "B" : "C", d.changes[i].function,
		    d.changes[i].message);
	ncc_diff_free(&d);
	ncc_result_free(&a);
	ncc_result_free(&b);
	return buf;
}

#define BODY "\n    return 1\n"

START_TEST(test_no_change)
{
	ck_assert_str_eq(diff_of("def f(a: int) -> int:" BODY,
	    "def f(a: int) -> int:\n    x = a\n    return x\n"), "patch");
	/* private and test functions are not part of the contract */
	ck_assert_str_eq(diff_of("def f():" BODY "def _g(a):" BODY,
	    "def f():" BODY "def test_x():" BODY "def _h(a, b):" BODY), "patch");
	/* order does not matter */
	ck_assert_str_eq(diff_of("def f():" BODY "def g():" BODY,
	    "def g():" BODY "def f():" BODY), "patch");
}
END_TEST

START_TEST(test_breaking)
{
	ck_assert_str_eq(diff_of("def f():" BODY "def g():" BODY, "def f():" BODY),
	    "major|B g: function removed");
	ck_assert_str_eq(diff_of("def f(a):" BODY, "def f(a, b):" BODY),
	    "major|B f: parameter 'b' added without a default");
	ck_assert_str_eq(diff_of("def f(a, b):" BODY, "def f(a):" BODY),
	    "major|B f: parameter 'b' removed");
	ck_assert_str_eq(diff_of("def f(a: int):" BODY, "def f(a: str):" BODY),
	    "major|B f: parameter 'a' type changed from int to str");
	ck_assert_str_eq(diff_of("def f(a: float):" BODY, "def f(a: int):" BODY),
	    "major|B f: parameter 'a' type changed from float to int");
	ck_assert_str_eq(diff_of("def f(a):" BODY, "def f(a: int):" BODY),
	    "major|B f: parameter 'a' type changed from any to int");
	ck_assert_str_eq(diff_of("def f() -> int:" BODY, "def f() -> str:" BODY),
	    "major|B f: return type changed from int to str");
	ck_assert_str_eq(diff_of("def f() -> int:" BODY, "def f():" BODY),
	    "major|B f: return type changed from int to any");
	ck_assert_str_eq(diff_of("def f(a=1):" BODY, "def f(a):" BODY),
	    "major|B f: parameter 'a' no longer has a default");
}
END_TEST

START_TEST(test_compatible)
{
	ck_assert_str_eq(diff_of("def f():" BODY, "def f():" BODY "def g():" BODY),
	    "minor|C g: function added");
	ck_assert_str_eq(diff_of("def f(a):" BODY, "def f(a, b=2):" BODY),
	    "minor|C f: parameter 'b' added with a default");
	ck_assert_str_eq(diff_of("def f(a):" BODY, "def f(x):" BODY),
	    "minor|C f: parameter 'a' renamed to 'x'");
	ck_assert_str_eq(diff_of("def f(a: int):" BODY, "def f(a: float):" BODY),
	    "minor|C f: parameter 'a' type changed from int to float");
	ck_assert_str_eq(diff_of("def f(a: str):" BODY, "def f(a):" BODY),
	    "minor|C f: parameter 'a' type changed from str to any");
	ck_assert_str_eq(diff_of("def f():" BODY, "def f() -> int:" BODY),
	    "minor|C f: return type changed from any to int");
	ck_assert_str_eq(diff_of("def f(a):" BODY, "def f(a=0):" BODY),
	    "minor|C f: parameter 'a' now has a default");
}
END_TEST

START_TEST(test_mixed)
{
	/* one breaking change makes the bump major, all changes are listed */
	ck_assert_str_eq(diff_of("def f(a: int) -> int:" BODY "def g():" BODY,
	    "def f(b: int, c=1) -> int:" BODY "def h():" BODY),
	    "major|C f: parameter 'a' renamed to 'b'"
	    "|C f: parameter 'c' added with a default"
	    "|B g: function removed|C h: function added");
}
END_TEST

START_TEST(test_copy)
{
	const char *src = "def f(a: int, b='x') -> str:" BODY "def g():" BODY;
	ncc_result r;
	ncc_contract c;
	ncc_diff d;

	ck_assert_int_eq(ncc_compile(src, strlen(src), &r), 0);
	ck_assert_int_eq(ncc_contract_copy(&c, &r.contract), 0);
	ncc_result_free(&r);
	ck_assert_uint_eq(c.nfuncs, 2);
	ck_assert_str_eq(c.funcs[0].params[1].name, "b");
	ck_assert(c.funcs[0].params[1].has_default);
	ck_assert_int_eq(ncc_contract_diff(&c, &c, &d), 0);
	ck_assert_int_eq(d.bump, NCC_BUMP_PATCH);
	ck_assert_uint_eq(d.nchanges, 0);
	ncc_diff_free(&d);
	ncc_contract_free(&c);
}
END_TEST

START_TEST(test_semver)
{
	ncc_semver a, b;
	char buf[32];

	ck_assert_int_eq(ncc_semver_parse("1.2.3", &a), 0);
	ck_assert_uint_eq(a.major, 1);
	ck_assert_uint_eq(a.minor, 2);
	ck_assert_uint_eq(a.patch, 3);
	ck_assert_int_eq(ncc_semver_parse("0.0.0", &b), 0);
	ck_assert_int_eq(ncc_semver_parse("10.20.4294967295", &b), 0);
	ck_assert_uint_eq(b.patch, 4294967295u);
	const char *bad[] = { "", "1", "1.2", "1.2.3.4", "01.2.3", "1.02.3",
	    "1.2.03", "1.2.3-rc1", "a.b.c", "1..3", "-1.2.3", "1.2.4294967296",
	    " 1.2.3", "1.2.3 " };
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		ck_assert_msg(ncc_semver_parse(bad[i], &b) != 0, "%s", bad[i]);
	ck_assert_int_eq(ncc_semver_parse("1.10.0", &b), 0);
	ck_assert_int_lt(ncc_semver_cmp(&a, &b), 0);
	ck_assert_int_gt(ncc_semver_cmp(&b, &a), 0);
	ck_assert_int_eq(ncc_semver_cmp(&a, &a), 0);
	ncc_semver_parse("2.0.0", &b);
	ck_assert_int_lt(ncc_semver_cmp(&a, &b), 0);
	ncc_semver_parse("1.2.4", &b);
	ck_assert_int_lt(ncc_semver_cmp(&a, &b), 0);
	ncc_semver_format(&a, buf, sizeof buf);
	ck_assert_str_eq(buf, "1.2.3");
	ck_assert_str_eq(ncc_bump_name(NCC_BUMP_MAJOR), "major");
	ck_assert_str_eq(ncc_bump_name(NCC_BUMP_MINOR), "minor");
	ck_assert_str_eq(ncc_bump_name(NCC_BUMP_PATCH), "patch");
	ck_assert_str_eq(ncc_bump_name(NCC_BUMP_NONE), "none");
}
END_TEST

static Suite *
contract_suite(void)
{
	Suite *s = suite_create("ncc_contract");
	TCase *tc = tcase_create("contract");

	tcase_add_test(tc, test_no_change);
	tcase_add_test(tc, test_breaking);
	tcase_add_test(tc, test_compatible);
	tcase_add_test(tc, test_mixed);
	tcase_add_test(tc, test_copy);
	tcase_add_test(tc, test_semver);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(contract_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
