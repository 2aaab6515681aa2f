/*
 * test_ncc_gen.c - code generation end to end: compile a program, load it
 * into an nbc_runtime, call main() and compare what it prints, returns or
 * raises with what CPython 3.11 gives for the same program (the expected
 * texts below were produced by running each program under python3).
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ncc.h"

static const struct {
	const char *src;
	const char *out;        /* everything printed */
	const char *ret;        /* repr of the return value, or NULL */
	const char *exc;        /* exception type name, or NULL */
	const char *msg;        /* str() of the exception (NULL: not compared) */
} progs[] = {
	{ /* p1.py */
	  "def main():\n"
	    "    print(7 // 2, -7 // 2, 7 % -3, -7 % 3, 2 ** 10, 2 ** -1, 7 / 2, 1 / 3)\n"
	    "    print(0.1 + 0.2, 1e16, 1.5e-7, 3.0, -0.0, 10 ** 18, 2.5 * 4)\n"
	    "    x = 5\n"
	    "    x += 3\n"
	    "    x -= 1\n"
	    "    x *= 2\n"
	    "    x //= 3\n"
	    "    x %= 3\n"
	    "    print(x, -x, +x, not x, abs(-3), round(2.675, 2), round(3.5), round(4.5))\n"
	    "    return x * 1.5\n"
	    "",
	  "3 -4 -2 2 1024 0.5 3.5 0.3333333333333333\n"
	    "0.30000000000000004 1e+16 1.5e-07 3.0 -0.0 1000000000000000000 10.0\n"
	    "1 -1 1 False 3 2.67 4 4\n"
	    "",
	  "1.5", NULL, NULL },
	{ /* p2.py */
	  "def main():\n"
	    "    s = \"Hello, W\303\266rld\"\n"
	    "    print(len(s), s[0], s[-1], s[1:5], s[::-1], s[::2], s.upper(), s.lower())\n"
	    "    print(s.split(\", \"), \"-\".join([\"a\", \"b\", \"c\"]), \"  x \".strip(), s.find(\"W\"), s.count(\"l\"))\n"
	    "    print(s.replace(\"l\", \"L\"), s.startswith(\"He\"), s.endswith(\"x\"), \"123\".isdigit(), \"ab1\".isalpha())\n"
	    "    t = \"a\\tb\\n\\\\'\\\"\\x41\\u00e9\"\n"
	    "    print(len(t), t)\n"
	    "    words = \"the quick brown fox\".split()\n"
	    "    return [w.upper() for w in words if len(w) > 3]\n"
	    "",
	  "12 H d ello dlr\303\266W ,olleH Hlo \303\266l HELLO, W\303\226RLD hello, w\303\266rld\n"
	    "['Hello', 'W\303\266rld'] a-b-c x 7 3\n"
	    "HeLLo, W\303\266rLd True False True False\n"
	    "9 a\tb\n"
	    "\\'\"A\303\251\n"
	    "",
	  "['QUICK', 'BROWN']", NULL, NULL },
	{ /* p3.py */
	  "def main():\n"
	    "    l = [3, 1, 2]\n"
	    "    l.append(5)\n"
	    "    l.extend([9, 0])\n"
	    "    l.insert(1, 7)\n"
	    "    print(l, l.pop(), l.pop(0), l.index(2), l.count(1))\n"
	    "    l.sort()\n"
	    "    print(l, sorted([3, 2, 1]), list(reversed(l)), l[1:-1], l[::-2], l[-2])\n"
	    "    m = [[i * j for j in range(3)] for i in range(3)]\n"
	    "    print(m, [x for row in m for x in row if x % 2 == 0])\n"
	    "    c = l.copy()\n"
	    "    c.reverse()\n"
	    "    print(c, l, sum(l), min(l), max(l), max(3, 9, 2), len(m))\n"
	    "    a = [1, 2, 3]\n"
	    "    a[1] *= 10\n"
	    "    a[-1] += 1\n"
	    "    print(a, a + [4], a * 2, 2 in a, 5 not in a)\n"
	    "    return tuple(a)\n"
	    "",
	  "[7, 1, 2, 5, 9] 0 3 2 1\n"
	    "[1, 2, 5, 7, 9] [1, 2, 3] [9, 7, 5, 2, 1] [2, 5, 7] [9, 5, 1] 7\n"
	    "[[0, 0, 0], [0, 1, 2], [0, 2, 4]] [0, 0, 0, 0, 2, 0, 2, 4]\n"
	    "[9, 7, 5, 2, 1] [1, 2, 5, 7, 9] 24 1 9 9 3\n"
	    "[1, 20, 4] [1, 20, 4, 4] [1, 20, 4, 1, 20, 4] False True\n"
	    "",
	  "(1, 20, 4)", NULL, NULL },
	{ /* p4.py */
	  "def main():\n"
	    "    d = {\"b\": 1, \"a\": 2}\n"
	    "    d[\"c\"] = 3\n"
	    "    d[\"a\"] += 10\n"
	    "    for k, v in d.items():\n"
	    "        print(k, v)\n"
	    "    print(d, d.get(\"z\"), d.get(\"z\", 0), list(d.keys()), list(d.values()))\n"
	    "    d.update({\"z\": 26})\n"
	    "    print(d.pop(\"b\"), d, len(d), \"a\" in d)\n"
	    "    e = dict(d)\n"
	    "    e[\"q\"] = None\n"
	    "    print(e, d)\n"
	    "    for i, k in enumerate(d):\n"
	    "        print(i, k, end=\"; \")\n"
	    "    print()\n"
	    "    pairs = list(zip([1, 2, 3], \"abc\"))\n"
	    "    return pairs\n"
	    "",
	  "b 1\n"
	    "a 12\n"
	    "c 3\n"
	    "{'b': 1, 'a': 12, 'c': 3} None 0 ['b', 'a', 'c'] [1, 12, 3]\n"
	    "1 {'a': 12, 'c': 3, 'z': 26} 3 True\n"
	    "{'a': 12, 'c': 3, 'z': 26, 'q': None} {'a': 12, 'c': 3, 'z': 26}\n"
	    "0 a; 1 c; 2 z; \n"
	    "",
	  "[(1, 'a'), (2, 'b'), (3, 'c')]", NULL, NULL },
	{ /* p5.py */
	  "def main():\n"
	    "    i = 0\n"
	    "    while i < 10:\n"
	    "        i += 1\n"
	    "        if i % 2 == 0:\n"
	    "            continue\n"
	    "        if i > 7:\n"
	    "            break\n"
	    "        print(i, end=\" \")\n"
	    "    else:\n"
	    "        print(\"no break\")\n"
	    "    print()\n"
	    "    for x in range(3):\n"
	    "        pass\n"
	    "    else:\n"
	    "        print(\"for else\", x)\n"
	    "    for x in range(5):\n"
	    "        for y in range(5):\n"
	    "            if y > x:\n"
	    "                break\n"
	    "            if (x + y) % 3 == 0:\n"
	    "                continue\n"
	    "            print(x, y, sep=\":\", end=\",\")\n"
	    "        else:\n"
	    "            print(\"inner else\")\n"
	    "        if x == 3:\n"
	    "            break\n"
	    "    print()\n"
	    "    n = 0\n"
	    "    while True:\n"
	    "        n += 1\n"
	    "        if n >= 4:\n"
	    "            break\n"
	    "    return n\n"
	    "",
	  "1 3 5 7 \n"
	    "for else 2\n"
	    "1:0,1:1,2:0,2:2,3:1,3:2,\n"
	    "",
	  "4", NULL, NULL },
	{ /* p6.py */
	  "def side(x):\n"
	    "    print(\"side\", x)\n"
	    "    return x\n"
	    "\n"
	    "def main():\n"
	    "    print(1 < side(2) < 3)\n"
	    "    print(5 < side(2) < 3)\n"
	    "    print(side(1) < side(2) < side(3) < side(0))\n"
	    "    print(0 or \"\", [] or \"x\", 1 and 2, 0 and side(9), None or 0 or 5)\n"
	    "    print(1 if side(0) else 2, \"a\" if 3 > 2 else \"b\")\n"
	    "    x = 3\n"
	    "    print(1 < x <= 3 != 4, x is None, x is not None, None is None)\n"
	    "    return side(0) or side(7)\n"
	    "",
	  "side 2\n"
	    "True\n"
	    "side 2\n"
	    "False\n"
	    "side 1\n"
	    "side 2\n"
	    "side 3\n"
	    "side 0\n"
	    "False\n"
	    " x 2 0 5\n"
	    "side 0\n"
	    "2 a\n"
	    "True False True True\n"
	    "side 0\n"
	    "side 7\n"
	    "",
	  "7", NULL, NULL },
	{ /* p7.py */
	  "import math\n"
	    "LIMIT = 10\n"
	    "NAMES = [\"a\", \"b\"]\n"
	    "TABLE = {\"a\": 0, \"b\": 1}\n"
	    "SQ = [i * i for i in range(LIMIT) if i % 3 == 0]\n"
	    "\n"
	    "def fib(n: int) -> int:\n"
	    "    if n < 2:\n"
	    "        return n\n"
	    "    return fib(n - 1) + fib(n - 2)\n"
	    "\n"
	    "def greet(name, greeting=\"Hello\", punct=\"!\"):\n"
	    "    return greeting + \", \" + name + punct\n"
	    "\n"
	    "def main():\n"
	    "    print(fib(20), greet(\"Bob\"), greet(\"Al\", \"Hi\"), greet(\"X\", \"Yo\", \"?\"))\n"
	    "    print(LIMIT, NAMES, TABLE, SQ, math.pi, math.e, math.sqrt(16), math.floor(-2.5), math.ceil(2.1))\n"
	    "    print(isinstance(1, int), isinstance(True, int), isinstance(1.0, (int, str)), isinstance(\"s\", (int, str)), isinstance([], list))\n"
	    "    a, b = 1, 2\n"
	    "    a, b = b, a\n"
	    "    x = 10\n"
	    "    y = [x for x in range(3)]\n"
	    "    print(a, b, x, y, str(12) + \"3\", int(\"42\") + 1, float(\"1.5\"), bool(0), int(3.9), int(-3.9))\n"
	    "    t = (1, \"two\", 3.0, None, True)\n"
	    "    print(t, t[1:], list(t), len(t))\n"
	    "    return NAMES\n"
	    "",
	  "6765 Hello, Bob! Hi, Al! Yo, X?\n"
	    "10 ['a', 'b'] {'a': 0, 'b': 1} [0, 9, 36, 81] 3.141592653589793 2.718281828459045 4.0 -3 3\n"
	    "True True False True True\n"
	    "2 1 10 [0, 1, 2] 123 43 1.5 False 3 -3\n"
	    "(1, 'two', 3.0, None, True) ('two', 3.0, None, True) [1, 'two', 3.0, None, True] 5\n"
	    "",
	  "['a', 'b']", NULL, NULL },
	{ /* p8.py */
	  "def main():\n"
	    "    print(\"before\")\n"
	    "    raise ValueError(\"bad value\")\n"
	    "",
	  "before\n"
	    "",
	  NULL, "ValueError", "bad value" },
	{ /* p9.py */
	  "def main():\n"
	    "    x = 0\n"
	    "    assert x == 0\n"
	    "    assert x == 1, \"x is \" + str(x)\n"
	    "",
	  "",
	  NULL, "AssertionError", "x is 0" },
	{ /* p10.py */
	  "def main():\n"
	    "    d = {\"a\": 1}\n"
	    "    return d[\"b\"]\n"
	    "",
	  "",
	  NULL, "KeyError", "'b'" },
	{ /* p11.py */
	  "def main():\n"
	    "    return 1 // 0\n"
	    "",
	  "",
	  NULL, "ZeroDivisionError", "integer division or modulo by zero" },
	{ /* p12.py */
	  "def main():\n"
	    "    l = [1]\n"
	    "    return l[5]\n"
	    "",
	  "",
	  NULL, "IndexError", "list index out of range" },
	{ /* p13.py */
	  "def main():\n"
	    "    raise RuntimeError\n"
	    "",
	  "",
	  NULL, "RuntimeError", "" },
	{ /* p14.py */
	  "def main():\n"
	    "    assert 1 > 2\n"
	    "",
	  "",
	  NULL, "AssertionError", "" },
	{ /* p15.py */
	  "def main():\n"
	    "    a = b = []\n"
	    "    a.append(1)\n"
	    "    d = {\"k\": [1, 2], \"n\": {\"x\": 1}}\n"
	    "    d[\"k\"][0] += 5\n"
	    "    d[\"n\"][\"x\"] *= 3\n"
	    "    s = \"ab\" * 3\n"
	    "    print(a, b, a is b, d, s, \"ba\" in s, \"k\" in d, 3 in range(5))\n"
	    "    out = []\n"
	    "    for i in range(10, 0, -3):\n"
	    "        out.append(i)\n"
	    "    print(out, out[-1:], out[:-1], out[1:3], out[10:], str(out))\n"
	    "    x, (y, z) = 1, (2, 3)\n"
	    "    print(x, y, z)\n"
	    "    t = 0\n"
	    "    for i, (p, q) in enumerate([(1, 2), (3, 4)]):\n"
	    "        t += i * p + q\n"
	    "    print(t, -(-7) // 2, 2 ** 62, -2 ** 2, (-2) ** 2, 10 - 2 - 3, 2 ** 3 ** 2)\n"
	    "    print(1 == 1.0, \"a\" < \"b\", [1, 2] < [1, 3], (1, 2) == (1, 2), None == 0)\n"
	    "    e = \"\"\n"
	    "    for w in [\"x\", \"y\"]:\n"
	    "        e += w\n"
	    "    print(e, end=\"\")\n"
	    "    print(\"|\", sep=\"-\")\n"
	    "    print(\"a\", \"b\", sep=\"\")\n"
	    "    return [[j for j in range(i)] for i in range(4)]\n"
	    "",
	  "[1] [1] True {'k': [6, 2], 'n': {'x': 3}} ababab True True True\n"
	    "[10, 7, 4, 1] [1] [10, 7, 4] [7, 4] [] [10, 7, 4, 1]\n"
	    "1 2 3\n"
	    "9 3 4611686018427387904 -4 4 5 512\n"
	    "True True True True False\n"
	    "xy|\n"
	    "ab\n"
	    "",
	  "[[], [0], [0, 1], [0, 1, 2]]", NULL, NULL },
	{ /* p17.py */
	  "def main():\n"
	    "    y = 0\n"
	    "    if y:\n"
	    "        x = 1\n"
	    "    return x\n"
	    "",
	  "",
	  NULL, "UnboundLocalError", "cannot access local variable 'x' where it is not associated with a value" },
	{ /* p18.py */
	  "def main():\n"
	    "    return int(\"abc\")\n"
	    "",
	  "",
	  NULL, "ValueError", "invalid literal for int() with base 10: 'abc'" },
	{ /* p19.py */
	  "def main():\n"
	    "    a, b = [1, 2, 3]\n"
	    "    return a\n"
	    "",
	  "",
	  NULL, "ValueError", "too many values to unpack (expected 2)" },
	{ /* p20.py */
	  "def tag(s):\n"
	    "    print(\"<\" + s + \">\", end=\"\")\n"
	    "    return s\n"
	    "\n"
	    "def main():\n"
	    "    print(1, 2, end=tag(\"E\\n\"), sep=tag(\"S\"))\n"
	    "    print(1, 2, sep=tag(\"-\"), end=tag(\"!\\n\"))\n"
	    "    print(3, end=tag(\";\\n\"))\n"
	    "    print(4, 5, sep=tag(\"+\"))\n"
	    "    print()\n"
	    "    print(end=\"\")\n"
	    "    print(\"x\", sep=\"\")\n"
	    "    return None\n"
	    "",
	  "<E\n"
	    "><S>1S2E\n"
	    "<-><!\n"
	    ">1-2!\n"
	    "<;\n"
	    ">3;\n"
	    "<+>4+5\n"
	    "\n"
	    "x\n"
	    "",
	  "None", NULL, NULL },
	{ /* p21.py */
	  "def t(x, tag):\n"
	    "    print(tag, end=\" \")\n"
	    "    return x\n"
	    "\n"
	    "def main():\n"
	    "    for a in [0, 1]:\n"
	    "        for b in [0, 1]:\n"
	    "            for c in [0, 1]:\n"
	    "                if t(a, \"a\") and not t(b, \"b\") or t(c, \"c\"):\n"
	    "                    print(\"yes\")\n"
	    "                else:\n"
	    "                    print(\"no\")\n"
	    "                if not (t(a, \"A\") or t(b, \"B\")) and t(c, \"C\"):\n"
	    "                    print(\"Y\")\n"
	    "                else:\n"
	    "                    print(\"N\")\n"
	    "    n = 0\n"
	    "    while True:\n"
	    "        n += 1\n"
	    "        if n > 3 and n % 2 == 0:\n"
	    "            break\n"
	    "    while not n == 10:\n"
	    "        n += 1\n"
	    "    k = 0\n"
	    "    while 0:\n"
	    "        k = 99\n"
	    "    if \"\":\n"
	    "        k = 1\n"
	    "    elif None:\n"
	    "        k = 2\n"
	    "    elif 0.0 or \"x\":\n"
	    "        k = 3\n"
	    "    assert n and k, \"never\"\n"
	    "    l = [x for x in range(10) if x % 2 or x == 4 if not x > 7]\n"
	    "    v = \"p\" if n > 5 and k else \"q\"\n"
	    "    return [n, k, l, v, 1 if 0 or [] else 2]\n"
	    "",
	  "a c no\n"
	    "A B C N\n"
	    "a c yes\n"
	    "A B C Y\n"
	    "a c no\n"
	    "A B N\n"
	    "a c yes\n"
	    "A B N\n"
	    "a b yes\n"
	    "A N\n"
	    "a b yes\n"
	    "A N\n"
	    "a b c no\n"
	    "A N\n"
	    "a b c yes\n"
	    "A N\n"
	    "",
	  "[10, 3, [1, 3, 4, 5, 7], 'p', 2]", NULL, NULL },
	{ /* list += any iterable, in place: seen through a second name, a dict
	   * item and a list item */
	  "def main():\n"
	    "    a = [1]\n"
	    "    b = a\n"
	    "    a += [2]\n"
	    "    a += (3,)\n"
	    "    a += \"xy\"\n"
	    "    a += range(2)\n"
	    "    d = {\"k\": [0]}\n"
	    "    e = d[\"k\"]\n"
	    "    d[\"k\"] += [1]\n"
	    "    rows = [[5]]\n"
	    "    r0 = rows[0]\n"
	    "    rows[0] *= 2\n"
	    "    print(b, e, r0, a is b)\n"
	    "    return [b, e, r0]\n",
	  "[1, 2, 3, 'x', 'y', 0, 1] [0, 1] [5, 5] True\n",
	  "[[1, 2, 3, 'x', 'y', 0, 1], [0, 1], [5, 5]]", NULL, NULL },
	{ /* list *= n in place (n <= 0 empties); int, str and tuple build new values */
	  "def main():\n"
	    "    c = [1, 2]\n"
	    "    e = c\n"
	    "    c *= 2\n"
	    "    print(e)\n"
	    "    c *= 0\n"
	    "    g = [3]\n"
	    "    h = g\n"
	    "    g *= -1\n"
	    "    n = 2\n"
	    "    m = n\n"
	    "    n += 3\n"
	    "    n *= 4\n"
	    "    s = \"a\"\n"
	    "    t = s\n"
	    "    s += \"b\"\n"
	    "    u = (1,)\n"
	    "    v = u\n"
	    "    u += (2,)\n"
	    "    return [e, h, n, m, s, t, u, v, c is e]\n",
	  "[1, 2, 1, 2]\n",
	  "[[], [], 20, 2, 'ab', 'a', (1, 2), (1,), True]", NULL, NULL },
	{ /* int += str: the TypeError names the += operator */
	  "def main():\n"
	    "    n = 1\n"
	    "    n += \"x\"\n"
	    "    return n\n",
	  "",
	  NULL, "TypeError",
	  "unsupported operand type(s) for +=: 'int' and 'str'" },
	{ /* list += a non-iterable */
	  "def main():\n"
	    "    a = [1]\n"
	    "    a += 2\n"
	    "    return a\n",
	  "",
	  NULL, "TypeError", "'int' object is not iterable" },
	{ /* int is 64-bit: a deviation from CPython (LANGUAGE.md) */
	  "def main():\n"
	    "    x = 9223372036854775807\n"
	    "    return x + 1\n",
	  "", NULL, "OverflowError", NULL },
};

/* Compile src, load it, call fn(); res must be freed by the caller. */
static void
run(const char *src, const char *fn, nbc_result *res)
{
	ncc_result r;
	nbc_error err;
	nbc_runtime *rt = nbc_runtime_new();
	nbc_host host = { .write = NULL, .ctx = NULL, .caps = NBC_CAP_LOG
	    | NBC_CAP_TIME | NBC_CAP_RANDOM, .data_dir = NULL, .seed = 1 };

	ck_assert_ptr_nonnull(rt);
	ck_assert_int_eq(ncc_compile(src, strlen(src), &r), 0);
	if (!r.ok)
		ck_abort_msg("%d:%d: %s", r.errors[0].line, r.errors[0].col,
		    r.errors[0].message);
	if (nbc_load_module(rt, r.blob, r.blob_len, "m", NULL, &err) != 0)
		ck_abort_msg("load: %s (line %d)", err.message, err.line);
	nbc_module *m = nbc_module_get(rt, "m");
	ck_assert_ptr_nonnull(m);
	nbc_call(m, fn, NULL, 0, NULL, &host, res);
	nbc_module_release(m);
	nbc_runtime_free(rt);
	ncc_result_free(&r);
}

START_TEST(test_programs)
{
	nbc_result res;

	run(progs[_i].src, "main", &res);
	const char *out = res.output != NULL ? res.output : "";
	if (strlen(progs[_i].out) != res.output_len
	    || memcmp(out, progs[_i].out, res.output_len) != 0)
		ck_abort_msg("program %d output:\n--- want ---\n%s--- got ---\n%.*s",
		    _i, progs[_i].out, (int)res.output_len, out);
	if (progs[_i].exc == NULL) {
		if (!res.ok)
			ck_abort_msg("program %d raised %s: %s (line %d)", _i,
			    nbc_exc_name(res.exc), res.message, res.line);
		char *repr = nbc_lit_repr(&res.value, NULL);
		ck_assert_str_eq(repr, progs[_i].ret);
		free(repr);
	} else {
		ck_assert_msg(!res.ok, "program %d did not raise", _i);
		ck_assert_str_eq(nbc_exc_name(res.exc), progs[_i].exc);
		if (progs[_i].msg != NULL)
			ck_assert_str_eq(res.message, progs[_i].msg);
	}
	nbc_result_free(&res);
}
END_TEST

START_TEST(test_error_lines)
{
	nbc_result res;

	run("def main():\n    x = 1\n\n    return x // 0\n", "main", &res);
	ck_assert(!res.ok);
	ck_assert_int_eq(res.line, 4);
	nbc_result_free(&res);
	run("def f(a):\n    return a[3]\ndef main():\n    return f([1])\n", "main",
	    &res);
	ck_assert(!res.ok);
	ck_assert_int_eq(res.line, 2);
	nbc_result_free(&res);
}
END_TEST

START_TEST(test_capabilities_enforced)
{
	/* the blob declares what it uses; a host that grants less refuses */
	const char *src = "import time\ndef main():\n    return time.time() > 0\n";
	ncc_result r;
	nbc_error err;
	nbc_result res;
	nbc_runtime *rt = nbc_runtime_new();
	nbc_host host = { .caps = NBC_CAP_LOG };

	ck_assert_int_eq(ncc_compile(src, strlen(src), &r), 0);
	ck_assert(r.ok);
	ck_assert_uint_eq(nbc_blob_caps(r.blob, r.blob_len), NBC_CAP_TIME);
	ck_assert_int_eq(nbc_load_module(rt, r.blob, r.blob_len, "m", NULL, &err),
	    0);
	nbc_module *m = nbc_module_get(rt, "m");
	nbc_call(m, "main", NULL, 0, NULL, &host, &res);
	ck_assert(!res.ok);
	nbc_result_free(&res);
	host.caps = NBC_CAP_TIME;
	nbc_call(m, "main", NULL, 0, NULL, &host, &res);
	ck_assert(res.ok);
	ck_assert_int_eq(res.value.type, NBC_LIT_BOOL);
	ck_assert(res.value.u.b);
	nbc_result_free(&res);
	nbc_module_release(m);
	nbc_runtime_free(rt);
	ncc_result_free(&r);
}
END_TEST

START_TEST(test_defaults_and_args)
{
	const char *src = "def f(a, b=2, c=(1, 'x'), d=-1.5):\n"
	    "    return [a, b, c, d]\n";
	ncc_result r;
	nbc_error err;
	nbc_result res;
	nbc_runtime *rt = nbc_runtime_new();
	nbc_host host = { .caps = 0 };
	nbc_lit args[2];
	uint32_t mn, mx;

	ck_assert_int_eq(ncc_compile(src, strlen(src), &r), 0);
	ck_assert(r.ok);
	ck_assert_int_eq(nbc_load_module(rt, r.blob, r.blob_len, "m", NULL, &err),
	    0);
	nbc_module *m = nbc_module_get(rt, "m");
	ck_assert_int_eq(nbc_module_function(m, "f", &mn, &mx), 0);
	ck_assert_uint_eq(mn, 1);
	ck_assert_uint_eq(mx, 4);
	memset(args, 0, sizeof args);
	args[0].type = NBC_LIT_INT;
	args[0].u.i = 7;
	args[1].type = NBC_LIT_BOOL;
	args[1].u.b = true;
	nbc_call(m, "f", args, 2, NULL, &host, &res);
	ck_assert(res.ok);
	char *repr = nbc_lit_repr(&res.value, NULL);
	ck_assert_str_eq(repr, "[7, True, (1, 'x'), -1.5]");
	free(repr);
	nbc_result_free(&res);
	nbc_module_release(m);
	nbc_runtime_free(rt);
	ncc_result_free(&r);
}
END_TEST

static Suite *
gen_suite(void)
{
	Suite *s = suite_create("ncc_gen");
	TCase *tc = tcase_create("gen");

	tcase_set_timeout(tc, 120);
	tcase_add_loop_test(tc, test_programs, 0,
	    (int)(sizeof progs / sizeof progs[0]));
	tcase_add_test(tc, test_error_lines);
	tcase_add_test(tc, test_capabilities_enforced);
	tcase_add_test(tc, test_defaults_and_args);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(gen_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
