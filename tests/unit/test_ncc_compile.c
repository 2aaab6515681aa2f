/*
 * test_ncc_compile.c - ncc_compile as the gates see it: the table of
 * sources and the exact diagnostics they give (line, column, message),
 * several errors in one run, every unsupported construct, arities,
 * undefined names; the facts of a good source (contract, capabilities
 * with positions, self-tests, __version__, warnings); the bounds; and a
 * robustness run over random bytes and token soup that must never crash
 * and always end with errors or a blob that passes nbc_verify.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ncc.h"

/* Errors of src, "L:C: message" one per line ("" when it compiles). */
static char *
errors_of(const char *src)
{
	static char buf[8192];
	ncc_result r;
	size_t n = 0;

	ck_assert_int_eq(ncc_compile(src, strlen(src), &r), 0);
	buf[0] = '\0';
	for (size_t i = 0; i < r.nerrors && n < sizeof buf; i++)
		n += (size_t)snprintf(buf + n, sizeof buf - n, "%s%d:%d: %s",
		    i ? "\n" : "", r.errors[i].line, r.errors[i].col,
		    r.errors[i].message);
	ck_assert(r.ok == (r.nerrors == 0));
	ck_assert(r.ok == (r.blob != NULL));
	ncc_result_free(&r);
	return buf;
}

static const struct { const char *src, *want; } cases[] = {
	/* names */
	{ "def f():\n    return x\n", "2:12: undefined name 'x'" },
	{ "def f():\n    y = 1\n    return y + z\n",
	  "3:16: undefined name 'z'" },
	{ "def f():\n    return [i for i in range(3)] + [i]\n",
	  "2:37: undefined name 'i'" },
	{ "X = Y\nY = 1\n", "1:5: undefined name 'Y'" },
	{ "X = f()\ndef f():\n    return 1\n", "1:5: undefined name 'f'" },
	{ "def f():\n    return map(len, [])\n",
	  "2:12: builtin 'map' is not supported\n"
	  "2:16: using builtin 'len' as a value is not supported" },
	{ "def f():\n    return time.time()\n",
	  "2:12: module 'time' is not imported (add 'import time')" },
	{ "def f():\n    return \"\xc3\xa9\" + y\n", "2:18: undefined name 'y'" },
	/* arity */
	{ "def f(a, b):\n    return a\ndef g():\n    return f(1, 2, 3)\n",
	  "4:12: function 'f' takes 2 arguments, 3 given" },
	{ "def f(a, b=1, c=2):\n    return a\ndef g():\n    return f()\n",
	  "4:12: function 'f' takes 1 to 3 arguments, 0 given" },
	{ "def g(x):\n    return len(x, x)\n",
	  "2:12: len() takes exactly one argument (2 given)" },
	{ "def g():\n    return range()\n",
	  "2:12: range expected at least 1 argument, got 0" },
	{ "def g():\n    return range(1, 2, 3, 4)\n",
	  "2:12: range expected at most 3 arguments, got 4" },
	{ "import time\ndef g():\n    return time.time(1)\n",
	  "3:12: time.time() takes no arguments (1 given)" },
	{ "def g(s):\n    return s.upper(1)\n",
	  "2:12: upper() takes no arguments (1 given)" },
	{ "def g(s):\n    return isinstance(s)\n",
	  "2:12: isinstance expected 2 arguments, got 1" },
	{ "def g(s):\n    return isinstance(s, 5)\n",
	  "2:26: isinstance() arg 2 must be a type or tuple of types" },
	{ "import random\ndef g():\n    return random.shuffle([])\n",
	  "3:19: module 'random' has no attribute 'shuffle'" },
	{ "def g(s):\n    return s.frobnicate()\n",
	  "2:14: method 'frobnicate' is not supported" },
	/* placement */
	{ "return 1\n", "1:1: 'return' outside function" },
	{ "def f():\n    break\n", "2:5: 'break' outside loop" },
	{ "def f():\n    continue\n", "2:5: 'continue' not properly in loop" },
	{ "def f():\n    while True:\n        pass\n    break\n",
	  "4:5: 'break' outside loop" },
	{ "def f():\n    pass\ndef f():\n    pass\n",
	  "3:5: function 'f' is already defined on line 1" },
	{ "X = 1\ndef f():\n    X = 2\n",
	  "3:5: cannot assign to module constant 'X' in a function" },
	{ "X = [1]\ndef f():\n    X += [2]\n",
	  "3:5: cannot assign to module constant 'X' in a function" },
	{ "import os\n",
	  "1:8: cannot import 'os': only time, random, math and fs can be imported" },
	{ "def f():\n    import math\n",
	  "2:12: 'import' is only allowed at module level" },
	{ "print('hi')\n",
	  "1:1: only imports, functions and constants are allowed at module level" },
	{ "def f():\n    def g():\n        pass\n",
	  "2:5: nested functions are not supported" },
	{ "def f(a, a):\n    pass\n",
	  "1:10: duplicate argument 'a' in function definition" },
	{ "def f(a=[]):\n    pass\n", "1:9: a default value must be a literal "
	  "(number, string, bool, None or tuple)" },
	/* values that are not values */
	{ "def f():\n    return len\n",
	  "2:12: using builtin 'len' as a value is not supported" },
	{ "def g():\n    pass\ndef f():\n    return g\n",
	  "4:12: using function 'g' as a value is not supported" },
	{ "def f():\n    x = ValueError('a')\n",
	  "2:9: exception 'ValueError' can only be created in a 'raise' statement" },
	{ "def f(x):\n    return x.real\n", "2:14: attribute 'real' is not supported" },
	{ "import math\ndef f():\n    return math.tau\n",
	  "3:17: module 'math' has no attribute 'tau'" },
	{ "def f(x):\n    return x()\n", "2:12: 'x' is not a function" },
	/* raise and print */
	{ "def f():\n    raise\n", "2:5: bare 'raise' is not supported" },
	{ "def f():\n    raise 5\n",
	  "2:11: 'raise' needs a builtin exception, e.g. raise ValueError(\"...\")" },
	{ "def f():\n    raise OverflowError('x')\n",
	  "2:11: raising 'OverflowError' is not supported" },
	{ "def f():\n    raise ValueError('a', 'b')\n",
	  "2:11: an exception takes at most one argument here" },
	{ "def f():\n    print(1, flush=True)\n",
	  "2:14: 'flush' is an invalid keyword argument for print()" },
	{ "def f():\n    print(1, sep='', sep='')\n",
	  "2:22: keyword argument repeated: sep" },
	{ "def g(a):\n    pass\ndef f():\n    g(a=1)\n",
	  "4:7: keyword arguments are not supported" },
	{ "def f():\n    return sorted([], reverse=True)\n",
	  "2:23: keyword arguments are not supported" },
	/* unsupported constructs, named */
	{ "class A:\n    pass\n", "1:1: 'class' is not supported" },
	{ "def f():\n    return lambda x: x\n", "2:12: 'lambda' is not supported" },
	{ "def f():\n    try:\n        pass\n    except:\n        pass\n",
	  "2:5: 'try' is not supported" },
	{ "def f():\n    with x:\n        pass\n", "2:5: 'with' is not supported" },
	{ "def f():\n    yield 1\n", "2:5: 'yield' is not supported" },
	{ "async def f():\n    pass\n", "1:1: 'async' is not supported" },
	{ "def f():\n    global x\n", "2:5: 'global' is not supported" },
	{ "def f():\n    nonlocal x\n", "2:5: 'nonlocal' is not supported" },
	{ "@d\ndef f():\n    pass\n", "1:1: decorator is not supported" },
	{ "def f(*a):\n    pass\n", "1:7: '*args' is not supported" },
	{ "def f(**k):\n    pass\n", "1:7: '**kwargs' is not supported" },
	{ "def f(x):\n    return f'{x}'\n", "2:12: f-string is not supported" },
	{ "def f():\n    return {1}\n", "2:12: set is not supported" },
	{ "def f(y):\n    return {x for x in y}\n", "2:12: set is not supported" },
	{ "from math import pi\n", "1:1: 'from ... import' is not supported" },
	{ "def f(y):\n    if (x := y):\n        pass\n",
	  "2:11: ':=' is not supported" },
	{ "def f(y):\n    del y\n", "2:5: 'del' is not supported" },
	{ "def f(y):\n    return y << 1\n", "2:14: operator '<<' is not supported" },
	{ "def f(y):\n    y.x = 1\n", "2:7: assignment to an attribute is not supported" },
	{ "def f(y):\n    y[1:2] = []\n", "2:5: assignment to a slice is not supported" },
	{ "def f(y):\n    return 1j\n", "2:12: complex number is not supported" },
	/* several errors in one run, in source order */
	{ "import sys\n"
	  "def f(a):\n"
	  "    return b\n"
	  "def g():\n"
	  "    return f(1, 2)\n"
	  "class C:\n"
	  "    pass\n"
	  "def h():\n"
	  "    break\n",
	  "1:8: cannot import 'sys': only time, random, math and fs can be imported\n"
	  "3:12: undefined name 'b'\n"
	  "5:12: function 'f' takes 1 argument, 2 given\n"
	  "6:1: 'class' is not supported\n"
	  "9:5: 'break' outside loop" },
	{ "def f(:\n"
	  "    pass\n"
	  "def g()\n"
	  "    return 1\n"
	  "x = )\n",
	  "1:7: invalid syntax\n"
	  "3:8: expected ':'\n"
	  "5:5: unmatched ')'" },
	/* version */
	{ "__version__ = '1.2'\n",
	  "1:15: __version__ must be a string \"MAJOR.MINOR.PATCH\", e.g. \"1.0.0\"" },
	{ "__version__ = 1\n",
	  "1:15: __version__ must be a string \"MAJOR.MINOR.PATCH\", e.g. \"1.0.0\"" },
	{ "__version__ = '1.0.0'\n__version__ = '1.0.1'\n",
	  "2:1: __version__ is declared twice" },
	/* bytes */
	{ "x = '\xff'\n", "1:6: invalid UTF-8 byte 0xff" },
	/* good sources */
	{ "", "" },
	{ "\"\"\"doc\"\"\"\nimport math\nPI2 = math.pi * 2\n"
	  "def f(a: int, b: float = 1.5) -> float:\n"
	  "    \"\"\"doc\"\"\"\n    return a * b + PI2\n", "" },
	{ "def f(x):\n    len = 3\n    return len\n", "" },
	{ "def len(x):\n    return 1\ndef g():\n    return len(1, )\n", "" },
	{ "    def f():\n        return 1\n    X = 2\n", "" },
};

START_TEST(test_diagnostics)
{
	const char *got = errors_of(cases[_i].src);
	if (strcmp(got, cases[_i].want) != 0)
		ck_abort_msg("case %d:\n%s\n--- want ---\n%s\n--- got ---\n%s", _i,
		    cases[_i].src, cases[_i].want, got);
}
END_TEST

START_TEST(test_dedent_columns)
{
	/* the common indentation is removed, columns stay the file's */
	ck_assert_str_eq(errors_of("    def f():\n        return x\n"),
	    "2:16: undefined name 'x'");
	ck_assert_str_eq(errors_of("\tdef f():\r\n\t\treturn x\r\n"),
	    "2:10: undefined name 'x'");
	ncc_result r;
	ck_assert_int_eq(ncc_compile("x = 1\n\0", 7, &r), 0);
	ck_assert_uint_eq(r.nerrors, 1);
	ck_assert_int_eq(r.errors[0].line, 2);
	ck_assert_int_eq(r.errors[0].col, 1);
	ck_assert_str_eq(r.errors[0].message,
	    "source code cannot contain null bytes");
	ncc_result_free(&r);
}
END_TEST

START_TEST(test_facts)
{
	const char *src =
	    "import time\n"
	    "import random\n"
	    "__version__ = \"2.1.0\"\n"
	    "def handler(req: dict, n: int = 3) -> str:\n"
	    "    print(req)\n"
	    "    return str(time.time() + random.randint(1, n))\n"
	    "def _helper():\n"
	    "    return 1\n"
	    "def test_handler():\n"
	    "    assert handler({}) != ''\n"
	    "def plain(a, b):\n"
	    "    return a\n"
	    "    print(b)\n";
	ncc_result r;

	ck_assert_int_eq(ncc_compile(src, strlen(src), &r), 0);
	ck_assert(r.ok);
	ck_assert_uint_eq(r.nerrors, 0);
	ck_assert_uint_eq(r.nwarnings, 1);
	ck_assert_int_eq(r.warnings[0].line, 13);
	ck_assert_str_eq(r.warnings[0].message, "unreachable code");
	ck_assert_uint_eq(r.contract.nfuncs, 2);
	ck_assert_str_eq(r.contract.funcs[0].name, "handler");
	ck_assert_int_eq(r.contract.funcs[0].line, 4);
	ck_assert_str_eq(r.contract.funcs[0].ret, "str");
	ck_assert_uint_eq(r.contract.funcs[0].nparams, 2);
	ck_assert_str_eq(r.contract.funcs[0].params[0].name, "req");
	ck_assert_str_eq(r.contract.funcs[0].params[0].type, "dict");
	ck_assert(!r.contract.funcs[0].params[0].has_default);
	ck_assert_str_eq(r.contract.funcs[0].params[1].type, "int");
	ck_assert(r.contract.funcs[0].params[1].has_default);
	ck_assert_str_eq(r.contract.funcs[1].name, "plain");
	ck_assert_str_eq(r.contract.funcs[1].ret, "any");
	ck_assert_str_eq(r.contract.funcs[1].params[1].type, "any");
	ck_assert_uint_eq(r.ntests, 1);
	ck_assert_str_eq(r.tests[0].name, "test_handler");
	ck_assert_int_eq(r.tests[0].line, 9);
	ck_assert_str_eq(r.version, "2.1.0");
	ck_assert_int_eq(r.version_line, 3);
	ck_assert_uint_eq(r.caps, NBC_CAP_LOG | NBC_CAP_TIME | NBC_CAP_RANDOM);
	ck_assert_uint_eq(r.ncapuses, 4);
	ck_assert_uint_eq(r.capuses[0].cap, NBC_CAP_LOG);
	ck_assert_int_eq(r.capuses[0].line, 5);
	ck_assert_int_eq(r.capuses[0].col, 5);
	ck_assert_uint_eq(r.capuses[1].cap, NBC_CAP_TIME);
	ck_assert_int_eq(r.capuses[1].line, 6);
	ck_assert_int_eq(r.capuses[1].col, 16);
	ck_assert_uint_eq(r.capuses[2].cap, NBC_CAP_RANDOM);
	ck_assert_int_eq(r.capuses[2].col, 30);
	ck_assert_uint_eq(r.capuses[3].cap, NBC_CAP_LOG);
	ck_assert_int_eq(r.capuses[3].line, 13);
	ck_assert_uint_eq(nbc_blob_caps(r.blob, r.blob_len), r.caps);
	nbc_error err;
	ck_assert_int_eq(nbc_verify(r.blob, r.blob_len, &err), 0);
	ncc_result_free(&r);
}
END_TEST

START_TEST(test_too_many_errors)
{
	size_t n = 300, len = 0;
	char *src = malloc(n * 32);
	ncc_result r;

	ck_assert_ptr_nonnull(src);
	len += (size_t)sprintf(src, "def f():\n");
	for (size_t i = 0; i < n; i++)
		len += (size_t)sprintf(src + len, "    x%zu = y%zu\n", i, i);
	ck_assert_int_eq(ncc_compile(src, len, &r), 0);
	ck_assert(!r.ok);
	ck_assert_uint_eq(r.nerrors, NCC_MAX_DIAGS + 1);
	ck_assert_int_eq(r.errors[0].line, 2);
	ck_assert_str_eq(r.errors[0].message, "undefined name 'y0'");
	ck_assert_int_eq(r.errors[NCC_MAX_DIAGS - 1].line, NCC_MAX_DIAGS + 1);
	ck_assert_str_eq(r.errors[NCC_MAX_DIAGS].message, "too many errors");
	ncc_result_free(&r);
	free(src);
}
END_TEST

START_TEST(test_source_too_large)
{
	size_t len = NCC_MAX_SOURCE + 1;
	char *src = malloc(len);
	ncc_result r;

	ck_assert_ptr_nonnull(src);
	memset(src, '#', len);
	ck_assert_int_eq(ncc_compile(src, len, &r), 0);
	ck_assert(!r.ok);
	ck_assert_uint_eq(r.nerrors, 1);
	ck_assert_ptr_nonnull(strstr(r.errors[0].message, "source too large"));
	ncc_result_free(&r);
	free(src);
}
END_TEST

/* A deterministic generator (xorshift), so runs are reproducible. */
static uint64_t rng_state;

static uint64_t
rng(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return rng_state;
}

static void
check_robust(const char *src, size_t len)
{
	ncc_result r;
	nbc_error err;

	ck_assert_int_eq(ncc_compile(src, len, &r), 0);
	if (r.ok) {
		ck_assert_uint_eq(r.nerrors, 0);
		ck_assert_int_eq(nbc_verify(r.blob, r.blob_len, &err), 0);
	} else {
		ck_assert_uint_gt(r.nerrors, 0);
		for (size_t i = 0; i < r.nerrors; i++) {
			ck_assert_int_ge(r.errors[i].line, 1);
			ck_assert_int_ge(r.errors[i].col, 1);
			ck_assert_ptr_nonnull(r.errors[i].message);
		}
	}
	ncc_result_free(&r);
}

START_TEST(test_random_bytes)
{
	char buf[512];

	rng_state = 0x9E3779B97F4A7C15ull;
	for (int n = 0; n < 2000; n++) {
		size_t len = rng() % sizeof buf;
		for (size_t i = 0; i < len; i++)
			buf[i] = (char)(rng() & 0xFF);
		check_robust(buf, len);
	}
}
END_TEST

START_TEST(test_token_soup)
{
	static const char *const words[] = {
		"def ", "f", "g", "x", "y", "(", ")", "[", "]", "{", "}", ":",
		",", "\n", "\n    ", "\n        ", "\t", "return ", "if ", "else",
		"elif ", "for ", "in ", "while ", "break", "continue", "=", "+=",
		"+", "-", "*", "**", "/", "//", "%", "<", "==", "not ", "and ",
		"or ", "is ", "1", "2.5", "'s'", "\"\"\"d\"\"\"", "True", "None",
		"print(", "len(", "range(", "import math", "import time",
		"time.time()", "math.pi", ".append(", ".items()", "lambda ",
		"class ", "assert ", "raise ValueError(", "X = ", " ", "#c",
		"\\\n", "0x1F", "[i for i in ", ";", "pass", "sep=", "-1",
		"9223372036854775808", "'\\u00e9'", "a, b = ", "[1:2]",
	};
	size_t nw = sizeof words / sizeof words[0];
	char buf[2048];

	rng_state = 0x2545F4914F6CDD1Dull;
	for (int n = 0; n < 3000; n++) {
		size_t len = 0, count = rng() % 60;
		for (size_t k = 0; k < count; k++) {
			const char *w = words[rng() % nw];
			size_t wl = strlen(w);
			if (len + wl >= sizeof buf)
				break;
			memcpy(buf + len, w, wl);
			len += wl;
		}
		check_robust(buf, len);
	}
}
END_TEST

START_TEST(test_valid_soup)
{
	/* programs built from valid statements must compile and verify */
	static const char *const stmts[] = {
		"x = x + 1", "y = [i * 2 for i in range(x) if i % 2]",
		"if x > 3 and y:\n{I}    x -= 1\n{I}else:\n{I}    x += 2",
		"for k, v in d.items():\n{I}    x += v",
		"while x < 10:\n{I}    x += 1\n{I}    if x == 5:\n{I}        break",
		"d[x] = y", "d[x] += 1", "a, b = b, a", "s = s[1:] + s[::-1]",
		"assert x >= 0, 'neg'", "x = 1 if x < y < 3 else 2",
		"print(x, y, sep=', ', end='')", "x = (x or 1) and y",
		"s = ' '.join([str(i) for i in range(3)])",
		"if isinstance(x, (int, float)):\n{I}    x = -x",
	};
	size_t ns = sizeof stmts / sizeof stmts[0];
	char buf[8192];

	rng_state = 0xDEADBEEFCAFEF00Dull;
	for (int n = 0; n < 300; n++) {
		size_t len = (size_t)sprintf(buf,
		    "def f(x, y=1):\n    d = {}\n    a = 1\n    b = 2\n    s = 'ab'\n");
		size_t count = 1 + rng() % 12;
		for (size_t k = 0; k < count; k++) {
			const char *st = stmts[rng() % ns];
			len += (size_t)sprintf(buf + len, "    ");
			for (const char *c = st; *c; c++) {
				if (strncmp(c, "{I}", 3) == 0) {
					len += (size_t)sprintf(buf + len, "    ");
					c += 2;
				} else {
					buf[len++] = *c;
				}
			}
			buf[len++] = '\n';
		}
		len += (size_t)sprintf(buf + len, "    return x\n");
		ncc_result r;
		ck_assert_int_eq(ncc_compile(buf, len, &r), 0);
		if (!r.ok)
			ck_abort_msg("%s\n%d:%d: %s", buf, r.errors[0].line,
			    r.errors[0].col, r.errors[0].message);
		nbc_error err;
		ck_assert_int_eq(nbc_verify(r.blob, r.blob_len, &err), 0);
		ncc_result_free(&r);
	}
}
END_TEST

static Suite *
compile_suite(void)
{
	Suite *s = suite_create("ncc_compile");
	TCase *tc = tcase_create("compile");

	tcase_set_timeout(tc, 120);
	tcase_add_loop_test(tc, test_diagnostics, 0,
	    (int)(sizeof cases / sizeof cases[0]));
	tcase_add_test(tc, test_dedent_columns);
	tcase_add_test(tc, test_facts);
	tcase_add_test(tc, test_too_many_errors);
	tcase_add_test(tc, test_source_too_large);
	tcase_add_test(tc, test_random_bytes);
	tcase_add_test(tc, test_token_soup);
	tcase_add_test(tc, test_valid_soup);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(compile_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
