/*
 * test_ncc_parse.c - the parser: tree shapes (precedence, associativity,
 * displays, comprehensions, slices, statements), annotations as text, and
 * syntax errors with recovery (several in one run, exact positions).
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ncc_ast.h"

typedef struct out {
	char buf[4096];
	size_t n;
} out;

static void
put(out *o, const char *s)
{
	size_t k = strlen(s);
	if (o->n + k < sizeof o->buf) {
		memcpy(o->buf + o->n, s, k + 1);
		o->n += k;
	}
}

static const char *
opname(int op)
{
	switch (op) {
	case NBC_OP_ADD: return "+";
	case NBC_OP_SUB: return "-";
	case NBC_OP_MUL: return "*";
	case NBC_OP_DIV: return "/";
	case NBC_OP_FLOORDIV: return "//";
	case NBC_OP_MOD: return "%";
	case NBC_OP_POW: return "**";
	case NBC_OP_NEG: return "neg";
	case NBC_OP_POS: return "pos";
	case NBC_OP_NOT: return "not";
	case NBC_OP_EQ: return "==";
	case NBC_OP_NE: return "!=";
	case NBC_OP_LT: return "<";
	case NBC_OP_LE: return "<=";
	case NBC_OP_GT: return ">";
	case NBC_OP_GE: return ">=";
	case NBC_OP_IN: return "in";
	case NBC_OP_NOT_IN: return "not-in";
	case NBC_OP_IS: return "is";
	case NBC_OP_IS_NOT: return "is-not";
	default: return "?";
	}
}

static void dump_expr(out *o, const ncc_expr *e);

static void
dump_list(out *o, const char *head, ncc_expr *const *items, size_t n)
{
	put(o, "(");
	put(o, head);
	for (size_t i = 0; i < n; i++) {
		put(o, " ");
		dump_expr(o, items[i]);
	}
	put(o, ")");
}

static void
dump_expr(out *o, const ncc_expr *e)
{
	char b[128];

	if (e == NULL) {
		put(o, "_");
		return;
	}
	switch (e->kind) {
	case E_INT:
		snprintf(b, sizeof b, "%lld", (long long)e->u.i);
		put(o, b);
		break;
	case E_FLOAT:
		snprintf(b, sizeof b, "%gf", e->u.f);
		put(o, b);
		break;
	case E_STR:
		snprintf(b, sizeof b, "'%.*s'", (int)e->u.s.len, e->u.s.s);
		put(o, b);
		break;
	case E_BOOL: put(o, e->u.b ? "True" : "False"); break;
	case E_NONE: put(o, "None"); break;
	case E_NAME: put(o, e->u.name); break;
	case E_LIST: dump_list(o, "list", e->u.seq.items, e->u.seq.n); break;
	case E_TUPLE: dump_list(o, "tuple", e->u.seq.items, e->u.seq.n); break;
	case E_DICT: dump_list(o, "dict", e->u.seq.items, 2 * e->u.seq.n); break;
	case E_AND: dump_list(o, "and", e->u.seq.items, e->u.seq.n); break;
	case E_OR: dump_list(o, "or", e->u.seq.items, e->u.seq.n); break;
	case E_BINOP:
		put(o, "(");
		put(o, opname(e->u.bin.op));
		put(o, " ");
		dump_expr(o, e->u.bin.l);
		put(o, " ");
		dump_expr(o, e->u.bin.r);
		put(o, ")");
		break;
	case E_UNARY:
		put(o, "(");
		put(o, opname(e->u.un.op));
		put(o, " ");
		dump_expr(o, e->u.un.e);
		put(o, ")");
		break;
	case E_COMPARE:
		put(o, "(cmp ");
		dump_expr(o, e->u.cmp.opnds[0]);
		for (size_t i = 1; i < e->u.cmp.n; i++) {
			put(o, " ");
			put(o, opname(e->u.cmp.ops[i - 1]));
			put(o, " ");
			dump_expr(o, e->u.cmp.opnds[i]);
		}
		put(o, ")");
		break;
	case E_IFEXP:
		put(o, "(if ");
		dump_expr(o, e->u.ifx.cond);
		put(o, " ");
		dump_expr(o, e->u.ifx.a);
		put(o, " ");
		dump_expr(o, e->u.ifx.b);
		put(o, ")");
		break;
	case E_CALL:
		put(o, "(call ");
		dump_expr(o, e->u.call.fn);
		for (size_t i = 0; i < e->u.call.nargs; i++) {
			put(o, " ");
			dump_expr(o, e->u.call.args[i]);
		}
		for (size_t i = 0; i < e->u.call.nkw; i++) {
			put(o, " ");
			put(o, e->u.call.kw[i].name);
			put(o, "=");
			dump_expr(o, e->u.call.kw[i].value);
		}
		put(o, ")");
		break;
	case E_ATTR:
		put(o, "(. ");
		dump_expr(o, e->u.attr.obj);
		put(o, " ");
		put(o, e->u.attr.name);
		put(o, ")");
		break;
	case E_SUBSCR:
		put(o, "(sub ");
		dump_expr(o, e->u.sub.obj);
		put(o, " ");
		dump_expr(o, e->u.sub.idx);
		put(o, ")");
		break;
	case E_SLICE:
		put(o, "(slice ");
		dump_expr(o, e->u.slice.lo);
		put(o, " ");
		dump_expr(o, e->u.slice.hi);
		put(o, " ");
		dump_expr(o, e->u.slice.step);
		put(o, ")");
		break;
	case E_LISTCOMP:
		put(o, "(comp ");
		dump_expr(o, e->u.comp.elt);
		for (size_t i = 0; i < e->u.comp.nfors; i++) {
			put(o, " for ");
			dump_expr(o, e->u.comp.fors[i].target);
			put(o, " in ");
			dump_expr(o, e->u.comp.fors[i].iter);
			for (size_t k = 0; k < e->u.comp.fors[i].nconds; k++) {
				put(o, " if ");
				dump_expr(o, e->u.comp.fors[i].conds[k]);
			}
		}
		put(o, ")");
		break;
	case E_BAD:
		put(o, "BAD");
		break;
	}
}

/* Parse "x = EXPR" and dump EXPR; or the diagnostics when it fails. */
static const char *
parse_expr(const char *src)
{
	static out o;
	jmp_buf oom;
	ncc_ctx ctx;

	memset(&o, 0, sizeof o);
	ncc_ctx_init(&ctx, &oom);
	if (setjmp(oom) != 0)
		ck_abort_msg("out of memory");
	ncc_block b = ncp_module(&ctx, src, strlen(src));
	if (ctx.nerrors > 0) {
		snprintf(o.buf, sizeof o.buf, "%d:%d: %s", ctx.errors[0].line,
		    ctx.errors[0].col, ctx.errors[0].message);
	} else {
		ck_assert_uint_eq(b.n, 1);
		ck_assert_int_eq(b.items[0]->kind, S_ASSIGN);
		dump_expr(&o, b.items[0]->u.assign.value);
	}
	ncc_ctx_free(&ctx);
	return o.buf;
}

START_TEST(test_precedence)
{
	ck_assert_str_eq(parse_expr("x = 1 + 2 * 3 - 4"),
	    "(- (+ 1 (* 2 3)) 4)");
	ck_assert_str_eq(parse_expr("x = -2 ** 2"), "(neg (** 2 2))");
	ck_assert_str_eq(parse_expr("x = 2 ** -1 ** 2"), "(** 2 (neg (** 1 2)))");
	ck_assert_str_eq(parse_expr("x = -5"), "-5");
	ck_assert_str_eq(parse_expr("x = -9223372036854775808"),
	    "-9223372036854775808");
	ck_assert_str_eq(parse_expr("x = not a == b and c or d"),
	    "(or (and (not (cmp a == b)) c) d)");
	ck_assert_str_eq(parse_expr("x = a < b <= c != d"),
	    "(cmp a < b <= c != d)");
	ck_assert_str_eq(parse_expr("x = a not in b is not c"),
	    "(cmp a not-in b is-not c)");
	ck_assert_str_eq(parse_expr("x = a if b else c if d else e"),
	    "(if b a (if d c e))");
	ck_assert_str_eq(parse_expr("x = a // b % c / d"),
	    "(/ (% (// a b) c) d)");
}
END_TEST

START_TEST(test_displays)
{
	ck_assert_str_eq(parse_expr("x = (1)"), "1");
	ck_assert_str_eq(parse_expr("x = (1,)"), "(tuple 1)");
	ck_assert_str_eq(parse_expr("x = ()"), "(tuple)");
	ck_assert_str_eq(parse_expr("x = 1, 2"), "(tuple 1 2)");
	ck_assert_str_eq(parse_expr("x = [1, [2], {}]"), "(list 1 (list 2) (dict))");
	ck_assert_str_eq(parse_expr("x = {'a': 1, 2: b,}"), "(dict 'a' 1 2 b)");
	ck_assert_str_eq(parse_expr("x = 'a' 'b' \"c\""), "'abc'");
	ck_assert_str_eq(parse_expr("x = [i * 2 for i in r if i > 1 if i]"),
	    "(comp (* i 2) for i in r if (cmp i > 1) if i)");
	ck_assert_str_eq(parse_expr("x = [(k, v) for k, v in d.items()]"),
	    "(comp (tuple k v) for (tuple k v) in (call (. d items)))");
}
END_TEST

START_TEST(test_trailers)
{
	ck_assert_str_eq(parse_expr("x = a[1:2]"), "(sub a (slice 1 2 _))");
	ck_assert_str_eq(parse_expr("x = a[::-1]"), "(sub a (slice _ _ -1))");
	ck_assert_str_eq(parse_expr("x = a[:]"), "(sub a (slice _ _ _))");
	ck_assert_str_eq(parse_expr("x = a[1, 2]"), "(sub a (tuple 1 2))");
	ck_assert_str_eq(parse_expr("x = f(a)(b)[c].d"),
	    "(. (sub (call (call f a) b) c) d)");
	ck_assert_str_eq(parse_expr("x = print(a, b, sep='', end='\\n')"),
	    "(call print a b sep='' end='\n')");
	ck_assert_str_eq(parse_expr("x = ' '.join(l)"), "(call (. ' ' join) l)");
}
END_TEST

/* All diagnostics of a whole module parse, one per line. */
static const char *
parse_errors(const char *src)
{
	static char buf[2048];
	jmp_buf oom;
	ncc_ctx ctx;
	volatile size_t n = 0;

	buf[0] = '\0';
	ncc_ctx_init(&ctx, &oom);
	if (setjmp(oom) != 0)
		ck_abort_msg("out of memory");
	(void)ncp_module(&ctx, src, strlen(src));
	for (size_t i = 0; i < ctx.nerrors && n < sizeof buf; i++)
		n += (size_t)snprintf(buf + n, sizeof buf - n, "%s%d:%d: %s",
		    i ? "\n" : "", ctx.errors[i].line, ctx.errors[i].col,
		    ctx.errors[i].message);
	ncc_ctx_free(&ctx);
	return buf;
}

START_TEST(test_syntax_errors)
{
	ck_assert_str_eq(parse_errors("x = 5 5\n"), "1:7: invalid syntax");
	ck_assert_str_eq(parse_errors("if x\n  pass\n"), "1:5: expected ':'");
	ck_assert_str_eq(parse_errors("x = 1 +\n"), "1:8: invalid syntax");
	ck_assert_str_eq(parse_errors("def f():\nreturn 1\n"),
	    "2:1: expected an indented block after function definition on line 1");
	ck_assert_str_eq(parse_errors("x = 1\n  y = 2\n"), "2:3: unexpected indent");
	ck_assert_str_eq(parse_errors("def f(:\n    pass\n"), "1:7: invalid syntax");
	ck_assert_str_eq(parse_errors("f() = 1\n"), "1:1: cannot assign to "
	    "function call here. Maybe you meant '==' instead of '='?");
	ck_assert_str_eq(parse_errors("def f(a=1, b):\n    pass\n"),
	    "1:12: non-default argument follows default argument");
	ck_assert_str_eq(parse_errors("f(a=1, 2)\n"),
	    "1:8: positional argument follows keyword argument");
	ck_assert_str_eq(parse_errors("x = (1, 2) += 1\n"), "1:12: invalid syntax");
	ck_assert_str_eq(parse_errors("if x = 1:\n  pass\n"), "1:4: invalid syntax. "
	    "Maybe you meant '==' or ':=' instead of '='?");
	ck_assert_str_eq(parse_errors("while x = 1:\n  pass\n"), "1:7: invalid "
	    "syntax. Maybe you meant '==' or ':=' instead of '='?");
	ck_assert_str_eq(parse_errors("f(a b)\n"),
	    "1:3: invalid syntax. Perhaps you forgot a comma?");
	ck_assert_str_eq(parse_errors("x = [1 2]\n"),
	    "1:6: invalid syntax. Perhaps you forgot a comma?");
	ck_assert_str_eq(parse_errors("x = (a b)\n"),
	    "1:6: invalid syntax. Perhaps you forgot a comma?");
	ck_assert_str_eq(parse_errors("f(a, b c)\n"),
	    "1:6: invalid syntax. Perhaps you forgot a comma?");
	ck_assert_str_eq(parse_errors("x = {1: 2 3: 4}\n"),
	    "1:9: invalid syntax. Perhaps you forgot a comma?");
	ck_assert_str_eq(parse_errors("print \"x\"\n"), "1:1: Missing parentheses "
	    "in call to 'print'. Did you mean print(...)?");
	ck_assert_str_eq(parse_errors("(1, 2) += 1\n"),
	    "1:1: 'tuple' is an illegal expression for augmented assignment");
}
END_TEST

START_TEST(test_recovery)
{
	/* one error per broken statement, including inside blocks */
	ck_assert_str_eq(parse_errors(
	    "def f(x):\n"
	    "    y = = 1\n"
	    "    if x\n"
	    "        return 2\n"
	    "    return )\n"
	    "z = 3 +\n"
	    "def g(:\n"
	    "    pass\n"
	    "w = 1 2\n"),
	    "2:9: invalid syntax\n"
	    "3:9: expected ':'\n"
	    "5:12: unmatched ')'\n"
	    "6:8: invalid syntax\n"
	    "7:7: invalid syntax\n"
	    "9:7: invalid syntax");
}
END_TEST

START_TEST(test_recovery_clauses)
{
	/* the else/elif of a statement whose header failed are not errors */
	ck_assert_str_eq(parse_errors(
	    "def f(x):\n"
	    "    if x\n"
	    "        return 1\n"
	    "    elif x > 2:\n"
	    "        return 3\n"
	    "    else:\n"
	    "        return 2\n"
	    "    for i in x\n"
	    "        pass\n"
	    "    else:\n"
	    "        pass\n"
	    "    else:\n"
	    "        pass\n"),
	    "2:9: expected ':'\n"
	    "8:15: expected ':'");
	ck_assert_str_eq(parse_errors("else:\n    pass\n"), "1:1: invalid syntax");
}
END_TEST

START_TEST(test_unsupported_in_parser)
{
	ck_assert_str_eq(parse_errors(
	    "class A(B):\n    x = 1\n"
	    "@dec\n"
	    "def f(*args, **kw):\n"
	    "    global g\n"
	    "    with open(x) as h:\n        pass\n"
	    "    try:\n        pass\n    except E:\n        pass\n"
	    "    finally:\n        pass\n"
	    "    y = lambda a: a\n"
	    "    del y\n"
	    "    z = f'{y}' + b'x'\n"
	    "    s = {1, 2}\n"
	    "    if (n := 3):\n        pass\n"
	    "    q = a & b\n"
	    "    yield 1\n"
	    "    g = (i for i in y)\n"
	    "    d = {k: v for k, v in y}\n"
	    "from os import path\n"
	    "import time as t\n"
	    "async def h():\n    pass\n"),
	    "1:1: 'class' is not supported\n"
	    "3:1: decorator is not supported\n"
	    "4:7: '*args' is not supported\n"
	    "4:14: '**kwargs' is not supported\n"
	    "5:5: 'global' is not supported\n"
	    "6:5: 'with' is not supported\n"
	    "8:5: 'try' is not supported\n"
	    "14:9: 'lambda' is not supported\n"
	    "15:5: 'del' is not supported\n"
	    "16:9: f-string is not supported\n"
	    "16:18: bytes literal is not supported\n"
	    "17:9: set is not supported\n"
	    "18:11: ':=' is not supported\n"
	    "20:11: operator '&' is not supported\n"
	    "21:5: 'yield' is not supported\n"
	    "22:9: generator expression is not supported\n"
	    "23:9: dict comprehension is not supported\n"
	    "24:1: 'from ... import' is not supported\n"
	    "25:13: 'import ... as' is not supported\n"
	    "26:1: 'async' is not supported");
}
END_TEST

START_TEST(test_annotations)
{
	jmp_buf oom;
	ncc_ctx ctx;
	const char *src = "def f(a: int, b: list[ int ] = [], c: dict[str,int]"
	    " = 1, d = 2) -> tuple[int,  str]:\n    pass\n";

	ncc_ctx_init(&ctx, &oom);
	if (setjmp(oom) != 0)
		ck_abort_msg("out of memory");
	ncc_block b = ncp_module(&ctx, src, strlen(src));
	ck_assert_uint_eq(ctx.nerrors, 0);
	ck_assert_uint_eq(b.n, 1);
	ncc_fdef *f = b.items[0]->u.def;
	ck_assert_str_eq(f->name, "f");
	ck_assert_uint_eq(f->nparams, 4);
	ck_assert_str_eq(f->params[0].type, "int");
	ck_assert_ptr_null(f->params[0].dflt);
	ck_assert_str_eq(f->params[1].type, "list[int]");
	ck_assert_ptr_nonnull(f->params[1].dflt);
	ck_assert_str_eq(f->params[2].type, "dict[str, int]");
	ck_assert_str_eq(f->params[3].type, "any");
	ck_assert_str_eq(f->ret, "tuple[int, str]");
	ncc_ctx_free(&ctx);
}
END_TEST

START_TEST(test_deep_nesting)
{
	/* no input recurses deeply: each is an error, not a crash */
	size_t n = 100000;
	char *src = malloc(n * 2 + 16);
	ck_assert_ptr_nonnull(src);

	strcpy(src, "x = ");
	for (size_t i = 0; i < n; i++)
		src[4 + i] = '-';
	strcpy(src + 4 + n, "1\n");
	ck_assert_str_eq(parse_errors(src), "1:304: too many nested expressions");

	strcpy(src, "x = 1");
	for (size_t i = 0; i < n; i++)
		memcpy(src + 5 + 2 * i, "+1", 2);
	strcpy(src + 5 + 2 * n, "\n");
	ck_assert_str_eq(parse_errors(src), "1:2004: expression too complex");

	strcpy(src, "x = ");
	for (size_t i = 0; i < 1000; i++)
		memcpy(src + 4 + 4 * i, "not ", 4);
	src[4 + 4 * 1000] = '\0';
	strcat(src, "1\n");
	ck_assert_ptr_nonnull(strstr(parse_errors(src), "too many nested"));
	free(src);
}
END_TEST

static Suite *
parse_suite(void)
{
	Suite *s = suite_create("ncc_parse");
	TCase *tc = tcase_create("parse");

	tcase_add_test(tc, test_precedence);
	tcase_add_test(tc, test_displays);
	tcase_add_test(tc, test_trailers);
	tcase_add_test(tc, test_syntax_errors);
	tcase_add_test(tc, test_recovery);
	tcase_add_test(tc, test_recovery_clauses);
	tcase_add_test(tc, test_unsupported_in_parser);
	tcase_add_test(tc, test_annotations);
	tcase_add_test(tc, test_deep_nesting);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(parse_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
